"""Parsers of one page, on small pages written for each rule (kinds of markup)."""

from __future__ import annotations

from datetime import date

import pytest
from parsel import Selector

from govnews.extract.article import find_body, parse_article_page, read_info, read_meta
from govnews.extract.blocks import paragraphs_of, template_widgets, text_of
from govnews.extract.dates import choose_published, parse_datetime
from govnews.extract.listing import ListPage, parse_list_page, parse_pager
from govnews.sites.wuhan import (
    ARTICLE_PATH_RE,
    ARTICLE_URL_RE,
    DEFAULT_SECTIONS,
    SITE,
    TITLE_SUFFIX_RE,
)

URL = "https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424.shtml"


def article(body: str, head: str = "", outside: str = "") -> Selector:
    return Selector(text=f"<html><head>{head}</head><body>{outside}{body}</body></html>")


def body_paragraphs(inner: str, cls: str = "view TRS_UEDITOR trs_paper_default trs_web") -> list[str]:
    sel = article(f'<div class="{cls}">{inner}</div>')
    body = find_body(sel.root)
    assert body is not None
    return paragraphs_of(body, set(template_widgets(body)))


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("<p>&nbsp;&nbsp;第一段。</p><p>\u3000\u3000第二段。</p>", ["第一段。", "第二段。"]),
        ("<div>块一</div><div>块二</div>", ["块一", "块二"]),
        ("<p>行一<br>行二<br/><br>行三</p>", ["行一", "行二", "行三"]),
        ("<p>武<strong>汉</strong><span style='x'>市</span></p>", ["武汉市"]),
        ("<p>a \n\t b\u3000\u3000c</p>", ["a b c"]),
        ("<p>&nbsp;</p><p>\u3000</p><p>正文</p>", ["正文"]),
        ("<style>.TRS_Editor P{margin:0}</style><p>正文</p>", ["正文"]),
        ("<p>正文</p><script>var a = '不要';</script><!-- 注释 -->", ["正文"]),
        ("<h3>小标题</h3><p>正文</p>", ["小标题", "正文"]),
        ("<table><tr><td>甲</td><td>乙</td></tr></table>", ["甲", "乙"]),
        ("文字<p>段落</p>尾巴", ["文字", "段落", "尾巴"]),
        ("<p>可见</p><div style='display: none'>隐藏</div>", ["可见"]),
    ],
)
def test_body_paragraphs(inner: str, expected: list[str]) -> None:
    assert body_paragraphs(inner) == expected


def test_the_hot_list_widget_and_its_heading_contribute_nothing() -> None:
    inner = (
        "<p>正文。</p>"
        "<div class='hot'><h3>一周热门</h3><ul><li v-for='(item,index) in list'>"
        "<span>{{index+1}}</span><a :href='item.url'>{{item.title}}</a></li></ul></div>"
    )
    assert body_paragraphs(inner) == ["正文。"]


def test_a_template_widget_after_its_sibling_heading_takes_the_heading_along() -> None:
    inner = "<p>正文。</p><h4>一周热门</h4><ul><li>{{index+1}}{{item.title}}</li></ul>"
    assert body_paragraphs(inner) == ["正文。"]


def test_a_long_paragraph_before_a_widget_stays() -> None:
    inner = "<p>这是一段很长的正文，不是小标题。</p><ul><li>{{ item.time }}</li></ul>"
    assert body_paragraphs(inner) == ["这是一段很长的正文，不是小标题。"]


@pytest.mark.parametrize("cls", ["TRS_Editor", "view TRS_UEDITOR", "trs_editor", "article view"])
def test_body_container_classes(cls: str) -> None:
    assert body_paragraphs("<p>正文</p>", cls=cls) == ["正文"]


def test_class_tokens_not_substrings_pick_the_body() -> None:
    sel = article('<div class="preview">导航</div><div class="view">正文</div>')
    body = find_body(sel.root)
    assert body is not None and body.text_content() == "正文"


def test_first_visible_copy_of_a_body_printed_twice() -> None:
    sel = article('<div class="TRS_Editor"><p>一</p></div><div class="TRS_Editor" style="display:none"><p>一</p></div>')
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.paragraphs == ["一"]


def test_meta_tags_any_case_and_order_placeholders_dropped() -> None:
    head = (
        '<META content="2022-05-27 08:05" name="PubDate">'
        '<meta name="sitename" content="网站名称">'
        '<meta name="ContentSource" content=" 长江日报 ">'
        '<meta name="Keywords" content="">'
    )
    assert read_meta(article("", head=head)) == {"PubDate": "2022-05-27 08:05", "ContentSource": "长江日报"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("发布时间：2022-05-27 08:05 来源：长江日报", {"published": "2022-05-27 08:05", "source": "长江日报"}),
        ("来源: 武汉发布 | 作者: 张三 | 字号：大 中 小", {"source": "武汉发布", "author": "张三"}),
        ("【责任编辑：李四】", {"editor": "李四"}),
        ("数据来源说明", {}),
    ],
)
def test_info_bar_labels(line: str, expected: dict[str, str]) -> None:
    assert read_info([line]) == expected


