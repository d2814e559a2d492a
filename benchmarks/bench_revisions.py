"""Bytes a kept revision costs the store (issue 29): each exported article's diffable fields
(``govnews.changes.revision_fields``), packed (``govnews.changes.pack``: zlib of canonical JSON),
and what they really cost in each backend.

The mirror (``tests/mirror``, ``--articles``, the issue's figure is for 20,000) is crawled in
process by the real spider callbacks and every item pipeline (``tests/offline_crawl.py``,
no state store): the items are what a crawl exports. Each item's revision fields are packed;
the script prints the mean, median, 95th percentile and largest packed size, beside the
canonical JSON it packs, and what the whole mirror's revisions take.

Then the stores: the items' records, built as the state pipeline builds them
(:func:`govnews.store.record_from_item`), are committed in batches of ``--batch`` (50, a
SQLite run's batch) into a fresh SQLite store and into a Redis store on a real redis-server
(``tests/redis_server.py``, opened under its lease as a run opens it), once with the fields
and once without (``fields`` and ``fields_digest`` None: what a store kept before issue 29).
Measured: the SQLite file after ``VACUUM`` (page_count × page_size, the same bytes) and its
``articles`` table with its primary key (``dbstat``); in Redis, ``MEMORY USAGE … SAMPLES 0``
of the articles hash and the growth of ``INFO memory``'s ``used_memory`` over the commits (a
fresh server for each). The records carry no ETag or Last-Modified (the offline crawl has no
store to remember them): the same few bytes in both columns.

    python benchmarks/bench_revisions.py [--articles 20000] [--seed 1] [--batch 50] [--no-stores]

The figures to report are ``packed mean`` and the store table's difference an article; a
missing redis-server skips the Redis rows (``tests/redis_server.py`` says how to install one).

2026-12-07, the 20,000-article mirror (seed 1): 946 bytes an article packed (median 945, p95
1,141, largest 2,164; 18.0 MiB for the 20,000), 0.56 of the canonical JSON (1,676 bytes),
against 2,731 bytes for the whole feed line; pack and unpack 564 µs an article (92 µs in a
later run). The stores, same day and mirror (crawl 61 s, each store written and measured in
4 s or less, on a loaded 2-core machine): the fields add 1,168 bytes an article to SQLite,
22.3 MiB for the 20,000 (the file after ``VACUUM``: 540 bytes an article without them, 1,708
with; 10.3 → 32.6 MiB), and 1,429 bytes to Redis, 27.3 MiB (base64 and the digest: ``MEMORY
USAGE`` of the articles hash 429 → 1,858 bytes an article, 8.2 → 35.5 MiB; ``used_memory``
grew 12.2 MiB without them and 39.5 MiB with them, the contents hash included). The 2,000-article mirror gives the
same differences (1,165 and 1,427 bytes), and so do commits of one record (a Redis run's batch).
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govnews.changes import pack, revision_fields, unpack
from govnews.store import Record, StateStore, Store, record_from_item
from govnews.store.keys import SiteKeys
from tests.mirror.site import MirrorSite
from tests.offline_crawl import OfflineCrawl
from tests.redis_server import INSTALL_HINT, RedisServer, redis_server_binary

SITE = "www.wuhan.gov.cn"
LEASE_TTL = 3600.0
"""Seconds of the benchmark's Redis lease: no run renews it here, and the commits of 20,000
articles take longer than the default 30 s on a loaded machine."""


@dataclass(frozen=True)
class Cost:
    """One measure of a store, in bytes, for the same articles without and with their fields."""

    name: str
    without: int
    with_fields: int


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def commit_in_batches(store: Store, records: Sequence[Record], batch: int) -> None:
    """Commit ``records`` as one run does: ``batch`` at a time, under one run's token."""
    token = uuid.uuid4().hex
    for start in range(0, len(records), batch):
        store.commit(records[start : start + batch], token)


