"""govnews.documents' pure functions by tables and properties, and the document generator's
own arithmetic (its CRCs, its bombs): no worker pool, no Debian tool."""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import shutil
import unicodedata
import zipfile
import zlib
from pathlib import Path

import libarchive  # the reader library, checking the generator; at import: it runs ldconfig (a process)
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govnews.documents import Kind, ReadLimits, Reason, read_document, sniff
from govnews.documents.archives import zip_name
from govnews.documents.pdf import cut_short
from govnews.documents.result import MIB
from govnews.documents.sniff import declared_kind
from govnews.documents.spreadsheet import cell_text
from govnews.documents.tidy import tidy
from govnews.documents.zipguard import bomb_in
from tests.mirror import documents

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            # A fixed date: test ids are built from these bytes, and every
            # pytest-xdist worker must collect the same ids.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), b"<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "content_type", "kind"),
    [
        (b"%PDF-1.7\n", "a.docx", None, Kind.PDF),
        (b"\xef\xbb\xbf\r\n%PDF-1.4", "", None, Kind.PDF),
        (b"<!DOCTYPE html><html>", "附件.pdf", "application/pdf", Kind.HTML),
        (b"\n\n  <html><head><title>500</title>", "a.docx", None, Kind.HTML),
        (b"<!-- nginx --><body>404</body>", "a.xls", None, Kind.HTML),
        (_zip("[Content_Types].xml", "word/document.xml"), "a.zip", None, Kind.DOCX),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), "", None, Kind.XLSX),
        (_zip("[Content_Types].xml", "ppt/presentation.xml"), "", None, Kind.PPTX),
        (_zip("OFD.xml", "Doc_0/Document.xml"), "a.zip", None, Kind.OFD),
        (_zip("mimetype", "content.xml"), "", None, Kind.ODF),
        (_zip("a.pdf", "b.txt"), "a.docx", None, Kind.ZIP),
        (_zip("[Content_Types].xml", "word/document.xml")[:40], "x.docx", None, Kind.DOCX),
        (b"PK\x03\x04" + bytes(40), "x.ofd", None, Kind.OFD),
        (OLE + bytes(100), "cut.wps", None, Kind.WPS),
        (OLE + bytes(100), "cut.bin", None, Kind.UNKNOWN),
        (b"Rar!\x1a\x07\x00", "a.zip", None, Kind.RAR),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "", None, Kind.SEVEN_Z),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "scan.pdf", None, Kind.IMAGE),
        (b"GIF89a", "", None, Kind.IMAGE),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "", None, Kind.IMAGE),
        (b"BM" + bytes(12) + b"\x28\x00\x00\x00", "", None, Kind.IMAGE),
        (b"BMW is a car", "", None, Kind.UNKNOWN),
        (b"{\\rtf1\\ansi", "a.doc", None, Kind.RTF),
        (b'{"code": 404}', "a.pdf", "application/pdf", Kind.UNKNOWN),
        (b"", "a.pdf", None, Kind.UNKNOWN),
    ],
)
def test_sniff_believes_the_bytes(data: bytes, name: str, content_type: str | None, kind: Kind) -> None:
    assert sniff(data, name, content_type) is kind


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("https://www.wuhan.gov.cn/upload/附件1.PDF", None, Kind.PDF),
        ("/files/%E9%80%9A%E7%9F%A5.docx?v=1", None, Kind.DOCX),
        ("a.et", None, Kind.XLS),
        ("download.jsp?id=3", "application/msword", Kind.DOC),
        ("download.jsp?id=3", "Application/OFD; charset=binary", Kind.OFD),
        ("page.shtml", "text/html", None),
        ("", None, None),
    ],
)
def test_declared_kind_reads_names_and_content_types(name: str, content_type: str | None, kind: Kind | None) -> None:
    assert declared_kind(name, content_type) is kind


def test_a_json_error_served_as_pdf_is_not_a_document() -> None:
    result = read_document('{"code": 404, "msg": "文件不存在"}'.encode(), "a.pdf", "application/pdf")
    assert (result.kind, result.reason, result.text) == (Kind.UNKNOWN, Reason.NOT_A_DOCUMENT, None)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")


@given(st.text())
def test_tidy_is_idempotent_and_leaves_no_controls(text: str) -> None:
    once = tidy(text)
    assert tidy(once) == once
    assert "\r" not in once and not _CONTROLS.search(once)
    assert "\n\n\n" not in once and once == once.strip("\n")


