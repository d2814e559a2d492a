"""A change record as HTML a person reads: the pieces the page of changes and the Atom feed share.

Pure functions of a record (``change.schema.json``) to HTML fragments, every text from the site
escaped (:func:`html.escape`, quotes too): a title or a paragraph holding ``<script>`` shows as
text, never as markup. The character-level view of a replaced paragraph (its ``chars``) becomes
``<del>`` and ``<ins>`` pieces, so a reader sees what changed down to the character; a whole
paragraph inserted is one ``<ins>``, a deleted one one ``<del>``. Fields read ``old → new``
with the same marks. Nothing here styles: the page adds its CSS, and a feed reader shows
``<ins>`` underlined and ``<del>`` struck through by default.

>>> record = {"kind": "edited", "summary": "1 段落改动", "fields": {},
...           "attachments": {"added": [], "removed": [], "replaced": [], "renamed": []},
...           "paragraphs": [{"op": "replace", "at": 0, "old": ["稳中向好。"], "new": ["稳中有进。"],
...                           "chars": [{"op": "equal", "old": "稳中", "new": "稳中"},
...                                     {"op": "replace", "old": "向好", "new": "有进"},
...                                     {"op": "equal", "old": "。", "new": "。"}]}]}
>>> print(change_html(record))  # doctest: +NORMALIZE_WHITESPACE
<p class="summary">1 段落改动</p>
<div class="paragraphs"><div class="op op-replace" data-op="replace" data-at="0"><p class="where">第 1 段 改动</p><p
class="text">稳中<del>向好</del><ins>有进</ins>。</p></div></div>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .diff import FIELD_LABELS

__all__ = ["attachments_html", "change_html", "chars_html", "field_value_html", "fields_html", "paragraphs_html"]

_OP_WORDS = {"insert": "新增", "delete": "删除", "replace": "改动"}
_FILE_WORDS = (("added", "新增"), ("removed", "删除"), ("replaced", "替换"), ("renamed", "改名"))


def _text(value: str) -> str:
    """Escaped text, a newline (between the paragraphs of one operation) shown as a line break.

    >>> _text('<b>"甲"</b>\\n乙')
    '&lt;b&gt;&quot;甲&quot;&lt;/b&gt;<br>乙'
    """
    return escape(value).replace("\n", "<br>")


def chars_html(pieces: Sequence[Mapping[str, str]]) -> str:
    """A replace's character-level view: equal text as it is, an insertion in ``<ins>``, a
    deletion in ``<del>``, a replacement as the deletion then the insertion.

    >>> chars_html([{"op": "equal", "old": "会议", "new": "会议"}, {"op": "insert", "old": "", "new": "<要求>"},
    ...             {"op": "delete", "old": "的", "new": ""}])
    '会议<ins>&lt;要求&gt;</ins><del>的</del>'
    """
    out: list[str] = []
    for piece in pieces:
        op, old, new = piece["op"], piece.get("old", ""), piece.get("new", "")
        if op == "equal":
            out.append(_text(new))
        else:
            if old:
                out.append(f"<del>{_text(old)}</del>")
            if new:
                out.append(f"<ins>{_text(new)}</ins>")
    return "".join(out)


def paragraphs_html(ops: Sequence[Mapping[str, Any]]) -> str:
    """The paragraph operations, each a ``div.op`` saying where (``第 n 段``, n counted in the
    previous revision from 1) and what: inserted paragraphs each in ``<ins>``, deleted ones
    each in ``<del>``, a replace by its characters (:func:`chars_html`). ``data-op`` and
    ``data-at`` carry the operation as the record has it. Empty for no operation.

    >>> print(paragraphs_html([{"op": "insert", "at": 2, "old": [], "new": ["特此通知。"]}]))
    ... # doctest: +NORMALIZE_WHITESPACE
    <div class="paragraphs"><div class="op op-insert" data-op="insert" data-at="2"><p class="where">第 3 段 新增</p><p
    class="text"><ins>特此通知。</ins></p></div></div>
    """
    if not ops:
        return ""
    blocks: list[str] = []
    for op in ops:
        kind, at = str(op["op"]), int(op["at"])
        head = f'<div class="op op-{escape(kind)}" data-op="{escape(kind)}" data-at="{at}">'
        where = f'<p class="where">第 {at + 1} 段 {_OP_WORDS.get(kind, escape(kind))}</p>'
        if kind == "replace" and op.get("chars") is not None:
            body = f'<p class="text">{chars_html(op["chars"])}</p>'
        else:
            body = "".join(f'<p class="text"><del>{_text(p)}</del></p>' for p in op.get("old") or ())
            body += "".join(f'<p class="text"><ins>{_text(p)}</ins></p>' for p in op.get("new") or ())
        blocks.append(head + where + body + "</div>")
    return '<div class="paragraphs">' + "".join(blocks) + "</div>"


def field_value_html(value: Any) -> str:
    """A field's value as a reader sees it: ``（无）`` for none, 是/否 for a boolean, image URLs one a line.

    >>> field_value_html(None), field_value_html(False), field_value_html(["https://x/a.jpg", "https://x/b.jpg"])
    ('（无）', '否', 'https://x/a.jpg<br>https://x/b.jpg')
    """
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "<br>".join(escape(str(v)) for v in value) or "（无）"
    return _text(str(value))


def fields_html(fields: Mapping[str, Mapping[str, Any]]) -> str:
    """The changed fields as a table, a row each: the field's name (标题, 有效性 …), the old value
    in ``<del>``, an arrow, the new one in ``<ins>``; ``data-field`` names the field as the
    record does. Empty for no field.

    >>> fields_html({"document.validity": {"old": "有效", "new": "失效"}})  # doctest: +NORMALIZE_WHITESPACE
    '<table class="fields"><tr data-field="document.validity"><th>有效性</th><td
    class="old"><del>有效</del></td><td class="arrow">→</td><td class="new"><ins>失效</ins></td></tr></table>'
    """
    if not fields:
        return ""
    rows = [
        f'<tr data-field="{escape(name)}"><th>{escape(FIELD_LABELS.get(name, name))}</th>'
        f'<td class="old"><del>{field_value_html(change.get("old"))}</del></td><td class="arrow">→</td>'
        f'<td class="new"><ins>{field_value_html(change.get("new"))}</ins></td></tr>'
        for name, change in fields.items()
    ]
    return '<table class="fields">' + "".join(rows) + "</table>"


def attachments_html(attachments: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The files that changed, a list item each: added (its link in ``<ins>``), removed (in
    ``<del>``), replaced (same URL, other bytes: the checksums' first digits), renamed (the old
    link text in ``<del>``, the new in ``<ins>``). Empty when no file changed.

    >>> attachments_html({"added": [{"url": "https://x/P1.pdf", "name": "附件1.pdf", "sha256": None}],
    ...                   "removed": [], "replaced": [], "renamed": []})  # doctest: +NORMALIZE_WHITESPACE
    '<ul class="attachments"><li class="file-added">附件新增 <ins><a href="https://x/P1.pdf">附件1.pdf</a></ins></li></ul>'
    """
    items: list[str] = []
    for key, word in _FILE_WORDS:
        for file in attachments.get(key) or ():
            url = escape(str(file.get("url", "")))
            if key == "renamed":
                old, new = escape(str(file.get("old_name", ""))), escape(str(file.get("new_name", "")))
                body = f'<a href="{url}"><del>{old}</del> → <ins>{new}</ins></a>'
            else:
                link = f'<a href="{url}">{escape(str(file.get("name") or file.get("url", "")))}</a>'
                if key == "added":
                    body = f"<ins>{link}</ins>"
                elif key == "removed":
                    body = f"<del>{link}</del>"
                else:
                    old, new = str(file.get("old_sha256", ""))[:12], str(file.get("new_sha256", ""))[:12]
                    body = f"{link} (SHA-256 <del>{escape(old)}…</del> → <ins>{escape(new)}…</ins>)"
            items.append(f'<li class="file-{key}">附件{word} {body}</li>')
    return '<ul class="attachments">' + "".join(items) + "</ul>" if items else ""


def change_html(record: Mapping[str, Any]) -> str:
    """What one record says, as HTML: its summary, then the fields, the files and the paragraphs
    that changed (each part only when there is one). A withdrawn, unlisted or restored record
    is its summary alone: it carries no diff."""
    parts = [f'<p class="summary">{_text(str(record.get("summary", "")))}</p>']
    parts.append(fields_html(record.get("fields") or {}))
    parts.append(attachments_html(record.get("attachments") or {}))
    parts.append(paragraphs_html(record.get("paragraphs") or ()))
    return "\n".join(part for part in parts if part)
