"""XLSX and XLS with python-calamine (MIT): one Rust library reads both (and Kingsoft's
``.et``), an order of magnitude faster than openpyxl and xlrd, with no formulas evaluated.

Every sheet in workbook order; a row a line, cells apart by a tab, empty rows and
trailing empty cells left out; sheets apart by a blank line. ``pages`` is the sheet count.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import python_calamine

from .result import DocumentResult, Kind, ReadLimits, Reason
from .tidy import join_pages
from .zipguard import open_zip

__all__ = ["cell_text", "read_spreadsheet", "sheet_rows"]


def sheet_rows(rows: Sequence[Sequence[object]]) -> list[str]:
    """A sheet's used range as lines: a row a line, every cell of the range kept (an empty
    one is an empty string between two tabs), rows without any text left out; a merged
    cell's text is in its first cell, as the file stores it.

    >>> sheet_rows([["项目", "", "金额"], ["", "", ""], ["道路", None, 120.0], ["", "备注", ""]])
    ['项目\\t\\t金额', '道路\\t\\t120', '\\t备注\\t']
    """
    width = max((len(row) for row in rows), default=0)
    lines = []
    for row in rows:
        cells = [cell_text(value) for value in row] + [""] * (width - len(row))
        if any(cell.strip() for cell in cells):
            lines.append("\t".join(" ".join(cell.split()) for cell in cells))
    return lines


def read_spreadsheet(data: bytes, kind: Kind, limits: ReadLimits) -> DocumentResult:
    """Every sheet's cells as text, a sheet a page (apart by form feeds); XLSX packages pass
    the bomb checks first."""
    if kind is Kind.XLSX:
        open_zip(data, limits).close()
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        return DocumentResult.without_text(kind, Reason.ENCRYPTED, detail=str(exc))
    except python_calamine.CalamineError as exc:
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail=str(exc))
    with workbook:
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=True)
            sheets.append("\n".join(sheet_rows(rows)))
    text = join_pages(sheets)
    pages = len(sheets)
    if not text.replace("\f", "").strip():
        return DocumentResult.without_text(kind, Reason.BLANK, pages=pages, scanned_pages=())
    # Sheets are pages, and never pictures.
    return DocumentResult(kind, text=text, pages=pages, scanned_pages=())


def cell_text(value: object) -> str:
    """A cell as a person reads it: whole numbers without ``.0``, no float noise, dates in
    ISO form.

    >>> [cell_text(v) for v in (30.0, 120.5, 0.1 + 0.2, True, "道路", date(2024, 3, 1), None)]
    ['30', '120.5', '0.3', 'TRUE', '道路', '2024-03-01', '']
    >>> cell_text(datetime(2024, 3, 1, 9, 30)), cell_text(datetime(2024, 3, 1)), cell_text(1e20)
    ('2024-03-01 09:30:00', '2024-03-01', '1e+20')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time | timedelta):
        return str(value)
    return str(value)
