"""The sites as data: what a site of the family looks like (:mod:`.site`: hosts, columns,
title suffix, backend), the main site (:mod:`.wuhan`) and the family table
(:mod:`.family`: every site, keys and hosts, :func:`~.family.site_key`).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.text` besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import none of Scrapy, Twisted and
Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.family`, :mod:`govnews.pipelines`,
:mod:`govnews.crawl`, :mod:`govnews.contract`, :mod:`govnews.store`, :mod:`govnews.discover`
and :mod:`govnews.extract`, which it never imports.
"""
