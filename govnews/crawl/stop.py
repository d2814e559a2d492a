"""A stop that takes seconds: the requests in flight are cancelled, not waited for.

Scrapy's graceful stop (``CrawlerProcess.stop()``) closes the spider only once every request
the engine handed to the downloader has been downloaded and its callback run. With the
polite defaults that is slow: the engine hands the downloader up to ``CONCURRENT_REQUESTS``
(16) requests, all of one host, and the download slot lets one go every ``DOWNLOAD_DELAY``
(with AutoThrottle, a second or more), so a stop waited about 18 s for 16 pages it no longer
wanted (measured on the mirror at the defaults); a slow host adds up to ``DOWNLOAD_TIMEOUT``
(30 s) for the page on the wire, and a column's end asked again after
``GOVNEWS_END_CONFIRM_PAUSE`` (5 s) waits that long.

:func:`cancel_in_flight` ends all of that at once, for one crawler: the requests waiting in
the download slots and those in the download handler (waiting for their turn, for a pause,
or on the wire) fail with :func:`stop_error`, an :class:`~scrapy.exceptions.IgnoreRequest`
the spider's errbacks recognise by :func:`is_stop`: nothing is recorded for them, no page
is counted as failed. A request not made is owed to the next run, exactly as one still in
the scheduler at the stop: an article row read and not exported stays owed; a list page
not read leaves its walk where it stood. Requests that reach the handler afterwards fail at
once too.

The handler (:class:`govnews.crawl.politeness.SpacedHTTPDownloadHandler`) registers itself
here (:func:`register`), so this module needs nothing private of Scrapy but the download
slots' queues (``Downloader.slots``, ``Slot.queue``).

Stats: ``govnews/stop/cancelled`` (requests cancelled by the stop),
``govnews/stop/cancelled_on_the_wire`` (of them, those already in the download handler).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from govnews import stats_keys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

STOPPED = "the run is stopping: not made, owed to the next run"


class Cancellable(Protocol):
    """What a download handler offers to a stop."""

    def cancel_downloads(self) -> int:
        """Refuse every request from now on and cancel those under way; how many were."""


_HANDLERS: weakref.WeakKeyDictionary[Any, list[Cancellable]] = weakref.WeakKeyDictionary()


def register(crawler: Crawler, handler: Cancellable) -> None:
    """``handler`` downloads for ``crawler``: a stop cancels its downloads."""
    _HANDLERS.setdefault(crawler, []).append(handler)


def stop_error() -> IgnoreRequest:
    """The error of a request the stop cancelled: an ``IgnoreRequest`` (never retried, never
    logged as a download error; the robots.txt middleware logs only other kinds) marked as
    the stop's."""
    error = IgnoreRequest(STOPPED)
    error.govnews_stop = True  # type: ignore[attr-defined]
    return error


def is_stop(failure: Failure | BaseException) -> bool:
    """True for a request the stop cancelled (:func:`stop_error`).

    >>> is_stop(Failure(stop_error())), is_stop(Failure(IgnoreRequest("robots.txt")))
    (True, False)
    """
    error = failure.value if isinstance(failure, Failure) else failure
    return bool(getattr(error, "govnews_stop", False))


@dataclass(frozen=True)
class Cancelled:
    """What a stop cancelled for one crawler."""

    queued: int
    """Requests waiting in the download slots (for the delay, or for a free slot)."""
    on_the_wire: int
    """Requests in the download handler: waiting for their turn or a pause, or downloading."""

    @property
    def total(self) -> int:
        return self.queued + self.on_the_wire


def in_flight(crawler: Crawler) -> int:
    """Requests the engine has handed to the downloader and not yet seen back."""
    engine = getattr(crawler, "engine", None)
    downloader = getattr(engine, "downloader", None)
    return len(getattr(downloader, "active", ()) or ())


def cancel_in_flight(crawler: Crawler) -> Cancelled:
    """Cancel every request of ``crawler`` under way (see the module docstring)."""
    on_the_wire = sum(handler.cancel_downloads() for handler in _HANDLERS.get(crawler, []))
    queued = 0
    engine = getattr(crawler, "engine", None)
    downloader = getattr(engine, "downloader", None)
    for slot in list(getattr(downloader, "slots", {}).values()):
        while slot.queue:
            _, deferred = slot.queue.popleft()
            queued += 1
            deferred.errback(stop_error())
    if crawler.stats is not None and queued + on_the_wire:
        crawler.stats.inc_value(stats_keys.STOP("cancelled"), queued + on_the_wire)
        crawler.stats.inc_value(stats_keys.STOP("cancelled_on_the_wire"), on_the_wire)
    return Cancelled(queued, on_the_wire)
