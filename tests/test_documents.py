"""govnews.documents on real files: every sample of tests/mirror/documents.py read through
the real subprocess pool, compared with the generator's truth (its own text, not what the
code printed); every hostile file ends in its named reason; the pool survives workers
killed by the time and memory limits.

The DOC, WPS, XLS and 7z samples were made by LibreOffice and 7z once and are committed
(tests/fixtures/tool-made/); reading DOC and WPS needs catdoc: without it these tests skip
with the apt-get line to run, unless GOVNEWS_REQUIRE_DOC_TOOLS is set (CI), where a missing
tool fails them. The same holds for the CJK font (fonts-wqy-zenhei) every PDF sample needs.
"""

from __future__ import annotations

import asyncio
import random
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, wait
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govnews.documents import DocumentReader, DocumentResult, Kind, ReadLimits, Reason, read_document, read_path
from govnews.documents.result import MIB
from tests.doc_tools import lines_of, missing, require_catdoc, squeeze
from tests.mirror import documents
from tests.mirror.documents import MissingTool, Sample
from tests.profiles import examples

SIZE_CAP = 4 * MIB  # small, so the oversize sample stays cheap; the 3 GiB bombs are ~3 MB
TIME_LIMIT = 2.0  # slow.pdf needs ~10 s here; everything else reads in milliseconds
HANG_GUARD = 60.0  # a future not done by then is a hang, and fails the test

CORPUS = (
    "通知.pdf",
    "multi-page.pdf",
    "红头文件.pdf",
    "方案.docx",
    "编号.docx",
    "预算.xlsx",
    "公文.ofd",
    "附件.zip",
    "windows.zip",
    "材料.rar",
    "扫描件.pdf",
    "扫描夹页.pdf",
    "照片.png",
    "照片.jpg",
    "blank.docx",
    "truncated.pdf",
    "truncated.docx",
    "encrypted.pdf",
    "encrypted.docx",
    "corrupt.pdf",
    "error-page.pdf",
    "empty.pdf",
    "bomb.docx",
    "bomb.zip",
    "oversize.pdf",
    "slow.pdf",
)
TOOL_MADE = ("公告.doc", "文件.wps", "报表.xls", "材料.7z", "防汛通知.pdf")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    try:
        samples = documents.build_corpus(tmp_path_factory.mktemp("documents"), size_cap=SIZE_CAP)
    except MissingTool as exc:
        missing(str(exc))
    return {sample.name: sample for sample in samples}


@pytest.fixture(scope="module")
def tool_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    # The committed files of tests/fixtures/tool-made/ (LibreOffice's, 7z's), with their truth.
    samples = documents.build_tool_samples(tmp_path_factory.mktemp("documents-tools"))
    return {sample.name: sample for sample in samples}


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    with DocumentReader(max_workers=2, time_limit=TIME_LIMIT, memory_limit=1024 * MIB, size_cap=SIZE_CAP) as pool:
        yield pool


def read(pool: DocumentReader, sample: Sample, *, as_bytes: bool = False) -> DocumentResult:
    source: bytes | Path = sample.path.read_bytes() if as_bytes else sample.path
    return pool.submit(source, sample.name, sample.content_type).result(timeout=HANG_GUARD)


def assert_matches_truth(result: DocumentResult, sample: Sample) -> None:
    assert (result.kind.value, result.reason) == (sample.kind, sample.reason), result.detail
    assert result.pages == sample.pages
    assert result.members == sample.members
    assert result.scanned_pages == sample.scanned_pages
    if sample.text is None:
        assert result.text is None
    else:
        assert result.text is not None, result.detail
        assert lines_of(result.text) == lines_of(sample.text)
        assert "\r" not in result.text
        if result.pages is not None:
            assert result.text.count("\f") == result.pages - 1


def test_corpus_is_what_the_tests_name(corpus: dict[str, Sample]) -> None:
    assert set(corpus) == set(CORPUS)


@pytest.mark.parametrize("name", CORPUS)
def test_each_sample_reads_as_its_truth(reader: DocumentReader, corpus: dict[str, Sample], name: str) -> None:
    assert_matches_truth(read(reader, corpus[name]), corpus[name])


