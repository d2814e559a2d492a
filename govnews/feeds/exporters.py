"""Feed exporters of the project's own: ``-o out.csv`` that opens right in Excel and WPS."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from scrapy.exporters import CsvItemExporter

LIST_OF_TEXT_FIELDS = ("paragraphs",)


def cell(name: str, value: Any) -> Any:
    """A field as one CSV cell: paragraphs joined by newlines, any other list or dict as
    JSON (Chinese unescaped), ``None`` empty, the rest as it is.

    >>> cell("paragraphs", ["第一段。", "第二段。"])
    '第一段。\\n第二段。'
    >>> cell("images", [{"url": "https://x/a.jpg", "alt": None}])
    '[{"url": "https://x/a.jpg", "alt": null}]'
    >>> cell("source", None), cell("revision", 2)
    ('', 2)
    """
    if value is None:
        return ""
    if name in LIST_OF_TEXT_FIELDS and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


class SpreadsheetCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter, for spreadsheets: UTF-8 with a byte-order mark (Excel and WPS
    read BOM-less UTF-8 as the local code page), paragraphs in one cell separated by
    newlines (quoted, as CSV allows), nested fields (images, attachments, meta, cleaning)
    as JSON instead of Python reprs. Registered for ``csv`` in ``FEED_EXPORTERS``."""

    def __init__(self, file: BytesIO, **kwargs: Any) -> None:
        kwargs["encoding"] = "utf-8-sig"
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return cell(name, value)
