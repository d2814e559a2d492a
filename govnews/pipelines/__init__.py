"""Item pipelines, one class a module, in the order ``ITEM_PIPELINES`` (settings.py)
runs them; docs/pipelines.md describes each.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.archive`, :mod:`govnews.feeds`, :mod:`govnews.contract`,
:mod:`govnews.store`, :mod:`govnews.changes`, :mod:`govnews.documents`, :mod:`govnews.sites`,
:mod:`govnews.logs`, :mod:`govnews.items` and :mod:`govnews.text` besides what every part reads
(:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``); may import
Scrapy and Twisted, not Redis. Built on by :mod:`govnews.ops`, which it never imports.
"""
