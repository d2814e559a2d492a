"""Real test documents, each with its truth: the text a reader must find (or why none).

Knows nothing of govnews. From Chinese paragraphs it makes up (deterministic by seed) it
writes every kind of attachment a government site serves and every hostile file a crawler
meets, and says for each what is in it: :class:`Sample` holds the expected kind, text,
page count, archive members, or the expected reason there is no text.

What each kind is made with:

- PDF: reportlab, with WenQuanYi Zen Hei from Debian's ``fonts-wqy-zenhei``
  (``/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc``, face 0). reportlab embeds a subset of
  it (``/FontFile2``) with a ``ToUnicode`` map. It needs TrueType outlines: Noto CJK
  (``fonts-noto-cjk``) is CFF and reportlab cannot embed it.
- DOCX: python-docx (encrypted with a password by msoffcrypto-tool, as Office does it);
  XLSX: openpyxl; OFD: the XML package written here, per GB/T 33190;
  ZIP (including one with GBK names and no UTF-8 flag, as Chinese Windows writes them),
  the ZIP bombs and the RAR5 archive: written byte by byte here (no free tool writes RAR).
- Images and the scanned PDF: Pillow renders the text with the same font.
- Made once with Debian tools and committed (``tests/fixtures/tool-made/``, read by
  :func:`build_tool_samples`, made by :func:`make_tool_samples`: ``python -m
  tests.mirror.documents --remake-tool-made``): DOC and WPS converted from this module's
  DOCX, XLS from its XLSX, a PDF of its numbered DOCX, by LibreOffice (``soffice --headless
  --convert-to``; packages ``libreoffice-writer-nogui``, ``libreoffice-calc-nogui``); 7z by
  ``7z`` (package ``p7zip-full``). A ``.wps`` is a Word 97 document under Kingsoft's name,
  which is what Kingsoft WPS Writer saves. Their manifest holds each file's SHA-256 and the
  text it was made from: a change to the generator's texts fails every test that reads them,
  saying to remake them (LibreOffice takes 20 s; the tests need neither it nor 7z).

``python -m tests.mirror.documents DIR`` writes the corpus and ``DIR/truth.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import docx
import docx.document
import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_PACKAGE = "fonts-wqy-zenhei"
FONT_NAME = "WenQuanYiZenHei"
TOOL_PACKAGES = {"soffice": "libreoffice-writer-nogui libreoffice-calc-nogui", "7z": "p7zip-full"}
GIB = 1 << 30

CT_PDF = "application/pdf"
CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sample:
    """One generated file and its truth. ``text`` is ``None`` when ``reason`` says why
    there is none. ``text``'s lines, tabs and form feeds are part of the truth (a paragraph
    a line, a table row a line with its cells apart by tabs, pages apart by form feeds);
    runs of spaces inside a line are not."""

    name: str
    path: Path
    kind: str
    text: str | None = None
    pages: int | None = None
    reason: str | None = None
    members: tuple[str, ...] | None = None
    content_type: str | None = None
    note: str = ""
    scanned_pages: tuple[int, ...] | None = None
    """The 1-based pages that are pictures; ``()`` for a paged document without any,
    ``None`` for a format without pages."""


class MissingTool(RuntimeError):
    """A Debian tool the sample needs is not installed."""


# --- Chinese text -------------------------------------------------------------------------

_SUBJECTS = (
    "武汉市人民政府",
    "市发展和改革委员会",
    "各区人民政府",
    "东湖新技术开发区管委会",
    "市生态环境局",
    "市住房和城乡建设局",
    "长江新区",
    "市民政局",
    "市教育局",
    "市卫生健康委员会",
)
_VERBS = ("印发", "部署", "推进", "加强", "落实", "完善", "开展", "优化", "统筹", "启动")
_OBJECTS = (
    "城市更新行动",
    "优化营商环境工作",
    "长江大保护",
    "民生实事项目",
    "老旧小区改造",
    "“一网通办”政务服务",
    "安全生产专项整治",
    "碳达峰碳中和工作",
    "东湖绿道二期建设",
    "5G基站建设",
    "《武汉市城市总体规划》实施",
    "义务教育学位供给",
)
_TAILS = (
    "确保各项任务按期完成",
    "请各单位认真贯彻执行",
    "进一步提升市民获得感",
    "形成常态长效机制",
    "切实做好组织保障",
    "全年完成投资{n}亿元",
    "惠及群众约{n}万人",
    "共涉及{n}个项目（第{k}批）",
)


def paragraphs(seed: int, count: int) -> list[str]:
    """``count`` made-up Chinese paragraphs of government prose, the same for a seed.

    >>> paragraphs(7, 2) == paragraphs(7, 2) and paragraphs(7, 2) != paragraphs(8, 2)
    True
    """
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(1, 4)):
            tail = rng.choice(_TAILS).format(n=rng.randint(2, 980), k=rng.randint(1, 9))
            sentence = f"{rng.choice(_SUBJECTS)}{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，{tail}"
            sentences.append(sentence + rng.choice("。；！"))
        out.append("".join(sentences).rstrip("；") + ("" if sentences[-1].endswith(("。", "！")) else "。"))
    return out


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


# --- PDF ------------------------------------------------------------------------------------


def _font() -> str:

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        if not FONT_PATH.exists():
            raise MissingTool(f"{FONT_PATH} is missing: apt-get install {FONT_PACKAGE}")
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


PAGE_BREAK = "\f"
"""Pages (and sheets) are apart by a form feed in every truth, as pdftotext writes them."""


def _tokens(text: str) -> list[str]:
    """Units a typesetter will not break: a Chinese character, or a Latin word with the
    spaces after it."""
    out: list[str] = []
    for char in text:
        latin = char.isascii() and not char.isspace()
        after_latin = bool(out) and out[-1][-1].isascii()
        if after_latin and ((latin and not out[-1][-1].isspace()) or char == " "):
            out[-1] += char
        else:
            out.append(char)
    return out


def _fill(text: str, width: float, measure: object, first_indent: float = 0.0) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (``measure(s)`` gives a width), a
    Latin word never broken; the first line ``first_indent`` narrower."""
    lines: list[str] = []
    current, used, room = "", 0.0, width - first_indent
    for token in _tokens(text):
        token_width = measure(token.rstrip(" "))  # type: ignore[operator]
        if current and used + token_width > room:
            lines.append(current)
            current, used, room = "", 0.0, width
        placed = token if current else token.lstrip(" ")
        current += placed
        used += measure(placed)  # type: ignore[operator]
    if current or not lines:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Typeset:
    """A generated PDF and its truth: each page's lines as a reader must give them (a
    paragraph a line, the part of a paragraph a page holds on that page; table rows with
    their cells apart by a tab)."""

    data: bytes
    pages: list[list[str]]

    @property
    def text(self) -> str:
        return PAGE_BREAK.join("\n".join(lines) for lines in self.pages)


