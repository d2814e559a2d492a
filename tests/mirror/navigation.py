"""Home pages and navigation for the mirrors, in forms of the mirror's own making (pure
stdlib, nothing from govnews).

How www.wuhan.gov.cn links its columns is unknown (SITE.md "Navigation and columns beyond
the table"); sister TRS sites build menus in plain lists, in tabs whose panes come from
sibling ``index.shtml`` pages, in "更多" links beside a block of rows, and in script. The
mirror makes up a navigation in each of those forms, with a few things that look like
columns and are not, so that discovery (``-a discover=1``) is proven against all of them:

=================  ====================================  ======================================
form               www (:class:`WwwNavigation`)           family sites (:class:`FamilyNavigation`)
=================  ====================================  ======================================
script menu        home: entries in a JS array, written   jianghan: ``document.write`` of anchors;
                   in a loop (新闻发布 only here)          tjj: ``{title, link}`` objects
tabs               政府文件 ``/zwgk/xxgk/zfwj/``: panes    home: tab heads with ``data-src`` /
                   load ``./bgtwj/index.shtml`` …          ``data-url`` (部门动态, 统计动态 only here)
"更多" link         home: 部门动态 block                    home: 政策解读 / 通知公告 blocks
sub-columns only   ``/zwgk/``, ``/zwgk/xxgk/`` (规划计划)   ``/xwzx/``, ``/zwgk/``, ``/tjsj/``
special topic      ``/ztzl/``: a dated, paged list whose    ``/ztzl/``: rows to www.wuhan.gov.cn
                   rows lead to other hosts
trap               ``/hdjl/hdrl/?date=…``: a calendar of   tjj ``/tjsj/fbrl/?date=…``
                   endless months and days
=================  ====================================  ======================================

A column only the navigation reaches (:class:`NavColumn`, e.g. www's 部门动态) is the
mirror's own invention, not a claim about the real site. Truth (``real_columns``) lists
the site's columns from the model: the site's own and these.

Two sites of their own are in ``other_sites.py``: a hostile home page and a site of
another publishing system.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from . import layout, phrases
from .layout import attr, esc

ListForm = Literal["li", "table", "dl"]
PagerForm = Literal["createPageHTML", "countPage", "none"]
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class RowLink:
    """A row another page shows of a column: the article's path, its title and date."""

    path: str
    title: str
    date: str


RowsOf = Callable[[str, int], list[RowLink]]
"""The newest ``k`` rows of the column at a path."""


# ---------------------------------------------------------------------- navigation forms


def script_menu_array(entries: list[tuple[str, str]]) -> str:
    """A menu kept in a JavaScript array and written in a loop: no anchor in the HTML."""
    items = ", ".join(f'{{name: "{name}", url: "{path}"}}' for name, path in entries)
    return (
        '<div class="top-menu"><ul id="menu"></ul>\n<script type="text/javascript">\n'
        f"var menus = [{items}];\n"
        "var html = '';\n"
        "for (var i = 0; i < menus.length; i++) {\n"
        "  html += '<li><a href=\"' + menus[i].url + '\">' + menus[i].name + '</a></li>';\n"
        "}\n"
        "document.getElementById('menu').innerHTML = html;\n"
        "</script></div>\n"
    )


def script_menu_writes(entries: list[tuple[str, str]]) -> str:
    """A menu written anchor by anchor with ``document.write``."""
    writes = "".join(f"document.write('<a href=\"{path}\">{name}</a>');\n" for name, path in entries)
    return f'<div class="menu"><script>\n{writes}</script></div>\n'


def script_menu_objects(entries: list[tuple[str, str]]) -> str:
    """A menu of ``{title, link}`` objects handed to a widget."""
    items = ",\n".join(f"  {{ title: '{name}', link: '{path}' }}" for name, path in entries)
    return f'<div class="nav-box" id="navBox"></div>\n<script>\nnavWidget("#navBox", [\n{items}\n]);\n</script>\n'


