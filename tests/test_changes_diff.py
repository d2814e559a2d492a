"""govnews.changes: the fields a user diffs, the diff, the change record, the packed revision.

Every expected value is written by hand from issue 29's rules: ``at`` is the index in the
previous revision, an insert has ``old: []``, a delete ``new: []``, a replace adds ``chars``;
only fields a user diffs count; ``withdrawn``/``unlisted``/``restored`` keep the last
revision. In process, no I/O.
"""

from __future__ import annotations

import copy
import json
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from govnews.changes import change_record, change_schema, diff, pack, revision_digest, revision_fields, unpack
from tests.profiles import examples

URL = "https://www.wuhan.gov.cn/zwgk/tzgg/202606/t20260601_2650012.shtml"
PDF = "https://www.wuhan.gov.cn/zwgk/tzgg/202606/P020260601123456.pdf"
SHA_A = "a" * 64
SHA_B = "b" * 64
VALIDATOR = Draft202012Validator(change_schema())


def article(**changes: Any) -> dict[str, Any]:
    """An exported article line (article.schema.json) of a policy notice."""
    item: dict[str, Any] = {
        "url": URL,
        "site": "wuhan",
        "section": "通知公告",
        "section_path": "/zwgk/tzgg/",
        "title": "关于做好2026年防汛工作的通知",
        "published_at": "2026-06-01T09:30:00+08:00",
        "source": "武汉市人民政府办公厅",
        "author": None,
        "editor": "张明",
        "paragraphs": [
            "各区人民政府，市人民政府各部门：",
            "为进一步做好防汛工作，现将有关事项通知如下。",
            "一、各区要加强汛期巡查，落实责任。",
            "特此通知。",
        ],
        "images": [{"url": "https://www.wuhan.gov.cn/zwgk/tzgg/202606/W020260601123456789.jpg", "alt": "现场"}],
        "attachments": [{"url": PDF, "name": "防汛工作方案.pdf"}],
        "meta": {"SiteName": "武汉市人民政府", "有效性": "有效"},
        "document": {
            "index_no": "MB1957806/2026-00012",
            "issuer": "武汉市人民政府办公厅",
            "doc_number": "武政办〔2026〕12号",
            "topic": "综合政务",
            "written_at": "2026-05-28",
            "published_at": "2026-06-01",
            "validity": "有效",
            "in_force": True,
        },
        "crawled_at": "2026-06-02T01:00:00Z",
        "content_hash": "c" * 64,
        "cleaning": {"duplicate_paragraphs": 0, "template_placeholders": 0},
        "revision": 1,
        "duplicate_of": None,
    }
    item.update(changes)
    return item


def fields_of(**changes: Any) -> dict[str, Any]:
    return revision_fields(article(**changes))


def with_paragraphs(*paragraphs: str) -> dict[str, Any]:
    return fields_of(paragraphs=list(paragraphs))


NO_FILES: dict[str, list[Any]] = {"added": [], "removed": [], "replaced": [], "renamed": []}


# ---------------------------------------------------------------------------- the fields


def test_revision_fields_are_what_a_user_diffs_and_nothing_else() -> None:
    assert revision_fields(article()) == {
        "title": "关于做好2026年防汛工作的通知",
        "published_at": "2026-06-01T09:30:00+08:00",
        "source": "武汉市人民政府办公厅",
        "author": None,
        "editor": "张明",
        "document.index_no": "MB1957806/2026-00012",
        "document.issuer": "武汉市人民政府办公厅",
        "document.doc_number": "武政办〔2026〕12号",
        "document.topic": "综合政务",
        "document.written_at": "2026-05-28",
        "document.published_at": "2026-06-01",
        "document.validity": "有效",
        "document.in_force": True,
        "paragraphs": [
            "各区人民政府，市人民政府各部门：",
            "为进一步做好防汛工作，现将有关事项通知如下。",
            "一、各区要加强汛期巡查，落实责任。",
            "特此通知。",
        ],
        "attachments": {PDF: {"name": "防汛工作方案.pdf"}},
        "images": ["https://www.wuhan.gov.cn/zwgk/tzgg/202606/W020260601123456789.jpg"],
    }