def sqlite_bytes(records: Sequence[Record], batch: int) -> dict[str, int]:
    """A fresh SQLite store holding ``records``: its file after ``VACUUM``, page_count ×
    page_size, and the pages of the ``articles`` table and its primary-key index."""
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as directory:
        path = Path(directory) / "state.sqlite3"
        store = StateStore(path)
        commit_in_batches(store, records, batch)
        store.close()
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=DELETE")  # the WAL folded in: the file is the whole store
            db.execute("VACUUM")
            count = int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
            assert count == len({r.url for r in records}), count
            pages = int(db.execute("PRAGMA page_count").fetchone()[0]) * int(
                db.execute("PRAGMA page_size").fetchone()[0]
            )
            table = int(
                db.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('articles', 'sqlite_autoindex_articles_1')"
                ).fetchone()[0]
            )
        finally:
            db.close()
        return {"file": path.stat().st_size, "pages": pages, "table": table}


def redis_bytes(records: Sequence[Record], batch: int) -> dict[str, int]:
    """A fresh redis-server and store holding ``records``: ``MEMORY USAGE`` of the articles hash
    (every field sampled) and the growth of ``used_memory`` from the empty store's."""
    from govnews.store.lease import acquire_redis_lock  # noqa: PLC0415 - Redis only when measured
    from govnews.store.redis import RedisStateStore, init_store  # noqa: PLC0415

    with RedisServer() as server:
        client = server.client()
        init_store(server.url, SITE, ttl=LEASE_TTL)
        lock = acquire_redis_lock(server.url, SITE, ttl=LEASE_TTL)
        store = RedisStateStore.connect(server.url, SITE, lock=lock)
        try:
            before = int(client.info("memory")["used_memory"])
            commit_in_batches(store, records, batch)
            after = int(client.info("memory")["used_memory"])
            key = SiteKeys(SITE).articles
            assert int(client.hlen(key)) == len({r.url for r in records})
            usage = int(client.execute_command("MEMORY", "USAGE", key, "SAMPLES", 0))
        finally:
            store.close()
            lock.release()
            client.close()
        return {"usage": usage, "used": after - before}


def store_costs(records: Sequence[Record], batch: int) -> list[Cost]:
    """Each store's measures, without the fields and with them."""
    bare = [replace(r, fields=None, fields_digest=None) for r in records]
    costs: list[Cost] = []
    started = time.perf_counter()
    without, with_fields = sqlite_bytes(bare, batch), sqlite_bytes(records, batch)
    costs += [
        Cost("SQLite file (VACUUM)", without["file"], with_fields["file"]),
        Cost("  page_count × size", without["pages"], with_fields["pages"]),
        Cost("  articles table+pk", without["table"], with_fields["table"]),
    ]
    print(f"SQLite stores written and measured in {time.perf_counter() - started:.0f} s")
    if redis_server_binary() is None:
        print(f"Redis not measured: {INSTALL_HINT}")
        return costs
    started = time.perf_counter()
    without, with_fields = redis_bytes(bare, batch), redis_bytes(records, batch)
    costs += [
        Cost("Redis MEMORY USAGE", without["usage"], with_fields["usage"]),
        Cost("Redis used_memory Δ", without["used"], with_fields["used"]),
    ]
    print(f"Redis stores written and measured in {time.perf_counter() - started:.0f} s")
    return costs


def print_costs(costs: Sequence[Cost], articles: int) -> None:
    def mib(size: int) -> str:
        return f"{size / 2**20:8.2f}"

    print(f"{'':<22} {'bytes an article':^26}   {'MiB for the mirror':^26}")
    print(f"{'store':<22} {'without':>8} {'with':>8} {'diff':>8}   {'without':>8} {'with':>8} {'diff':>8}")
    for c in costs:
        each = [c.without / articles, c.with_fields / articles, (c.with_fields - c.without) / articles]
        print(
            f"{c.name:<22} {each[0]:8.0f} {each[1]:8.0f} {each[2]:8.0f}   "
            f"{mib(c.without)} {mib(c.with_fields)} {mib(c.with_fields - c.without)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000, help="articles of the mirror (default 20000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50, help="records a commit (default 50, a SQLite run's batch)")
    parser.add_argument("--no-stores", action="store_true", help="the packed sizes only, no store written")
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
    if args.no_stores:
        return 0

    records = [record_from_item(item) for item in items]
    print()
    print_costs(store_costs(records, args.batch), len({r.url for r in records}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
