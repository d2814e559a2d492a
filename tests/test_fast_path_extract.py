"""Cases the one-walk extraction (issue 12) must read as the walk of every reader did."""

from __future__ import annotations

from govnews.extract.article import find_body
from govnews.extract.document import header_lists, label_openers, read_policy_header
from govnews.extract.html import parse_html


def test_a_body_under_a_hidden_ancestor_of_the_subtree_is_not_found() -> None:
    root = parse_html('<div style="display:none"><div id="x"><div class="view"><p>正文内容</p></div></div></div>').root
    subtree = root.find(".//div[@id='x']")
    assert subtree is not None
    assert find_body(subtree) is None


def test_of_nested_header_lists_the_outermost_counts_though_its_first_item_comes_later() -> None:
    # The inner list's items come first in the page; the outer list holds it.
    root = parse_html(
        '<div id="outer"><div><ul id="inner"><li>索引号：A</li><li>发文机构：B</li></ul></div>'
        "<p>主题分类：C</p><p>成文日期：D</p></div>"
    ).root
    lists = header_lists(root)
    assert [(c.get("id"), pairs) for c, pairs in lists] == [("outer", [("主题分类", "C"), ("成文日期", "D")])]


def test_header_lists_apart_come_in_page_order() -> None:
    root = parse_html(
        '<ul id="a"><li>有效性：有效</li><li>公开方式：主动公开</li></ul>'
        '<ul id="b"><li>索引号：K1</li><li>文号：武政〔2020〕1号</li></ul>'
    ).root
    assert [c.get("id") for c, _ in header_lists(root)] == ["a", "b"]


def test_a_page_without_a_known_label_has_no_openers_and_no_header() -> None:
    root = parse_html("<div><p>发布时间：2024-01-01</p><p>文章来源：长江日报</p></div>").root
    assert label_openers(root) == []
    assert read_policy_header(root, None) == {}


def test_a_label_spaced_out_across_elements_opens_its_cell() -> None:
    root = parse_html(
        "<table><tr><td> <b>\ufeff索 引</b> 号：</td><td>K28</td>"
        "<td>发文字号：</td><td>武政〔2024〕1号</td></tr></table>"
    ).root
    assert read_policy_header(root, None) == {"索引号": "K28", "发文字号": "武政〔2024〕1号"}


def test_a_comment_between_a_label_cell_and_its_value_is_passed_over() -> None:
    # A CMS template leaves comments between cells; the reader sees the label, then the value.
    root = parse_html(
        "<table><tr><td>索引号：</td><!-- 索引号 --><td>K28</td>"
        "<td>发文字号：</td><?cms field?><td>武政〔2024〕1号</td></tr></table>"
    ).root
    assert read_policy_header(root, None) == {"索引号": "K28", "发文字号": "武政〔2024〕1号"}