def test_a_news_item_has_no_document_fields_and_a_downloaded_file_its_checksum() -> None:
    fields = fields_of(document=None, attachments=[{"url": PDF, "name": "方案.pdf", "sha256": SHA_A, "size": 3}])
    assert not [name for name in fields if name.startswith("document.")]
    assert fields["attachments"] == {PDF: {"name": "方案.pdf", "sha256": SHA_A}}


# ---------------------------------------------------------------------------- no change


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"crawled_at": "2026-12-07T03:00:00Z"}, id="crawled_at"),
        pytest.param({"cleaning": {"duplicate_paragraphs": 4, "template_placeholders": 2}}, id="cleaning"),
        pytest.param({"meta": {"SiteName": "武汉市人民政府", "浏览次数": "1024"}}, id="meta counter"),
        pytest.param({"content_hash": "d" * 64, "revision": 7, "duplicate_of": URL}, id="store fields"),
        pytest.param({"section": "政府文件"}, id="section name"),
        pytest.param(
            {"images": [{"url": "https://www.wuhan.gov.cn/zwgk/tzgg/202606/W020260601123456789.jpg", "alt": "新"}]},
            id="image alt",
        ),
    ],
)
def test_fields_a_user_does_not_diff_make_no_change(changes: dict[str, Any]) -> None:
    old, new = fields_of(), fields_of(**changes)
    assert diff(old, new) is None
    assert revision_digest(old) == revision_digest(new)


def test_text_that_reads_the_same_is_no_change() -> None:
    """Whitespace, full/half width and zero-width characters: the rule of content_hash."""
    new = article()
    new["title"] = " 关于做好2026年防汛工作的通知\u3000"
    new["paragraphs"] = [
        "各区人民政府,市人民政府各部门:",
        "\u3000\u3000为进一步做好防汛工作，现将有关事项\u200b通知如下。",
        "一、各区要加强汛期巡查， 落实责任。",
        "特此通知。",
    ]
    new["attachments"] = [{"url": PDF, "name": "防汛工作方案.pdf "}]
    assert diff(fields_of(), revision_fields(new)) is None
    assert revision_digest(fields_of()) == revision_digest(revision_fields(new))


def test_a_checksum_known_on_one_side_only_is_no_replaced_file() -> None:
    """A run without downloads does not know the file's bytes: nothing to compare."""
    known = fields_of(attachments=[{"url": PDF, "name": "防汛工作方案.pdf", "sha256": SHA_A}])
    assert diff(fields_of(), known) is None
    assert diff(known, fields_of()) is None


def test_a_header_of_nulls_is_no_header() -> None:
    empty = dict.fromkeys(
        ("index_no", "issuer", "doc_number", "topic", "written_at", "published_at", "validity", "in_force")
    )
    assert diff(fields_of(document=None), fields_of(document=empty)) is None


# ---------------------------------------------------------------------------- paragraphs


def test_a_one_character_wording_fix() -> None:
    old = fields_of()
    new = with_paragraphs(
        "各区人民政府，市人民政府各部门：",
        "为进一步作好防汛工作，现将有关事项通知如下。",
        "一、各区要加强汛期巡查，落实责任。",
        "特此通知。",
    )
    change = diff(old, new)
    assert change is not None
    assert change.fields == {}
    assert change.attachments == NO_FILES
    assert change.paragraphs == [
        {
            "op": "replace",
            "at": 1,
            "old": ["为进一步做好防汛工作，现将有关事项通知如下。"],
            "new": ["为进一步作好防汛工作，现将有关事项通知如下。"],
            "chars": [
                {"op": "equal", "old": "为进一步", "new": "为进一步"},
                {"op": "replace", "old": "做", "new": "作"},
                {
                    "op": "equal",
                    "old": "好防汛工作，现将有关事项通知如下。",
                    "new": "好防汛工作，现将有关事项通知如下。",
                },
            ],
        }
    ]
    assert change.summary == "1 段落改动"


