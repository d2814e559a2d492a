"""The crawl: what to request, when, and how fast.

* :mod:`.spiders` — the spiders (``SPIDER_MODULES``): the generic site spider
  (:mod:`.spiders.wuhan`), one per row of the family table (:mod:`.spiders.family`), the
  probe and its discover mode; thin: which pages to ask for and when to stop, the walk's
  rule living in :mod:`govnews.store.walk` and the reading of a page in :mod:`govnews.extract`;
* :mod:`.arguments` — the spiders' arguments, parsed once, with errors that say what is allowed;
* :mod:`.politeness` — the download handler: the per-host floor and the per-backend budget;
* :mod:`.allowed_hosts`, :mod:`.blocked`, :mod:`.fence` — downloader middlewares and the
  lease's fence: no other host, back off when blocked, no request past a lease's deadline.

May import :mod:`govnews.extract`, :mod:`govnews.discover`, :mod:`govnews.store`,
:mod:`govnews.contract`, :mod:`govnews.feeds`, :mod:`govnews.sites`, :mod:`govnews.items`, :mod:`govnews.text`,
:mod:`govnews.logs`; never the pipelines, the family or the operators' tools (they build on it).
"""
