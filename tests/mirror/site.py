"""A deterministic, lazily rendered mirror of www.wuhan.gov.cn (pure stdlib, no Scrapy).

``MirrorSite(n_articles, per_page, seed)`` holds only each article's column (and the few
per-column extras); everything else — dates, docids, titles, bodies, pages — is derived on
request from (seed, article index), so a 50,000-article site is built in milliseconds. It
is written from ``shared/SITE.md`` alone and imports nothing from ``govnews``.

``SITE.md``, in this package and in the tests, is ``../shared/SITE.md`` beside the checkout:
CI and the project's developers have it, its users do not. The mirror and the tests' expected
values cite it because they are written from it, on purpose not from the project's own reading
of it (docs/site.md, which says the same forms in the project's words); a test that reads
``../shared/`` skips, saying why, where it is absent.

Article indexes are chronological: index 0 is the oldest, docids grow with the index
(site-wide), and one 武汉要闻 article is the seed page of ``shared/seed-example.txt`` at
``/sy/whyw/202205/t20220527_1979424.shtml``. Which SITE.md form each article carries is
decided by ``article.traits_for``; ``MirrorSite.forms()`` lists them by article index.

Forms (``columns.py``): every column has two list forms and two article forms, the current
and the older one (``column(path).list_forms`` / ``.article_forms``). "Old pages keep old
forms": a list page whose newest row is no newer than the column's (per_page+1)-th newest
article at build time is written in the older list form (so page 1 is current, later pages
older, until ``publish`` pushes rows down), and an article older than its column's median
at build time has the older page template. 政府规章, one page, writes its older rows the
older way. ``list_page_forms(page)`` and ``article_form(path)`` say which form a page has.

Truth (``expected_articles``): for each article path, the item the crawler must export —
``path, section, section_path, title, published_at, source, author, editor, paragraphs,
images, attachments, meta`` (and ``duplicate_pair``, below) — computed from the same model
the page is rendered from, never read back from the HTML. ``published_at`` is the finest
stamp the site shows of the article (``article.published_value``: PubDate, 发布时间 /
发布日期 with a time, the list row's time, else the date); ``meta`` holds the gov meta tags,
the policy header's pairs when the page shows one, and 发文字号 from the row's FILENUM / dFN.
``list_rows(page)`` is the truth of each row of a list page (``listing.RowTruth``: form,
href, article path, full title, date, time, document number).
Its paragraphs are what the crawler's cleaning leaves (template residue out, then duplicates):
the normal site carries noise at a few indexes (``forms()``, ``noise:*``): template residue
of other dialects in the body, a second printing of the body that differs only in what
``normalize_for_comparison`` ignores, the title printed again as the first paragraph.

Off by default: ``faults=True`` (the bad-input catalogue ``fault_cases`` and the 武汉旅游
column with its 99999-page pager) and ``variant=`` one of ``VARIANTS`` (sites the end-of-run
health checks must flag). The server carries out what a fault response asks (``delay``,
``truncate_at``); per-path request counters are site state (``fault_requests``,
``reset_faults``).

Schedules and losses (issue 9), all live (the server answers from the site as it is now):

- ``fail(path, status=500, times=None)`` — that exact path (query ignored; ``/sy/whyw/`` and
  ``/sy/whyw/index.shtml`` are two paths) answers ``status`` (400-599; 404 is the site's 404
  page) for the next ``times`` requests, or until ``clear_failures()`` when ``times`` is None.
  E.g. ``site.fail(site.list_page_paths("/zwgk/tzgg/")[1])`` makes page 2 of 通知公告 fail for
  one run; ``clear_failures()`` before the next.
- ``special_paths()`` — 通知公告 articles by role, newest first: ``attachment_only`` (two
  notices whose whole body is ``详见附件。``, with different titles and different PDFs in
  ``#articleFJ``, ``./P0<YYYYMMDD><digits>.pdf``), ``image_only`` (a body of one ``<img>``, no
  text: truth ``paragraphs == []``), ``repost_original``. They are the 2nd-5th newest
  通知公告 articles at build time (the newest is the multi-page one); a smaller column has
  only those that fit. Every one is an expected article.
- ``repost_pairs()`` — ``[(first_path, repost_path)]``: the ``repost_original`` and its
  repost, the first 武汉要闻 article published after it, with the same title, paragraphs,
  attachments and images (files by name; relative links resolve under each column) at
  another URL. Both are expected; each one's truth names the other in ``duplicate_pair``.
  ``duplicate_of`` semantics: the later-exported copy names the earlier one — of each pair,
  exactly one item has ``duplicate_of`` = the other's canonical URL (export order decides
  which), the other has none. Editing either copy ends the pair.
- ``publish(k, column_path)`` adds ``k`` newest articles to any column (rows move down the
  list pages); ``edit(path)`` rewrites one article's paragraphs (and its truth).

What changed and what vanished (issue 29): moves that edit like a site, each recording the
change a crawler must report, ``expected_change(path)`` (since the last ``checkpoint()``, the
crawler's previous look; None when nothing a user diffs changed), computed from the model:

- ``edit_wording(path)`` — one character of one body paragraph (``edited``, one ``replace``);
- ``add_paragraph(path)`` / ``remove_paragraph(path)`` — a body paragraph added after another,
  or removed (``edited``, one ``insert`` / ``delete``; ``at`` the index in the old paragraphs);
- ``retitle(path)`` — the row and the page carry a new title (``edited``, field ``title``);
- ``replace_attachment(path)`` — the article's first file serves other bytes at the same URL
  (``edited``, ``attachments.replaced``; seen only by a crawl that downloads files);
- ``set_validity(path, "失效")`` — a policy header's 有效性, in any header form (``edited``,
  ``document.validity`` and, when what it says changed, ``document.in_force``);
- ``withdraw(path)`` — the row goes, the page answers 404 (``withdrawn``); ``unlist(path)`` —
  the row goes, the page still answers 200 (``unlisted``); ``restore(path)`` — either comes
  back, its row in its place (``restored``, with ``then``: the edit found meanwhile, or None);
- ``chrome_change(path)`` — a visit counter in the info bar and an update date in the footer:
  the page changes, the article does not (None).

``move_candidates(move, column_path=None, limit=None)`` lists the articles a move applies to.
Two paragraph moves on one article between checkpoints (or an ``edit``) leave the exact
operations open: ``paragraphs`` is then None, and ``paragraphs_old``/``paragraphs_new`` say
what any correct operations must turn into what.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import http
import math
import random
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from . import layout, listing, phrases
from .article import (
    BODY_ATTACHMENT_ONLY,
    BODY_IMAGE_ONLY,
    PLAIN_TRAITS,
    ArticleModel,
    ArticleTruth,
    BodyMove,
    Head,
    Traits,
    article_path,
    build_article,
    collapse,
    form_names,
    make_head,
    mix,
    paragraphs_of,
    render_article_html,
    render_article_page,
    traits_for,
    truth,
    with_content_of,
)
from .columns import (
    ANCHOR_LIST_FORMS,
    COLUMN_BY_PATH,
    COLUMN_CYCLE,
    COLUMNS,
    FAULTS_UNWANTED_COLUMN_NAME,
    FAULTS_UNWANTED_COLUMN_PATH,
    HUGE_PAGER_CLAIMED_PAGES,
    HUGE_PAGER_COLUMN,
    HUGE_PAGER_REAL_PAGES,
    HUGE_PAGER_ROWS_PER_PAGE,
    LIST_LI,
    PAGER_COUNT_PAGE,
    PAGER_CREATE_PAGE_HTML,
    PAGER_NONE_404,
    PAGER_NONE_EMPTY_PAGE,
    PAGER_SINGLE,
    UNWANTED_COLUMN_NAME,
    UNWANTED_COLUMN_PATH,
    ColumnSpec,
)
from .files import ServedFile, Shelf
from .layout import attr, esc
from .listing import Row, RowTruth, row_html, row_truth
from .navigation import RowLink, WwwNavigation

DEFAULT_HOST = "www.wuhan.gov.cn"
SEED_ARTICLE_PATH = "/sy/whyw/202205/t20220527_1979424.shtml"
_SEED_TS = datetime(2022, 5, 27, 8, 5, 0)
_EPOCH = datetime(2000, 1, 1)
# 08:05 on the seed's day is virtual minute 10 of that day (see MirrorSite._ts).
_SEED_VIRTUAL_MINUTES = (_SEED_TS - _EPOCH).days * 24 * 60 + 10
_SEED_DOCID = 1979424
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
_OFFSITE_BODY_URLS = ("http://zwfw.hubei.gov.cn/",)

_LIST_RE = re.compile(r"^index(?:_([1-9]\d*))?\.shtml$")
_ARTICLE_DOCID_RE = re.compile(r"/t\d{8}_(\d+)\.shtml$")
_SUBPAGE_RE = re.compile(r"^(.*/t\d{8}_\d+)_(\d+)\.shtml$")
_FILE_RE = re.compile(r"/\d{6}/[WP]0\d{14,17}\.([a-z0-9]+)$")
_FILE_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}


VARIANTS = ("renamed_body", "empty_list", "no_dates")
"""Health-check variants of the site (``MirrorSite(variant=…)``): end-of-run checks must fail."""
RENAMED_BODY_CLASS = "article-body"
EMPTY_LIST_COLUMN_PATH = "/sy/kwh/"
NO_DATES_COLUMN_PATH = "/zwgk/tzgg/"

# The bad-input catalogue of MirrorSite(faults=True): name, column key, yields an item, what it does.
_FAULT_CATALOGUE: tuple[tuple[str, str, bool, str], ...] = (
    ("http_404", "whyw", False, "the article answers 404"),
    ("http_410", "tzgg", False, "the article answers 410 Gone"),
    ("burst_503_recovers", "whyw", True, "the first requests (site.burst_503_failures) answer 503, then 200"),
    ("burst_502_persists", "tzgg", False, "every request answers 502"),
    ("slow", "whyw", False, "200 with the article, after waiting site.slow_seconds"),
    ("reset_mid_body", "tzgg", False, "200, Content-Length of the whole page, half the body, then the socket is shut"),
    ("challenge_412", "whyw", False, "412 with a JavaScript cookie challenge that reloads the page, every time"),
    ("redirect_loop", "tzgg", False, "302 to the same path with ?loop=1, which 302s back to the path"),
    ("redirect_offsite", "whyw", False, "302 to the same path on http://evil.example.net (no such server)"),
    ("empty_200", "tzgg", False, "200, text/html, an empty body"),
    ("no_body_container", "whyw", True, "the body in div.content-text, no view/TRS class: the density fallback's case"),
    ("garbage_bytes", "tzgg", False, "200, text/html, 4 KB of random bytes"),
    ("gbk_declared_utf8", "whyw", True, "GBK bytes declared utf-8 in the header and in <meta charset>"),
    ("utf8_declared_gbk", "tzgg", True, "UTF-8 bytes declared gb2312 in the header and in <meta http-equiv>"),
    ("oversize", "whyw", False, "a 3 MB page (an inline data: image in the body)"),
    ("malformed_date", "tzgg", True, "PubDate 2022-13-45 25:61, no 发布时间: published_at is the row's date"),
    ("future_date", "whyw", True, "PubDate and 发布时间 2099-01-01 08:00: published_at is the row's date"),
    ("missing_dates", "tzgg", True, "no PubDate, no 发布时间, a row without date: published_at is the URL's date"),
    ("whitespace_title", "whyw", False, "whitespace-only ArticleTitle, <title>, <h1> and row text: no title, no item"),
)
FAULT_NAMES: tuple[str, ...] = tuple(name for name, *_ in _FAULT_CATALOGUE)
OFFSITE_REDIRECT_ORIGIN = "http://evil.example.net"
OFFSITE_FILES_ORIGIN = "http://files.example.net"
OVERSIZE_BYTES = 3 * 1024 * 1024
GARBAGE_BYTES = 4096
_MALFORMED_PUBDATE = "2022-13-45 25:61"
_FUTURE_DATE = "2099-01-01 08:00"
# Fault and 武汉旅游 articles live outside the article index space: their own random
# streams (no text shared with a real article) and docids in a band of their own.
_FAULT_INDEX_BASE = 1_000_000
_FAULT_DOCID_BASE = 900_000
_WHLY_INDEX_BASE = 2_000_000
_WHLY_DOCID_BASE = 950_000


@dataclass
class MirrorResponse:
    """What the server sends: status, headers (Content-Type …) and the encoded body."""

    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0
    """Seconds the server waits before answering (fault ``slow``)."""
    truncate_at: int | None = None
    """Send this many bytes of the body only (Content-Length still says all), then shut the
    connection (fault ``reset_mid_body``)."""


@dataclass(frozen=True)
class FaultCase:
    """One entry of the bad-input catalogue (``MirrorSite(faults=True).fault_cases``)."""

    name: str
    path: str
    description: str
    yields_item: bool
    """True when the crawler must export the article (its truth is in ``expected_articles``)."""


@dataclass(frozen=True)
class _Fault:
    case: FaultCase
    column: ColumnSpec
    head: Head
    traits: Traits
    slot: int
    """The page-1 row (0-based) the fault row follows; -1 when the column has no rows."""


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the crawler's tests see it (live: list pages grow with ``publish``)."""

    path: str
    name: str
    pager: str
    rows: str
    """The current list form (``list_forms[0]``)."""
    list_forms: tuple[str, str]
    """(current, older) list forms (``columns.LIST_*``)."""
    article_forms: tuple[str, str]
    """(current, older) article forms (``columns.ARTICLE_*``)."""
    list_pages: tuple[str, ...]
    """Existing list pages with rows, page 1 first as ``<path>index.shtml`` (alias ``<path>``)."""
    terminal_paths: frozenset[str]
    """For the no-pager forms: the page past the end the crawler must fetch to see it ended."""


