"""PDF text, pypdfium2 (govnews.documents) against pdfminer.six, on the same generated PDFs.

``tests/mirror/documents.py`` writes ``--files`` PDFs of Chinese text (an embedded CJK
font, 1 to about 5 pages each, three font sizes), each with its truth (not timed). Then
each reader runs in a fresh subprocess of its own, which reads every file in turn:

* ``pypdfium2``: ``govnews.documents.pdf.read_pdf`` (PDFium, text of every page, tidied);
* ``pdfminer.six``: ``pdfminer.high_level.extract_text`` with its default layout analysis;
* ``pool``: the same files through ``DocumentReader`` (2 worker processes, paths
  submitted all at once): what a pipeline would see, IPC and limits included.

Per reader: MB of PDF read a second (wall time of the reading loop, median of
``--rounds``), peak RSS of the process that read (``VmHWM``: imports included; not
measured for the pool, whose workers are not its children), and the share of files whose
text equals the truth once all whitespace is removed. The target: pypdfium2 at least 3×
pdfminer.six's speed with a share at least as high. Exit code 0 when met.

    python benchmarks/bench_attachments.py [--files 200] [--rounds 3] [--keep DIR]

Needs the ``bench`` extra (pdfminer.six) and Debian's ``fonts-wqy-zenhei``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_WHITESPACE = re.compile(r"\s+")
READERS = ("pypdfium2", "pdfminer.six", "pool")


def _squeeze(text: str | None) -> str:
    return _WHITESPACE.sub("", text or "")


def _read_all(reader: str, files: list[Path]) -> tuple[float, list[str | None]]:
    """Read every file with ``reader``; the wall time of the loop and the texts. Each
    imports its reader only here, so that no other library swells its process's RSS."""
    if reader == "pypdfium2":
        from govnews.documents.pdf import read_pdf  # noqa: PLC0415

        started = time.perf_counter()
        texts = [read_pdf(path.read_bytes()).text for path in files]
        return time.perf_counter() - started, texts
    if reader == "pdfminer.six":
        from pdfminer.high_level import extract_text  # noqa: PLC0415

        started = time.perf_counter()
        texts = [extract_text(path) for path in files]
        return time.perf_counter() - started, list(texts)
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
    equal = sum(_squeeze(text) == _squeeze(truth[path.name]) for path, text in zip(files, texts, strict=True))
    print(json.dumps({"seconds": seconds, "equal": equal, "peak_mb": _peak_rss_kb() / 1024}))


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
    parser.add_argument("--worker", nargs=2, metavar=("READER", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0

    from tests.mirror.documents import pdf_corpus  # noqa: PLC0415 - the workers must not load reportlab

    with tempfile.TemporaryDirectory(prefix="bench-attachments-") as scratch:
        directory = args.keep or Path(scratch)
        samples = pdf_corpus(directory, args.files)
        truth = {sample.name: sample.text for sample in samples}
        (directory / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
        megabytes = sum(sample.path.stat().st_size for sample in samples) / 1e6
        pages = sum(sample.pages or 0 for sample in samples)
        print(f"{len(samples)} PDFs, {pages} pages, {megabytes:.1f} MB; {args.rounds} round(s), readers alternating")
        runs: dict[str, list[dict[str, float]]] = {reader: [] for reader in READERS}
        for _ in range(args.rounds):
            for reader in READERS:
                runs[reader].append(_measure(reader, directory))

    rows = {}
    print(f"\n{'reader':<14} {'MB/s':>8} {'s (median)':>11} {'peak RSS MB':>12} {'text equal':>14}")
    for reader, figures in runs.items():
        seconds = statistics.median(run["seconds"] for run in figures)
        equal = min(int(run["equal"]) for run in figures)
        peak = max(run["peak_mb"] for run in figures)
        rows[reader] = (megabytes / seconds, equal / len(samples))
        rss = "-" if reader == "pool" else f"{peak:.0f}"
        share = f"{equal}/{len(samples)} {100 * equal / len(samples):.0f}%"
        print(f"{reader:<14} {megabytes / seconds:>8.2f} {seconds:>11.3f} {rss:>12} {share:>14}")

    speedup = rows["pypdfium2"][0] / rows["pdfminer.six"][0]
    met = speedup >= 3 and rows["pypdfium2"][1] >= rows["pdfminer.six"][1]
    verdict = "met" if met else "NOT met"
    print(f"\npypdfium2 is {speedup:.1f}× pdfminer.six; target ≥ 3× with a share as high: {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
