"""Count and back off from answers that mean "you are blocked"; never retry into them."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import deferred_from_coro

from govnews import stats_keys
from govnews.logs import for_crawler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# A JavaScript cookie challenge (sister Hubei sites answer 412 with one): a tiny page that
# sets a cookie and reloads itself.
_CHALLENGE_RE = re.compile(rb"document\.cookie\s*=.{0,400}?(?:location|reload)", re.S | re.I)
_CHALLENGE_MAX_BYTES = 8192


class BackOffWhenBlockedMiddleware:
    """Treat a block (``GOVNEWS_BLOCKED_STATUSES``, 412 and 429 by default, or a small
    page holding a JavaScript cookie challenge) as an error to count and slow down on.

    Changes: doubles the host's download delay (up to ``AUTOTHROTTLE_MAX_DELAY``) on each
    block, and halves it again on each good answer down to where it was. The response goes on
    unchanged, so it fails as an HTTP error of its status and is not retried (none of
    these statuses is in ``RETRY_HTTP_CODES``): a challenge never loops.

    Stops the crawl (reason ``blocked``) after ``GOVNEWS_BLOCKED_MAX`` consecutive blocks:
    past that point every request only feeds the block.

    Stats: ``govnews/blocked/<status>``, ``govnews/blocked/challenge``.
    """

    def __init__(self, stats: StatsCollector, statuses: set[int], max_consecutive: int, max_delay: float) -> None:
        self.stats = stats
        self.statuses = statuses
        self.max_consecutive = max_consecutive
        self.max_delay = max_delay
        self.consecutive = 0
        self.crawler: Crawler | None = None
        # Download delay of each slot before this middleware raised it.
        self.base_delays: dict[str, float] = {}

    @property
    def _logger(self) -> logging.LoggerAdapter[logging.Logger]:
        return for_crawler(logger, self.crawler) if self.crawler is not None else logging.LoggerAdapter(logger, {})

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackOffWhenBlockedMiddleware:
        assert crawler.stats is not None
        settings = crawler.settings
        middleware = cls(
            crawler.stats,
            {int(s) for s in settings.getlist("GOVNEWS_BLOCKED_STATUSES", [412, 429])},
            settings.getint("GOVNEWS_BLOCKED_MAX", 20),
            settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0),
        )
        middleware.crawler = crawler
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        challenge = len(response.body) <= _CHALLENGE_MAX_BYTES and bool(_CHALLENGE_RE.search(response.body))
        if response.status not in self.statuses and not (challenge and response.status >= 400):
            if response.status == 200:
                self.consecutive = 0
                self._recover(request)
            return response
        self.consecutive += 1
        self.stats.inc_value(stats_keys.BLOCKED(str(response.status)))
        if challenge:
            self.stats.inc_value(stats_keys.BLOCKED("challenge"))
        delay = self._back_off(request)
        self._logger.warning(
            "blocked: %s answered %d%s; delay for this host now %.1f s",
            request.url,
            response.status,
            " with a JavaScript cookie challenge" if challenge else "",
            delay,
        )
        if self.consecutive == self.max_consecutive:
            self._logger.error("stopping the crawl: %d blocked answers in a row", self.consecutive)
            assert self.crawler is not None and self.crawler.engine is not None
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        return response

    def _slot(self, request: Request) -> tuple[str, Any]:
        assert self.crawler is not None and self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def _back_off(self, request: Request) -> float:
        key, slot = self._slot(request)
        if slot is None:
            return 0.0
        self.base_delays.setdefault(key, slot.delay)
        slot.delay = min(max(slot.delay * 2, 2.0), self.max_delay)
        return float(slot.delay)

    def _recover(self, request: Request) -> None:
        """Pages flow again: halve the raised delay on each good answer, down to where it
        was (AutoThrottle, when on, adjusts it too)."""
        if not self.base_delays:
            return
        key, slot = self._slot(request)
        if slot is None or key not in self.base_delays:
            return
        base = self.base_delays[key]
        slot.delay = max(base, slot.delay / 2)
        if slot.delay <= base:
            del self.base_delays[key]
