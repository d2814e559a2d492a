"""Memory: the peak RSS of a full crawl of 20,000 articles against that of 1,000.

Each crawl is ``scrapy crawl wuhan`` as a user runs it (incremental, a fresh state store,
the default feed) of a mirror with every column, served on loopback; its peak RSS comes
from ``wait4``. Target (issue 12): the 20,000-article crawl ≤ 1.3× the peak of the
1,000-article one. Exit code 0 when met.

    python benchmarks/bench_memory.py [--small 1000] [--large 20000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import Run, govnews_command, run_measured, sections_of
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

TARGET = 1.3


def crawl(articles: int, work: Path) -> Run:
    site = MirrorSite(n_articles=articles, per_page=20, seed=1)
    with MirrorServer(site) as server:
        cmd = govnews_command(server.base_url, sections_of(site), work / "output", work / "state")
        run = run_measured(cmd, server)
    if run.returncode != 0:
        sys.exit(f"the crawl of {articles} articles failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    print(f"  {articles:>6} articles: {run.pages} pages in {run.wall:.0f} s, peak RSS {run.max_rss_mib:.0f} MiB")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = crawl(args.small, Path(tmp) / "small")
        large = crawl(args.large, Path(tmp) / "large")
    ratio = large.max_rss_mib / small.max_rss_mib
    met = ratio <= TARGET
    verdict = "met" if met else "NOT MET"
    print(f"peak RSS {args.large} / {args.small} articles = {ratio:.2f}× (target ≤ {TARGET}×: {verdict})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
