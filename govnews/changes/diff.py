"""The meaning of a change between two revisions of an article (issue 29).

A user diffs what an article *says*: its title, dates, source and byline, its policy header
(有效性 above all), its paragraphs, its files and its images. Nothing else counts — not when it
was crawled, not what the cleaning removed, not the page's chrome (a visit counter, a footer
date, a share widget never reach an item). :func:`revision_fields` takes exactly those fields
from an exported item; :func:`revision_digest` hashes them; :func:`diff` tells what changed
between two revisions, or None when nothing a user diffs did; :func:`change_record` is one
line of the changes feed (``govnews/schema/change.schema.json``).

Two values a reader cannot tell apart are the same value: whitespace of every kind, full- and
half-width forms, HTML entities and zero-width characters are ignored, the rule of
``content_hash`` (:func:`govnews.text.normalize_for_comparison`). The record shows the values
as the site wrote them.

>>> old = {"title": "关于做好防汛工作的通知", "paragraphs": ["请各单位做好准备。"],
...        "document": {"validity": "有效", "in_force": True}}
>>> new = {**old, "document": {"validity": "失效", "in_force": False},
...        "paragraphs": ["请各单位做好准备。", "特此通知。"]}
>>> change = diff(revision_fields(old), revision_fields(new))
>>> change.summary
'有效性 有效 → 失效; 1 段落新增'
>>> change.paragraphs
[{'op': 'insert', 'at': 1, 'old': [], 'new': ['特此通知。']}]
>>> diff(revision_fields(old), revision_fields({**old, "crawled_at": "2026-12-07T00:00:00Z"})) is None
True
"""

from __future__ import annotations

import difflib
import hashlib
import json
import pkgutil
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from govnews.text import normalize_for_comparison

__all__ = [
    "CHANGE_KINDS",
    "CHARS_LIMIT",
    "DOCUMENT_FIELDS",
    "FIELD_LABELS",
    "KIND_LABELS",
    "SCALAR_FIELDS",
    "Diff",
    "change_record",
    "change_schema",
    "char_ops",
    "diff",
    "paragraph_ops",
    "revision_digest",
    "revision_fields",
]

SCALAR_FIELDS: tuple[str, ...] = ("title", "published_at", "source", "author", "editor")
"""The item's own fields a user diffs, in the order a record lists them."""
DOCUMENT_FIELDS: tuple[str, ...] = (
    "index_no",
    "issuer",
    "doc_number",
    "topic",
    "written_at",
    "published_at",
    "validity",
    "in_force",
)
"""The policy header's fields (``document.<name>``), in the order a record lists them; a
header field the schema gains later is diffed too, after these."""
CHANGE_KINDS: tuple[str, ...] = ("edited", "withdrawn", "unlisted", "restored")
CHARS_LIMIT = 20_000
"""Above this many characters (old and new together) a replace's character view is one
``replace`` of the whole text: a character diff of a rewritten article costs seconds and
tells a reader nothing a paragraph diff does not."""

FIELD_LABELS: dict[str, str] = {
    "title": "标题",
    "published_at": "发布时间",
    "source": "来源",
    "author": "作者",
    "editor": "责任编辑",
    "images": "图片",
    "document.index_no": "索引号",
    "document.issuer": "发文机构",
    "document.doc_number": "发文字号",
    "document.topic": "主题分类",
    "document.written_at": "成文日期",
    "document.published_at": "发布日期",
    "document.validity": "有效性",
    "document.in_force": "是否有效",
}
"""What a reader calls each field a record names (the summary's words; the page's and the Atom
feed's labels)."""
KIND_LABELS: dict[str, str] = {"edited": "修改", "withdrawn": "撤下", "unlisted": "移出列表", "restored": "恢复"}
"""What a reader calls each kind of change."""
_SUMMARY_VALUE_CHARS = 30
_SUMMARY_STATES = {
    "withdrawn": "已撤下（页面不再可访问）",
    "unlisted": "已从栏目列表移除（页面仍可访问）",
    "restored": "已恢复",
}
_DETECTED_AT_RE = re.compile(
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|\+00:00)$"
)


