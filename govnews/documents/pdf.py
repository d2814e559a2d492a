"""PDF text with pypdfium2 (PDFium, the engine of Chrome's viewer; Apache-2.0/BSD-3), laid out
as text a person can search and quote.

Chosen for speed (C++, about 20× pdfminer.six on Chinese text, see
``benchmarks/bench_attachments.py``) and fidelity: PDFium maps CID fonts through their
``ToUnicode`` maps the way viewers do, so the Chinese a reader sees is the Chinese it reads.
PyMuPDF would do as well but is AGPL.

PDFium's own text (``get_text_range``) is the page's lines as drawn, with spaces it makes up
where glyphs stand apart (``武政规〔2026〕4 号``). Here each page is read from PDFium's
characters instead, with what PDFium knows of each (made up or printed, its box):

- a made-up space between a Chinese character and a Chinese character, digit or Latin
  letter is dropped (:func:`govnews.documents.tidy.drop_layout_spaces`); printed ones stay;
- lines join into paragraphs by their geometry (:func:`paragraph_breaks`): a line that
  reaches the right edge of the text, followed at the usual line pitch by one in the same
  size that does not start indented, continues it; joined by CJK rules
  (:func:`govnews.documents.tidy.join_lines`);
- a table ruled with lines (:func:`ruled_tables`) is a row a line, its cells apart by a tab,
  a merged cell's text in its first cell;
- pages are apart by a form feed; a page is a scan (:func:`is_scan`) when an image covers at
  least half of it and it has fewer than 20 characters besides a page number or a line
  every page repeats.

>>> cut_short(b"%PDF-1.4\\n1 0 obj\\n<<>>\\nendobj\\nxref\\n"), cut_short(b"%PDF-1.4\\n1 0 obj<<>>endobj\\n%%EOF\\n")
(True, False)
>>> cut_short(b"%PDF-1.4\\n\\x8f\\x02garbage")
False
"""

from __future__ import annotations

import bisect
import ctypes
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .layout import Line, furniture, is_scan, paragraph_breaks
from .result import DocumentResult, Kind, Reason
from .tidy import drop_layout_spaces, join_lines, join_pages

__all__ = ["cut_short", "pages_result", "read_pdf", "ruled_tables"]

# PDFium's FPDF_ERR_PASSWORD: the document needs a password to open.
_ERR_PASSWORD = 4


def cut_short(data: bytes) -> bool:
    """Whether ``data`` is a PDF body that stops before its end: it has objects but no
    ``%%EOF`` after the last of them (a file cut in an incremental update counts too).
    Garbage after a header has no objects at all, and is corrupt, not truncated."""
    last_object = data.rfind(b"endobj")
    return last_object >= 0 and data.rfind(b"%%EOF") < last_object


def read_pdf(data: bytes) -> DocumentResult:
    """The text of every page in order, pages apart by a form feed.

    >>> read_pdf(b"%PDF-1.4\\n\\x00garbage").reason
    <Reason.CORRUPT: 'corrupt'>
    """
    truncated = cut_short(data)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == _ERR_PASSWORD:
            return DocumentResult.without_text(Kind.PDF, Reason.ENCRYPTED, detail=str(exc))
        reason = Reason.TRUNCATED if truncated else Reason.CORRUPT
        return DocumentResult.without_text(Kind.PDF, reason, detail=str(exc))
    try:
        if truncated:
            # PDFium rebuilds a cut file's cross-references and reads what is left; a part
            # passed off as the whole document is worse than no text.
            return DocumentResult.without_text(Kind.PDF, Reason.TRUNCATED, detail="no %%EOF after the last object")
        pages = len(document)
        read = [_read_page(document, index) for index in range(pages)]
    finally:
        document.close()
    running = furniture([[line.text for line in lines] for lines, _, _ in read])
    texts = [text for _, text, _ in read]
    scanned = tuple(
        number
        for number, (lines, _, cover) in enumerate(read, 1)
        if is_scan([line.text for line in lines], cover, running)
    )
    return pages_result(Kind.PDF, texts, scanned)


