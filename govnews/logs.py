"""Log records that name their site: every govnews component logs through these adapters, so
that a log line counts for the crawler it belongs to (``log_count/<LEVEL>`` per site, see
:mod:`govnews.ops.health.logcount`), as Scrapy's own records do with ``extra={"spider": …}``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def for_spider(logger: logging.Logger, spider: Any) -> logging.LoggerAdapter[logging.Logger]:
    """``logger`` whose records name ``spider`` (as Scrapy's own records do)."""
    return logging.LoggerAdapter(logger, {"spider": spider})


def for_crawler(logger: logging.Logger, crawler: Crawler) -> logging.LoggerAdapter[logging.Logger]:
    """``logger`` whose records name ``crawler`` (a component that has no spider yet)."""
    return logging.LoggerAdapter(logger, {"crawler": crawler})