@dataclass(frozen=True)
class _Extra:
    """A list row that is not an article of the column."""

    kind: str  # offsite | private | javascript | unwanted | dead | mailto
    href: str
    title: str
    date: datetime


@dataclass
class _Failure:
    """An injected failure (``MirrorSite.fail``): the status, and how many answers remain."""

    status: int
    remaining: int | None
    body: str | None = None
    """For a 200: ``empty`` (no body at all), ``soft404`` (a page saying it was not found),
    ``timeout`` (the page, after ``slow_seconds``), ``stale`` (a list page as it was before its
    column's latest publish or withdrawal); for a redirect, the ``Location``."""


@dataclass(frozen=True)
class _Before:
    """An article as it was at the last checkpoint (kept from its first move after it)."""

    alive: bool
    """Its page answered 200."""
    listed: bool
    """Its row was on its column's list."""
    truth: ArticleTruth
    files: dict[str, str]
    """Attachment path -> SHA-256 of the bytes served (the mirror's own bookkeeping)."""


@dataclass
class _State:
    columns_of: list[ColumnSpec] = field(default_factory=list)
    by_column: dict[str, list[int]] = field(default_factory=dict)
    revisions: dict[int, int] = field(default_factory=dict)
    fault_requests: dict[str, int] = field(default_factory=dict)
    """Requests seen per fault path (the 503 burst counts them)."""
    failures: dict[str, _Failure] = field(default_factory=dict)
    """Injected failures by exact path (``MirrorSite.fail``)."""
    withdrawn: set[int] = field(default_factory=set)
    """Articles taken off their list; their pages answer 404 (``MirrorSite.withdraw``)."""
    backdated: dict[int, datetime] = field(default_factory=dict)
    """Publish times of articles published below the top of their list (``publish(below=…)``)."""
    before_change: dict[str, list[int]] = field(default_factory=dict)
    """Each column's list as it was before its latest publish or withdrawal (``MirrorSite.stale``)."""
    # The moves of issue 29 (MirrorSite.edit_wording …) and their truth.
    body_moves: dict[int, list[BodyMove]] = field(default_factory=dict)
    """The editors' edits of each article's body, in order (``edit`` rewrites the body: gone)."""
    titles: dict[int, str] = field(default_factory=dict)
    """Titles as retitled (``retitle``): row and page."""
    validity: dict[int, str] = field(default_factory=dict)
    """有效性 as the site now writes it (``set_validity``)."""
    chrome: dict[int, int] = field(default_factory=dict)
    """Each article page's chrome generation (``chrome_change``)."""
    unlisted: set[int] = field(default_factory=set)
    """Articles whose row left its list while the page still answers 200 (``unlist``)."""
    file_versions: dict[str, int] = field(default_factory=dict)
    """Attachment path -> how many times it was replaced (``replace_attachment``)."""
    original_files: dict[str, ServedFile] = field(default_factory=dict)
    """With a shelf: the file an attachment path served before its first replacement."""
    before: dict[int, _Before] = field(default_factory=dict)
    """Articles moved since the last ``checkpoint``, as they were at it."""
    paragraph_moves: dict[int, list[dict[str, object]] | None] = field(default_factory=dict)
    """Each moved article's paragraph operations since the checkpoint; None once the whole
    body was rewritten (``edit``)."""
    wording: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    """One-character fixes since the checkpoint: ``{"old": char, "new": char}``."""


# Roles of the 通知公告 articles issue 9 needs (MirrorSite.special_paths), by their place in
# the column at build time: n-th newest -> role. The newest is the multi-page article.
SPECIAL_ATTACHMENT_ONLY = "attachment_only"
SPECIAL_IMAGE_ONLY = "image_only"
SPECIAL_REPOST_ORIGINAL = "repost_original"
_SPECIAL_PLACES: tuple[tuple[int, str], ...] = (
    (2, SPECIAL_ATTACHMENT_ONLY),
    (3, SPECIAL_IMAGE_ONLY),
    (4, SPECIAL_ATTACHMENT_ONLY),
    (5, SPECIAL_REPOST_ORIGINAL),
)
REPOST_COLUMN_PATH = "/sy/whyw/"
"""Where the repost of the 通知公告 article is published (a second column)."""


