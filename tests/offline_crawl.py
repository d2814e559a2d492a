"""A crawl of a :class:`~tests.mirror.site.MirrorSite` in one process, without a reactor or a
socket: the ``wuhan`` spider's own callbacks and errbacks on responses rendered by the
site, and every item pipeline of ``ITEM_PIPELINES`` in order (the state store included
when ``state_dir`` is given), each exported item written by Scrapy's JSON Lines exporter.

What Scrapy's engine adds around them is played by hand, simply: requests in priority
order, redirects followed on the same host (at most ``REDIRECT_MAX_TIMES``), any other
non-2xx answer handed to the errback as an ``HttpError``, the ``item_scraped`` signal's
work done by calling the state pipeline's handler. Used by the output-digest test (a
regression lock on every byte the crawl exports) and by the benchmarks (what a page costs
in extraction and pipelines).
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import io
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.exporters import JsonLinesItemExporter
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.items import Article
from govnews.settings import ITEM_PIPELINES
from tests.mirror.site import MirrorSite

BASE_URL = "http://127.0.0.1:8000"  # never requested: the site renders each response
CRAWLED_AT = "2026-01-01T00:00:00Z"
REDIRECT_MAX_TIMES = 5


def build_pipelines(crawler: Crawler) -> list[Any]:
    """The item pipelines of ``ITEM_PIPELINES``, in order, as Scrapy builds them: one that
    raises ``NotConfigured`` (the attachments, when off) is left out."""
    pipelines = []
    for path in sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__):
        try:
            pipelines.append(build_from_crawler(load_object(path), crawler))
        except NotConfigured:
            continue
    return pipelines


def mirror_sections(site: MirrorSite) -> str:
    """Every column the site serves, as the ``sections`` argument."""
    return ",".join(column.path for column in site.columns)


def response_of(site: MirrorSite, request: Request) -> HtmlResponse:
    """The site's answer to ``request`` as Scrapy would hand it to a callback."""
    parts = urlsplit(request.url)
    rendered = site.render(parts.path + (f"?{parts.query}" if parts.query else ""), host=parts.netloc)
    return HtmlResponse(
        request.url, status=rendered.status, headers=rendered.headers, body=rendered.body, request=request
    )


