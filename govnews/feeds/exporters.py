"""Feed exporters of the project's own: ``-o out.csv`` that opens right in Excel and WPS."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter

LIST_OF_TEXT_FIELDS = ("paragraphs",)
DOCUMENT_COLUMNS = (
    "index_no",
    "issuer",
    "doc_number",
    "topic",
    "written_at",
    "published_at",
    "validity",
    "in_force",
)
"""The ``document`` object's fields, each a column ``document_<field>`` of its own."""
CELL_LIMIT = 32_767
"""Characters a cell of Excel (and WPS) holds; longer text is cut there, with a mark."""
_CUT_MARK = "…[cut: longer than a spreadsheet cell]"


def cell(name: str, value: Any) -> Any:
    """A field as one CSV cell: paragraphs joined by newlines, any other list or dict as
    JSON (Chinese unescaped), ``None`` empty, booleans ``true``/``false``, the rest as it is.

    >>> cell("paragraphs", ["第一段。", "第二段。"])
    '第一段。\\n第二段。'
    >>> cell("images", [{"url": "https://x/a.jpg", "alt": None}])
    '[{"url": "https://x/a.jpg", "alt": null}]'
    >>> cell("source", None), cell("revision", 2), cell("document_in_force", False)
    ('', 2, 'false')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in LIST_OF_TEXT_FIELDS and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def flat_row(item: Any) -> dict[str, Any]:
    """The item as the CSV's columns, in the item's field order: ``document`` spread over
    ``document_index_no`` … ``document_in_force`` (empty for a news item), each
    attachment's ``text`` taken out of ``attachments`` into one ``attachments_text`` column
    (each file's text under its name, its pages after the first each under a ``[p. n]`` line
    instead of a form feed, which spreadsheets show as a box; cut at a cell's limit).

    >>> row = flat_row({"title": "通知", "attachments": [{"url": "u", "name": "甲.pdf", "text": "正文"}],
    ...                 "document": {"doc_number": "武政〔2024〕1号", "in_force": True}})
    >>> row["attachments"], row["attachments_text"], row["document_doc_number"], row["document_issuer"]
    ([{'url': 'u', 'name': '甲.pdf'}], '【甲.pdf】\\n正文', '武政〔2024〕1号', None)
    >>> flat_row({"attachments": [{"url": "u", "name": "乙.pdf", "text": "一页\\f\\f三页"}]})["attachments_text"]
    '【乙.pdf】\\n一页\\n[p. 2]\\n\\n[p. 3]\\n三页'
    """
    row: dict[str, Any] = {}
    for name, value in ItemAdapter(item).items():
        if name == "document":
            document = value or {}
            row.update({f"document_{field}": document.get(field) for field in DOCUMENT_COLUMNS})
        elif name == "attachments":
            files = list(value or [])
            row["attachments"] = [{k: v for k, v in a.items() if k != "text"} for a in files]
            texts = [f"【{a.get('name') or a.get('url')}】\n{_paged(a['text'])}" for a in files if a.get("text")]
            joined = "\n\n".join(texts)
            if len(joined) > CELL_LIMIT:
                joined = joined[: CELL_LIMIT - len(_CUT_MARK)] + _CUT_MARK
            row["attachments_text"] = joined
        else:
            row[name] = value
    return row


def _paged(text: str) -> str:
    pages = text.split("\f")
    return pages[0] + "".join(f"\n[p. {number}]\n{page}" for number, page in enumerate(pages[1:], 2))


class SpreadsheetCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter, for spreadsheets: UTF-8 with a byte-order mark (Excel and WPS
    read BOM-less UTF-8 as the local code page), paragraphs in one cell separated by
    newlines (quoted, as CSV allows), nested fields (images, attachments, meta, cleaning)
    as JSON instead of Python reprs, the policy ``document`` as columns of its own and the
    attachments' text in one column (:func:`flat_row`). Registered for ``csv`` in
    ``FEED_EXPORTERS``."""

    def __init__(self, file: BytesIO, **kwargs: Any) -> None:
        kwargs["encoding"] = "utf-8-sig"
        super().__init__(file, **kwargs)

    def export_item(self, item: Any) -> None:
        super().export_item(flat_row(item))

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return cell(name, value)