class MirrorSite:
    """The site: list pages, article pages, truth, and mutation hooks for incremental tests.

    Off by default: ``faults=True`` adds the bad-input catalogue (``fault_cases``: rows on
    page 1 of 武汉要闻 and 通知公告 whose articles misbehave, see ``FAULT_NAMES``) and the
    武汉旅游 column whose pager claims 99999 pages (``huge_pager_column``); ``tourism=True``
    serves 武汉旅游 (``/zjwh/whly/``, a column of the site table) with an honest pager, as the
    mirror users crawl does (``python -m tests.mirror.server``, ``make crawl``); ``variant`` is
    one of ``VARIANTS``, a site the end-of-run health checks must flag; ``bare_residue``
    (on by default) writes the placeholder inside prose straight into the ``<p>``'s text;
    off, it follows a ``<span>`` run.
    """

    def __init__(
        self,
        n_articles: int = 40,
        per_page: int = 5,
        seed: int = 0,
        *,
        faults: bool = False,
        tourism: bool = False,
        variant: str | None = None,
        slow_seconds: float = 3.0,
        bare_residue: bool = True,
        files: Shelf | None = None,
    ) -> None:
        if n_articles < 1:
            raise ValueError(f"n_articles must be >= 1, got {n_articles}")
        if per_page < 1:
            raise ValueError(f"per_page must be >= 1, got {per_page}")
        if variant is not None and variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS} or None, got {variant!r}")
        self.n_articles = n_articles
        self.per_page = per_page
        self.seed = seed
        self.faults = faults
        self.variant = variant
        self.slow_seconds = slow_seconds
        """Seconds the ``slow`` fault waits before answering (read at each request)."""
        self.burst_503_failures = 2
        """Requests of ``burst_503_recovers`` that answer 503 before it answers 200."""
        self.bare_residue = bare_residue
        self.huge_pager_column: str | None = HUGE_PAGER_COLUMN.path if faults else None
        self.serves_tourism = faults or tourism
        """武汉旅游 is served: with its 99999-page pager under ``faults``, an honest one else."""
        self._columns: tuple[ColumnSpec, ...] = COLUMNS + ((HUGE_PAGER_COLUMN,) if self.serves_tourism else ())
        self._column_by_path = {c.path: c for c in self._columns}
        # The unwanted rows must not point into a column that is served (and crawled).
        served = self.serves_tourism
        self.unwanted_column_path = FAULTS_UNWANTED_COLUMN_PATH if served else UNWANTED_COLUMN_PATH
        self._unwanted_column_name = FAULTS_UNWANTED_COLUMN_NAME if served else UNWANTED_COLUMN_NAME
        self._lock = threading.RLock()
        state = _State(by_column={c.key: [] for c in COLUMNS})
        for i in range(n_articles):
            column = COLUMN_CYCLE[i % len(COLUMN_CYCLE)]
            state.columns_of.append(column)
            state.by_column[column.key].append(i)
        self._state = state
        whyw = state.by_column["whyw"]
        # The seed page is the second-newest 武汉要闻 article, so it sits on page 1.
        self.seed_index: int = whyw[-2] if len(whyw) >= 2 else whyw[-1]
        tzgg = state.by_column["tzgg"]
        self.multipage_index: int | None = tzgg[-1] if tzgg else None
        self._specials, self._repost_source = self._place_specials()
        # Where each column's forms changed (SITE.md "Old pages keep old forms"), fixed at build:
        # list pages whose newest row is no newer than the (per_page+1)-th newest article keep
        # the older list form; articles older than the column's median keep the older template.
        self._list_switch: dict[str, datetime] = {}
        self._article_switch: dict[str, datetime] = {}
        for key, chron in state.by_column.items():
            if len(chron) > per_page:
                self._list_switch[key] = self._ts(chron[-1 - per_page])
            if len(chron) >= 2:
                self._article_switch[key] = self._ts(chron[len(chron) // 2])
        self._extras = self._place_extras()
        self._faults: dict[str, _Fault] = self._place_faults() if faults else {}
        self.fault_cases: dict[str, FaultCase] = {f.case.name: f.case for f in self._faults.values()}
        """Fault name -> its case (empty without ``faults``)."""
        self._whly: list[Head] = self._whly_heads() if self.serves_tourism else []
        self._whly_by_path = {head.path: head for head in self._whly}
        self._oversize: bytes | None = None
        # The home page and navigation (navigation.py): pages and columns of their own,
        # apart from the model above (none of the site's pages or truth changes with them).
        self.navigation = WwwNavigation(seed, self._ts(n_articles - 1), per_page)
        # Real files at attachment URLs (files.py), the policy documents' extra ones, the
        # file two of them link, and files replaced in place (replace_file).
        self.files = files
        self._extra_files: dict[int, list[tuple[str, str, ServedFile]]] = {}
        self._served: dict[str, ServedFile] = {}
        self.shared_file: tuple[str, tuple[str, str]] | None = None
        """With ``files``: (the path of a file two policy documents link, (their paths))."""
        self.offsite_file: tuple[str, str] | None = None
        """With ``files``: (a file's URL on another host, the policy document linking it);
        no server answers there, and no crawler may ask."""
        if files is not None:
            self._place_files(files)

    # ------------------------------------------------------------------ identity of article i

    def _ts(self, i: int) -> datetime:
        """Publish time, strictly increasing with i, always within office hours (08:00-20:00).

        Articles are spaced on a virtual clock (19 h apart near the seed, 2 h further back,
        plus jitter); each virtual day is squeezed into 08:00-20:00 of a real day, which
        keeps the order.
        """
        if i == self.seed_index:
            return _SEED_TS
        if (backdated := self._state.backdated.get(i)) is not None:
            return backdated
        h = mix(self.seed, i, 7)
        d = i - self.seed_index
        hours = 19 * d if d > 0 else -(19 * min(-d, 60) + 2 * max(0, -d - 60))
        virtual = _SEED_VIRTUAL_MINUTES + 60 * hours + h % 50
        day, minute = divmod(virtual, 24 * 60)
        return _EPOCH + timedelta(days=day, minutes=8 * 60 + minute // 2, seconds=(h >> 8) % 60)

    def _docid(self, i: int) -> int:
        """Site-wide docid, growing with the publish time; at least 5 apart (room for extras)."""
        if i == self.seed_index:
            return _SEED_DOCID
        return _SEED_DOCID + 7 * (i - self.seed_index) + mix(self.seed, i, 8) % 3

    def _index_of(self, path: str) -> int | None:
        """The article index at ``path``, or None: the docid names it (``_docid`` inverted),
        so no table of paths is built."""
        match = _ARTICLE_DOCID_RE.search(path)
        if match is None:
            return None
        i = self.seed_index + (int(match.group(1)) - _SEED_DOCID) // 7
        if 0 <= i < len(self._state.columns_of) and i not in self._state.withdrawn and self._path(i) == path:
            return i
        return None

    def _path(self, i: int) -> str:
        return article_path(self._state.columns_of[i], self._ts(i), self._docid(i))

    def _head(self, i: int) -> Head:
        column = self._state.columns_of[i]
        head = make_head(i, column, self._docid(i), self._ts(i), self.seed, is_seed=i == self.seed_index)
        source = self._repost_source.get(i)
        if source is not None:
            # A repost carries the original's title (and so its topic) in its own column.
            original = self._head(source)
            head = replace(head, title=original.title, topic=original.topic)
        retitled = self._state.titles.get(i)
        return replace(head, title=retitled) if retitled is not None else head

    def _traits(self, i: int) -> Traits:
        column = self._state.columns_of[i]
        traits = traits_for(
            i,
            column,
            seed=i == self.seed_index,
            multipage=i == self.multipage_index,
            old=self._is_old(i),
            bare_residue=self.bare_residue,
        )
        role = self._specials.get(i)
        if role is not None:
            traits = _special_traits(traits, role, files=1 + self._special_rank(i))
        source = self._repost_source.get(i)
        if source is not None:
            traits = with_content_of(traits, self._traits(source))
        return self._apply_variant(traits, column)

    def _special_rank(self, i: int) -> int:
        """0 for the first article of its role (newest first), 1 for the second …"""
        role = self._specials[i]
        return sorted((j for j, r in self._specials.items() if r == role), reverse=True).index(i)

    def _apply_variant(self, traits: Traits, column: ColumnSpec) -> Traits:
        if self.variant == "renamed_body":
            return replace(traits, container_class=RENAMED_BODY_CLASS)
        if self._without_dates(column):
            return replace(traits, no_dates=True, info_date="none")
        return traits

    def _without_dates(self, column: ColumnSpec) -> bool:
        return self.variant == "no_dates" and column.path == NO_DATES_COLUMN_PATH

    def _model(self, i: int) -> ArticleModel:
        source = self._repost_source.get(i)
        content_from = (self._head(source), self._traits(source)) if source is not None else None
        state = self._state
        model = build_article(
            self._head(i),
            self._traits(i),
            self.seed,
            state.revisions.get(i, 0),
            content_from=content_from,
            body_moves=tuple(state.body_moves.get(i, ())),
            validity=state.validity.get(i),
            chrome=state.chrome.get(i, 0),
        )
        extra = self._extra_files.get(i)
        if extra:
            # With real files: the policy document's extra files, listed in #articleFJ after its own.
            links = tuple((href, name) for href, name, _ in extra)
            model = replace(model, traits=replace(model.traits, fj="files"), fj=model.fj + links)
        return model

    # ------------------------------------------------------------------ real files

    def _place_files(self, shelf: Shelf) -> None:
        """The shelf's extras go round the policy documents that show a header (in any
        form), oldest first; the first two of them (in two columns when there are) also
        link one DOCX, the shared file."""
        documents = [
            i
            for i in range(len(self._state.columns_of))
            if self._state.columns_of[i].policy and self._traits(i).policy_header != "none"
        ]
        if not documents:
            return
        for k, served in enumerate(shelf.extras):
            i = documents[k % len(documents)]
            self._add_extra(i, f"./{self._file_stamp(i, k)}.{served.extension}", served.name, served)
        first = documents[0]
        second = next((i for i in documents if self._state.columns_of[i] != self._state.columns_of[first]), None)
        if second is None and len(documents) > 1:
            second = documents[1]
        if second is not None:
            shared = f"{self._file_stamp(first, 99)}.docx"
            path = f"{self._state.columns_of[first].path}{self._ts(first):%Y%m}/{shared}"
            served = shelf.by_extension["docx"][0]
            self._add_extra(first, f"./{shared}", "申请表.docx", served)
            self._add_extra(second, path, "申请表.docx", served)
            self.shared_file = (path, (self._path(first), self._path(second)))
        elsewhere = f"{OFFSITE_FILES_ORIGIN}/upload/{self._file_stamp(first, 98)}.pdf"
        self._extra_files[first].append((elsewhere, "外站附件.pdf", shelf.for_link("pdf", 0)))
        self.offsite_file = (elsewhere, self._path(first))

    def _add_extra(self, i: int, href: str, name: str, served: ServedFile) -> None:
        self._extra_files.setdefault(i, []).append((href, name, served))
        self._served[urlsplit(urljoin("http://mirror" + self._path(i), href)).path] = served

    def _file_stamp(self, i: int, k: int) -> str:
        """``P0<YYYYMMDD><7 digits>``: one digit more than the site's own file names, so
        that an extra file never takes the name of one of them."""
        return f"P0{self._ts(i):%Y%m%d}{1_000_000 + mix(self.seed, i, 13, k) % 9_000_000}"

    def served_file(self, path: str) -> ServedFile | None:
        """With ``files``: the file served at an attachment path, and so its truth; None
        for a path that is no attachment of the site."""
        if self.files is None or not _FILE_RE.search(path) or not path.rsplit("/", 1)[1].startswith("P0"):
            return None
        if (served := self._served.get(path)) is not None:
            return served
        extension = path.rsplit(".", 1)[1].lower()
        return self.files.for_link(extension, int(re.sub(r"\D", "", path.rsplit("/", 1)[1]) or 0))

    def extra_files(self) -> dict[str, list[str]]:
        """Article path -> the paths of the extra files it links (``files``)."""
        with self._lock:
            return {
                self._path(i): [urlsplit(urljoin("http://mirror" + self._path(i), h)).path for h, _, _ in extra]
                for i, extra in sorted(self._extra_files.items())
            }

    def replace_file(self, path: str) -> ServedFile:
        """Serve another document of the same kind at ``path`` from now on (the shelf's
        alternate: a file replaced under the same URL); KeyError when there is none."""
        with self._lock:
            current = self.served_file(path)
            if current is None or self.files is None:
                raise KeyError(path)
            served = self.files.alternates[current.extension]
            self._served[path] = served
            return served

    def _truth(self, i: int) -> ArticleTruth:
        return truth(self._model(i), duplicate_pair=self._duplicate_pair(i))

    def _duplicate_pair(self, i: int) -> str | None:
        """The other copy's path while both copies of a repost pair are unedited."""
        pairs = self._repost_index_pairs()
        other = next((b if a == i else a for a, b in pairs if i in (a, b)), None)
        return self._path(other) if other is not None else None

    def _repost_index_pairs(self) -> list[tuple[int, int]]:
        return [
            (source, copy)
            for copy, source in sorted(self._repost_source.items())
            if not self._content_edited(source) and not self._content_edited(copy)
        ]

    def _content_edited(self, i: int) -> bool:
        """The article's title or paragraphs were edited (``edit`` and the moves of issue 29)."""
        state = self._state
        return bool(state.revisions.get(i) or state.body_moves.get(i) or i in state.titles)

    # ------------------------------------------------------------------ special articles

    def _place_specials(self) -> tuple[dict[int, str], dict[int, int]]:
        """通知公告's articles of issue 9, by their place in the column (``_SPECIAL_PLACES``),
        and the repost: the first 武汉要闻 article published after the original (the seed page
        excepted). A site too small for a place goes without that article."""
        tzgg = self._state.by_column["tzgg"]
        specials = {tzgg[-place]: role for place, role in _SPECIAL_PLACES if len(tzgg) >= place}
        repost: dict[int, int] = {}
        original = next((i for i, role in specials.items() if role == SPECIAL_REPOST_ORIGINAL), None)
        if original is not None:
            later = [
                i
                for i in self._state.by_column[COLUMN_BY_PATH[REPOST_COLUMN_PATH].key]
                if i > original and i != self.seed_index
            ]
            if later:
                repost[later[0]] = original
        return specials, repost

    # ------------------------------------------------------------------ list extras

    def _place_extras(self) -> dict[str, dict[int, list[_Extra]]]:
        """Rows that are not articles of the column, anchored after a given article's row.

        SITE.md "Lists can hold links to other hosts and other columns": per column one
        off-site row, one row into an unwanted column, one dead row (404), a
        ``javascript:void(0)`` row and a ``mailto:`` row; once on the site (武汉要闻) a row
        into robots-disallowed ``/private/``.
        """
        extras: dict[str, dict[int, list[_Extra]]] = {}
        for number, column in enumerate(COLUMNS):
            chron = self._state.by_column[column.key]
            m = len(chron)
            placed: dict[int, list[_Extra]] = {}
            extras[column.key] = placed
            if not m:
                continue

            def anchor(position: int, chron: list[int] = chron, m: int = m) -> int:
                return chron[m - 1 - min(position, m - 1)]

            def add(i: int, extra: _Extra, placed: dict[int, list[_Extra]] = placed) -> None:
                placed.setdefault(i, []).append(extra)

            rng = random.Random(mix(self.seed, number, 99))
            topic = rng.choice(phrases.TOPICS)
            i = anchor(0)
            ts = self._ts(i)
            offsite = (
                f"http://www.hubei.gov.cn/zwgk/hbyw/hbywqb/{ts:%Y%m}/"
                f"t{ts:%Y%m%d}_{4100000 + 7919 * number + self._docid(i) % 1000}.shtml"
            )
            add(i, _Extra("offsite", offsite, f"省政府常务会议研究部署{topic}工作", ts))
            if column.key == "whyw":
                i = anchor(1)
                ts = self._ts(i)
                private = f"/private/{ts:%Y%m}/t{ts:%Y%m%d}_{self._docid(i) - 2}.shtml"
                add(i, _Extra("private", private, f"{ts.year}年度{topic}工作台账（内部资料）", ts))
            i = anchor(2)
            add(i, _Extra("javascript", "javascript:void(0)", "更多专题请点击进入", self._ts(i)))
            i = anchor(3)
            ts = self._ts(i)
            unwanted = f"{self.unwanted_column_path}{ts:%Y%m}/t{ts:%Y%m%d}_{self._docid(i) - 3}.shtml"
            district = rng.choice(phrases.DISTRICTS)
            add(i, _Extra("unwanted", unwanted, f"走进武汉｜{district}文旅新地标开门迎客", ts))
            i = anchor(self.per_page + 1)
            ts = self._ts(i)
            dead = article_path(column, ts, self._docid(i) - 1)
            add(i, _Extra("dead", dead, f"关于{topic}有关情况的说明", ts))
            i = anchor(m - 1)
            add(i, _Extra("mailto", "mailto:zfxxgk@wuhan.gov.cn", "向我们反映问题（政府信箱）", self._ts(i)))
        return extras

    def _place_faults(self) -> dict[str, _Fault]:
        """The catalogue's articles, keyed by path; their rows follow page-1 rows in turn.

        Each is dated a few minutes before the row it follows, in that row's column.
        """
        faults: dict[str, _Fault] = {}
        taken: dict[str, int] = {}
        for number, (name, key, yields_item, description) in enumerate(_FAULT_CATALOGUE):
            column = next(c for c in COLUMNS if c.key == key)
            chron = self._state.by_column[key]
            rows = min(self.per_page, len(chron))
            j = taken[key] = taken.get(key, -1) + 1
            slot = j % rows if rows else -1
            base = self._ts(chron[-1 - slot]) if rows else self._ts(len(self._state.columns_of) - 1)
            ts = base - timedelta(minutes=3 * (j + 1))
            head = make_head(
                _FAULT_INDEX_BASE + number, column, _FAULT_DOCID_BASE + number, ts, self.seed, is_seed=False
            )
            case = FaultCase(name, head.path, description, yields_item)
            faults[head.path] = _Fault(case, column, head, _fault_traits(name), slot)
        assert not [path for path in faults if self._index_of(path) is not None]
        return faults

    def _whly_heads(self) -> list[Head]:
        """武汉旅游 articles, newest first: two days apart, the newest a day before the site's newest."""
        newest = self._ts(len(self._state.columns_of) - 1)
        count = HUGE_PAGER_REAL_PAGES * HUGE_PAGER_ROWS_PER_PAGE
        return [
            make_head(
                _WHLY_INDEX_BASE + k,
                HUGE_PAGER_COLUMN,
                _WHLY_DOCID_BASE + count - k,
                newest - timedelta(days=1 + 2 * k, minutes=k),
                self.seed,
                is_seed=False,
            )
            for k in range(count)
        ]

    def _whly_traits(self, head: Head) -> Traits:
        traits = traits_for(head.index, HUGE_PAGER_COLUMN, seed=False, multipage=False, bare_residue=self.bare_residue)
        return self._apply_variant(traits, HUGE_PAGER_COLUMN)

    def _extras_of(self, kind: str) -> set[str]:
        return {
            extra.href
            for placed in self._extras.values()
            for row in placed.values()
            for extra in row
            if extra.kind == kind
        }

    # ------------------------------------------------------------------ public: structure

    @property
    def columns(self) -> list[ColumnInfo]:
        """The six columns (and with ``faults`` 武汉旅游) with their pager form and the list
        pages that exist now."""
        return [self.column(c.path) for c in self._columns]

    def column(self, column_path: str) -> ColumnInfo:
        """One column by path (``/sy/whyw/``)."""
        spec = self._column_by_path[column_path]
        return ColumnInfo(
            path=spec.path,
            name=spec.name,
            pager=spec.pager,
            rows=spec.rows,
            list_forms=spec.list_forms,
            article_forms=spec.article_forms,
            list_pages=tuple(self.list_page_paths(column_path)),
            terminal_paths=frozenset(self.terminal_paths(column_path)),
        )

    def _page_count(self, spec: ColumnSpec) -> int:
        if spec.pager == PAGER_SINGLE:
            return 1
        if spec is HUGE_PAGER_COLUMN:
            return HUGE_PAGER_REAL_PAGES
        with self._lock:
            m = len(self._state.by_column[spec.key])
        return max(1, math.ceil(m / self.per_page))

    def list_page_paths(self, column_path: str) -> list[str]:
        """``<col>index.shtml``, ``<col>index_1.shtml`` …: the list pages that hold rows.

        (Variant ``empty_list``: ``/sy/kwh/``'s page 1 is among them, but holds no rows.)
        """
        spec = self._column_by_path[column_path]
        count = self._page_count(spec)
        return [f"{spec.path}index.shtml"] + [f"{spec.path}index_{k}.shtml" for k in range(1, count)]

    def terminal_paths(self, column_path: str) -> set[str]:
        """No-pager forms: the page after the last (200 and empty, or 404); else empty.

        政府规章 (single page, no pager) is a no-pager column too: its ``index_1.shtml`` is
        the 404 a crawler following SITE.md form 3 fetches to learn the list ended. So is
        the 404 after the last real page of 武汉旅游, whose pager claims 99999 pages.
        """
        spec = self._column_by_path[column_path]
        if spec is HUGE_PAGER_COLUMN:
            return {f"{spec.path}index_{HUGE_PAGER_REAL_PAGES}.shtml"} if self.faults else set()
        if spec.pager in (PAGER_NONE_EMPTY_PAGE, PAGER_NONE_404, PAGER_SINGLE):
            return {f"{spec.path}index_{self._page_count(spec)}.shtml"}
        return set()

    @property
    def dead_article_paths(self) -> set[str]:
        """Paths list rows link to that answer 404."""
        return self._extras_of("dead")

    @property
    def offsite_urls(self) -> set[str]:
        """Absolute URLs on other hosts that pages link to; none may be requested."""
        return (
            self._extras_of("offsite")
            | set(layout.NAV_OFFSITE_URLS)
            | set(layout.FOOTER_OFFSITE_URLS)
            | set(_OFFSITE_BODY_URLS)
        )

    @property
    def robots_disallowed_paths(self) -> set[str]:
        """The ``/private/`` page a list row links to (served 200, disallowed by robots.txt)."""
        return self._extras_of("private")

    @property
    def unwanted_paths(self) -> set[str]:
        """Article pages of a column nobody asked for (``/zjwh/whly/…``; with ``faults``,
        where 武汉旅游 is served, ``/zjwh/whrw/…``), served 200."""
        return self._extras_of("unwanted")

    @property
    def article_count(self) -> int:
        with self._lock:
            return len(self._state.columns_of)

    def article_path(self, index: int) -> str:
        """Path of article ``index`` (0 = oldest)."""
        with self._lock:
            return self._path(index)

    def article_index(self, path: str) -> int:
        """Index of the article at ``path``; KeyError for anything else."""
        with self._lock:
            i = self._index_of(path)
            if i is None:
                raise KeyError(path)
            return i

    def article_paths(self, column_path: str | None = None) -> list[str]:
        """Article paths, newest first, of one column or of the whole site (the six columns;
        with ``faults``, 武汉旅游's own by its path; fault paths are in ``fault_cases``)."""
        if column_path is not None and column_path == HUGE_PAGER_COLUMN.path and self._whly:
            return [head.path for head in self._whly]
        with self._lock:
            if column_path is None:
                gone = self._state.withdrawn | self._state.unlisted
                indexes = [i for i in range(len(self._state.columns_of)) if i not in gone]
            else:
                indexes = list(self._state.by_column[COLUMN_BY_PATH[column_path].key])
            return [self._path(i) for i in reversed(indexes)]

    @property
    def multipage_paths(self) -> dict[str, list[str]]:
        """Multi-page article path -> its continuation pages (``t…_1.shtml`` …)."""
        if self.multipage_index is None:
            return {}
        with self._lock:
            pages = self._model(self.multipage_index).page_paths
        return {pages[0]: pages[1:]}

    # ------------------------------------------------------------------ public: truth

    def expected_article(self, path: str) -> ArticleTruth:
        """Truth for one article path (fault and 武汉旅游 paths included); KeyError for a path
        that yields no item."""
        with self._lock:
            i = self._index_of(path)
            if i is not None:
                return self._truth(i)
            fault = self._faults.get(path)
            if fault is not None and fault.case.yields_item:
                return truth(self._fault_model(fault))
            return truth(self._whly_model(self._whly_by_path[path]))

    def expected_articles(self) -> dict[str, ArticleTruth]:
        """Truth for every article the crawler must export, keyed by path: newest first, then
        (with ``faults``) the fault cases that yield an item and the 武汉旅游 articles.

        Variant ``empty_list``: no 媒体看武汉 article (no list links to one).
        """
        with self._lock:
            n = len(self._state.columns_of)
            skipped = EMPTY_LIST_COLUMN_PATH if self.variant == "empty_list" else None
            out = {
                self._path(i): self._truth(i)
                for i in range(n - 1, -1, -1)
                if self._state.columns_of[i].path != skipped
                and i not in self._state.withdrawn
                and i not in self._state.unlisted
            }
            for path, fault in self._faults.items():
                if fault.case.yields_item:
                    out[path] = truth(self._fault_model(fault))
            for head in self._whly:
                out[head.path] = truth(self._whly_model(head))
            return out

    def _fault_model(self, fault: _Fault) -> ArticleModel:
        return build_article(fault.head, fault.traits, self.seed, 0)

    def _whly_model(self, head: Head) -> ArticleModel:
        return build_article(head, self._whly_traits(head), self.seed, 0)

    def real_columns(self) -> list[tuple[str, str]]:
        """The columns a discovery of the site must find, (path, name), written from the
        model: the site's own (those that serve a list page with rows) and the columns only
        its navigation reaches (``navigation.WWW_NAV_COLUMNS``)."""
        skipped = EMPTY_LIST_COLUMN_PATH if self.variant == "empty_list" else None
        own = [(c.path, c.name) for c in self._columns if c.path != skipped]
        return own + self.navigation.real_columns()

    def _row_links(self, column_path: str, k: int) -> list[RowLink]:
        """The newest ``k`` rows of a column, as the home page and navigation pages show them."""
        spec = self._column_by_path.get(column_path)
        if spec is None:
            return self.navigation.rows(column_path, k)
        with self._lock:
            chron = self._state.by_column.get(spec.key, [])
            heads = [self._head(i) for i in reversed(chron[-k:])] if k else []
        return [RowLink(head.path, head.title, f"{head.ts:%Y-%m-%d}") for head in heads]

    def fault_requests(self, name: str) -> int:
        """How many requests the fault case ``name`` has answered since the last reset."""
        with self._lock:
            return self._state.fault_requests.get(self.fault_cases[name].path, 0)

    def reset_faults(self) -> None:
        """Forget the requests each fault path has seen (the 503 burst starts again)."""
        with self._lock:
            self._state.fault_requests.clear()

    def forms(self) -> dict[str, list[int]]:
        """SITE.md form name -> indexes of the articles that carry it."""
        out: dict[str, list[int]] = {}
        with self._lock:
            n = len(self._state.columns_of)
            for i in range(n):
                traits = self._traits(i)
                names = form_names(traits, self._state.columns_of[i])
                if self._specials.get(i) == SPECIAL_REPOST_ORIGINAL:
                    names.append("repost:original")
                if i in self._repost_source:
                    names.append("repost:copy")
                column = self._state.columns_of[i]
                if (
                    traits.row_title_attr
                    and set(column.list_forms) & ANCHOR_LIST_FORMS
                    and len(self._head(i).title) > listing.TITLE_CUT
                ):
                    names.append("row:truncated_title")
                names.append(f"article:{column.key}:{traits.container}")
                for name in names:
                    out.setdefault(name, []).append(i)
        return dict(sorted(out.items()))

    def list_rows(self, page_path: str, host: str | None = None) -> list[RowTruth]:
        """What each row of a list page shows, in order (``listing.RowTruth``: form, href as
        written, the expected article's path or None, full title, date, time, document
        number), written from the model; [] for an empty page or a path that is no list page.
        ``host`` shapes absolute same-host hrefs, as in ``render``."""
        spec, k = self._list_page_of(page_path)
        if spec is None:
            return []
        with self._lock:
            rows = self._page_rows(spec, k, host or DEFAULT_HOST) or []
            return [row_truth(form, row, path) for form, row, path in rows]

    def list_page_forms(self, page_path: str) -> set[str]:
        """The list forms the rows of a list page are written in (one, but for 政府规章's
        single page, whose older rows keep the older form); empty for an empty page."""
        return {row["form"] for row in self.list_rows(page_path)}

    def article_form(self, path: str) -> str:
        """The article form (page template and body container, ``columns.ARTICLE_*``) of an
        article path; KeyError for any other path."""
        with self._lock:
            i = self._index_of(path)
            if i is not None:
                return self._traits(i).container
            fault = self._faults.get(path)
            if fault is not None:
                return fault.traits.container
            return self._whly_traits(self._whly_by_path[path]).container

    def policy_header_form(self, path: str) -> str:
        """How an article path's page shows its policy header: ``sub`` (the 2026 ``div.sub``
        list), ``table``, ``ul``, ``lines`` (plain lines split by ``<br>``), ``meta`` (only
        ``<meta>`` tags named after the labels) or ``none``; KeyError for any other path."""
        with self._lock:
            i = self._index_of(path)
            if i is None:
                raise KeyError(path)
            return self._traits(i).policy_header

    def _list_page_of(self, page_path: str) -> tuple[ColumnSpec | None, int]:
        directory, _, name = urlsplit(page_path).path.rpartition("/")
        spec = self._column_by_path.get(directory + "/")
        match = _LIST_RE.match(name or "index.shtml")
        if spec is None or match is None:
            return None, 0
        return spec, int(match.group(1) or 0)

    def special_paths(self) -> dict[str, list[str]]:
        """The 通知公告 articles issue 9 needs, by role, newest first:
        ``attachment_only`` (two notices whose whole body is 详见附件。, each with its own
        title and PDFs in ``#articleFJ``), ``image_only`` (a body of one ``<img>``: truth
        paragraphs ``[]``), ``repost_original`` (the article ``repost_pairs`` copies)."""
        with self._lock:
            out: dict[str, list[str]] = {}
            for i in sorted(self._specials, reverse=True):
                out.setdefault(self._specials[i], []).append(self._path(i))
            return out

    def repost_pairs(self) -> list[tuple[str, str]]:
        """(first_path, repost_path): an article and its repost in a second column, equal in
        title, paragraphs, attachments and images (attachment and image files by name), at
        another URL. Both are expected articles; each one's truth names the other in
        ``duplicate_pair``. Editing either copy (``edit``) ends the pair."""
        with self._lock:
            return [(self._path(a), self._path(b)) for a, b in self._repost_index_pairs()]

    # ------------------------------------------------------------------ public: failures

    def fail(self, path: str, status: int = 500, times: int | None = None, body: str | None = None) -> None:
        """Make ``path`` (exactly that path, any query) answer ``status`` — the next ``times``
        requests, or every request until ``clear_failures`` when ``times`` is None. A second
        call for the same path replaces the first. ``status`` 200 answers a page that is not
        the page: ``body="empty"`` (no body at all) or ``body="soft404"`` (a page that says
        it was not found, as some servers answer a missing page)."""
        if status == 200:
            if body not in ("empty", "soft404", "timeout"):
                raise ValueError(f"a 200 failure needs body='empty', 'soft404' or 'timeout', got {body!r}")
        elif not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599) or 200, got {status}")
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times}")
        with self._lock:
            self._state.failures[path] = _Failure(status, times, body)

    def stale(self, path: str, times: int | None = None) -> None:
        """Serve the list page ``path`` as it was before its column's latest publish or
        withdrawal, rows and pager, as a cache or a CMS regenerating its pages one by one can:
        the next ``times`` requests, or until ``clear_failures`` when ``times`` is None. (A page
        of a column that never changed is served as it is.)"""
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times}")
        with self._lock:
            self._state.failures[path] = _Failure(200, times, "stale")

    def redirect(self, path: str, location: str, times: int | None = None) -> None:
        """Make ``path`` answer 302 to ``location`` (a path, or a URL on another host): the next
        ``times`` requests, or until ``clear_failures`` when ``times`` is None."""
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times}")
        with self._lock:
            self._state.failures[path] = _Failure(302, times, location)

    def clear_failures(self) -> None:
        """Every path answers as the site says again."""
        with self._lock:
            self._state.failures.clear()

    def _injected_failure(self, path: str, host: str = DEFAULT_HOST) -> MirrorResponse | None:
        failure = self._state.failures.get(path)
        if failure is None:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining == 0:
                del self._state.failures[path]
        if failure.status == 404:
            return _not_found()
        if failure.status == 302:
            return MirrorResponse(302, {"Location": failure.body or "/", "Content-Type": "text/html"}, b"")
        if failure.body == "stale":
            return self._render_stale(path, host)
        if failure.body == "timeout":
            response = self._render(path, host)
            response.delay = self.slow_seconds
            return response
        if failure.body == "empty":
            return MirrorResponse(200, {"Content-Type": "text/html; charset=utf-8"}, b"")
        if failure.body == "soft404":
            page = _page_shell("页面不存在", "", '<div class="error"><h1>对不起，您访问的页面不存在！</h1></div>\n')
            return _html(page)
        return _status_page(failure.status, http.HTTPStatus(failure.status).phrase)

    def _render_stale(self, path: str, host: str) -> MirrorResponse:
        """``path`` rendered with its column's list as it was before the latest change."""
        directory = path.rpartition("/")[0] + "/"
        spec = self._column_by_path.get(directory)
        old = self._state.before_change.get(spec.key) if spec is not None else None
        if spec is None or old is None:
            return self._render(path, host)
        current = self._state.by_column[spec.key]
        self._state.by_column[spec.key] = old
        try:
            return self._render(path, host)
        finally:
            self._state.by_column[spec.key] = current

    # ------------------------------------------------------------------ public: mutations

    def publish(self, k: int = 1, column_path: str = "/sy/whyw/", *, below: int = 0) -> list[str]:
        """Add ``k`` articles to a column: at the top, newer than every existing article; or,
        with ``below=n``, under the column's ``n`` newest rows, dated between their neighbours
        (a back-dated or re-ordered document: the rows below it move down the pages).

        Their docids continue the site-wide sequence (a back-dated one's too); paths newest first.
        """
        spec = COLUMN_BY_PATH[column_path]
        paths = []
        with self._lock:
            chron = self._state.by_column[spec.key]
            self._state.before_change[spec.key] = list(chron)
            for _ in range(k):
                i = len(self._state.columns_of)
                self._state.columns_of.append(spec)
                at = max(0, len(chron) - below)
                if at < len(chron):
                    newer = self._ts(chron[at])
                    older = self._ts(chron[at - 1]) if at > 0 else newer - timedelta(days=30)
                    self._state.backdated[i] = older + (newer - older) / 2
                chron.insert(at, i)
                paths.append(self._path(i))
        return list(reversed(paths))

    def withdraw(self, path: str) -> None:
        """Take an article off its column's list; its page answers 404 from now on (the rows
        below it move up the pages). KeyError for an unknown path. Truth: ``withdrawn``."""
        with self._lock:
            i = self._index_of(path)
            if i is None:
                raise KeyError(path)
            self._touch(i)
            self._take_off_list(i)
            self._state.unlisted.discard(i)
            self._state.withdrawn.add(i)

    def edit(self, path: str) -> None:
        """Rewrite one article's paragraphs (and so its truth); KeyError for an unknown path.
        The body's earlier moves (``edit_wording`` …) go with the old body. Truth: ``edited``,
        paragraph operations unknown (``paragraphs`` None; ``paragraphs_old``/``_new`` hold)."""
        with self._lock:
            i = self._index_of(path)
            if i is None:
                raise KeyError(path)
            self._touch(i)
            self._state.revisions[i] = self._state.revisions.get(i, 0) + 1
            self._state.body_moves.pop(i, None)
            self._state.paragraph_moves[i] = None

    # ------------------------------------------------------------------ public: moves with truth (issue 29)
    #
    # Each move changes what the site serves, as a site's editors do, and records its truth:
    # ``expected_change(path)`` is the change a crawler must report for the article since the
    # last ``checkpoint()`` (the crawler's previous look), computed from the mirror's own model.

    def edit_wording(self, path: str) -> None:
        """A wording fix: one character of one body paragraph replaced by another (的 → 地,
        做 → 作 …). Truth: ``edited``, one ``replace`` at that paragraph, ``wording`` the pair."""
        with self._lock:
            i = self._alive(path)
            (block, _text, at), model = self._pick_paragraph(i, 31)
            old = model.body[block].text
            spot, new_char = _wording_fix(old)
            new = old[:spot] + new_char + old[spot + 1 :]
            op = {"op": "replace", "at": at, "old": [collapse(old)], "new": [collapse(new)]}
            self._move_body(i, BodyMove("wording", block, new), op)
            self._state.wording.setdefault(i, []).append({"old": old[spot], "new": new_char})

    def add_paragraph(self, path: str) -> None:
        """A paragraph added to the body, after one of its paragraphs. Truth: ``edited``, one
        ``insert`` (``at`` the index in the previous paragraphs it goes before)."""
        with self._lock:
            i = self._alive(path)
            (block, _text, at), model = self._pick_paragraph(i, 32)
            paragraphs = truth(model)["paragraphs"]
            rng = random.Random(mix(self.seed, i, 33, len(self._state.body_moves.get(i, ()))))
            text = phrases.body_paragraph(rng, model.head.topic)
            while collapse(text) in paragraphs:
                text = phrases.body_paragraph(rng, model.head.topic)
            op = {"op": "insert", "at": at + 1, "old": [], "new": [collapse(text)]}
            self._move_body(i, BodyMove("insert", block + 1, text), op)

    def remove_paragraph(self, path: str) -> None:
        """A body paragraph removed (an article keeps at least one). Truth: ``edited``, one
        ``delete`` at its index. ValueError for an article of fewer than two paragraphs."""
        with self._lock:
            i = self._alive(path)
            (block, text, at), model = self._pick_paragraph(i, 34)
            if len(truth(model)["paragraphs"]) < 2:
                raise ValueError(f"{path}: one paragraph only, none to remove")
            self._move_body(i, BodyMove("delete", block), {"op": "delete", "at": at, "old": [text], "new": []})

    def retitle(self, path: str) -> str:
        """A retitled notice: the list row and the page (headline, ``<title>``, ArticleTitle)
        carry the new title, returned. Truth: ``edited``, field ``title``."""
        with self._lock:
            i = self._alive(path)
            self._touch(i)
            original = make_head(
                i, self._state.columns_of[i], self._docid(i), self._ts(i), self.seed, is_seed=i == self.seed_index
            ).title
            source = self._repost_source.get(i)
            if source is not None:
                original = self._head(source).title
            times = self._state.titles.get(i, "").count("更正") + 1
            title = f"（更正）{original}" if times == 1 else f"（第{times}次更正）{original}"
            self._state.titles[i] = title
            return title

    def replace_attachment(self, path: str) -> str:
        """An attachment replaced: the article's first file on the site serves other bytes
        under the same URL (with a shelf, another document of its kind). Returns the file's
        path. Truth: ``edited``, ``attachments.replaced`` [that path] — seen only by a crawl
        that downloads files. ValueError for an article without such a file."""
        with self._lock:
            i = self._alive(path)
            files = self._replaceable_files(i)
            if not files:
                raise ValueError(f"{path}: no attachment on the site to replace")
            file_path = files[0]
            self._touch(i)
            if self.files is not None:
                current = self.served_file(file_path)
                assert current is not None
                alternate = self.files.alternates[current.extension]
                if current is alternate:
                    self._served[file_path] = self._state.original_files[file_path]
                else:
                    self._state.original_files.setdefault(file_path, current)
                    self._served[file_path] = alternate
            self._state.file_versions[file_path] = self._state.file_versions.get(file_path, 0) + 1
            return file_path

    def set_validity(self, path: str, validity: str = "失效") -> None:
        """A policy document's 有效性 rewritten (有效 → 失效), wherever its page shows the
        header. Truth: ``edited``, ``document.validity`` (and ``document.in_force`` when what
        it says changed). ValueError for a page without a header, or one saying it already."""
        with self._lock:
            i = self._alive(path)
            model = self._model(i)
            if model.traits.policy_header == "none" or not model.policy:
                raise ValueError(f"{path}: the page shows no policy header")
            if dict(model.policy)["有效性"] == validity:
                raise ValueError(f"{path}: 有效性 is {validity} already")
            self._touch(i)
            self._state.validity[i] = validity

    def unlist(self, path: str) -> None:
        """The row leaves its column's list; the page still answers 200. Truth: ``unlisted``."""
        with self._lock:
            i = self._alive(path)
            if i in self._state.unlisted:
                raise ValueError(f"{path}: unlisted already")
            self._touch(i)
            self._take_off_list(i)
            self._state.unlisted.add(i)

    def restore(self, path: str) -> None:
        """A withdrawn or unlisted article back: its row in its place on the list (by its
        date), its page answering 200. Truth: ``restored`` (from the checkpoint's state).
        ValueError for an article that is listed."""
        with self._lock:
            i = self._known_index(path)
            state = self._state
            if i not in state.withdrawn and i not in state.unlisted:
                raise ValueError(f"{path}: listed, nothing to restore")
            self._touch(i)
            state.withdrawn.discard(i)
            state.unlisted.discard(i)
            key = state.columns_of[i].key
            chron = state.by_column[key]
            state.before_change[key] = list(chron)
            stamps = [self._ts(j) for j in chron]
            chron.insert(bisect.bisect(stamps, self._ts(i)), i)

    def chrome_change(self, path: str) -> None:
        """Only the page's chrome changes: a visit counter in the info bar (another number
        each time) and an update date in the footer. Truth: no change (None)."""
        with self._lock:
            i = self._alive(path)
            self._touch(i)
            self._state.chrome[i] = self._state.chrome.get(i, 0) + 1

    def checkpoint(self) -> None:
        """The crawler has seen the site as it is now: ``expected_change`` answers from here."""
        with self._lock:
            state = self._state
            # A withdrawn article is known as it was last seen: what it says when it comes
            # back is diffed against that, not against a page the crawler could not read.
            carried = {
                i: replace(before, alive=False, listed=False)
                for i, before in state.before.items()
                if i in state.withdrawn
            }
            moves = {i: state.paragraph_moves[i] for i in carried if i in state.paragraph_moves}
            wording = {i: state.wording[i] for i in carried if i in state.wording}
            state.before.clear()
            state.paragraph_moves.clear()
            state.wording.clear()
            state.before.update(carried)
            state.paragraph_moves.update(moves)
            state.wording.update(wording)

    def expected_change(self, path: str) -> dict[str, object] | None:
        """What a crawler must report for the article at ``path`` since the last
        ``checkpoint`` (or the site's start); None when nothing a user diffs changed (a
        chrome change, a move undone). KeyError for a path that is no article.

        ``{"kind": "withdrawn" | "unlisted" | "restored", "then": <an edited change or None>}``
        (``then``: the article also changed meanwhile), or ``{"kind": "edited", …}`` with:
        ``fields`` (``{name: {"old", "new"}}``: ``title``, ``published_at``, ``source``,
        ``author``, ``editor``, ``document.<name>``, ``images`` as paths), ``attachments``
        (``added``/``removed``/``replaced``/``renamed``, lists of paths), ``paragraphs`` (the
        operations exactly, ``{"op", "at", "old", "new"}``, when one paragraph move was made;
        [] when no paragraph changed; None when they are not one: several moves, or a body
        rewritten), ``paragraphs_old`` and ``paragraphs_new`` (the whole lists: any correct
        operations turn the one into the other), ``wording`` (the one-character fixes,
        ``{"old", "new"}``).
        """
        with self._lock:
            i = self._known_index(path)
            before = self._state.before.get(i)
            if before is None:
                return None
            alive = i not in self._state.withdrawn
            listed = alive and i not in self._state.unlisted
            edited = self._edited_since(i, before) if alive else None
            if before.alive and not alive:
                return {"kind": "withdrawn", "then": None}
            if before.listed and alive and not listed:
                return {"kind": "unlisted", "then": edited}
            if not before.listed and listed:
                return {"kind": "restored", "then": edited}
            return edited

    def expected_changes(self) -> dict[str, dict[str, object]]:
        """``expected_change`` of every article moved since the checkpoint that has one, by path."""
        with self._lock:
            out = {}
            for i in sorted(self._state.before):
                change = self.expected_change(self._path(i))
                if change is not None:
                    out[self._path(i)] = change
            return out

    def move_candidates(self, move: str, column_path: str | None = None, limit: int | None = None) -> list[str]:
        """Article paths, newest first, where ``move`` (a method's name: ``edit_wording``,
        ``add_paragraph``, ``remove_paragraph``, ``retitle``, ``replace_attachment``,
        ``set_validity`` (to 失效), ``withdraw``, ``unlist``, ``restore``, ``chrome_change``)
        applies, in one column or all; the multi-page article is left to its own tests."""
        checks = {
            "edit_wording": self._has_body_candidates,
            "add_paragraph": self._has_body_candidates,
            "remove_paragraph": lambda i: self._has_body_candidates(i) and len(self._truth(i)["paragraphs"]) >= 2,
            "retitle": lambda i: True,
            "chrome_change": lambda i: True,
            "withdraw": lambda i: True,
            "unlist": lambda i: True,
            "replace_attachment": lambda i: bool(self._replaceable_files(i)),
            "set_validity": self._can_lapse,
        }
        if move not in checks and move != "restore":
            raise ValueError(f"move must be one of {sorted([*checks, 'restore'])}, got {move!r}")
        out: list[str] = []
        with self._lock:
            state = self._state
            if move == "restore":
                indexes = sorted(state.withdrawn | state.unlisted, reverse=True)
            elif column_path is None:
                indexes = sorted((i for chron in state.by_column.values() for i in chron), reverse=True)
            else:
                indexes = list(reversed(state.by_column[COLUMN_BY_PATH[column_path].key]))
            for i in indexes:
                if column_path is not None and state.columns_of[i].path != column_path:
                    continue
                if i == self.multipage_index and move != "restore":
                    continue
                if move == "restore" or checks[move](i):
                    out.append(self._path(i))
                    if limit is not None and len(out) >= limit:
                        break
        return out

    # ------------------------------------------------------------------ moves: bookkeeping

    def _alive(self, path: str) -> int:
        """The index of the article at ``path`` whose page answers; KeyError else."""
        i = self._index_of(path)
        if i is None:
            raise KeyError(path)
        return i

    def _known_index(self, path: str) -> int:
        """The index of the article at ``path``, withdrawn or not; KeyError for anything else."""
        match = _ARTICLE_DOCID_RE.search(path)
        if match is not None:
            i = self.seed_index + (int(match.group(1)) - _SEED_DOCID) // 7
            if 0 <= i < len(self._state.columns_of) and self._path(i) == path:
                return i
        raise KeyError(path)

    def _take_off_list(self, i: int) -> None:
        key = self._state.columns_of[i].key
        chron = self._state.by_column[key]
        self._state.before_change[key] = list(chron)
        if i in chron:
            chron.remove(i)

    def _touch(self, i: int) -> None:
        """Keep the article as it is now, unless it was kept since the last checkpoint."""
        state = self._state
        if i in state.before:
            return
        alive = i not in state.withdrawn
        article = self._truth(i)
        state.before[i] = _Before(
            alive=alive,
            listed=alive and i not in state.unlisted,
            truth=article,
            files={a["path"]: self._file_digest(a["path"]) for a in article["attachments"]},
        )
        state.paragraph_moves.setdefault(i, [])

    def _body_candidates(self, model: ArticleModel) -> list[tuple[int, str, int]]:
        """(block index, paragraph, its index in truth) of the body's plain paragraphs a move
        can take: one paragraph a block, said once in the whole body, not the title."""
        paragraphs = truth(model)["paragraphs"]
        said: dict[str, int] = {}
        for block in model.body:
            for text in paragraphs_of(block):
                said[collapse(text)] = said.get(collapse(text), 0) + 1
        title = collapse(model.head.title)
        out = []
        for k, block in enumerate(model.body):
            text = collapse(block.text)
            if (
                block.kind in ("p", "div")
                and block.style not in ("invisible", "center")
                and text
                and text != title
                and said.get(text) == 1
                and text in paragraphs
            ):
                out.append((k, text, paragraphs.index(text)))
        return out

    def _has_body_candidates(self, i: int) -> bool:
        return bool(self._body_candidates(self._model(i)))

    def _pick_paragraph(self, i: int, stream: int) -> tuple[tuple[int, str, int], ArticleModel]:
        model = self._model(i)
        candidates = self._body_candidates(model)
        if not candidates:
            raise ValueError(f"{self._path(i)}: no plain paragraph for a body move")
        pick = mix(self.seed, i, stream, len(self._state.body_moves.get(i, ()))) % len(candidates)
        return candidates[pick], model

    def _move_body(self, i: int, move: BodyMove, op: dict[str, object]) -> None:
        """Apply ``move``, after checking against the mirror's own truth that it does what
        ``op`` says (else the mirror is wrong: AssertionError, nothing changed)."""
        state = self._state
        self._touch(i)
        old = self._truth(i)["paragraphs"]
        state.body_moves.setdefault(i, []).append(move)
        new = self._truth(i)["paragraphs"]
        at = op["at"]
        assert isinstance(at, int) and isinstance(op["old"], list) and isinstance(op["new"], list)
        if old[:at] + op["new"] + old[at + len(op["old"]) :] != new:
            state.body_moves[i].pop()
            raise AssertionError(f"mirror: {move} on {self._path(i)} did not do {op}")
        recorded = state.paragraph_moves.get(i)
        if recorded is not None:
            recorded.append(op)

    def _replaceable_files(self, i: int) -> list[str]:
        """Paths of the article's attachments on the site that a replacement can serve."""
        out = []
        for attachment in self._truth(i)["attachments"]:
            file_path = attachment["path"]
            if not file_path.startswith("/") or not _FILE_RE.search(file_path):
                continue
            if self.files is not None:
                served = self.served_file(file_path)
                if served is None or served.extension not in self.files.alternates:
                    continue
            out.append(file_path)
        return out

    def _can_lapse(self, i: int) -> bool:
        model = self._model(i)
        return model.traits.policy_header != "none" and bool(model.policy) and dict(model.policy)["有效性"] != "失效"

    def _placeholder_file(self, path: str) -> bytes:
        """The bytes of an attachment without a shelf: its path, and its version once replaced."""
        version = self._state.file_versions.get(path, 0)
        return b"mirror file " + path.encode() + (f" version {version + 1}".encode() if version else b"")

    def _file_digest(self, path: str) -> str:
        if not path.startswith("/"):
            return ""
        served = self.served_file(path) if self.files is not None else None
        data = served.data if served is not None else self._placeholder_file(path)
        return hashlib.sha256(data).hexdigest()

    def _edited_since(self, i: int, before: _Before) -> dict[str, object] | None:
        """The ``edited`` truth of article ``i`` against ``before``; None when nothing a user diffs changed."""
        old, new = before.truth, self._truth(i)
        fields: dict[str, dict[str, object]] = {}
        for name in ("title", "published_at", "source", "author", "editor"):
            if old[name] != new[name]:
                fields[name] = {"old": old[name], "new": new[name]}
        old_doc: dict[str, object] = dict(old["document"] or {})
        new_doc: dict[str, object] = dict(new["document"] or {})
        for name in dict.fromkeys([*old_doc, *new_doc]):
            if old_doc.get(name) != new_doc.get(name):
                fields[f"document.{name}"] = {"old": old_doc.get(name), "new": new_doc.get(name)}
        old_images = [image["path"] for image in old["images"]]
        new_images = [image["path"] for image in new["images"]]
        if old_images != new_images:
            fields["images"] = {"old": old_images, "new": new_images}
        old_files = {a["path"]: a["name"] for a in old["attachments"]}
        new_files = {a["path"]: a["name"] for a in new["attachments"]}
        attachments = {
            "added": [p for p in new_files if p not in old_files],
            "removed": [p for p in old_files if p not in new_files],
            "replaced": [p for p in new_files if p in old_files and before.files[p] != self._file_digest(p)],
            "renamed": [p for p in new_files if p in old_files and old_files[p] != new_files[p]],
        }
        paragraphs: list[dict[str, object]] | None = []
        if old["paragraphs"] != new["paragraphs"]:
            recorded = self._state.paragraph_moves.get(i)
            paragraphs = list(recorded) if recorded is not None and len(recorded) == 1 else None
        if not fields and not any(attachments.values()) and paragraphs == []:
            return None
        return {
            "kind": "edited",
            "fields": fields,
            "attachments": attachments,
            "paragraphs": paragraphs,
            "paragraphs_old": list(old["paragraphs"]),
            "paragraphs_new": list(new["paragraphs"]),
            "wording": list(self._state.wording.get(i, [])),
        }

    # ------------------------------------------------------------------ public: rendering

    def render(self, path: str, host: str | None = None) -> MirrorResponse:
        """The response for ``path`` (query ignored), as served on ``host``.

        ``host`` only shapes the absolute same-host links of list rows
        (``http://<host>/sy/whyw/…``); truth does not depend on it.
        """
        host = host or DEFAULT_HOST
        parts = urlsplit(path)
        path = parts.path or "/"
        with self._lock:
            failed = self._injected_failure(path, host)
            if failed is not None:
                return failed
            fault = self._faults.get(path)
            if fault is not None:
                return self._render_fault(fault, parts.query, host)
            return self._render(path, host, parts.query)

    def _render(self, path: str, host: str, query: str = "") -> MirrorResponse:
        if path == "/robots.txt":
            return MirrorResponse(200, {"Content-Type": "text/plain"}, ROBOTS_TXT.encode())
        if path in ("/", "/index.shtml", "/index.html"):
            return _html(self._home_page())
        if path + "/" in self._column_by_path:
            return MirrorResponse(301, {"Location": path + "/", "Content-Type": "text/html"}, b"")
        directory, _, name = path.rpartition("/")
        spec = self._column_by_path.get(directory + "/")
        if spec is not None:
            match = _LIST_RE.match(name) if name else _LIST_RE.match("index.shtml")
            if match:
                page = self._list_page(spec, int(match.group(1) or 0), host)
                return _html(page) if page is not None else _not_found()
        i = self._index_of(path)
        if i is not None:
            body, content_type = render_article_page(self._model(i), 0)
            return MirrorResponse(200, {"Content-Type": content_type}, body)
        whly = self._whly_by_path.get(path)
        if whly is not None:
            body, content_type = render_article_page(self._whly_model(whly), 0)
            return MirrorResponse(200, {"Content-Type": content_type}, body)
        sub = _SUBPAGE_RE.match(path)
        if sub and self.multipage_index is not None:
            i = self._index_of(sub.group(1) + ".shtml")
            if i == self.multipage_index:
                model = self._model(i)
                k = int(sub.group(2))
                if 1 <= k < len(model.pages):
                    body, content_type = render_article_page(model, k)
                    return MirrorResponse(200, {"Content-Type": content_type}, body)
        if path in self.robots_disallowed_paths or path in self.unwanted_paths:
            return _html(_plain_article_page(path, self._unwanted_column_name))
        file_match = _FILE_RE.search(path)
        if file_match and any(path.startswith(c.path) for c in COLUMNS) and (served := self.served_file(path)):
            return MirrorResponse(200, {"Content-Type": served.content_type}, served.data)
        if file_match and any(path.startswith(c.path) for c in COLUMNS):
            ext = file_match.group(1)
            content_type = _FILE_TYPES.get(ext, "application/octet-stream")
            return MirrorResponse(200, {"Content-Type": content_type}, self._placeholder_file(path))
        if (page := self.navigation.render(path, query, self._row_links)) is not None:
            return MirrorResponse(page[0], {"Content-Type": "text/html; charset=utf-8"}, page[1].encode("utf-8"))
        return _not_found()

    def _render_fault(self, fault: _Fault, query: str, host: str) -> MirrorResponse:
        """The answer of a fault path (under the lock: its request counter is site state)."""
        path = fault.head.path
        hits = self._state.fault_requests[path] = self._state.fault_requests.get(path, 0) + 1
        name = fault.case.name
        if name == "http_404":
            return _not_found()
        if name == "http_410":
            return _status_page(410, "Gone")
        if name == "burst_503_recovers" and hits <= self.burst_503_failures:
            return _status_page(503, "Service Temporarily Unavailable")
        if name == "burst_502_persists":
            return _status_page(502, "Bad Gateway")
        if name == "challenge_412":
            return MirrorResponse(412, {"Content-Type": "text/html; charset=utf-8"}, self._challenge_page(path))
        if name == "redirect_loop":
            # A -> A?loop=1 -> A: two URLs, so a duplicate filter alone does not end it at once.
            target = path if query else f"{path}?loop=1"
            return _redirect(f"http://{host}{target}")
        if name == "redirect_offsite":
            return _redirect(OFFSITE_REDIRECT_ORIGIN + path)
        if name == "empty_200":
            return MirrorResponse(200, {"Content-Type": "text/html"}, b"")
        if name == "garbage_bytes":
            noise = random.Random(mix(self.seed, GARBAGE_BYTES, 77)).randbytes(GARBAGE_BYTES)
            return MirrorResponse(200, {"Content-Type": "text/html"}, noise)
        model = self._fault_model(fault)
        if name == "gbk_declared_utf8":
            page = render_article_html(model, 0, charset='<meta charset="utf-8">')
            return MirrorResponse(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("gbk"))
        if name == "utf8_declared_gbk":
            declared = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            page = render_article_html(model, 0, charset=declared)
            return MirrorResponse(200, {"Content-Type": "text/html; charset=gb2312"}, page.encode("utf-8"))
        if name == "oversize":
            if self._oversize is None:
                self._oversize = _oversize_page(render_article_html(model, 0), self.seed)
            return MirrorResponse(200, {"Content-Type": "text/html; charset=utf-8"}, self._oversize)
        body, content_type = render_article_page(model, 0)
        response = MirrorResponse(200, {"Content-Type": content_type}, body)
        if name == "slow":
            response.delay = self.slow_seconds
        elif name == "reset_mid_body":
            response.truncate_at = len(body) // 2
        return response

    def _challenge_page(self, path: str) -> bytes:
        """The JavaScript cookie challenge of sister Hubei sites: set a cookie, reload."""
        token = f"{mix(self.seed, len(path), 412):016x}"
        return (
            '<html><head><meta charset="utf-8"></head><body><script>'
            f'document.cookie="__jsl_clearance=1653609900.{token[:3]}|0|{token}%3D;max-age=3600;path=/";'
            "location.href=location.pathname+location.search"
            "</script></body></html>\n"
        ).encode()

    def _home_page(self) -> str:
        return self.navigation.home(self._row_links)

    def _list_page(self, spec: ColumnSpec, k: int, host: str) -> str | None:
        """Page ``k`` (0-based) of a column, the empty terminal page, or None (404)."""
        rows = self._page_rows(spec, k, host)
        if rows is None:
            return None
        count = self._page_count(spec)
        pager = ""
        if spec is HUGE_PAGER_COLUMN:
            pager = _create_page_html(HUGE_PAGER_CLAIMED_PAGES if self.faults else count, k)
        elif spec.pager == PAGER_CREATE_PAGE_HTML:
            pager = _create_page_html(count, k)
        elif spec.pager == PAGER_COUNT_PAGE:
            pager = _count_page(count, k)
        form = self._page_form(spec, k)
        body = (
            '<div class="container">\n'
            + layout.location(spec.path, spec.name)
            + '<div class="main-left"><div class="list-box">\n'
            f'<div class="list-hd"><h2>{esc(spec.name)}</h2></div>\n'
            + listing.list_html(form, [row_html(row_form, row) for row_form, row, _ in rows])
            + f'<div class="page">{pager}</div>\n'
            + "</div></div>\n"
            + layout.sidebar()
            + "</div>\n"
        )
        metas = (
            f'<meta name="SiteName" content="{phrases.SITE_NAME}" />\n'
            f'<meta name="ColumnName" content="{attr(spec.name)}" />\n'
            f'<meta name="ColumnType" content="{attr(spec.name)}" />\n'
        )
        return _page_shell(f"{spec.name} - {phrases.SITE_NAME}", metas, body)

    def _page_form(self, spec: ColumnSpec, k: int) -> str:
        """The list form of page ``k``: the column's older form when the newest row the page
        holds (its repeated row aside) is no newer than the column's switch (SITE.md "Old
        pages keep old forms"); the single-page 政府规章 keeps its current markup and writes
        its older rows the older way."""
        current, older = spec.list_forms
        switch = self._list_switch.get(spec.key)
        if switch is None or spec.pager == PAGER_SINGLE or spec is HUGE_PAGER_COLUMN:
            return current
        chron = self._state.by_column[spec.key]
        position = k * self.per_page
        if position >= len(chron):
            return current
        return older if self._ts(chron[len(chron) - 1 - position]) <= switch else current

    def _is_old(self, i: int) -> bool:
        """Article ``i`` is older than its column's article switch: it keeps the older form."""
        column = self._state.columns_of[i]
        switch = self._article_switch.get(column.key)
        return switch is not None and self._ts(i) < switch

    def _page_rows(self, spec: ColumnSpec, k: int, host: str) -> list[tuple[str, Row, str | None]] | None:
        """(list form, row model, expected article path or None) of each row of page ``k``;
        [] for an empty page, None when the page does not exist (404)."""
        count = self._page_count(spec)
        if spec.pager == PAGER_SINGLE and k > 0:
            return None
        if k > count or (k == count and spec.pager != PAGER_NONE_EMPTY_PAGE):
            return None
        if spec is HUGE_PAGER_COLUMN:
            heads = self._whly[k * HUGE_PAGER_ROWS_PER_PAGE : (k + 1) * HUGE_PAGER_ROWS_PER_PAGE]
            return [
                (LIST_LI, self._article_row(spec, head, self._whly_traits(head), host), head.path) for head in heads
            ]
        if k == count or (k == 0 and self.variant == "empty_list" and spec.path == EMPTY_LIST_COLUMN_PATH):
            return []
        form = self._page_form(spec, k)
        rows: list[tuple[str, Row, str | None]] = []
        for entry in self._entries(spec, k):
            if isinstance(entry, int):
                row_form = form
                if spec.pager == PAGER_SINGLE and self._is_old(entry):
                    row_form = spec.list_forms[1]
                article = self._path(entry)
                row = self._entry_row(spec, entry, host)
                if row_form not in ANCHOR_LIST_FORMS:
                    row = replace(row, href="./" + article.removeprefix(spec.path))  # scripts write ./…
                rows.append((row_form, row, article))
            elif isinstance(entry, _Fault):
                fault_path = entry.head.path if entry.case.yields_item else None
                rows.append((LIST_LI, self._entry_row(spec, entry, host), fault_path))
            else:
                rows.append((form, self._entry_row(spec, entry, host), None))
        return rows

    def _entries(self, spec: ColumnSpec, k: int) -> list[int | _Extra | _Fault]:
        """What page ``k`` lists, in order: article indexes, extras and fault rows."""
        chron = self._state.by_column[spec.key]
        m = len(chron)
        if spec.pager == PAGER_SINGLE:
            positions = range(m)
        else:
            positions = range(k * self.per_page, min((k + 1) * self.per_page, m))
        entries: list[int | _Extra | _Fault] = []
        if k == 1 and spec.pager != PAGER_SINGLE and m > self.per_page:
            # SITE.md "one article can appear on two consecutive list pages".
            entries.append(chron[m - self.per_page])
        placed = self._extras[spec.key]
        faults = [f for f in self._faults.values() if f.column is spec] if k == 0 else []
        entries.extend(f for f in faults if f.slot < 0)
        for slot, position in enumerate(positions):
            i = chron[m - 1 - position]
            entries.append(i)
            entries.extend(placed.get(i, ()))
            entries.extend(f for f in faults if f.slot == slot)
        return entries

    def _entry_row(self, spec: ColumnSpec, entry: int | _Extra | _Fault, host: str) -> Row:
        dated = not self._without_dates(spec)
        fmt = spec.list_date_format
        if isinstance(entry, _Fault):
            name = entry.case.name
            blank = name == "whitespace_title"
            return Row(
                "./" + entry.head.path.removeprefix(spec.path),
                "\u3000 " if blank else entry.head.title,
                entry.head.ts,
                fmt,
                dated=dated and name != "missing_dates",
                title_attr=not blank,
            )
        if isinstance(entry, _Extra):
            href = entry.href
            if entry.kind == "dead":
                href = "./" + href.removeprefix(spec.path)
            return Row(href, entry.title, entry.date, fmt, dated=dated)
        head = self._head(entry)
        row = self._article_row(spec, head, self._traits(entry), host)
        if spec.pager == PAGER_SINGLE:
            dcon = phrases.regulation_dcon(random.Random(mix(self.seed, entry, 5)), head.topic)
            row = replace(row, dcon=dcon)
        return row

    def _article_row(self, spec: ColumnSpec, head: Head, traits: Traits, host: str) -> Row:
        relative = "./" + head.path.removeprefix(spec.path)
        href = {
            "relative": relative,
            "root": head.path,
            "absolute": f"http://{host}{head.path}",
        }[traits.row_href]
        return Row(
            href,
            head.title,
            head.ts,
            spec.list_date_format,
            dated=not traits.no_dates,
            time=traits.row_time,
            filenum=head.filenum if spec.filenum_rows else "",
            title_attr=traits.row_title_attr,
            span_time=traits.row_span_time,
            style=traits.row_style,
        )


