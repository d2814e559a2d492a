"""The bare download spider: fetches the URLs it is given, parses nothing, yields nothing.

The yardstick of ``bench_crawl.py``: run by ``scrapy runspider`` outside the project (no
govnews middleware, extension, pipeline or feed), with the project's download settings
(robots.txt, cookies, timeouts, size limits, redirects, User-Agent) and the same
command-line settings as the govnews crawl it is paired with.

    scrapy runspider benchmarks/bare_spider.py -a urls_file=urls.txt
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from govnews import settings as project

DOWNLOAD_SETTINGS = (
    "ROBOTSTXT_OBEY",
    "COOKIES_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "REDIRECT_MAX_TIMES",
    "USER_AGENT",
    "TELNETCONSOLE_ENABLED",
)


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings: ClassVar[dict[str, Any]] = {name: getattr(project, name) for name in DOWNLOAD_SETTINGS}

    def __init__(self, urls_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls_file).read_text(encoding="utf-8").split()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            # Every answer reaches the callback, 404s included, as it reaches govnews's errbacks.
            yield scrapy.Request(url, callback=self.parse, meta={"handle_httpstatus_all": True}, dont_filter=True)

    def parse(self, response: Response) -> None:
        return None
