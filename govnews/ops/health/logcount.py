"""Log lines counted per site: ``log_count/<LEVEL>`` in a crawler's stats holds that crawler's
own lines, not the process's.

Scrapy's ``LogCount`` extension installs, per crawler, a handler on the root logger that
counts *every* record. With one crawler per process that is the run's count; in ``scrapy
crawl family`` (one crawler per site in one process) every site would count every other
site's ERROR lines, and one site's outage would fail every site's health verdict.
:class:`SiteLogCount` replaces it (``EXTENSIONS``): its handler counts a record for its
crawler only when the record belongs to it:

* the record names its spider (Scrapy's own log calls pass ``extra={"spider": …}``; so do
  govnews's, through :func:`govnews.logs.for_spider`) or its crawler (``extra={"crawler": …}``,
  :func:`govnews.logs.for_crawler`), and that is this crawler's;
* or it names none and this crawler is the only one counting in the process (a plain
  ``scrapy crawl``: every line is the run's, as with Scrapy's extension).

A record that names no crawler while several are counting belongs to no site: it is counted
in :data:`UNATTRIBUTED` (per level), which ``scrapy crawl family`` reports beside the sites.

Stats: ``log_count/<LEVEL>`` (as Scrapy's extension writes them); ``log_count/ERROR`` is
there from the start, 0 until an ERROR line comes, so that the ERROR-lines check judges a
clean run (spidermon's monitor skips a run without the key, and says so at INFO).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

UNATTRIBUTED: Counter[str] = Counter()
"""Records, by level name, that named no crawler while several crawlers were counting."""

_COUNTING: list[Crawler] = []
_GUARD = threading.Lock()


def owner_of(record: logging.LogRecord) -> Any:
    """The crawler a log record names (through its spider or directly), or None."""
    crawler = getattr(record, "crawler", None)
    if crawler is not None:
        return crawler
    return getattr(getattr(record, "spider", None), "crawler", None)


class _SiteLogCounter(logging.Handler):
    def __init__(self, crawler: Crawler, level: int) -> None:
        super().__init__(level)
        self.crawler = crawler

    def emit(self, record: logging.LogRecord) -> None:
        owner = owner_of(record)
        if owner is None:
            with _GUARD:
                alone = [self.crawler] == _COUNTING
                first = bool(_COUNTING) and _COUNTING[0] is self.crawler
            if not alone:
                if first:  # one count per record, whatever the number of handlers
                    UNATTRIBUTED[record.levelname] += 1
                return
        elif owner is not self.crawler:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"log_count/{record.levelname}")


class SiteLogCount:
    """Scrapy's ``LogCount`` with per-crawler attribution (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.handler: _SiteLogCounter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteLogCount:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("log_count/ERROR", self.crawler.stats.get_value("log_count/ERROR", 0))
        level = logging.getLevelName(self.crawler.settings.get("LOG_LEVEL"))
        self.handler = _SiteLogCounter(self.crawler, level if isinstance(level, int) else logging.DEBUG)
        with _GUARD:
            _COUNTING.append(self.crawler)
        logging.root.addHandler(self.handler)

    def spider_closed(self) -> None:
        if self.handler is not None:
            logging.root.removeHandler(self.handler)
            self.handler = None
        with _GUARD:
            if self.crawler in _COUNTING:
                _COUNTING.remove(self.crawler)