# ---------------------------------------------------------------------- list page pieces


def _create_page_html(count: int, current: int) -> str:
    """Pager form 1."""
    return f'<script type="text/javascript">createPageHTML({count}, {current}, "index", "shtml");</script>'


def _count_page(count: int, current: int) -> str:
    """Pager form 2: the classic TRS inline variables (cf. the ordos reference page)."""
    return (
        '<script language="JavaScript" type="text/javascript">\n'
        f"var currentPage = {current};//所在页从0开始\n"
        "var prevPage = currentPage-1//上一页\n"
        "var nextPage = currentPage+1//下一页\n"
        f"var countPage = {count}//共多少页\n"
        'document.write("共" + countPage + "页&nbsp;");\n'
        "if (currentPage > 0) {\n"
        '  var prevName = prevPage > 0 ? "index_" + prevPage : "index";\n'
        '  document.write("<a href=\\"" + prevName + ".shtml\\">上一页</a>&nbsp;");\n'
        "}\n"
        "if (nextPage < countPage) {\n"
        '  document.write("<a href=\\"index_" + nextPage + ".shtml\\">下一页</a>");\n'
        "}\n"
        "</script>"
    )


def _page_shell(title: str, metas: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n{metas}"
        '<link rel="stylesheet" href="/images/wh_common.css">\n'
        '<script src="/images/createPageHTML.js"></script>\n'
        "</head>\n<body>\n" + layout.header_nav() + body + layout.footer() + "</body>\n</html>\n"
    )


