"""Crawl speed: govnews against a bare download spider, on the same mirror, server and
settings, in paired runs.

A mirror of ``--articles`` articles (every column) is served on loopback, each page rendered
once and then served from memory. A first govnews crawl (not counted) warms the server and
gives the list of pages govnews asks for. Then ``--pairs`` pairs, in alternating order:

* ``scrapy crawl wuhan`` as a user runs it: incremental (a fresh state store: the first,
  full run), the default feed, the project's settings; with ``DOWNLOAD_DELAY=0``, no
  AutoThrottle, 8 requests at a time;
* ``benchmarks/bare_spider.py``: the same pages, downloaded and dropped, with the same
  download settings.

Speed is pages a second (wall clock); the figure is the median of the pairs' ratios
govnews / bare. CPU (user + system of the crawl process) is shown beside it. Target
(issue 12): ≥ 0.9×. Exit code 0 when met.

    python benchmarks/bench_crawl.py [--articles 2000] [--pairs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import RenderedOnce, Run, bare_command, govnews_command, run_measured, sections_of
from tests.mirror.server import MirrorServer

TARGET = 0.9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="articles of the mirror (default 2000)")
    parser.add_argument("--pairs", type=int, default=3, help="paired runs (default 3; the median counts)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    site = RenderedOnce(n_articles=args.articles, per_page=20, seed=args.seed)
    sections = sections_of(site)
    with MirrorServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def govnews(name: str) -> Run:
            cmd = govnews_command(server.base_url, sections, work / name / "output", work / name / "state")
            run = run_measured(cmd, server)
            if run.returncode != 0:
                sys.exit(f"the govnews crawl failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
            return run

        warm = govnews("warm-up")
        urls = work / "urls.txt"
        urls.write_text("\n".join(server.url(path) for path in warm.requests if path != "/robots.txt") + "\n")
        print(f"mirror of {args.articles} articles: govnews asks for {warm.pages} pages")

        def bare() -> Run:
            run = run_measured(bare_command(urls), server, cwd=work)  # outside the project: no scrapy.cfg
            if run.returncode != 0:
                sys.exit(f"the bare spider failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
            return run

        speed_ratios: list[float] = []
        cpu_ratios: list[float] = []
        for pair in range(args.pairs):
            if pair % 2 == 0:
                ours, theirs = govnews(f"pair-{pair}"), bare()
            else:
                theirs = bare()
                ours = govnews(f"pair-{pair}")
            speed = (ours.pages / ours.wall) / (theirs.pages / theirs.wall)
            cpu = (ours.cpu / ours.pages) / (theirs.cpu / theirs.pages)
            speed_ratios.append(speed)
            cpu_ratios.append(cpu)
            print(
                f"  pair {pair + 1}: govnews {ours.pages} pages in {ours.wall:.1f} s ({ours.pages / ours.wall:.0f}/s), "
                f"bare {theirs.pages} in {theirs.wall:.1f} s ({theirs.pages / theirs.wall:.0f}/s): "
                f"speed {speed:.2f}×, CPU a page {cpu:.2f}×"
            )

    speed, cpu = statistics.median(speed_ratios), statistics.median(cpu_ratios)
    met = speed >= TARGET
    print(f"crawl speed govnews / bare = {speed:.2f}× (median of {args.pairs} pairs; CPU a page {cpu:.2f}×)")
    print(f"target ≥ {TARGET}×: {'met' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