@given(st.text())
def test_tidy_changes_only_whitespace_and_controls(text: str) -> None:
    def visible(value: str) -> str:
        return "".join(c for c in value if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Cn"))

    assert visible(tidy(text)) == visible(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(30.0, "30"), (30, "30"), (-2.5, "-2.5"), (0.1 + 0.2, "0.3"), (1e16, "1e+16"), (False, "FALSE"), ("", "")],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("raw", "encoding", "name"),
    [
        ("通知.txt", "gbk", "通知.txt"),
        ("附件/名单.xls", "gb18030", "附件/名单.xls"),
        ("ｒéｓｕｍé.txt", "utf-8", "ｒéｓｕｍé.txt"),
    ],
)
def test_zip_names_without_the_utf8_flag(raw: str, encoding: str, name: str) -> None:
    info = zipfile.ZipInfo(raw.encode(encoding).decode("cp437"))
    assert zip_name(info) == name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\nxref\ntrailer<<>>\n%%EOF\n", False),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\nxref\ntrailer<<>>\n%%EOF\n2 0 obj<<>>endobj\n", True),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\nxref\n", True),
        (b"%PDF-1.4\n\x00\x01garbage", False),
    ],
)
def test_cut_short(data: bytes, expected: bool) -> None:
    assert cut_short(data) is expected


def _info(name: str, size: int, compressed: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, compressed
    return info


@pytest.mark.parametrize(
    ("infos", "bomb"),
    [
        ([_info("word/document.xml", 40 * MIB, 2 * MIB)], False),  # ratio 20: big, honest XML
        ([_info("word/document.xml", 9 * MIB, 9 * MIB // 101)], True),  # over the floor, ratio 101
        ([_info("a.xml", 7 * MIB, 1)], False),  # any ratio under the floor
        ([_info(f"m{i}", 1, 1) for i in range(10_001)], True),  # members
        ([_info(f"m{i}", 200 * MIB, 100 * MIB) for i in range(2)], True),  # 400 MB in all
    ],
)
def test_bomb_thresholds(infos: list[zipfile.ZipInfo], bomb: bool) -> None:
    assert (bomb_in(infos, ReadLimits()) is not None) is bomb


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_the_generators_crc32_combine_is_zlibs(first: bytes, second: bytes) -> None:
    combined = documents._crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second))
    assert combined == zlib.crc32(first + second)


def test_a_bomb_member_inflates_to_what_it_declares() -> None:
    member = documents.bomb_member("x.bin", unpacked=7 * 1024, chunk=1024)
    inflated = zlib.decompress(member.data, -15)
    assert inflated == b" " * 7 * 1024
    assert (member.size, member.crc) == (len(inflated), zlib.crc32(inflated))
    with zipfile.ZipFile(io.BytesIO(documents.zip_bytes([member]))) as archive:
        assert archive.read("x.bin") == inflated  # zipfile checks the CRC


def test_the_generators_rar5_is_read_by_libarchive() -> None:
    data = documents.rar5_bytes([("通知.txt", "武汉".encode()), ("b.txt", b"")])
    with libarchive.memory_reader(data) as archive:
        entries = [(entry.pathname, entry.size) for entry in archive]
    assert entries == [("通知.txt", 6), ("b.txt", 0)]


def test_the_generator_knows_nothing_of_govnews() -> None:
    source = Path(documents.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "govnews" not in imported
    assert imported >= {"docx", "openpyxl", "reportlab", "zipfile"}


def test_the_generators_paragraphs_are_deterministic_chinese() -> None:
    first = documents.paragraphs(3, 5)
    assert first == documents.paragraphs(3, 5)
    assert all(re.search(r"[\u4e00-\u9fff]{8}", text) for text in first)
    assert first != documents.paragraphs(4, 5)


def test_the_committed_tool_made_samples_are_what_the_generator_describes(tmp_path: Path) -> None:
    """tests/fixtures/tool-made/ (LibreOffice's and 7z's files, committed): each file as made,
    each made from the text the generator gives today; a changed file or text is refused."""
    samples = documents.build_tool_samples(tmp_path / "copy")
    assert {s.name: s.path.read_bytes() for s in samples} == {
        s.name: (documents.TOOL_MADE_DIR / s.name).read_bytes() for s in samples
    }
    shutil.copytree(documents.TOOL_MADE_DIR, tmp_path / "edited")
    data = bytearray((tmp_path / "edited" / "公告.doc").read_bytes())
    data[-1] ^= 1
    (tmp_path / "edited" / "公告.doc").write_bytes(bytes(data))
    with pytest.raises(documents.StaleToolSamples, match=r"\['公告.doc'\].*--remake-tool-made"):
        documents.check_tool_made(samples, tmp_path / "edited")
    retold = [dataclasses.replace(s, text=s.text + "。") if s.name == "报表.xls" else s for s in samples]
    with pytest.raises(documents.StaleToolSamples, match=r"\['报表.xls'\]"):
        documents.check_tool_made(retold)
