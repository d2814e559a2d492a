"""An archive of what was fetched (WARC/1.1), and a crawl replayed from it (docs/archive.md).

* :mod:`govnews.archive.writer`: the WARC files of a run (warcio; no Scrapy import);
* :mod:`govnews.archive.reader`: a folder, a WARC file or a WACZ read back, by URL;
* :mod:`govnews.archive.middleware`: the downloader middlewares that write and replay;
* :mod:`govnews.archive.index`: a CDXJ index and a WACZ of a run's archive.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.feeds` and :mod:`govnews.contract` besides what every part reads
(:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``); may import
Scrapy and Twisted, not Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.pipelines` and
:mod:`govnews.crawl`, which it never imports.
"""