# ---------------------------------------------------------------------------- the fields


def revision_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an exported article (``article.schema.json``) a user diffs, and only those.

    ``title``, ``published_at``, ``source``, ``author``, ``editor``; the policy header as
    dotted keys (``document.validity``, ``document.in_force`` …, a header field only when it
    has a value); ``paragraphs``; ``attachments`` by URL, each with its ``name`` and, once the
    file was downloaded, its ``sha256`` (what tells a replaced file: same URL, new bytes);
    ``images`` as their URLs. A field missing from the item is None (an empty list for the
    lists).

    >>> item = {"title": "通知", "url": "https://x/1.shtml", "crawled_at": "2026-12-07T00:00:00Z",
    ...         "paragraphs": ["正文。"], "images": [{"url": "https://x/a.jpg", "alt": None}],
    ...         "attachments": [{"url": "https://x/P1.pdf", "name": "附件.pdf", "sha256": None}],
    ...         "document": {"doc_number": "武政〔2026〕1号", "validity": None}}
    >>> revision_fields(item)  # doctest: +NORMALIZE_WHITESPACE
    {'title': '通知', 'published_at': None, 'source': None, 'author': None, 'editor': None,
     'document.doc_number': '武政〔2026〕1号', 'paragraphs': ['正文。'],
     'attachments': {'https://x/P1.pdf': {'name': '附件.pdf'}}, 'images': ['https://x/a.jpg']}
    """
    fields: dict[str, Any] = {name: item.get(name) for name in SCALAR_FIELDS}
    document = item.get("document") or {}
    for name in _document_order(document):
        if document[name] is not None:
            fields[f"document.{name}"] = document[name]
    fields["paragraphs"] = [str(p) for p in item.get("paragraphs") or ()]
    attachments: dict[str, dict[str, str]] = {}
    for attachment in item.get("attachments") or ():
        url = str(attachment.get("url") or "")
        if not url or url in attachments:
            continue  # the first link to a file names it
        entry = {"name": str(attachment.get("name") or "")}
        if attachment.get("sha256"):
            entry["sha256"] = str(attachment["sha256"])
        attachments[url] = entry
    fields["attachments"] = attachments
    fields["images"] = [str(image.get("url")) for image in item.get("images") or () if image.get("url")]
    return fields


def revision_digest(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the fields' comparison form, as canonical JSON: equal for two
    revisions :func:`diff` finds no change between — but for a file whose checksum one of
    them does not know (a run without downloads), which :func:`diff` does not call a change
    and the digest does. Stable across processes, Python versions and key order.

    >>> a = revision_fields({"title": "通知", "paragraphs": ["会议，（一）要求"]})
    >>> b = revision_fields({"title": "通知 ", "paragraphs": ["会议,(一) 要求"]})
    >>> revision_digest(a) == revision_digest(b), diff(a, b) is None
    (True, True)
    """
    canonical = json.dumps(_comparison_form(fields), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _comparison_form(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "paragraphs":
            out[name] = [normalize_for_comparison(p) for p in value]
        elif name == "attachments":
            out[name] = {
                url: {"name": normalize_for_comparison(a.get("name") or ""), "sha256": a.get("sha256")}
                for url, a in value.items()
            }
        elif name == "images":
            out[name] = list(value)
        elif value is not None:
            out[name] = _key(value)  # a dotted field without a value is the same as none
    return out


def _key(value: Any) -> Any:
    return normalize_for_comparison(value) if isinstance(value, str) else value


def _document_order(document: Mapping[str, Any]) -> list[str]:
    known = [name for name in DOCUMENT_FIELDS if name in document]
    return known + sorted(name for name in document if name not in DOCUMENT_FIELDS)


def _field_order(names: set[str]) -> list[str]:
    dotted = sorted(n.removeprefix("document.") for n in names if n.startswith("document."))
    documents = [f"document.{n}" for n in _document_order(dict.fromkeys(dotted))]
    rest = sorted(n for n in names if n not in SCALAR_FIELDS and not n.startswith("document.") and n != "images")
    return [n for n in SCALAR_FIELDS if n in names] + documents + rest + (["images"] if "images" in names else [])


# ---------------------------------------------------------------------------- the diff


@dataclass(frozen=True)
class Diff:
    """What changed between two revisions (the body of an ``edited`` record)."""

    fields: dict[str, dict[str, Any]]
    """Only the changed fields, ``{"old": …, "new": …}`` each, keyed by name (dotted inside
    the document), in record order; ``images`` (lists of URLs) among them."""
    attachments: dict[str, list[dict[str, Any]]]
    """``added`` and ``removed`` (``url``, ``name``, ``sha256``), ``replaced`` (same URL, new
    checksum: ``url``, ``name``, ``old_sha256``, ``new_sha256``), ``renamed`` (same URL, new
    link text: ``url``, ``old_name``, ``new_name``)."""
    paragraphs: list[dict[str, Any]]
    """Operations in ascending order of ``at``, the index in the previous revision's
    paragraphs: ``insert`` (``old: []``), ``delete`` (``new: []``), ``replace`` (with
    ``chars``, the character-level view: ``equal``/``insert``/``delete``/``replace`` pieces
    whose ``old`` parts make the old text and ``new`` parts the new, the paragraphs of one
    operation joined by ``\\n``)."""
    summary: str
    """One line a person reads, e.g. ``有效性 有效 → 失效; 2 段落改动``."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "fields": self.fields,
            "attachments": self.attachments,
            "paragraphs": self.paragraphs,
        }


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff | None:
    """The change from revision ``old`` to revision ``new`` (both :func:`revision_fields`);
    None when nothing a user diffs changed.

    >>> a = revision_fields({"title": "关于做好防汛工作的通知", "paragraphs": ["一。", "二。"]})
    >>> b = revision_fields({"title": "关于做好防汛工作的补充通知", "paragraphs": ["一。", "二。"]})
    >>> diff(a, b).fields
    {'title': {'old': '关于做好防汛工作的通知', 'new': '关于做好防汛工作的补充通知'}}
    >>> diff(a, b).summary
    '标题 关于做好防汛工作的通知 → 关于做好防汛工作的补充通知'
    """
    fields = _changed_fields(old, new)
    attachments = _attachment_changes(old.get("attachments") or {}, new.get("attachments") or {})
    paragraphs = paragraph_ops(old.get("paragraphs") or [], new.get("paragraphs") or [])
    if not fields and not any(attachments.values()) and not paragraphs:
        return None
    return Diff(fields, attachments, paragraphs, _summary(fields, attachments, paragraphs))


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    names = {n for n in (*old, *new) if n not in ("paragraphs", "attachments")}
    changed: dict[str, dict[str, Any]] = {}
    for name in _field_order(names):
        before, after = old.get(name), new.get(name)
        if name == "images":
            before, after = list(before or ()), list(after or ())
            if before != after:
                changed[name] = {"old": before, "new": after}
        elif _key(before) != _key(after) or (before is None) != (after is None):
            changed[name] = {"old": before, "new": after}
    return changed


def _attachment_changes(
    old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    def entry(url: str, attachment: Mapping[str, str]) -> dict[str, Any]:
        return {"url": url, "name": attachment.get("name", ""), "sha256": attachment.get("sha256")}

    added = [entry(url, a) for url, a in new.items() if url not in old]
    removed = [entry(url, a) for url, a in old.items() if url not in new]
    replaced: list[dict[str, Any]] = []
    renamed: list[dict[str, Any]] = []
    for url, after in new.items():
        before = old.get(url)
        if before is None:
            continue
        # A checksum known on one side only is no change: that run did not download the file.
        if before.get("sha256") and after.get("sha256") and before["sha256"] != after["sha256"]:
            replaced.append(
                {
                    "url": url,
                    "name": after.get("name", ""),
                    "old_sha256": before["sha256"],
                    "new_sha256": after["sha256"],
                }
            )
        if normalize_for_comparison(before.get("name", "")) != normalize_for_comparison(after.get("name", "")):
            renamed.append({"url": url, "old_name": before.get("name", ""), "new_name": after.get("name", "")})
    return {"added": added, "removed": removed, "replaced": replaced, "renamed": renamed}


def paragraph_ops(old: Sequence[str], new: Sequence[str]) -> list[dict[str, Any]]:
    """The paragraph-level diff: ``insert``, ``delete`` and ``replace`` operations in
    ascending order, ``at`` an index into ``old``; [] when the paragraphs read the same.

    >>> paragraph_ops(["甲。", "乙。", "丙。"], ["甲。", "丙。", "丁。"])
    [{'op': 'delete', 'at': 1, 'old': ['乙。'], 'new': []},
     {'op': 'insert', 'at': 3, 'old': [], 'new': ['丁。']}]
    >>> paragraph_ops(["全市经济运行稳中向好。"], ["全市经济运行稳中有进。"])[0]["chars"]
    [{'op': 'equal', 'old': '全市经济运行稳中', 'new': '全市经济运行稳中'},
     {'op': 'replace', 'old': '向好', 'new': '有进'}, {'op': 'equal', 'old': '。', 'new': '。'}]
    """
    keys_old = [normalize_for_comparison(p) for p in old]
    keys_new = [normalize_for_comparison(p) for p in new]
    # autojunk off: with it, a paragraph repeated often in a long article (or a character
    # frequent in a long text) would be treated as junk and the diff would depend on length.
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    ops: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        op: dict[str, Any] = {"op": tag, "at": i1, "old": list(old[i1:i2]), "new": list(new[j1:j2])}
        if tag == "replace":
            op["chars"] = char_ops("\n".join(old[i1:i2]), "\n".join(new[j1:j2]))
        ops.append(op)
    return ops


def char_ops(old: str, new: str) -> list[dict[str, str]]:
    """The character-level view of a replaced text (CJK text has no spaces to diff words
    by): pieces in order, ``equal`` ones with ``old == new``; the ``old`` parts joined give
    ``old``, the ``new`` parts ``new``.

    >>> char_ops("武汉市人民政府", "武汉市政府")
    [{'op': 'equal', 'old': '武汉市', 'new': '武汉市'}, {'op': 'delete', 'old': '人民', 'new': ''},
     {'op': 'equal', 'old': '政府', 'new': '政府'}]
    """
    if len(old) + len(new) > CHARS_LIMIT:
        return [{"op": "replace", "old": old, "new": new}]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [{"op": tag, "old": old[i1:i2], "new": new[j1:j2]} for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


# ---------------------------------------------------------------------------- the summary


def _summary(
    fields: Mapping[str, Mapping[str, Any]],
    attachments: Mapping[str, Sequence[Mapping[str, Any]]],
    paragraphs: Sequence[Mapping[str, Any]],
) -> str:
    parts: list[str] = []
    for name, change in fields.items():
        if name == "document.in_force" and "document.validity" in fields:
            continue  # 是否有效 follows from 有效性, which is shown
        label = FIELD_LABELS.get(name, name)
        if name == "images":
            parts.append(_images_summary(change["old"], change["new"]))
        else:
            parts.append(f"{label} {_shown(change['old'])} → {_shown(change['new'])}")
    files = [
        f"{len(attachments[key])} {word}"
        for key, word in (("added", "新增"), ("removed", "删除"), ("replaced", "替换"), ("renamed", "改名"))
        if attachments.get(key)
    ]
    if files:
        parts.append("附件 " + ", ".join(files))
    changed = added = deleted = 0
    for op in paragraphs:
        n_old, n_new = len(op["old"]), len(op["new"])
        changed += min(n_old, n_new)
        added += max(0, n_new - n_old)
        deleted += max(0, n_old - n_new)
    for count, word in ((changed, "改动"), (added, "新增"), (deleted, "删除")):
        if count:
            parts.append(f"{count} 段落{word}")
    return "; ".join(parts)


def _images_summary(old: Sequence[str], new: Sequence[str]) -> str:
    added = sum(1 for url in new if url not in old)
    removed = sum(1 for url in old if url not in new)
    counts = [f"{n} {word}" for n, word in ((added, "新增"), (removed, "删除")) if n]
    return "图片 " + (", ".join(counts) if counts else "顺序改动")


def _shown(value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = " ".join(str(value).split())
    return text if len(text) <= _SUMMARY_VALUE_CHARS else text[:_SUMMARY_VALUE_CHARS] + "…"


# ---------------------------------------------------------------------------- the record


def change_record(
    kind: str,
    *,
    url: str,
    site: str,
    section_path: str,
    title: str,
    revision: int,
    previous_revision: int | None,
    detected_at: datetime | str,
    diff: Diff | None = None,
) -> dict[str, Any]:
    """One line of the changes feed (``change.schema.json``), keys in the feed's order.

    ``edited``: ``diff`` is the change, ``revision`` the new revision and
    ``previous_revision`` the one diffed against. ``withdrawn``, ``unlisted`` and
    ``restored``: no diff, ``revision`` the last exported one, ``previous_revision`` None.
    ``title`` is the latest known; ``detected_at`` an aware datetime (written in UTC) or
    such a string. ValueError for a combination the schema forbids.

    >>> record = change_record("withdrawn", url="https://www.wuhan.gov.cn/zwgk/tzgg/202601/t20260105_1.shtml",
    ...     site="wuhan", section_path="/zwgk/tzgg/", title="关于开展专项检查的公告", revision=2,
    ...     previous_revision=None, detected_at="2026-12-07T01:02:03Z")
    >>> record["kind"], record["summary"], record["paragraphs"]
    ('withdrawn', '已撤下（页面不再可访问）', [])
    """
    if kind not in CHANGE_KINDS:
        raise ValueError(f"kind must be one of {CHANGE_KINDS}, got {kind!r}")
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise ValueError(f"revision must be an integer >= 1, got {revision!r}")
    if kind == "edited":
        if diff is None:
            raise ValueError("an edited record needs its diff")
        if (
            isinstance(previous_revision, bool)
            or not isinstance(previous_revision, int)
            or not 1 <= previous_revision < revision
        ):
            raise ValueError(
                f"an edited record's previous_revision must be an integer from 1 to revision - 1 "
                f"({revision - 1}), got {previous_revision!r}"
            )
    else:
        if diff is not None:
            raise ValueError(f"a {kind} record has no diff (an edit found with it is an edited record of its own)")
        if previous_revision is not None:
            raise ValueError(f"a {kind} record keeps the last revision: previous_revision must be None")
    body = diff.as_dict() if diff is not None else _empty_body(kind)
    return {
        "kind": kind,
        "url": url,
        "site": site,
        "section_path": section_path,
        "title": title,
        "revision": revision,
        "previous_revision": previous_revision,
        "detected_at": _utc_text(detected_at),
        **body,
    }


def _empty_body(kind: str) -> dict[str, Any]:
    return {
        "summary": _SUMMARY_STATES[kind],
        "fields": {},
        "attachments": {"added": [], "removed": [], "replaced": [], "renamed": []},
        "paragraphs": [],
    }


def _utc_text(moment: datetime | str) -> str:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"detected_at must be an aware datetime, got {moment!r}")
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if not _DETECTED_AT_RE.match(moment):
        raise ValueError(f"detected_at must be UTC ISO 8601 (2026-12-07T01:02:03Z), got {moment!r}")
    return moment


def change_schema() -> dict[str, Any]:
    """``govnews/schema/change.schema.json``, read from the package (an egg too)."""
    data = pkgutil.get_data("govnews", "schema/change.schema.json")
    if data is None:
        raise FileNotFoundError("govnews/schema/change.schema.json")
    schema: dict[str, Any] = json.loads(data)
    return schema
