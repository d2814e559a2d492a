"""Golden tests: the extractors on real pages of sister government sites.

The pages live in ``../shared/reference-pages/`` beside the checkout (CI has it; a user's
checkout does not, and these tests then skip). Every expected value below was written by
hand from reading the page's HTML source, never from the extractor's output; a comment
says where on the page each one is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from parsel import Selector

from govnews.extract.article import ArticlePage, parse_article_page
from govnews.extract.dates import choose_published
from govnews.extract.listing import ListPage, parse_list_page
from govnews.sites.wuhan import ARTICLE_URL_RE, TITLE_SUFFIX_RE

REFERENCE_PAGES = Path(__file__).resolve().parents[2] / "shared" / "reference-pages"
MEE = "mee_gov_cn_article_t20220417_974894__TRS_WCM.html"
BAODING = "baoding_gov_cn_article__Kira-yoshikage-d_spider-gov__SpaceVim_tmp.html"
ORDOS = "ordos_gov_cn_egb_list_page__taoqf_node-html-parser__test_tests_issues_69.html"

# sources.txt gives the mee page's URL. For the other two it names only the site
# (www.baoding.gov.cn; ordos.gov.cn, the 恩格贝 column 信息公开年报), so these stand in;
# only the resolution of relative links depends on them.
MEE_URL = "http://www.mee.gov.cn/ywdt/hjywnews/202204/t20220417_974894.shtml"
BAODING_URL = "http://www.baoding.gov.cn/"
ORDOS_URL = "http://www.ordos.gov.cn/egb/xxgk/xxgknb/"


def read_page(name: str) -> Selector:
    path = REFERENCE_PAGES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the reference pages live in ../shared/ beside the checkout (CI has them)")
    return Selector(text=path.read_text(encoding="utf-8"))


def article_at(name: str, url: str) -> ArticlePage:
    return parse_article_page(read_page(name), url, TITLE_SUFFIX_RE)


def test_mee_trs_article() -> None:
    page = article_at(MEE, MEE_URL)

    # <meta name="ArticleTitle" content="生态环境部一周要闻（4.10-4.16）"> (also h2.neiright_Title).
    assert (page.title, page.title_from) == ("生态环境部一周要闻（4.10-4.16）", "meta ArticleTitle")
    # <meta name="PubDate" content="2022-04-17 14:46:00">; the info bar's bare <span>2022-04-17</span>
    # carries no 发布时间 label, so it is no candidate.
    assert page.date_candidates == [("meta", "2022-04-17 14:46:00")]
    assert choose_published(page.date_candidates, date(2026, 1, 1))[0] == "2022-04-17T14:46:00+08:00"
    # <meta name="ContentSource" content="生态环境部"> (and "来源：生态环境部" in the info bar).
    assert page.source == "生态环境部"
    # <meta name="Author" content=""> is empty; the TRS extra <meta name="author" content="王丽平">
    # is the same name in another case (SITE.md: names match case-insensitively).
    assert page.author == "王丽平"
    assert page.editor is None

    # The body: <div class=TRS_Editor><div class="Custom_UnionStyle"> holding 28 <div> lines
    # (source lines 306-333), the first a bold heading, the last a paragraph ending in a link.
    assert (page.body_found, page.body_selector, page.body_container) == (True, "TRS_Editor", "div.TRS_Editor")
    assert len(page.paragraphs) == 28
    assert page.paragraphs[0] == "1.生态环境部召开部常务会议"
    # <div>　<b>　4.中央…</b></div>: an ideographic space on either side of the <b>.
    assert page.paragraphs[6] == "4.中央生态环境保护督察集中通报典型案例"
    # &gt;&gt;&gt; then <a>更多内容，点击阅读</a>, inline.
    assert page.paragraphs[-1] == (
        "近日，由生态环境部组织编写，收录生态环境部政务新媒体2021年发布重点信息的图书——"
        "《征程——@生态环境部在2021》出版发行。本书以时间为轴，选取了生态环境部政务新媒体2021年发布的"
        "148篇重点信息，真实记录了我国生态环境保护工作的进展，客观反映了全国生态环保人深入打好污染防治攻坚战的"
        "奋斗历程，展现了社会各界携手推进生态文明建设的生动场景。本书是生态环境部连续第五年出版的政务新媒体实录图书。"
        ">>>更多内容，点击阅读"
    )
    # No <img> in the body; its links all go to .shtml pages, none to a file.
    assert (page.images, page.attachments) == ([], [])
    # The <meta> block at the top of <head>: empty Keywords left out, lower-case description
    # and author matched to Description and Author.
    assert page.meta == {
        "SiteName": "中华人民共和国生态环境部",
        "SiteDomain": "www.mee.gov.cn",
        "SiteIDCode": "bm17000009",
        "ColumnName": "环境要闻",
        "ColumnType": "环境要闻",
        "ArticleTitle": "生态环境部一周要闻（4.10-4.16）",
        "PubDate": "2022-04-17 14:46:00",
        "ContentSource": "生态环境部",
        "Author": "王丽平",
        "Url": "http://www.mee.gov.cn/ywdt/hjywnews/202204/t20220417_974894.shtml",
        "Description": "中华人民共和国生态环境部",
    }


def test_baoding_non_trs_article_with_upper_case_meta_tags() -> None:
    page = article_at(BAODING, BAODING_URL)

    # <META content="保定市人民政府网——保定市统筹推动…" name="ArticleTitle">: the site's name joined to
    # the headline; the page's heading (table.sj_bt) shows the headline alone.
    assert page.title == "保定市统筹推动城市和产业转型升级 着力构建“医车电数游”五大优势产业集群"
    # <META content="2021-04-09 10:21" name="PubDate">, then table.sj_zy:
    # "发布时间：2021-04-07&nbsp;…&nbsp;信息发布人：管理员" (the value ends before the next label).
    assert page.date_candidates == [("meta", "2021-04-09 10:21"), ("page_text", "2021-04-07")]
    assert choose_published(page.date_candidates, date(2026, 1, 1))[0] == "2021-04-09T10:21:00+08:00"
    # <META content="保定市人民政府网" name="ContentSource">; no 作者 or 责任编辑 anywhere.
    assert (page.source, page.author, page.editor) == ("保定市人民政府网", None, None)

    # No TRS container: the text sits in <table class="sj_nr"><tr><td>, 16 <p>, one of them an image only.
    assert (page.body_found, page.body_selector, page.body_container) == (False, "fallback", "td")
    assert len(page.paragraphs) == 15
    assert page.paragraphs[0] == (
        "唐尧网讯（记者刘向真）4月7日，保定市召开新闻发布会，市工业和信息化局、市科技局各自结合实际工作，"
        "介绍全市优化招商引资环境情况。"
    )
    assert page.paragraphs[1:3] == ["发布会现场 刘向真 摄", "工业制造强势开局"]  # the caption, a sub-heading
    assert page.paragraphs[-1] == (
        "市科技局相关负责人表示，在招商引资工作上，市科技局将不断扩大招商引资的规模与力度，"
        "拓宽招商引资的深度与广度，为加快建设“创新型保定”提供强大源动力。"
    )
    # The second <p>: <img src="http://aliossty.tangyaotv.com/…" title="1.JPG" alt="1.JPG">.
    assert page.images == [
        {
            "url": "http://aliossty.tangyaotv.com/uploadimage/2021_4_7_17_33_11_600_1085.JPG"
            "?x-oss-process=style/waterlogo",
            "alt": "1.JPG",
        }
    ]
    assert page.attachments == []
    # The <META …> tags at the top, in their order; the meta keeps ArticleTitle as the page has it.
    assert page.meta == {
        "SiteName": "保定市人民政府网",
        "SiteDomain": "www.baoding.gov.cn",
        "SiteIDCode": "1306000033",
        "ColumnName": "政府新闻发布会",
        "ColumnDescription": "政府新闻发布会",
        "ColumnKeywords": "政府新闻发布会",
        "ColumnType": "政府新闻发布会",
        "ArticleTitle": "保定市人民政府网——保定市统筹推动城市和产业转型升级 着力构建“医车电数游”五大优势产业集群",
        "PubDate": "2021-04-09 10:21",
        "ContentSource": "保定市人民政府网",
    }


def test_ordos_table_list_page() -> None:
    page: ListPage = parse_list_page(read_page(ORDOS), ORDOS_URL, ARTICLE_URL_RE)

    # The script in td.page: var currentPage = 0; … var countPage = 2//共多少页.
    assert (page.pager.form, page.pager.page_count, page.pager.current) == ("countPage", 2, 0)
    # table.gl_list: one <tr> a row, the link in the second <td>, the date in the third.
    assert (page.row_form, page.in_article_list) == ("table", False)
    assert [(row.url, row.title, row.date, row.date_source) for row in page.rows] == [
        (f"{ORDOS_URL}202009/t20200903_2748784.html", "鄂尔多斯市2019年政府信息公开工作年度报告", "2020-09-03", "td"),
        (
            f"{ORDOS_URL}202005/t20200506_2633371.html",
            "恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议",
            "2020-05-06",
            "td",
        ),
        (
            f"{ORDOS_URL}202003/t20200311_2593126.html",
            "鄂尔多斯市人民政府办公室2019年政府信息公开工作年度报告",
            "2020-03-11",
            "td",
        ),
        (f"{ORDOS_URL}201906/t20190614_2389850.html", "恩格贝生态示范区召开目标责任制考核表彰大会", "2019-06-14", "td"),
        (f"{ORDOS_URL}201905/t20190530_2380968.html", "鄂尔多斯市2018年政府信息公开年度报告", "2019-05-30", "td"),
        (f"{ORDOS_URL}201905/t20190530_2380967.html", "内蒙古自治区2018年政府信息公开工作年度报告", "2019-05-30", "td"),
        # The cell's date (2018-03-26) is not the URL's (20181102): the row's cell is what counts.
        (
            f"{ORDOS_URL}201811/t20181102_2290635.html",
            "恩格贝生态示范区召开2018年度工作会议暨党风廉政建设会议",
            "2018-03-26",
            "td",
        ),
        (f"{ORDOS_URL}201811/t20181102_2290607.html", "恩格贝生态示范区：栽下梧桐引凤来", "2018-01-05", "td"),
        (f"{ORDOS_URL}201805/t20180525_2166460.html", "一图读懂示范区2017年重点工作", "2017-03-22", "td"),
        (f"{ORDOS_URL}201802/t20180205_2082017.html", "2016，恩格贝，精彩继续！", "2017-01-07", "td"),
    ]
    assert page.date_sources == {"td": 10}
    # The sidebar (../xxgkgd/ …) and the pager's index_1.html are no article links.
    assert all(row.filenum is None for row in page.rows)
