"""How fast a host, and the publishing system behind it, are asked: kept on the wire.

**The floor of a host.** Scrapy spaces a host's requests when it takes them from the
download slot's queue, by ``DOWNLOAD_DELAY`` drawn at random between 0.5 and 1.5 times
(``RANDOMIZE_DOWNLOAD_DELAY``, on by default), and the request then goes out a little later,
when the reactor gets to it: a host can see two requests half a delay apart, or a few
milliseconds closer than the delay when the process is busy (measured on the family mirror:
38 ms for a 50 ms delay). :class:`SpacedHTTPDownloadHandler` is Scrapy's HTTP/1.1 handler
that holds a request, just before it leaves, until ``DOWNLOAD_DELAY`` has passed since the
response to the previous request to the same ``host:port`` came back (the host had that
request before it answered, so no latency of ours can bring two requests closer than the
delay). So ``DOWNLOAD_DELAY`` is a floor the host can measure, whatever AutoThrottle or the
randomisation decide above it; a slow host is asked a little less often.

**The budget of a backend.** Every host of the Wuhan family is served by one TRS WCM
instance (``Site.backend`` in the family table names it): eight hosts crawled at once, each
at its floor, ask that one server eight times as fast as one host would. So on top of each
host's floor, the requests to all hosts of one backend, together, leave at least
``DOWNLOAD_DELAY / GOVNEWS_BACKEND_BUDGET`` apart (default budget 2: the backend is asked
at most twice as fast as one host; 0 turns the budget off). The backend of a request is its
spider's ``site.backend`` (a spider without a site: its host alone). A request takes a turn
before it leaves: the first moment at which both its host and its backend are free; the
turn holds the host for the floor and the backend for the budget's interval (each plus a
few milliseconds, below), and the request sleeps until then without blocking the reactor.

* **In one process** (no Redis) the times are this module's, shared by every crawler of the
  process (``scrapy crawl family`` runs one crawler a site): :data:`PROCESS_TIMES`.
* **Cluster-wide** (``REDIS_URL``) each turn is taken in Redis by a Lua script on the
  server's own clock (``TIME``: the workers' clocks never meet), which keeps a next-free
  time per backend and per host (:mod:`govnews.store.turns` speaks to Redis; this module
  asks it through :class:`~govnews.store.turns.SharedTimes`): workers sharing a backend
  share its budget, and runs that take no lease (``-a probe=1``, ``-a incremental=0``) are
  spaced on a host they share with another run. After a response the host's next time moves
  to the response's moment plus the floor, here and in Redis. Keys expire once their time has passed. Cost: one round
  trip to take a turn (on the request's path), one to note the response. A Redis that fails
  or does not answer never stops the run: the turn is taken in this process's own times
  instead (counted, logged once), and Redis is asked again a few seconds later.

**A turn taken late is taken again.** A busy reactor can wake a request after its moment,
which would bring it closer to the next request than the interval. A request woken more
than :data:`LATE_MARGIN` (2 ms, plus the Redis round trip when the turn came from Redis)
after its moment does not go: it takes a new turn. A turn holds its host and backend
:data:`HOLD_MARGIN` (5 ms, plus that round trip) longer than the floor and the interval, to
cover that lateness and the moment the reactor takes to put the request on the wire. So the
requests of a backend reach its hosts at least the interval apart, and the achieved rate
is a little under the budget (at the default one-second delay, 1 % under; at the tests'
50 ms delay, a sixth under).

**The lease's fence.** After every wait, the spider's ``lease_fence()`` is asked, when it
has one, and once more, with the lease's server, when the request's connection is ready
(:class:`govnews.crawl.fence.FencedConnectionPool`): a run whose lease on its site has ended
makes no request (:class:`~scrapy.exceptions.IgnoreRequest`).

A request whose ``meta`` holds ``govnews_pause`` (seconds) waits that long first: the spider
asks the end of a column without a pager again after a pause (docs/incremental.md).

**A stop cancels.** Every download (its waits included) is cancellable: when the run stops,
:func:`govnews.crawl.stop.cancel_in_flight` calls :meth:`SpacedHTTPDownloadHandler.cancel_downloads`,
which cancels those under way and refuses the ones that come after (``govnews.crawl.stop``).

With ``DOWNLOAD_DELAY = 0`` (tests, benchmarks) no floor, no budget, no Redis.

Stats (``govnews/politeness/…``): ``waited`` and ``waited_ms`` (requests held back, and for
how long), ``waited_for_host`` and ``waited_for_backend`` (which of the two held them),
``taken_again`` (turns taken late), ``redis_turns`` (turns taken in Redis),
``redis_fallbacks`` (Redis calls that failed or were skipped after a failure: the process's
own times stood in), ``fenced`` (requests not made because the lease had ended).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer, task

from govnews import stats_keys
from govnews.contract import contract_of, fence_of
from govnews.crawl import stop
from govnews.crawl.fence import FencedConnectionPool
from govnews.logs import for_crawler
from govnews.store import redis_url
from govnews.store.turns import Held, SharedTimes

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

DEFAULT_BACKEND_BUDGET = 2.0
"""The backend's rate as a multiple of one host's (``GOVNEWS_BACKEND_BUDGET``)."""
LATE_MARGIN = 0.002
"""Seconds a request may leave after its turn's moment; later, it takes a new turn."""
HOLD_MARGIN = 0.005
"""Seconds a turn holds its host and backend beyond the floor and the interval: the
:data:`LATE_MARGIN` a request may take, and the millisecond or few a busy reactor may take
to put the request on the wire once the handler has let it go (measured on the family mirror
by the kernel's receive times: half a millisecond mostly, a few under load)."""
REDIS_RETRY_AFTER = 5.0
"""Seconds after a failed Redis call during which turns are taken locally without asking it."""

