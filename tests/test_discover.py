"""Discovery's pure parts (``govnews/discover/``), on the mirrors' own pages: which links a
page offers, which pages are list pages and what they call their column, the walk (driven
here by the mirrors' models directly, no HTTP), and the site table's ready entry.

Truth is the mirrors' ``real_columns()``, written from their models (``tests/mirror/``),
never by running the discoverer.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree

from govnews.crawl.arguments import ArgumentError, CrawlArguments, DiscoverArguments
from govnews.discover.links import is_more_text, page_links
from govnews.discover.pages import choose_name, read_page
from govnews.discover.report import DiscoveryReport, render_text
from govnews.discover.table import render_site_row, site_identity, table_columns
from govnews.discover.walk import Discovery, Limits, page_key
from govnews.extract.article import parse_article_page
from govnews.extract.html import parse_html
from govnews.sites import family
from govnews.sites.site import Column, Site, title_suffix_re
from tests.mirror.family import FamilyModel
from tests.mirror.navigation import WWW_NAV_COLUMNS
from tests.mirror.other_sites import HostileSite, PlainSite
from tests.mirror.site import MirrorResponse, MirrorSite

BASE = "http://127.0.0.1:8000"
NETLOCS = frozenset({"127.0.0.1:8000"})


class Renders(Protocol):
    def __call__(self, path: str) -> MirrorResponse: ...


@pytest.fixture(scope="module")
def www() -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0)


@pytest.fixture(scope="module")
def family_model() -> FamilyModel:
    return FamilyModel(seed=0, navigation=True)


def served(site: MirrorSite) -> Renders:
    """The site's pages as served on :data:`BASE` (absolute same-host links name its host)."""

    def render(path: str) -> MirrorResponse:
        return site.render(path, host=urlsplit(BASE).netloc)

    return render


def read(render: Renders, path: str) -> Any:
    response = render(path)
    assert response.status == 200, path
    return read_page(parse_html(response.body.decode("utf-8"), BASE + path), BASE + path, NETLOCS)


# -- the mirror's navigation --------------------------------------------------------------

WWW_NAVIGATION_PAGES = ("/", "/zwgk/", "/zwgk/xxgk/", "/zwgk/xxgk/zfwj/", "/ztzl/", "/hdjl/", "/hdjl/hdrl/",
                        "/hdjl/hdrl/?date=2019-12", "/hdjl/hdrl/?date=nonsense")  # fmt: skip
FAMILY_NAVIGATION_PAGES = {
    "jianghan": ("/", "/xwzx/", "/zwgk/", "/ztzl/"),
    "tjj": ("/", "/tjsj/", "/tjsj/fbrl/", "/tjsj/fbrl/?date=2025-02-30"),
}


def test_the_mirror_s_navigation_pages_are_well_formed_and_its_columns_serve(
    www: MirrorSite, family_model: FamilyModel
) -> None:
    strict = etree.HTMLParser(recover=False)
    for path in (*WWW_NAVIGATION_PAGES, *(page for c in WWW_NAV_COLUMNS for page in (c.path, c.path + "index.shtml"))):
        response = www.render(path)
        assert response.status == 200, path
        etree.fromstring(response.body, strict)
    for article in www.navigation.articles:
        assert www.render(article.path).status == 200
    for key, pages in FAMILY_NAVIGATION_PAGES.items():
        for path in pages + tuple(c for c, _ in family_model.real_columns(key)):
            response = family_model.render(key, path)
            assert response.status == 200, (key, path)
            etree.fromstring(response.body, strict)
    # Off, the family is as it was: no navigation page, no navigation column.
    plain = FamilyModel(seed=0)
    assert plain.render("jianghan", "/xwzx/").status == 404
    assert plain.real_columns("jianghan") == [(c.path, c.name) for c in plain.spec("jianghan").columns]


# -- links -----------------------------------------------------------------------------