def test_a_character_added_inside_a_paragraph() -> None:
    change = diff(with_paragraphs("请于6月前报送。"), with_paragraphs("请于6月30日前报送。"))
    assert change is not None
    assert change.paragraphs[0]["chars"] == [
        {"op": "equal", "old": "请于6月", "new": "请于6月"},
        {"op": "insert", "old": "", "new": "30日"},
        {"op": "equal", "old": "前报送。", "new": "前报送。"},
    ]


def test_one_character_of_a_long_paragraph_is_one_character() -> None:
    """Over 200 characters difflib's "autojunk" would treat frequent characters as junk and
    call the whole rest of the paragraph replaced."""
    sentence = "为进一步做好防汛工作，各区要加强汛期巡查，落实责任，确保安全度汛。"
    old = sentence * 8
    new = old[:150] + "查" + old[151:]
    assert old[150] == "巡"
    change = diff(with_paragraphs(old), with_paragraphs(new))
    assert change is not None
    assert change.paragraphs[0]["chars"] == [
        {"op": "equal", "old": old[:150], "new": old[:150]},
        {"op": "replace", "old": "巡", "new": "查"},
        {"op": "equal", "old": old[151:], "new": old[151:]},
    ]


@pytest.mark.parametrize(
    ("new", "ops", "summary"),
    [
        pytest.param(
            ["甲。", "新增。", "乙。", "丙。"],
            [{"op": "insert", "at": 1, "old": [], "new": ["新增。"]}],
            "1 段落新增",
            id="inserted in the middle: at is the old index it goes before",
        ),
        pytest.param(
            ["新增。", "甲。", "乙。", "丙。"],
            [{"op": "insert", "at": 0, "old": [], "new": ["新增。"]}],
            "1 段落新增",
            id="inserted first",
        ),
        pytest.param(
            ["甲。", "乙。", "丙。", "新增一。", "新增二。"],
            [{"op": "insert", "at": 3, "old": [], "new": ["新增一。", "新增二。"]}],
            "2 段落新增",
            id="appended: at is the old length",
        ),
        pytest.param(
            ["甲。", "丙。"],
            [{"op": "delete", "at": 1, "old": ["乙。"], "new": []}],
            "1 段落删除",
            id="removed",
        ),
        pytest.param(
            ["乙。", "丙。", "丁。"],
            [
                {"op": "delete", "at": 0, "old": ["甲。"], "new": []},
                {"op": "insert", "at": 3, "old": [], "new": ["丁。"]},
            ],
            "1 段落新增; 1 段落删除",
            id="first removed, one appended: ascending",
        ),
        pytest.param(
            [], [{"op": "delete", "at": 0, "old": ["甲。", "乙。", "丙。"], "new": []}], "3 段落删除", id="all"
        ),
    ],
)
def test_paragraphs_inserted_and_removed(new: list[str], ops: list[dict[str, Any]], summary: str) -> None:
    change = diff(with_paragraphs("甲。", "乙。", "丙。"), with_paragraphs(*new))
    assert change is not None
    assert change.paragraphs == ops
    assert change.summary == summary


def test_validity_and_two_paragraphs_the_issues_example() -> None:
    old = fields_of()
    item = article(
        paragraphs=[
            "各区人民政府，市人民政府各部门：",
            "为进一步做好防汛工作，现将有关事项通知如下。（本文件已废止）",
            "一、各区要加强汛期巡查，落实责任。",
            "特此通知！",
        ]
    )
    item["document"] = {**item["document"], "validity": "失效", "in_force": False}
    change = diff(old, revision_fields(item))
    assert change is not None
    assert change.fields == {
        "document.validity": {"old": "有效", "new": "失效"},
        "document.in_force": {"old": True, "new": False},
    }
    assert [(op["op"], op["at"]) for op in change.paragraphs] == [("replace", 1), ("replace", 3)]
    assert change.summary == "有效性 有效 → 失效; 2 段落改动"


