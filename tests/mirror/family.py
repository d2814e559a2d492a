"""A mirror of the Wuhan government site family: district and bureau sites of one TRS WCM
instance, each on its own loopback port (pure stdlib, no Scrapy, nothing from govnews).

Written from ``shared/SITE.md`` ("Site family"): list pages of plain server-rendered rows
``<a href="./YYYYMM/tYYYYMMDD_<docid>.shtml">`` in ``div.articleList li`` with the date in a
``span``, 16–44 documents a column, article bodies in ``trs_editor_view`` / ``TRS_UEDITOR``
containers, and the statistics bureau's sub-site form: a bare ``div.trs_editor_view`` inside
``div#content`` with ``发布日期：2025-09-30 08:56:00`` in ``#inside-content`` and no ``PubDate``
tag, whose ``index.html`` answers 404 while ``index.shtml`` works. Only ``.shtml`` list pages
exist on every site (``/<column>/`` is ``/<column>/index.shtml``, then ``index_1.shtml`` …).

One docid sequence spans the family: docids grow with publish time across every site and
column, as they do on one WCM instance, and :meth:`FamilyModel.publish` continues it.

With ``navigation=True`` (``FamilyModel``, ``FamilyMirror``), two sites (jianghan, tjj) get
a home page and navigation in the mirror's own forms (``navigation.py``) and columns only
that navigation reaches (``FamilySiteSpec.nav_columns``, the mirror's invention, not in
SITE.md); :meth:`FamilyModel.real_columns` lists what a discovery must find. Off (the
default), every page and every truth is as before.

Article pages write their title in the forms of :data:`TITLE_FORMS` (the mirror's own,
after the TRS templates of sister sites): the headline in an ``<h1>``, in an element styled
as the title, or in no marked element at all; an ``ArticleTitle`` tag or none; a logo
``<h1>`` holding the site's name above it; and a ``<title>`` joining the headline to the
site's name in several spellings (``FamilySiteSpec.portal``) after ``-``, ``_``, ``｜``,
``|`` or ``——``. Some headlines hold dashes of their own (``——访江汉区人民政府``, ``–3月工作综述``).

Truth (:meth:`FamilyModel.expected_articles`) is the item a crawler must export for each
article — host, site, path, section, section_path, title, published_at, source, paragraphs,
docid — written from the model the pages are rendered from, never read back from them.

``FamilyMirror()`` is a context manager that serves every site of :data:`SITES` on a port
of its own (``FamilyServer``, a real HTTP server) and gives each one's base URL. Every
server keeps an access log of ``(time.monotonic(), path)`` for each request, so a test can
measure the spacing of requests per host (and ``access_agents``, each one's User-Agent).
``fail(path, status, times)`` and ``publish`` work as on the main mirror.

CLI: ``python -m tests.mirror.family [--port N]`` serves the family and prints each site's base
URL. With ``--port N`` the sites take the ports N, N+1, … in the table's order, the same at each
start: a crawl's state store is keyed by ``127.0.0.1:<port>`` (``govnews.sites.family.site_key``),
so a family mirror restarted on the same ports is the same sites, their state kept. Without
it (port 0) each start takes free ports: new sites each time, as tests want.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import io
import itertools
import random
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

from . import phrases
from .layout import attr, esc
from .navigation import FamilyNavigation, RowLink
from .server import QuietHTTPServer, ServedInThread, raise_keyboard_interrupt
from .site import MirrorResponse

CLIENT_HEADER = "X-Test-Client"
"""A request header the servers record beside each request (tests name their workers by it)."""
BodyForm = Literal["view_trs_ueditor", "trs_editor_view", "bare_trs_editor_view"]
PagerForm = Literal["createPageHTML", "countPage"]


@dataclass(frozen=True)
class FamilyColumn:
    path: str
    name: str
    """Inferred from the path (SITE.md: "names of columns inferred from their paths")."""
    kind: str
    """Which title manner of ``phrases.title`` its articles have."""


@dataclass(frozen=True)
class FamilySiteSpec:
    key: str
    name: str
    host: str
    columns: tuple[FamilyColumn, ...]
    body: BodyForm
    pager: PagerForm = "createPageHTML"
    row_date: Literal["span.time", "span"] = "span"
    source: str = ""
    """The 来源 of its articles."""
    confirmed: bool = True
    """Host and columns seen by the 2026 crawler SITE.md cites (all are, so far)."""
    nav_columns: tuple[FamilyColumn, ...] = ()
    """Columns only the site's navigation reaches (served with ``navigation=True``): the
    mirror's own, for discovery to find."""
    portal: str = ""
    """The site's name as its article pages' titles give it (江汉区人民政府), beside
    ``name``: the mirror's choice, not SITE.md's (which knows only www's suffix)."""

    @property
    def portal_name(self) -> str:
        return self.portal or f"{self.name}人民政府"


