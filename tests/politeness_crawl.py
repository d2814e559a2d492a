"""A small crawl through govnews's HTTP handler, for the politeness tests: a spider that
asks given URLs one after another, with a stand-in ``lease_fence``.

    python -m tests.politeness_crawl URL [URL ...] [--fence open|closed|ends-while-waiting]
        [-s NAME=VALUE ...]

Each URL is asked once the previous one has answered. ``--fence``: the spider has no
``lease_fence`` (``none``, the default), one that always says yes (``open``), always no
(``closed``), or yes until 0.1 s after the first response came back
(``ends-while-waiting``: with a longer ``DOWNLOAD_DELAY``, the lease ends while the second
request waits for its turn; Scrapy's own slot delay is set to 0, so that it is the
handler that holds the request). The project's settings apply (the handler
among them), without robots.txt, pipelines, feeds or extensions; ``-s`` adds to them. The
last line printed is the crawl's stats as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.utils.project import get_project_settings

LEASE_LEFT = 0.1
"""Seconds the lease lasts after the first response, with ``--fence ends-while-waiting``."""


class AskInTurnSpider(scrapy.Spider):
    name = "ask_in_turn"

    def __init__(self, urls: list[str], fence: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.fence = fence
        self.first_answer: float | None = None
        if fence != "none":
            self.lease_fence: Callable[..., bool] = self._lease_fence

    def _lease_fence(self, *, confirm: bool = False) -> bool:
        # confirm: the handler's last check, once the connection is ready (the same answer here).
        if self.fence == "ends-while-waiting":
            return self.first_answer is None or time.monotonic() < self.first_answer + LEASE_LEFT
        return self.fence == "open"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._request(0)

    def _request(self, index: int) -> scrapy.Request:
        # Any answer counts (a 404 too): what is tested is whether and when a request leaves.
        meta = {"handle_httpstatus_all": True}
        return scrapy.Request(self.urls[index], callback=self.parse, cb_kwargs={"index": index}, meta=meta)

    def parse(self, response: Response, index: int) -> Iterator[scrapy.Request]:
        if self.first_answer is None:
            self.first_answer = time.monotonic()
        if index + 1 < len(self.urls):
            yield self._request(index + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--fence", choices=("none", "open", "closed", "ends-while-waiting"), default="none")
    parser.add_argument("-s", dest="settings", action="append", default=[])
    opts = parser.parse_args(argv)
    settings = get_project_settings()
    # The handler is what is tested: no robots.txt, items, feeds or end-of-run checks.
    for name, value in {"ROBOTSTXT_OBEY": False, "ITEM_PIPELINES": {}, "FEEDS": {}, "EXTENSIONS": {}}.items():
        settings.set(name, value, priority="cmdline")
    if opts.fence == "ends-while-waiting":
        settings.set("DOWNLOAD_SLOTS", {"127.0.0.1": {"delay": 0}}, priority="cmdline")
    for item in opts.settings:
        name, _, value = item.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(AskInTurnSpider)
    process.crawl(crawler, urls=opts.urls, fence=opts.fence)
    process.start()
    assert crawler.stats is not None
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float | str)}
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
