"""What a stale worker still does, measured: real ``scrapy crawl family`` workers on the
two-site family mirror and one redis-server (``tests/cluster.py``), each scenario repeated.

* ``early expiry``: worker a (a 30 s lease, 0.3 s a request) at work, worker b waiting; a's
  lease keys are expired on the server (PEXPIRE). Measured: a's requests that reached a host
  after the expiry, how many of them passed their last check after it (0 is the promise),
  how long after the expiry a's last request arrived, a's requests after b's first, and
  articles twice once the hosts have settled their feeds.
* ``frozen``: a frozen (SIGCONT blocked) after a request's last check, its lease lapsed, b
  at work on every host; a thaws. Measured: a's requests after b's first request (the bound:
  at most one) and how long after the thaw it arrived.
* ``killed mid-commit``: a paused between a feed write and its commit, killed there; b, on
  another host, takes the sites over. Measured: articles in two feeds before a's host settles
  its feeds, lines that settling cuts, and articles twice after it.

::

    .venv/bin/python benchmarks/bench_stale_worker.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from tests.cluster import (
    SITES,
    TTL,
    doubles,
    first_request,
    late_requests,
    lock_keys,
    requests_of,
    start_worker,
    wait_for,
    whole_lines,
)
from tests.conftest import init_redis_stores
from tests.mirror.family import FamilyMirror
from tests.redis_server import RedisServer


def fresh(server: RedisServer, mirror: FamilyMirror) -> None:
    client = server.client()
    client.flushall()
    client.close()
    init_redis_stores(server.url, mirror.base_urls.values())
    for site in mirror.servers.values():
        site.clear_access_log()


def settle(mirror: FamilyMirror, root: Path, url: str, host: str) -> None:
    last = start_worker(mirror, root, url, f"last-{host}", host)
    assert last.wait() == 0, last.tail()


def early_expiry(server: RedisServer, mirror: FamilyMirror, root: Path) -> dict[str, float]:
    fresh(server, mirror)
    a = start_worker(mirror, root, server.url, "a", "node-a", ttl=30, delay=0.3)
    wait_for(lambda: len(whole_lines(root / "a")) >= 3)
    b = start_worker(mirror, root, server.url, "b", "node-b", wait_for=120)
    wait_for(lambda: "family: waiting up to" in b.text())
    client = redis.Redis.from_url(server.url)
    for key in lock_keys(server.url, mirror):
        client.pexpire(key, 1)
    client.close()
    time.sleep(0.005)
    expired = time.monotonic()
    b.wait()
    a.wait()
    passes = a.passes()
    after = [(t, h) for h, log in requests_of(mirror).items() for t, _, c in log if c == "a" and t > expired]
    checked_after = sum(1 for t, h in after if max((p for p, ph in passes if ph == h and p < t), default=0) > expired)
    settle(mirror, root, server.url, "node-a")
    return {
        "requests after the expiry": len(after),
        "of them checked after it": checked_after,
        "last one, s after the expiry": max((t - expired for t, _ in after), default=0.0),
        "requests after b's first": sum(len(v) for v in late_requests(mirror, "a", "b").values()),
        "articles twice": len(doubles(whole_lines(root))),
    }


def frozen(server: RedisServer, mirror: FamilyMirror, root: Path) -> dict[str, float]:
    fresh(server, mirror)
    a = start_worker(mirror, root, server.url, "a", "node-a", pause="request", at=6, frozen=True)
    assert a.wait_paused() is not None
    time.sleep(TTL * 1.25)
    b = start_worker(mirror, root, server.url, "b", "node-b")
    wait_for(lambda: len(first_request(mirror, "b")) == len(SITES))
    thawed = time.monotonic()
    a.resume()
    b.wait()
    a.wait()
    late = [t for requests in late_requests(mirror, "a", "b").values() for t, _ in requests]
    settle(mirror, root, server.url, "node-a")
    return {
        "requests after b's first": len(late),
        "ms after the thaw": 1000 * max((t - thawed for t in late), default=0.0),
        "articles twice": len(doubles(whole_lines(root))),
    }


def killed_mid_commit(server: RedisServer, mirror: FamilyMirror, root: Path) -> dict[str, float]:
    fresh(server, mirror)
    a = start_worker(mirror, root, server.url, "a", "node-a", pause="commit", at=4)
    assert a.wait_paused() is not None
    a.kill()
    time.sleep(TTL * 1.25)
    b = start_worker(mirror, root, server.url, "b", "node-b")
    b.wait()
    before = len(doubles(whole_lines(root)))
    last = start_worker(mirror, root, server.url, "last-node-a", "node-a")
    last.wait()
    cut = sum(int(n) for n in re.findall(r"'govnews/state/reconciled_lines_cut': (\d+)", last.text()))
    return {
        "articles twice before a's host settles": before,
        "lines its settling cut": cut,
        "articles twice after": len(doubles(whole_lines(root))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    scenarios = {"early expiry": early_expiry, "frozen": frozen, "killed mid-commit": killed_mid_commit}
    with tempfile.TemporaryDirectory() as work, RedisServer() as server, FamilyMirror(seed=71, sites=SITES) as mirror:
        for name, scenario in scenarios.items():
            runs = [scenario(server, mirror, Path(work) / f"{name}-{i}") for i in range(options.repeat)]
            print(f"{name} ({options.repeat} runs):")
            for key in runs[0]:
                values = [r[key] for r in runs]
                print(f"  {key}: max {max(values):.3g}, median {statistics.median(values):.3g}, all {values}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