def test_validity_alone() -> None:
    item = article()
    item["document"] = {**item["document"], "validity": "失效", "in_force": False}
    change = diff(fields_of(), revision_fields(item))
    assert change is not None
    assert list(change.fields) == ["document.validity", "document.in_force"]
    assert change.paragraphs == []
    assert change.summary == "有效性 有效 → 失效"


def test_in_force_alone_is_said_in_the_summary() -> None:
    item = article()
    item["document"] = {**item["document"], "in_force": None}
    change = diff(fields_of(), revision_fields(item))
    assert change is not None
    assert change.fields == {"document.in_force": {"old": True, "new": None}}
    assert change.summary == "是否有效 是 → （无）"


# ---------------------------------------------------------------------------- fields, files, images


def test_a_retitle() -> None:
    change = diff(fields_of(), fields_of(title="关于做好2026年防汛抗旱工作的通知"))
    assert change is not None
    assert change.fields == {
        "title": {"old": "关于做好2026年防汛工作的通知", "new": "关于做好2026年防汛抗旱工作的通知"}
    }
    assert change.paragraphs == []
    assert change.summary == "标题 关于做好2026年防汛工作的通知 → 关于做好2026年防汛抗旱工作的通知"


def test_fields_come_in_record_order_and_long_values_are_cut_in_the_summary() -> None:
    item = article(title="关" * 40, source=None, editor="李华")
    item["document"] = {**item["document"], "doc_number": "武政办〔2026〕13号"}
    change = diff(fields_of(), revision_fields(item))
    assert change is not None
    assert list(change.fields) == ["title", "source", "editor", "document.doc_number"]
    assert change.fields["source"] == {"old": "武汉市人民政府办公厅", "new": None}
    assert change.summary == (
        f"标题 关于做好2026年防汛工作的通知 → {'关' * 30}…; 来源 武汉市人民政府办公厅 → （无）; "
        "责任编辑 张明 → 李华; 发文字号 武政办〔2026〕12号 → 武政办〔2026〕13号"
    )


def test_a_replaced_attachment_same_url_new_checksum() -> None:
    old = fields_of(attachments=[{"url": PDF, "name": "防汛工作方案.pdf", "sha256": SHA_A}])
    new = fields_of(attachments=[{"url": PDF, "name": "防汛工作方案.pdf", "sha256": SHA_B}])
    change = diff(old, new)
    assert change is not None
    assert change.attachments == {
        "added": [],
        "removed": [],
        "replaced": [{"url": PDF, "name": "防汛工作方案.pdf", "old_sha256": SHA_A, "new_sha256": SHA_B}],
        "renamed": [],
    }
    assert change.fields == {} and change.paragraphs == []
    assert change.summary == "附件 1 替换"


def test_attachments_added_removed_renamed() -> None:
    docx = "https://www.wuhan.gov.cn/zwgk/tzgg/202606/P020260601654321.docx"
    old = fields_of(attachments=[{"url": PDF, "name": "方案.pdf"}, {"url": docx, "name": "申请表.docx"}])
    xlsx = "https://www.wuhan.gov.cn/zwgk/tzgg/202606/P020260601777777.xlsx"
    new = fields_of(attachments=[{"url": PDF, "name": "方案（修订）.pdf"}, {"url": xlsx, "name": "汇总表.xlsx"}])
    change = diff(old, new)
    assert change is not None
    assert change.attachments == {
        "added": [{"url": xlsx, "name": "汇总表.xlsx", "sha256": None}],
        "removed": [{"url": docx, "name": "申请表.docx", "sha256": None}],
        "replaced": [],
        "renamed": [{"url": PDF, "old_name": "方案.pdf", "new_name": "方案（修订）.pdf"}],
    }
    assert change.summary == "附件 1 新增, 1 删除, 1 改名"