def _plain_article_page(path: str, unwanted_name: str) -> str:
    """A page that exists but must never be fetched (robots-disallowed or unwanted column)."""
    name = "内部资料" if path.startswith("/private/") else unwanted_name
    body = (
        '<div class="container"><div class="article">\n'
        f'<h1 class="article-title">{name}</h1>\n'
        '<div class="view TRS_UEDITOR trs_paper_default trs_web">\n'
        f"<p>\u3000\u3000本页属于{name}，不在抓取范围内。</p>\n</div></div></div>\n"
    )
    return _page_shell(f"{name} - {phrases.SITE_NAME}", "", body)


def _fault_traits(name: str) -> Traits:
    """The forms of a fault case's article page: a plain article, but for its fault."""
    if name == "no_body_container":
        return replace(PLAIN_TRAITS, container_class="content-text")
    if name == "malformed_date":
        return replace(PLAIN_TRAITS, pubdate_text=_MALFORMED_PUBDATE, info_date="none")
    if name == "future_date":
        return replace(PLAIN_TRAITS, pubdate_text=_FUTURE_DATE, info_date="none", info_date_text=_FUTURE_DATE)
    if name == "missing_dates":
        return replace(PLAIN_TRAITS, no_dates=True, info_date="none")
    if name == "whitespace_title":
        return replace(PLAIN_TRAITS, blank_title=True)
    return PLAIN_TRAITS


