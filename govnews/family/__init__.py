"""The family and the cluster: many sites in one process, and sites leased to workers
sharing one Redis (:mod:`.crawl`: ``scrapy crawl family``, the round marks, waiting for a dead
holder's lease). The table of sites itself is data: :mod:`govnews.sites.family`; the lease is
the store's (:mod:`govnews.store.redis`), which the cluster uses.

The crawl command (:mod:`govnews.ops.commands.crawl`) runs it; it names no spider class (a
site's spider is loaded by name).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.crawl`, :mod:`govnews.contract`, :mod:`govnews.store`,
:mod:`govnews.sites` and :mod:`govnews.logs` besides what every part reads
(:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``); may import
Scrapy, Twisted and Redis. Built on by :mod:`govnews.ops`, which it never imports.
"""