def test_article_fields_and_fallback_order() -> None:
    sel = article(
        '<div class="TRS_Editor"><p>正文<img src="./W020220527.jpg" alt="图"><img src="/x.png"></p>'
        '<p><a href="./P020220527.docx">附件一</a></p></div>',
        head="<title>标题 - 武汉市人民政府门户网站</title>",
        outside="<div class='info'>发布时间：2022年05月27日 08:05</div>"
        "<div id='articleFJ'><a href='./P020220527001.pdf'>文件.pdf</a></div>",
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.title == "标题"
    assert page.date_candidates == [("page_text", "2022年05月27日 08:05")]
    assert page.source is None
    assert page.images == [
        {"url": "https://www.wuhan.gov.cn/sy/whyw/202205/W020220527.jpg", "alt": "图"},
        {"url": "https://www.wuhan.gov.cn/x.png", "alt": None},
    ]
    assert page.attachments == [
        {"url": "https://www.wuhan.gov.cn/sy/whyw/202205/P020220527001.pdf", "name": "文件.pdf"},
        {"url": "https://www.wuhan.gov.cn/sy/whyw/202205/P020220527.docx", "name": "附件一"},
    ]


def test_page_without_known_body_uses_the_density_fallback() -> None:
    long = "这是正文的一个很长的段落，足够长，像真正的新闻内容那样。"
    sel = article(f"<div class='nav'><a href='/'>首页</a></div><div class='content'><p>{long}</p><p>{long}二</p></div>")
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert not page.body_found
    assert page.paragraphs == [long, long + "二"]


def test_multi_page_article_lists_its_later_pages() -> None:
    sel = article(
        '<div class="TRS_Editor"><p>一</p><script>createPageHTML(3, 0, "t20220527_1979424", "shtml");</script></div>'
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.more_pages == [
        "https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424_1.shtml",
        "https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424_2.shtml",
    ]


@pytest.mark.parametrize(
    ("script", "form", "count"),
    [
        ('createPageHTML(7, 0, "index", "shtml");', "createPageHTML", 7),
        ("var currentPage = 0;//所在页从0开始\nvar countPage = 12//共多少页", "countPage", 12),
        ("var x = 1;", "none", None),
    ],
)
def test_pager_forms(script: str, form: str, count: int | None) -> None:
    pager = parse_pager(script)
    assert (pager.form, pager.page_count) == (form, count)


def test_list_rows_resolve_hrefs_and_read_both_date_forms() -> None:
    sel = Selector(
        text="""<div class="articleList"><ul>
        <li><a href="./202205/t20220527_2.shtml" title="完整标题">截断…</a><span class="time">2022-05-27</span></li>
        <li><a href="/sy/whyw/202205/t20220526_1.shtml">2021年工作</a><span>2022年05月26日</span></li>
        <li><a href="javascript:void(0)">无</a><span>2022-05-25</span></li>
        </ul></div>"""
    )
    page = parse_list_page(sel, "https://www.wuhan.gov.cn/sy/whyw/index.shtml", ARTICLE_URL_RE)
    assert (page.row_form, page.in_article_list) == ("li", True)
    assert [(r.url, r.title, r.date) for r in page.rows] == [
        ("https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_2.shtml", "完整标题", "2022-05-27"),
        ("https://www.wuhan.gov.cn/sy/whyw/202205/t20220526_1.shtml", "2021年工作", "2022-05-26"),
    ]


def test_script_written_rows() -> None:
    sel = Selector(
        text="""<ul><script>
        url = "./202003/t20200316_973960.shtml"; title = "关于\\"某事\\"的通知";
        var FILENUM= "武政〔2020〕5号"; document.writeln("2020-03-16");
        </script><script>var dUrl = './202405/t20240501_123.shtml'; var dTitle = '规章';
        var dRN = '（2024年5月1日市人民政府令第1号公布）'; var dCon = '<p>…</p>';</script></ul>"""
    )
    page = parse_list_page(sel, "https://www.wuhan.gov.cn/zwgk/xxgk/zfwj/szfwj/", ARTICLE_URL_RE)
    assert page.row_form == "script"
    assert [(r.url.rsplit("/", 2)[-2:], r.title, r.date) for r in page.rows] == [
        (["202003", "t20200316_973960.shtml"], '关于"某事"的通知', "2020-03-16"),
        (["202405", "t20240501_123.shtml"], "规章", "2024-05-01"),
    ]


def test_an_empty_article_list_ends_the_column_whatever_the_sidebar_links() -> None:
    sel = Selector(text='<div class="articleList"><ul></ul></div><a href="./202205/t20220527_9.shtml">侧栏</a>')
    assert parse_list_page(sel, "https://www.wuhan.gov.cn/sy/kwh/index_3.shtml", ARTICLE_URL_RE).rows == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-05-27 08:05:09", "2022-05-27T08:05:09+08:00"),
        ("2022年5月27日 8时5分", "2022-05-27T08:05:00+08:00"),
        ("2022.05.27", "2022-05-27"),
        ("2022-02-30", None),
        ("2022-05-27 25:99", "2022-05-27"),
        ("", None),
    ],
)
def test_dates(text: str, expected: str | None) -> None:
    assert parse_datetime(text) == expected