def test_images() -> None:
    a, b = "https://x/W1.jpg", "https://x/W2.png"
    change = diff(fields_of(images=[{"url": a, "alt": None}]), fields_of(images=[{"url": b, "alt": None}]))
    assert change is not None
    assert change.fields == {"images": {"old": [a], "new": [b]}}
    assert change.summary == "图片 1 新增, 1 删除"


# ---------------------------------------------------------------------------- the record


def edited_record() -> dict[str, Any]:
    change = diff(fields_of(), fields_of(title="关于做好2026年防汛抗旱工作的通知"))
    return change_record(
        "edited",
        url=URL,
        site="wuhan",
        section_path="/zwgk/tzgg/",
        title="关于做好2026年防汛抗旱工作的通知",
        revision=3,
        previous_revision=2,
        detected_at="2026-12-07T01:02:03Z",
        diff=change,
    )


def test_an_edited_record() -> None:
    record = edited_record()
    assert record == {
        "kind": "edited",
        "url": URL,
        "site": "wuhan",
        "section_path": "/zwgk/tzgg/",
        "title": "关于做好2026年防汛抗旱工作的通知",
        "revision": 3,
        "previous_revision": 2,
        "detected_at": "2026-12-07T01:02:03Z",
        "summary": "标题 关于做好2026年防汛工作的通知 → 关于做好2026年防汛抗旱工作的通知",
        "fields": {"title": {"old": "关于做好2026年防汛工作的通知", "new": "关于做好2026年防汛抗旱工作的通知"}},
        "attachments": NO_FILES,
        "paragraphs": [],
    }
    assert list(record) == list(change_schema()["required"])
    assert not list(VALIDATOR.iter_errors(record))


@pytest.mark.parametrize(
    ("kind", "summary"),
    [
        ("withdrawn", "已撤下（页面不再可访问）"),
        ("unlisted", "已从栏目列表移除（页面仍可访问）"),
        ("restored", "已恢复"),
    ],
)
def test_state_records_keep_the_last_revision(kind: str, summary: str) -> None:
    record = change_record(
        kind,
        url=URL,
        site="wuhan",
        section_path="/zwgk/tzgg/",
        title="关于做好2026年防汛工作的通知",
        revision=2,
        previous_revision=None,
        detected_at=datetime(2026, 12, 7, 9, 2, 3, tzinfo=timezone(timedelta(hours=8))),
    )
    assert record["revision"] == 2 and record["previous_revision"] is None
    assert record["detected_at"] == "2026-12-07T01:02:03Z"
    assert record["summary"] == summary
    assert (record["fields"], record["attachments"], record["paragraphs"]) == ({}, NO_FILES, [])
    assert not list(VALIDATOR.iter_errors(record))


@pytest.mark.parametrize(
    ("kind", "arguments", "message"),
    [
        ("moved", {}, "kind must be one of"),
        ("edited", {"diff": None}, "needs its diff"),
        ("edited", {"previous_revision": 3}, "previous_revision must be an integer from 1 to revision - 1"),
        ("edited", {"previous_revision": None}, "previous_revision must be an integer"),
        ("withdrawn", {"previous_revision": 2, "diff": None}, "previous_revision must be None"),
        ("unlisted", {"previous_revision": None, "diff": "given"}, "has no diff"),
        ("restored", {"previous_revision": None, "revision": 0, "diff": None}, "revision must be an integer >= 1"),
        ("edited", {"detected_at": "2026-12-07 01:02:03"}, "detected_at must be UTC ISO 8601"),
    ],
)
def test_a_record_the_schema_forbids_is_refused(kind: str, arguments: dict[str, Any], message: str) -> None:
    change = diff(fields_of(), fields_of(title="新标题"))
    given_arguments: dict[str, Any] = {
        "url": URL,
        "site": "wuhan",
        "section_path": "/zwgk/tzgg/",
        "title": "新标题",
        "revision": 3,
        "previous_revision": 2,
        "detected_at": "2026-12-07T01:02:03Z",
        "diff": change,
    }
    given_arguments.update(arguments)
    if given_arguments["diff"] == "given":
        given_arguments["diff"] = change
    with pytest.raises(ValueError, match=message):
        change_record(kind, **given_arguments)


