"""A deterministic, lazily rendered mirror of www.wuhan.gov.cn (pure stdlib, no Scrapy).

``MirrorSite(n_articles, per_page, seed)`` holds only each article's column (and the few
per-column extras); everything else — dates, docids, titles, bodies, pages — is derived on
request from (seed, article index), so a 50,000-article site is built in well under a second.

Article indexes are chronological: index 0 is the oldest, docids grow with the index
(site-wide), and one 武汉要闻 article is the seed page of ``shared/seed-example.txt`` at
``/sy/whyw/202205/t20220527_1979424.shtml``. Which SITE.md form each article carries is
decided by ``article.traits_for``; ``MirrorSite.forms()`` lists them by article index.

Truth (``expected_articles``): for each article path, the item the crawler must export —
``path, section, section_path, title, published_at, source, author, editor, paragraphs,
images, attachments, meta`` — computed from the same model the page is rendered from.
"""

from __future__ import annotations

import math
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from . import layout, phrases
from .article import (
    ArticleModel,
    ArticleTruth,
    Head,
    Traits,
    article_path,
    build_article,
    form_names,
    make_head,
    mix,
    render_article_page,
    traits_for,
    truth,
)
from .columns import (
    COLUMN_BY_PATH,
    COLUMN_CYCLE,
    COLUMNS,
    PAGER_COUNT_PAGE,
    PAGER_CREATE_PAGE_HTML,
    PAGER_NONE_404,
    PAGER_NONE_EMPTY_PAGE,
    PAGER_SINGLE,
    ROWS_ANCHOR,
    ROWS_SCRIPT,
    UNWANTED_COLUMN_NAME,
    UNWANTED_COLUMN_PATH,
    ColumnSpec,
)
from .layout import attr, esc

DEFAULT_HOST = "www.wuhan.gov.cn"
SEED_ARTICLE_PATH = "/sy/whyw/202205/t20220527_1979424.shtml"
_SEED_TS = datetime(2022, 5, 27, 8, 5, 0)
_EPOCH = datetime(2000, 1, 1)
# 08:05 on the seed's day is virtual minute 10 of that day (see MirrorSite._ts).
_SEED_VIRTUAL_MINUTES = (_SEED_TS - _EPOCH).days * 24 * 60 + 10
_SEED_DOCID = 1979424
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
_OFFSITE_BODY_URLS = ("http://zwfw.hubei.gov.cn/",)
_TITLE_CUT = 22  # list rows with a title attribute show at most this many characters + "…"

_LIST_RE = re.compile(r"^index(?:_([1-9]\d*))?\.shtml$")
_SUBPAGE_RE = re.compile(r"^(.*/t\d{8}_\d+)_(\d+)\.shtml$")
_FILE_RE = re.compile(r"/\d{6}/[WP]0\d{14,17}\.([a-z]+)$")
_FILE_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}


@dataclass
class MirrorResponse:
    """What the server sends: status, headers (Content-Type …) and the encoded body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the crawler's tests see it (live: list pages grow with ``publish``)."""

    path: str
    name: str
    pager: str
    rows: str
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
class _State:
    columns_of: list[ColumnSpec] = field(default_factory=list)
    by_column: dict[str, list[int]] = field(default_factory=dict)
    index_of_path: dict[str, int] = field(default_factory=dict)
    revisions: dict[int, int] = field(default_factory=dict)


