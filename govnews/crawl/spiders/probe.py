"""The probe: what the site looks like to our selectors, one list page and two articles
per column, printed as a report; nothing is exported, the state store is not touched.

``scrapy crawl wuhan_probe`` with the ``wuhan`` spider's arguments, or ``scrapy crawl wuhan
-a probe=1`` (the crawl command runs the spider's ``probe_spider`` instead). The probe
spider is the site's spider with other ends: the same requests and the same extract
functions, a report where the site's spider follows rows, emits items or counts failures.

With ``-a discover=1`` it maps the site's columns instead (:mod:`govnews.crawl.spiders.discover`,
the logic in :mod:`govnews.discover`): from the home page through the site's own
navigation, a table of every column found, ``-a emit=table`` a ready entry for the site table.

The quickest way to learn whether the real site still matches what docs/site.md
describes. Each column opens with the forms that matched: the row form of its list
(``li``, ``table``, ``dl``, ``links``, ``script``, ``variables``), where the rows kept their
dates, and the body container of its articles, e.g.::

    column /zwgk/xxgk/zfwj/szfwj/ (市政府文件)
      forms: rows script; row dates script 20/20; body div.trs_editor_view.TRS_UEDITOR 2/2
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from govnews.crawl.spiders.discover import SiteDiscovery
from govnews.crawl.spiders.wuhan import ListPageRef, WuhanSpider, origin_url
from govnews.extract.article import GOV_META_NAMES, ArticlePage
from govnews.extract.document import policy_document
from govnews.extract.listing import ListPage
from govnews.items import Article
from govnews.store.walk import ColumnWalk

logger = logging.getLogger(__name__)

ARTICLES_PER_COLUMN = 2


def attachment_kind(url: str) -> str:
    """What an attachment's URL says it is: its extension, lower case (``pdf``, ``wps``), or
    ``no extension`` (a ``download.jsp?id=…`` link). The probe downloads no file: what a
    file really is shows only when a crawl with ``-a attachments=1`` reads it.

    >>> attachment_kind("https://www.wuhan.gov.cn/zwgk/202605/P020260514123456.PDF"), attachment_kind("/down.jsp?id=1")
    ('pdf', 'no extension')
    """
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    return extension if extension and extension not in ("jsp", "php", "asp", "aspx", "do") else "no extension"


@dataclass
class ColumnProbe:
    path: str
    name: str
    list_url: str = ""
    list_result: str = "not fetched"
    articles: list[str] = field(default_factory=list)
    followed: int = 0
    row_form: str = ""
    """``li in div.articleList``, ``table``, ``script`` …; empty until a list page is read."""
    row_count: int = 0
    row_dates: dict[str, int] = field(default_factory=dict)
    bodies: Counter[str] = field(default_factory=Counter)
    """Body containers of the articles read (``div.view.TRS_UEDITOR``, ``fallback td``)."""
    attachment_kinds: Counter[str] = field(default_factory=Counter)
    """The attachments of the articles read, by the extension their URL names (``pdf``)."""

    def forms(self) -> str:
        """One line: the row form, the row dates' sources, the body containers."""
        rows = self.row_form or "unknown (no list page read)"
        if self.row_count:
            dated = ", ".join(f"{source} {n}/{self.row_count}" for source, n in self.row_dates.items())
        else:
            dated = "none"
        articles = sum(self.bodies.values())
        bodies = ", ".join(f"{name} {n}/{articles}" for name, n in self.bodies.most_common()) or "no article read"
        files = ", ".join(f"{kind} {n}" for kind, n in sorted(self.attachment_kinds.items())) or "none"
        return f"forms: rows {rows}; row dates {dated}; body {bodies}; attachments {files}"