def pdf_typeset(
    texts: Sequence[str],
    *,
    font_size: float = 12,
    encrypt_password: str | None = None,
    indent: bool = False,
    footer: bool = False,
    header_runs: Sequence[Sequence[str]] = (),
    tables: dict[int, Sequence[Sequence[str]]] | None = None,
) -> Typeset:
    """A PDF of ``texts`` (paragraphs filled to the width of A4 between margins, flowing over
    pages) in an embedded CJK font, with its truth.

    ``indent``: paragraphs start two characters in and stand at the line pitch, as Chinese
    documents are set (else flush left, half a line apart). ``footer``: a centred page
    number ``— n —`` at each page's foot. ``header_runs``: lines drawn first, each as
    separate runs with a gap between them (as word processors place justified or spaced
    text), e.g. ``[["武政规〔2026〕", "4", "号"]]``; the truth is the runs joined.
    ``tables``: after paragraph ``i`` (0-based), a table ruled on every side, its rows.
    """
    font = _font()
    buffer = io.BytesIO()
    encrypt = None
    if encrypt_password is not None:
        encrypt = StandardEncryption(encrypt_password, ownerPassword=encrypt_password + "-owner", strength=128)
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, encrypt=encrypt)
    width, height = A4
    margin, leading = 56.0, font_size * 1.6
    text_width = width - 2 * margin
    pages: list[list[str]] = [[]]
    y = height - margin

    def measure(value: str) -> float:
        return float(pdfmetrics.stringWidth(value, font, font_size))

    def new_page() -> None:
        nonlocal y
        if footer:
            pdf.drawCentredString(width / 2, margin / 2, f"— {len(pages)} —")
            pages[-1].append(f"— {len(pages)} —")
        pdf.showPage()
        pdf.setFont(font, font_size)
        pages.append([])
        y = height - margin

    pdf.setFont(font, font_size)
    for runs in header_runs:
        x = margin
        for run in runs:
            pdf.drawString(x, y, run)
            x += measure(run) + font_size * 0.4
        pages[-1].append("".join(runs))
        y -= leading * 1.5
    for number, paragraph in enumerate(texts):
        indent_width = 2 * font_size if indent else 0.0
        part: list[str] = []
        for line_number, line in enumerate(_fill(paragraph, text_width, measure, indent_width)):
            if y < margin:
                if part:
                    pages[-1].append("".join(part).strip())
                    part = []
                new_page()
            pdf.drawString(margin + (indent_width if line_number == 0 else 0), y, line)
            part.append(line)
            y -= leading
        pages[-1].append("".join(part).strip())
        if not indent:
            y -= leading / 2
        if tables and number in tables:
            y = _ruled_table(pdf, tables[number], margin, y, text_width, size=font_size)
            pages[-1].extend("\t".join(row) for row in tables[number])
    if footer:
        pdf.drawCentredString(width / 2, margin / 2, f"— {len(pages)} —")
        pages[-1].append(f"— {len(pages)} —")
    pdf.showPage()
    pdf.save()
    return Typeset(buffer.getvalue(), pages)


def _ruled_table(
    pdf: canvas.Canvas, rows: Sequence[Sequence[str]], left: float, top: float, width: float, *, size: float
) -> float:
    """Draw ``rows`` as a table ruled on every side from ``(left, top)``; return the y below."""
    columns = max(len(row) for row in rows)
    cell_width = width / columns
    row_height = size * 2
    y = top
    for row in rows:
        for column, value in enumerate(row):
            pdf.drawString(left + column * cell_width + size * 0.4, y - size * 1.35, value)
        y -= row_height
    pdf.setLineWidth(0.6)
    for n in range(len(rows) + 1):
        pdf.line(left, top - n * row_height, left + width, top - n * row_height)
    for n in range(columns + 1):
        pdf.line(left + n * cell_width, top, left + n * cell_width, y)
    return y - size * 1.6


def pdf_bytes(texts: Sequence[str], *, font_size: float = 12, encrypt_password: str | None = None) -> tuple[bytes, int]:
    """A PDF of ``texts`` (:func:`pdf_typeset`); returns the bytes and the page count."""
    typeset = pdf_typeset(texts, font_size=font_size, encrypt_password=encrypt_password)
    return typeset.data, len(typeset.pages)


def write_pdf(path: Path, texts: Sequence[str], **options: object) -> int:
    """Write :func:`pdf_bytes` to ``path``; return the page count."""
    data, pages = pdf_bytes(texts, **options)  # type: ignore[arg-type]
    path.write_bytes(data)
    return pages


def _text_image(texts: Sequence[str], size: tuple[int, int] = (1240, 600)) -> object:

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_PATH), 30, index=0)
    y = 30
    for text in texts:
        for line in _wrap(text, 38):
            draw.text((40, y), line, fill="black", font=font)
            y += 44
    return image


def scanned_pdf_bytes(texts: Sequence[str]) -> bytes:
    """A one-page PDF that is only a picture of ``texts``: a scan, no text layer."""

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    image = _text_image(texts)
    pdf.drawImage(ImageReader(image), 40, 400, width=515, height=250)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_bytes(texts: Sequence[str], image_format: str) -> bytes:
    """A PNG or JPEG picture of ``texts``."""
    buffer = io.BytesIO()
    _text_image(texts).save(buffer, format=image_format)  # type: ignore[attr-defined]
    return buffer.getvalue()


# --- scans ------------------------------------------------------------------------------------

A4_MM = (210.0, 297.0)
SCAN_CHARS_PER_LINE = 26


