"""Log records that name their site: every govnews component logs through these adapters, so
that a log line counts for the crawler it belongs to (``log_count/<LEVEL>`` per site, see
:mod:`govnews.ops.health.logcount`), as Scrapy's own records do with ``extra={"spider": …}``.

Two marks a record may carry (``marks``), read by the terminal's console
(:mod:`govnews.ops.screen`); the log file and every other handler show the record as it is:

* :data:`COUNTED`: the event is counted in the stats and the run's closing block says it (a
  page skipped or failed, the health block): on a terminal it is left to that block;
* :data:`SCREEN`: an INFO line meant for the person at the terminal (what a stop waits for).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


COUNTED = "govnews_counted"
SCREEN = "govnews_screen"


def for_spider(logger: logging.Logger, spider: Any, *marks: str) -> logging.LoggerAdapter[logging.Logger]:
    """``logger`` whose records name ``spider`` (as Scrapy's own records do), with ``marks``."""
    return logging.LoggerAdapter(logger, {"spider": spider, **dict.fromkeys(marks, True)})


def for_crawler(logger: logging.Logger, crawler: Crawler, *marks: str) -> logging.LoggerAdapter[logging.Logger]:
    """``logger`` whose records name ``crawler`` (a component that has no spider yet), with ``marks``."""
    return logging.LoggerAdapter(logger, {"crawler": crawler, **dict.fromkeys(marks, True)})


def marked(record: logging.LogRecord, mark: str) -> bool:
    """True when ``record`` carries ``mark`` (:data:`COUNTED`, :data:`SCREEN`)."""
    return bool(getattr(record, mark, False))