SITES: tuple[FamilySiteSpec, ...] = (
    FamilySiteSpec(
        "jianghan",
        "江汉区",
        "www.jianghan.gov.cn",
        (FamilyColumn("/xwzx/tzgg/", "通知公告", "tzgg"), FamilyColumn("/xwzx/jhyw/", "江汉要闻", "gqdt")),
        "trs_editor_view",
        row_date="span.time",
        source="江汉区人民政府办公室",
        nav_columns=(FamilyColumn("/xwzx/bmdt/", "部门动态", "gqdt"), FamilyColumn("/zwgk/zcjd/", "政策解读", "zcjd")),
    ),
    FamilySiteSpec(
        "wuchang",
        "武昌区",
        "www.wuchang.gov.cn",
        (
            FamilyColumn("/zwgk_37/zc/gsgg/", "公示公告", "tzgg"),
            FamilyColumn("/zwgk_37/zc/gfxwj/", "规范性文件", "gfxwj"),
        ),
        "view_trs_ueditor",
        source="武昌区人民政府办公室",
    ),
    FamilySiteSpec(
        "jiangan",
        "江岸区",
        "www.jiangan.gov.cn",
        (FamilyColumn("/jaxxw/zfxxgk/zc_41333/qtzdgkwj/gsgg/", "公示公告", "tzgg"),),
        "trs_editor_view",
        source="江岸区人民政府办公室",
    ),
    FamilySiteSpec(
        "qiaokou",
        "硚口区",
        "www.qiaokou.gov.cn",
        (FamilyColumn("/xxgk/zc/zcfg/zfwj/", "政府文件", "gfxwj"), FamilyColumn("/qkxw/tzgg/", "通知公告", "tzgg")),
        "view_trs_ueditor",
        row_date="span.time",
        source="硚口区人民政府办公室",
    ),
    FamilySiteSpec(
        "hongshan",
        "洪山区",
        "www.hongshan.gov.cn",
        (FamilyColumn("/tzgg/", "通知公告", "tzgg"),),
        "trs_editor_view",
        source="洪山区人民政府办公室",
    ),
    FamilySiteSpec(
        "wehdz",
        "东湖高新区",
        "www.wehdz.gov.cn",
        (
            FamilyColumn("/2022/ggxw_68627/ggxw_68629/", "光谷新闻", "gqdt"),
            FamilyColumn("/2022/ggxw_68627/tz_68628/", "通知", "tzgg"),
        ),
        "view_trs_ueditor",
        pager="countPage",
        source="东湖高新区管委会办公室",
        portal="东湖高新区管委会",
    ),
    FamilySiteSpec(
        "tjj",
        "武汉市统计局",
        "tjj.wuhan.gov.cn",
        (FamilyColumn("/xwzx/sjyw/", "数据要闻", "gqdt"),),
        "bare_trs_editor_view",
        pager="countPage",
        source="武汉市统计局",
        portal="武汉市统计局",
        nav_columns=(
            FamilyColumn("/xwzx/tjdt/", "统计动态", "gqdt"),
            FamilyColumn("/xwzx/tzgg/", "通知公告", "tzgg"),
            FamilyColumn("/tjsj/tjyb/", "统计月报", "tzgg"),
        ),
    ),
)
SITE_BY_KEY = {spec.key: spec for spec in SITES}