@pytest.mark.parametrize("name", TOOL_MADE)
def test_each_tool_made_sample_reads_as_its_truth(
    reader: DocumentReader, tool_samples: dict[str, Sample], name: str
) -> None:
    if tool_samples[name].kind in ("doc", "wps"):
        require_catdoc()
    assert_matches_truth(read(reader, tool_samples[name]), tool_samples[name])


def test_bytes_read_as_files_do_all_at_once(reader: DocumentReader, corpus: dict[str, Sample]) -> None:
    samples = list(corpus.values())
    futures = [reader.submit(s.path.read_bytes(), s.name, s.content_type) for s in samples]
    assert reader.pending > 0
    _, not_done = wait(futures, timeout=HANG_GUARD)
    assert not not_done
    assert reader.pending == 0
    for future, sample in zip(futures, samples, strict=True):
        assert_matches_truth(future.result(), sample)


def test_the_generators_pdfs_embed_their_cjk_font(corpus: dict[str, Sample]) -> None:
    for name in ("通知.pdf", "multi-page.pdf"):
        data = corpus[name].path.read_bytes()
        assert b"/FontFile2" in data
        assert documents.FONT_NAME.encode() in data


def test_text_keeps_the_documents_lines(reader: DocumentReader, corpus: dict[str, Sample]) -> None:
    # Not only the characters: paragraphs stay apart, a table row stays one line.
    result = read(reader, corpus["方案.docx"])
    assert result.text is not None
    truth_lines = corpus["方案.docx"].text.splitlines()  # type: ignore[union-attr]
    assert result.text.splitlines() == truth_lines
    assert "序号\t项目名称\t责任单位" in result.text.splitlines()


def test_a_wrong_truth_fails_the_comparison(reader: DocumentReader, corpus: dict[str, Sample]) -> None:
    # The comparison can fail: one character changed in the truth, or another
    # document's truth, no longer equals what was read.
    text = read(reader, corpus["multi-page.pdf"]).text
    truth = corpus["multi-page.pdf"].text
    assert text is not None and truth is not None
    one_off = truth.replace("武汉", "汉武", 1)
    assert one_off != truth
    assert lines_of(text) == lines_of(truth)
    assert lines_of(text) != lines_of(one_off)
    assert lines_of(text) != lines_of(corpus["通知.pdf"].text)


def test_the_size_cap_alone_stops_the_oversize_file(corpus: dict[str, Sample]) -> None:
    # The same file under a larger cap reads as the PDF it is (trusted file, read here).
    result = read_path(corpus["oversize.pdf"].path, limits=ReadLimits(size_cap=2 * SIZE_CAP))
    assert result.reason is None
    assert lines_of(result.text) == lines_of(corpus["multi-page.pdf"].text)