LINK_CASES = [
    ('<a href="/zwgk/">政务公开</a>', [("/zwgk/", "政务公开", "a")]),
    ('<a href="./kwh/" title="媒体看武汉"><img src="x.png"></a>', [("/sy/kwh/", "媒体看武汉", "a")]),
    ('<div class="hd"><h3>通知公告</h3><a href="/zwgk/tzgg/">更多&gt;&gt;</a></div>',
     [("/zwgk/tzgg/", "通知公告", "a")]),
    ('<div class="box"><span class="tit">部门动态</span><p><a href="/sy/bmdt/">MORE +</a></p></div>',
     [("/sy/bmdt/", "部门动态", "a")]),
    ('<ul><li data-url="./gfxwj/index.shtml">规范性文件</li></ul>',
     [("/sy/gfxwj/index.shtml", "规范性文件", "attribute")]),
    ('<li data-src="/xwzx/bmdt/index.shtml">部门动态</li>', [("/xwzx/bmdt/index.shtml", "部门动态", "attribute")]),
    ('<span onclick="location.href=\'/hdjl/\'">互动交流</span>', [("/hdjl/", "互动交流", "attribute")]),
    ('<iframe src="/sy/whyw/index.shtml"></iframe>', [("/sy/whyw/index.shtml", None, "attribute")]),
    ('<select onchange="window.open(this.value)"><option value="">区政府网站</option>'
     '<option value="http://www.hanyang.gov.cn/">汉阳区</option></select>', [("/", "汉阳区", "attribute")]),
    ('<script>var menus = [{name: "政务公开", url: "/zwgk/"}, {url: "/xwfb/", name: "新闻发布"}];</script>',
     [("/zwgk/", "政务公开", "script"), ("/xwfb/", "新闻发布", "script")]),
    ("<script>document.write('<a href=\"/ztzl/\">专题专栏</a>');</script>", [("/ztzl/", "专题专栏", "script")]),
    ("<script>navWidget('#n', [{ title: '统计数据', link: '/tjsj/' }]);</script>", [("/tjsj/", "统计数据", "script")]),
    ('<script>$("#p").load("./bgtwj/index.shtml .articleList");</script>', [("/sy/bgtwj/index.shtml", None, "script")]),
    # What is no link: a script-built href, an image's lazy source, a template binding, unsafe schemes.
    ("<script>document.write('<a href=\"' + menus[i].url + '\">');</script>", []),
    ('<img data-src="/images/big.jpg"><a :href="item.url">{{item.title}}</a>', []),
    ('<a href="javascript:void(0)">无障碍</a><a href="mailto:a@b.cn">信箱</a><a href="#top">顶部</a>', []),
]  # fmt: skip


@pytest.mark.parametrize(("html", "expected"), LINK_CASES)
def test_page_links_reads_every_form_of_navigation(html: str, expected: list[tuple[str, str | None, str]]) -> None:
    links = page_links(parse_html(html).root, BASE + "/sy/index.shtml")
    assert [(urlsplit(link.url).path, link.text, link.via) for link in links] == expected


@pytest.mark.parametrize(
    ("text", "more"),
    [("更多", True), ("更多>>", True), ("查看更多 »", True), ("MORE +", True), (">>", True), ("更多新闻", True),
     ("通知公告", False), ("更多精彩专题活动", False), (None, False)],
)  # fmt: skip
def test_more_links_are_recognised_by_what_they_say(text: str | None, more: bool) -> None:
    assert is_more_text(text) is more


# -- pages -----------------------------------------------------------------------------


def test_every_real_column_of_www_is_a_list_page_of_its_own_path_and_named_right(www: MirrorSite) -> None:
    for path, name in www.real_columns():
        reading = read(served(www), path)
        assert reading.listing is not None, (path, reading.not_a_list)
        assert reading.listing.path == path
        rows = reading.listing.rows
        assert sum(1 for row in rows if row.date) * 2 >= len(rows)  # some mirror rows carry no date
        chosen = choose_name(list(reading.names))
        assert chosen is not None and chosen.value == name, (path, reading.names)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/", "rows of other columns"),  # a block of 通知公告 rows, another of 部门动态
        ("/zwgk/", "rows of other columns"),  # a column holding only sub-columns, with their rows
        ("/zwgk/xxgk/", "rows of other columns"),
        ("/zwgk/xxgk/zfwj/", "no article rows"),  # tabs whose panes load the sub-columns
        ("/ztzl/", "lead to other hosts"),  # a special topic: dated rows and a pager, all off-site
        ("/hdjl/hdrl/", "no article rows"),  # the calendar
    ],
)
def test_navigation_pages_of_www_are_no_list_pages(www: MirrorSite, path: str, reason: str) -> None:
    reading = read(served(www), path)
    assert reading.listing is None
    assert reason in (reading.not_a_list or "")


