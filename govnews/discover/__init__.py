"""Discovery of a site's columns: from a host name to a row of the site table.

``scrapy crawl <site>_probe -a discover=1`` (:mod:`govnews.crawl.spiders.discover` is the thin
Scrapy part) walks a site's own navigation from its home page and reports every column
it finds. Everything that decides is here, with no Scrapy import:

* :mod:`~govnews.discover.links`: the links a page offers a reader who navigates: anchors,
  tab heads whose panes load another page (``data-url``), menus written by script;
* :mod:`~govnews.discover.pages`: whether a page is a column's list page (by its rows, not
  by known paths) and what the page calls the column;
* :mod:`~govnews.discover.walk`: which links to follow, within a request budget and a
  depth, past traps (calendars, ``?page=`` loops, link farms);
* :mod:`~govnews.discover.report`: the report for people (a table) and for code (JSON);
* :mod:`~govnews.discover.table`: which row of the site table a host is, and the ready
  entry for that table (``-a emit=table``).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.extract`, :mod:`govnews.sites` and :mod:`govnews.text` besides what
every part reads (:mod:`govnews.settings`, :mod:`govnews.stats_keys` and
``govnews.__version__``); may import none of Scrapy, Twisted and Redis. Built on by
:mod:`govnews.ops` and :mod:`govnews.crawl`, which it never imports.
"""