def test_a_placeholder_inside_prose_leaves_the_paragraph_to_the_residue_pipeline() -> None:
    inner = "<p>　　市民可通过{{ item.channel }}平台查询办理进度。</p><p>阅读次数{{ d.count }}</p>"
    assert body_paragraphs(inner) == ["市民可通过{{ item.channel }}平台查询办理进度。"]


def test_a_placeholder_after_an_inline_run_keeps_the_run() -> None:
    inner = "<p><span>市民可通过</span>{{ item.channel }}平台查询。</p>"
    assert body_paragraphs(inner) == ["市民可通过{{ item.channel }}平台查询。"]


def test_article_list_rows_that_are_not_list_items() -> None:
    sel = Selector(
        text="""<div class="articleList"><table>
        <tr><td><a href="./202205/t20220527_2.shtml">标题</a></td><td>2022-05-27</td></tr>
        </table></div><div class="side"><a href="./202205/t20220501_9.shtml">侧栏</a></div>"""
    )
    page = parse_list_page(sel, "https://www.wuhan.gov.cn/sy/whyw/index.shtml", ARTICLE_URL_RE)
    assert [(r.url.rsplit("/", 1)[1], r.title) for r in page.rows] == [("t20220527_2.shtml", "标题")]


def test_pager_with_an_element_id_first() -> None:
    pager = parse_pager("createPageHTML('page_div', 12, 3, 'index', 'shtml', 240);")
    assert (pager.form, pager.page_count, pager.current) == ("createPageHTML", 12, 3)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta name="ArticleTitle" content="{{article.title}}"><title>真标题--武汉市人民政府</title>', "真标题"),
        ("<title>真标题_武汉市人民政府门户网站</title>", "真标题"),
    ],
)
def test_unfilled_meta_titles_and_suffix_spellings(head: str, expected: str) -> None:
    page = parse_article_page(article('<div class="TRS_Editor"><p>正文</p></div>', head=head), URL, TITLE_SUFFIX_RE)
    assert page.title == expected


def test_the_longest_visible_view_wins_over_a_small_counter() -> None:
    sel = article('<span class="view">浏览 12</span><div class="view"><p>这才是正文，很长的一段。</p></div>')
    body = find_body(sel.root)
    assert body is not None and "正文" in text_of(body)


# --- Every form of SITE.md (list rows, body containers, policy header) --------------------
# Snippets written from SITE.md's quotes; the expected values are read off each snippet.

SZFWJ = "https://www.wuhan.gov.cn/zwgk/xxgk/zfwj/szfwj/"


def list_page(html: str, page_url: str = SZFWJ) -> ListPage:
    return parse_list_page(Selector(text=html), page_url, ARTICLE_URL_RE)


def test_script_rows_with_a_link_built_from_variables_before_the_date() -> None:
    # SITE.md "List pages", 市政府文件 and 规范性文件 [confirmed 2026]: url, title, FILENUM, the
    # link written from the variables, then the date with its time.
    page = list_page(
        """<div class="xxgk-list"><ul><script>
        var url = "./202602/t20260214_2730572.shtml";
        var title = "市人民政府关于印发武汉市城市更新实施办法的通知";
        var FILENUM = "武政规〔2026〕4号";
        document.writeln("<li><a href="+url+" target=_blank title='"+title+"'>"+title+"</a>");
        document.writeln("2026-02-14 17:32");
        document.writeln("</li>");
        </script><script>
        var url = "./202601/t20260109_2712345.shtml";
        var title = "市人民政府关于公布第二批历史建筑名录的通知";
        var FILENUM = "无";
        document.writeln("<li><a href="+url+" target=_blank>"+title+"</a>");
        document.writeln("2026-01-09 09:05");
        </script></ul></div>"""
    )
    assert page.row_form == "script"
    assert [(r.url, r.title, r.filenum, r.date, r.published_at, r.date_source) for r in page.rows] == [
        (
            SZFWJ + "202602/t20260214_2730572.shtml",
            "市人民政府关于印发武汉市城市更新实施办法的通知",
            "武政规〔2026〕4号",
            "2026-02-14",
            "2026-02-14T17:32:00+08:00",
            "script",
        ),
        (
            SZFWJ + "202601/t20260109_2712345.shtml",
            "市人民政府关于公布第二批历史建筑名录的通知",
            None,  # FILENUM "无": no 发文字号
            "2026-01-09",
            "2026-01-09T09:05:00+08:00",
            "script",
        ),
    ]
    assert page.date_sources == {"script": 2}


