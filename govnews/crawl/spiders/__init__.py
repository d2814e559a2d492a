"""The spiders Scrapy finds (``SPIDER_MODULES``): ``wuhan``, one per site of the family table,
their probes, and ``family``. See :mod:`govnews.crawl`."""