@dataclass(frozen=True)
class TitleForm:
    """How an article page gives its title."""

    key: str
    page_title: str
    """The ``<title>``: ``{headline}`` joined to the site's ``{name}`` or ``{portal}``."""
    headline: str
    """The element holding ``{headline}`` (escaped), first in the article's block."""
    article_title_meta: bool = False
    """An ``ArticleTitle`` tag holds the headline (district pages only: tjj has no tags)."""
    logo: bool = False
    """An ``<h1>`` holding the site's ``{portal}`` name heads the page (a logo)."""


TITLE_FORMS: tuple[TitleForm, ...] = (
    TitleForm("meta", "{headline}-{name}", "<h1>{headline}</h1>", article_title_meta=True),
    TitleForm("h1_underscore", "{headline}_{portal}", "<h1>{headline}</h1>"),
    TitleForm("styled_div_fullwidth_bar", "{headline} ｜ {portal}", '<div class="article-title">{headline}</div>'),
    TitleForm(
        "styled_p_double_dash", "{headline}——{portal}网站", '<p class="con-title"><strong>{headline}</strong></p>'
    ),
    TitleForm("logo_h1_bar", "{headline}|{portal}网", '<div class="detail-title"><h2>{headline}</h2></div>', logo=True),
    # Nothing marks the headline: only the <title>, less the site's name, says it.
    TitleForm("unmarked", "{headline} - {portal}", '<p class="xl-top"><b>{headline}</b></p>'),
)
FIRST_DOCID = 2_690_000
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
_HTML = "text/html; charset=utf-8"
_START = datetime(2024, 3, 1, 8, 0, 0)
_SPAN = timedelta(days=640)


@dataclass
class FamilyArticle:
    spec: FamilySiteSpec
    column: FamilyColumn
    ts: datetime
    docid: int
    title: str
    paragraphs: tuple[str, ...]
    title_form: TitleForm = TITLE_FORMS[0]

    @property
    def page_title(self) -> str:
        """The page's ``<title>`` text."""
        return self.title_form.page_title.format(headline=self.title, name=self.spec.name, portal=self.spec.portal_name)

    @property
    def path(self) -> str:
        return f"{self.column.path}{self.ts:%Y%m}/t{self.ts:%Y%m%d}_{self.docid}.shtml"

    @property
    def href(self) -> str:
        """The list row's relative link."""
        return f"./{self.ts:%Y%m}/t{self.ts:%Y%m%d}_{self.docid}.shtml"

    def truth(self) -> dict[str, object]:
        return {
            "host": self.spec.host,
            "site": self.spec.key,
            "path": self.path,
            "section": self.column.name,
            "section_path": self.column.path,
            "title": self.title,
            "published_at": self.ts.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "source": self.spec.source,
            "paragraphs": list(self.paragraphs),
            "docid": self.docid,
        }


@dataclass
class _Failure:
    status: int
    times: int | None


