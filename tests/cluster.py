"""Workers of a cluster for the fault tests: real ``scrapy crawl family`` processes on a small
family mirror and one real redis-server, each under a host name of its own and able to pause
itself at a named point (``tests/paused_worker.py``), and the invariants their feeds and the
mirror's servers must show.

The invariants (docs/distributed.md, "What a fault does"):

* :func:`assert_exactly_once`: over every feed, once reconciled, every article exactly once
  per revision, each line equal to the mirror's truth;
* :func:`assert_stale_bound`: a stale worker sends at most one request per host after another
  worker's first request there, and only one whose last check passed before its pause;
* the store never goes back (:func:`committed`: what it holds after a fault holds what it held
  before).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.conftest import ROOT, family_crawl_command
from tests.mirror.family import CLIENT_HEADER, SITE_BY_KEY, FamilyMirror

SITES = (SITE_BY_KEY["hongshan"], SITE_BY_KEY["jiangan"])
"""Two sites of one column each: a crawl of a few seconds, long enough to pause in."""
DELAY = 0.05
TTL = 2.0


@dataclass
class Worker:
    """One worker process (see :func:`start_worker`)."""

    name: str
    host: str
    output: Path
    proc: subprocess.Popen[str]
    status: Path
    checks: Path
    log: Path
    code: int | None = field(default=None)

    def events(self) -> list[dict[str, Any]]:
        if not self.status.exists():
            return []
        return [json.loads(line) for line in self.status.read_text().splitlines() if line.strip()]

    @property
    def paused_at(self) -> float | None:
        """When it stopped itself (``time.monotonic()``), or None."""
        return next((e["time"] for e in self.events() if e["event"] == "paused"), None)

    def wait_paused(self, timeout: float = 120) -> float | None:
        """Wait until the worker paused itself (its moment), or ended without pausing (None)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (moment := self.paused_at) is not None:
                # The status line is written just before the SIGSTOP: wait for the stop itself.
                while time.monotonic() < deadline and _state(self.proc.pid) not in ("T", "t", None):
                    time.sleep(0.005)
                return moment
            if self.proc.poll() is not None:
                return None
            time.sleep(0.01)
        raise AssertionError(f"worker {self.name} neither paused nor ended in {timeout} s:\n{self.tail()}")

    def resume(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def wait(self, timeout: float = 300) -> int:
        self.code = self.proc.wait(timeout=timeout)
        return self.code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def passes(self) -> list[tuple[float, str]]:
        """``(moment, host:port)`` of every request whose last lease check passed."""
        if not self.checks.exists():
            return []
        return [(r["time"], r["host"]) for r in map(json.loads, self.checks.read_text().splitlines()) if r]

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-size:] if self.log.exists() else ""

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def _state(pid: int) -> str | None:
    """A process's state letter from /proc (``T``: stopped), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2]


def start_worker(
    mirror: FamilyMirror,
    root: Path,
    redis_url: str,
    name: str,
    host: str,
    *,
    pause: str | None = None,
    at: int = 1,
    frozen: bool = False,
    new_connections: bool = False,
    ttl: float = TTL,
    wait_for: float = 0,
    delay: float = DELAY,
    **settings: Any,
) -> Worker:
    """``scrapy crawl family`` over the mirror's sites as worker ``name`` (its requests carry
    ``X-Test-Client: name``) under host name ``host``, its feeds and log under ``root/name``."""
    output = root / name
    output.mkdir(parents=True, exist_ok=True)
    cmd = family_crawl_command(
        mirror,
        output,
        delay=delay,
        GOVNEWS_REDIS_LOCK_TTL=ttl,
        GOVNEWS_STATE_BATCH=1,
        GOVNEWS_FAMILY_WAIT_FOR_LEASES=wait_for,
        DEFAULT_REQUEST_HEADERS=json.dumps({CLIENT_HEADER: name}),
        **settings,
    )
    status, checks, log = output / "status.jsonl", output / "checks.jsonl", output / "crawl.log"
    wrapper = [sys.executable, "-m", "tests.paused_worker", "--host", host, "--status", str(status)]
    wrapper += ["--checks", str(checks)]
    if pause is not None:
        wrapper += ["--pause", pause, "--at", str(at)]
    if frozen:
        wrapper.append("--frozen")
    if new_connections:
        wrapper.append("--new-connections")
    assert cmd[1:3] == ["-m", "scrapy"]
    env = {**os.environ, "REDIS_URL": redis_url}
    with log.open("w") as handle:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [*wrapper, "--", *cmd[3:]], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True
        )
    return Worker(name, host, output, proc, status, checks, log)


def whole_lines(root: Path) -> list[tuple[str, dict[str, Any]]]:
    """``(feed, item)`` of every whole line of every feed under ``root``."""
    found = []
    for feed in sorted(root.rglob("*.jsonl")):
        if feed.name in ("runs.jsonl", "status.jsonl", "checks.jsonl"):
            continue
        for line in feed.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.endswith("\n"):
                found.append((str(feed), json.loads(line)))
    return found


def doubles(lines: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, int]]:
    """``(url, revision)`` pairs in more than one line."""
    counts = Counter((item["url"], item["revision"]) for _, item in lines)
    return sorted(key for key, n in counts.items() if n > 1)


def assert_exactly_once(mirror: FamilyMirror, root: Path) -> None:
    """Every article of the mirror in exactly one line of the feeds under ``root``."""
    from tests.test_family import assert_every_article_once  # noqa: PLC0415 - the family tests' invariant

    lines = whole_lines(root)
    assert doubles(lines) == [], doubles(lines)[:5]
    assert_every_article_once(mirror, lines)


def requests_of(mirror: FamilyMirror) -> dict[str, list[tuple[float, str, str | None]]]:
    """Per host (``127.0.0.1:port``): ``(moment, path, client)`` of each request."""
    return {f"127.0.0.1:{server.port}": server.client_log for server in mirror.servers.values()}


def first_request(mirror: FamilyMirror, client: str) -> dict[str, float]:
    """Per host, the moment of ``client``'s first request there."""
    found = {}
    for host, log in requests_of(mirror).items():
        moments = [t for t, _, c in log if c == client]
        if moments:
            found[host] = min(moments)
    return found


