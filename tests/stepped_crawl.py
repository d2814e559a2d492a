"""One run of the real ``wuhan`` spider, every item pipeline, the project's feed storage and
the state store, in one process, its requests served **one at a time, in an order the
caller chooses**: the site can move between any two requests, and no scheduler order is
assumed.

What Scrapy's engine does around the callbacks is done here by the same components or by
hand, simply: the duplicate filter (Scrapy's ``RFPDupeFilter``, in memory); retries (Scrapy's
``get_retry_request``, ``RETRY_TIMES``, ``RETRY_HTTP_CODES``); redirects on the same host;
non-2xx answers to the errback as ``HttpError`` (``handle_httpstatus_list`` honoured); each
item through the pipelines, written by the feed storage of ``FEEDS``
(:class:`govnews.feeds.LineAtomicFileFeedStorage`, opened at the first item as Scrapy's
feed slots are) with Scrapy's JSON Lines exporter, then the ``item_scraped`` handlers. A
run ends by :meth:`SteppedCrawl.close` (finished or stopped: the pipelines' and spider's
close handlers run) or :meth:`SteppedCrawl.kill` (the process dies: nothing more runs, the
lock goes as a dead process's does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import CloseSpider, DropItem, IgnoreRequest
from scrapy.exporters import JsonLinesItemExporter
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.feeds import LineAtomicFileFeedStorage
from tests.mirror.site import MirrorSite
from tests.offline_crawl import build_pipelines

REDIRECT_MAX_TIMES = 5
_REDIRECTS = (301, 302, 303, 307, 308)


class SteppedCrawl:
    """One ``scrapy crawl wuhan`` of ``site`` at ``base_url`` (never requested: the site
    renders each response), its feed written to ``feed``."""

    def __init__(
        self,
        site: MirrorSite,
        *,
        base_url: str,
        feed: Path,
        spider_args: dict[str, str],
        settings: dict[str, Any],
    ) -> None:
        self.site = site
        self.feed_path = feed
        quiet = {
            "LOG_LEVEL": "ERROR",
            "GOVNEWS_END_CONFIRM_PAUSE": 0,
            "GOVNEWS_STATE_BATCH": 3,
            # The run history (govnews.store.history) beside the feeds, never the checkout's output/.
            "GOVNEWS_OUTPUT_DIR": str(feed.parent.parent),
        }
        self.crawler = get_crawler(WuhanSpider, settings_dict={**quiet, **settings})
        self.spider = WuhanSpider.from_crawler(self.crawler, base_url=base_url, **spider_args)
        self.crawler.spider = self.spider
        self.pipelines = build_pipelines(self.crawler)
        # The scheduler's duplicate filter, in memory (the driver is the scheduler).
        self.dupefilter = build_from_crawler(RFPDupeFilter, self.crawler)
        self.storage = LineAtomicFileFeedStorage(str(feed), feed_options={"format": "jsonlines"})
        self.file: Any = None
        self.exporter: JsonLinesItemExporter | None = None
        self.pending: list[Request] = []
        self.requests_made: list[str] = []
        self.exported: list[str] = []
        self.closed = False
        self.close_reason: str | None = None

    # -- the run's life -------------------------------------------------------------

    def start(self) -> SteppedCrawl:
        """Open the pipelines (the state store: its lock, reconciliation) and take the
        spider's start requests."""
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
        self._schedule(asyncio.run(_collect(self.spider.start())))
        return self

    def serve(self, index: int) -> None:
        """Make the pending request ``index`` (modulo their number) and hand its answer to
        the spider."""
        request = self.pending.pop(index % len(self.pending))
        try:
            self._schedule(self._fetch(request))
        except CloseSpider as stop:
            self.pending.clear()
            self.close(stop.reason)

    def serve_all(self, choose: Callable[[int], int] = lambda n: 0) -> None:
        """Make every pending request, ``choose(n)`` picking the next of ``n``."""
        while self.pending and not self.closed:
            self.serve(choose(len(self.pending)))

    def close(self, reason: str = "finished") -> None:
        """The run ends (``finished``; ``shutdown`` for a stop: what is pending is dropped):
        the feed is stored, the pipelines and the spider close."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self.pending.clear()
        if self.exporter is not None:
            self.exporter.finish_exporting()
            self.storage.store(self.file)
        for pipeline in self.pipelines:
            if hasattr(pipeline, "spider_closed"):
                pipeline.spider_closed(self.spider, reason)
        self.spider.closed(reason)

    def kill(self, *, cut_line: bool = False) -> Any:
        """The process dies between two requests: no close handler runs. The feed keeps what
        was written (with half a line when ``cut_line``); the store's connection dies with
        the process. Returns the run's lock, for the caller to let it go as a dead process's
        would."""
        self.closed = True
        self.close_reason = "killed"
        if self.file is not None:
            if cut_line:
                self.file.write(b'{"url": "' + self.site_url_prefix().encode() + b"/sy/whyw/2026")
            self.file.close()
        run = self.spider.incremental_run
        lock = run.lock
        if run.store is not None:
            run.store.close()
            run.store = None
        run.lock = None
        return lock

    def site_url_prefix(self) -> str:
        return self.spider.args.base_url

    # -- one request ------------------------------------------------------------------

    def _schedule(self, outputs: Any) -> None:
        for output in outputs or ():
            if isinstance(output, Request):
                if not output.dont_filter and self.dupefilter.request_seen(output):
                    self.crawler.signals.send_catch_log(signals.request_dropped, request=output, spider=self.spider)
                    continue
                self.pending.append(output)
            else:
                self._export(output)
        # Pending requests are kept in URL order: the order the spider yields them may hang on
        # the wall clock (rows owed since the same second), which a replayed example must not see.
        self.pending.sort(key=lambda r: r.url)

    def _fetch(self, request: Request) -> Any:
        settings = self.crawler.settings
        for _ in range(REDIRECT_MAX_TIMES + 1):
            parts = urlsplit(request.url)
            self.requests_made.append(parts.path)
            rendered = self.site.render(parts.path + (f"?{parts.query}" if parts.query else ""), host=parts.netloc)
            if rendered.delay >= settings.getfloat("DOWNLOAD_TIMEOUT"):
                # The downloader gives up (DOWNLOAD_TIMEOUT); RetryMiddleware retries a timeout.
                retry = get_retry_request(
                    request,
                    spider=self.spider,
                    reason="TimeoutError",
                    max_retry_times=settings.getint("RETRY_TIMES"),
                    logger=logging.getLogger("scrapy.downloadermiddlewares.retry"),
                )
                return [retry] if retry is not None else self._errback(request, TimeoutError("timed out"))
            response = HtmlResponse(
                request.url, status=rendered.status, headers=rendered.headers, body=rendered.body, request=request
            )
            location = response.headers.get(b"Location")
            if response.status not in _REDIRECTS or not location:
                break
            target = response.urljoin(location.decode("latin-1"))
            if urlsplit(target).netloc != parts.netloc:
                # The allowed-hosts middleware refuses another host: the request's errback is told.
                return self._errback(request, IgnoreRequest(f"offsite: {target}"))
            redirects = [*request.meta.get("redirect_urls", []), request.url]
            request = request.replace(url=target, meta={**request.meta, "redirect_urls": redirects})
        else:
            return self._errback(request, IgnoreRequest("max redirections reached"))
        if response.status in settings.getlist("RETRY_HTTP_CODES", [500, 502, 503, 504, 522, 524, 408, 429]):
            retry = get_retry_request(
                request,
                spider=self.spider,
                reason=f"{response.status}",
                max_retry_times=settings.getint("RETRY_TIMES"),
                logger=logging.getLogger("scrapy.downloadermiddlewares.retry"),
            )
            if retry is not None:
                return [retry]
        allowed = request.meta.get("handle_httpstatus_list", ())
        if 200 <= response.status < 300 or response.status in allowed:
            assert request.callback is not None
            return list(request.callback(response, **request.cb_kwargs) or ())
        return self._errback(request, HttpError(response, "Ignoring non-200 response"))

    def _errback(self, request: Request, error: Exception) -> Any:
        failure = Failure(error)
        failure.request = request  # type: ignore[attr-defined]
        return list(request.errback(failure) or ()) if request.errback is not None else ()

    def _export(self, item: Any) -> None:
        try:
            for pipeline in self.pipelines:
                item = pipeline.process_item(item)
        except DropItem:
            return
        if self.exporter is None:
            # Scrapy's feed slot opens its file at the first item.
            self.file = self.storage.open(self.spider)
            self.exporter = JsonLinesItemExporter(self.file, encoding="utf-8")
            self.exporter.start_exporting()
        try:
            self.exporter.export_item(item)
        except OSError:
            # Scrapy's signal dispatch logs the feed's error and goes on to the next handler.
            logging.getLogger("scrapy.utils.signal").exception("Error caught on signal handler")
        self.exported.append(str(item.url))
        for pipeline in self.pipelines:
            if hasattr(pipeline, "item_scraped"):
                pipeline.item_scraped(item, self.spider)


async def _collect(requests: Any) -> list[Request]:
    return [request async for request in requests]
