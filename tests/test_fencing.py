"""A stale worker does nothing: real worker processes on one real redis-server, real HTTP
servers per host recording which worker asked (a test header, ``X-Test-Client``).

A worker is SIGSTOPped mid-site for longer than its lease; another worker takes its sites
over; the first is SIGCONTed while the second crawls them. The first makes no request after
that and writes no line (fencing by deadline: ``govnews.store.lease.RedisLock.valid``), and
every article is exported exactly once across both workers' feeds.

And a store that vanished is noticed: a Redis wiped between two runs (FLUSHALL), or a SQLite
store deleted, makes the next run refuse with exit code 8, unless ``-a new_store=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from govnews.sites.family import site_key
from govnews.store.keys import SiteKeys
from tests.conftest import ROOT, family_crawl_command, init_redis_stores, run_command
from tests.mirror.family import CLIENT_HEADER, SITES, FamilyMirror
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.redis_server import RedisServer
from tests.test_family import assert_every_article_once, whole_lines
from tests.test_incremental import crawl_cmd, expected_urls, feed_files, items_of

TTL = 2.0
EXIT_STORE_UNAVAILABLE = 7
EXIT_STORE_REPLACED = 8


def worker(mirror: FamilyMirror, output: Path, redis_url: str, name: str) -> subprocess.Popen[str]:
    init_redis_stores(redis_url, mirror.base_urls.values())
    output.mkdir(parents=True, exist_ok=True)
    cmd = family_crawl_command(
        mirror,
        output,
        delay=0.05,
        GOVNEWS_REDIS_LOCK_TTL=TTL,
        GOVNEWS_STATE_BATCH=1,
        GOVNEWS_FAMILY_WAIT_FOR_LEASES=0,
        DEFAULT_REQUEST_HEADERS=json.dumps({CLIENT_HEADER: name}),
    )
    env = {**os.environ, "REDIS_URL": redis_url}
    with (output / "crawl.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def lines_in(directory: Path) -> int:
    return len(whole_lines(directory))


def wait_until(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_a_stale_worker_makes_no_request_and_writes_no_line(redis_url: str, tmp_path: Path) -> None:
    with FamilyMirror(seed=41) as mirror:
        stale = worker(mirror, tmp_path / "a", redis_url, "a")
        wait_until(lambda: lines_in(tmp_path / "a") >= 5)
        stale.send_signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        lines_at_pause = lines_in(tmp_path / "a")
        time.sleep(TTL * 1.5)  # longer than its lease: the sites are free again
        successor = worker(mirror, tmp_path / "b", redis_url, "b")
        wait_until(lambda: lines_in(tmp_path / "b") >= 3)
        resumed_at = time.monotonic()
        stale.send_signal(signal.SIGCONT)
        assert successor.wait(timeout=300) == 0, (tmp_path / "b" / "crawl.log").read_text()[-3000:]
        stale.wait(timeout=120)
        stale_log = (tmp_path / "a" / "crawl.log").read_text()
        # No request of the stale worker reached any host after it was paused.
        late = [
            (server.key, path, f"{moment - resumed_at:+.3f} s after the resume")
            for server in mirror.servers.values()
            for moment, path, client in server.client_log
            if client == "a" and moment > paused_at
        ]
        assert late == [], late[:5]
        assert any(client == "b" for s in mirror.servers.values() for _, _, client in s.client_log)
        # No line written after it resumed, and it stopped on its lost lease.
        assert lines_in(tmp_path / "a") == lines_at_pause
        assert "store_lease_lost" in stale_log
        assert resumed_at > paused_at
        # Every article exactly once over both workers' feeds.
        assert_every_article_once(mirror, whole_lines(tmp_path))


def as_host(name: str, cmd: list[str]) -> list[str]:
    """``cmd`` (``python -m scrapy …``) run under the host name ``name`` (tests/paused_worker.py)."""
    assert cmd[1:3] == ["-m", "scrapy"]
    return [sys.executable, "-m", "tests.paused_worker", "--host", name, "--", *cmd[3:]]


def requests_made(server: MirrorServer) -> list[str]:
    return [p for p in server.requests if p != "/robots.txt"]


def state_command(redis_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "govnews-state", "-s", f"GOVNEWS_OUTPUT_DIR={workdir / 'output'}"]
    return run_command([*cmd, *args], env={**os.environ, "REDIS_URL": redis_url})


def test_a_redis_store_is_never_created_by_a_run_and_every_host_sees_a_wipe(redis_url: str, tmp_path: Path) -> None:
    """Hosts c and d (each its own host name and output directory), one Redis: an empty Redis
    is refused on the first run too; once created, a wipe is refused by every host whatever
    its local history says, each refusal writing nothing; ``new_store=1`` starts over for the
    cluster, after which every host runs again; ``--reset-store`` is cluster-wide."""
    site = MirrorSite(n_articles=30, per_page=5, seed=42)
    settings = {"REDIS_URL": redis_url}
    c, d = tmp_path / "c", tmp_path / "d"
    with MirrorServer(site) as server:

        def crawl(host: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
            server.clear_requests()
            return run_command(as_host(host, crawl_cmd(server.base_url, workdir, *args, settings=settings)))

        def refused(proc: subprocess.CompletedProcess[str], workdir: Path, feeds_before: int) -> None:
            assert proc.returncode == EXIT_STORE_REPLACED, proc.stderr[-3000:]
            errors = [line for line in proc.stderr.splitlines() if line.strip()]
            assert len(errors) == 1 and "--init-store" in errors[0] and "does not exist" in errors[0], proc.stderr
            assert requests_made(server) == [] and server.requests == [], "no request, not even robots.txt"
            assert len(feed_files(workdir)) == feeds_before, "a refusal writes no feed file"

        refused(crawl("node-c", c), c, 0)  # the first run on an empty Redis
        assert not (c / "output").exists() or not any((c / "output").rglob("*")), "nothing written at all"
        created = state_command(redis_url, c, "--init-store", "--site", server.base_url)
        assert created.returncode == 0 and "created (empty)" in created.stdout, created.stderr
        first = crawl("node-c", c)
        assert first.returncode == 0, first.stderr[-3000:]
        exported = {i["url"] for f in feed_files(c) for i in items_of(f)}
        assert exported == expected_urls(site, server.base_url)

        client = redis.Redis.from_url(redis_url)
        client.flushall()
        client.close()
        refused(crawl("node-d", d), d, 0)  # another host, a fresh output directory
        refused(crawl("node-c", c), c, 1)  # the host that remembers the store

        again = crawl("node-d", d, "new_store=1")  # a start-over on purpose, for the cluster
        assert again.returncode == 0, again.stderr[-3000:]
        assert {i["url"] for f in feed_files(d) for i in items_of(f)} == exported
        after = crawl("node-c", c)  # its own history is no judge: the store is in use again
        assert after.returncode == 0, after.stderr[-3000:]
        assert len(feed_files(c)) == 1, "nothing new to export"
        unchanged = crawl("node-c", c, "new_store=1")  # on a store in use: changes nothing
        assert unchanged.returncode == 0 and len(feed_files(c)) == 1, unchanged.stderr[-3000:]

        reset = state_command(redis_url, d, "--site", server.base_url, "--reset-store")
        assert reset.returncode == 0 and "started over, empty" in reset.stdout, reset.stderr
        listing = state_command(redis_url, c, "--site", server.base_url)
        assert f"(site {site_key(server.base_url)}): 0 articles known" in listing.stdout, listing.stdout
        restarted = crawl("node-c", c)  # the reset is the cluster's: host c starts over too
        assert restarted.returncode == 0, restarted.stderr[-3000:]
        assert {i["url"] for i in items_of(feed_files(c)[-1])} == exported


def test_a_refused_site_of_the_family_is_not_done_for_the_round(redis_url: str, tmp_path: Path) -> None:
    """Two sites, one store created: the worker crawls that site, refuses the other without
    marking it done for the round (every worker of the round skips a site marked done), and
    exits 8; once its store is created, the next worker crawls it."""
    sites = tuple(s for s in SITES if s.key in ("hongshan", "jiangan"))
    with FamilyMirror(seed=44, sites=sites) as mirror:
        init_redis_stores(redis_url, [mirror.base_url("hongshan")])
        env = {**os.environ, "REDIS_URL": redis_url}
        first = run_command(family_crawl_command(mirror, tmp_path / "w1", delay=0.02), env=env, timeout=300)
        assert first.returncode == EXIT_STORE_REPLACED, first.stderr[-3000:]
        assert "jiangan    refused (its state store does not exist)" in first.stderr
        assert "hongshan   passed" in first.stderr
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        jiangan = site_key(mirror.base_url("jiangan"))
        assert client.get(SiteKeys(jiangan).family_done) is None, "refused is not done"
        assert client.get(SiteKeys(site_key(mirror.base_url("hongshan"))).family_done) is not None
        client.close()
        assert not list((tmp_path / "w1").glob("jiangan/*.jsonl")), "a refusal writes no feed file"
        init_redis_stores(redis_url, [mirror.base_url("jiangan")])
        second = run_command(family_crawl_command(mirror, tmp_path / "w2", delay=0.02), env=env, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "jiangan    passed" in second.stderr and "hongshan   passed: 0 items" in second.stderr
        assert_every_article_once(mirror, whole_lines(tmp_path))


def test_a_redis_that_may_evict_keys_is_refused_before_the_crawl(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=10, per_page=5, seed=45)
    evicting = RedisServer(extra=["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
    with evicting as server, MirrorServer(site) as mirror:
        proc = run_command(crawl_cmd(mirror.base_url, tmp_path, settings={"REDIS_URL": server.url}))
        assert proc.returncode == EXIT_STORE_UNAVAILABLE, proc.stderr[-3000:]
        (line,) = proc.stderr.strip().splitlines()
        assert "maxmemory-policy allkeys-lru" in line and "set maxmemory-policy noeviction" in line
        assert mirror.requests == []
    with RedisServer(extra=["--rename-command", "CONFIG", ""]) as managed, MirrorServer(site) as mirror:
        init_redis_stores(managed.url, [mirror.base_url])
        proc = run_command(crawl_cmd(mirror.base_url, tmp_path / "m", settings={"REDIS_URL": managed.url}))
        assert proc.returncode == 0, proc.stderr[-3000:]
        warnings = [line for line in proc.stderr.splitlines() if "could not be checked" in line]
        assert len(warnings) == 1 and " WARNING: " in warnings[0], proc.stderr[-3000:]


def test_a_deleted_sqlite_store_is_refused_and_a_reset_one_is_not(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=43)
    with MirrorServer(site) as server:
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
        shutil.rmtree(tmp_path / "state")
        refused = run_command(crawl_cmd(server.base_url, tmp_path))
        assert refused.returncode == EXIT_STORE_REPLACED, refused.stderr[-3000:]
        assert "it was deleted, wiped or replaced" in refused.stderr
        # An operator's reset is a start-over on purpose: the history learns it.
        state = ["-s", f"GOVNEWS_STATE_DIR={tmp_path / 'state'}", "-s", f"GOVNEWS_OUTPUT_DIR={tmp_path / 'output'}"]
        reset = run_command(
            [sys.executable, "-m", "scrapy", "govnews-state", *state, "--site", server.base_url, "--reset-store"]
        )
        assert reset.returncode == 0, reset.stderr
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
        # Deleting the whole output directory (state and history) starts over too.
        shutil.rmtree(tmp_path / "state")
        shutil.rmtree(tmp_path / "output")
        assert run_command(crawl_cmd(server.base_url, tmp_path)).returncode == 0