@dataclass
class OfflineCrawl:
    """One crawl of ``site`` (see the module docstring); :meth:`run` it, then read
    ``feed`` (the exported JSON Lines), ``dropped`` (each drop's reason) and ``stats``."""

    site: MirrorSite
    sections: str = ""
    state_dir: Path | None = None
    """The state store's directory: the crawl is incremental (the default feed's run);
    None runs it with ``incremental=0``."""
    spider_args: dict[str, str] = field(default_factory=dict)
    fixed_crawled_at: str | None = CRAWLED_AT
    export: bool = True
    """False: items that pass the pipelines are not written (the benchmarks time the rest)."""
    feed: io.BytesIO = field(default_factory=io.BytesIO)
    dropped: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        settings: dict[str, Any] = {"GOVNEWS_STATE_DIR": str(self.state_dir or ""), "LOG_LEVEL": "WARNING"}
        self.crawler = get_crawler(WuhanSpider, settings_dict=settings)
        args = {
            "base_url": BASE_URL,
            "sections": self.sections or mirror_sections(self.site),
            "incremental": "1" if self.state_dir is not None else "0",
            **self.spider_args,
        }
        self.spider = WuhanSpider.from_crawler(self.crawler, **args)
        self.crawler.spider = self.spider
        self.pipelines = build_pipelines(self.crawler)
        self.exporter = JsonLinesItemExporter(self.feed, encoding="utf-8")
        self._queue: list[tuple[int, int, Request]] = []
        self._order = itertools.count()

    def run(self) -> OfflineCrawl:
        """Crawl the whole site: the spider's start requests, then every request it yields."""
        self.open()
        self._schedule(asyncio.run(_collect(self.spider.start())))
        while self._queue:
            _, _, request = heapq.heappop(self._queue)
            self._schedule(self._fetch(request))
        return self.close()

    def open(self) -> None:
        """Open the pipelines (the state store) and the feed."""
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
        self.exporter.start_exporting()

    def handle(self, request: Request, response: HtmlResponse) -> list[Request]:
        """``response`` through ``request``'s callback; each item through the pipelines
        (exported when it passes); the requests it yields are returned, not fetched."""
        assert request.callback is not None
        requests: list[Request] = []
        for output in request.callback(response, **request.cb_kwargs) or ():
            if isinstance(output, Request):
                requests.append(output)
            else:
                self._export(output)
        return requests

    def close(self) -> OfflineCrawl:
        """Close the feed and the pipelines (the state store records the run)."""
        self.exporter.finish_exporting()
        for pipeline in self.pipelines:
            if hasattr(pipeline, "spider_closed"):
                pipeline.spider_closed(self.spider, "finished")
        assert self.crawler.stats is not None
        self.stats = self.crawler.stats.get_stats()
        return self

    def _schedule(self, outputs: Iterable[Any]) -> None:
        for output in outputs or ():
            if isinstance(output, Request):
                heapq.heappush(self._queue, (-output.priority, next(self._order), output))
            else:
                self._export(output)

    def _fetch(self, request: Request) -> Iterable[Any]:
        for _ in range(REDIRECT_MAX_TIMES + 1):
            response = response_of(self.site, request)
            location = response.headers.get(b"Location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                break
            target = response.urljoin(location.decode("latin-1"))
            if urlsplit(target).netloc != urlsplit(request.url).netloc:
                return ()  # the allowed-hosts middleware refuses another host
            redirects = [*request.meta.get("redirect_urls", []), request.url]
            request = request.replace(url=target, meta={**request.meta, "redirect_urls": redirects})
        else:
            return ()
        allowed = request.meta.get("handle_httpstatus_list", ())
        if 200 <= response.status < 300 or response.status in allowed:
            return self.handle(request, response)
        failure = Failure(HttpError(response, "not ok"))
        failure.request = request  # type: ignore[attr-defined]
        return request.errback(failure) if request.errback is not None else ()

    def _export(self, item: Any) -> None:
        if self.fixed_crawled_at is not None and isinstance(item, Article):
            item.crawled_at = self.fixed_crawled_at
        try:
            for pipeline in self.pipelines:
                item = pipeline.process_item(item)
        except DropItem as drop:
            self.dropped.append(str(drop))
            return
        if self.export:
            self.exporter.export_item(item)
        for pipeline in self.pipelines:
            if hasattr(pipeline, "item_scraped"):
                pipeline.item_scraped(item, self.spider)

    # -- results ---------------------------------------------------------------

    @property
    def lines(self) -> list[bytes]:
        return self.feed.getvalue().splitlines()

    def digest(self) -> str:
        """SHA-256 of the exported lines (sorted: the digest locks what is exported, not
        the order requests happened to run in) and of the drop reasons."""
        hasher = hashlib.sha256()
        for line in sorted(self.lines):
            hasher.update(line + b"\n")
        hasher.update(b"--dropped--\n")
        for reason in sorted(self.dropped):
            hasher.update(reason.encode("utf-8") + b"\n")
        return hasher.hexdigest()

    def counts(self) -> dict[str, Any]:
        """What a person reads beside the digest: items per column, drops by kind."""
        columns = Counter(str(json.loads(line)["section_path"]) for line in self.lines)
        return {
            "items": len(self.lines),
            "bytes": len(self.feed.getvalue()),
            "dropped": dict(sorted(Counter(reason.split(":", 1)[0] for reason in self.dropped).items())),
            "items_per_column": dict(sorted(columns.items())),
        }


async def _collect(requests: Any) -> list[Request]:
    return [request async for request in requests]