def tabs(entries: list[tuple[str, str]], pane: str, attribute: str = "data-url") -> str:
    """Tab heads whose panes load a sibling ``index.shtml`` page: the heads are no anchors."""
    on = ' class="on"'
    heads = "".join(
        f'<li{on if i == 0 else ""} {attribute}="{attr(path)}">{esc(name)}</li>'
        for i, (name, path) in enumerate(entries)
    )
    first = entries[0][1]
    return (
        f'<div class="tab-box">\n<ul class="tab-hd">{heads}</ul>\n'
        f'<div class="tab-bd" id="{pane}">加载中…</div>\n'
        "<script>\n$(function () {\n"
        '  $(".tab-hd li").click(function () {\n'
        f'    $("#{pane}").load($(this).attr("{attribute}") + " .articleList");\n'
        "  });\n"
        f'  $("#{pane}").load("{first} .articleList");\n'
        "});\n</script>\n</div>\n"
    )


def rows_ul(rows: list[RowLink]) -> str:
    return (
        "<ul>"
        + "".join(
            f'<li><a href="{attr(r.path)}" target="_blank">{esc(r.title)}</a><span>{r.date}</span></li>' for r in rows
        )
        + "</ul>\n"
    )


def more_block(heading: str, path: str, rows: list[RowLink], more: str = "更多&gt;&gt;") -> str:
    """A block of rows under a heading, a "更多" link beside the heading."""
    return (
        f'<div class="block">\n<div class="hd"><h3>{esc(heading)}</h3>'
        f'<a class="more" href="{attr(path)}">{more}</a></div>\n' + rows_ul(rows) + "</div>\n"
    )


def sub_column_boxes(children: list[tuple[str, str, list[RowLink]]]) -> str:
    """A column holding only sub-columns: a box for each, its name a link, its newest rows."""
    boxes = "".join(
        f'<div class="box">\n<div class="box-hd"><h3><a href="{attr(path)}">{esc(name)}</a></h3>'
        f'<a class="more" href="{attr(path)}">更多</a></div>\n' + (rows_ul(rows) if rows else "") + "</div>\n"
        for name, path, rows in children
    )
    return f'<div class="sub-columns">\n{boxes}</div>\n'


def topic_rows(host: str, slug: str, start: date, count: int, docid: int) -> list[RowLink]:
    """Rows of a special topic: dated, article-shaped, all on another host."""
    rows = []
    for k in range(count):
        day = start - timedelta(days=3 * k)
        url = f"http://{host}/ztzl/{slug}/{day:%Y%m}/t{day:%Y%m%d}_{docid + 11 * k}.shtml"
        rows.append(
            RowLink(url, f"{phrases.TOPICS[k % len(phrases.TOPICS)]}专题：{day.month}月{day.day}日工作动态", f"{day}")
        )
    return rows


def topic_list(rows: list[RowLink], pages: int) -> str:
    """The special topic's page: an article list and a pager, as a column's list page has."""
    items = "".join(
        f'<li><a href="{attr(r.path)}" target="_blank">{esc(r.title)}</a><span class="time">{r.date}</span></li>\n'
        for r in rows
    )
    return (
        f'<div class="articleList"><ul>\n{items}</ul></div>\n'
        f'<div class="page"><script>createPageHTML({pages}, 0, "index", "shtml");</script></div>\n'
    )


def calendar(base: str, query: str, default_month: date) -> str:
    """A month of days, each a ``?date=`` link, and the months before and after: endless."""
    value = dict(part.partition("=")[::2] for part in query.split("&") if part).get("date", "")
    try:
        shown = date.fromisoformat(value[:7] + "-01") if len(value) >= 7 else default_month
    except ValueError:
        shown = default_month
    before = (shown - timedelta(days=1)).replace(day=1)
    after = (shown + timedelta(days=32)).replace(day=1)
    days = []
    day = shown
    while day.month == shown.month:
        days.append(f'<td><a href="{base}?date={day}">{day.day}</a></td>')
        day += timedelta(days=1)
    weeks = "".join("<tr>" + "".join(days[i : i + 7]) + "</tr>\n" for i in range(0, len(days), 7))
    return (
        f'<div class="calendar">\n<div class="cal-hd"><a href="{base}?date={before:%Y-%m}">上月</a>'
        f"<span>{shown.year}年{shown.month}月</span>"
        f'<a href="{base}?date={after:%Y-%m}">下月</a></div>\n'
        f'<table class="cal">\n{weeks}</table>\n<p>当日活动：暂无</p>\n</div>\n'
    )