FENCED = "the run's lease on its site ended: no request is made"


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


@dataclass(frozen=True)
class Turn:
    """When a request may leave, in this process's ``time.monotonic()``."""

    not_before: float
    """The request leaves no earlier than this (its turn's moment, or later)."""
    deadline: float
    """Past this the turn is stale: the request takes a new one."""
    held_by: Held
    """What pushed the moment past now: the host's floor, the backend's budget, or nothing."""


@dataclass
class LocalTimes:
    """The next free moment of each host and each backend, in ``time.monotonic()``.

    One instance (:data:`PROCESS_TIMES`) serves every crawler of a process, so that the sites
    of ``scrapy crawl family`` share their backend's budget. Four hosts of one backend, a
    50 ms floor, a budget of 2 (25 ms apart), asked at once; then ``a`` again:

    >>> times = LocalTimes()
    >>> turns = [times.take(h, "trs", now=0.0, host_hold=0.05, backend_hold=0.025) for h in "abca"]
    >>> [(round(t.not_before, 3), t.held_by) for t in turns]
    [(0.0, None), (0.025, 'backend'), (0.05, 'backend'), (0.075, 'backend')]

    A host's response moves its next moment to the response's plus the floor:

    >>> times.responded("b", now=0.2, floor=0.05)
    >>> times.take("b", "trs", now=0.21, host_hold=0.05, backend_hold=0.025).held_by
    'host'
    """

    hosts: dict[str, float] = field(default_factory=dict)
    backends: dict[str, float] = field(default_factory=dict)

    def take(
        self, host: str, backend: str, *, now: float, host_hold: float, backend_hold: float, tolerance: float = 0.0
    ) -> Turn:
        """The first moment from ``now`` at which both ``host`` and ``backend`` are free; it
        holds the host for ``host_hold`` and the backend for ``backend_hold`` (0: no budget)."""
        at = now
        held_by: Held = None
        if (host_free := self.hosts.get(host, 0.0)) > at:
            at = host_free
            held_by = "host"
        if backend_hold and (backend_free := self.backends.get(backend, 0.0)) > at:
            at = backend_free
            held_by = "backend"
        self.hold(host, backend, at, host_hold=host_hold, backend_hold=backend_hold)
        return Turn(at, at + tolerance, held_by)

    def hold(self, host: str, backend: str, at: float, *, host_hold: float, backend_hold: float) -> None:
        """Note a turn at ``at`` (taken here or in Redis), so that later turns come after it."""
        self.hosts[host] = max(self.hosts.get(host, 0.0), at + host_hold)
        if backend_hold:
            self.backends[backend] = max(self.backends.get(backend, 0.0), at + backend_hold)

    def responded(self, host: str, *, now: float, floor: float) -> None:
        """The host answered at ``now``: its next request no earlier than ``now + floor``."""
        self.hosts[host] = max(self.hosts.get(host, 0.0), now + floor)

    def host_free_in(self, host: str, now: float) -> float:
        """Seconds from ``now`` until this process lets ``host`` be asked again."""
        return max(0.0, self.hosts.get(host, 0.0) - now)


