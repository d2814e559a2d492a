"""PDF text, pypdfium2 (govnews.documents) against pdfminer.six and pdfplumber, on the same
generated PDFs; and the text's fidelity against pdfplumber and markitdown (``--fidelity``).

``tests/mirror/documents.py`` writes ``--files`` PDFs of Chinese text (an embedded CJK
font, 1 to about 5 pages each, three font sizes), each with its truth (not timed). Then
each reader runs in a fresh subprocess of its own, which reads every file in turn:

* ``pypdfium2``: ``govnews.documents.pdf.read_pdf`` (PDFium's characters laid out: made-up
  spaces next to Chinese dropped, paragraphs joined, ruled tables as rows, pages apart by
  form feeds);
* ``before``: the reader of release 0.2 (PDFium's ``get_text_range`` of each page, tidied),
  for the cost of the layout;
* ``pdfminer.six``: ``pdfminer.high_level.extract_text`` with its default layout analysis;
* ``pdfplumber``: ``page.extract_text()`` of every page (pdfminer's characters, its own
  layout), pages joined by form feeds;
* ``pool``: the same files through ``DocumentReader`` (2 worker processes, paths
  submitted all at once): what a pipeline would see, IPC and limits included.

Per reader: MB of PDF read a second (wall time of the reading loop, median of
``--rounds``), peak RSS of the process that read (``VmHWM``: imports included; not
measured for the pool, whose workers are not its children), and the share of files whose
text equals the truth once all whitespace is removed, and line by line (pages, paragraphs,
table rows and cells, as tests/doc_tools.lines_of compares). The target: pypdfium2 at least
3× pdfminer.six's speed with a share at least as high. Exit code 0 when met.

``--fidelity``: the corpus's documents (a header drawn in spaced runs with a ruled table,
LibreOffice's PDF of a DOCX with numbered clauses and merged cells, that DOCX, a
spreadsheet, an OFD, a DOC) read by govnews, pdfplumber (PDF) and markitdown (what it
reads), each checked for: the document number, dates and table rows found verbatim, the
share of the truth's lines found as lines (Markdown table rows read as cells, list and
heading marks dropped), pages apart.

    python benchmarks/bench_attachments.py [--files 200] [--rounds 3] [--keep DIR]
    python benchmarks/bench_attachments.py --fidelity

Needs the ``bench`` extra (pdfminer.six, pdfplumber, markitdown) and Debian's
``fonts-wqy-zenhei`` (and LibreOffice, catdoc for ``--fidelity``).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_WHITESPACE = re.compile(r"\s+")
READERS = ("pypdfium2", "before", "pdfminer.six", "pdfplumber", "pool")
_SPACES = re.compile(r"[^\S\t\n\f]+")


def _squeeze(text: str | None) -> str:
    return _WHITESPACE.sub("", text or "")


def _lines(text: str | None) -> list[list[list[str]]]:
    """As tests/doc_tools.lines_of: pages, lines, cells; spaces inside a cell as one."""
    return [
        [[_SPACES.sub(" ", cell).strip() for cell in line.split("\t")] for line in page.split("\n")]
        for page in (text or "").split("\f")
    ]


def _read_all(reader: str, files: list[Path]) -> tuple[float, list[str | None]]:
    """Read every file with ``reader``; the wall time of the loop and the texts. Each
    imports its reader only here, so that no other library swells its process's RSS."""
    if reader == "pypdfium2":
        from govnews.documents.pdf import read_pdf  # noqa: PLC0415

        started = time.perf_counter()
        texts = [read_pdf(path.read_bytes()).text for path in files]
        return time.perf_counter() - started, texts
    if reader == "before":
        import pypdfium2 as pdfium  # noqa: PLC0415

        from govnews.documents.tidy import tidy  # noqa: PLC0415

        def before(data: bytes) -> str:
            document = pdfium.PdfDocument(data)
            texts = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                texts.append(str(textpage.get_text_range()))
                textpage.close()
                page.close()
            document.close()
            return tidy("\n\n".join(texts))

        started = time.perf_counter()
        texts = [before(path.read_bytes()) for path in files]
        return time.perf_counter() - started, list(texts)
    if reader == "pdfminer.six":
        from pdfminer.high_level import extract_text  # noqa: PLC0415

        started = time.perf_counter()
        texts = [extract_text(path) for path in files]
        return time.perf_counter() - started, list(texts)
    if reader == "pdfplumber":
        import pdfplumber  # noqa: PLC0415

        def plumb(path: Path) -> str:
            with pdfplumber.open(path) as pdf:
                return "\f".join(page.extract_text() or "" for page in pdf.pages)

        started = time.perf_counter()
        texts = [plumb(path) for path in files]
        return time.perf_counter() - started, texts
    from govnews.documents import DocumentReader  # noqa: PLC0415

    with DocumentReader(max_workers=2, time_limit=60.0) as pool:
        pool.submit(files[0]).result()  # workers up and warm before the clock starts
        started = time.perf_counter()
        futures = [pool.submit(path) for path in files]
        texts = [future.result().text for future in futures]
        return time.perf_counter() - started, texts


