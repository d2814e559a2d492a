"""Extraction: one page in, fields out; pure functions of the HTML, no Scrapy.

* :mod:`.listing` — a list page: its rows (URL, title, date) in every row form the sites use,
  and its pager (page count, next page);
* :mod:`.article` — an article page: title, publish time, source, body paragraphs, images,
  attachments, the government metadata tags; soft-404 pages;
* :mod:`.title` — the article's title among its candidates (heading, ``<title>``, meta);
* :mod:`.blocks` — the visible text of an element as paragraphs (block tags, ``<br>``, hidden
  elements);
* :mod:`.scripts` — values written by inline scripts (``var`` assignments, ``document.write``);
* :mod:`.dates` — dates and times as the sites write them, to ISO 8601 at +08:00;
* :mod:`.encoding` — the page's charset (GBK pages that say UTF-8, and the reverse);
* :mod:`.html` — the one parser call every reader shares.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.sites` and :mod:`govnews.text` besides what every part reads
(:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``); may import
none of Scrapy, Twisted and Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.crawl` and
:mod:`govnews.discover`, which it never imports.
"""