def late_requests(mirror: FamilyMirror, stale: str, other: str) -> dict[str, list[tuple[float, str]]]:
    """Per host, the requests of ``stale`` after ``other``'s first request there."""
    firsts = first_request(mirror, other)
    return {
        host: [(t, path) for t, path, c in log if c == stale and t > firsts[host]]
        for host, log in requests_of(mirror).items()
        if host in firsts
    }


def assert_stale_bound(mirror: FamilyMirror, stale: Worker, other: str, *, allowed: int = 1) -> dict[str, int]:
    """At most ``allowed`` (1, or 0 where no check passed before a pause) request of ``stale``
    per host after ``other``'s first request there, each one whose last lease check passed
    before ``stale`` paused. Returns the late requests per host."""
    paused_at = stale.paused_at
    passes = stale.passes()
    late = late_requests(mirror, stale.name, other)
    for host, requests in late.items():
        assert len(requests) <= allowed, (host, requests)
        for moment, path in requests:
            checked = [t for t, h in passes if h == host and t < moment]
            assert checked, (host, path, "sent with no check passed")
            assert paused_at is not None and max(checked) < paused_at, (host, path, "its check passed after the pause")
    return {host: len(requests) for host, requests in late.items()}


def assert_nothing_checked_after(mirror: FamilyMirror, worker: Worker, moment: float) -> int:
    """Every request of ``worker`` that reached a host after ``moment`` had passed its last
    lease check before it (a request already on its way); returns how many there were."""
    passes = worker.passes()
    late = 0
    for host, log in requests_of(mirror).items():
        for arrived, path, client in log:
            if client != worker.name or arrived <= moment:
                continue
            late += 1
            checked = [t for t, h in passes if h == host and t < arrived]
            assert checked and max(checked) < moment, (host, path, "its last check passed after", moment)
    return late


def committed(redis_url: str, mirror: FamilyMirror) -> set[tuple[str, str, int]]:
    """``(site, url, revision)`` of every revision the store records, over the mirror's sites."""
    from govnews.sites.family import site_key  # noqa: PLC0415 - the project under test
    from govnews.store.keys import site_prefix  # noqa: PLC0415

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        found = set()
        for url in mirror.base_urls.values():
            key = site_key(url)
            for article, raw in client.hgetall(site_prefix(key) + "articles").items():
                found.add((key, article, int(json.loads(raw)["r"])))
        return found
    finally:
        client.close()


def lock_keys(redis_url: str, mirror: FamilyMirror) -> list[str]:
    from govnews.sites.family import site_key  # noqa: PLC0415
    from govnews.store.keys import site_prefix  # noqa: PLC0415

    return [site_prefix(site_key(url)) + "lock" for url in mirror.base_urls.values()]


def wait_for(condition: Any, timeout: float = 120, what: str = "a condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