def scan_lines(seed: int, count: int | None = None) -> list[str]:
    """Paragraphs of government prose for a scanned page: ``count`` of them, or as many as
    fill about 20 lines of :func:`scan_image` (a full page, as most scans are)."""
    if count is not None:
        return paragraphs(seed, count)
    out: list[str] = []
    lines = 0
    for text in paragraphs(seed, 20):
        needed = (len(text) + 2) // SCAN_CHARS_PER_LINE + 1
        if lines + needed > 20:
            break
        out.append(text)
        lines += needed
    return out


def scan_image(
    texts: Sequence[str],
    dpi: int,
    *,
    seed: int = 0,
    angle: float = 0.8,
    speckle: bool = True,
    stamp: bool = True,
    font_pt: float = 16,
) -> Image.Image:
    """A scanned A4 page of the paragraphs ``texts`` at ``dpi``: 16-point text (三号, as
    official documents are set) filled to the width between 28 mm margins, each paragraph
    indented two characters, turned by ``angle`` degrees, with specks of dust and a red
    seal (a ring, a star and the issuer's name) stamped over the text. Paragraphs that do
    not fit on the page raise ValueError (about 20 lines fit)."""
    rng = random.Random(seed)
    w, h = round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)
    page = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(page)
    px = round(font_pt / 72 * dpi)
    font = ImageFont.truetype(str(FONT_PATH), px, index=0)
    x0, top = round(28 / 25.4 * dpi), round(37 / 25.4 * dpi)
    pitch = round(px * 1.75)
    number = 0
    for text in texts:
        for line_number, line in enumerate(_fill(text, w - 2 * x0, font.getlength, 2 * px)):
            indent = 2 * px if line_number == 0 else 0
            if top + (number + 1) * pitch > h - 2 * x0:
                raise ValueError("the paragraphs do not fit on one scanned page: give fewer")
            draw.text((x0 + indent, top + number * pitch), line, fill=(20, 20, 20), font=font)
            number += 1
    if stamp:
        radius = round(21 / 25.4 * dpi)
        cx, cy = round(w * 0.62), top + pitch * 3
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ink = ImageDraw.Draw(layer)
        red = (220, 30, 30, 150)
        ink.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(3, radius // 14))
        seal_font = ImageFont.truetype(str(FONT_PATH), radius // 4, index=0)
        for n, char in enumerate("武汉市人民政府办公厅"):
            a = math.radians(200 + n * 14)
            position = (cx + 0.72 * radius * math.cos(a) - radius // 8, cy + 0.72 * radius * math.sin(a) - radius // 8)
            ink.text(position, char, fill=red, font=seal_font)
        s = radius / 3
        star = [
            (cx + s * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
             cy + s * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4))
            for k in range(10)
        ]  # fmt: skip
        ink.polygon(star, fill=red)
        page = Image.alpha_composite(page.convert("RGBA"), layer).convert("RGB")
    if speckle:
        dust = ImageDraw.Draw(page)
        for _ in range(w * h // 2500):
            x, y = rng.randrange(w), rng.randrange(h)
            s = rng.choice((1, 1, 2, 3))
            dust.ellipse((x, y, x + s, y + s), fill=(rng.randrange(0, 90),) * 3)
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor="white")
    return page


@dataclass(frozen=True)
class ScanPage:
    """A page of :func:`mixed_pdf_bytes`: typed ``lines`` (a paragraph a line, short enough
    for one line), or a picture of them (``scan``: paragraphs, :func:`scan_image`)."""

    lines: Sequence[str]
    scan: bool = False
    dpi: int | None = None
    """The scan's resolution (else the document's)."""


def mixed_pdf_bytes(pages: Sequence[ScanPage], *, dpi: int = 200, footer: bool = True, seed: int = 0) -> bytes:
    """A PDF of typed and scanned pages (a picture covering the whole page, JPEG as scanners
    write it), each with a typed page number ``— n —`` at its foot when ``footer``."""
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    for number, page in enumerate(pages, 1):
        if page.scan:
            resolution = page.dpi or dpi
            image = scan_image(page.lines, resolution, seed=seed + number)
            jpeg = io.BytesIO()
            image.save(jpeg, format="JPEG", quality=85, dpi=(resolution, resolution))
            pdf.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width=width, height=height)
        else:
            pdf.setFont(font, 14)
            y = height - 80
            for line in page.lines:
                pdf.drawString(70, y, line)
                y -= 26
        if footer:
            pdf.setFont(font, 12)
            pdf.drawCentredString(width / 2, 30, f"— {number} —")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def slow_pdf_bytes(pages: int = 200, text_objects: int = 20_000) -> bytes:
    """A small PDF (tens of KB) whose text takes seconds to extract: ``pages`` pages that
    share one content stream of ``text_objects`` one-letter text objects."""
    content = b"BT /F1 1 Tf " + b"".join(b"%d %d Td (x) Tj " % (i % 7, i % 5) for i in range(text_objects)) + b"ET"
    stream = zlib.compress(content, 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]"
        b" /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    objects += [page] * pages
    return _raw_pdf(objects)


def _raw_pdf(objects: Sequence[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- DOCX, XLSX -----------------------------------------------------------------------------


_NUMBERING_XML = (
    '<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">'
    '<w:multiLevelType w:val="multilevel"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/>'
    '<w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/>'
    '<w:lvlText w:val="（%2）"/><w:lvlJc w:val="left"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/>'
    '<w:lvlJc w:val="left"/></w:lvl></w:abstractNum>'
)
"""A list definition as Chinese documents number their parts: 一、 (nothing after it),
（一） (nothing after it), 1. (a tab after it, shown as one space in text)."""


def _numbered(document: docx.document.Document) -> str:
    """Add :data:`_NUMBERING_XML` to ``document`` and a list instance of it; its ``numId``."""
    from docx.oxml import parse_xml  # noqa: PLC0415

    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(_NUMBERING_XML))
    numbering.append(
        parse_xml(
            '<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:numId="90">'
            '<w:abstractNumId w:val="90"/></w:num>'
        )
    )
    return "90"


def _list_item(document: docx.document.Document, text: str, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml  # noqa: PLC0415

    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def numbered_docx_bytes(seed: int) -> tuple[bytes, str]:
    """A DOCX of numbered clauses (Word's own "List Number" style, ``1.``; a Chinese
    multilevel list, ``一、`` / ``（一）`` / ``1.``) and a table with a cell merged across two
    columns, one merged down two rows and one of two paragraphs; its text as the document
    shows it (numbers before their items, then one space unless the list says none; a
    table row a line, a merged cell's text in its first cell, a cell's paragraphs joined by
    a space)."""
    texts = paragraphs(seed, 6)
    document = docx.Document()
    truth = []
    title = "关于做好2026年防汛工作的通知"
    document.add_heading(title, level=1)
    truth.append(title)
    for number, clause in enumerate(("压实防汛责任。", "加强监测预警。", "做好应急值守。"), 1):
        document.add_paragraph(clause, style="List Number")
        truth.append(f"{number}. {clause}")
    num_id = _numbered(document)
    plan = [
        (0, "总体要求", "一、"),
        (1, texts[0], "（一）"),
        (2, "排查隐患。", "1. "),
        (2, "整改到位。", "2. "),
        (1, texts[1], "（二）"),
        (0, "工作措施", "二、"),
        (1, texts[2], "（一）"),
    ]
    for level, text, label in plan:
        _list_item(document, text, num_id, level)
        truth.append(label + text)
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(0, 2).text = "区域", "责任单位", "金额（万元）"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "江岸区"
    table.cell(1, 1).text, table.cell(1, 2).text = "区水务局", "120"
    table.cell(2, 1).text, table.cell(2, 2).text = "区应急局", ""
    merged = table.cell(3, 0).merge(table.cell(3, 1))
    merged.text = "合计"
    table.cell(3, 2).text = "第一段"
    table.cell(3, 2).add_paragraph("第二段")
    truth += ["区域\t责任单位\t金额（万元）", "江岸区\t区水务局\t120", "\t区应急局\t", "合计\t\t第一段 第二段"]
    for text in texts[3:]:
        document.add_paragraph(text)
        truth.append(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), "\n".join(truth)


def docx_bytes(seed: int) -> tuple[bytes, str]:
    """A DOCX with two headings, paragraphs and a 3×3 table; returns it and its text."""

    texts = paragraphs(seed, 4)
    document = docx.Document()
    truth = []
    title = f"关于{_OBJECTS[seed % len(_OBJECTS)]}的通知"
    document.add_heading(title, level=1)
    truth.append(title)
    for text in texts[:2]:
        document.add_paragraph(text)
        truth.append(text)
    heading = "一、项目清单"
    document.add_heading(heading, level=2)
    truth.append(heading)
    rows = [("序号", "项目名称", "责任单位")] + [
        (str(i), _OBJECTS[(seed + i) % len(_OBJECTS)], _SUBJECTS[(seed + i) % len(_SUBJECTS)]) for i in (1, 2)
    ]
    table = document.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
        truth.append("\t".join(row))
    for text in texts[2:]:
        document.add_paragraph(text)
        truth.append(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), "\n".join(truth)


def encrypted_ooxml_bytes(data: bytes, password: str) -> bytes:
    """``data`` (a DOCX, XLSX or PPTX) encrypted with ``password`` (ECMA-376 agile
    encryption: an OLE2 file holding ``EncryptionInfo`` and ``EncryptedPackage``)."""
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def blank_docx_bytes() -> bytes:
    """A DOCX with no text at all."""

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def xlsx_bytes(seed: int) -> tuple[bytes, str, int]:
    """An XLSX with two sheets (text, whole and decimal numbers, an empty cell, two cells
    merged); its text (a row a line, cells apart by a tab, sheets by a form feed), sheet count."""

    rng = random.Random(seed)
    workbook = openpyxl.Workbook()
    budget = workbook.active
    budget.title = "预算表"
    rows: list[list[object]] = [["项目", "金额（万元）", "完成率"]]
    for index in range(5):
        rows.append([_OBJECTS[(seed + index) % len(_OBJECTS)], rng.randint(10, 900), round(rng.random(), 2)])
    rows[2][1] = ""  # an empty cell: kept, an empty string between two tabs
    rows.append(["合计（两列合并）", "", ""])
    for row in rows:
        budget.append([None if value == "" else value for value in row])
    budget.merge_cells(start_row=len(rows), start_column=1, end_row=len(rows), end_column=2)
    notes = workbook.create_sheet("说明")
    note_rows: list[list[object]] = [[text] for text in paragraphs(seed + 1, 2)]
    for row in note_rows:
        notes.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheets = ["\n".join("\t".join(_cell(value) for value in row) for row in part) for part in (rows, note_rows)]
    return buffer.getvalue(), PAGE_BREAK.join(sheets), 2


def _cell(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- OFD ------------------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"


def ofd_bytes(pages: Sequence[Sequence[str]], *, per_character_pages: Sequence[int] = ()) -> bytes:
    """An OFD package of ``pages`` (paragraphs): :func:`ofd_typeset`'s bytes."""
    return ofd_typeset(pages, per_character_pages=per_character_pages).data


def ofd_typeset(
    pages: Sequence[Sequence[str]],
    *,
    per_character_pages: Sequence[int] = (),
    shuffled: bool = False,
    running_head: str | None = None,
    tables: dict[int, Sequence[Sequence[str]]] | None = None,
    scan_pages: Sequence[int] = (),
) -> Typeset:
    """An OFD package (GB/T 33190): ``OFD.xml``, ``Doc_0/Document.xml``, ``PublicRes.xml``
    and a ``Content.xml`` a page, a ``TextObject`` a line, and its truth (a paragraph a line).

    ``per_character_pages``: on those pages (0-based) a ``TextObject`` a character, as some
    converters write. ``shuffled``: each page's objects written in a shuffled order (the
    reader must follow positions). ``running_head``: a template page every page uses,
    holding that line at the top (read once: the truth has it on page 1 only). ``tables``:
    on page ``i``, after its paragraphs, rows of cells, each cell a ``TextObject`` at its
    column. ``scan_pages``: pages that are an image covering the page, without text.
    """
    esc = _xml_escape
    rng = random.Random(len(pages))
    unit = 10  # IDs below this are the layer, fonts, template
    files: dict[str, str] = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6c5a1b0e2f3d4c7a9e8b1d2c3f4a5b6c</ofd:DocID>"
            "<ofd:Title>通知</ofd:Title><ofd:Creator>tests.mirror.documents</ofd:Creator>"
            "<ofd:CreationDate>2024-03-15</ofd:CreationDate></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/PublicRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res">'
            '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
        ),
    }
    if scan_pages:
        files["Doc_0/DocumentRes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res">'
            '<ofd:MultiMedias><ofd:MultiMedia ID="5" Type="Image" Format="PNG"><ofd:MediaFile>scan.png</ofd:MediaFile>'
            "</ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
        )
        files["Doc_0/Res/scan.png"] = ""  # written as bytes below
    truth: list[list[str]] = []
    template_ref = ""
    if running_head is not None:
        files["Doc_0/Tpls/Tpl_0/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Content>'
            f'<ofd:Layer ID="7"><ofd:TextObject ID="8" Boundary="25 10 160 6" Font="2" Size="4.2">'
            f'<ofd:TextCode X="0" Y="4.2" DeltaX="g {len(running_head) - 1} 4.2">{esc(running_head)}</ofd:TextCode>'
            "</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
        )
        template_ref = '<ofd:Template TemplateID="6"/>'
    page_refs = []
    for number, page_lines in enumerate(pages):
        page_refs.append(f'<ofd:Page ID="{3 + number}" BaseLoc="Pages/Page_{number}/Content.xml"/>')
        objects = []
        page_truth = [running_head] if running_head is not None and number == 0 else []
        y = 25.0
        if number in scan_pages:
            unit += 1
            objects.append(
                f'<ofd:ImageObject ID="{unit}" Boundary="0 0 210 297" ResourceID="5" CTM="210 0 0 297 0 0"/>'
            )
        for line in [] if number in scan_pages else page_lines:
            page_truth.append(line)
            for chunk in _fill(line, 36 * 4.2, _ofd_width):
                if number in per_character_pages:
                    x = 25.0
                    for char in chunk:
                        unit += 1
                        objects.append(
                            f'<ofd:TextObject ID="{unit}" Boundary="{x:.1f} {y:.1f} 5 6" Font="2" Size="4.2">'
                            f'<ofd:TextCode X="0" Y="4.2">{esc(char)}</ofd:TextCode></ofd:TextObject>'
                        )
                        x += _ofd_width(char)
                else:
                    unit += 1
                    deltas = " ".join(f"{_ofd_width(char):g}" for char in chunk[:-1])
                    objects.append(
                        f'<ofd:TextObject ID="{unit}" Boundary="25 {y:.1f} 160 6" Font="2" Size="4.2">'
                        f'<ofd:TextCode X="0" Y="4.2" DeltaX="{deltas}">{esc(chunk)}</ofd:TextCode></ofd:TextObject>'
                    )
                y += 7
            y += 3
        for row in (tables or {}).get(number, ()):
            for column, cell in enumerate(row):
                if cell:
                    unit += 1
                    deltas = " ".join(["4.2"] * (len(cell) - 1))
                    objects.append(
                        f'<ofd:TextObject ID="{unit}" Boundary="{25 + 45 * column} {y:.1f} 44 6" Font="2" Size="4.2">'
                        f'<ofd:TextCode X="1" Y="4.2" DeltaX="{deltas}">{esc(cell)}</ofd:TextCode></ofd:TextObject>'
                    )
            page_truth.append("\t".join(row))
            y += 8
        if shuffled:
            rng.shuffle(objects)
        truth.append(page_truth)
        files[f"Doc_0/Pages/Page_{number}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{_OFD_NS}">{template_ref}<ofd:Content>'
            f'<ofd:Layer ID="1">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    template_page = '<ofd:TemplatePage ID="6" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if running_head is not None else ""
    document_res = "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>" if scan_pages else ""
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{_OFD_NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{unit}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
        f"</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{document_res}{template_page}</ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in (
            "OFD.xml",
            "Doc_0/Document.xml",
            "Doc_0/PublicRes.xml",
            *sorted(set(files) - {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml"}),
        ):
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 15, 9, 0, 0))
            if name.endswith(".png"):
                archive.writestr(info, image_bytes(["扫描件"], "PNG"))
            else:
                archive.writestr(info, files[name].encode("utf-8"))
    return Typeset(buffer.getvalue(), truth)


def _ofd_width(text: str) -> float:
    """Millimetres a run takes at 4.2 mm type: Chinese a full em, ASCII half of one."""
    return sum(2.1 if char.isascii() else 4.2 for char in text)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- ZIP, RAR, bombs (written byte by byte) --------------------------------------------------


@dataclass(frozen=True)
class _Member:
    name: bytes
    data: bytes  # what goes in the file: stored bytes or a raw deflate stream
    size: int  # unpacked size
    crc: int
    deflated: bool = False
    utf8_flag: bool = True


def _stored(name: str, data: bytes, *, encoding: str = "utf-8") -> _Member:
    return _Member(name.encode(encoding), data, len(data), zlib.crc32(data), utf8_flag=encoding == "utf-8")


def zip_bytes(members: Sequence[_Member]) -> bytes:
    """A ZIP of ``members`` exactly as given: names in any encoding, sizes as declared."""
    out = bytearray()
    central = bytearray()
    for member in members:
        flags = 0x800 if member.utf8_flag else 0
        method = 8 if member.deflated else 0
        fixed = struct.pack("<HHHHHIII", 20, flags, method, 0x4800, 0x586F, member.crc, len(member.data), member.size)
        offset = len(out)
        out += b"PK\x03\x04" + fixed + struct.pack("<HH", len(member.name), 0) + member.name + member.data
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fixed
            + struct.pack("<HHHHHII", len(member.name), 0, 0, 0, 0, 0, offset)
        )
        central += member.name
    start = len(out)
    out += central
    out += b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)


def _crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from CRC(A), CRC(B) and len(B)."""

    def times(matrix: list[int], vector: int) -> int:
        total, index = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[index]
            vector >>= 1
            index += 1
        return total

    def square(matrix: list[int]) -> list[int]:
        return [times(matrix, matrix[n]) for n in range(32)]

    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << (n - 1) for n in range(1, 32)]
    even = square(odd)
    odd = square(even)
    while True:
        even = square(odd)
        if length2 & 1:
            crc1 = times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = square(even)
        if length2 & 1:
            crc1 = times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def bomb_member(name: str, unpacked: int = 3 * GIB, chunk: int = 1 << 20) -> _Member:
    """A deflated member of ``unpacked`` spaces (gigabytes) in a few MB: one deflate block
    after a full flush repeats byte for byte, so it is made once and repeated; its CRC is
    combined, not computed over the gigabytes. Sizes and CRC are true."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = unpacked // chunk
    stream = block * count + compressor.flush(zlib.Z_FINISH)
    chunk_crc, crc, length = zlib.crc32(b" " * chunk), 0, 0
    while count:  # CRC of count chunks by binary doubling
        if count & 1:
            crc = _crc32_combine(crc, chunk_crc, chunk) if length else chunk_crc
            length += chunk
        chunk_crc = _crc32_combine(chunk_crc, chunk_crc, chunk)
        chunk *= 2
        count >>= 1
    return _Member(name.encode(), stream, unpacked, crc, deflated=True)


def rar5_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A RAR5 archive of stored (uncompressed) members, per RARLAB's RAR 5.0 format notes:
    signature, main archive header, a file header a member, end-of-archive header."""

    def vint(number: int) -> bytes:
        out = bytearray()
        while True:
            low, number = number & 0x7F, number >> 7
            out.append(low | (0x80 if number else 0))
            if not number:
                return bytes(out)

    def header(kind: int, flags: int, body: bytes, data_size: int | None = None) -> bytes:
        fields = vint(kind) + vint(flags) + (vint(data_size) if data_size is not None else b"") + body
        size = vint(len(fields))
        return struct.pack("<I", zlib.crc32(size + fields)) + size + fields

    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += header(1, 0, vint(0))
    for name, data in members:
        encoded = name.encode("utf-8")
        # file flags 0x4 (CRC32 present), unpacked size, attributes, CRC, compression 0
        # (stored), host OS 1 (Unix), name
        body = vint(0x0004) + vint(len(data)) + vint(0o644) + struct.pack("<I", zlib.crc32(data))
        body += vint(0) + vint(1) + vint(len(encoded)) + encoded
        out += header(2, 0x0002, body, data_size=len(data)) + data
    out += header(5, 0, vint(0))
    return bytes(out)


# --- the corpus -----------------------------------------------------------------------------


def _html_error_page() -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'><title>404 页面不存在</title></head>"
        "<body><h1>对不起，您访问的页面不存在或已被删除</h1><p><a href='/'>返回首页</a></p></body></html>\n"
    ).encode()


def build_corpus(directory: Path, *, seed: int = 2024, size_cap: int = 256 * 1024) -> list[Sample]:
    """Write every sample that needs no Debian tool but the font into ``directory``.
    ``size_cap`` is the cap the oversize sample is made just over."""
    directory.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []

    def add(name: str, data: bytes, kind: str, **truth: object) -> None:
        path = directory / name
        path.write_bytes(data)
        samples.append(Sample(name=name, path=path, kind=kind, **truth))  # type: ignore[arg-type]

    one_page = paragraphs(seed, 3)
    single = pdf_typeset(one_page)
    add(
        "通知.pdf",
        single.data,
        "pdf",
        text=single.text,
        pages=1,
        content_type=CT_PDF,
        scanned_pages=(),
        note="one page",
    )
    many = paragraphs(seed + 1, 60)
    typeset = pdf_typeset(many, indent=True, footer=True)
    multi = typeset.data
    assert len(typeset.pages) >= 3, len(typeset.pages)
    add(
        "multi-page.pdf",
        multi,
        "pdf",
        text=typeset.text,
        pages=len(typeset.pages),
        content_type=CT_PDF,
        scanned_pages=(),
        note="several pages, indented paragraphs, page numbers at the foot",
    )
    header = pdf_typeset(
        paragraphs(seed + 5, 4),
        header_runs=[["武政规〔2026〕", "4", "号"], ["2026", "年", "3", "月", "1", "日"]],
        tables={1: [["项目", "金额（万元）", "责任单位"], ["道路", "120", "3"], ["桥梁", "", "市住房和城乡建设局"]]},
    )
    add(
        "红头文件.pdf",
        header.data,
        "pdf",
        text=header.text,
        pages=len(header.pages),
        content_type=CT_PDF,
        scanned_pages=(),
        note="a document number drawn as spaced runs, a ruled table with an empty cell",
    )
    docx, docx_text = docx_bytes(seed)
    add("方案.docx", docx, "docx", text=docx_text, content_type=CT_DOCX, note="headings and a table")
    numbered, numbered_text = numbered_docx_bytes(seed)
    add("编号.docx", numbered, "docx", text=numbered_text, content_type=CT_DOCX, note="numbered clauses, merged cells")
    xlsx, xlsx_text, sheets = xlsx_bytes(seed)
    add(
        "预算.xlsx",
        xlsx,
        "xlsx",
        text=xlsx_text,
        pages=sheets,
        content_type=CT_XLSX,
        scanned_pages=(),
        note="two sheets",
    )
    ofd_pages = [paragraphs(seed + 2, 3), paragraphs(seed + 3, 2), paragraphs(seed + 6, 1)]
    ofd = ofd_typeset(
        ofd_pages,
        per_character_pages=[1],
        shuffled=True,
        running_head="武汉市人民政府办公厅文件",
        tables={1: [["项目", "金额", "备注"], ["道路", "120", "3"], ["桥梁", "", "跨江"]]},
    )
    add(
        "公文.ofd",
        ofd.data,
        "ofd",
        text=ofd.text,
        pages=3,
        content_type="application/ofd",
        scanned_pages=(),
        note="objects in no order, page 2 a TextObject a character and a table, a running head template",
    )
    zip_members = [("附件1.pdf", pdf_bytes(one_page[:1])[0]), ("附件2/名单.xlsx", xlsx), ("说明.txt", "说明".encode())]
    add(
        "附件.zip",
        zip_bytes([_stored(name, content) for name, content in zip_members]),
        "zip",
        reason="archive",
        members=tuple(name for name, _ in zip_members),
    )
    gbk = ("通知.txt", "附件/名单.xls")
    add(
        "windows.zip",
        zip_bytes([_stored(name, b"x", encoding="gbk") for name in gbk]),
        "zip",
        reason="archive",
        members=gbk,
        note="GBK names without the UTF-8 flag",
    )
    rar_members = [("通知.txt", "武汉市通知".encode()), ("附件/表格.txt", b"1,2,3")]
    add("材料.rar", rar5_bytes(rar_members), "rar", reason="archive", members=tuple(n for n, _ in rar_members))
    scan_text = paragraphs(seed + 4, 2)
    add(
        "扫描件.pdf",
        mixed_pdf_bytes([ScanPage(scan_text, scan=True)] * 3, seed=seed),
        "pdf",
        reason="no_text_layer",
        pages=3,
        scanned_pages=(1, 2, 3),
        note="three scanned pages with typed page numbers",
    )
    typed = [f"第{n}页：{text[:24]}" for n, text in enumerate(paragraphs(seed + 7, 2), 1)]
    add(
        "扫描夹页.pdf",
        mixed_pdf_bytes([ScanPage(typed[:1]), ScanPage(scan_text, scan=True), ScanPage(typed[1:])], seed=seed),
        "pdf",
        text=PAGE_BREAK.join([f"{typed[0]}\n— 1 —", "— 2 —", f"{typed[1]}\n— 3 —"]),
        pages=3,
        scanned_pages=(2,),
        note="a scanned page between typed pages",
    )
    add("照片.png", image_bytes(scan_text, "PNG"), "image", reason="no_text_layer", pages=1, scanned_pages=(1,))
    add("照片.jpg", image_bytes(scan_text, "JPEG"), "image", reason="no_text_layer", pages=1, scanned_pages=(1,))
    add("blank.docx", blank_docx_bytes(), "docx", reason="blank")

    # Hostile files.
    add("truncated.pdf", multi[: len(multi) * 6 // 10], "pdf", reason="truncated", content_type=CT_PDF)
    add("truncated.docx", docx[: len(docx) // 2], "docx", reason="truncated", content_type=CT_DOCX)
    add("encrypted.pdf", pdf_bytes(one_page, encrypt_password="user-pw")[0], "pdf", reason="encrypted")
    add("encrypted.docx", encrypted_ooxml_bytes(docx, "user-pw"), "docx", reason="encrypted", content_type=CT_DOCX)
    garbage = random.Random(seed).randbytes(20_000)
    add(
        "corrupt.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + garbage,
        "pdf",
        reason="corrupt",
        note="garbage after a header",
    )
    add("error-page.pdf", _html_error_page(), "html", reason="not_a_document", content_type=CT_PDF)
    add("empty.pdf", b"", "unknown", reason="empty", content_type=CT_PDF)
    bomb_docx = zip_bytes(
        [_stored("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'), bomb_member("word/document.xml")]
    )
    add("bomb.docx", bomb_docx, "docx", reason="decompression_bomb", note="word/document.xml inflates to 3 GiB")
    add(
        "bomb.zip",
        zip_bytes([bomb_member("data.bin")]),
        "zip",
        reason="decompression_bomb",
        members=("data.bin",),
        note="a member that inflates to 3 GiB",
    )
    padding = size_cap + 1 - len(multi) - 2
    assert padding > 0, "size_cap must be above the multi-page PDF's size"
    add("oversize.pdf", multi + b"\n%" + b"0" * padding, "pdf", reason="too_large", note=f"{size_cap + 1} bytes")
    add("slow.pdf", slow_pdf_bytes(), "pdf", reason="timeout", note="seconds of text extraction in tens of KB")
    return samples


TOOL_MADE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "tool-made"
"""DOC, WPS, XLS, a LibreOffice PDF and a 7z, made once by :func:`make_tool_samples` and
committed: tests read these, and need neither LibreOffice nor 7z."""
TOOL_MADE_MANIFEST = "manifest.json"
REMAKE = "python -m tests.mirror.documents --remake-tool-made"


@dataclass(frozen=True)
class _ToolTruth:
    """What the tool-made samples are made from, and hence hold: the sources' texts (by seed)."""

    doc: tuple[bytes, str]
    wps: tuple[bytes, str]
    xlsx: tuple[bytes, str, int]
    numbered: tuple[bytes, str]
    seven_members: tuple[str, ...] = ("说明.txt", "附件/名单.txt")

    @classmethod
    def of(cls, seed: int) -> _ToolTruth:
        return cls(docx_bytes(seed + 10), docx_bytes(seed + 11), xlsx_bytes(seed + 12), numbered_docx_bytes(seed + 13))

    def samples(self, directory: Path) -> list[Sample]:
        return [
            Sample("公告.doc", directory / "公告.doc", "doc", text=self.doc[1], content_type="application/msword"),
            Sample(
                "文件.wps", directory / "文件.wps", "wps", text=self.wps[1], note="a Word 97 file under Kingsoft's name"
            ),
            Sample("报表.xls", directory / "报表.xls", "xls", text=self.xlsx[1], pages=self.xlsx[2], scanned_pages=()),
            Sample("材料.7z", directory / "材料.7z", "7z", reason="archive", members=self.seven_members),
            Sample(
                "防汛通知.pdf",
                directory / "防汛通知.pdf",
                "pdf",
                text=self.numbered[1],
                pages=1,
                scanned_pages=(),
                content_type=CT_PDF,
                note="LibreOffice's PDF of the numbered DOCX: its numbers, its ruled table with merged cells",
            ),
        ]


def build_tool_samples(directory: Path, *, seed: int = 2024) -> list[Sample]:
    """DOC, WPS and XLS made by LibreOffice from this module's DOCX and XLSX, LibreOffice's PDF
    of the numbered DOCX, and a 7z made by ``7z``: the committed files of
    :data:`TOOL_MADE_DIR`, copied into ``directory``, each with its truth (the generator's
    text, by seed). Raises :class:`StaleToolSamples` when a file is not the one
    :func:`make_tool_samples` made, or the generator's text has changed since."""
    if seed != 2024:
        raise ValueError("the committed tool-made samples are of seed 2024; make others with make_tool_samples")
    truth = _ToolTruth.of(seed)
    samples = truth.samples(directory)
    check_tool_made(samples)
    directory.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        shutil.copyfile(TOOL_MADE_DIR / sample.name, sample.path)
    return samples


class StaleToolSamples(RuntimeError):
    """The committed tool-made samples are not what the generator now describes."""


def _manifest(samples: Sequence[Sample], directory: Path) -> dict[str, dict[str, object]]:
    return {
        s.name: {"sha256": hashlib.sha256((directory / s.name).read_bytes()).hexdigest(), "text": s.text}
        for s in samples
    }


def check_tool_made(samples: Sequence[Sample], directory: Path = TOOL_MADE_DIR) -> None:
    """Every committed file is the one :func:`make_tool_samples` wrote (its SHA-256 in the
    manifest), and the text it was made from is ``samples``' truth."""
    try:
        manifest = json.loads((directory / TOOL_MADE_MANIFEST).read_text(encoding="utf-8"))
        found = _manifest(samples, directory)
    except (OSError, ValueError) as exc:
        raise StaleToolSamples(f"{directory}: {exc}; remake them: {REMAKE}") from exc
    changed = sorted(name for name in found if found[name] != manifest.get(name))
    if changed or set(manifest) != set(found):
        raise StaleToolSamples(
            f"{directory}: {changed or sorted(set(manifest) ^ set(found))} are not what the generator describes "
            f"(a file changed, or the text it is made from): remake them with LibreOffice and 7z: {REMAKE}"
        )


def make_tool_samples(directory: Path = TOOL_MADE_DIR, *, seed: int = 2024) -> list[Sample]:
    """Make the tool-made samples with LibreOffice and 7z (about 20 s) into ``directory``, and
    its manifest. Raises :class:`MissingTool` naming the Debian packages when a tool is absent."""
    missing = [tool for tool in TOOL_PACKAGES if shutil.which(tool) is None]
    if missing:
        packages = " ".join(TOOL_PACKAGES[tool] for tool in missing)
        raise MissingTool(f"{', '.join(missing)} not installed: apt-get install {packages}")
    directory.mkdir(parents=True, exist_ok=True)
    truth = _ToolTruth.of(seed)
    with tempfile.TemporaryDirectory(prefix="tool-made-") as scratch:
        work, out = Path(scratch) / "sources", Path(scratch) / "out"
        work.mkdir()
        out.mkdir()
        (work / "防汛通知.docx").write_bytes(truth.numbered[0])
        (work / "公告.docx").write_bytes(truth.doc[0])
        (work / "wps-source.docx").write_bytes(truth.wps[0])
        (work / "报表.xlsx").write_bytes(truth.xlsx[0])
        _libreoffice([work / "公告.docx", work / "wps-source.docx"], "doc", out)
        _libreoffice([work / "报表.xlsx"], "xls", out)
        _libreoffice([work / "防汛通知.docx"], "pdf", out)
        lo_pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", (out / "防汛通知.pdf").read_bytes()))
        if lo_pages != 1:
            raise RuntimeError(f"LibreOffice set 防汛通知.pdf on {lo_pages} pages; the truth is one page")
        (out / "wps-source.doc").replace(out / "文件.wps")
        for name in truth.seven_members:
            (work / "7z" / name).parent.mkdir(parents=True, exist_ok=True)
            (work / "7z" / name).write_text(f"{name} 的内容", encoding="utf-8")
        _run(["7z", "a", "-bso0", "-bsp0", str(out / "材料.7z"), *truth.seven_members], cwd=work / "7z")
        samples = truth.samples(directory)
        for sample in samples:
            shutil.copyfile(out / sample.name, sample.path)
    manifest = json.dumps(_manifest(samples, directory), ensure_ascii=False, indent=1, sort_keys=True)
    (directory / TOOL_MADE_MANIFEST).write_text(manifest + "\n", encoding="utf-8")
    return samples


def _libreoffice(sources: Sequence[Path], target: str, outdir: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        command = ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore"]
        _run([*command, "--convert-to", target, "--outdir", str(outdir), *map(str, sources)])
    for source in sources:
        if not (outdir / f"{source.stem}.{target}").exists():
            raise RuntimeError(f"LibreOffice made no {source.stem}.{target}")


def _run(command: Sequence[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")


def pdf_corpus(directory: Path, count: int, *, seed: int = 1) -> list[Sample]:
    """``count`` PDFs of Chinese text, 1 to about 5 pages each (for benchmarks): flush or
    indented paragraphs, with or without page numbers, a ruled table in some."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        texts = paragraphs(seed * 100_000 + index, rng.randint(4, 70))
        table = {1: [["项目", "金额（万元）", "责任单位"], ["道路", str(rng.randint(10, 900)), _SUBJECTS[index % 10]]]}
        typeset = pdf_typeset(
            texts,
            font_size=rng.choice((10.5, 12, 14)),
            indent=rng.random() < 0.5,
            footer=rng.random() < 0.5,
            tables=table if rng.random() < 0.3 else None,
        )
        path = directory / f"doc-{index:04d}.pdf"
        path.write_bytes(typeset.data)
        samples.append(Sample(path.name, path, "pdf", text=typeset.text, pages=len(typeset.pages)))
    return samples


def main(argv: Sequence[str]) -> int:
    """``python -m tests.mirror.documents DIR [--with-tools]``: write the corpus and its truth;
    ``python -m tests.mirror.documents --remake-tool-made``: make tests/fixtures/tool-made/
    again with LibreOffice and 7z (after a change to the texts it is made from)."""
    if argv[:1] == ["--remake-tool-made"]:
        made = make_tool_samples()
        print(f"{len(made)} tool-made samples in {TOOL_MADE_DIR}; commit them")
        return 0
    if not argv:
        print(main.__doc__, file=sys.stderr)
        return 2
    directory = Path(argv[0])
    samples = build_corpus(directory)
    if "--with-tools" in argv:
        samples += build_tool_samples(directory / "tools")
    truth = [{**asdict(sample), "path": os.fspath(sample.path)} for sample in samples]
    (directory / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(samples)} samples in {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
