"""An idle re-run: what a run with nothing new asks of the site.

A mirror with every column is crawled twice with one state store, as scheduled runs do
(incremental, the default feed); nothing is published in between. Target (issue 12): the
second run reads at most 1 list page per column and no article page. Exit code 0 when met.

    python benchmarks/bench_idle.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import govnews_command, run_measured, sections_of
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    site = MirrorSite(n_articles=args.articles, per_page=20, seed=1)
    with MirrorServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        cmd = govnews_command(server.base_url, sections_of(site), Path(tmp) / "output", Path(tmp) / "state")
        first, again = run_measured(cmd, server), run_measured(cmd, server)
    for name, run in (("first run", first), ("re-run", again)):
        if run.returncode != 0:
            sys.exit(f"the {name} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    lists = again.list_pages_per_column(site)
    columns = len(site.columns)
    most = max(lists.values(), default=0)
    print(f"first run: {first.pages} pages; re-run: {again.pages} pages ({', '.join(again.requests)})")
    met = most <= 1 and sum(lists.values()) <= columns and again.article_pages() == 0
    print(
        f"re-run: {sum(lists.values())} list pages for {columns} columns (at most {most} a column), "
        f"{again.article_pages()} article pages (target ≤ 1 list page a column, 0 articles: "
        f"{'met' if met else 'NOT MET'})"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