def pages_result(kind: Kind, texts: Sequence[str], scanned: tuple[int, ...]) -> DocumentResult:
    """The result of a paged document (PDF, OFD): the pages joined, or ``no_text_layer``
    when every page is a scan or none has text."""
    text = join_pages(texts)
    pages = len(texts)
    if not text.replace("\f", "").strip() or (pages and len(scanned) == pages):
        return DocumentResult.without_text(kind, Reason.NO_TEXT_LAYER, pages=pages, scanned_pages=scanned)
    return DocumentResult(kind, text=text, pages=pages, scanned_pages=scanned)


# -- one page ----------------------------------------------------------------------------


def _read_page(document: pdfium.PdfDocument, index: int) -> tuple[list[Line], str, float]:
    """A page's lines (for the scan test), its text, and the share of it images cover."""
    page = document[index]
    try:
        width, height = page.get_size()
        segments, cover = _page_objects(page, width * height)
        textpage = page.get_textpage()
        try:
            lines = list(_lines(textpage))
            tables = ruled_tables(segments)
            text = _page_text(textpage, lines, tables, width)
        finally:
            textpage.close()
    finally:
        page.close()
    return lines, text, cover


def _page_objects(page: pdfium.PdfPage, area: float) -> tuple[list[tuple[float, float, float, float]], float]:
    """The page's thin path objects (rules of tables), and the share of the page its images
    (and forms holding images) cover."""
    segments: list[tuple[float, float, float, float]] = []
    covered = 0.0
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    for number in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, number)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        box = (left.value, bottom.value, right.value, top.value)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            segments.extend(_rules(box))
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE or _holds_image(obj):
            covered += max(box[2] - box[0], 0) * max(box[3] - box[1], 0)
    return segments, min(covered / area, 1.0) if area > 0 else 0.0


def _holds_image(form: ctypes.c_void_p, depth: int = 0) -> bool:
    for number in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, number)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4 and _holds_image(obj, depth + 1):
            return True
    return False


_THIN = 2.5  # points: a rule is at most this thick