def test_a_string_built_from_variables_never_opens_a_row() -> None:
    # Only the string `href="+url+"`: no URL assignment at all, so no row.
    page = list_page('<ul><script>document.writeln("<a href="+url+" target=_blank>"+title+"</a>");</script></ul>')
    assert page.rows == []
    assert page.row_form == "none"


def test_a_script_row_title_assigned_twice_keeps_the_last_non_empty_value() -> None:
    page = list_page(
        """<script>
        var url = "./202602/t20260210_2729001.shtml";
        var title = "关于做好春节期间安全生产工作的…";
        title = "关于做好2026年春节期间安全生产工作的通知";
        title = "";
        var FILENUM = "武政办〔2026〕3号";
        document.writeln("<a href="+url+">"+title+"</a>");
        document.writeln("2026-02-10");
        </script>"""
    )
    (row,) = page.rows
    assert (row.title, row.filenum, row.date, row.published_at) == (
        "关于做好2026年春节期间安全生产工作的通知",
        "武政办〔2026〕3号",
        "2026-02-10",
        "2026-02-10",  # no time written
    )


def test_the_2021_script_rows_assign_without_var() -> None:
    # SITE.md: in 2021 the 武汉要闻 list itself was written by script (`url = "./…"`).
    page = list_page(
        """<div class="articleList"><ul><script>
        url = "./202103/t20210305_1644321.shtml"; title = "市委常委会召开会议";
        document.write("<li><a href='" + url + "'>" + title + "</a><span>2021-03-05</span></li>");
        document.write("2021-03-05");
        </script></ul></div>""",
        "https://www.wuhan.gov.cn/sy/whyw/",
    )
    assert page.row_form == "script"
    assert [(r.url, r.title, r.date) for r in page.rows] == [
        ("https://www.wuhan.gov.cn/sy/whyw/202103/t20210305_1644321.shtml", "市委常委会召开会议", "2021-03-05")
    ]


def test_government_rules_kept_in_variables() -> None:
    # SITE.md: 政府规章 keeps each document in dUrl, dTitle, dRN, dFN, dCon.
    page = list_page(
        """<script>
        var dUrl = './202405/t20240501_2401001.shtml'; var dTitle = '武汉市物业管理办法';
        var dRN = '（2024年5月1日市人民政府令第321号公布）'; var dFN = '市人民政府令第321号';
        var dCon = '<p>第一条 2023年12月1日起……</p>';
        </script>""",
        "https://www.wuhan.gov.cn/zwgk/xxgk/zfgz_new/",
    )
    assert page.row_form == "variables"
    assert [(r.url, r.title, r.filenum, r.date, r.date_source) for r in page.rows] == [
        (
            "https://www.wuhan.gov.cn/zwgk/xxgk/zfgz_new/202405/t20240501_2401001.shtml",
            "武汉市物业管理办法",
            "市人民政府令第321号",
            "2024-05-01",
            "variable",
        )
    ]


def test_a_regular_expression_with_a_quote_does_not_derail_the_script_reader() -> None:
    page = list_page(
        """<script>var clean = s.replace(/"/g, '').replace(/'/g, "");
        var url = "./202602/t20260201_2728000.shtml"; var title = "通知"; document.writeln("2026-02-01");</script>"""
    )
    assert [(r.title, r.date) for r in page.rows] == [("通知", "2026-02-01")]


def test_li_rows_with_a_date_and_time() -> None:
    page = list_page(
        """<div class="articleList"><ul>
        <li><a href="./202602/t20260214_2730580.shtml">全市优化营商环境大会召开</a>
            <span class="time">2026-02-14 17:32</span></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/sy/whyw/",
    )
    (row,) = page.rows
    assert (page.row_form, row.date, row.published_at, row.date_source) == (
        "li",
        "2026-02-14",
        "2026-02-14T17:32:00+08:00",
        "span.time",
    )


def test_a_span_time_holding_a_script_before_the_date() -> None:
    # SITE.md [confirmed on a www list in 2026]: script text is never date or title.
    page = list_page(
        """<div class="articleList"><ul>
        <li><a href="./202512/t20251204_2699001.shtml" target="_blank">关于2026年元旦放假的通知</a>
        <span class="time"><script>var fileNum = "";
            if (fileNum != "") { document.write(fileNum); }</script>2025年12月04日</span></li>
        <li><a href="./202512/t20251201_2698000.shtml">市政府规范性文件清理结果</a>
        <span class="time"><script>var fileNum = "武政规〔2025〕9号";
            document.write("2099-01-01");</script>2025年12月01日</span></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/zwgk/tzgg/",
    )
    assert [(r.title, r.date, r.date_source, r.filenum) for r in page.rows] == [
        ("关于2026年元旦放假的通知", "2025-12-04", "span.time", None),
        ("市政府规范性文件清理结果", "2025-12-01", "span.time", "武政规〔2025〕9号"),
    ]


