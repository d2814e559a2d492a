"""Text a person can search and cite (issue 31), one test per finding, each on documents the
generator (tests/mirror/documents.py) made from known text, read in this process (they are
trusted files; tests/test_documents.py reads the whole corpus through the worker pool):

- a PDF's header (发文字号, dates, amounts) is found verbatim, its lines are paragraphs;
- scanned pages are flagged, and a file of scans keeps ``no_text_layer``;
- numbered clauses keep their numbers;
- tables are rows: merged and multi-paragraph cells (DOCX), cells on one line (OFD), OFD in
  the order of the page, PDF ruled tables;
- pages are apart by form feeds, page n is ``split("\\f")[n - 1]``;
- the text is capped;
- the comparison itself sees tabs, line breaks and form feeds.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from govnews.documents import DocumentResult, ReadLimits, Reason, read_document
from tests.doc_tools import lines_of, missing
from tests.mirror import documents
from tests.mirror.documents import MissingTool, ScanPage, Typeset

TABLE = [["项目", "金额（万元）", "责任单位"], ["道路", "120", "3"], ["桥梁", "", "市住房和城乡建设局"]]


def typeset(texts: list[str], **options: object) -> Typeset:
    try:
        return documents.pdf_typeset(texts, **options)  # type: ignore[arg-type]
    except MissingTool as exc:
        missing(str(exc))
        raise


def read(data: bytes, name: str, **limits: object) -> DocumentResult:
    return read_document(data, name, limits=ReadLimits(**limits))  # type: ignore[arg-type]


def text_of(data: bytes, name: str) -> str:
    result = read(data, name)
    assert result.text is not None, (result.reason, result.detail)
    return result.text


# -- a PDF's text can be searched for what the header says -----------------------------------


def test_a_pdfs_document_number_dates_and_amounts_are_found_verbatim() -> None:
    body = documents.paragraphs(41, 6)
    pdf = typeset(body, header_runs=[["武政规〔2026〕", "4", "号"], ["2026", "年", "3", "月", "1", "日"]])
    text = text_of(pdf.data, "通知.pdf")
    assert "武政规〔2026〕4号" in text.split("\n")
    assert "2026年3月1日" in text.split("\n")
    for amount in {word for paragraph in body for word in paragraph.split("，") if "亿元" in word or "万人" in word}:
        assert amount in text, amount


@pytest.mark.parametrize(
    "options",
    [{}, {"indent": True}, {"footer": True, "font_size": 14}, {"indent": True, "footer": True, "font_size": 10.5}],
    ids=["flush", "indented", "page-numbers", "indented-small"],
)
def test_a_pdfs_paragraphs_are_lines_joined_by_cjk_rules(options: dict[str, object]) -> None:
    latin = (
        "The plan follows the Yangtze River Protection Law and the 14th Five-Year Plan for urban renewal, "
        "and people search it for words like these as well as for 中文的句子。"
    )
    pdf = typeset([*documents.paragraphs(42, 40), latin], **options)
    assert len(pdf.pages) >= 2
    assert lines_of(text_of(pdf.data, "通知.pdf")) == lines_of(pdf.text)


# -- scanned pages do not vanish -------------------------------------------------------------


def scans(pages: list[ScanPage]) -> bytes:
    try:
        return documents.mixed_pdf_bytes(pages, seed=43)
    except MissingTool as exc:
        missing(str(exc))
        raise


def test_three_scanned_pages_with_typed_page_numbers_have_no_text_layer() -> None:
    scan = ScanPage(documents.scan_lines(44, 2), scan=True)
    result = read(scans([scan, scan, scan]), "扫描件.pdf")
    assert (result.reason, result.text, result.pages, result.scanned_pages) == (
        Reason.NO_TEXT_LAYER,
        None,
        3,
        (1, 2, 3),
    )


def test_a_scanned_page_between_typed_pages_is_flagged_and_keeps_its_place() -> None:
    pages = [ScanPage(["第一页正文。"]), ScanPage(documents.scan_lines(45, 2), scan=True), ScanPage(["第三页正文。"])]
    result = read(scans(pages), "扫描件.pdf")
    assert (result.reason, result.scanned_pages, result.ocr_pages) == (None, (2,), None)
    assert result.text is not None
    assert result.text.split("\f") == ["第一页正文。\n— 1 —", "— 2 —", "第三页正文。\n— 3 —"]


# -- numbered clauses keep their numbers -----------------------------------------------------


def test_numbered_clauses_keep_their_numbers() -> None:
    data, truth = documents.numbered_docx_bytes(46)
    lines = text_of(data, "编号.docx").split("\n")
    assert lines[1:4] == ["1. 压实防汛责任。", "2. 加强监测预警。", "3. 做好应急值守。"]
    assert "一、总体要求" in lines and "二、工作措施" in lines
    assert sum(line.startswith("（一）") for line in lines) == 2
    assert lines == truth.split("\n")


# -- tables are rows -------------------------------------------------------------------------


def test_docx_merged_and_multi_paragraph_cells_keep_their_row() -> None:
    data, _ = documents.numbered_docx_bytes(47)
    lines = text_of(data, "编号.docx").split("\n")
    start = lines.index("区域\t责任单位\t金额（万元）")
    assert lines[start : start + 4] == [
        "区域\t责任单位\t金额（万元）",
        "江岸区\t区水务局\t120",
        "\t区应急局\t",
        "合计\t\t第一段 第二段",
    ]


def test_ofd_cells_on_one_line_are_apart_by_tabs_in_the_order_of_the_page() -> None:
    pages = [documents.paragraphs(48, 2), documents.paragraphs(49, 1)]
    ofd = documents.ofd_typeset(pages, shuffled=True, tables={0: [["项目", "金额", "备注"], ["道路", "120", "3"]]})
    text = text_of(ofd.data, "公文.ofd")
    assert "道路\t120\t3" in text.split("\f")[0].split("\n")
    assert lines_of(text) == lines_of(ofd.text)


def test_an_ofds_running_head_is_read_once() -> None:
    pages = [documents.paragraphs(50, 1), documents.paragraphs(51, 1), documents.paragraphs(52, 1)]
    ofd = documents.ofd_typeset(pages, running_head="武汉市人民政府办公厅文件")
    text = text_of(ofd.data, "公文.ofd")
    assert text.count("武汉市人民政府办公厅文件") == 1
    assert text.split("\f")[0].startswith("武汉市人民政府办公厅文件\n")


def test_a_ruled_pdf_tables_cells_are_apart_by_tabs() -> None:
    pdf = typeset(documents.paragraphs(53, 3), tables={0: TABLE})
    lines = text_of(pdf.data, "表格.pdf").split("\n")
    assert ["\t".join(row) for row in TABLE] == lines[1:4]


# -- pages -------------------------------------------------------------------------------------


def test_page_n_is_the_nth_form_feed_part_in_pdf_ofd_and_spreadsheets() -> None:
    pdf = typeset(documents.paragraphs(54, 70), footer=True)
    result = read(pdf.data, "多页.pdf")
    assert result.text is not None and result.pages == len(pdf.pages) >= 3
    parts = result.text.split("\f")
    assert len(parts) == result.pages
    for number, part in enumerate(parts, 1):
        assert part.split("\n")[-1] == f"— {number} —"
    ofd = documents.ofd_typeset([documents.paragraphs(55, 1), [], documents.paragraphs(56, 1)])
    ofd_result = read(ofd.data, "公文.ofd")
    assert ofd_result.text is not None and ofd_result.text.split("\f")[1] == "", "a page without text is empty"
    data, _, sheets = documents.xlsx_bytes(57)
    sheet_result = read(data, "预算.xlsx")
    assert sheet_result.text is not None and len(sheet_result.text.split("\f")) == sheets == sheet_result.pages


# -- a cap on text size -------------------------------------------------------------------------


def test_a_huge_spreadsheets_text_is_cut_at_a_row() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number in range(6000):
        sheet.append([f"项目{number}", number * 3, "武汉市人民政府印发城市更新行动"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    whole = read(buffer.getvalue(), "大表.xlsx", max_text=10_000_000)
    cut = read(buffer.getvalue(), "大表.xlsx", max_text=50_000)
    assert whole.text is not None and cut.text is not None
    assert (whole.text_truncated, cut.text_truncated) == (False, True)
    assert 40_000 < len(cut.text) <= 50_000
    assert whole.text.startswith(cut.text + "\n"), "cut at the end of a row"


# -- the tests see structure ----------------------------------------------------------------------


def test_the_comparison_sees_tabs_line_breaks_and_form_feeds() -> None:
    _, truth, _ = documents.xlsx_bytes(58)
    assert "\t" in truth and "\f" in truth
    assert lines_of(truth.replace("\t", "")) != lines_of(truth)
    assert lines_of(truth.replace("\t", " ")) != lines_of(truth)
    assert lines_of(truth.replace("\f", "\n")) != lines_of(truth)
    assert lines_of(truth.replace("\n", "", 1)) != lines_of(truth)
    assert lines_of(truth.replace("\t", "  \t ")) == lines_of(truth), "spaces around a cell do not count"