@pytest.mark.parametrize(
    "breaks",
    [
        pytest.param(lambda r: r.update(paragraphs=[], fields={}), id="an edit that says nothing"),
        pytest.param(lambda r: r.update(kind="withdrawn"), id="a withdrawal with a diff"),
        pytest.param(
            lambda r: r.update(paragraphs=[{"op": "insert", "at": 0, "old": ["x"], "new": ["y"]}]), id="insert with old"
        ),
        pytest.param(
            lambda r: r.update(paragraphs=[{"op": "replace", "at": 0, "old": ["x"], "new": ["y"]}]),
            id="replace without chars",
        ),
        pytest.param(lambda r: r.update(fields={"crawled_at": {"old": "a", "new": "b"}}), id="a field no user diffs"),
        pytest.param(lambda r: r.update(detected_at="yesterday"), id="detected_at"),
        pytest.param(lambda r: r.pop("summary"), id="no summary"),
    ],
)
def test_the_schema_rejects_a_bad_line(breaks: Any) -> None:
    record = edited_record()
    breaks(record)
    assert list(VALIDATOR.iter_errors(record))


def test_records_of_every_example_validate() -> None:
    """Each diff of this file's examples, as a record, is a valid line (and JSON)."""
    olds_news = [
        (fields_of(), fields_of(title="另一个标题")),
        (with_paragraphs("甲。", "乙。"), with_paragraphs("甲。", "丙。", "乙。")),
        (with_paragraphs("请于6月前报送。", "乙。"), with_paragraphs("请于6月30日前报送。")),
        (
            fields_of(attachments=[{"url": PDF, "name": "a.pdf", "sha256": SHA_A}]),
            fields_of(attachments=[{"url": PDF, "name": "b.pdf", "sha256": SHA_B}]),
        ),
        (fields_of(images=[]), fields_of()),
    ]
    for old, new in olds_news:
        change = diff(old, new)
        assert change is not None
        record = change_record(
            "edited",
            url=URL,
            site="wuhan",
            section_path="/zwgk/tzgg/",
            title="t",
            revision=2,
            previous_revision=1,
            detected_at="2026-12-07T01:02:03+00:00",
            diff=change,
        )
        line = json.loads(json.dumps(record, ensure_ascii=False))
        assert not list(VALIDATOR.iter_errors(line)), record


# ---------------------------------------------------------------------------- properties

PARAGRAPH = st.sampled_from(["甲。", "乙。", "丙丁。", "通知如下：", "一、加强巡查。", "二、落实责任。", "特此通知。"])
PARAGRAPHS = st.lists(PARAGRAPH, max_size=9)
WORDING = st.text(alphabet="防汛工作通知的地得，。", min_size=1, max_size=12)


def apply_ops(old: list[str], ops: list[dict[str, Any]]) -> list[str]:
    """The test's own reading of the ops: ascending, at indexes the old list."""
    out: list[str] = []
    cursor = 0
    for op in ops:
        assert op["at"] >= cursor, "ops out of order or overlapping"
        out += old[cursor : op["at"]]
        assert old[op["at"] : op["at"] + len(op["old"])] == op["old"]
        out += op["new"]
        cursor = op["at"] + len(op["old"])
        assert (op["op"] == "insert") == (op["old"] == []) and (op["op"] == "delete") == (op["new"] == [])
    return out + old[cursor:]