def _special_traits(traits: Traits, role: str, files: int) -> Traits:
    """The forms of an issue-9 article: a notice of files or of an image is its body alone,
    nothing added around it; the repost's original has files to copy."""
    if role == SPECIAL_REPOST_ORIGINAL:
        return replace(traits, multipage=False, fj="files")
    traits = replace(
        traits,
        multipage=False,
        dup="none",
        hot_in_body=False,
        byline="none",
        residue=False,
        dup_variant=False,
        title_first=False,
        invisible=False,
        fj_in_body=False,
    )
    if role == SPECIAL_ATTACHMENT_ONLY:
        return replace(traits, body_kind=BODY_ATTACHMENT_ONLY, fj="files", fj_files=files)
    return replace(traits, body_kind=BODY_IMAGE_ONLY, fj="none")


# One-character wording fixes an editor makes (a homophone or a near form); any other
# ideograph becomes 之 (or 其).
_WORDING_FIXES = {"的": "地", "地": "的", "做": "作", "作": "做", "在": "再", "再": "在", "已": "以", "以": "已"}


def _wording_fix(text: str) -> tuple[int, str]:
    """Where in ``text`` one character is replaced, and by what: the first ideograph of the
    second half that has a usual fix, else the first ideograph of the second half."""
    half = len(text) // 2
    ideographs = [k for k in range(half, len(text)) if "\u4e00" <= text[k] <= "\u9fff"]
    ideographs = ideographs or [k for k in range(len(text)) if "\u4e00" <= text[k] <= "\u9fff"]
    if not ideographs:
        raise ValueError(f"no ideograph to fix in {text!r}")
    for k in ideographs:
        if text[k] in _WORDING_FIXES:
            return k, _WORDING_FIXES[text[k]]
    k = ideographs[0]
    return k, "之" if text[k] != "之" else "其"


