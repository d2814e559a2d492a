"""No request on a lease that ended: a run past its lease's deadline asks the site nothing.

A worker paused longer than its lease (SIGSTOP, a stalled VM) finds, when it resumes, that
another worker may hold its site now. Its reactor runs before its lease-renewal thread can
find that out, so:

* every request is checked against the lease's deadline
  (:meth:`govnews.crawl.spiders.wuhan.WuhanSpider.lease_fence`) as it enters the downloader
  (:class:`LeaseFenceMiddleware`) and again at the last moment, after the politeness waits
  (:class:`govnews.crawl.politeness.SpacedHTTPDownloadHandler`); once it has passed, every request
  is refused and the spider stops with finish reason ``store_lease_lost``;
* a request that had passed those checks when the process was paused may still sit in the
  reactor's write buffers: on SIGCONT (:class:`LeaseFence`, an extension) a process whose
  run is past its deadline aborts its open HTTP connections before the reactor writes them,
  so that not even those bytes reach the host after the site was taken over.

Stats: ``govnews/fence/requests_refused``, ``govnews/fence/connections_aborted``.
"""

from __future__ import annotations

import logging
import signal
import weakref
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from govnews.logs import for_crawler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class LeaseFenceMiddleware:
    """Refuse every request once the run's lease passed its deadline (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFenceMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        fence = getattr(self.crawler.spider, "lease_fence", None)
        if fence is not None and not fence():
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govnews/fence/requests_refused")
            raise IgnoreRequest("the run's lease on its site ended: no request is made")


_FENCED: weakref.WeakSet[Crawler] = weakref.WeakSet()
_PREVIOUS: Any = None


def _on_sigcont(signum: int, frame: Any) -> None:
    """The process was paused and resumes: if a run's lease passed its deadline meanwhile,
    abort every open HTTP connection before the reactor writes what it had buffered."""
    expired = [c for c in list(_FENCED) if not getattr(c.spider, "lease_fence", lambda: True)()]
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
                crawler.stats.inc_value("govnews/fence/connections_aborted", aborted)
        for_crawler(logger, expired[0]).warning(
            "resumed after a pause past a lease's deadline: %d open connection(s) of the process aborted, "
            "nothing they held is sent",
            aborted,
        )
    if callable(_PREVIOUS):
        _PREVIOUS(signum, frame)


class LeaseFence:
    """Installs the SIGCONT handler of the module docstring for the life of the crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

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

    def engine_stopped(self) -> None:
        _FENCED.discard(self.crawler)