@settings(max_examples=examples(300), deadline=None)
@given(PARAGRAPHS, PARAGRAPHS)
def test_applying_the_ops_to_the_old_paragraphs_gives_the_new(old: list[str], new: list[str]) -> None:
    change = diff(with_paragraphs(*old), with_paragraphs(*new))
    if old == new:
        assert change is None
        return
    assert change is not None
    assert apply_ops(old, change.paragraphs) == new
    assert all(op["op"] in ("insert", "delete", "replace") for op in change.paragraphs)
    for op in change.paragraphs:
        if op["op"] == "replace":
            assert "".join(c["old"] for c in op["chars"]) == "\n".join(op["old"])
            assert "".join(c["new"] for c in op["chars"]) == "\n".join(op["new"])
            assert all(c["old"] == c["new"] for c in op["chars"] if c["op"] == "equal")


@settings(max_examples=examples(200), deadline=None)
@given(WORDING, WORDING)
def test_the_character_view_rebuilds_both_texts(old: str, new: str) -> None:
    change = diff(with_paragraphs("甲。", old), with_paragraphs("甲。", new))
    if old == new:
        assert change is None
        return
    assert change is not None
    (op,) = change.paragraphs
    assert (op["at"], op["old"], op["new"]) == (1, [old], [new])
    assert "".join(c["old"] for c in op["chars"]) == old
    assert "".join(c["new"] for c in op["chars"]) == new


SCALAR = st.one_of(st.none(), st.sampled_from(["有效", "失效", "废止", "武政〔2026〕1号", " 有效 "]))
ATTACHMENTS = st.lists(
    st.fixed_dictionaries(
        {"url": st.sampled_from([PDF, PDF + "x", PDF + "y"]), "name": st.sampled_from(["a.pdf", "b.pdf"])},
        optional={"sha256": st.sampled_from([SHA_A, SHA_B])},
    ),
    max_size=3,
)


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    document = draw(st.one_of(st.none(), st.fixed_dictionaries({"validity": SCALAR, "doc_number": SCALAR})))
    return article(
        title=draw(st.sampled_from(["通知", "公告", "通 知"])),
        source=draw(SCALAR),
        paragraphs=draw(PARAGRAPHS),
        attachments=draw(ATTACHMENTS),
        document=document,
        crawled_at=draw(st.sampled_from(["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"])),
    )


def knows_the_same_checksums(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(
        ("sha256" in a["attachments"][url]) == ("sha256" in b["attachments"][url])
        for url in set(a["attachments"]) & set(b["attachments"])
    )


@settings(max_examples=examples(300), deadline=None)
@given(items(), items())
def test_the_digest_agrees_with_the_diff(a_item: dict[str, Any], b_item: dict[str, Any]) -> None:
    a, b = revision_fields(a_item), revision_fields(b_item)
    assert diff(a, copy.deepcopy(a)) is None
    assert revision_digest(a) == revision_digest(copy.deepcopy(a))
    if revision_digest(a) == revision_digest(b):
        assert diff(a, b) is None
    elif knows_the_same_checksums(a, b):
        assert diff(a, b) is not None


@settings(max_examples=examples(200), deadline=None)
@given(items())
def test_pack_unpack_round_trip(item: dict[str, Any]) -> None:
    fields = revision_fields(item)
    packed = pack(fields)
    assert unpack(packed) == fields
    assert pack(unpack(packed)) == packed  # the same fields, the same bytes
    assert revision_digest(unpack(packed)) == revision_digest(fields)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x02" + zlib.compress(b"{}"), "unknown format byte 0x02"),
        (b"\x01" + zlib.compress(b"{}")[:-3], "corrupt"),
        (b"\x01" + zlib.compress(b"[1, 2]"), "a list, not the fields"),
        (b"\x01" + zlib.compress(b"{\xff"), "corrupt"),
    ],
)
def test_unpack_refuses_what_pack_did_not_write(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        unpack(data)


def test_packed_fields_are_smaller_than_their_json() -> None:
    fields = fields_of(paragraphs=["为进一步做好防汛工作，现将有关事项通知如下。" * 4] * 6)
    assert len(pack(fields)) < len(json.dumps(fields, ensure_ascii=False).encode()) / 2
