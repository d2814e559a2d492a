"""The page of changes as HTML (issue 30), without a browser: escaped, self-contained, each
mark where the record puts it, the newest change first. The fast tier: no process, no server."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from govnews.changes import change_record, diff, revision_fields
from govnews.changes.page import render_page
from govnews.changes.render import chars_html

URL = "https://www.wuhan.gov.cn/zwgk/tzgg/202601/t20260105_1.shtml"


def edited(old: dict[str, Any], new: dict[str, Any], detected_at: str = "2026-12-07T01:02:03Z") -> dict[str, Any]:
    change = diff(revision_fields(old), revision_fields(new))
    assert change is not None
    return change_record(
        "edited",
        url=URL,
        site="www.wuhan.gov.cn",
        section_path="/zwgk/tzgg/",
        title=str(new["title"]),
        revision=2,
        previous_revision=1,
        detected_at=detected_at,
        diff=change,
    )


def state(kind: str, title: str, detected_at: str) -> dict[str, Any]:
    return change_record(
        kind,
        url=URL,
        site="www.wuhan.gov.cn",
        section_path="/zwgk/tzgg/",
        title=title,
        revision=2,
        previous_revision=None,
        detected_at=detected_at,
    )


def page_of(records: list[dict[str, Any]]) -> Any:
    text = render_page(records, title="变化", period="测试", column_names={"/zwgk/tzgg/": "通知公告"})
    return lxml_html.document_fromstring(text)


def test_the_site_text_is_text_never_markup() -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    old = {"title": "通知", "paragraphs": ["第一段。"]}
    new = {"title": hostile, "paragraphs": ["第一段。", hostile]}
    document = page_of([edited(old, new), state("withdrawn", hostile, "2026-12-08T00:00:00Z")])
    assert document.xpath("//script") == [] and document.xpath("//img") == []
    assert document.xpath("string(//section[@data-kind='withdrawn']//h2/a)") == hostile
    assert hostile in document.xpath("//section[@data-kind='edited']//ins/text()")


def test_each_mark_of_a_record_is_in_its_place() -> None:
    old = {
        "title": "关于做好防汛工作的通知",
        "paragraphs": ["请各单位做好准备。", "全市经济运行稳中向好。", "删去的一段。"],
        "document": {"validity": "有效", "in_force": True},
    }
    new = {
        "title": "关于做好防汛工作的通知",
        "paragraphs": ["请各单位做好准备。", "全市经济运行稳中有进。", "特此通知。"],
        "document": {"validity": "失效", "in_force": False},
    }
    record = edited(old, new)
    document = page_of([record])
    (section,) = document.xpath("//section[@data-kind='edited']")
    assert section.get("data-url") == URL and section.get("data-revision") == "2"
    row = section.xpath(".//tr[@data-field='document.validity']")[0]
    assert (row.xpath(".//del/text()"), row.xpath(".//ins/text()")) == (["有效"], ["失效"])
    (op,) = section.xpath(".//div[@data-op='replace']")
    assert op.get("data-at") == "1"
    assert (op.xpath(".//del/text()"), op.xpath(".//ins/text()")) == (["向好", "删去的一段"], ["有进", "特此通知"])
    assert "通知公告（/zwgk/tzgg/）" in section.xpath("string(.//p[@class='meta'])")


def test_newest_first_counted_by_kind_and_an_empty_page_says_so() -> None:
    records = [
        state("withdrawn", "甲", "2026-12-01T00:00:00Z"),
        state("restored", "甲", "2026-12-03T00:00:00Z"),
        state("unlisted", "乙", "2026-12-02T00:00:00Z"),
    ]
    document = page_of(records)
    assert [s.get("data-kind") for s in document.xpath("//section")] == ["restored", "unlisted", "withdrawn"]
    assert document.xpath("string(//p[@class='counts'])") == "撤下 1移出列表 1恢复 1"
    empty = page_of([])
    assert empty.xpath("//section") == [] and "此期间没有变化" in empty.xpath("string(//main)")


# Text as paragraphs hold it: no control character (the first pipeline removes them) and no
# newline (which joins the paragraphs of one operation, a <br>: tested below).
PARAGRAPH_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)


@given(st.lists(st.sampled_from(["equal", "insert", "delete", "replace"]), max_size=8), PARAGRAPH_TEXT)
def test_chars_show_every_character_of_both_texts(ops: list[str], text: str) -> None:
    """Whatever the pieces, the old text is what is neither inserted nor (for a replace) new, and
    the new text what is not deleted: the marks lose no character and make none up."""
    pieces = []
    for op in ops:
        old = "" if op == "insert" else text + "旧"
        new = "" if op == "delete" else (old if op == "equal" else text + "新")
        pieces.append({"op": op, "old": old, "new": new})
    fragment = lxml_html.fragment_fromstring(chars_html(pieces), create_parent="p")
    old_text = "".join(p["old"] for p in pieces)
    new_text = "".join(p["new"] for p in pieces)
    kept = [str(t) for t in fragment.xpath("text()")]
    deleted = [str(t) for t in fragment.xpath("del/text()")]
    inserted = [str(t) for t in fragment.xpath("ins/text()")]
    assert "".join(kept) == "".join(p["new"] for p in pieces if p["op"] == "equal")
    assert "".join(deleted) == "".join(p["old"] for p in pieces if p["op"] != "equal")
    assert "".join(inserted) == "".join(p["new"] for p in pieces if p["op"] != "equal")
    assert len(old_text) == len("".join(kept)) + len("".join(deleted))
    assert len(new_text) == len("".join(kept)) + len("".join(inserted))


def test_a_newline_between_paragraphs_is_a_line_break() -> None:
    assert chars_html([{"op": "insert", "old": "", "new": "甲\n乙"}]) == "<ins>甲<br>乙</ins>"
