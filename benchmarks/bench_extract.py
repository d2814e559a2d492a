"""CPU a page: govnews (extraction and every pipeline, the state store included) against
trafilatura and a bare lxml parse, in this process, on the same mirror article pages.

Each article page of a ``tests/mirror`` site is rendered once (not timed). Then, in
rounds that alternate the three, each page's bytes go through:

* ``lxml``: ``lxml.html.document_fromstring`` — a parse and nothing else;
* ``govnews``: a fresh ``HtmlResponse``, the ``wuhan`` spider's article callback, and
  every item pipeline of ``ITEM_PIPELINES`` in order, with the state store open
  (an incremental crawl's first run: a fresh store, each item recorded as exported);
  the feed's JSON encoding is left out;
* ``trafilatura``: ``trafilatura.extract(..., output_format="json", with_metadata=True)``,
  the nearest thing it has to a record of text and metadata.

The figure of each is its median round, in CPU time (``time.process_time``) a page. Prints
the ratios and the targets (issue 12): govnews ≤ 0.5 ms a page, ≥ 6× faster than
trafilatura, ≤ 10× a bare lxml parse. Exit code 0 when all three are met.

    python benchmarks/bench_extract.py [--articles 1000] [--rounds 5] [--profile]

Needs the ``bench`` extra (``pip install -e '.[bench]'``) for trafilatura.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html
from scrapy import Request
from scrapy.http import HtmlResponse

from tests.mirror.site import MirrorSite
from tests.offline_crawl import BASE_URL, OfflineCrawl

try:
    import trafilatura
except ImportError:  # the bench extra is not installed
    trafilatura = None

TARGET_MS = 0.5
TARGET_VS_TRAFILATURA = 6.0
TARGET_VS_LXML = 10.0

Page = tuple[str, bytes, dict[str, str]]


def article_pages(site: MirrorSite) -> list[Page]:
    """(url, body, headers) of every article page of the site that answers 200 with HTML."""
    pages: list[Page] = []
    for path in site.article_paths():
        rendered = site.render(path)
        if rendered.status == 200 and rendered.headers.get("Content-Type", "").startswith("text/html"):
            pages.append((BASE_URL + path, rendered.body, rendered.headers))
    return pages


def run_lxml(pages: list[Page]) -> None:
    for _, body, _ in pages:
        lxml.html.document_fromstring(body)


def run_govnews(pages: list[Page], site: MirrorSite) -> Callable[[], None]:
    """A round of govnews: set up (not timed), then the closure to time."""
    state = tempfile.TemporaryDirectory()
    crawl = OfflineCrawl(site, state_dir=Path(state.name), export=False)
    crawl.open()

    def go() -> None:
        for url, body, headers in pages:
            request = crawl.spider._article_request(url, row=None)
            crawl.handle(request, HtmlResponse(url, body=body, headers=headers, request=Request(url)))
        crawl.close()
        state.cleanup()

    return go


def run_trafilatura(pages: list[Page]) -> None:
    for url, body, _ in pages:
        trafilatura.extract(body, url=url, output_format="json", with_metadata=True)


def cpu_ms_per_page(work: Callable[[], None], pages: int) -> float:
    started = time.process_time()
    work()
    return (time.process_time() - started) * 1000 / pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000, help="articles of the mirror (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5; the median counts)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile one govnews round (cProfile) instead")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the extractors' per-page warnings are not what is measured

    site = MirrorSite(n_articles=args.articles, per_page=20, seed=args.seed)
    pages = article_pages(site)
    size = sum(len(body) for _, body, _ in pages) / len(pages)
    print(f"{len(pages)} article pages of a {args.articles}-article mirror, {size / 1024:.1f} KiB on average")

    if args.profile:
        go = run_govnews(pages, site)
        profile = cProfile.Profile()
        profile.runcall(go)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return 0

    if trafilatura is None:
        print("trafilatura is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    run_trafilatura(pages[:5])  # its imports and first-use caches, not timed
    times: dict[str, list[float]] = {"lxml": [], "govnews": [], "trafilatura": []}
    for _ in range(args.rounds):
        times["lxml"].append(cpu_ms_per_page(lambda: run_lxml(pages), len(pages)))
        times["govnews"].append(cpu_ms_per_page(run_govnews(pages, site), len(pages)))
        times["trafilatura"].append(cpu_ms_per_page(lambda: run_trafilatura(pages), len(pages)))
    ms = {name: statistics.median(values) for name, values in times.items()}

    for name, value in ms.items():
        print(f"  {name:12} {value:.3f} ms CPU a page (median of {args.rounds} rounds)")
    vs_trafilatura = ms["trafilatura"] / ms["govnews"]
    vs_lxml = ms["govnews"] / ms["lxml"]
    checks = [
        (f"govnews {ms['govnews']:.3f} ms a page", f"≤ {TARGET_MS} ms", ms["govnews"] <= TARGET_MS),
        (f"trafilatura / govnews = {vs_trafilatura:.1f}×", f"≥ {TARGET_VS_TRAFILATURA:g}×", vs_trafilatura >= 6),
        (f"govnews / lxml parse = {vs_lxml:.1f}×", f"≤ {TARGET_VS_LXML:g}×", vs_lxml <= TARGET_VS_LXML),
    ]
    for figure, target, met in checks:
        print(f"{figure:40} target {target:8} {'met' if met else 'NOT MET'}")
    return 0 if all(met for *_, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