# ---------------------------------------------------------------------- columns of the navigation


@dataclass(frozen=True)
class NavColumn:
    """A column the site's table does not have and only its navigation reaches."""

    key: str
    path: str
    name: str
    reached_by: str
    """The navigation form that leads to it (and only it, but for the walk's own guesses)."""
    rows: int
    list_form: ListForm = "li"
    pager: PagerForm = "createPageHTML"
    column_name_meta: bool = True
    breadcrumb: Literal["links", "text", "none"] = "links"
    body: Literal["container", "plain"] = "container"
    """``plain``: no known body container (discovery's sample reports the fallback)."""


@dataclass(frozen=True)
class NavArticle:
    column: NavColumn
    ts: datetime
    docid: int
    title: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"{self.column.path}{self.ts:%Y%m}/t{self.ts:%Y%m%d}_{self.docid}.shtml"

    def row(self) -> RowLink:
        return RowLink(self.path, self.title, f"{self.ts:%Y-%m-%d}")


WWW_NAV_COLUMNS: tuple[NavColumn, ...] = (
    NavColumn("bmdt", "/sy/bmdt/", "部门动态", "more", 12),
    NavColumn("bgtwj", "/zwgk/xxgk/zfwj/bgtwj/", "市政府办公厅文件", "tabs", 7, list_form="table", pager="countPage"),
    NavColumn(
        "ghjh",
        "/zwgk/xxgk/ghjh/",
        "规划计划",
        "sub_columns",
        4,
        list_form="dl",
        pager="none",
        column_name_meta=False,
        breadcrumb="text",
        body="plain",
    ),
    NavColumn("xwfb", "/xwfb/", "新闻发布", "script_menu", 6, column_name_meta=False, breadcrumb="none"),
)
_WWW_DOCID_BASE = 980_000
_WWW_SOURCE = "武汉市人民政府办公厅"


def _nav_articles(columns: tuple[NavColumn, ...], seed: int, newest: datetime, docid_base: int) -> list[NavArticle]:
    """Each column's articles, newest first, a day or three apart, docids in a band of their own."""
    out: list[NavArticle] = []
    for number, column in enumerate(columns):
        rng = random.Random(f"nav-{seed}-{column.key}")
        ts = newest - timedelta(hours=5 + number)
        for k in range(column.rows):
            ts -= timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
            topic = rng.choice(phrases.TOPICS)
            title = phrases.title("tzgg" if number % 2 else "whyw", rng, topic, ts.year)
            paragraphs = (
                phrases.lead_paragraph(rng, topic, f"{ts.month}月{ts.day}日"),
                phrases.body_paragraph(rng, topic),
            )
            out.append(NavArticle(column, ts, docid_base + 100 * number + column.rows - k, title, paragraphs))
    return out


def _pager(form: PagerForm, count: int, index: int) -> str:
    if form == "createPageHTML":
        return f'<script type="text/javascript">createPageHTML({count}, {index}, "index", "shtml");</script>'
    if form == "countPage":
        return f"<script>\nvar currentPage = {index};//所在页从0开始\nvar countPage = {count}//共多少页\n</script>"
    return ""


def nav_list_rows(form: ListForm, articles: list[NavArticle]) -> str:
    """A list page's rows in the column's own form, links relative to the column."""
    if form == "table":
        cells = "".join(
            f'<tr><td class="bt"><a href="./{a.path.removeprefix(a.column.path)}">{esc(a.title)}</a></td>'
            f"<td>{a.ts:%Y-%m-%d}</td></tr>\n"
            for a in articles
        )
        return f'<table class="list-table">\n{cells}</table>\n'
    if form == "dl":
        items = "".join(
            f'<dl><dt><a href="./{a.path.removeprefix(a.column.path)}">{esc(a.title)}</a></dt>'
            f"<dd>{a.ts:%Y年%m月%d日}</dd></dl>\n"
            for a in articles
        )
        return f'<div class="articleList">\n{items}</div>\n'
    items = "".join(
        f'<li><a href="./{a.path.removeprefix(a.column.path)}" title="{attr(a.title)}">{esc(a.title)}</a>'
        f'<span class="time">{a.ts:%Y-%m-%d}</span></li>\n'
        for a in articles
    )
    return f'<div class="articleList"><ul>\n{items}</ul></div>\n'