PROCESS_TIMES = LocalTimes()
"""Every crawler of the process takes its turns here (without Redis, and when Redis fails)."""


class SpacedHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` with ``DOWNLOAD_DELAY`` as a floor between the moments two
    requests to one ``host:port`` leave, and a budget across the hosts of one backend (see
    the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._floor = max(0.0, crawler.settings.getfloat("DOWNLOAD_DELAY"))
        budget = crawler.settings.getfloat("GOVNEWS_BACKEND_BUDGET", DEFAULT_BACKEND_BUDGET)
        self._interval = self._floor / budget if budget > 0 else 0.0
        self._stats = crawler.stats
        self._times = PROCESS_TIMES
        self._log = for_crawler(logger, crawler)
        url = redis_url(crawler.settings)
        self._shared: SharedTimes | None = None
        if self._floor and url:
            if is_asyncio_available():
                self._shared = SharedTimes(url)
            else:
                self._log.warning(
                    "politeness: REDIS_URL is set, but turns are taken in Redis on the asyncio reactor only "
                    "(TWISTED_REACTOR); this process spaces its own requests alone"
                )
        self._redis_rtt = 0.0
        """The slowest recent round trip to Redis (halved at each turn, so that a slow one, the
        first with its connection, soon weighs no more): the margin a turn taken there holds."""
        self._redis_retry_at = 0.0
        self._redis_failure_logged = False
        # The last check of the lease's fence runs when a request's connection is ready, new
        # or kept (govnews.crawl.fence): Scrapy's pool, with that check, same settings.
        from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

        pool = FencedConnectionPool(reactor, self._fence_confirmed, self._refused_on_connection, persistent=True)
        pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
        pool._factory = self._pool._factory  # Scrapy's lenient HTTP/1.1 client, as Scrapy sets it
        # Twisted sends a request again on a new connection by itself when a persistent one
        # drops before the answer: that would pass around the lease's fence (a connection
        # aborted on SIGCONT, govnews.crawl.fence). Scrapy's retry middleware retries
        # instead, through every check.
        pool.retryAutomatically = False
        self._pool = pool
        self._downloads: set[defer.Deferred[Response]] = set()
        self._stopping = False
        stop.register(crawler, self)

    async def download_request(self, request: Request) -> Response:
        """The download and its waits, cancellable as one (:meth:`cancel_downloads`)."""
        if self._stopping:
            raise stop.stop_error()
        download = deferred_from_coro(self._download_politely(request))
        self._downloads.add(download)
        try:
            return await maybe_deferred_to_future(download)
        except (defer.CancelledError, asyncio.CancelledError):
            if self._stopping:
                raise stop.stop_error() from None
            raise
        finally:
            self._downloads.discard(download)

    def cancel_downloads(self) -> int:
        """The run is stopping: cancel every download under way (waiting for its turn, for a
        pause, or on the wire) and refuse those to come; returns how many were cancelled."""
        self._stopping = True
        downloads = list(self._downloads)
        for download in downloads:
            download.cancel()
        return len(downloads)

    async def _download_politely(self, request: Request) -> Response:
        if (pause := float(request.meta.get("govnews_pause") or 0)) > 0:
            # A page asked again after a pause (the end of a column without a pager).
            await _sleep(pause)
        if not self._floor:
            self._check_fence()
            return await super().download_request(request)
        host = urlparse_cached(request).netloc
        backend = self._backend_of(host)
        await self._wait_for_turn(host, backend)
        self._check_fence()
        try:
            return await super().download_request(request)
        finally:
            # The host had this request before its response came back: counting the
            # floor from here, the reactor's own latency can never shorten it.
            await self._responded(host, backend)

    def _backend_of(self, host: str) -> str:
        contract = contract_of(self._crawler.spider)
        return (contract.site.backend if contract is not None else "") or host

    def _fence_confirmed(self) -> bool:
        """The last check before a request's bytes leave: the lease, confirmed by its server."""
        fenced = fence_of(self._crawler.spider)
        return fenced is None or fenced.lease_fence(confirm=True)

    def _refused_on_connection(self) -> None:
        self._inc("fenced")
        if self._stats is not None:
            self._stats.inc_value(stats_keys.FENCE("requests_refused"))
            self._stats.inc_value(stats_keys.FENCE("refused_on_connection"))

    def _check_fence(self) -> None:
        fenced = fence_of(self._crawler.spider)
        if fenced is not None and not fenced.lease_fence():
            self._inc("fenced")
            if self._stats is not None:
                self._stats.inc_value(stats_keys.FENCE("requests_refused"))
            raise IgnoreRequest(FENCED)

    async def _wait_for_turn(self, host: str, backend: str) -> None:
        while True:
            turn = await self._take_turn(host, backend)
            if (wait := turn.not_before - time.monotonic()) > 0:
                self._inc("waited")
                self._inc("waited_ms", round(wait * 1000))
                if turn.held_by is not None:
                    self._inc(f"waited_for_{turn.held_by}")
                await _sleep(wait)
            if time.monotonic() <= turn.deadline:
                return
            # Woken later than the turn's margin: going now could come closer than the
            # interval to the turn after it.
            self._inc("taken_again")

    async def _take_turn(self, host: str, backend: str) -> Turn:
        host_hold, backend_hold = self._holds(0.0)
        if self._shared is not None and time.monotonic() >= self._redis_retry_at:
            # The turn's moment is known to within the round trip: it holds that much longer.
            host_hold, backend_hold = self._holds(self._redis_rtt)
            margin = LATE_MARGIN + self._redis_rtt
            asked = time.monotonic()
            try:
                wait, held_by = await self._shared.take(
                    host,
                    backend,
                    not_before=self._times.host_free_in(host, asked),
                    host_hold=host_hold,
                    backend_hold=backend_hold,
                )
            except Exception as error:  # whatever Redis does, the crawl goes on
                self._redis_failed(error)
            else:
                answered = time.monotonic()
                self._redis_rtt = max(answered - asked, 0.5 * self._redis_rtt)
                self._inc("redis_turns")
                # The server's now fell between asked and answered: leaving after answered + wait
                # is never early; leaving by asked + wait + margin is never later than the margin.
                self._times.hold(host, backend, answered + wait, host_hold=host_hold, backend_hold=backend_hold)
                return Turn(answered + wait, asked + wait + margin, held_by)
        elif self._shared is not None:
            self._inc("redis_fallbacks")
        return self._times.take(
            host, backend, now=time.monotonic(), host_hold=host_hold, backend_hold=backend_hold, tolerance=LATE_MARGIN
        )

    def _holds(self, extra: float) -> tuple[float, float]:
        """How long a turn holds its host and its backend (0: no budget)."""
        margin = HOLD_MARGIN + extra
        return self._floor + margin, (self._interval + margin if self._interval else 0.0)

    async def _responded(self, host: str, backend: str) -> None:
        self._times.responded(host, now=time.monotonic(), floor=self._floor)
        if self._shared is None:
            return
        if time.monotonic() < self._redis_retry_at:
            self._inc("redis_fallbacks")
            return
        try:
            await self._shared.responded(host, backend, floor=self._floor)
        except Exception as error:  # whatever Redis does, the crawl goes on
            self._redis_failed(error)

    def _redis_failed(self, error: BaseException) -> None:
        assert self._shared is not None
        self._inc("redis_fallbacks")
        self._redis_retry_at = time.monotonic() + REDIS_RETRY_AFTER
        if not self._redis_failure_logged:
            self._redis_failure_logged = True
            self._log.warning(
                "politeness: Redis at %s failed to space a request (%s: %s); this process spaces "
                "its own requests until Redis answers again (asked again every %.0f s)",
                self._shared.where,
                type(error).__name__,
                error,
                REDIS_RETRY_AFTER,
            )

    def _inc(self, key: str, count: int = 1) -> None:
        if self._stats is not None:
            self._stats.inc_value(stats_keys.POLITENESS(key), count)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._shared is not None:
                await self._shared.close()