def _rules(box: tuple[float, float, float, float]) -> Iterator[tuple[float, float, float, float]]:
    """A path's bounds as table rules: a thin one is a rule, a rectangle's four edges are."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w < 3 and h < 3:
        return
    if h <= _THIN or w <= _THIN:
        yield box
        return
    # A stroked cell border drawn as one rectangle: its edges.
    yield (x0, y0, x1, y0)
    yield (x0, y1, x1, y1)
    yield (x0, y0, x0, y1)
    yield (x1, y0, x1, y1)


def _lines(textpage: pdfium.PdfTextPage) -> Iterator[Line]:
    """The page's lines in PDFium's order, made-up spaces next to Chinese dropped."""
    count = textpage.count_chars()
    if count <= 0:
        return
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters beyond UCS-2, or chars PDFium leaves out: one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) or "\ufffd" for i in range(count))
    start = 0
    for end in [*(i for i, char in enumerate(text) if char == "\n"), count]:
        indexes = [i for i in range(start, end) if text[i] not in "\r\n"]
        start = end + 1
        line = _line(textpage, text, indexes)
        if line is not None:
            yield line


def _line(textpage: pdfium.PdfTextPage, text: str, indexes: list[int]) -> Line | None:
    while indexes and text[indexes[0]].isspace():
        indexes.pop(0)
    while indexes and text[indexes[-1]].isspace():
        indexes.pop()
    if not indexes:
        return None
    chars = "".join(text[i] for i in indexes)
    generated = [chars[n] == " " and bool(pdfium_c.FPDFText_IsGenerated(textpage, i)) for n, i in enumerate(indexes)]
    kept = drop_layout_spaces(chars, generated)
    if len(kept) != len(chars):
        # Keep the char indexes in step with the text (tables place chars by index).
        keep, position = [], 0
        for n, index in enumerate(indexes):
            if position < len(kept) and kept[position] == chars[n]:
                keep.append(index)
                position += 1
        indexes = keep
    first, last = textpage.get_charbox(indexes[0]), textpage.get_charbox(indexes[-1])
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage, indexes[0], x, y)
    size = pdfium_c.FPDFText_GetFontSize(textpage, indexes[0])
    if size <= 1:  # a font set at size 1 and scaled by the text matrix: the glyphs' height
        size = max(first[3] - first[1], last[3] - last[1], 1.0)
    return Line(kept, first[0], max(last[2], first[2]), y.value, size, indexes)


def _page_text(textpage: pdfium.PdfTextPage, lines: list[Line], tables: list[_Table], width: float) -> str:
    """Paragraphs a line, tables a row a line, in the order PDFium reads the page."""
    out: list[str] = []
    block: list[Line] = []
    placed: set[int] = set()

    def flush() -> None:
        breaks = paragraph_breaks(block, width)
        paragraph: list[str] = []
        for line, starts in zip(block, breaks, strict=True):
            if starts and paragraph:
                out.append(join_lines(paragraph))
                paragraph = []
            paragraph.append(line.text)
        if paragraph:
            out.append(join_lines(paragraph))
        block.clear()

    for line in lines:
        table = next((n for n, t in enumerate(tables) if t.holds(line)), None)
        if table is None:
            block.append(line)
            continue
        flush()
        if table not in placed:
            placed.add(table)
            out.extend(tables[table].rows(textpage, [x for x in lines if tables[table].holds(x)]))
    flush()
    return "\n".join(out)


# -- ruled tables --------------------------------------------------------------------------


@dataclass
class _Table:
    """A grid of ruled cells: ``xs`` left to right, ``ys`` top to bottom, and which inner
    rules are drawn (absent ones merge the cells on either side)."""

    xs: list[float]
    ys: list[float]
    vertical: list[list[bool]]
    """``vertical[row][col]``: a rule between grid columns ``col`` and ``col + 1`` in ``row``."""
    horizontal: list[list[bool]]
    """``horizontal[row][col]``: a rule between grid rows ``row`` and ``row + 1`` in ``col``."""

    def holds(self, line: Line) -> bool:
        middle_y = line.baseline + line.size * 0.3
        return self.xs[0] - 1 <= line.left and line.right <= self.xs[-1] + 1 and self.ys[-1] < middle_y < self.ys[0]

    def rows(self, textpage: pdfium.PdfTextPage, lines: list[Line]) -> list[str]:
        """A line a row of the grid, each cell's text in the first cell of its merge; a cell's
        lines joined by CJK rules, or by a space after a line that ends short of the cell's
        right edge (the end of a paragraph in the cell)."""
        columns, rows = len(self.xs) - 1, len(self.ys) - 1
        cells: list[list[list[tuple[str, float, float]]]] = [[[] for _ in range(columns)] for _ in range(rows)]
        descending = [-v for v in self.ys]
        for line in lines:
            runs: dict[tuple[int, int], list[str]] = {}
            rights: dict[tuple[int, int], float] = {}
            for char, index in zip(line.text, line.chars, strict=False):
                box = textpage.get_charbox(index)
                x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                column = min(max(bisect.bisect_right(self.xs, x) - 1, 0), columns - 1)
                row = min(max(bisect.bisect_left(descending, -y) - 1, 0), rows - 1)
                owner = self._owner(row, column)
                runs.setdefault(owner, []).append(char)
                if not char.isspace():
                    rights[owner] = max(rights.get(owner, 0.0), box[2])
            for owner, chars in runs.items():
                cells[owner[0]][owner[1]].append(("".join(chars).strip(), rights.get(owner, 0.0), line.size))
        out = []
        for row in range(rows):
            if row and all(not self.horizontal[row - 1][c] for c in range(columns)):
                continue  # no rule above in any column: not a row of its own
            out.append("\t".join(self._cell_text(cells[row][column], row, column) for column in range(columns)))
        return out

    def _cell_text(self, runs: list[tuple[str, float, float]], row: int, column: int) -> str:
        end = column + 1
        while end < len(self.xs) - 1 and not self.vertical[row][end - 1]:
            end += 1
        right = self.xs[end]
        text = ""
        short = False
        for run, run_right, size in runs:
            if not run:
                continue
            text = f"{text} {run}" if text and short else join_lines([text, run])
            # Short of the cell's right edge by more than two characters and its padding.
            short = right - run_right > 2.5 * size
        return text

    def _owner(self, row: int, column: int) -> tuple[int, int]:
        """The first (top-left) grid cell of the merged cell holding ``(row, column)``."""
        while True:
            if column and not self.vertical[row][column - 1]:
                column -= 1
            elif row and not self.horizontal[row - 1][column]:
                row -= 1
            else:
                return row, column


def ruled_tables(segments: Sequence[tuple[float, float, float, float]]) -> list[_Table]:
    """Tables drawn with rules: groups of touching horizontal and vertical rules that make at
    least two rows or two columns of cells (a box around one paragraph is not a table)."""
    horizontals = [s for s in segments if s[3] - s[1] <= _THIN and s[2] - s[0] > _THIN]
    verticals = [s for s in segments if s[2] - s[0] <= _THIN and s[3] - s[1] > _THIN]
    if len(horizontals) < 2 or len(verticals) < 2:
        return []
    tables = []
    for group in _touching(horizontals + verticals):
        h = [s for s in group if s in horizontals]
        v = [s for s in group if s in verticals]
        xs = _cluster([(s[0] + s[2]) / 2 for s in v])
        ys = sorted(_cluster([(s[1] + s[3]) / 2 for s in h]), reverse=True)
        if len(xs) < 2 or len(ys) < 2 or (len(xs) < 3 and len(ys) < 3):
            continue
        vertical = [
            [_covered(v, xs[c + 1], (ys[r] + ys[r + 1]) / 2, axis=1) for c in range(len(xs) - 2)]
            for r in range(len(ys) - 1)
        ]
        horizontal = [
            [_covered(h, ys[r + 1], (xs[c] + xs[c + 1]) / 2, axis=0) for c in range(len(xs) - 1)]
            for r in range(len(ys) - 2)
        ]
        tables.append(_Table(xs, ys, vertical, horizontal))
    return tables


def _cluster(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > tolerance:
            out.append(value)
    return out


def _covered(rules: list[tuple[float, float, float, float]], at: float, middle: float, *, axis: int) -> bool:
    """Whether a rule stands at ``at`` (x for verticals, axis 1; y for horizontals, axis 0)
    across ``middle`` (the other coordinate)."""
    for x0, y0, x1, y1 in rules:
        if axis == 1 and abs((x0 + x1) / 2 - at) <= 2.0 and y0 - 1 <= middle <= y1 + 1:
            return True
        if axis == 0 and abs((y0 + y1) / 2 - at) <= 2.0 and x0 - 1 <= middle <= x1 + 1:
            return True
    return False


def _touching(segments: list[tuple[float, float, float, float]]) -> list[list[tuple[float, float, float, float]]]:
    """Segments grouped by touching (within 2 points), by union-find."""
    parent = list(range(len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(segments):
        for j in range(i + 1, len(segments)):
            b = segments[j]
            if a[0] - 2 <= b[2] and b[0] - 2 <= a[2] and a[1] - 2 <= b[3] and b[1] - 2 <= a[3]:
                parent[find(i)] = find(j)
    groups: dict[int, list[tuple[float, float, float, float]]] = {}
    for i, segment in enumerate(segments):
        groups.setdefault(find(i), []).append(segment)
    return list(groups.values())