class MirrorSite:
    """The site: list pages, article pages, truth, and mutation hooks for incremental tests."""

    def __init__(self, n_articles: int = 40, per_page: int = 5, seed: int = 0) -> None:
        if n_articles < 1:
            raise ValueError(f"n_articles must be >= 1, got {n_articles}")
        if per_page < 1:
            raise ValueError(f"per_page must be >= 1, got {per_page}")
        self.n_articles = n_articles
        self.per_page = per_page
        self.seed = seed
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
        for i in range(n_articles):
            state.index_of_path[self._path(i)] = i
        self._extras = self._place_extras()

    # ------------------------------------------------------------------ identity of article i

    def _ts(self, i: int) -> datetime:
        """Publish time, strictly increasing with i, always within office hours (08:00-20:00).

        Articles are spaced on a virtual clock (19 h apart near the seed, 2 h further back,
        plus jitter); each virtual day is squeezed into 08:00-20:00 of a real day, which
        keeps the order.
        """
        if i == self.seed_index:
            return _SEED_TS
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

    def _path(self, i: int) -> str:
        return article_path(self._state.columns_of[i], self._ts(i), self._docid(i))

    def _head(self, i: int) -> Head:
        column = self._state.columns_of[i]
        return make_head(i, column, self._docid(i), self._ts(i), self.seed, is_seed=i == self.seed_index)

    def _traits(self, i: int) -> Traits:
        return traits_for(
            i,
            self._state.columns_of[i],
            seed=i == self.seed_index,
            multipage=i == self.multipage_index,
        )

    def _model(self, i: int) -> ArticleModel:
        return build_article(self._head(i), self._traits(i), self.seed, self._state.revisions.get(i, 0))

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
            unwanted = f"{UNWANTED_COLUMN_PATH}{ts:%Y%m}/t{ts:%Y%m%d}_{self._docid(i) - 3}.shtml"
            district = rng.choice(phrases.DISTRICTS)
            add(i, _Extra("unwanted", unwanted, f"走进武汉｜{district}文旅新地标开门迎客", ts))
            i = anchor(self.per_page + 1)
            ts = self._ts(i)
            dead = article_path(column, ts, self._docid(i) - 1)
            add(i, _Extra("dead", dead, f"关于{topic}有关情况的说明", ts))
            i = anchor(m - 1)
            add(i, _Extra("mailto", "mailto:zfxxgk@wuhan.gov.cn", "向我们反映问题（政府信箱）", self._ts(i)))
        return extras

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
        """The six columns with their pager form and the list pages that exist now."""
        return [self.column(c.path) for c in COLUMNS]

    def column(self, column_path: str) -> ColumnInfo:
        """One column by path (``/sy/whyw/``)."""
        spec = COLUMN_BY_PATH[column_path]
        return ColumnInfo(
            path=spec.path,
            name=spec.name,
            pager=spec.pager,
            rows=spec.rows,
            list_pages=tuple(self.list_page_paths(column_path)),
            terminal_paths=frozenset(self.terminal_paths(column_path)),
        )

    def _page_count(self, spec: ColumnSpec) -> int:
        if spec.pager == PAGER_SINGLE:
            return 1
        with self._lock:
            m = len(self._state.by_column[spec.key])
        return max(1, math.ceil(m / self.per_page))

    def list_page_paths(self, column_path: str) -> list[str]:
        """``<col>index.shtml``, ``<col>index_1.shtml`` …: the list pages that hold rows."""
        spec = COLUMN_BY_PATH[column_path]
        count = self._page_count(spec)
        return [f"{spec.path}index.shtml"] + [f"{spec.path}index_{k}.shtml" for k in range(1, count)]

    def terminal_paths(self, column_path: str) -> set[str]:
        """No-pager forms: the page after the last (200 and empty, or 404); else empty.

        政府规章 (single page, no pager) is a no-pager column too: its ``index_1.shtml`` is
        the 404 a crawler following SITE.md form 3 fetches to learn the list ended.
        """
        spec = COLUMN_BY_PATH[column_path]
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
        """Article pages of a column nobody asked for (``/zjwh/whly/…``), served 200."""
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
            return self._state.index_of_path[path]

    def article_paths(self, column_path: str | None = None) -> list[str]:
        """Article paths, newest first, of one column or of the whole site."""
        with self._lock:
            if column_path is None:
                indexes = list(range(len(self._state.columns_of)))
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
        """Truth for one article path."""
        with self._lock:
            return truth(self._model(self._state.index_of_path[path]))

    def expected_articles(self) -> dict[str, ArticleTruth]:
        """Truth for every article, keyed by path (newest first)."""
        with self._lock:
            n = len(self._state.columns_of)
            return {self._path(i): truth(self._model(i)) for i in range(n - 1, -1, -1)}

    def forms(self) -> dict[str, list[int]]:
        """SITE.md form name -> indexes of the articles that carry it."""
        out: dict[str, list[int]] = {}
        with self._lock:
            n = len(self._state.columns_of)
            for i in range(n):
                traits = self._traits(i)
                names = form_names(traits, self._state.columns_of[i])
                if (
                    traits.row_title_attr
                    and self._state.columns_of[i].rows == ROWS_ANCHOR
                    and len(self._head(i).title) > _TITLE_CUT
                ):
                    names.append("row:truncated_title")
                for name in names:
                    out.setdefault(name, []).append(i)
        return dict(sorted(out.items()))

    # ------------------------------------------------------------------ public: mutations

    def publish(self, k: int = 1, column_path: str = "/sy/whyw/") -> list[str]:
        """Add ``k`` articles at the top of a column, newer than every existing article.

        Their docids continue the site-wide sequence; existing rows move down the pages.
        """
        spec = COLUMN_BY_PATH[column_path]
        paths = []
        with self._lock:
            for _ in range(k):
                i = len(self._state.columns_of)
                self._state.columns_of.append(spec)
                self._state.by_column[spec.key].append(i)
                path = self._path(i)
                self._state.index_of_path[path] = i
                paths.append(path)
        return list(reversed(paths))

    def edit(self, path: str) -> None:
        """Rewrite one article's paragraphs (and so its truth); KeyError for an unknown path."""
        with self._lock:
            i = self._state.index_of_path[path]
            self._state.revisions[i] = self._state.revisions.get(i, 0) + 1

    # ------------------------------------------------------------------ public: rendering

    def render(self, path: str, host: str | None = None) -> MirrorResponse:
        """The response for ``path`` (query ignored), as served on ``host``.

        ``host`` only shapes the absolute same-host links of list rows
        (``http://<host>/sy/whyw/…``); truth does not depend on it.
        """
        host = host or DEFAULT_HOST
        path = urlsplit(path).path or "/"
        with self._lock:
            return self._render(path, host)

    def _render(self, path: str, host: str) -> MirrorResponse:
        if path == "/robots.txt":
            return MirrorResponse(200, {"Content-Type": "text/plain"}, ROBOTS_TXT.encode())
        if path in ("/", "/index.shtml", "/index.html"):
            return _html(self._home_page())
        if path + "/" in COLUMN_BY_PATH:
            return MirrorResponse(301, {"Location": path + "/", "Content-Type": "text/html"}, b"")
        directory, _, name = path.rpartition("/")
        spec = COLUMN_BY_PATH.get(directory + "/")
        if spec is not None:
            match = _LIST_RE.match(name) if name else _LIST_RE.match("index.shtml")
            if match:
                page = self._list_page(spec, int(match.group(1) or 0), host)
                return _html(page) if page is not None else _not_found()
        i = self._state.index_of_path.get(path)
        if i is not None:
            body, content_type = render_article_page(self._model(i), 0)
            return MirrorResponse(200, {"Content-Type": content_type}, body)
        sub = _SUBPAGE_RE.match(path)
        if sub and self.multipage_index is not None:
            i = self._state.index_of_path.get(sub.group(1) + ".shtml")
            if i == self.multipage_index:
                model = self._model(i)
                k = int(sub.group(2))
                if 1 <= k < len(model.pages):
                    body, content_type = render_article_page(model, k)
                    return MirrorResponse(200, {"Content-Type": content_type}, body)
        if path in self.robots_disallowed_paths or path in self.unwanted_paths:
            return _html(_plain_article_page(path))
        file_match = _FILE_RE.search(path)
        if file_match and any(path.startswith(c.path) for c in COLUMNS):
            ext = file_match.group(1)
            content_type = _FILE_TYPES.get(ext, "application/octet-stream")
            return MirrorResponse(200, {"Content-Type": content_type}, b"mirror file " + path.encode())
        return _not_found()

    def _home_page(self) -> str:
        links = "\n".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in COLUMNS)
        return _page_shell(
            phrases.SITE_NAME,
            "",
            f'<div class="container"><ul class="columns">\n{links}\n</ul></div>\n',
        )

    def _list_page(self, spec: ColumnSpec, k: int, host: str) -> str | None:
        """Page ``k`` (0-based) of a column, the empty terminal page, or None (404)."""
        count = self._page_count(spec)
        if spec.pager == PAGER_SINGLE and k > 0:
            return None
        if k > count or (k == count and spec.pager != PAGER_NONE_EMPTY_PAGE):
            return None
        rows = [] if k == count else self._rows(spec, k, host)
        pager = ""
        if spec.pager == PAGER_CREATE_PAGE_HTML:
            pager = _create_page_html(count, k)
        elif spec.pager == PAGER_COUNT_PAGE:
            pager = _count_page(count, k)
        body = (
            '<div class="container">\n'
            + layout.location(spec.path, spec.name)
            + '<div class="main-left"><div class="list-box">\n'
            f'<div class="list-hd"><h2>{esc(spec.name)}</h2></div>\n'
            '<div class="articleList"><ul>\n'
            + "\n".join(rows)
            + "\n</ul></div>\n"
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

    def _rows(self, spec: ColumnSpec, k: int, host: str) -> list[str]:
        chron = self._state.by_column[spec.key]
        m = len(chron)
        if spec.pager == PAGER_SINGLE:
            positions = range(m)
        else:
            positions = range(k * self.per_page, min((k + 1) * self.per_page, m))
        entries: list[int | _Extra] = []
        if k == 1 and spec.pager != PAGER_SINGLE and m > self.per_page:
            # SITE.md "one article can appear on two consecutive list pages".
            entries.append(chron[m - self.per_page])
        placed = self._extras[spec.key]
        for position in positions:
            i = chron[m - 1 - position]
            entries.append(i)
            entries.extend(placed.get(i, ()))
        return [self._row(spec, entry, host) for entry in entries]

    def _row(self, spec: ColumnSpec, entry: int | _Extra, host: str) -> str:
        if isinstance(entry, _Extra):
            href = entry.href
            if entry.kind == "dead":
                href = "./" + href.removeprefix(spec.path)
            if spec.rows == ROWS_ANCHOR:
                return _anchor_row(href, entry.title, entry.date, spec, title_attr=True, span_time=True)
            if spec.rows == ROWS_SCRIPT:
                return _script_row(href, entry.title, "", entry.date)
            return _variables_row(href, entry.title, "", entry.date, "")
        head = self._head(entry)
        relative = "./" + head.path.removeprefix(spec.path)
        if spec.rows == ROWS_SCRIPT:
            return _script_row(relative, head.title, head.filenum, head.ts)
        if spec.rows != ROWS_ANCHOR:
            dcon = phrases.regulation_dcon(random.Random(mix(self.seed, entry, 5)), head.topic)
            return _variables_row(relative, head.title, head.filenum, head.ts, dcon)
        traits = self._traits(entry)
        href = {
            "relative": relative,
            "root": head.path,
            "absolute": f"http://{host}{head.path}",
        }[traits.row_href]
        return _anchor_row(
            href, head.title, head.ts, spec, title_attr=traits.row_title_attr, span_time=traits.row_span_time
        )


# ---------------------------------------------------------------------- list page pieces


def _anchor_row(href: str, title: str, ts: datetime, spec: ColumnSpec, *, title_attr: bool, span_time: bool) -> str:
    """SITE.md "Rows": ``div.articleList li`` with an ``a`` and a date span."""
    text = title
    title_html = ""
    if title_attr:
        title_html = f' title="{attr(title)}"'
        if len(title) > _TITLE_CUT:
            text = title[:_TITLE_CUT] + "…"
    span = '<span class="time">' if span_time else "<span>"
    date = ts.strftime(spec.list_date_format)
    return f'<li><a href="{attr(href)}"{title_html} target="_blank">{esc(text)}</a>{span}{date}</span></li>'


def _script_row(url: str, title: str, filenum: str, ts: datetime) -> str:
    """市政府文件: the row is written by script, the HTML holds no ``<a>`` (SITE.md)."""
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f'url = "{url}";\n'
        f'title = "{title}";\n'
        f'var FILENUM= "{filenum}";\n'
        "document.writeln(\"<a href='\" + url + \"' target='_blank' title='\" + title + \"'>\" "
        '+ title + "</a>");\n'
        'document.writeln("<span class=\'wh\'>" + FILENUM + "</span>");\n'
        "</script>\n"
        f'<span class="time"><script>document.writeln("{ts:%Y-%m-%d}")</script></span>\n'
        "</li>"
    )


