"""Scale: the family mirror crawled by 1, 2 and 4 workers sharing one real redis-server.

Each worker is ``scrapy crawl family`` (REDIS_URL set, ``GOVNEWS_FAMILY_SITES_AT_ONCE=1``:
one site at a time, as a node of a cluster takes its share); the delay is lowered by
settings (``--delay``), never the defaults. For each number of workers it prints the wall
time, the speed-up over one worker, and the per-host request spacing the mirror's servers
saw (the smallest, and the median): politeness for the cluster as a whole means no host
ever sees requests closer than the delay, however many workers there are. For comparison,
one process crawling every site at once (``GOVNEWS_FAMILY_SITES_AT_ONCE=0``, no Redis).

    .venv/bin/python benchmarks/bench_family.py [--delay 0.05] [--seed 5]

Needs redis-server (Debian package ``redis-server``). Exits 0 when every run exported every
article exactly once and no host saw a spacing under the delay.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govnews.sites.family import site_key
from govnews.store.redis import init_store
from tests.conftest import family_crawl_command
from tests.mirror.family import FamilyMirror
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
SLACK = 0.005


def command(mirror: FamilyMirror, output: Path, delay: float, at_once: int) -> list[str]:
    quiet = {"LOG_LEVEL": "WARNING", "GOVNEWS_PROGRESS": "log", "RANDOMIZE_DOWNLOAD_DELAY": False}
    return family_crawl_command(mirror, output, delay=delay, GOVNEWS_FAMILY_SITES_AT_ONCE=at_once, **quiet)


@dataclass
class Result:
    wall: float
    exactly_once: bool
    failed: int
    min_spacing: float
    median_spacing: float

    def ok(self, delay: float) -> bool:
        return self.exactly_once and not self.failed and self.min_spacing >= delay - SLACK


def run(mirror: FamilyMirror, workers: int, delay: float, redis: RedisServer | None, root: Path) -> Result:
    for server in mirror.servers.values():
        server.clear_access_log()
    env = dict(os.environ)
    if redis is not None:
        client = redis.client()
        client.flushall()
        client.close()
        for url in mirror.base_urls.values():  # once for the cluster, as an operator does
            init_store(redis.url, site_key(url))
        env["REDIS_URL"] = redis.url
    at_once = 1 if redis is not None else 0
    started = time.monotonic()
    procs = []
    for i in range(workers):
        output = root / f"w{i}"
        output.mkdir(parents=True)
        procs.append(
            subprocess.Popen(
                command(mirror, output, delay, at_once), cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
            )
        )
    failed = sum(p.wait() != 0 for p in procs)
    wall = time.monotonic() - started
    urls: Counter[str] = Counter()
    for feed in root.rglob("*.jsonl"):
        if feed.name != "runs.jsonl":
            urls.update(json.loads(line)["url"] for line in feed.read_text(encoding="utf-8").splitlines())
    truth = {(mirror.base_url(key) + path) for key, path in mirror.model.expected_articles()}
    spacing = [s for server in mirror.servers.values() for s in server.spacing()]
    once = set(urls) == truth and max(urls.values()) == 1
    return Result(wall, once, failed, min(spacing), statistics.median(spacing))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()
    with FamilyMirror(seed=options.seed) as mirror, RedisServer() as redis, tempfile.TemporaryDirectory() as tmp:
        articles = len(mirror.model.expected_articles())
        print(f"family mirror: {len(mirror.servers)} sites, {articles} articles; delay {options.delay} s per host")
        results: dict[int, Result] = {}
        for workers in (1, 2, 4):
            results[workers] = run(mirror, workers, options.delay, redis, Path(tmp) / f"redis-{workers}")
        one_process = run(mirror, 1, options.delay, None, Path(tmp) / "one-process")
        print(f"{'workers':>8} {'wall s':>8} {'speed-up':>9} {'min spacing':>12} {'median':>8}  exactly once")
        for workers, r in results.items():
            speedup = results[1].wall / r.wall
            spacing = f"{r.min_spacing:>11.3f}s {r.median_spacing:>7.3f}s"
            print(f"{workers:>8} {r.wall:>8.2f} {speedup:>8.2f}× {spacing}  {r.exactly_once}")
        print(
            f"one process, every site at once (no Redis): {one_process.wall:.2f} s, "
            f"{results[1].wall / one_process.wall:.2f}× one worker taking one site at a time; "
            f"min spacing {one_process.min_spacing:.3f} s"
        )
        ok = all(r.ok(options.delay) for r in [*results.values(), one_process])
    print("every run exported every article once and kept the delay per host" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