def worker(reader: str, directory: Path) -> None:
    """In a fresh process: read the corpus, print one JSON line of figures."""
    truth = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    files = [directory / name for name in truth]
    seconds, texts = _read_all(reader, files)
    pairs = list(zip(files, texts, strict=True))
    equal = sum(_squeeze(text) == _squeeze(truth[path.name]) for path, text in pairs)
    lines = sum(_lines(text) == _lines(truth[path.name]) for path, text in pairs)
    print(json.dumps({"seconds": seconds, "equal": equal, "lines": lines, "peak_mb": _peak_rss_kb() / 1024}))


def _peak_rss_kb() -> int:
    """This process's peak RSS: ``VmHWM``, which (unlike ``ru_maxrss``, kept across exec on
    Linux) starts afresh with the program, so the parent's size never counts."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measure(reader: str, directory: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", reader, str(directory)], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    parser.add_argument("--readers", default=",".join(READERS), help="which readers (default: all)")
    parser.add_argument("--fidelity", action="store_true", help="the fidelity checks instead of the speed")
    parser.add_argument("--worker", nargs=2, metavar=("READER", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0
    if args.fidelity:
        return fidelity()
    readers = [reader for reader in READERS if reader in args.readers.split(",")]

    from tests.mirror.documents import pdf_corpus  # noqa: PLC0415 - the workers must not load reportlab

    with tempfile.TemporaryDirectory(prefix="bench-attachments-") as scratch:
        directory = args.keep or Path(scratch)
        samples = pdf_corpus(directory, args.files)
        truth = {sample.name: sample.text for sample in samples}
        (directory / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
        megabytes = sum(sample.path.stat().st_size for sample in samples) / 1e6
        pages = sum(sample.pages or 0 for sample in samples)
        print(f"{len(samples)} PDFs, {pages} pages, {megabytes:.1f} MB; {args.rounds} round(s), readers alternating")
        runs: dict[str, list[dict[str, float]]] = {reader: [] for reader in readers}
        for _ in range(args.rounds):
            for reader in readers:
                runs[reader].append(_measure(reader, directory))

    rows = {}
    header = f"{'reader':<14} {'MB/s':>8} {'s (median)':>11} {'peak RSS MB':>12}"
    print(f"\n{header} {'equal, no spaces':>17} {'line by line':>13}")
    for reader, figures in runs.items():
        seconds = statistics.median(run["seconds"] for run in figures)
        equal = min(int(run["equal"]) for run in figures)
        lines = min(int(run["lines"]) for run in figures)
        peak = max(run["peak_mb"] for run in figures)
        rows[reader] = (megabytes / seconds, equal / len(samples))
        rss = "-" if reader == "pool" else f"{peak:.0f}"
        figures_line = f"{reader:<14} {megabytes / seconds:>8.2f} {seconds:>11.3f} {rss:>12}"
        print(f"{figures_line} {equal:>13}/{len(samples)} {lines:>9}/{len(samples)}")

    if "pypdfium2" not in rows or "pdfminer.six" not in rows:
        return 0
    speedup = rows["pypdfium2"][0] / rows["pdfminer.six"][0]
    met = speedup >= 3 and rows["pypdfium2"][1] >= rows["pdfminer.six"][1]
    verdict = "met" if met else "NOT met"
    print(f"\npypdfium2 is {speedup:.1f}× pdfminer.six; target ≥ 3× with a share as high: {verdict}")
    return 0 if met else 1


# -- fidelity --------------------------------------------------------------------------------

_MARKDOWN_ROW = re.compile(r"^\|(.*)\|$")
_MARKDOWN_MARK = re.compile(r"^(?:#+\s+|[*-]\s+|\*\*)|\*\*$")


def _as_lines(text: str, markdown: bool) -> set[str]:
    """A text's lines, spaces collapsed; Markdown rows as tab-joined cells, marks dropped."""
    out = set()
    for raw in text.replace("\f", "\n").split("\n"):
        line = raw.strip()
        if markdown:
            row = _MARKDOWN_ROW.match(line)
            if row:
                if set(line) <= set("|-: "):
                    continue
                line = "\t".join(cell.strip() for cell in row.group(1).split("|"))
            line = _MARKDOWN_MARK.sub("", line)
        out.add("\t".join(_SPACES.sub(" ", cell).strip() for cell in line.split("\t")))
    return out


