"""The ``wuhan`` spider: column list pages → their pagination → article pages.

Thin by design: it decides which pages to request and when to stop; the parsing of
one page lives in :mod:`govnews.extract`, the site's shape in :mod:`govnews.sites.wuhan`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from govnews import settings as project_settings
from govnews import stats_keys
from govnews.archive.middleware import ARCHIVE_META, NOT_ARCHIVED
from govnews.crawl import stop
from govnews.crawl.arguments import ArgumentError, CrawlArguments
from govnews.extract.article import ArticlePage, is_soft_404, parse_article_page
from govnews.extract.dates import choose_published, date_from_article_path, today_beijing
from govnews.extract.document import policy_document
from govnews.extract.encoding import UNDECODABLE_MAX_SHARE, corrected_encoding, undecodable_share
from govnews.extract.html import parse_html
from govnews.extract.listing import ListPage, ListRow, parse_list_page
from govnews.feeds import run_job_id
from govnews.items import ArchivedArticle, Article
from govnews.logs import COUNTED, for_spider
from govnews.sites import wuhan
from govnews.sites.family import attachment_netlocs
from govnews.sites.site import Site
from govnews.store import Record
from govnews.store.recheck import RecheckPolicy
from govnews.store.run import IncrementalRun
from govnews.store.walk import ColumnWalk, EndKind, Step

logger = logging.getLogger(__name__)


ListPurpose = Literal["walk", "reread", "confirm"]


@dataclass(frozen=True)
class ListPageRef:
    """A list page asked for: which column, which page, and why."""

    path: str
    page_index: int = 0
    at_column_root: bool = False
    """Page 1 asked for as ``/<section>/`` (after ``index.shtml`` answered 404)."""
    purpose: ListPurpose = "walk"
    """``walk``: the walk's next page; ``reread``: a page read again after the page count
    dropped; ``confirm``: a column without a pager, its end asked again after a pause."""
    end_kind: EndKind | None = None
    """For ``confirm``: how the page answered the first time (``end_404``, ``empty_page``)."""


class WuhanSpider(scrapy.Spider):
    """The spider of one site of the family (:attr:`site`, a row of
    :mod:`govnews.sites.family`); ``wuhan`` crawls www.wuhan.gov.cn, and
    :mod:`govnews.crawl.spiders.family` holds one subclass per other row."""

    name = "wuhan"
    site: ClassVar[Site] = wuhan.SITE
    # `scrapy crawl wuhan -a probe=1` runs this spider instead (govnews.ops.commands.crawl).
    probe_spider = "wuhan_probe"
    # A multi-page article's later pages are fetched and its body appended.
    follows_later_pages = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Validated again here for callers that bypass the crawl command (scrapyd, scripts).
        self.args = CrawlArguments.parse(kwargs, self.site)
        if self.args.probe and self.probe_spider != self.name:
            # `scrapy crawl` runs the probe spider for probe=1; a caller that bypasses it is told.
            raise ArgumentError(f"probe=1 is the spider {self.probe_spider}: scrapy crawl {self.probe_spider} -a …")
        super().__init__(*args)
        # scrapyd passes its job id as the spider argument _job (it sets no environment variable).
        self.scrapyd_job: str | None = kwargs.get("_job")
        # Read by AllowedHostsMiddleware, which refuses any other host (redirects too).
        self.allowed_netlocs = self.site.allowed_netlocs(self.args.base_url)
        # Attachments may also come from the family's other hosts (govnews.pipelines.attachments).
        self.attachment_netlocs = attachment_netlocs(self.allowed_netlocs)
        # The walk rule and, once IncrementalStatePipeline attaches the state store, the
        # incremental decisions (govnews.store.walk, govnews.store.run).
        self.incremental_run = IncrementalRun(
            run_job_id(self.scrapyd_job), refresh_days=self.args.refresh_days, today=today_beijing()
        )
        self.incremental_run.judges_the_site = not self.args.replaying
        self.followed_urls: set[str] = set()
        self.looked_again: set[str] = set()
        """Known articles asked at the start (second looks, re-checks): their rows are known rows."""
        self.refetched: set[str] = set()
        """Articles asked again in full after a re-check found one of their files replaced."""
        # Article URL → where its first page's response is archived (-a archive=1).
        self._evidence: dict[str, dict[str, Any]] = {}
        unknown = [s for s in self.args.sections if s not in self.site.columns_by_path]
        if unknown and not self.args.urls:
            # Checked before any request: a typo shows at once, a column we do not list yet is allowed.
            self._logger.warning(
                "sections: %s not a known column of %s; crawling it all the same (known: %s)",
                ", ".join(unknown),
                self.site.host,
                ", ".join(f"{c.path} {c.name}" for c in self.site.columns),
            )

    @cached_property
    def _logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """This module's logger, its records naming this spider (counted as its site's:
        govnews.ops.health.logcount)."""
        return for_spider(logger, self)

    @cached_property
    def _counted_logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """:attr:`_logger` for lines whose event the stats count (a page skipped or failed): on a
        terminal, the run's closing block says them (govnews.logs.COUNTED)."""
        return for_spider(logger, self, COUNTED)

    def lease_fence(self, *, confirm: bool = False) -> bool:
        """True while this run may act for its site (its lease, if any, not found lost and
        before its deadline); asked before every request (``govnews.crawl.fence``, the
        download handler) and every line written (``govnews.feeds.FeedFile``). ``confirm``:
        the lease's server is asked too (the last check, once a request's connection is made)."""
        if confirm:
            return self.incremental_run.lease_confirmed()
        return self.incremental_run.lease_valid()

    @classmethod
    def validate_arguments(cls, kwargs: dict[str, Any]) -> None:
        """Raise :class:`ArgumentError` for a bad argument; used by ``scrapy crawl`` before the crawl starts."""
        CrawlArguments.parse(kwargs, cls.site)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS") and (default := settings.getdict("GOVNEWS_DEFAULT_FEEDS")):
            # No feed asked for (-o/-O, FEEDS): the project's own (govnews.settings).
            settings.set("FEEDS", default, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WuhanSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    @property
    def max_list_pages_setting(self) -> int:
        """``GOVNEWS_MAX_LIST_PAGES``: a cap on list pages per column whatever a pager claims."""
        return self.crawler.settings.getint("GOVNEWS_MAX_LIST_PAGES", project_settings.GOVNEWS_MAX_LIST_PAGES)

    @property
    def max_list_pages(self) -> int:
        """The cap on list pages per column (``GOVNEWS_MAX_LIST_PAGES``), ``max_pages`` lowering it."""
        cap = self.max_list_pages_setting
        return min(self.args.max_pages or cap, cap)

    def _audited_columns(self) -> set[str]:
        """The columns this run audits: every one with ``audit=1``; with the default, those
        last audited ``GOVNEWS_AUDIT_DAYS`` ago, in an ordinary run (no ``since``, no
        ``max_pages``: a sample stays a sample); none with ``audit=0``."""
        run, args = self.incremental_run, self.args
        if args.audit is False or not args.incremental or args.urls:
            return set()
        if args.audit:
            if args.since or args.max_pages:
                self._logger.info(
                    "audit walk: every list page is read (up to GOVNEWS_MAX_LIST_PAGES); "
                    "since and max_pages are ignored"
                )
            return set(args.sections)
        if args.since or args.max_pages:
            return set()
        days = self.crawler.settings.getint("GOVNEWS_AUDIT_DAYS", project_settings.GOVNEWS_AUDIT_DAYS)
        due = {s for s in args.sections if run.audit_due(s, days)}
        if due:
            self._logger.info(
                "audit walk of %s: last audited over %d days ago (GOVNEWS_AUDIT_DAYS); every list page is read",
                ", ".join(sorted(due)),
                days,
            )
        return due

    # -- stats -----------------------------------------------------------------

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats_keys.key(key), count)

    def _inc_column(self, column: str | None, key: str, count: int = 1) -> None:
        """Per-column counters (:func:`govnews.stats_keys.column`), read by the end-of-run
        health checks."""
        if column:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(stats_keys.column(column, key), count)

    # -- start -----------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.args.urls:
            for url in self.args.urls:
                yield self._article_request(url, row=None)
            return
        audited = self._audited_columns()
        for section in self.args.sections:
            audit = section in audited
            limit = self.max_list_pages_setting if audit else self.max_list_pages
            # A max_pages run is a sample: it never resumes at a gap further down.
            resumes = audit or not self.args.max_pages
            self.incremental_run.begin(section, limit=limit, audit=audit, since=self.args.since, resumes=resumes)
            yield self._list_request(ListPageRef(section))
        # Rows a walk read whose article was not exported: owed until exported.
        retry, given_up = self.incremental_run.pending(self.args.sections)
        for url in given_up:
            self._inc("state/pending_given_up")
            self._logger.warning("article %s given up: it failed in every run for a week", url)
        for url, column in retry:
            if url not in self.followed_urls:
                self.followed_urls.add(url)
                self._inc("state/pending_retried")
                self._inc_column(column, "rows_followed")
                yield self._article_request(url, row=None)
        if self.args.replaying:
            return  # a replay reads what the archive holds, no more: no second look, no re-check
        # Known articles a first look found withdrawn or off their list: a second look.
        for record, _candidate in self.incremental_run.second_look_requests(self.args.sections):
            if record.url not in self.looked_again:
                self.looked_again.add(record.url)
                self._inc("changes/second_looks")
                yield self._article_request(record.url, row=None)
        # Known articles asked again by age, under a budget: edits no row shows (docs/incremental.md).
        policy = RecheckPolicy.from_settings(self.crawler.settings.get)
        for record in self.incremental_run.rechecks(self.args.sections, policy):
            if record.url not in self.looked_again:
                self.looked_again.add(record.url)
                self._inc("changes/rechecks")
                yield self._article_request(record.url, row=None, known=record)

    def _list_request(self, ref: ListPageRef) -> scrapy.Request:
        path = ref.path if ref.at_column_root else wuhan.list_page_path(ref.path, ref.page_index)
        meta: dict[str, Any] = {}
        if ref.purpose == "confirm":
            # Asked again after a pause (govnews.crawl.politeness): a blip answers otherwise by then.
            meta["govnews_pause"] = self.crawler.settings.getfloat(
                "GOVNEWS_END_CONFIRM_PAUSE", project_settings.GOVNEWS_END_CONFIRM_PAUSE
            )
        return scrapy.Request(
            wuhan.request_url(path, self.args.base_url),
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"ref": ref},
            priority=_list_priority(ref.page_index),
            # A page read again is the same URL: the duplicate filter must let it through.
            dont_filter=ref.purpose != "walk",
            meta=meta or None,
        )

    @cached_property
    def downloads_files(self) -> bool:
        """Attachments are downloaded (``-a attachments=1``, ``ocr=1``, or the settings)."""
        args, settings = self.args, self.crawler.settings
        if args.probe:
            return False
        if args.attachments is not None:
            return args.attachments
        return bool(args.ocr) or settings.getbool("GOVNEWS_OCR") or settings.getbool("GOVNEWS_ATTACHMENTS")

    def _files_rechecked(self, url: str) -> Iterator[scrapy.Request]:
        """An article's page answered 304: its files, as last downloaded, are asked again
        conditionally (a 304 each when unchanged). A file replaced under the same URL makes the
        page asked again in full: its item then carries the new file (an ``edited`` record,
        ``attachments.replaced``)."""
        if not self.downloads_files:
            return
        for known in self.incremental_run.known_files(url):
            headers = {}
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            self._inc("changes/file_rechecks")
            yield scrapy.Request(
                known.url,
                callback=self._file_rechecked,
                errback=self._file_recheck_failed,
                cb_kwargs={"article_url": url, "file_url": known.url, "sha256": known.sha256},
                headers=headers or None,
                meta={
                    "handle_httpstatus_list": [304],
                    "download_maxsize": self.crawler.settings.getint(
                        "GOVNEWS_ATTACHMENT_MAX_SIZE", project_settings.GOVNEWS_ATTACHMENT_MAX_SIZE
                    ),
                },
                dont_filter=True,
                priority=_article_priority(0),
            )

    def _file_rechecked(
        self, response: Response, article_url: str, file_url: str, sha256: str
    ) -> Iterator[scrapy.Request]:
        if response.status == 304:
            return
        served = hashlib.sha256(response.body).hexdigest()
        if served == sha256:
            return
        # The classification compares the article with this file's new checksum (the store's is
        # the old one), and the attachments pipeline then downloads it as any changed file.
        self.incremental_run.replaced_files[file_url] = served
        if article_url in self.refetched:
            return
        self.refetched.add(article_url)
        self._inc("changes/files_replaced")
        self._logger.info(
            "article %s: its file %s serves other bytes; the page is asked again", article_url, response.url
        )
        yield self._article_request(article_url, row=None).replace(dont_filter=True)

    def _file_recheck_failed(self, failure: Failure) -> None:
        """A file re-check that failed tells nothing: the next re-check asks again."""
        self._inc("changes/file_recheck_failed")

    def _article_request(
        self, url: str, row: ListRow | None, known: Record | None = None, page_index: int = 0
    ) -> scrapy.Request:
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {}
        if row is None and self.incremental_run.store is not None:
            # No row read (urls=, an owed row, a re-check, a second look): a known article's page
            # is read with its row as the store keeps it, as the walk would have read it.
            canonical = self.site.canonical_url(url)
            if (record := known or self.incremental_run.known_record(canonical)) is not None:
                row = known_row(record, self.incremental_run.kept_fields(canonical, record))
        if known is not None and known.fields_digest is not None:
            # A refresh asks "changed since?": an unchanged page answers 304 without its body. (An
            # article whose revision fields the store does not keep, from a release before them,
            # is asked in full once: its fields are kept from its page.)
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            wuhan.request_url(url, self.args.base_url),
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"row": row},
            headers=headers or None,
            meta=meta or None,
            priority=_article_priority(page_index),
        )

    # -- list pages ------------------------------------------------------------

    def _readable(self, response: Response, kind: str) -> TextResponse | None:
        """The response as text in its real charset, or None (counted, logged) when it
        has nothing to read."""
        if not isinstance(response, TextResponse):
            self._inc(f"{kind}/not_html")
            self._logger.warning("%s page %s skipped: not an HTML response", kind, response.url)
            return None
        if not response.body.strip():
            self._inc(f"{kind}/empty_response")
            self._logger.warning("%s page %s skipped: empty response body", kind, response.url)
            return None
        if encoding := corrected_encoding(response.body, response.encoding):
            self._inc("extract/encoding_corrected")
            self._logger.warning(
                "%s page %s declares %s but is %s; decoded as %s",
                kind,
                response.url,
                response.encoding,
                encoding,
                encoding,
            )
            response = response.replace(encoding=encoding)
        if (share := undecodable_share(response.text)) > UNDECODABLE_MAX_SHARE:
            self._inc(f"{kind}/undecodable")
            self._logger.warning("%s page %s skipped: %.0f%% of it is not text", kind, response.url, share * 100)
            return None
        return response

    def parse_list(self, response: Response, ref: ListPageRef) -> Iterator[scrapy.Request]:
        self._inc("list/pages")
        walk = self.incremental_run.walk(ref.path)
        if walk.audit:
            self._inc("audit/list_pages")
        if (text := self._readable(response, "list")) is None:
            yield from self._page_without_rows(ref, walk, "unreadable")
            return
        page = parse_list_page(parse_html(text.text, text.url), text.url, wuhan.ARTICLE_URL_RE)
        if (other := self._other_page(ref, response, page)) is not None:
            # Not the page asked for (a redirect, or a pager that says it is another page): its
            # rows do not belong here. A failed page: the next run reads through what it hid.
            yield from self._out_of_step_page(ref, walk, other)
            return
        self._inc(f"list/pager/{page.pager.form}")
        self._inc(f"list/row_form/{page.row_form}")
        for source, count in page.date_sources.items():
            self._inc(f"list/row_dates/{source}", count)
        if page.row_form in ("script", "variables"):
            self._inc("list/rows_from/script")  # the older name of the two forms' count
        self._inc_column(ref.path, "list_pages")
        self._inc_column(ref.path, "list_rows", len(page.rows))
        if page.pager.page_count and ref.page_index == 0 and ref.purpose == "walk":
            # What a full walk of the column costs, for the summary and the first taste of the site.
            assert self.crawler.stats is not None
            self.crawler.stats.max_value(stats_keys.column(ref.path, "page_count"), page.pager.page_count)
        if not page.rows:
            self._inc("list/empty_page")
            yield from self._page_without_rows(ref, walk, "empty_page", page.pager.page_count)
            return
        self._inc("list/rows", len(page.rows))
        yield from self._follow_rows(ref, walk, page)

    def _other_page(self, ref: ListPageRef, response: Response, page: ListPage) -> str | None:
        """Why ``response`` is not list page ``ref`` (None: it is): it was redirected to another
        page or another URL (``redirected``), or its pager says it is another page
        (``wrong_page``)."""
        request = response.request
        if request is not None and request.meta.get("redirect_urls"):
            served = wuhan.list_page_index(ref.path, urlsplit(response.url).path)
            if served != ref.page_index:
                return "redirected"
        if page.pager.current is not None and page.pager.current != ref.page_index:
            return "wrong_page"
        return None

    def _out_of_step_page(self, ref: ListPageRef, walk: ColumnWalk, reason: str) -> Iterator[scrapy.Request]:
        """A list page answered with another page: counted, logged (WARNING), and a failed page."""
        url = self._url_of(ref)
        self._inc(f"list/failed/{reason}")
        self._inc(f"walk/out_of_step/{reason}")
        self._counted_logger.warning(
            "list page %s of column %s answered as another page (%s); reading on, the next run reads through it",
            url,
            ref.path,
            reason,
        )
        if ref.purpose == "reread":
            walk.reread_failed(ref.page_index)
            return
        if ref.purpose == "confirm":
            yield from self._after(ref, walk, walk.page_failed(ref.page_index))
            return
        yield from self._after(ref, walk, walk.page_failed(ref.page_index))

    def _follow_rows(self, ref: ListPageRef, walk: ColumnWalk, page: ListPage) -> Iterator[scrapy.Request]:
        """The requests for a list page's rows (new, due for a refresh, or owed again) and the
        walk's next pages."""
        run = self.incremental_run
        listed: list[str] = []
        dates: list[str | None] = []
        rows: list[tuple[str, ListRow]] = []
        for row in page.rows:
            url = self._wanted(row)
            if url is None:
                continue
            if walk.since and row.date and row.date < walk.since.isoformat():
                # Left out on purpose: this walk no longer covers the whole column.
                self._inc("links/older_than_since")
                walk.cut = walk.cut or "since"
                continue
            listed.append(url)
            dates.append(row.date)
            rows.append((url, row))
        # A replay reads every archived list page: no row counts as read by an earlier walk.
        covered = set() if self.args.replaying else run.covered(ref.path, listed)
        shifted_before = walk.shifted_down
        for url, row in rows:
            action, record = run.row(ref.path, url, row.title, row.date)
            read_again = self.args.replaying and action == "known"
            if read_again:
                # A replay reads every archived article again: the store then exports those
                # whose content changed (an extraction fix) as new revisions, and no other.
                action, record = "fetch", None
            in_store = record is not None or run.dead_link(url) is not None
            if walk.audit and action == "fetch" and url not in covered and walk.met_covered and not in_store:
                # A row below covered ones that no walk had seen: back-dated, or pulled up
                # across a page a walk had read.
                self._inc("audit/found")
                self._logger.info("audit walk of %s: %s was never listed where a walk read", ref.path, url)
            if url in covered:
                walk.met_covered = True
            if url in self.looked_again and action != "fetch":
                # Asked at the start already (a re-check, a second look): one request an article.
                self._inc_column(self._section_of(urlsplit(url).path), "rows_known")
                continue
            if url in self.followed_urls:
                # Rows pushed down by new articles sit on two list pages: fetched once.
                self._inc("links/repeated")
                continue
            self.followed_urls.add(url)
            column = self._section_of(urlsplit(url).path)
            if action == "fetch":
                if (dead := run.dead_link(url)) is not None:
                    self._inc("audit/dead_links_retried" if walk.in_audit else "state/dead_link_row_changed")
                    self._logger.info(
                        "dead link %s asked again: %s", url, "audit walk" if walk.in_audit else "its row changed"
                    )
                    del dead
                # A known row read again by a replay stays a known row to the health checks.
                # (A known article asked again, its row back on the list, too.)
                self._inc_column(column, "rows_known" if read_again or record is not None else "rows_followed")
                yield self._article_request(url, row, page_index=ref.page_index)
                continue
            self._inc_column(column, "rows_known")
            if action == "refresh":
                self._inc("state/refresh_requests")
                yield self._article_request(url, row, known=record, page_index=ref.page_index)
            elif record is None:
                self._inc("state/dead_links_skipped")
            else:
                self._inc("state/known_skipped")
        if ref.purpose == "reread":
            doubts_before = dict(walk.out_of_step)
            resume = walk.reread_done(listed, page.pager.page_count)
            self._count_doubts(ref, walk, doubts_before)
            if resume is not None:
                self._inc("walk/resumed")
                self._logger.info(
                    "column %s: the page count grew to %d after its last page; reading on", ref.path, walk.page_count
                )
                yield self._list_request(ListPageRef(ref.path, resume))
            return
        doubts_before = dict(walk.out_of_step)
        step = walk.page_read(
            ref.page_index,
            listed,
            page_count=page.pager.page_count,
            covered=covered,
            dates=dates,
            refresh_reaches_past=run.refresh_reaches_past([row.date for row in page.rows]),
        )
        if walk.shifted_down > shifted_before:
            self._inc("walk/shifted_down", walk.shifted_down - shifted_before)
        self._count_doubts(ref, walk, doubts_before)
        yield from self._after(ref, walk, step)

    def _count_doubts(self, ref: ListPageRef, walk: ColumnWalk, before: Mapping[int, str]) -> None:
        """Seams the last page made doubtful (a page likely served as it was before a publish):
        counted, and logged at INFO (the next run reads through each, a page or two)."""
        for index, why in walk.out_of_step.items():
            if index in before:
                continue
            self._inc(f"walk/out_of_step/{why}")
            self._logger.info(
                "column %s: list pages %d and %d may not show the list at one moment (%s); "
                "the next run reads between them again",
                ref.path,
                index,
                index + 1,
                why,
            )

    def _after(self, ref: ListPageRef, walk: ColumnWalk, step: Step) -> Iterator[scrapy.Request]:
        """The requests a walk's decision asks for: pages to read again, and its next page."""
        if step.reread:
            self._inc("walk/rereads", len(step.reread))
            self._logger.info(
                "column %s: the page count dropped to %s (rows withdrawn mid-walk); reading pages %s again",
                ref.path,
                walk.page_count,
                ", ".join(str(i + 1) for i in step.reread),
            )
            for index in step.reread:
                yield self._list_request(ListPageRef(ref.path, index, purpose="reread"))
        if step.end == "end_404":
            self._inc("list/end_404")
        if step.end in ("end_404", "empty_page") and walk.end_doubt == "first_end_after_a_full_page":
            # Nothing is wrong: the next walk confirms the end.
            self._inc("walk/ends_doubted")
            self._logger.info(
                "column %s ends before list page %d after a full page, on its first walk to the end: "
                "the next walk confirms the end (until then the walk stays incomplete)",
                ref.path,
                walk.last_read + 2,
            )
        elif step.end in ("end_404", "empty_page") and walk.doubted_end:
            self._inc("walk/ends_doubted")
            self._logger.warning(
                "column %s ends before list page %d (%d rows read), short of %s: the end is doubted "
                "until the next walk ends at the same row (the walk stays incomplete)",
                ref.path,
                walk.last_read + 2,
                len(walk.seen),
                f"the {walk.page_count} pages its pager claims"
                if walk.end_doubt == "pager_claims_more"
                else f"the {walk.state.end_rows} rows a walk read to its end before",
            )
        if step.end == "covered":
            # Every row here was read by a walk, and no gap is left: older pages hold nothing new.
            self._inc("state/stopped_at_known_page")
        elif step.cut == "max_pages":
            self._inc("list/stopped_at_max_pages")
            self._logger.info("column %s: stopping at %d list pages (max_pages)", ref.path, ref.page_index + 1)
        elif step.cut == "since":
            self._inc("list/stopped_at_since")
        if step.jump and step.next_index is not None:
            self._inc("walk/jumps")
            self._logger.info(
                "column %s: covered rows, and a gap earlier walks left further down: resuming at list page %d",
                ref.path,
                step.next_index + 1,
            )
        if step.next_index is not None:
            yield self._list_request(ListPageRef(ref.path, step.next_index))

    def _page_without_rows(
        self, ref: ListPageRef, walk: ColumnWalk, kind: str, page_count: int | None = None
    ) -> Iterator[scrapy.Request]:
        """A list page that answered 200 with no rows (empty, unrecognised or unreadable)."""
        if ref.purpose == "reread":
            walk.reread_failed(ref.page_index)
            return
        if ref.page_index == 0 and ref.purpose == "walk" and not walk.reads:
            if walk.state.end_rows or walk.state.gaps:
                # A column that had rows: page 1 without any is a failed page, not an empty column.
                self._list_page_failed(ref, request_url=self._url_of(ref), reason=kind)
                walk.page_failed(0)
                return
            # An empty column (or a template the extractor does not know): its end.
            self._inc_column(ref.path, "empty_first_page")
            self._logger.warning("list page %s of column %s has no rows", self._url_of(ref), ref.path)
            walk.end_confirmed(0, "empty_page")
            return
        if walk.seeking(ref.page_index):
            # A page the walk jumped to, past the column's end: it steps back.
            yield from self._after(ref, walk, walk.page_failed(ref.page_index, gone=True))
            return
        if walk.page_count is not None or page_count is not None:
            # Inside the range a pager gave: a failed page; the walk goes on past it.
            self._list_page_gone(ref, self._url_of(ref), kind)
            yield from self._after(ref, walk, walk.page_failed(ref.page_index, gone=True))
            return
        yield from self._end_candidate(ref, walk, "empty_page")

    def _end_candidate(self, ref: ListPageRef, walk: ColumnWalk, kind: EndKind) -> Iterator[scrapy.Request]:
        """A column without a pager: the page after the last answers 404 or has no rows. The end
        is confirmed by the same answer a pause later; another answer is a failed page."""
        if ref.purpose != "confirm":
            self._inc("walk/end_confirmations")
            yield self._list_request(replace(ref, purpose="confirm", end_kind=kind))
            return
        if ref.end_kind != kind:
            self._list_page_failed(ref, request_url=self._url_of(ref), reason=f"{ref.end_kind}_then_{kind}")
            yield from self._after(ref, walk, walk.page_failed(ref.page_index))
            return
        yield from self._after(ref, walk, walk.end_confirmed(ref.page_index, kind))

    def _url_of(self, ref: ListPageRef) -> str:
        path = ref.path if ref.at_column_root else wuhan.list_page_path(ref.path, ref.page_index)
        return wuhan.request_url(path, self.args.base_url)

    def _wanted(self, row: ListRow) -> str | None:
        """The canonical URL of an article row of a wanted column on an allowed host, or
        None (counted) when the row is not one."""
        parts = urlsplit(row.url)
        if parts.scheme not in ("http", "https") or wuhan.netloc_of(row.url) not in self.allowed_netlocs:
            self._inc("links/offsite")
            return None
        if not wuhan.ARTICLE_PATH_RE.match(parts.path):
            self._inc("links/not_article")
            return None
        if self._section_of(parts.path) is None:
            self._inc("links/other_column")
            return None
        return self.site.canonical_url(row.url)

    def list_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        if stop.is_stop(failure):
            # Cancelled by a stop (govnews.crawl.stop): not read, the walk stands where it was.
            yield from self._kept_for_the_job(request)
            return
        ref: ListPageRef = request.cb_kwargs["ref"]
        walk = self.incremental_run.walk(ref.path)
        if _failure_reason(failure) == "not_archived":
            # A replay past what the archive holds (the live walk stopped here): its end.
            self._inc("list/not_archived")
            return
        error = failure.value
        status = error.response.status if isinstance(error, HttpError) else None
        if ref.purpose == "reread":
            walk.reread_failed(ref.page_index)
            self._inc(f"list/failed/{_failure_reason(failure)}")
            self._logger.warning("list page %s, read again, failed: %s", request.url, _failure_reason(failure))
            return
        if status == 404 and ref.page_index == 0 and not walk.reads and ref.path not in self.site.columns_by_path:
            # An unknown column whose first page does not exist: a typo, not a site to walk.
            self._inc_column(ref.path, "list_failed")
            walk.page_failed(0)
            self._logger.error(
                "column %s does not exist: its first list page %s answered 404; stopping (known columns: %s)",
                ref.path,
                request.url,
                ", ".join(c.path for c in self.site.columns),
            )
            raise CloseSpider("unknown_column")
        if status == 404 and ref.page_index == 0 and not ref.at_column_root:
            # /<section>/ and /<section>/index.shtml are the same page (docs/site.md, "List pages and
            # their pager"); ask the other.
            self._inc("list/index_fallback")
            self._logger.warning("list page %s answered 404; trying %s", request.url, ref.path)
            yield self._list_request(replace(ref, at_column_root=True))
            return
        if status in (404, 410) and ref.page_index > 0 and walk.seeking(ref.page_index):
            # A page the walk jumped to, past the column's end: it steps back.
            yield from self._after(ref, walk, walk.page_failed(ref.page_index, gone=True))
            return
        if status in (404, 410) and ref.page_index > 0 and walk.page_count is None:
            # Pager form 3 (no pager): the 404 after the last page ends the column, once confirmed.
            yield from self._end_candidate(ref, walk, "end_404")
            return
        if status in (404, 410) and ref.page_index > 0:
            self._list_page_gone(ref, request.url, _failure_reason(failure))
            yield from self._after(ref, walk, walk.page_failed(ref.page_index, gone=True))
            return
        self._list_page_failed(ref, request.url, _failure_reason(failure))
        yield from self._after(ref, walk, walk.page_failed(ref.page_index))

    def _list_page_failed(self, ref: ListPageRef, request_url: str, reason: str) -> None:
        """A list page the site failed to serve (5xx after retries, a timeout …): an ERROR."""
        self._inc(f"list/failed/{reason}")
        self._inc("walk/failed_pages")
        self._inc_column(ref.path, "list_failed")
        self._counted_logger.error("list page %s of column %s failed: %s", request_url, ref.path, reason)

    def _list_page_gone(self, ref: ListPageRef, request_url: str, reason: str) -> None:
        """A page inside the range a pager gave that says it does not exist (404, 410, no rows):
        the site's own inconsistency, handled by the walk rule (a gap, or an overstated pager):
        a WARNING, counted."""
        self._inc(f"list/failed/{reason}")
        self._inc("walk/failed_pages")
        self._counted_logger.warning(
            "list page %s of column %s: %s inside the %s pages its pager gives; reading on",
            request_url,
            ref.path,
            reason,
            self.incremental_run.walk(ref.path).page_count,
        )

    # -- articles --------------------------------------------------------------

    def _section_of(self, path: str) -> str | None:
        """The longest wanted column (or, for ``urls``, any column) holding ``path``."""
        candidates = [s for s in self.args.sections if path.startswith(s)]
        if self.args.urls and not candidates:
            match = wuhan.ARTICLE_PATH_RE.match(path)
            candidates = [match.group("section")] if match else []
        return max(candidates, key=len) if candidates else None

    def parse_article(self, response: Response, row: ListRow | None) -> Iterator[Article | scrapy.Request]:
        if response.status == 304:
            self._inc("state/not_modified")
            self.incremental_run.touch(self.site.canonical_url(response.url))
            yield from self._files_rechecked(self.site.canonical_url(response.url))
            return
        self._inc("article/pages")
        request = response.request  # None for a response built outside a crawl (tests, scripts)
        if request is not None and (evidence := request.meta.get(ARCHIVE_META)) is not None:
            self._evidence[response.url] = evidence
        if (text := self._readable(response, "article")) is None:
            return
        if self.incremental_run.dead_link(self.site.canonical_url(response.url)) is not None:
            self._inc("state/dead_links_revived")
        if self.incremental_run.store is not None:
            # For the next run's conditional requests (kept only when there is a store).
            self.incremental_run.validators[self.site.canonical_url(response.url)] = (
                _header(response, b"ETag"),
                _header(response, b"Last-Modified"),
            )
        page = parse_article_page(parse_html(text.text, text.url), text.url, self.site.title_suffix)
        if is_soft_404(page):
            # A "not found" page answered 200: no article to export; it stays owed (a blip of
            # the site passes; a page gone for good is given up with the other owed rows).
            self._inc("article/soft_404")
            if self.incremental_run.article_gone(self.site.canonical_url(response.url), None, reason="soft_404"):
                self._known_page_gone(self.site.canonical_url(response.url), "soft_404")
                return
            self._article_skipped(response.request or scrapy.Request(response.url), "soft_404")
            return
        if page.more_pages and self.follows_later_pages:
            self._inc("article/multi_page")
            yield self._continuation(response.url, page, row, page.more_pages)
            return
        yield from self._finish(response.url, page, row)

    def _continuation(self, url: str, page: ArticlePage, row: ListRow | None, remaining: list[str]) -> scrapy.Request:
        return scrapy.Request(
            wuhan.request_url(remaining[0], self.args.base_url),
            # Straight after its first page: a partial article waits in memory.
            priority=_article_priority(0),
            callback=self.parse_article_page_n,
            errback=self.article_failed,
            cb_kwargs={"first_url": url, "page": page, "row": row, "remaining": remaining[1:]},
        )

    def parse_article_page_n(
        self, response: Response, first_url: str, page: ArticlePage, row: ListRow | None, remaining: list[str]
    ) -> Iterator[Article | scrapy.Request]:
        """A later page of a multi-page article: its body is appended to the first page's."""
        if (text := self._readable(response, "article")) is None:
            self._inc("article/incomplete_dropped")
            self._logger.warning("article %s dropped: its page %s could not be read", first_url, response.url)
            return
        more = parse_article_page(parse_html(text.text, text.url), text.url, self.site.title_suffix)
        merged = replace(
            page,
            paragraphs=page.paragraphs + more.paragraphs,
            images=page.images + [i for i in more.images if i not in page.images],
            attachments=page.attachments + [a for a in more.attachments if a not in page.attachments],
            # Credits often close the last page only.
            source=page.source or more.source,
            author=page.author or more.author,
            editor=page.editor or more.editor,
        )
        if remaining:
            yield self._continuation(first_url, merged, row, remaining)
        else:
            yield from self._finish(first_url, merged, row)

    def _finish(self, url: str, page: ArticlePage, row: ListRow | None) -> Iterator[Article]:
        canonical = self.site.canonical_url(url)
        path = urlsplit(canonical).path
        section_path = self._section_of(path) or "/"
        for fallback in page.fallbacks:
            self._inc(f"extract/fallback/{fallback}")
        if not page.body_found:
            self._inc("extract/fallback")
            self._inc_column(section_path, "extract_fallback")
            self._logger.warning("article %s: no known body container; generic fallback used", canonical)
        if not page.paragraphs:
            self._inc("extract/no_body")

        candidates = list(page.date_candidates)
        if row is not None and row.date:
            # With its time when the row shows one (document.writeln("2026-02-14 17:32")).
            candidates.append(("list_row", row.published_at or row.date))
        if url_date := date_from_article_path(path):
            candidates.append(("url", url_date))
        published_at, published_from, problems = choose_published(candidates, today_beijing())
        for problem in problems:
            self._inc("extract/bad_date/future" if "future" in problem else "extract/bad_date/unreadable")
            self._logger.warning("article %s: %s; using the next date source", canonical, problem)
        self._inc(f"extract/published_from/{published_from or 'none'}")
        self._inc_column(section_path, f"published_from/{published_from or 'none'}")

        column = self.site.columns_by_path.get(section_path)
        section = column.name if column else page.meta.get("ColumnName", section_path)
        title = page.title or (row.title if row else None) or ""
        if not page.title and title:
            self._inc("extract/fallback/title_from_list_row")
        meta = page.meta
        if row is not None and row.filenum and not (meta.get("发文字号") or meta.get("文号")):
            # A script row's FILENUM is the document's 发文字号 (docs/site.md, "Script rows"); the page
            # may not show it.
            meta = {**meta, "发文字号": row.filenum}
            self._inc("extract/filenum_from_list_row")
        article = Article(
            url=canonical,
            site=self.site.host,
            section=section,
            section_path=section_path,
            title=title,
            published_at=published_at,
            source=page.source,
            author=page.author,
            editor=page.editor,
            paragraphs=page.paragraphs,
            images=page.images,
            attachments=page.attachments,
            meta=meta,
            document=policy_document(meta),
            crawled_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        )
        if (evidence := self._evidence.pop(url, None)) is not None:
            article = ArchivedArticle(**vars(article), archive=evidence)
        yield from self._emit(article, page, published_from)

    def _emit(self, article: Article, page: ArticlePage, published_from: str | None) -> Iterator[Article]:
        """The article, counted; ``page`` and ``published_from`` say how it was read."""
        self._inc("article/items")
        self._inc_column(article.section_path, "items_extracted")
        yield article

    def article_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        if stop.is_stop(failure):
            # Cancelled by a stop (govnews.crawl.stop): not exported, so owed to the next run.
            yield from self._kept_for_the_job(request)
            return
        reason = _failure_reason(failure)
        if reason in ("http_404", "http_410") and request.callback == self.parse_article:
            # A dead link: owed no retry; remembered with its row, asked again when the row changes.
            url = self.site.canonical_url(origin_url(request))
            row: ListRow | None = request.cb_kwargs.get("row")
            column = self._section_of(urlsplit(url).path)
            if self.incremental_run.article_gone(
                url, column, row.title if row else None, row.date if row else None, reason=reason
            ):
                self._known_page_gone(url, reason)
                return
        self._article_skipped(request, reason)

    def _known_page_gone(self, url: str, reason: str) -> None:
        """An exported article's page is gone (404, 410, a soft 404): a look at a withdrawal (a
        second look confirms it: docs/incremental.md), not a failed article."""
        self._inc("changes/pages_gone")
        self._logger.info("article %s: its page is gone (%s); a withdrawal once a second look agrees", url, reason)

    def _kept_for_the_job(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        """A request a stop cancelled, back to the scheduler when a ``JOBDIR`` keeps its queue:
        the resumed job makes it (without one, the store owes it to the next run)."""
        if self.crawler.settings.get("JOBDIR"):
            yield request.replace(dont_filter=True)

    def _article_skipped(self, request: scrapy.Request, reason: str) -> None:
        # Name the article as listed, not the last hop of a redirect.
        url = origin_url(request)
        self._inc(f"article/failed/{reason}")
        self._inc_column(self._section_of(urlsplit(url).path), "article_failed")
        self._counted_logger.warning("article %s skipped: %s", url, reason)

    def closed(self, reason: str) -> None:
        """The audit's cost and catch, in one line (the stats hold them per kind)."""
        audited = [w for w in self.incremental_run.columns.values() if w.audit]
        if audited:
            assert self.crawler.stats is not None
            self._logger.info(
                "audit walk of %d column(s): %d list pages read, %d article(s) found that no walk had seen",
                len(audited),
                sum(w.list_pages for w in audited),
                self.crawler.stats.get_value(stats_keys.AUDIT("found"), 0),
            )

    def request_dropped(self, request: scrapy.Request) -> None:
        """The scheduler's duplicate filter dropped a request. For an article's redirect hop
        that is a redirect loop (A → B → A): the article ends there, counted and logged. For a
        list page's, the page was redirected to one already asked for (page 1): not the page
        asked for, a failed page, and the walk goes on."""
        if not request.meta.get("redirect_urls"):
            return
        if request.callback in (self.parse_article, self.parse_article_page_n):
            self._article_skipped(request, "redirect_loop")
        elif request.callback == self.parse_list and self.crawler.engine is not None:
            ref: ListPageRef = request.cb_kwargs["ref"]
            walk = self.incremental_run.walk(ref.path)
            for follow in self._out_of_step_page(ref, walk, "redirected"):
                self.crawler.engine.crawl(follow)


def _article_priority(page_index: int) -> int:
    """The priority of the articles listed on list page ``page_index`` (0 for the first):
    an earlier page's articles go first, so that the articles waiting in the scheduler are
    at most two pages' worth per column, whatever the size of the site (memory stays flat)."""
    return 1 - 2 * page_index


def known_row(record: Record, kept: Mapping[str, object] | None = None) -> ListRow:
    """A known article's row as the store has it, for a request that reads none (a re-check, a
    second look): its page is then read as its last export read it. The row's date is what gives
    a page that shows only a day its time (:func:`choose_published`): without it, a re-check of
    such a page would find 发布时间 changed (``…T14:38:00+08:00`` → ``…``) where nothing did. The
    time is the last export's, used only when the page shows that day without one. Likewise the
    发文字号 a script row gave a page that shows none: the last export's (``kept``, its revision
    fields), used only when the page shows no number of its own."""
    day = record.row_date or (record.published_at[:10] if record.published_at else None)
    doc_number = (kept or {}).get("document.doc_number")
    filenum = doc_number if isinstance(doc_number, str) and doc_number else None
    return ListRow(record.url, record.row_title, day, filenum=filenum, published_at=record.published_at)


def _list_priority(page_index: int) -> int:
    """A list page goes before the articles of the page before it (it is asked for while
    they download, so the next page's articles are ready when they are done: no pause
    between pages), but after those of the page two before it (the walk never runs ahead
    by more than a page)."""
    return _article_priority(page_index - 1) + 1


def origin_url(request: scrapy.Request) -> str:
    """The URL the request was made for, before any redirect."""
    redirects: list[str] = request.meta.get("redirect_urls") or []
    return redirects[0] if redirects else request.url


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


_IGNORED_REASONS = (
    (NOT_ARCHIVED, "not_archived"),
    ("robots.txt", "robots_txt"),
    ("max redirections", "redirect_limit"),
    ("offsite", "offsite"),
)


def _failure_reason(failure: Failure) -> str:
    """A short, stable name for why a request failed, for stats keys and log lines."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        message = str(error).lower()
        return next((name for needle, name in _IGNORED_REASONS if needle in message), "ignored")
    return type(error).__name__


if TYPE_CHECKING:
    from govnews.contract import SpiderContract

    # What the pipelines, feeds, middlewares and operators' tools read of a running spider
    # (govnews.contract): mypy checks here that the spider offers it.
    _OFFERS_THE_CONTRACT: type[SpiderContract] = WuhanSpider
