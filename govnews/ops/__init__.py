"""What operators run: the crawl command (:mod:`.commands`), the state listing
(:mod:`.state_command`: ``scrapy govnews-state``), the page of changes
(:mod:`.changes_command`: ``scrapy govnews-changes``), scheduling on scrapyd (:mod:`.schedule`),
progress (:mod:`.progress`) and the end-of-run health checks (:mod:`.health`).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.family`, :mod:`govnews.pipelines`, :mod:`govnews.crawl`,
:mod:`govnews.archive`, :mod:`govnews.feeds`, :mod:`govnews.contract`, :mod:`govnews.store`,
:mod:`govnews.changes`, :mod:`govnews.discover`, :mod:`govnews.documents`,
:mod:`govnews.extract`, :mod:`govnews.sites`, :mod:`govnews.logs`, :mod:`govnews.items` and
:mod:`govnews.text` besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import Scrapy and Twisted, not
Redis. No part imports it: Scrapy loads it by the names the settings give.
"""