def test_the_bombs_declare_gigabytes(corpus: dict[str, Sample]) -> None:
    # The truth of the bomb samples: small files whose members declare over 3 GiB.
    for name in ("bomb.docx", "bomb.zip"):
        with zipfile.ZipFile(corpus[name].path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
        assert declared >= 3 * 1024 * MIB
        assert corpus[name].path.stat().st_size < SIZE_CAP


def test_a_worker_killed_at_the_time_limit_is_replaced(corpus: dict[str, Sample]) -> None:
    with DocumentReader(max_workers=1, time_limit=1.0, size_cap=SIZE_CAP) as pool:
        started = time.monotonic()
        slow = pool.submit(corpus["slow.pdf"].path)
        after = pool.submit(corpus["通知.pdf"].path)
        assert slow.result(timeout=HANG_GUARD).reason is Reason.TIMEOUT
        assert_matches_truth(after.result(timeout=HANG_GUARD), corpus["通知.pdf"])
        assert time.monotonic() - started < HANG_GUARD


def test_a_worker_over_the_memory_limit_is_replaced(tmp_path: Path, corpus: dict[str, Sample]) -> None:
    # One page of 600,000 text objects: PDFium needs ~450 MB for it, the limit is 320 MB.
    greedy = tmp_path / "greedy.pdf"
    greedy.write_bytes(documents.slow_pdf_bytes(pages=1, text_objects=600_000))
    with DocumentReader(max_workers=1, time_limit=30.0, memory_limit=320 * MIB, size_cap=SIZE_CAP) as pool:
        hog = pool.submit(greedy)
        after = pool.submit(corpus["通知.pdf"].path)
        assert hog.result(timeout=HANG_GUARD).reason in (Reason.MEMORY_LIMIT, Reason.CRASHED)
        assert_matches_truth(after.result(timeout=HANG_GUARD), corpus["通知.pdf"])
    # Not the file's fault alone: with room enough it reads.
    with DocumentReader(max_workers=1, time_limit=30.0, memory_limit=2048 * MIB, size_cap=SIZE_CAP) as pool:
        result = pool.submit(greedy).result(timeout=HANG_GUARD)
    # (PDFium drops glyphs drawn twice on one spot, so fewer than 600,000 come back.)
    assert result.reason is None and set(squeeze(result.text) or "") == {"x"}


def test_empty_and_oversize_are_answered_without_a_worker(corpus: dict[str, Sample]) -> None:
    pool = DocumentReader(max_workers=1, size_cap=SIZE_CAP)
    try:
        for name in ("empty.pdf", "oversize.pdf"):
            future = pool.submit(corpus[name].path, name)
            assert future.done()
            assert future.result().reason == corpus[name].reason
        assert pool.pending == 0
    finally:
        pool.close()


def test_a_missing_doc_tool_is_named(monkeypatch: pytest.MonkeyPatch, tool_samples: dict[str, Sample]) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = read_document(tool_samples["公告.doc"].path.read_bytes(), "公告.doc")
    assert (result.kind, result.reason) == (Kind.DOC, Reason.TOOL_MISSING)


def test_an_encrypted_doc_is_recognised_by_its_fib(reader: DocumentReader, tool_samples: dict[str, Sample]) -> None:
    # The FIB starts the WordDocument stream with wIdent 0xA5EC; fEncrypted is bit 0x0100 of
    # the flags word at offset 0x0A. Setting it is what Word does when it encrypts.
    data = bytearray(tool_samples["公告.doc"].path.read_bytes())
    assert data.count(b"\xec\xa5") == 1
    fib = data.find(b"\xec\xa5")
    data[fib + 11] |= 0x01
    result = reader.submit(bytes(data), "公告.doc").result(timeout=HANG_GUARD)
    assert (result.kind, result.reason, result.text) == (Kind.DOC, Reason.ENCRYPTED, None)


def test_an_encrypted_docx_is_encrypted_whatever_its_name(reader: DocumentReader, corpus: dict[str, Sample]) -> None:
    data = corpus["encrypted.docx"].path.read_bytes()
    result = reader.submit(data, "https://www.wuhan.gov.cn/download.jsp?id=7").result(timeout=HANG_GUARD)
    assert (result.kind, result.reason, result.text) == (Kind.UNKNOWN, Reason.ENCRYPTED, None)


def test_a_future_can_be_awaited_from_asyncio(reader: DocumentReader, corpus: dict[str, Sample]) -> None:
    async def main() -> DocumentResult:
        future: Future[DocumentResult] = reader.submit(corpus["预算.xlsx"].path)
        return await asyncio.wait_for(asyncio.wrap_future(future), HANG_GUARD)

    assert_matches_truth(asyncio.run(main()), corpus["预算.xlsx"])


def _mutations(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        operation = rng.randrange(4)
        at = rng.randrange(len(out) or 1)
        if operation == 0 and out:
            out[at] = rng.randrange(256)
        elif operation == 1:
            del out[at : at + rng.randint(1, 512)]
        elif operation == 2:
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        else:
            out = out[: max(at, 1)]
    return bytes(out)


@settings(max_examples=examples(60), deadline=None)
@given(
    choice=st.sampled_from(["通知.pdf", "方案.docx", "预算.xlsx", "公文.ofd", "附件.zip", "材料.rar", "random"]),
    seed=st.integers(0, 2**32),
)
def test_any_bytes_give_a_result_never_an_exception(
    reader: DocumentReader, corpus: dict[str, Sample], choice: str, seed: int
) -> None:
    rng = random.Random(seed)
    if choice == "random":
        data = rng.randbytes(rng.randint(0, 4096))
    else:
        data = _mutations(corpus[choice].path.read_bytes(), rng)
    result = reader.submit(data, choice).result(timeout=HANG_GUARD)
    assert isinstance(result.kind, Kind)
    if result.text is None:
        assert isinstance(result.reason, Reason)
    else:
        assert result.reason is None and result.text.strip()