def test_a_date_in_the_title_is_not_the_row_date() -> None:
    page = list_page(
        """<div class="articleList"><ul>
        <li><a href="./202205/t20220527_1979424.shtml">关于2022年5月27日起调整公交线路的通告</a></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/zwgk/tzgg/",
    )
    (row,) = page.rows
    assert (row.title, row.date, row.date_source) == ("关于2022年5月27日起调整公交线路的通告", None, None)
    assert page.date_sources == {"none": 1}


def test_table_rows_outside_the_article_list_with_the_date_in_the_next_cell() -> None:
    # SITE.md: a table list puts the link in one cell and the date in the next (the ordos list).
    page = list_page(
        """<table class="gl_list"><tbody>
        <tr><td><img src="ico.jpg"></td>
            <td><a href="./202009/t20200903_2748784.html">2019年政府信息公开工作年度报告</a></td>
            <td>2020-09-03</td></tr>
        <tr><td><img src="ico.jpg"></td><td><a href="./202005/t20200506_2633371.html">召开2020年度工作会议</a></td>
            <td>2020-05-06</td></tr>
        </tbody></table>
        <table><tr><td><a href="../xxgkzn/">信息公开指南</a></td></tr></table>""",
        "https://www.wuhan.gov.cn/zwgk/xxgk/zcjd/",
    )
    assert (page.row_form, page.in_article_list) == ("table", False)
    assert [(r.url.rsplit("/", 1)[1], r.title, r.date, r.date_source) for r in page.rows] == [
        ("t20200903_2748784.html", "2019年政府信息公开工作年度报告", "2020-09-03", "td"),
        ("t20200506_2633371.html", "召开2020年度工作会议", "2020-05-06", "td"),
    ]


@pytest.mark.parametrize(
    "html",
    [
        # one <dl> a row
        """<dl><dt><a href="./202301/t20230105_2100001.shtml">甲</a></dt><dd>2023-01-05</dd></dl>
        <dl><dt><a href="./202301/t20230104_2100000.shtml">乙</a></dt><dd>2023年01月04日</dd></dl>""",
        # one <dl>, rows of <dt> and <dd>
        """<dl><dt><a href="./202301/t20230105_2100001.shtml">甲</a></dt><dd>2023-01-05</dd>
        <dt><a href="./202301/t20230104_2100000.shtml">乙</a></dt><dd>2023年01月04日</dd></dl>""",
    ],
)
def test_dl_rows_with_the_date_in_a_dd(html: str) -> None:
    page = list_page(html, "https://www.wuhan.gov.cn/zjwh/whgk/")
    assert page.row_form == "dl"
    assert [(r.title, r.date, r.date_source) for r in page.rows] == [
        ("甲", "2023-01-05", "dd"),
        ("乙", "2023-01-04", "dd"),
    ]


def test_flat_links_each_dated_by_the_text_after_it() -> None:
    page = list_page(
        """<div class="list"><a href="./202301/t20230105_2100001.shtml">甲</a> 2023-01-05<br>
        <a href="./202301/t20230104_2100000.shtml">乙</a> <em>2023-01-04</em><br></div>""",
        "https://www.wuhan.gov.cn/zjwh/whgk/",
    )
    assert page.row_form == "links"
    assert [(r.title, r.date) for r in page.rows] == [("甲", "2023-01-05"), ("乙", "2023-01-04")]


def test_a_picture_link_and_a_text_link_of_one_row_are_one_row() -> None:
    page = list_page(
        """<div class="articleList"><ul><li><a href="./202301/t20230105_2100001.shtml"><img src="a.jpg"></a>
        <a href="./202301/t20230105_2100001.shtml">甲</a><span>2023-01-05</span></li></ul></div>""",
        "https://www.wuhan.gov.cn/zjwh/whgk/",
    )
    assert [(r.title, r.date) for r in page.rows] == [("甲", "2023-01-05")]


@pytest.mark.parametrize(
    ("cls", "token"),
    [
        ("trs_editor_view", "trs_editor_view"),
        ("view", "view"),
        ("TRS_UEDITOR trs_paper_default trs_web", "TRS_UEDITOR"),
        ("TRS_Editor", "TRS_Editor"),
    ],
)
def test_each_body_container_alone(cls: str, token: str) -> None:
    sel = article(f'<div class="nav">首页</div><div class="{cls}"><p>正文第一段。</p><p>正文第二段。</p></div>')
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert (page.body_found, page.body_selector, page.body_container) == (
        True,
        token,
        "div." + cls.split(maxsplit=1)[0],
    )
    assert page.paragraphs == ["正文第一段。", "正文第二段。"]


def test_several_body_tokens_on_one_element_are_one_container() -> None:
    # SITE.md: class="trs_editor_view TRS_UEDITOR …" (市政府文件, 2026), "view TRS_UEDITOR …" (武汉要闻).
    sel = article('<div class="trs_editor_view TRS_UEDITOR trs_paper_default"><p>正文。</p></div>')
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert (page.body_selector, page.body_container, page.paragraphs) == (
        "TRS_UEDITOR",
        "div.trs_editor_view.TRS_UEDITOR",
        ["正文。"],
    )


def test_nested_containers_the_outermost_holds_the_whole_body() -> None:
    sel = article(
        '<div class="trs_editor_view"><div class="TRS_UEDITOR"><p>第一段。</p></div><p>第二段在内层之外。</p></div>'
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert (page.body_container, page.paragraphs) == ("div.trs_editor_view", ["第一段。", "第二段在内层之外。"])


def test_a_trs_container_wins_over_a_view_wrapper_around_it() -> None:
    sel = article(
        '<div class="view"><div class="info">发布时间：2022-05-27 08:05</div>'
        '<div class="TRS_Editor"><p>正文。</p></div></div>'
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert (page.body_container, page.paragraphs) == ("div.TRS_Editor", ["正文。"])
    assert page.date_candidates == [("page_text", "2022-05-27 08:05")]


def test_a_print_copy_of_the_body_never_wins_over_the_first() -> None:
    sel = article(
        '<div class="TRS_UEDITOR" id="first"><p>正文。</p></div>'
        '<div style="display:none"><div class="TRS_UEDITOR" id="print"><p>正文。正文。正文。</p></div></div>'
        '<div class="TRS_UEDITOR" id="copy"><p>正文。</p></div>'
    )
    body = find_body(sel.root)
    assert body is not None and body.get("id") == "first"


def test_an_empty_trs_container_yields_to_a_view_body() -> None:
    # A TRS_Editor holding only a banner (the ordos page header) is not the body.
    sel = article('<div class="TRS_Editor"><embed src="top.swf"></div><div class="view"><p>正文。</p></div>')
    assert parse_article_page(sel, URL, TITLE_SUFFIX_RE).body_container == "div.view"


def test_a_bare_trs_editor_view_inside_div_content_with_its_date_in_inside_content() -> None:
    # SITE.md [confirmed on tjj]: no PubDate tag; 发布日期 in #inside-content.
    sel = article(
        '<div id="content"><div id="inside-content"><span>发布日期：2025-09-30 08:56:00</span>'
        "<span>来源：市统计局</span></div>"
        '<div class="trs_editor_view"><p>\u3000\u30001-8月全市规模以上工业增加值同比增长6.1%。</p></div></div>',
        head="<title>1-8月全市经济运行情况</title>",
    )
    page = parse_article_page(sel, "https://tjj.wuhan.gov.cn/xwzx/sjyw/202509/t20250930_2650001.shtml", TITLE_SUFFIX_RE)
    assert (page.body_found, page.body_selector, page.body_container) == (
        True,
        "trs_editor_view",
        "div.trs_editor_view",
    )
    # No ArticleTitle tag and no headline element: the <title> is used (less the site's parts,
    # none here); the body is no fallback.
    assert page.fallbacks == ["title", "title_strip"]
    assert page.paragraphs == ["1-8月全市规模以上工业增加值同比增长6.1%。"]
    assert page.date_candidates == [("page_text", "2025-09-30 08:56:00")]
    assert choose_published(page.date_candidates, date(2026, 1, 1))[:2] == ("2025-09-30T08:56:00+08:00", "page_text")
    assert page.source == "市统计局"


def test_the_policy_header_in_div_sub() -> None:
    # SITE.md [confirmed 2026]: div.sub, one <li>label：value</li> each; full-width or ASCII colon, spaces around.
    sel = article(
        '<div class="trs_editor_view TRS_UEDITOR"><p>各区人民政府，市人民政府各部门：</p></div>',
        outside="""<div class="sub"><ul>
        <li>索引号： K28044908/2026-04277</li>
        <li>发文机构：武汉市人民政府</li>
        <li>发文字号 : 武政规〔2026〕4号</li>
        <li>主题分类：城乡建设、环境保护</li>
        <li>成文日期：2026年02月10日</li>
        <li>发布日期：2026年02月14日</li>
        <li>有 效 性：有效</li>
        <li>体裁分类：通知</li>
        </ul></div>""",
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.meta == {
        "索引号": "K28044908/2026-04277",
        "发文机构": "武汉市人民政府",
        "发文字号": "武政规〔2026〕4号",
        "主题分类": "城乡建设、环境保护",
        "成文日期": "2026年02月10日",
        "发布日期": "2026年02月14日",
        "有效性": "有效",
        "体裁分类": "通知",  # not a known label, but a pair of the header list
    }
    assert page.date_candidates == [("page_text", "2026年02月14日")]


def test_a_label_cell_then_a_value_cell() -> None:
    sel = article(
        '<div class="TRS_UEDITOR"><p>正文。</p></div>',
        outside="<table><tr><td>索引号：</td><td>K28044908/2026-00001</td><td>发文字号：</td><td>武政〔2026〕1号</td></tr></table>",
    )
    assert parse_article_page(sel, URL, TITLE_SUFFIX_RE).meta == {
        "索引号": "K28044908/2026-00001",
        "发文字号": "武政〔2026〕1号",
    }


def test_an_info_bar_value_ends_at_the_next_label_of_any_name() -> None:
    assert read_info(["发布时间：2021-04-07 信息发布人：管理员"]) == {"published": "2021-04-07"}


def test_the_site_name_joined_to_the_title_goes() -> None:
    head = (
        '<meta name="SiteName" content="武汉市人民政府门户网站">'
        '<meta name="ArticleTitle" content="武汉市人民政府门户网站——市政府常务会议召开">'
    )
    page = parse_article_page(article('<div class="view"><p>正文。</p></div>', head=head), URL, TITLE_SUFFIX_RE)
    assert page.title == "市政府常务会议召开"


def test_the_new_columns_are_known_and_their_articles_have_the_article_shape() -> None:
    assert SITE.columns_by_path["/whyw/gqdt/"].name == "各区动态"
    assert SITE.columns_by_path["/zwgk/xxgk/zfwj/gfxwj/"].name == "规范性文件"
    assert "/whyw/gqdt/" not in DEFAULT_SECTIONS and "/zwgk/xxgk/zfwj/gfxwj/" not in DEFAULT_SECTIONS
    for section, path in [
        ("/whyw/gqdt/", "/whyw/gqdt/202602/t20260214_2730590.shtml"),
        ("/zwgk/xxgk/zfwj/gfxwj/", "/zwgk/xxgk/zfwj/gfxwj/202602/t20260214_2730572.shtml"),
    ]:
        match = ARTICLE_PATH_RE.match(path)
        assert match is not None and match.group("section") == section


def test_markup_and_script_rows_of_one_article_list_in_page_order() -> None:
    page = list_page(
        """<div class="articleList"><ul>
        <li><a href="./202602/t20260214_2730580.shtml">置顶：全市优化营商环境大会召开</a><span>2026-02-14</span></li>
        <script>var url = "./202602/t20260213_2730500.shtml"; var title = "脚本写的一行";
        document.writeln("<li><a href="+url+">"+title+"</a>"); document.writeln("2026-02-13 10:00");</script>
        <li><a href="./202602/t20260212_2730400.shtml">再一行</a><span>2026-02-12</span></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/sy/whyw/",
    )
    assert [(r.title, r.date, r.date_source) for r in page.rows] == [
        ("置顶：全市优化营商环境大会召开", "2026-02-14", "span"),
        ("脚本写的一行", "2026-02-13", "script"),
        ("再一行", "2026-02-12", "span"),
    ]
    assert (page.row_form, page.in_article_list) == ("li", True)


