"""An archive of what was fetched (WARC/1.1), and a crawl replayed from it (docs/archive.md).

* :mod:`govnews.archive.writer`: the WARC files of a run (warcio; no Scrapy import);
* :mod:`govnews.archive.reader`: a folder, a WARC file or a WACZ read back, by URL;
* :mod:`govnews.archive.middleware`: the downloader middlewares that write and replay;
* :mod:`govnews.archive.wacz`: a CDXJ index and a WACZ of a run's archive.
"""
