"""Titles (docs/site.md, "Title"): the page's headline wins whenever ``<title>`` holds it;
only a page whose ``<title>`` holds none has the site's name cut off its ``<title>``.

Tables of real-looking forms through the whole article reader, the text rules alone,
property tests (any headline, dashes and subtitles included, joined to any site's name by
any separator, comes back whole), and the family mirror: its title forms that no row of
the table lists, read in process and crawled end to end by ``scrapy crawl family``, every
exported title equal to the headline the mirror's model wrote.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from govnews.extract.article import FAMILY_TITLE_SUFFIXES, parse_article_page
from govnews.extract.html import parse_html
from govnews.extract.title import (
    SEPARATOR_RE,
    SiteNames,
    choose_title,
    names_site,
    strip_site_parts,
    title_key,
)
from govnews.sites.family import SITES_BY_KEY
from tests.conftest import family_crawl_command, run_command
from tests.mirror.family import TITLE_FORMS, FamilyMirror, FamilyModel

URL = "http://www.jianghan.gov.cn/xwzx/tzgg/202405/t20240510_2700001.shtml"
JIANGHAN = SITES_BY_KEY["jianghan"].title_suffix
BODY = '<div class="trs_editor_view TRS_UEDITOR"><p>正文。</p></div>'


def read(head: str, above: str = "") -> tuple[str | None, str, list[str]]:
    html = f"<html><head>{head}</head><body>{above}{BODY}</body></html>"
    page = parse_article_page(parse_html(html, URL), URL, JIANGHAN)
    return page.title, page.title_from, page.fallbacks


# -- whole pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "above", "expected"),
    [
        # The form: the table lists 江汉区 and 武汉市江汉区人民政府, not 江汉区人民政府.
        ("<title>标题_江汉区人民政府</title>", "<h1>标题</h1>", ("标题", "<h1>")),
        ("<title>标题 - 武汉市人民政府门户网站</title>", "", ("标题", "<title>")),
        ("<title>标题|武昌区政府网</title>", "", ("标题", "<title>")),
        ("<title>标题 ｜ 江岸区人民政府</title>", "", ("标题", "<title>")),
        ("<title>标题–副标题 - 东湖高新区管委会</title>", "", ("标题–副标题", "<title>")),
        # A subtitle after ——, ending in a portal's name, is the headline's own.
        ("<title>标题——访江汉区人民政府</title>", "", ("标题——访江汉区人民政府", "<title>")),
        (
            "<title>标题——访江汉区人民政府</title>",
            "<h1>标题——访江汉区人民政府</h1>",
            ("标题——访江汉区人民政府", "<h1>"),
        ),
        ("<title>标题——访江汉区人民政府_江汉区人民政府</title>", "", ("标题——访江汉区人民政府", "<title>")),
        ("<title>标题——访青山区人民政府 - 青山区人民政府</title>", "", ("标题——访青山区人民政府", "<title>")),
        # After —— a name the site is known by goes: SiteName, the table, or an unmistakable ending.
        ("<title>标题——江汉区人民政府</title>", "", ("标题", "<title>")),
        ("<title>标题——汉阳区政府门户网站</title>", "", ("标题", "<title>")),
        # A dash inside a headline with nothing of the site after it.
        ("<title>2024-2025年度考核结果公示</title>", "", ("2024-2025年度考核结果公示", "<title>")),
        ("<title>武汉：春季招聘会举行 — 江汉区</title>", "", ("武汉：春季招聘会举行", "<title>")),
        # A <title> that only names the site: the headline element says the title, or nothing does.
        ("<title>江汉区人民政府</title>", "<h1>标题</h1>", ("标题", "<h1>")),
        ("<title>江汉区人民政府</title>", "", (None, "none")),
        ("<title> - 武汉市人民政府门户网站</title>", "<h1>\u3000</h1>", (None, "none")),
        # An <h1> holding the site's logo text is no headline; the styled title element is.
        (
            "<title>标题_江汉区人民政府</title>",
            '<div class="top"><h1>江汉区人民政府</h1></div><div class="article-title">标题</div>',
            ("标题", "headline"),
        ),
        ("<title>江汉区人民政府</title>", '<div class="top"><h1>江汉区人民政府</h1></div>', (None, "none")),
        # The site's name first (保定市人民政府网——{标题}).
        ("<title>武汉市人民政府门户网站——标题</title>", '<p class="con-title">标题</p>', ("标题", "headline")),
        # Styled title elements: class or id words naming a title.
        ("<title>标题_江汉区</title>", '<div id="xlbt">标题</div>', ("标题", "headline")),
        ("<title>标题_江汉区</title>", '<td class="biaoti"><font>标题</font></td>', ("标题", "headline")),
        ("<title>标题_江汉区</title>", '<span class="newsTitle">标题</span>', ("标题", "headline")),
        # Whitespace, full-width forms, line breaks and dashes differ between <title> and headline.
        ("<title>２０２４年工作要点—江汉区人民政府</title>", "<h1>2024年 工作要点</h1>", ("2024年 工作要点", "<h1>")),
        ("<title>标题副标题_江汉区人民政府</title>", "<h1>标题<br>副标题</h1>", ("标题 副标题", "<h1>")),
        (
            "<title>“两会”特刊——之一_江汉区</title>",
            '<div class="title">"两会"特刊--之一</div>',
            ('"两会"特刊--之一', "headline"),
        ),
        # A truncated <title> holds the start of the headline.
        (
            "<title>关于开展安全生产大检查…_江汉区人民政府</title>",
            "<h1>关于开展安全生产大检查的通知（第二批）</h1>",
            ("关于开展安全生产大检查的通知（第二批）", "<h1>"),
        ),
        # The headline with its subtitle in a wrapper wins over the <h1> holding its first line.
        (
            "<title>标题 副标题_江汉区人民政府</title>",
            '<div class="detail-title"><h1>标题</h1><h2>副标题</h2></div>',
            ("标题 副标题", "headline"),
        ),
        # The column's name between headline and site goes when the page names its column.
        (
            '<meta name="ColumnName" content="通知公告"><title>标题_通知公告_江汉区人民政府</title>',
            "",
            ("标题", "<title>"),
        ),
        # ArticleTitle: held by <title>, it wins; a placeholder is none.
        (
            '<meta name="ArticleTitle" content="招聘会举行"><title>招聘会举行_江汉区人民政府</title>',
            "",
            ("招聘会举行", "meta ArticleTitle"),
        ),
        ('<meta name="ArticleTitle" content="文章标题"><title>真标题_江汉区</title>', "", ("真标题", "<title>")),
        ('<meta name="ArticleTitle" content="招聘会举行">', "", ("招聘会举行", "meta ArticleTitle")),
        # Neither a hidden <h1> nor a related list's item is the headline.
        ("<title>标题_江汉区</title>", '<h1 style="display:none">别的</h1><h1>标题</h1>', ("标题", "<h1>")),
        (
            "<title>标题 - 江汉区人民政府</title>",
            '<ul class="related"><li class="title">标题</li></ul>',
            ("标题", "<title>"),
        ),
        # An unknown tail after a separator: the headline <title> opens with is the title.
        ("<title>标题 - 某某资讯</title>", "<h1>标题</h1>", ("标题", "<h1>")),
    ],
)
def test_title_forms(head: str, above: str, expected: tuple[str | None, str]) -> None:
    assert read(head, above)[:2] == expected


def test_the_strip_fallback_is_named_for_the_stats() -> None:
    assert read("<title>标题 - 江汉区人民政府</title>")[2] == ["title", "title_strip"]
    assert read("<title>标题_江汉区人民政府</title>", "<h1>标题</h1>")[2] == ["title"]
    assert read('<meta name="ArticleTitle" content="招聘会举行"><title>招聘会举行_江汉区</title>')[2] == []


# -- the text rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("标题_江汉区人民政府", "标题"),
        ("标题 - 武汉市人民政府门户网站", "标题"),
        ("标题|武昌区政府网", "标题"),
        ("标题 ｜ 江岸区人民政府", "标题"),
        ("标题–副标题 - 东湖高新区管委会", "标题–副标题"),
        ("标题 -- 武汉市统计局", "标题"),
        ("标题 - 江汉区 - 武汉市人民政府", "标题"),
        ("标题——访江汉区人民政府", "标题——访江汉区人民政府"),
        ("标题——访武汉市统计局", "标题——访武汉市统计局"),
        ("标题 - 数字政府", "标题 - 数字政府"),
        ("关于成立某某管理委员会", "关于成立某某管理委员会"),
        ("标题_关于成立某某管理委员会", "标题_关于成立某某管理委员会"),
        ("江汉区人民政府", "江汉区人民政府"),  # no separator: nothing to cut (choose_title drops it)
        ("- 江汉区人民政府", ""),
    ],
)
def test_strip_site_parts(title: str, expected: str) -> None:
    assert strip_site_parts(title, SiteNames(suffixes=FAMILY_TITLE_SUFFIXES)) == expected


def test_names_known_by_the_page_count_in_any_form() -> None:
    names = SiteNames(("洪山区人民政府门户网站", "通知公告"))
    assert names.known("洪山区人民政府") and names.known("武汉市洪山区政府网") and names.known("通知公告")
    assert not names.known("青山区人民政府") and not names.known("访洪山区人民政府")
    assert names_site("洪山区", names, after_subtitle_dash=True)
    assert not names_site("青山区人民政府", names, after_subtitle_dash=True)


def test_title_key_folds_what_a_headline_and_its_title_spell_differently() -> None:
    assert title_key("２０２４年 “两会”——特刊｜ＡＢ") == title_key('2024年"两会"--特刊|ab')
    assert title_key("标题\u200b\u3000副标题") == "标题副标题"


# -- properties ------------------------------------------------------------------------------

_WORD = st.text(
    alphabet=st.sampled_from(
        list("关于开展工作通知会议召开全市推进项目建设发展区人民政府网站门户管委局江汉武昌访2025年")
    ),
    min_size=1,
    max_size=8,
)
# What joins parts inside a headline: dashes, a subtitle's ——, a colon, a space.
_INNER = st.sampled_from(["", "——", "–", "-", "—", "：", " ", "｜"])
_SEPARATORS = ["_", "-", " - ", "–", " – ", "—", "——", " —— ", "|", " | ", "｜", " ｜ ", "--"]
# Names a site goes by: the table's (in forms it does not list), and portals of other sites.
_KNOWN_TAILS = [
    "江汉区",
    "江汉区人民政府",
    "武汉市江汉区政府网",
    "东湖高新区管委会",
    "武汉市统计局",
    "武汉市人民政府门户网站",
]
_OTHER_TAILS = ["青山区人民政府", "汉阳区政府网", "黄陂区人民政府门户网站", "武汉经开区管委会", "湖北省人民政府"]
_NAMES = SiteNames(suffixes=FAMILY_TITLE_SUFFIXES)


@st.composite
def headlines(draw: st.DrawFn) -> str:
    parts = [draw(_WORD)]
    for _ in range(draw(st.integers(0, 3))):
        parts += [draw(_INNER), draw(_WORD)]
    if draw(st.booleans()):
        parts.append("——访" + draw(st.sampled_from(_KNOWN_TAILS + _OTHER_TAILS)))
    headline = " ".join("".join(parts).split())
    assume(headline and not names_site(headline, _NAMES))  # a headline that is a site's name is none
    return headline


@given(headlines(), st.sampled_from(_SEPARATORS), st.sampled_from(_KNOWN_TAILS + _OTHER_TAILS), st.booleans())
def test_a_headline_the_title_holds_comes_back_whole(headline: str, separator: str, tail: str, meta: bool) -> None:
    source = "meta ArticleTitle" if meta else "<h1>"
    assert choose_title(headline + separator + tail, [(headline, source)], _NAMES) == (headline, source)
    # The logo <h1> beside it changes nothing.
    assert choose_title(headline + separator + tail, [(tail, "<h1>"), (headline, "headline")], _NAMES) == (
        headline,
        "headline",
    )


@given(headlines(), st.sampled_from(_SEPARATORS), st.sampled_from(_KNOWN_TAILS + _OTHER_TAILS))
def test_without_a_headline_the_sites_name_alone_is_cut(headline: str, separator: str, tail: str) -> None:
    # A headline none of whose parts names a site; after —— only a name the site is known by
    # (or an unmistakable ending) is cut, so a portal of another site there stays.
    assume(not any(names_site(part, _NAMES) for part in SEPARATOR_RE.split(headline)))
    subtitle_dash = "——" in separator
    cut = tail in _KNOWN_TAILS or not subtitle_dash or tail.endswith(("门户网站", "政府网"))
    expected = headline if cut else headline + separator + tail
    assert choose_title(headline + separator + tail, [], _NAMES) == (" ".join(expected.split()), "<title>")


# -- the family mirror -----------------------------------------------------------------------


def forms_in_no_table(model: FamilyModel) -> set[str]:
    """The title forms whose <title> no suffix of the table matches, for some article."""
    return {
        a.title_form.key
        for a in model.articles()
        if not any(suffix.search(a.page_title) for suffix in FAMILY_TITLE_SUFFIXES)
    }


def test_the_family_mirror_writes_title_forms_no_table_lists_and_headlines_with_dashes() -> None:
    model = FamilyModel(seed=0)
    assert len(forms_in_no_table(model)) >= 4
    dashed = [a for a in model.articles() if "——访" in a.title or "–" in a.title]
    assert any("——访" in a.title for a in dashed) and any("–" in a.title for a in dashed)
    page = model.render(dashed[0].spec.key, dashed[0].path).body.decode()
    assert f"<title>{dashed[0].page_title}</title>" in page


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_family_page_read_in_process_gives_the_headline_the_model_wrote(seed: int) -> None:
    model = FamilyModel(seed=seed)
    sources: Counter[tuple[str, str]] = Counter()
    for article in model.articles():
        url = "http://127.0.0.1:8000" + article.path
        html = model.render(article.spec.key, article.path).body.decode()
        page = parse_article_page(parse_html(html, url), url, SITES_BY_KEY[article.spec.key].title_suffix)
        assert page.title == article.title, (article.title_form.key, article.page_title)
        sources[(article.title_form.key, page.title_from)] += 1
    # Each form read the way it is written: the unmarked one alone by cutting <title>.
    assert {form for form, source in sources if source == "<title>"} == {"unmarked"}
    assert {form.key for form in TITLE_FORMS} == {form for form, _ in sources}


@pytest.mark.slow  # the family mirror's servers and a scrapy crawl: not the unit tier
def test_scrapy_crawl_family_exports_every_headline_the_mirror_wrote(tmp_path: Path) -> None:
    with FamilyMirror(seed=5) as mirror:
        proc = run_command(family_crawl_command(mirror, tmp_path, delay=0.02), timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        truth = mirror.model.expected_articles()
        forms = {(a.spec.key, a.path): a.title_form.key for a in mirror.model.articles()}
        exported: dict[tuple[str, str], str] = {}
        for feed in tmp_path.rglob("*.jsonl"):
            if feed.name == "runs.jsonl":
                continue
            for line in feed.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                port = int(item["url"].split(":")[2].split("/")[0])
                exported[(mirror.key_of_port(port), "/" + item["url"].split("/", 3)[3])] = item["title"]
    assert set(exported) == set(truth)
    assert {key: title for key, title in exported.items() if title != truth[key]["title"]} == {}
    assert len({forms[key] for key in exported}) == len(TITLE_FORMS)
    # The <title> fallback is counted, once for each page whose headline nothing marks.
    stripped = sum(int(n) for n in re.findall(r"'govnews/extract/fallback/title_strip': (\d+)", proc.stderr))
    assert stripped == sum(form == "unmarked" for form in forms.values())