def _oversize_page(page: str, seed: int) -> bytes:
    """``page`` with a pasted-in ``data:`` image in the body, exactly ``OVERSIZE_BYTES`` long."""
    marker = '<div class="article-tools">'
    head, tail = page.encode("utf-8").split(marker.encode(), 1)
    prefix = b'<p style="text-align: center;"><img src="data:image/png;base64,'
    suffix = b'" alt="" /></p>\n'
    room = OVERSIZE_BYTES - len(head) - len(prefix) - len(suffix) - len(marker) - len(tail)
    data = base64.b64encode(random.Random(mix(seed, OVERSIZE_BYTES)).randbytes(room // 4 * 3))
    return head + prefix + data + suffix + b"\n" * (room - len(data)) + marker.encode() + tail


def _status_page(status: int, reason: str) -> MirrorResponse:
    """nginx's small error page."""
    page = (
        f"<html>\n<head><title>{status} {reason}</title></head>\n<body>\n"
        f"<center><h1>{status} {reason}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
    )
    return MirrorResponse(status, {"Content-Type": "text/html; charset=utf-8"}, page.encode())


def _redirect(location: str) -> MirrorResponse:
    return MirrorResponse(302, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, b"")


def _html(page: str) -> MirrorResponse:
    return MirrorResponse(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"))


def _not_found() -> MirrorResponse:
    return MirrorResponse(404, {"Content-Type": "text/html; charset=utf-8"}, layout.not_found_page())