def test_a_document_number_cell_of_a_table_row_is_its_filenum() -> None:
    page = list_page(
        """<table><tr><td><a href="./202602/t20260214_2730572.shtml">关于印发武汉市城市更新实施办法的通知</a></td>
        <td>武政规〔2026〕4号</td><td>2026-02-14</td></tr>
        <tr><td><a href="./202601/t20260109_2712345.shtml">关于武政规〔2025〕9号文件的补充通知</a></td>
        <td>2026-01-09</td></tr></table>""",
    )
    assert [(r.filenum, r.date) for r in page.rows] == [("武政规〔2026〕4号", "2026-02-14"), (None, "2026-01-09")]


def test_a_policy_header_inside_the_body_is_meta_not_text() -> None:
    sel = article(
        """<div class="trs_editor_view TRS_UEDITOR"><div class="sub"><ul>
        <li>索引号：K28044908/2026-04277</li><li>发文字号：武政规〔2026〕4号</li><li>有效性：有效</li>
        </ul></div><p>各区人民政府，市人民政府各部门：</p><p>现将《办法》印发给你们，请认真贯彻执行。</p></div>"""
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.paragraphs == ["各区人民政府，市人民政府各部门：", "现将《办法》印发给你们，请认真贯彻执行。"]
    assert page.meta == {"索引号": "K28044908/2026-04277", "发文字号": "武政规〔2026〕4号", "有效性": "有效"}


def test_a_date_line_inside_the_body_is_a_date_not_text() -> None:
    sel = article('<div class="trs_editor_view"><p>发布日期：2025-09-30 08:56:00</p><p>正文第一段。</p></div>')
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert page.paragraphs == ["正文第一段。"]
    assert page.date_candidates == [("page_text", "2025-09-30 08:56:00")]


def test_script_rows_that_set_the_title_before_the_url_and_write_the_date_in_a_script_of_its_own() -> None:
    page = list_page(
        """<ul>
        <li><script>var title = "甲通知"; var url = "./202602/t20260214_2730572.shtml";
            document.writeln("<a href="+url+">"+title+"</a>");</script>
            <span class="time"><script>document.writeln("2026-02-14 17:32");</script></span></li>
        <li><script>var title = "乙通知"; var url = "./202602/t20260213_2730500.shtml";
            var deadline = "2026-03-01"; document.writeln("<a href="+url+">"+title+"</a>");</script>
            <span class="time"><script>document.writeln("2026-02-13");</script></span></li>
        </ul>"""
    )
    assert [(r.title, r.published_at, r.date_source) for r in page.rows] == [
        ("甲通知", "2026-02-14T17:32:00+08:00", "script"),
        ("乙通知", "2026-02-13", "script"),  # the written date wins over a variable's
    ]


def test_class_words_mark_a_date_holder_but_never_the_row_itself() -> None:
    page = list_page(
        """<div class="articleList"><ul>
        <li class="item-date"><a href="./202205/t20220527_1979424.shtml">2022年5月27日全市会议</a>
            <span class="list-pubDate">2022-05-26</span><span class="update">2022-01-01</span></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/sy/whyw/",
    )
    (row,) = page.rows
    assert (row.title, row.date, row.date_source) == ("2022年5月27日全市会议", "2022-05-26", "span.time")


def test_a_flat_rows_picture_and_title_links_are_one_row_but_a_repeated_row_stays() -> None:
    page = list_page(
        """<div class="list"><a href="./202301/t20230105_2100001.shtml"><img src="a.jpg"></a>
        <a href="./202301/t20230105_2100001.shtml">甲</a> 2023-01-05<br>
        <a href="./202301/t20230104_2100000.shtml">乙</a> 2023-01-04<br>
        <a href="./202301/t20230105_2100001.shtml">甲（置顶）</a> 2023-01-05<br></div>""",
        "https://www.wuhan.gov.cn/zjwh/whgk/",
    )
    # The spider follows a repeated row once and counts it (govnews/links/repeated).
    assert [(r.title, r.date) for r in page.rows] == [
        ("甲", "2023-01-05"),
        ("乙", "2023-01-04"),
        ("甲（置顶）", "2023-01-05"),
    ]


def test_a_policy_header_table_of_label_and_value_cells() -> None:
    sel = article(
        '<div class="TRS_UEDITOR"><p>正文。</p></div>',
        outside="""<table class="xxgk-table"><tbody>
        <tr><th>索引号：</th><td>MB1957806/2022-79306</td><th>发文机构：</th><td>武汉市人民政府</td></tr>
        <tr><th>发文字号：</th><td>武汉市人民政府令第207号</td><th>主题分类：</th><td>城乡建设、环境保护/城市规划</td></tr>
        </tbody></table>""",
    )
    assert parse_article_page(sel, URL, TITLE_SUFFIX_RE).meta == {
        "索引号": "MB1957806/2022-79306",
        "发文机构": "武汉市人民政府",
        "发文字号": "武汉市人民政府令第207号",
        "主题分类": "城乡建设、环境保护/城市规划",
    }


def test_an_info_bar_date_is_a_date_not_a_policy_header_pair() -> None:
    sel = article(
        '<div class="trs_editor_view"><p>正文。</p></div>',
        outside='<div id="inside-content"><p>发布日期：2022-05-31 17:06:23 来源：洪山区人民政府 作者：杨帆</p>'
        "<span>发布日期：2022-05-31 17:06:23</span></div>",
    )
    page = parse_article_page(sel, URL, TITLE_SUFFIX_RE)
    assert "发布日期" not in page.meta
    assert (page.source, page.author) == ("洪山区人民政府", "杨帆")
    assert page.date_candidates == [("page_text", "2022-05-31 17:06:23")]


def test_a_script_row_dated_by_the_markup_around_its_script() -> None:
    # The 2021 list: the script writes the link, the <li> keeps the date in a <span>.
    page = list_page(
        """<div class="articleList"><ul>
        <li><script type="text/javascript">url = "./202103/t20210305_1644321.shtml"; title = "市委常委会召开会议";
        document.write('<a href="' + url + '" target="_blank">' + title + '</a>');</script><span>2021-03-05</span></li>
        <li><script type="text/javascript">url = "./202103/t20210304_1644300.shtml"; title = "全市安全生产会议";
        document.write('<a href="' + url + '">' + title + '</a>');</script><span>2021-03-04 16:20</span></li>
        </ul></div>""",
        "https://www.wuhan.gov.cn/sy/whyw/",
    )
    assert page.row_form == "script"
    assert [(r.title, r.date, r.published_at, r.date_source) for r in page.rows] == [
        ("市委常委会召开会议", "2021-03-05", "2021-03-05", "span"),
        ("全市安全生产会议", "2021-03-04", "2021-03-04T16:20:00+08:00", "span"),
    ]
