"""The family and the cluster: many sites in one process, and sites leased to workers
sharing one Redis (:mod:`.crawl`: ``scrapy crawl family``, the round marks, waiting for a dead
holder's lease). The table of sites itself is data: :mod:`govnews.sites.family`; the lease is
the store's (:mod:`govnews.store.redis`), which the cluster uses.

May import :mod:`govnews.store`, :mod:`govnews.contract`, :mod:`govnews.sites`, :mod:`govnews.crawl.arguments`,
:mod:`govnews.logs`; not the operators' tools (the crawl command runs it) and no spider
class (sites' spiders are loaded by name).
"""