@dataclass
class ProbeReport:
    columns: dict[str, ColumnProbe] = field(default_factory=dict)

    def column(self, path: str, name: str) -> ColumnProbe:
        return self.columns.setdefault(path, ColumnProbe(path, name))

    def list_page(self, probe: ColumnProbe, url: str, page: ListPage) -> None:
        pager = page.pager
        pages = f"{pager.page_count} pages" if pager.page_count is not None else "page count unknown"
        probe.list_url = url
        probe.row_form = page.row_form + (" in div.articleList" if page.in_article_list else "")
        probe.row_count = len(page.rows)
        probe.row_dates = dict(page.date_sources)
        dated = sum(1 for r in page.rows if r.date)
        timed = sum(1 for r in page.rows if r.published_at and "T" in r.published_at)
        filenums = sum(1 for r in page.rows if r.filenum)
        probe.list_result = (
            f"{len(page.rows)} rows ({probe.row_form}); pager {pager.form} ({pages}); "
            f"{dated} rows dated, {timed} with a time; {filenums} with a FILENUM"
        )

    def list_failed(self, probe: ColumnProbe, url: str, reason: str) -> None:
        probe.list_url = url
        probe.list_result = f"FAILED: {reason}"

    def article(self, probe: ColumnProbe, url: str, page: ArticlePage, published_from: str | None) -> None:
        present = [name for name in GOV_META_NAMES if name in page.meta]
        missing = [name for name in GOV_META_NAMES if name not in page.meta]
        extra = [name for name in page.meta if name not in GOV_META_NAMES]
        container = page.body_container if page.body_found else f"fallback {page.body_container}"
        probe.bodies[container] += 1
        kinds = Counter(attachment_kind(a["url"]) for a in page.attachments)
        probe.attachment_kinds.update(kinds)
        document = policy_document(page.meta)
        probe.articles.append(
            "\n".join(
                [
                    f"    {url}",
                    f"      body: {page.body_selector} ({container}; {len(page.paragraphs)} paragraphs, "
                    f"{len(page.images)} images, {len(page.attachments)} attachments)",
                    f"      title: {page.title_from}; published_at: {published_from or 'none'}; "
                    f"source: {'yes' if page.source else 'no'}; author: {'yes' if page.author else 'no'}; "
                    f"editor: {'yes' if page.editor else 'no'}",
                    f"      fallbacks: {', '.join(page.fallbacks) or 'none'}; later pages: {len(page.more_pages)}",
                    f"      meta tags: {', '.join(present) or 'none'}",
                    f"      meta tags missing: {', '.join(missing) or 'none'}",
                    f"      policy header: {', '.join(extra) or 'none'}"
                    + (
                        f" (document {sum(v is not None for v in document.values())}/{len(document)} fields)"
                        if document
                        else ""
                    ),
                    "      attachments: "
                    + (
                        ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) + " (by the URL's extension)"
                        if kinds
                        else "none"
                    ),
                ]
            )
        )

    def article_failed(self, probe: ColumnProbe, url: str, reason: str) -> None:
        probe.articles.append(f"    {url}\n      FAILED: {reason}")

    def render(self, base_url: str) -> str:
        lines = [f"govnews probe of {base_url} (nothing exported)"]
        for probe in self.columns.values():
            lines.append(f"  column {probe.path} ({probe.name})")
            lines.append(f"    {probe.forms()}")
            lines.append(f"    list {probe.list_url or '-'}: {probe.list_result}")
            lines.extend(probe.articles or ["    no article fetched"])
        return "\n".join(lines)


class WuhanProbeSpider(WuhanSpider):
    """The probe of the ``wuhan`` spider's site (see the module docstring)."""

    name = "wuhan_probe"
    probe_spider = name
    follows_later_pages = False  # counted in the report, not fetched

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read by the pipelines, the progress and the run history: a probe keeps no state.
        self.args = replace(self.args, probe=True, incremental=False)
        self.report = ProbeReport()
        self.discovery: SiteDiscovery | None = None
        if self.args.discover is not None:
            # No column is walked: the end-of-run summary lists none.
            self.args = replace(self.args, sections=())

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WuhanProbeSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, WuhanProbeSpider)
        # A probe exports nothing: no feed file is even opened.
        extensions = crawler.settings.getdict("EXTENSIONS")
        extensions["scrapy.extensions.feedexport.FeedExporter"] = None
        crawler.settings.set("EXTENSIONS", extensions, priority="spider")
        if spider.args.discover is not None:
            spider.discovery = SiteDiscovery(spider, spider.args.discover, crawler)
        crawler.signals.connect(spider.print_report, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.discovery is not None:
            for request in self.discovery.requests():
                yield request
            return
        async for request in super().start():
            yield request

    def parse_discovered(self, response: Response, fetch: Any) -> Iterator[scrapy.Request]:
        """Discover mode: an answer to a page or sample the walk asked for."""
        assert self.discovery is not None
        yield from self.discovery.answer(response, fetch)

    def discovery_failed(self, failure: Failure) -> list[scrapy.Request]:
        assert self.discovery is not None
        return self.discovery.failure(failure)

    def print_report(self) -> None:
        if self.discovery is not None:
            self.discovery.finish()
            return
        report = self.report.render(self.args.base_url)
        print(report, flush=True)
        if not sys.stdout.isatty():
            # Not on a screen (scrapyd, a pipe): the log keeps it too. On a terminal, once.
            logger.info("%s", report)

    def _column(self, path: str) -> ColumnProbe:
        column = self.site.columns_by_path.get(path)
        return self.report.column(path, column.name if column else path)

    def _follow_rows(self, ref: ListPageRef, walk: ColumnWalk, page: ListPage) -> Iterator[scrapy.Request]:
        """Report the list page, fetch its first articles, read no further page."""
        probe = self._column(ref.path)
        self.report.list_page(probe, self._url_of(ref), page)
        for row in page.rows:
            if probe.followed >= ARTICLES_PER_COLUMN:
                break
            if (article_url := self._wanted(row)) and article_url not in self.followed_urls:
                self.followed_urls.add(article_url)
                probe.followed += 1
                yield self._article_request(article_url, row)

    def _list_page_failed(self, ref: ListPageRef, request_url: str, reason: str) -> None:
        super()._list_page_failed(ref, request_url, reason)
        self.report.list_failed(self._column(ref.path), request_url, reason)

    def _emit(self, article: Article, page: ArticlePage, published_from: str | None) -> Iterator[Article]:
        self.report.article(self._column(article.section_path), article.url, page, published_from)
        yield from ()

    def _article_skipped(self, request: scrapy.Request, reason: str) -> None:
        super()._article_skipped(request, reason)
        url = origin_url(request)
        if column := self._section_of(urlsplit(url).path):
            self.report.article_failed(self._column(column), url, reason)