KEYS = {
    "红头文件.pdf": ["武政规〔2026〕4号", "2026年3月1日", "道路\t120\t3"],
    "防汛通知.pdf": ["1. 压实防汛责任。", "江岸区\t区水务局\t120", "合计\t\t第一段 第二段"],
    "编号.docx": ["1. 压实防汛责任。", "一、总体要求", "合计\t\t第一段 第二段"],
}
"""What a person searches for in each file: the header's number and date, a clause by its
number, a table row as cells (and in a spreadsheet, its row with an empty cell)."""


def fidelity() -> int:
    """Each document of the corpus by govnews, pdfplumber and markitdown: key strings found
    verbatim, the share of the truth's lines found as lines, page breaks."""
    from govnews.documents import read_path  # noqa: PLC0415
    from tests.mirror.documents import build_corpus, build_tool_samples  # noqa: PLC0415

    names = ("红头文件.pdf", "防汛通知.pdf", "multi-page.pdf", "编号.docx", "预算.xlsx", "公文.ofd", "公告.doc")
    with tempfile.TemporaryDirectory(prefix="bench-fidelity-") as scratch:
        samples = {s.name: s for s in build_corpus(Path(scratch) / "corpus")}
        samples.update({s.name: s for s in build_tool_samples(Path(scratch) / "tools")})
        print(f"{'file':<16} {'reader':<11} {'keys found':>10} {'lines found':>12} {'pages apart':>12}")
        for name in names:
            sample = samples[name]
            truth_lines = [line for line in _as_lines(sample.text or "", False) if line]
            if name == "预算.xlsx":
                KEYS[name] = [line for line in (sample.text or "").split("\n") if "\t\t" in line][:1]
            for tool in ("govnews", "pdfplumber", "markitdown"):
                text = _read_with(tool, sample.path, read_path)
                if text is None:
                    continue
                found = _as_lines(text, tool == "markitdown")
                share = sum(line in found for line in truth_lines) / max(len(truth_lines), 1)
                hits = [key for key in KEYS.get(name, []) if key in text or key in found]
                keys = f"{len(hits)}/{len(KEYS[name])}" if name in KEYS else "-"
                pages = "-" if not sample.pages else ("yes" if text.count("\f") == sample.pages - 1 else "no")
                print(f"{name:<16} {tool:<11} {keys:>10} {share:>11.0%} {pages:>12}")
    return 0


def _read_with(tool: str, path: Path, read_path: Any) -> str | None:
    if tool == "govnews":
        return str(read_path(path).text or "")
    if tool == "pdfplumber":
        if path.suffix != ".pdf":
            return None
        import pdfplumber  # noqa: PLC0415

        with pdfplumber.open(path) as pdf:
            return "\f".join(page.extract_text() or "" for page in pdf.pages)
    from markitdown import MarkItDown  # noqa: PLC0415

    try:
        return str(MarkItDown().convert(str(path)).text_content)
    except Exception as exc:  # markitdown reads no DOC or OFD
        return f"<{type(exc).__name__}>"


if __name__ == "__main__":
    raise SystemExit(main())
