"""The probe spider's discover mode: ``scrapy crawl <site>_probe -a discover=1``.

Thin by design: :class:`~govnews.discover.walk.Discovery` decides which page to ask for
and when to stop; this turns its fetches into requests and the answers back into what
:mod:`govnews.discover.pages` reads, then prints the report (or the table entry) and
writes ``-O columns.json``. Nothing is exported, no state is touched.

Every request goes through the project's downloader: robots.txt, the allowed hosts, the
per-host delay floor and AutoThrottle apply as to a crawl. Redirects are followed by the
walk itself (each hop is a request of the budget and must stay on the host), and nothing
is retried, so that the budget counts every request that leaves.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from govnews import settings as project_settings
from govnews import stats_keys
from govnews.crawl.arguments import DiscoverArguments
from govnews.discover.pages import read_page
from govnews.discover.report import DiscoveryReport, columns_json, render_text
from govnews.discover.table import family_domains, render_site_row, site_identity, table_columns, table_hosts
from govnews.discover.walk import Discovery, Fetch, Limits
from govnews.extract.article import parse_article_page
from govnews.extract.html import parse_html
from govnews.sites import family

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from govnews.crawl.spiders.wuhan import WuhanSpider

logger = logging.getLogger(__name__)

TABLE_FILE = "govnews/sites/family.py"
"""Where the site table lives, as the table entry names it."""
# The walk handles every answer itself: a redirect is a request of the budget, a 404 is
# an answer (a dead menu entry), and nothing is asked twice.
_REQUEST_META = {"dont_redirect": True, "handle_httpstatus_all": True, "dont_retry": True}
_MAX_IN_FLIGHT = 4


class SiteDiscovery:
    """One discovery run by ``spider`` (a probe spider) with ``arguments``."""

    def __init__(self, spider: WuhanSpider, arguments: DiscoverArguments, crawler: Crawler) -> None:
        self.spider = spider
        self.arguments = arguments
        self.crawler = crawler
        settings = crawler.settings
        base_url = spider.args.base_url
        self.identity = site_identity(base_url, spider.site, family.SITES)
        self.walk = Discovery(
            base_url,
            spider.allowed_netlocs,
            Limits(budget=arguments.budget, depth=arguments.depth),
            starts=arguments.starts,
            robots_requests=1 if settings.getbool("ROBOTSTXT_OBEY") else 0,
            family_domains=family_domains(family.SITES, self.identity),
            table_hosts=table_hosts(family.SITES),
        )
        self.in_flight = max(1, min(_MAX_IN_FLIGHT, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1)))
        self.stop_logged = False
        # -O columns.json: the feeds given on the command line (the project's default feed is not one).
        defaults = set(project_settings.GOVNEWS_DEFAULT_FEEDS)
        self.outputs = {str(uri): dict(options) for uri, options in settings.getdict("FEEDS").items()}
        self.outputs = {uri: options for uri, options in self.outputs.items() if uri not in defaults}

    # -- requests ----------------------------------------------------------------------

    def requests(self) -> list[scrapy.Request]:
        """The next requests the walk wants, as many as may be in flight at once."""
        fetches = self.walk.next_fetches(self.in_flight - self.walk.in_flight)
        self._inc("requests", len(fetches))
        return [
            scrapy.Request(
                fetch.url,
                callback=self.spider.parse_discovered,  # type: ignore[attr-defined]
                errback=self.spider.discovery_failed,  # type: ignore[attr-defined]
                cb_kwargs={"fetch": fetch},
                meta=dict(_REQUEST_META),
                dont_filter=True,  # the walk asks for nothing twice but a redirect's target
            )
            for fetch in fetches
        ]

    def answer(self, response: Response, fetch: Fetch) -> Iterator[scrapy.Request]:
        status = response.status
        location = response.headers.get(b"Location")
        if 300 <= status < 400 and location:
            self.walk.redirected(fetch, urljoin(response.url, location.decode("latin-1")))
        elif status != 200:
            self.walk.failed(fetch, f"http_{status}")
        elif (text := self.spider._readable(response, "discover")) is None:
            self.walk.failed(fetch, "unreadable")
        elif fetch.kind == "sample":
            article = parse_article_page(parse_html(text.text, text.url), text.url, self.spider.site.title_suffix)
            self._inc("samples")
            self.walk.sample_read(fetch, article.body_found, article.body_container)
        else:
            self._inc("pages")
            reading = read_page(parse_html(text.text, text.url), text.url, self.spider.allowed_netlocs)
            if reading.listing is not None:
                self._inc("list_pages")
            self.walk.page_read(fetch, reading)
        self._log_stop()
        yield from self.requests()

    def failure(self, failure: Failure) -> list[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        fetch: Fetch = request.cb_kwargs["fetch"]
        error = failure.value
        if isinstance(error, HttpError):
            reason = f"http_{error.response.status}"
        elif isinstance(error, IgnoreRequest) and "robots" in str(error).lower():
            reason = "robots_txt"
        else:
            reason = type(error).__name__
        self._inc(f"failed/{reason}")
        self.walk.failed(fetch, reason)
        self._log_stop()
        return self.requests()

    def _log_stop(self) -> None:
        # An ERROR line: the run's health verdict fails and the command exits 1.
        if self.walk.stopped is not None and not self.stop_logged:
            self.stop_logged = True
            logger.error("discover: %s", self.walk.stopped)

    def _inc(self, key: str, count: int = 1) -> None:
        if count and self.crawler.stats is not None:
            self.crawler.stats.inc_value(stats_keys.DISCOVER(key), count)

    # -- the end -------------------------------------------------------------------------

    def report(self) -> DiscoveryReport:
        return self.walk.report(table_columns(self.identity), site_label=self.identity.label())

    def finish(self) -> None:
        """Print the report (or the table entry) and write the JSON outputs."""
        report = self.report()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(stats_keys.DISCOVER("columns"), len(report.columns))
        text = render_text(report)
        if self.arguments.emit == "table" and report.stopped is None:
            today = datetime.now(UTC).date().isoformat()
            print(render_site_row(report, self.identity, table_file=TABLE_FILE, discovered_on=today), flush=True)
            logger.info("%s", text)
        else:
            print(text, flush=True)
            if not sys.stdout.isatty():
                logger.info("%s", text)
        for uri, options in self.outputs.items():
            self._write(uri, options, report)

    def _write(self, uri: str, options: dict[str, Any], report: DiscoveryReport) -> None:
        target = uri.removeprefix("file://")
        if "://" in target:
            logger.error("discover writes local files only; %s is not one", uri)
            return
        if "%(" in target:
            target = target % {"name": self.spider.name, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")}
        form = str(options.get("format") or "json")
        columns = columns_json(report)
        if form == "json":
            body = json.dumps(columns, ensure_ascii=False, indent=1) + "\n"
        elif form in ("jsonlines", "jsonl"):
            body = "".join(json.dumps(column, ensure_ascii=False) + "\n" for column in columns)
        else:
            logger.error("discover writes json or jsonlines, not %s: -O columns.json", form)
            return
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        logger.info("discover: %d columns written to %s", len(columns), path)