class FamilyModel:
    """Every site's columns and articles, one docid sequence; pages rendered on request."""

    def __init__(
        self, seed: int = 0, per_page: int = 15, sites: tuple[FamilySiteSpec, ...] = SITES, *, navigation: bool = False
    ) -> None:
        self.seed = seed
        self.per_page = per_page
        self.specs = sites
        self.navigation = navigation
        self._lock = threading.RLock()
        self._rng = random.Random(f"family-{seed}")
        # column rows, newest first, per (site key, column path)
        self.rows: dict[tuple[str, str], list[FamilyArticle]] = {}
        self.by_path: dict[tuple[str, str], FamilyArticle] = {}
        self.failures: dict[tuple[str, str], _Failure] = {}
        drafts: list[tuple[datetime, FamilySiteSpec, FamilyColumn]] = []
        for spec in sites:
            for column in self.columns_of(spec):
                self.rows[(spec.key, column.path)] = []
                for _ in range(self._rng.randint(16, 44)):
                    offset = timedelta(seconds=self._rng.randrange(int(_SPAN.total_seconds())))
                    drafts.append((_START + offset, spec, column))
        self.last_docid = FIRST_DOCID
        self.last_ts = _START
        for ts, spec, column in sorted(drafts, key=lambda d: (d[0], d[1].key, d[2].path)):
            self._add(spec, column, ts)

    def _add(self, spec: FamilySiteSpec, column: FamilyColumn, ts: datetime) -> FamilyArticle:
        # The instance's docids grow with time over every site (other sites' documents
        # take the numbers in between).
        self.last_docid += self._rng.randint(1, 40)
        self.last_ts = max(self.last_ts, ts)
        rng = random.Random(f"{self.seed}-{self.last_docid}")
        topic = rng.choice(phrases.TOPICS)
        title = phrases.title(column.kind, rng, topic, ts.year)
        # Its own stream: the forms leave every other draw as it was.
        look = random.Random(f"{self.seed}-{self.last_docid}-title")
        title = _with_dash(title, spec, ts, look.random())
        form = look.choice(TITLE_FORMS)
        # An article says each thing once: a paragraph drawn twice is drawn again.
        paragraphs = [phrases.lead_paragraph(rng, topic, f"{ts.month}月{ts.day}日")]
        wanted = 1 + rng.randint(1, 4)
        while len(paragraphs) < wanted:
            if (paragraph := phrases.body_paragraph(rng, topic)) not in paragraphs:
                paragraphs.append(paragraph)
        article = FamilyArticle(spec, column, ts, self.last_docid, title, tuple(paragraphs), form)
        self.rows[(spec.key, column.path)].insert(0, article)
        self.by_path[(spec.key, article.path)] = article
        return article

    # -- what tests ask -------------------------------------------------------------------

    def spec(self, key: str) -> FamilySiteSpec:
        return next(s for s in self.specs if s.key == key)

    def columns_of(self, spec: FamilySiteSpec) -> tuple[FamilyColumn, ...]:
        """The columns the site serves: its own, and with ``navigation`` its navigation's."""
        return spec.columns + (spec.nav_columns if self.navigation else ())

    def real_columns(self, key: str) -> list[tuple[str, str]]:
        """What a discovery of the site must find, (path, name), from the model."""
        return [(c.path, c.name) for c in self.columns_of(self.spec(key))]

    def _row_links(self, key: str, column: str, k: int) -> list[RowLink]:
        with self._lock:
            rows = self.rows.get((key, column), [])[:k]
        return [RowLink(a.path, a.title, f"{a.ts:%Y-%m-%d}") for a in rows]

    def _navigation(self, spec: FamilySiteSpec) -> FamilyNavigation | None:
        if not (self.navigation and spec.nav_columns):
            return None
        return FamilyNavigation(spec.key, spec.name, self.real_columns(spec.key))

    def articles(self, key: str | None = None) -> list[FamilyArticle]:
        """Every article (of one site), oldest first."""
        with self._lock:
            found = [a for (k, _), a in self.by_path.items() if key is None or k == key]
        return sorted(found, key=lambda a: a.docid)

    def expected_articles(self, key: str | None = None) -> dict[tuple[str, str], dict[str, object]]:
        """Truth by ``(site key, path)``."""
        return {(a.spec.key, a.path): a.truth() for a in self.articles(key)}

    def page_count(self, key: str, column: str) -> int:
        with self._lock:
            return max(1, -(-len(self.rows[(key, column)]) // self.per_page))

    def list_page_paths(self, key: str, column: str) -> list[str]:
        count = self.page_count(key, column)
        return [f"{column}index.shtml"] + [f"{column}index_{i}.shtml" for i in range(1, count)]

    def publish(self, key: str, column: str, k: int = 1) -> list[FamilyArticle]:
        """``k`` newest articles on top of the column, continuing the family's docids."""
        spec = self.spec(key)
        col = next(c for c in self.columns_of(spec) if c.path == column)
        with self._lock:
            return [self._add(spec, col, self.last_ts + timedelta(minutes=7)) for _ in range(k)]

    def fail(self, key: str, path: str, status: int = 500, times: int | None = None) -> None:
        """That exact path of that site answers ``status`` for the next ``times`` requests
        (or until :meth:`clear_failures`)."""
        if not 400 <= status <= 599:
            raise ValueError(f"status {status} is not an error status")
        with self._lock:
            self.failures[(key, path)] = _Failure(status, times)

    def clear_failures(self) -> None:
        with self._lock:
            self.failures.clear()

    # -- rendering --------------------------------------------------------------------------

    def render(self, key: str, raw_path: str) -> MirrorResponse:
        parts = urlsplit(raw_path)
        path = parts.path or "/"
        spec = self.spec(key)
        navigation = self._navigation(spec)

        def rows_of(column: str, k: int) -> list[RowLink]:
            return self._row_links(key, column, k)

        with self._lock:
            failure = self.failures.get((key, path))
            if failure is not None:
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        del self.failures[(key, path)]
                return _page(failure.status, f"<html><body><h1>{failure.status}</h1></body></html>")
            if path == "/robots.txt":
                return MirrorResponse(200, {"Content-Type": "text/plain; charset=utf-8"}, ROBOTS_TXT.encode())
            if path == "/":
                return _page(200, navigation.home(_nav(spec), rows_of) if navigation else _home(spec))
            article = self.by_path.get((key, path))
            if article is not None:
                return _page(200, render_article(article))
            for column in self.columns_of(spec):
                if path.startswith(column.path):
                    return self._list(spec, column, path[len(column.path) :])
            if navigation and (page := navigation.render(path, parts.query, _nav(spec), rows_of)) is not None:
                return _page(200, page)
        return _not_found()

    def _list(self, spec: FamilySiteSpec, column: FamilyColumn, rest: str) -> MirrorResponse:
        if rest in ("", "index.shtml"):
            index = 0
        elif rest.startswith("index_") and rest.endswith(".shtml") and rest[6:-6].isdigit():
            index = int(rest[6:-6])
        else:
            return _not_found()  # index.html among them: only .shtml list pages exist
        rows = self.rows[(spec.key, column.path)]
        count = max(1, -(-len(rows) // self.per_page))
        if index >= count:
            return _not_found()
        page = rows[index * self.per_page : (index + 1) * self.per_page]
        return _page(200, render_list(spec, column, page, index, count))


def _with_dash(title: str, spec: FamilySiteSpec, ts: datetime, draw: float) -> str:
    """Some headlines hold a dash of their own: a subtitle after —— that ends in the site's
    name (an interview of its government), or a part after an en dash."""
    if draw < 0.12:
        return f"{title}——访{spec.portal_name}"
    if draw < 0.24:
        return f"{title}–{ts.month}月工作综述"
    return title


def _page(status: int, html: str) -> MirrorResponse:
    return MirrorResponse(status, {"Content-Type": _HTML}, html.encode("utf-8"))


def _not_found() -> MirrorResponse:
    return _page(404, "<!DOCTYPE html><html><head><title>404</title></head><body><h1>404 Not Found</h1></body></html>")


def _head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n{extra}</head>\n"
    )


def _nav(spec: FamilySiteSpec) -> str:
    links = "".join(f'<a href="{attr(c.path)}">{esc(c.name)}</a>' for c in spec.columns)
    return (
        f'<div class="header"><a href="/">{esc(spec.name)}</a>{links}'
        '<a href="http://www.wuhan.gov.cn/" target="_blank">武汉市人民政府</a></div>\n'
    )


def _home(spec: FamilySiteSpec) -> str:
    return _head(spec.name) + f"<body>\n{_nav(spec)}</body>\n</html>\n"


def render_list(spec: FamilySiteSpec, column: FamilyColumn, page: list[FamilyArticle], index: int, count: int) -> str:
    """A list page: plain server-rendered anchors, the date in a span, the site's pager."""
    span = '<span class="time">' if spec.row_date == "span.time" else "<span>"
    rows = "".join(
        f'<li><a href="{attr(a.href)}" title="{attr(a.title)}" target="_blank">{esc(a.title)}</a>'
        f"{span}{a.ts:%Y-%m-%d}</span></li>\n"
        for a in page
    )
    if spec.pager == "createPageHTML":
        pager = f'<script>createPageHTML({count}, {index}, "index", "shtml");</script>'
    else:
        pager = f"<script>\nvar currentPage = {index};//所在页从0开始\nvar countPage = {count}//共多少页\n</script>"
    return (
        _head(f"{column.name}-{spec.name}")
        + f'<body>\n{_nav(spec)}<div class="main">\n<div class="position">当前位置：'
        f'<a href="/">首页</a> &gt; <a href="{attr(column.path)}">{esc(column.name)}</a></div>\n'
        f'<div class="articleList">\n<ul>\n{rows}</ul>\n</div>\n<div class="page">{pager}</div>\n'
        "</div>\n</body>\n</html>\n"
    )


def render_article(article: FamilyArticle) -> str:
    """An article page in its site's form (``FamilySiteSpec.body``) and its title form
    (``FamilyArticle.title_form``)."""
    spec, ts, form = article.spec, article.ts, article.title_form
    stamp = ts.strftime("%Y-%m-%d %H:%M:%S")
    paragraphs = "".join(f'<p style="text-indent:2em">\u3000\u3000{esc(p)}</p>\n' for p in article.paragraphs)
    headline = form.headline.format(headline=esc(article.title)) + "\n"
    banner = f'<div class="banner"><h1>{esc(spec.portal_name)}</h1></div>\n' if form.logo else ""
    if spec.body == "bare_trs_editor_view":
        # The bureau sub-site: no PubDate tag; 发布日期 with seconds in #inside-content.
        if form.key == "meta":
            headline = f'<h1 class="title">{esc(article.title)}</h1>\n'
        return (
            _head(article.page_title) + f"<body>\n{banner}{_nav(spec)}" + '<div id="inside-content">\n'
            f"{headline}"
            f'<div class="info"><span>发布日期：{stamp}</span><span>来源：{esc(spec.source)}</span></div>\n'
            f'<div id="content">\n<div class="trs_editor_view">\n{paragraphs}</div>\n</div>\n'
            "</div>\n</body>\n</html>\n"
        )
    metas = (
        f'<meta name="SiteName" content="{attr(spec.name)}人民政府门户网站">\n'
        f'<meta name="SiteDomain" content="{attr(spec.host)}">\n'
        f'<meta name="ColumnName" content="{attr(article.column.name)}">\n'
        + (f'<meta name="ArticleTitle" content="{attr(article.title)}">\n' if form.article_title_meta else "")
        + f'<meta name="PubDate" content="{stamp}">\n'
        f'<meta name="ContentSource" content="{attr(spec.source)}">\n'
    )
    container = (
        "view TRS_UEDITOR trs_paper_default trs_web"
        if spec.body == "view_trs_ueditor"
        else "trs_editor_view TRS_UEDITOR trs_paper_default trs_web"
    )
    return (
        _head(article.page_title, metas) + f"<body>\n{banner}{_nav(spec)}" + '<div class="article">\n'
        f"{headline}"
        f'<div class="info"><span>发布时间：{ts:%Y-%m-%d %H:%M}</span><span>来源：{esc(spec.source)}</span></div>\n'
        f'<div class="{container}">\n{paragraphs}</div>\n'
        "</div>\n</body>\n</html>\n"
    )


# -- the servers ------------------------------------------------------------------------------


# Linux's SO_TIMESTAMPNS (the socket module has no name for it): the kernel stamps each
# received packet with CLOCK_REALTIME, read back as a control message of recvmsg.
_SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("qq")


class _StampedSocketIO(io.RawIOBase):
    """A connection's reading side that keeps the kernel's receive time of what it reads:
    :attr:`first` of the first chunk since :meth:`mark`, :attr:`last` of the latest (on the
    ``time.monotonic()`` scale; None where the kernel gives no stamp)."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self.first: float | None = None
        self.last: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n, ancillary, _, _ = self._connection.recvmsg_into([buffer], 64)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
                seconds, nanoseconds = _TIMESPEC.unpack(data[: _TIMESPEC.size])
                self.last = seconds + nanoseconds / 1e9 - (time.time() - time.monotonic())
                if self.first is None:
                    self.first = self.last
        return int(n)

    def mark(self) -> None:
        self.first = None

    def arrival(self) -> float | None:
        """When the request read since :meth:`mark` reached the socket (a request that came
        in one chunk with the one before it: that chunk's time)."""
        return self.first if self.first is not None else self.last


class _Handler(BaseHTTPRequestHandler):
    server: _FamilyHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._stamped = _StampedSocketIO(self.connection)
        self.rfile = io.BufferedReader(self._stamped)

    def handle_one_request(self) -> None:
        self._stamped.mark()
        super().handle_one_request()

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        self.server.log_access(self.path, self.headers.get("User-Agent") or "", self._stamped.arrival())
        self.server.log_client(self.path, self.headers.get(CLIENT_HEADER))
        response = self.server.model.render(self.server.key, self.path)
        status, body = response.status, response.body
        headers = dict(response.headers)
        if status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if etag in (self.headers.get("If-None-Match") or ""):
                status, body = 304, b""
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the access log is ``FamilyServer.access_log``."""


class _FamilyHTTPServer(QuietHTTPServer):
    def __init__(self, address: tuple[str, int], model: FamilyModel, key: str) -> None:
        super().__init__(address, _Handler)
        # On the listening socket, so that a connection's first request is stamped too
        # (accepted sockets inherit it; it may arrive before a handler thread runs).
        with contextlib.suppress(OSError):
            self.socket.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self.model = model
        self.key = key
        self._log_lock = threading.Lock()
        self.access: list[tuple[float, str]] = []
        self.clients: list[tuple[float, str, str | None]] = []
        self.agents: list[str] = []
        self.arrivals: list[float] = []

    def log_access(self, path: str, agent: str, arrived: float | None) -> None:
        with self._log_lock:
            now = time.monotonic()
            self.access.append((now, path))
            self.agents.append(agent)
            self.arrivals.append(now if arrived is None else arrived)

    def log_client(self, path: str, client: str | None) -> None:
        with self._log_lock:
            self.clients.append((time.monotonic(), path, client))


class FamilyServer(ServedInThread):
    """One site of the family over HTTP on 127.0.0.1, from a daemon thread."""

    _server: _FamilyHTTPServer

    def __init__(self, model: FamilyModel, key: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self.key = key
        self.spec = model.spec(key)
        self._server = _FamilyHTTPServer((host, port), model, key)
        self.thread_name = f"family-{key}-{self.port}"

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> list[tuple[float, str]]:
        """``(time.monotonic(), request path)`` of every request, in arrival order: a copy."""
        with self._server._log_lock:
            return list(self._server.access)

    @property
    def client_log(self) -> list[tuple[float, str, str | None]]:
        """``(time.monotonic(), request path, the request's X-Test-Client header)`` of every
        request: which test worker asked (tests set the header with DEFAULT_REQUEST_HEADERS)."""
        with self._server._log_lock:
            return list(self._server.clients)

    @property
    def access_agents(self) -> list[str]:
        """The ``User-Agent`` of each request of :attr:`access_log`, in the same order: which
        of several crawlers made it."""
        with self._server._log_lock:
            return list(self._server.agents)

    @property
    def arrival_log(self) -> list[tuple[float, str]]:
        """:attr:`access_log` with each request's moment taken from the kernel: when its first
        bytes reached the server's socket (``SO_TIMESTAMPNS``), on the ``time.monotonic()``
        scale. A server thread that waits for the GIL or the CPU logs a request late; the
        kernel's moment is what the host saw, to within microseconds. Where the kernel gives
        none (not Linux), the moment the request was handled."""
        with self._server._log_lock:
            return [(at, path) for at, (_, path) in zip(self._server.arrivals, self._server.access, strict=True)]

    def clear_access_log(self) -> None:
        with self._server._log_lock:
            self._server.access.clear()
            self._server.clients.clear()
            self._server.agents.clear()
            self._server.arrivals.clear()

    def spacing(self, *, exclude: tuple[str, ...] = ("/robots.txt",)) -> list[float]:
        """Seconds between consecutive requests (of paths not in ``exclude``)."""
        times = [t for t, path in self.access_log if urlsplit(path).path not in exclude]
        return [b - a for a, b in itertools.pairwise(times)]


@dataclass
class FamilyMirror:
    """Every site of the family on a port of its own; a context manager.

    ``servers[key]`` is the :class:`FamilyServer` of a site (``key`` from :data:`SITES`:
    ``jianghan``, ``wuchang``, ``jiangan``, ``qiaokou``, ``hongshan``, ``wehdz``, ``tjj``);
    ``base_urls`` maps each key to ``http://127.0.0.1:<port>``.
    """

    seed: int = 0
    per_page: int = 15
    sites: tuple[FamilySiteSpec, ...] = SITES
    navigation: bool = False
    """Serve the home pages, navigation and navigation-only columns of ``navigation.py``."""
    first_port: int = 0
    """0: free ports; else the sites on ``first_port``, ``first_port + 1`` … in table order."""
    model: FamilyModel = field(init=False)
    servers: dict[str, FamilyServer] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.model = FamilyModel(self.seed, self.per_page, self.sites, navigation=self.navigation)

    @property
    def base_urls(self) -> dict[str, str]:
        return {key: server.base_url for key, server in self.servers.items()}

    def base_url(self, key: str) -> str:
        return self.servers[key].base_url

    def key_of_port(self, port: int) -> str:
        return next(key for key, server in self.servers.items() if server.port == port)

    def start(self) -> FamilyMirror:
        if not self.servers:
            try:
                for offset, spec in enumerate(self.sites):
                    port = self.first_port + offset if self.first_port else 0
                    self.servers[spec.key] = FamilyServer(self.model, spec.key, port=port).start()
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def __enter__(self) -> FamilyMirror:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Wuhan site family mirror until Ctrl-C.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-page", type=int, default=15)
    parser.add_argument("--navigation", action="store_true", help="home pages and navigation (discovery's mirror)")
    parser.add_argument(
        "--port", type=int, default=0, help="first port: the sites on N, N+1 … (default 0: free ports, new sites)"
    )
    opts = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    mirror = FamilyMirror(seed=opts.seed, per_page=opts.per_page, navigation=opts.navigation, first_port=opts.port)
    try:
        mirror.start()
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        last = opts.port + len(mirror.sites) - 1
        print(
            f"error: a port of {opts.port}-{last} is taken (another program, or a family mirror still serving); "
            f"choose others: --port {last + 1}",
            file=sys.stderr,
            flush=True,
        )
        return 2
    with mirror as family:
        for key, server in family.servers.items():
            columns = ",".join(c.path for c in server.spec.columns)
            print(f"{key}\t{server.spec.host}\t{server.base_url}\t{columns}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
