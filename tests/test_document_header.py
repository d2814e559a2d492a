"""The ``document`` object: one policy header, read the same in each form it stands in (a
``div.sub`` list, a table, plain lines, ``<meta>`` tags), each field the page's own or null."""

from __future__ import annotations

import json
import pkgutil
from typing import Any

import pytest
from parsel import Selector

from govnews.extract.article import parse_article_page
from govnews.extract.document import in_force, policy_document
from govnews.sites.wuhan import TITLE_SUFFIX_RE

# The document object's keys, in the order the feed writes them: the item schema's (what users read).
DOCUMENT_FIELDS = tuple(
    json.loads(pkgutil.get_data("govnews", "schema/article.schema.json") or b"")["properties"]["document"]["properties"]
)
URL = "https://www.wuhan.gov.cn/zwgk/xxgk/zfwj/gfxwj/202602/t20260214_2730572.shtml"
BODY = '<div class="TRS_UEDITOR"><p>各区人民政府，市人民政府各部门：</p><p>现将有关事项通知如下。</p></div>'
PAIRS = (
    ("索引号", "K28044908/2026-04277"),
    ("发文机构", "武汉市人民政府"),
    ("发文字号", "武政规〔2026〕4号"),
    ("主题分类", "城乡建设、环境保护"),
    ("成文日期", "2026年02月10日"),
    ("发布日期", "2026年02月14日"),
    ("有效性", "现行有效"),
)
DOCUMENT = {
    "index_no": "K28044908/2026-04277",
    "issuer": "武汉市人民政府",
    "doc_number": "武政规〔2026〕4号",
    "topic": "城乡建设、环境保护",
    "written_at": "2026-02-10",
    "published_at": "2026-02-14",
    "validity": "现行有效",
    "in_force": True,
}


def _sub() -> tuple[str, str]:
    items = "".join(f"<li>{label}： {value}</li>" for label, value in PAIRS)
    return "", f'<div class="sub"><ul>{items}</ul></div>'


def _table() -> tuple[str, str]:
    cells = [f"<th>{label}：</th><td>{value}</td>" for label, value in PAIRS]
    rows = "".join(f"<tr>{''.join(cells[k : k + 2])}</tr>" for k in range(0, len(cells), 2))
    return "", f'<table class="xxgk"><tbody>{rows}</tbody></table>'


def _lines() -> tuple[str, str]:
    lines = "<br>\n".join(f"{label}：{value}" for label, value in PAIRS)
    return "", f'<div class="attr">{lines}<br></div>'


def _spaced_lines() -> tuple[str, str]:
    # Labels spaced out to align a column, &nbsp; after the colon, a <p> around the lines.
    lines = "<br/>".join(f"{' '.join(label)}：&nbsp;{value}" for label, value in PAIRS)
    return "", f"<div><p>{lines}</p></div>"


def _meta() -> tuple[str, str]:
    return "".join(f'<meta name="{label}" content="{value}">' for label, value in PAIRS), ""


FORMS = {"div.sub": _sub, "table": _table, "plain lines": _lines, "spaced lines": _spaced_lines, "meta tags": _meta}


def page_of(head: str, outside: str, body: str = BODY) -> Any:
    sel = Selector(text=f"<html><head><title>通知</title>{head}</head><body>{outside}{body}</body></html>")
    return parse_article_page(sel, URL, TITLE_SUFFIX_RE)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_header_gives_the_same_pairs_and_document(form: str) -> None:
    page = page_of(*FORMS[form]())
    assert page.meta == dict(PAIRS)
    assert policy_document(page.meta) == DOCUMENT
    # The header is metadata, never body text.
    assert page.paragraphs == ["各区人民政府，市人民政府各部门：", "现将有关事项通知如下。"]


def test_a_news_page_has_no_document() -> None:
    page = page_of(
        '<meta name="SiteName" content="武汉市人民政府门户网站">', "<p>发布日期：2026-02-14 来源：长江日报</p>"
    )
    assert policy_document(page.meta) is None


def test_plain_lines_with_one_known_label_are_no_header() -> None:
    # An info bar of lines: 发布日期 alone is no policy header.
    page = page_of("", "<div>发布日期：2026-02-14<br>来源：长江日报<br>浏览次数：12</div>")
    assert not {"发布日期", "来源"} & set(page.meta)


def test_lines_inside_the_body_are_text_not_a_header() -> None:
    body = '<div class="TRS_UEDITOR"><p>索引号：正文里的字<br>有效性：正文</p><p>第二段。</p></div>'
    page = page_of("", "", body)
    assert policy_document(page.meta) is None
    assert page.paragraphs[-1] == "第二段。"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        # Absent fields are null, never guessed; the row's FILENUM alone makes a document.
        ({"发文字号": "武政〔2024〕3号"}, {"doc_number": "武政〔2024〕3号"}),
        # Other sites' names for the issuer and the number.
        (
            {"发布机构": "武汉市财政局", "文号": "武财规〔2025〕1号"},
            {"issuer": "武汉市财政局", "doc_number": "武财规〔2025〕1号"},
        ),
        # A date a person would read as one, in any of the usual forms; anything else is null.
        (
            {"成文日期": "2025-3-7", "发布日期": "2025/03/09 10:30"},
            {"written_at": "2025-03-07", "published_at": "2025-03-09"},
        ),
        ({"成文日期": "二〇二五年三月七日", "发布日期": "待定"}, {"validity": None}),
        # 无 where a number belongs is no number.
        ({"发文字号": "无", "有效性": "废止"}, {"validity": "废止", "in_force": False}),
    ],
)
def test_fields_are_the_pages_values_or_null(meta: dict[str, str], expected: dict[str, Any]) -> None:
    document = policy_document(meta)
    assert document is not None and tuple(document) == DOCUMENT_FIELDS
    assert document == {**dict.fromkeys(DOCUMENT_FIELDS), **expected}


@pytest.mark.parametrize(
    ("validity", "expected"),
    [
        ("有效", True),
        ("现行有效", True),
        (" 有 效 ", True),
        ("失效", False),
        ("废止", False),
        ("已废止", False),
        ("部分失效", None),
        ("已修改", None),
        ("尚未生效", None),
        ("", None),
        (None, None),
    ],
)
def test_in_force_says_true_false_or_nothing(validity: str | None, expected: bool | None) -> None:
    assert in_force(validity) is expected
