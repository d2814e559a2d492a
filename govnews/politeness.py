"""The delay between two requests to one host, kept where the host sees it: on the wire.

Scrapy spaces a host's requests when it takes them from the download slot's queue, by
``DOWNLOAD_DELAY`` drawn at random between 0.5 and 1.5 times (``RANDOMIZE_DOWNLOAD_DELAY``,
on by default), and the request then goes out a little later, when the reactor gets to it:
a host can see two requests half a delay apart, or a few milliseconds closer than the
delay when the process is busy (measured on the family mirror: 38 ms for a 50 ms delay).
:class:`SpacedHTTPDownloadHandler` is Scrapy's HTTP/1.1 handler that holds a request,
just before it leaves, until ``DOWNLOAD_DELAY`` has passed since the response to the
previous request to the same ``host:port`` came back (the host had that request before it
answered, so no latency of ours can bring two requests closer than the delay). So
``DOWNLOAD_DELAY`` is a floor the host can measure, whatever AutoThrottle or the
randomisation decide above it; a slow host is asked a little less often. With sites leased to workers
(:mod:`govnews.family`), one worker at a time talks to a host, so the floor holds for a
cluster as a whole. With ``DOWNLOAD_DELAY = 0`` (tests, benchmarks) it does nothing.

A request whose ``meta`` holds ``govnews_pause`` (seconds) waits that long first: the spider
asks the end of a column without a pager again after a pause (docs/incremental.md).

Stats: ``govnews/politeness/waited`` (requests held back), ``govnews/politeness/waited_ms``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class SpacedHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` with ``DOWNLOAD_DELAY`` as a floor between the moments two
    requests to one ``host:port`` leave (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._floor = max(0.0, crawler.settings.getfloat("DOWNLOAD_DELAY"))
        self._next_start: dict[str, float] = {}
        self._stats = crawler.stats
        self._crawler = crawler
        # Twisted sends a request again on a new connection by itself when a persistent one
        # drops before the answer: that would pass around the lease's fence (a connection
        # aborted on SIGCONT, govnews.middlewares.fence). Scrapy's retry middleware retries
        # instead, through every check.
        self._pool.retryAutomatically = False

    async def download_request(self, request: Request) -> Response:
        if (pause := float(request.meta.get("govnews_pause") or 0)) > 0:
            # A page asked again after a pause (the end of a column without a pager).
            await _sleep(pause)
        if self._floor:
            host = urlparse_cached(request).netloc
            now = time.monotonic()
            # Reserve this request's moment first, so that requests waiting together
            # leave one floor apart, not all at once.
            start = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = start + self._floor
            if (wait := start - now) > 0:
                if self._stats is not None:
                    self._stats.inc_value("govnews/politeness/waited")
                    self._stats.inc_value("govnews/politeness/waited_ms", round(wait * 1000))
                await _sleep(wait)
            try:
                self._fence(request)
                return await super().download_request(request)
            finally:
                # The host had this request before its response came back: counting the
                # floor from here, the reactor's own latency can never shorten it.
                self._next_start[host] = max(self._next_start[host], time.monotonic() + self._floor)
        self._fence(request)
        return await super().download_request(request)

    def _fence(self, request: Request) -> None:
        """The last check before a request leaves, after every wait: a run past its lease's
        deadline asks the site nothing (``lease_fence``, see govnews.middlewares.fence)."""
        fence = getattr(self._crawler.spider, "lease_fence", None)
        if fence is not None and not fence():
            if self._stats is not None:
                self._stats.inc_value("govnews/fence/requests_refused")
            raise IgnoreRequest("the run's lease on its site ended: no request is made")
