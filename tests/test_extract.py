"""Parsers of one page, on small pages written for each rule (kinds of markup)."""

from __future__ import annotations

import pytest
from parsel import Selector

from govnews.extract.article import find_body, parse_article_page, read_info, read_meta
from govnews.extract.blocks import paragraphs_of, template_widgets, text_of
from govnews.extract.dates import parse_datetime
from govnews.extract.listing import parse_list_page, parse_pager
from govnews.sites.wuhan import ARTICLE_URL_RE, TITLE_SUFFIX_RE

URL = "https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424.shtml"


def article(body: str, head: str = "", outside: str = "") -> Selector:
    return Selector(text=f"<html><head>{head}</head><body>{outside}{body}</body></html>")


def body_paragraphs(inner: str, cls: str = "view TRS_UEDITOR trs_paper_default trs_web") -> list[str]:
    sel = article(f'<div class="{cls}">{inner}</div>')
    body = find_body(sel)
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
    body = find_body(sel)
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
    assert page.row_source == "articleList"
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
    assert page.row_source == "script"
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
    body = find_body(sel)
    assert body is not None and "正文" in text_of(body)
