"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl``, with arguments checked
before the crawl starts (:mod:`.crawl`)."""
