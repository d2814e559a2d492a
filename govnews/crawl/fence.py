"""No request on a lease that ended: a run whose lease is lost asks the site nothing.

A worker paused longer than its lease (SIGSTOP, a frozen cgroup, a stalled VM), or whose
lease expired early on the Redis server (its clock stepped forward, a failover lost the last
renewal, an eviction, a restart without persistence), may find another worker holding its
site. **Any sign of a lost lease stops the worker at once**: a server-side check (a store
write, or the check below, finding another run's lease), a renewal the server refuses, or the
lease's deadline passing (:class:`govnews.store.lease.RedisLock`). Then every fence refuses,
the requests in flight are cancelled (:func:`govnews.crawl.stop.cancel_in_flight`) and the
spider stops with finish reason ``store_lease_lost``. The checks on a request's way:

* as it enters the downloader (:class:`LeaseFenceMiddleware`) and after the politeness waits
  (:class:`govnews.crawl.politeness.SpacedHTTPDownloadHandler`): the lease not found lost, its
  deadline not passed (local, no round trip);
* **the last, once its connection is made** (:class:`FencedConnectionPool`), right before
  the request's bytes are handed to it: the same, and the lease's server asked (one Redis
  round trip: its key still holds this run's value). A request that waited for a new
  connection while the process was paused is refused here, whatever the connection;
* a request that had passed every check when the process was paused may sit in the
  reactor's write buffers: on SIGCONT (:class:`LeaseFence`) a process whose lease is lost
  aborts its open HTTP connections before the reactor writes them. A frozen cgroup sends no
  SIGCONT: then that one request, whose last check passed before the pause, is sent. No
  client can do better without the host's help (docs/distributed.md states the bound).

A deadline that passes while nothing is asked or written (a slow response, an idle crawl) is
noticed by :class:`LeaseFence` within :data:`WATCH_INTERVAL`.

Stats: ``govnews/fence/requests_refused`` (of them ``…/refused_on_connection``),
``govnews/fence/connections_aborted``, ``govnews/fence/cancelled``.
"""

from __future__ import annotations

import logging
import signal
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from twisted.internet import defer, task
from twisted.web.client import HTTPConnectionPool

from govnews import stats_keys
from govnews.contract import contract_of, fence_of
from govnews.crawl.stop import cancel_in_flight
from govnews.logs import for_crawler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.interfaces import IStreamClientEndpoint
    from twisted.web._newclient import HTTP11ClientProtocol

logger = logging.getLogger(__name__)

FENCED = "the run's lease on its site ended: no request is made"
WATCH_INTERVAL = 0.1
"""Seconds between two looks at the lease's deadline while the crawl runs."""


class FencedConnectionPool(HTTPConnectionPool):
    """Twisted's connection pool, whose connections are handed to a request only once the
    run's lease is confirmed (``fence()``): the check runs when the connection is ready (a
    new one made, or a kept one taken), in the same reactor step as the request's bytes are
    handed to it, so that no connection, new or kept, carries a stale request."""

    def __init__(
        self, reactor: Any, fence: Callable[[], bool], refused: Callable[[], None], *, persistent: bool = True
    ) -> None:
        super().__init__(reactor, persistent=persistent)  # type: ignore[no-untyped-call]
        self._fence = fence
        self._refused = refused

    def getConnection(self, key: Hashable, endpoint: IStreamClientEndpoint) -> defer.Deferred[HTTP11ClientProtocol]:
        return super().getConnection(key, endpoint).addCallback(self.connected)

    def connected(self, connection: HTTP11ClientProtocol) -> HTTP11ClientProtocol:
        """The request's connection is ready: it gets it only while the lease is confirmed."""
        if self._fence():
            return connection
        self._refused()
        if connection.transport is not None:
            connection.transport.abortConnection()
        raise IgnoreRequest(FENCED)


class LeaseFenceMiddleware:
    """Refuse every request once the run's lease passed its deadline (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFenceMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        fenced = fence_of(self.crawler.spider)
        if fenced is not None and not fenced.lease_fence():
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(stats_keys.FENCE("requests_refused"))
            raise IgnoreRequest(FENCED)


_FENCED: weakref.WeakSet[Crawler] = weakref.WeakSet()
_PREVIOUS: Any = None


def _on_sigcont(signum: int, frame: Any) -> None:
    """The process was paused and resumes: if a run's lease passed its deadline meanwhile,
    abort every open HTTP connection before the reactor writes what it had buffered."""
    expired = [c for c in list(_FENCED) if (fenced := fence_of(c.spider)) is not None and not fenced.lease_fence()]
    if expired:
        from twisted.internet import reactor as installed  # noqa: PLC0415 - the installed reactor

        reactor: Any = installed
        aborted = 0
        for selectable in {*reactor.getReaders(), *reactor.getWriters()}:
            abort = getattr(selectable, "abortConnection", None)
            if abort is not None and getattr(selectable, "connected", False):
                abort()
                aborted += 1
        for crawler in expired:
            if crawler.stats is not None:
                crawler.stats.inc_value(stats_keys.FENCE("connections_aborted"), aborted)
        for_crawler(logger, expired[0]).warning(
            "resumed after a pause past a lease's deadline: %d open connection(s) of the process aborted, "
            "nothing they held is sent",
            aborted,
        )
    if callable(_PREVIOUS):
        _PREVIOUS(signum, frame)


class LeaseFence:
    """For the life of the crawl: installs the SIGCONT handler of the module docstring, watches
    the lease's deadline, and once the lease is lost cancels every request in flight."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._watch: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFence:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        global _PREVIOUS  # noqa: PLW0603 - one handler for the process, whatever the crawlers
        _FENCED.add(self.crawler)
        try:
            current = signal.getsignal(signal.SIGCONT)
            if current is not _on_sigcont:
                _PREVIOUS = current
                signal.signal(signal.SIGCONT, _on_sigcont)
        except ValueError:
            pass  # not the main thread (a crawl started from a thread): the checks above remain
        if (contract := contract_of(self.crawler.spider)) is not None:
            from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

            # From whichever thread finds the lease lost; the cancel runs in the reactor's.
            contract.incremental_run.when_lease_lost(lambda: reactor.callFromThread(self.cancel))
        if (fenced := fence_of(self.crawler.spider)) is not None:
            self._watch = task.LoopingCall(fenced.lease_fence)
            self._watch.start(WATCH_INTERVAL, now=False)

    def cancel(self) -> None:
        """The lease is lost: every request in flight is cancelled, and the download handler
        refuses those still to come (they are owed to the site's holder)."""
        cancelled = cancel_in_flight(self.crawler).total
        if self.crawler.stats is not None and cancelled:
            self.crawler.stats.inc_value(stats_keys.FENCE("cancelled"), cancelled)

    def engine_stopped(self) -> None:
        _FENCED.discard(self.crawler)
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        self._watch = None