# ---------------------------------------------------------------------- www


class WwwNavigation:
    """www's home page, its navigation pages and the columns only they reach (see the
    module docstring); rendered on request from ``rows_of`` (the site's own columns)."""

    SITE_NAME = phrases.SITE_NAME

    def __init__(self, seed: int, newest: datetime, per_page: int) -> None:
        self.per_page = per_page
        self.columns = WWW_NAV_COLUMNS
        self.articles = _nav_articles(self.columns, seed, newest, _WWW_DOCID_BASE)
        self._by_path = {a.path: a for a in self.articles}
        self._month = newest.date().replace(day=1)

    def real_columns(self) -> list[tuple[str, str]]:
        return [(c.path, c.name) for c in self.columns]

    def column_articles(self, path: str) -> list[NavArticle]:
        return [a for a in self.articles if a.column.path == path]

    def rows(self, path: str, k: int) -> list[RowLink]:
        return [a.row() for a in self.column_articles(path)[:k]]

    # -- pages ---------------------------------------------------------------------------

    def _shell(self, title: str, body: str, metas: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(title)}</title>\n"
            f'<meta name="SiteName" content="{self.SITE_NAME}" />\n{metas}'
            '<link rel="stylesheet" href="/images/wh_common.css">\n'
            '<script src="/images/jquery.min.js"></script>\n'
            "</head>\n<body>\n" + layout.header_nav() + body + layout.footer() + "</body>\n</html>\n"
        )

    def home(self, rows_of: RowsOf) -> str:
        menu = script_menu_array(
            [
                ("首页", "/"),
                ("政务公开", "/zwgk/"),
                ("新闻发布", "/xwfb/"),
                ("专题专栏", "/ztzl/"),
                ("互动交流", "/hdjl/"),
            ]
        )
        news = tabs(
            [
                ("武汉要闻", "/sy/whyw/index.shtml"),
                ("媒体看武汉", "/sy/kwh/index.shtml"),
                ("各区动态", "/whyw/gqdt/index.shtml"),
            ],
            "newsPane",
        )
        districts = "".join(
            f'<li><a href="http://{host}/" target="_blank">{name}</a></li>'
            for name, host in (
                ("江汉区", "www.jianghan.gov.cn"),
                ("武昌区", "www.wuchang.gov.cn"),
                ("硚口区", "www.qiaokou.gov.cn"),
                ("市统计局", "tjj.wuhan.gov.cn"),
            )
        )
        body = (
            '<div class="container">\n'
            + menu
            + news
            + more_block("通知公告", "/zwgk/tzgg/", rows_of("/zwgk/tzgg/", 5))
            + more_block("部门动态", "/sy/bmdt/", self.rows("/sy/bmdt/", 5), more="更多")
            + f'<div class="links"><h3>区政府、部门网站</h3><ul>{districts}</ul></div>\n'
            + "</div>\n"
        )
        return self._shell(self.SITE_NAME, body)

    def render(self, path: str, query: str, rows_of: RowsOf) -> tuple[int, str] | None:
        """(status, page) of a navigation page or of a navigation column's page; None for
        a path that is not one."""
        column_of = {c.path: c for c in self.columns}
        directory, _, name = path.rpartition("/")
        column = column_of.get(directory + "/")
        if column is not None and (name == "" or name.startswith("index")):
            page = self._list(column, name)
            return (200, page) if page is not None else None
        if (article := self._by_path.get(path)) is not None:
            return 200, self._article(article)
        if path in ("/zwgk/", "/zwgk/index.shtml"):
            children = [("通知公告", "/zwgk/tzgg/", rows_of("/zwgk/tzgg/", 3)), ("信息公开", "/zwgk/xxgk/", [])]
            return 200, self._channel("政务公开", "/zwgk/", sub_column_boxes(children))
        if path in ("/zwgk/xxgk/", "/zwgk/xxgk/index.shtml"):
            children = [
                ("政策解读", "/zwgk/xxgk/zcjd/", rows_of("/zwgk/xxgk/zcjd/", 3)),
                ("政府文件", "/zwgk/xxgk/zfwj/", []),
                ("政府规章", "/zwgk/xxgk/zfgz_new/", []),
                ("规划计划", "/zwgk/xxgk/ghjh/", self.rows("/zwgk/xxgk/ghjh/", 3)),
            ]
            return 200, self._channel("信息公开", "/zwgk/xxgk/", sub_column_boxes(children))
        if path in ("/zwgk/xxgk/zfwj/", "/zwgk/xxgk/zfwj/index.shtml"):
            panes = tabs(
                [
                    ("市政府文件", "./szfwj/index.shtml"),
                    ("规范性文件", "./gfxwj/index.shtml"),
                    ("市政府办公厅文件", "./bgtwj/index.shtml"),
                ],
                "docPane",
            )
            return 200, self._channel("政府文件", "/zwgk/xxgk/zfwj/", panes)
        if path in ("/ztzl/", "/ztzl/index.shtml"):
            rows = topic_rows("www.hubei.gov.cn", "2022zt", self._month + timedelta(days=20), 8, 4_200_000)
            return 200, self._channel("专题专栏", "/ztzl/", topic_list(rows, 3))
        if path in ("/hdjl/", "/hdjl/index.shtml"):
            links = (
                '<ul class="hdjl"><li><a href="/hdjl/hdrl/">活动日历</a></li>'
                '<li><a href="/hdjl/search/?q=%E6%94%BF%E5%8A%A1&amp;siteid=1">站内搜索</a></li></ul>\n'
            )
            return 200, self._channel("互动交流", "/hdjl/", links)
        if path in ("/hdjl/hdrl/", "/hdjl/hdrl/index.shtml"):
            return 200, self._channel("活动日历", "/hdjl/hdrl/", calendar("/hdjl/hdrl/", query, self._month))
        return None

    def _channel(self, name: str, path: str, content: str) -> str:
        """A page of the navigation: ColumnName and breadcrumb as a column's page has them."""
        metas = f'<meta name="ColumnName" content="{attr(name)}" />\n'
        return self._shell(
            f"{name} - {self.SITE_NAME}",
            '<div class="container">\n' + layout.location(path, name) + content + "</div>\n",
            metas,
        )

    def _list(self, column: NavColumn, name: str) -> str | None:
        articles = self.column_articles(column.path)
        count = max(1, -(-len(articles) // self.per_page)) if column.pager != "none" else 1
        if name in ("", "index.shtml"):
            index = 0
        elif name.startswith("index_") and name.endswith(".shtml") and name[6:-6].isdigit():
            index = int(name[6:-6])
        else:
            return None
        if index >= count:
            return None
        shown = articles[index * self.per_page : (index + 1) * self.per_page] if column.pager != "none" else articles
        metas = f'<meta name="ColumnName" content="{attr(column.name)}" />\n' if column.column_name_meta else ""
        if column.breadcrumb == "links":
            crumb = layout.location(column.path, column.name)
        elif column.breadcrumb == "text":
            crumb = (
                '<div class="crumb">您的位置：<a href="/">首页</a> » <a href="/zwgk/">政务公开</a> » '
                f'<a href="/zwgk/xxgk/">信息公开</a> » {esc(column.name)}</div>\n'
            )
        else:
            crumb = ""
        body = (
            '<div class="container">\n' + crumb + f'<div class="list-box"><div class="list-hd"><h2>{esc(column.name)}'
            "</h2></div>\n"
            + nav_list_rows(column.list_form, shown)
            + f'<div class="page">{_pager(column.pager, count, index)}</div>\n</div>\n</div>\n'
        )
        return self._shell(f"{column.name} - {self.SITE_NAME}", body, metas)

    def _article(self, article: NavArticle) -> str:
        column = article.column
        stamp = article.ts.strftime("%Y-%m-%d %H:%M:%S")
        metas = (
            f'<meta name="ColumnName" content="{attr(column.name)}" />\n'
            f'<meta name="ArticleTitle" content="{attr(article.title)}" />\n'
            f'<meta name="PubDate" content="{stamp}" />\n'
            f'<meta name="ContentSource" content="{_WWW_SOURCE}" />\n'
        )
        container = "view TRS_UEDITOR trs_paper_default trs_web" if column.body == "container" else "article-content"
        paragraphs = "".join(f"<p>\u3000\u3000{esc(p)}</p>\n" for p in article.paragraphs)
        body = (
            '<div class="container"><div class="article">\n'
            + layout.location(column.path, column.name)
            + f'<h1 class="article-title">{esc(article.title)}</h1>\n'
            f'<div class="article-info">发布时间：{article.ts:%Y-%m-%d %H:%M}　来源：{_WWW_SOURCE}</div>\n'
            f'<div class="{container}">\n{paragraphs}</div>\n</div></div>\n'
        )
        return self._shell(f"{article.title} - {self.SITE_NAME}", body, metas)


# ---------------------------------------------------------------------- the family


class FamilyNavigation:
    """The home page and navigation pages of a family site (jianghan, tjj; see the module
    docstring). The columns themselves, navigation-only ones included, are the family
    model's: this only links them."""

    def __init__(self, key: str, site_name: str, columns: list[tuple[str, str]]) -> None:
        self.key = key
        self.site_name = site_name
        self.names = dict(columns)

    def _shell(self, title: str, header: str, body: str) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(title)}</title>\n</head>\n<body>\n{header}{body}</body>\n</html>\n"
        )

    def _position(self, path: str, name: str) -> str:
        return (
            f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{attr(path)}">{esc(name)}</a></div>\n'
        )

    def home(self, header: str, rows_of: RowsOf) -> str:
        if self.key == "jianghan":
            body = (
                script_menu_writes([("新闻中心", "/xwzx/"), ("政务公开", "/zwgk/"), ("专题专栏", "/ztzl/")])
                + tabs(
                    [
                        ("江汉要闻", "/xwzx/jhyw/index.shtml"),
                        ("通知公告", "/xwzx/tzgg/index.shtml"),
                        ("部门动态", "/xwzx/bmdt/index.shtml"),
                    ],
                    "newsTab",
                    attribute="data-src",
                )
                + more_block("政策解读", "/zwgk/zcjd/", rows_of("/zwgk/zcjd/", 4))
            )
        else:
            body = (
                script_menu_objects([("首页", "/"), ("统计数据", "/tjsj/"), ("新闻中心", "/xwzx/sjyw/")])
                + tabs([("数据要闻", "/xwzx/sjyw/index.shtml"), ("统计动态", "/xwzx/tjdt/index.shtml")], "tjTab")
                + more_block("通知公告", "/xwzx/tzgg/", rows_of("/xwzx/tzgg/", 4), more="MORE +")
            )
        return self._shell(self.site_name, header, f'<div class="main">\n{body}</div>\n')

    def render(self, path: str, query: str, header: str, rows_of: RowsOf) -> str | None:
        """A navigation page of the site, or None."""
        page = path.removesuffix("index.shtml")
        boxes: dict[str, list[str]] = {
            "jianghan": ["/xwzx/", "/zwgk/"],
            "tjj": ["/tjsj/"],
        }
        children: dict[str, list[tuple[str, str, int]]] = {
            "/xwzx/": [("江汉要闻", "/xwzx/jhyw/", 3), ("通知公告", "/xwzx/tzgg/", 3), ("部门动态", "/xwzx/bmdt/", 3)],
            "/zwgk/": [("政策解读", "/zwgk/zcjd/", 3)],
            "/tjsj/": [("统计月报", "/tjsj/tjyb/", 3), ("发布日历", "/tjsj/fbrl/", 0)],
        }
        titles = {"/xwzx/": "新闻中心", "/zwgk/": "政务公开", "/tjsj/": "统计数据"}
        if page in boxes.get(self.key, []):
            content = sub_column_boxes([(name, p, rows_of(p, k) if k else []) for name, p, k in children[page]])
            return self._page(page, titles[page], header, content)
        if self.key == "jianghan" and page == "/ztzl/":
            rows = topic_rows("www.wuhan.gov.cn", "2025zt", date(2025, 11, 20), 6, 2_880_000)
            return self._page(page, "专题专栏", header, topic_list(rows, 2))
        if self.key == "tjj" and page == "/tjsj/fbrl/":
            return self._page(page, "发布日历", header, calendar("/tjsj/fbrl/", query, date(2025, 11, 1)))
        return None

    def _page(self, path: str, name: str, header: str, content: str) -> str:
        body = f'<div class="main">\n{self._position(path, name)}{content}</div>\n'
        return self._shell(f"{name}-{self.site_name}", header, body)
