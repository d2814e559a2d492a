"""Bytes a kept revision costs the store (issue 29): each exported article's diffable fields
(``govnews.changes.revision_fields``), packed (``govnews.changes.pack``: zlib of canonical JSON).

The mirror (``tests/mirror``, ``--articles``, the issue's figure is for 20,000) is crawled in
process by the real spider callbacks and every item pipeline (``tests/offline_crawl.py``,
no state store): the items are what a crawl exports. Each item's revision fields are packed;
the script prints the mean, median, 95th percentile and largest packed size, beside the
canonical JSON it packs, and what the whole mirror's revisions take.

    python benchmarks/bench_revisions.py [--articles 20000] [--seed 1]

The figure to report is ``packed mean`` (bytes an article); Redis adds its own per-key
overhead on top (measured with the store, not here).

2026-12-07, the 20,000-article mirror (seed 1): 946 bytes an article packed (median 945, p95
1,141, largest 2,164; 18.0 MiB for the 20,000), 0.56 of the canonical JSON (1,676 bytes),
against 2,731 bytes for the whole feed line; pack and unpack 564 µs an article.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govnews.changes import pack, revision_fields, unpack
from tests.mirror.site import MirrorSite
from tests.offline_crawl import OfflineCrawl


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000, help="articles of the mirror (default 20000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # per-page warnings of the crawl are not what is measured

    site = MirrorSite(n_articles=args.articles, per_page=20, seed=args.seed)
    started = time.perf_counter()
    crawl = OfflineCrawl(site).run()
    items = [json.loads(line) for line in crawl.lines]
    crawled = time.perf_counter() - started
    print(f"{len(items)} items from a {args.articles}-article mirror, crawled in process in {crawled:.0f} s")

    canonical: list[int] = []
    packed: list[int] = []
    started = time.perf_counter()
    for item in items:
        fields = revision_fields(item)
        data = pack(fields)
        assert unpack(data) == fields
        canonical.append(len(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()))
        packed.append(len(data))
    elapsed = time.perf_counter() - started
    exported = sum(len(line) + 1 for line in crawl.lines)

    def row(name: str, sizes: list[int]) -> str:
        return (
            f"{name:<16} mean {statistics.fmean(sizes):7.0f}  median {statistics.median(sizes):7.0f}  "
            f"p95 {percentile(sizes, 0.95):7d}  max {max(sizes):7d}  total {sum(sizes) / 2**20:7.2f} MiB"
        )

    print(f"{'feed line':<16} mean {exported / len(items):7.0f}  (the whole exported item, for scale)")
    print(row("canonical JSON", canonical))
    print(row("packed (zlib 9)", packed))
    print(f"packed / JSON    {sum(packed) / sum(canonical):.2f}")
    print(f"pack + unpack    {elapsed * 1e6 / len(items):.0f} µs an article")
    print(f"packed mean      {statistics.fmean(packed):.0f} bytes an article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