def _variables_row(url: str, title: str, filenum: str, ts: datetime, dcon: str) -> str:
    """政府规章: each document in ``var dUrl … dCon`` variables (SITE.md)."""
    effective = ts + timedelta(days=30)
    rn = (
        f"（{ts.year}年{ts.month}月{ts.day}日{filenum}公布\u3000"
        f"自{effective.year}年{effective.month}月{effective.day}日起施行）"
        if filenum
        else ""
    )
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f"var dUrl = '{url}';\n"
        f"var dTitle = '{title}';\n"
        f"var dRN = '{rn}';\n"
        f"var dFN = '{filenum}';\n"
        f"var dCon = '{dcon}';\n"
        "showRegulation(dUrl, dTitle, dRN, dFN, dCon);\n"
        "</script>\n"
        "</li>"
    )


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


def _plain_article_page(path: str) -> str:
    """A page that exists but must never be fetched (robots-disallowed or unwanted column)."""
    name = "内部资料" if path.startswith("/private/") else UNWANTED_COLUMN_NAME
    body = (
        '<div class="container"><div class="article">\n'
        f'<h1 class="article-title">{name}</h1>\n'
        '<div class="view TRS_UEDITOR trs_paper_default trs_web">\n'
        f"<p>\u3000\u3000本页属于{name}，不在抓取范围内。</p>\n</div></div></div>\n"
    )
    return _page_shell(f"{name} - {phrases.SITE_NAME}", "", body)


def _html(page: str) -> MirrorResponse:
    return MirrorResponse(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"))


def _not_found() -> MirrorResponse:
    return MirrorResponse(404, {"Content-Type": "text/html; charset=utf-8"}, layout.not_found_page())
