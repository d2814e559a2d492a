"""The crawl: what to request, when, and how fast.

* :mod:`.spiders` — the spiders (``SPIDER_MODULES``): the generic site spider
  (:mod:`.spiders.wuhan`), one per row of the family table (:mod:`.spiders.family`), the
  probe and its discover mode; thin: which pages to ask for and when to stop, the walk's
  rule living in :mod:`govnews.store.walk` and the reading of a page in :mod:`govnews.extract`;
* :mod:`.arguments` — the spiders' arguments, parsed once, with errors that say what is allowed;
* :mod:`.politeness` — the download handler: the per-host floor and the per-backend budget;
* :mod:`.allowed_hosts`, :mod:`.blocked`, :mod:`.fence` — downloader middlewares and the
  lease's fence: no other host, back off when blocked, no request past a lease's deadline.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.archive`, :mod:`govnews.feeds`, :mod:`govnews.contract`,
:mod:`govnews.store`, :mod:`govnews.discover`, :mod:`govnews.documents`,
:mod:`govnews.extract`, :mod:`govnews.sites`, :mod:`govnews.logs`, :mod:`govnews.items` and
:mod:`govnews.text` besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import Scrapy and Twisted, not
Redis. Built on by :mod:`govnews.ops` and :mod:`govnews.family`, which it never imports.
"""