def test_names_come_from_column_name_breadcrumb_and_title_in_that_order(www: MirrorSite) -> None:
    sources = {path: choose_name(list(read(served(www), path).names)) for path, _ in www.real_columns()}
    by_path = {c.path: c for c in WWW_NAV_COLUMNS}
    assert sources["/xwfb/"] is not None and sources["/xwfb/"].source == "title"  # no ColumnName, no breadcrumb
    assert sources["/zwgk/xxgk/ghjh/"] is not None and sources["/zwgk/xxgk/ghjh/"].source == "breadcrumb"
    assert not by_path["/zwgk/xxgk/ghjh/"].column_name_meta
    assert {s.source for p, s in sources.items() if s and p not in ("/xwfb/", "/zwgk/xxgk/ghjh/")} == {"ColumnName"}


def test_every_real_column_of_the_family_sites_is_a_list_page(family_model: FamilyModel) -> None:
    for key in ("jianghan", "tjj"):
        for path, name in family_model.real_columns(key):
            reading = read(lambda p, key=key: family_model.render(key, p), path)
            assert reading.listing is not None and reading.listing.path == path, (key, path)
            chosen = choose_name(list(reading.names))
            assert chosen is not None and chosen.value == name


def test_a_page_of_another_publishing_system_shows_no_mark_of_it() -> None:
    reading = read(PlainSite().render, "/")
    assert reading.marks == ()
    assert reading.listing is None


# -- the walk, driven by a model -------------------------------------------------------


def simulate(
    render: Renders,
    limits: Limits,
    *,
    starts: tuple[str, ...] = ("/",),
    disallowed: tuple[str, ...] = ("/private/",),
    in_flight: int = 2,
) -> tuple[Discovery, list[str]]:
    """What the probe spider's discover mode does, with the model's ``render`` for the network.
    Returns the walk and the paths asked for (robots.txt aside)."""
    walk = Discovery(
        BASE, NETLOCS, limits, starts=starts, robots_requests=1, family_domains=frozenset({"wuhan.gov.cn"})
    )
    asked: list[str] = []
    while fetches := walk.next_fetches(in_flight - walk.in_flight):
        for fetch in fetches:
            parts = urlsplit(fetch.url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            asked.append(path)
            if parts.path.startswith(disallowed):
                walk.failed(fetch, "robots_txt")
                continue
            response = render(path)
            text = response.body.decode("utf-8", "replace")
            if 300 <= response.status < 400:
                walk.redirected(fetch, urljoin(fetch.url, response.headers["Location"]))
            elif response.status != 200:
                walk.failed(fetch, f"http_{response.status}")
            elif fetch.kind == "sample":
                article = parse_article_page(parse_html(text, fetch.url), fetch.url, re.compile("$^"))
                walk.sample_read(fetch, article.body_found, article.body_container)
            else:
                walk.page_read(fetch, read_page(parse_html(text, fetch.url), fetch.url, NETLOCS))
    assert walk.in_flight == 0
    return walk, asked


def report_of(walk: Discovery) -> DiscoveryReport:
    return walk.report({}, site_label="test")


def test_the_walk_finds_every_real_column_of_www_and_nothing_else(www: MirrorSite) -> None:
    walk, asked = simulate(served(www), Limits(budget=150, depth=4))
    report = report_of(walk)
    assert {c.path: c.name for c in report.columns} == dict(www.real_columns())
    assert len(asked) + 1 <= 150
    assert not [p for p in asked if "?" in p]  # the calendar and the search are never asked for
    assert {c.body for c in report.columns} == {"containers", "fallback"}
    assert [c.path for c in report.columns if c.body == "fallback"] == ["/zwgk/xxgk/ghjh/"]
    assert not report.budget_spent and not report.unexplored


def test_the_walk_finds_every_real_column_of_the_family_sites(family_model: FamilyModel) -> None:
    for key in ("jianghan", "tjj"):
        walk, _ = simulate(lambda p, key=key: family_model.render(key, p), Limits(budget=150, depth=4))
        assert {c.path: c.name for c in report_of(walk).columns} == dict(family_model.real_columns(key)), key


@pytest.mark.parametrize("budget", [2, 3, 5, 8, 13, 21, 34])
def test_the_budget_is_never_exceeded_and_what_is_left_is_said(www: MirrorSite, budget: int) -> None:
    walk, asked = simulate(served(www), Limits(budget=budget, depth=4), in_flight=4)
    assert len(asked) + 1 <= budget  # robots.txt is one of them
    report = report_of(walk)
    assert report.budget_spent
    text = render_text(report)
    assert f"the budget of {budget} requests ran out" in text
    assert f"-a budget={2 * budget}" in text and "-a start=/" in text
    # A column's sample goes before any further page: only columns found by the pages
    # in flight when the budget ran out may lack one.
    assert sum(1 for c in report.columns if c.body == "not read") <= 4


def test_a_start_path_maps_the_columns_below_it(www: MirrorSite) -> None:
    walk, _ = simulate(served(www), Limits(budget=150, depth=2), starts=("/zwgk/xxgk/",))
    found = {c.path for c in report_of(walk).columns}
    assert {"/zwgk/xxgk/zcjd/", "/zwgk/xxgk/ghjh/", "/zwgk/xxgk/zfwj/bgtwj/", "/zwgk/xxgk/zfwj/szfwj/"} <= found


def test_links_beyond_the_depth_are_listed_not_followed(www: MirrorSite) -> None:
    walk, asked = simulate(served(www), Limits(budget=150, depth=1))
    report = report_of(walk)
    assert "/zwgk/xxgk/" in report.too_deep  # two clicks from home: 政务公开, then 信息公开
    assert "/zwgk/xxgk/" not in asked
    assert "-a depth=2 follows them" in render_text(report)


def test_a_hostile_home_page_ends_within_the_budget_and_says_what_it_skipped() -> None:
    site = HostileSite()
    walk, asked = simulate(site.render, Limits(budget=40, depth=4), in_flight=4)
    report = report_of(walk)
    assert len(asked) + 1 <= 40
    assert [c.path for c in report.columns] == ["/news/"]  # linked after 3,000 farm links
    reasons = {note.reason for note in report.skipped}
    assert {"query", "farm"} <= reasons
    assert not [p for p in asked if "?" in p]
    # Each level of the farm is a shape of its own: a few pages each (those in flight when
    # the shape is left included), down to the depth limit.
    limits, in_flight = Limits(40, 4), 4
    assert len([p for p in asked if p.startswith("/farm/")]) <= (limits.shape_misses + in_flight) * limits.depth
    assert "skipped:" in render_text(report)


def test_another_publishing_system_is_unsupported_after_a_first_look() -> None:
    walk, asked = simulate(PlainSite().render, Limits(budget=150, depth=4))
    assert walk.stopped is not None and walk.stopped.startswith("unsupported:")
    assert len(asked) <= Limits(150, 4).first_look + 1
    text = render_text(report_of(walk))
    assert text.count("\n") == 0 and "unsupported" in text


def test_page_keys_fold_a_directory_its_index_and_its_pager_pages() -> None:
    assert {page_key(p) for p in ("/a/", "/a/index.shtml", "/a/index_2.shtml", "/a/index.html", "/a")} == {"/a/"}


# -- the table entry --------------------------------------------------------------------


def table_namespace() -> dict[str, Any]:
    return {"Site": Site, "Column": Column, "title_suffix_re": title_suffix_re}


def evaluate_row(text: str) -> Site:
    """The entry as the table's module would read it: a tuple element."""
    site = eval("(\n" + text + "\n)[0]", table_namespace())
    assert isinstance(site, Site)
    return site


def test_the_entry_for_a_new_host_is_a_row_of_its_own(www: MirrorSite) -> None:
    walk, _ = simulate(served(www), Limits(budget=150, depth=4))
    identity = site_identity("http://www.hanyang.gov.cn", family.SITES_BY_KEY["wuhan"], family.SITES)
    report = dataclasses.replace(
        walk.report(table_columns(identity), site_label=identity.label()), base_url="http://www.hanyang.gov.cn"
    )
    site = evaluate_row(render_site_row(report, identity, table_file="govnews/sites/family.py", discovered_on="x"))
    assert (site.key, site.host, site.scheme) == ("hanyang", "www.hanyang.gov.cn", "http")
    assert {c.path: c.name for c in site.columns} == dict(www.real_columns())
    assert {c.name_confidence for c in site.columns} == {"discovered"}
    assert (site.host_confidence, site.columns_confidence, site.backend) == ("discovered", "discovered", "wuhan-trs")
    assert site.title_suffix.search("武汉要闻 - 武汉市人民政府门户网站")


def test_the_entry_for_a_row_keeps_what_the_row_confirmed(www: MirrorSite) -> None:
    walk, _ = simulate(served(www), Limits(budget=150, depth=4))
    identity = site_identity(BASE, family.SITES_BY_KEY["wuhan"], family.SITES)
    report = walk.report(table_columns(identity), site_label=identity.label())
    text = render_site_row(report, identity, table_file="govnews/sites/family.py", discovered_on="x")
    site = evaluate_row(text)
    row = family.SITES_BY_KEY["wuhan"]
    assert (site.key, site.host, site.aliases, site.default_sections) == (
        row.key,
        row.host,
        row.aliases,
        row.default_sections,
    )
    confidence = {c.path: c.name_confidence for c in site.columns}
    assert confidence["/sy/whyw/"] == "confirmed"  # confirmed in the table, same name on the site
    assert confidence["/sy/kwh/"] == "discovered"  # inferred in the table, now read from the site
    assert confidence["/sy/bmdt/"] == "discovered"  # new
    for path, name in report.table_missing:  # the table's columns the site did not show stay visible
        assert f"# not found by discovery: Column({path!r}, {name!r})".replace("'", '"') in text


# -- arguments ---------------------------------------------------------------------------

ARGUMENT_CASES: list[tuple[dict[str, str], str]] = [
    ({"discover": "1", "budget": "0"}, "budget='0' is not allowed; allowed: an integer from 2 to 2000"),
    ({"discover": "1", "budget": "abc"}, "budget='abc' is not allowed"),
    ({"discover": "1", "depth": "11"}, "depth='11' is not allowed; allowed: an integer from 1 to 10"),
    ({"discover": "1", "emit": "xml"}, "emit='xml' is not allowed; allowed: table"),
    ({"discover": "1", "start": "http://other.example/"}, "is not a path on the host"),
    ({"discover": "1", "start": "/a/../../etc/"}, "is not a path on the host"),
    ({"discover": "1", "sections": "sy/whyw"}, "sections is not used by discover=1"),
    ({"discover": "1", "probe": "0"}, "probe=0 and discover=1 contradict each other"),
    ({"budget": "40"}, "budget is an argument of discover=1; allowed: -a discover=1 -a budget=40"),
    ({"discover": "maybe"}, "discover='maybe' is not allowed; allowed: 1 or 0"),
]


@pytest.mark.parametrize(("kwargs", "message"), ARGUMENT_CASES)
def test_bad_discover_arguments_say_what_is_allowed(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ArgumentError, match=re.escape(message)):
        CrawlArguments.parse(dict(kwargs))


def test_discover_is_a_mode_of_the_probe() -> None:
    parsed = CrawlArguments.parse({"discover": "1", "budget": "60", "start": "zwgk/xxgk"})
    assert parsed.probe and not parsed.incremental
    assert parsed.discover == DiscoverArguments(budget=60, starts=("/zwgk/xxgk",))
    assert CrawlArguments.parse({}).discover is None
