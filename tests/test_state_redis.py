"""The Redis state backend on a real redis-server: the SQLite store's rules, its lease lock,
fencing, the per-host feed manifest and the backend factory.

The rules are checked by comparison: hypothesis drives the same operations on a SQLite and
a Redis store and every answer must be equal (the SQLite store is the reference, with its
own tests in ``test_state.py``).
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govnews.store import (
    AttachmentRecord,
    ColumnState,
    CommitRefused,
    DeadLink,
    FeedWriter,
    Gap,
    Record,
    StateStore,
    Store,
    StoreLock,
    StoreLocked,
    StoreMissing,
    StoreUnavailable,
    WalkOutcome,
    WalkRecord,
    held_lease,
    open_store,
    reconcile,
    take_lease,
)
from govnews.store.connection import check_reachable
from govnews.store.journal import process_start
from govnews.store.keys import site_prefix
from govnews.store.lease import RedisLock, acquire_redis_lock
from govnews.store.redis import (
    LAYOUT_VERSION,
    LeaseLost,
    RedisStateStore,
    init_store,
    is_guarded,
)
from govnews.store.run import IncrementalRun
from tests.leases import abandon
from tests.profiles import examples
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent


def line(url: str, digest: str = "a" * 64, revision: int = 1) -> bytes:
    item = {"url": url, "content_hash": digest, "revision": revision, "published_at": "2024-05-01"}
    return json.dumps(item).encode() + b"\n"


def new_site() -> str:
    return f"site-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend."""
    if request.param == "sqlite":
        sqlite = StateStore(tmp_path / "s.sqlite3")
        yield sqlite
        sqlite.close()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisStateStore.connect(url, new_site(), create=True)
    yield redis_store
    redis_store.close()


# -- the same rules as SQLite -------------------------------------------------------------


def test_record_keeps_first_seen_and_the_highest_revision(store: Store) -> None:
    store.record([Record("u", "h1", 2, "2024-05-01", etag='"e1"')])
    store.record([Record("u", "h0", 1, None)])
    assert replace(store.get("u"), checked=None) == Record("u", "h1", 2, "2024-05-01", etag='"e1"')  # type: ignore[arg-type]
    store.record([Record("u", "h3", 3, None)])
    assert replace(store.get("u"), checked=None) == Record("u", "h3", 3, "2024-05-01", etag='"e1"')  # type: ignore[arg-type]
    assert "u" in store and "v" not in store and len(store) == 1
    assert store.first_url("h1") == "u" and store.first_url("nope") is None


def test_a_walk_covers_owes_and_forgets(store: Store) -> None:
    store.record([Record("a", "h", 1, None)])
    store.mark_dead([DeadLink("dead", "/c/", "标题", "2026-01-02", "2026-12-01T00:00:00Z")])
    walk = WalkRecord("/c/", "run-1", "2026-12-01T00:00:00Z", 2, 4, "last_page")
    outcome = WalkOutcome("/c/", ("a", "b", "c", "dead"), (Gap("c", None),), complete=walk, end_rows=4, audited=True)
    assert store.record_walk(outcome) == 2
    assert store.covered("/c/", ["a", "b", "x"]) == {"a", "b"}
    assert [(u, c, n) for u, c, n, _ in store.pending(["/c/"])] == [("b", "/c/", 0), ("c", "/c/", 0)]
    state = store.column_state("/c/")
    assert state.gaps == (Gap("c", None),) and state.end_rows == 4 and state.last_audit is not None
    assert store.dead_link("dead") == DeadLink("dead", "/c/", "标题", "2026-01-02", "2026-12-01T00:00:00Z")
    assert store.dead_link("b") is None
    store.count_attempt(["b"])
    assert [n for u, _, n, _ in store.pending(["/c/"]) if u == "b"] == [1]
    store.record([Record("b", "h2", 1, None)])
    store.give_up(["c"])
    assert store.pending(["/c/"]) == [] and store.last_walk("/c/") == walk and store.walks() == [walk]
    store.record_walk(WalkOutcome("/c/", ("a",), ()))
    assert store.column_state("/c/").gaps == () and store.column_state("/c/").end_rows == 4
    store.reset_column("/c/")
    assert store.covered("/c/", ["a"]) == set() and store.last_walk("/c/") is None and "a" in store
    assert store.column_state("/c/") == ColumnState()


def test_reconcile_reads_only_open_feeds_of_the_manifest_then_closes_them(store: Store, tmp_path: Path) -> None:
    ours, foreign, closed = tmp_path / "ours.jsonl", tmp_path / "foreign.jsonl", tmp_path / "closed.jsonl"
    ours.write_bytes(line("u1") + line("u2") + b'{"url": "u3"')
    foreign.write_bytes(line("x"))
    closed.write_bytes(line("c"))
    store.open_feed(ours, "run-1")
    store.open_feed(closed, "run-0")
    store.close_feeds("run-0")
    assert reconcile(store) == (2, 1, 0)
    assert "u1" in store and "u2" in store and "u3" not in store and "x" not in store and "c" not in store
    assert [e.closed is not None for e in store.feeds()] == [True, True]
    assert store.feeds(open_only=True) == []


# -- differential: Redis answers as SQLite does -------------------------------------------

URLS = ("u1", "u2", "u3")
HASHES = ("h1", "h2", "h3")
COLUMNS = ("/a/", "/b/")
records = st.builds(
    Record,
    url=st.sampled_from(URLS),
    content_hash=st.sampled_from(("", *HASHES)),
    revision=st.integers(1, 3),
    published_at=st.sampled_from((None, "2024-05-01", "2024-05-09")),
    etag=st.sampled_from((None, '"e1"', '"e2"')),
    last_modified=st.none(),
)
urls = st.lists(st.sampled_from(URLS), max_size=5)
# Walks see most of the pool and rarely a dead link, so that they meet exported rows.
seen = st.lists(st.sampled_from(URLS), min_size=2, max_size=6)
gaps = st.lists(st.builds(Gap, st.sampled_from((None, *URLS)), st.sampled_from((None, *URLS))), max_size=2)
operations = st.one_of(
    st.tuples(st.just("record"), st.lists(records, min_size=1, max_size=5)),
    st.tuples(st.just("touch"), urls),
    st.tuples(
        st.just("walk"),
        st.tuples(st.sampled_from(COLUMNS), seen, gaps, st.booleans(), st.sampled_from((None, "u1", "u2"))),
    ),
    st.tuples(
        st.just("dead"),
        st.lists(
            st.builds(
                DeadLink,
                st.sampled_from(URLS),
                st.sampled_from(COLUMNS),
                st.sampled_from((None, "t1", "t2")),
                st.sampled_from((None, "2024-05-01")),
                st.just("2026-01-01T00:00:00Z"),
            ),
            max_size=2,
        ),
    ),
    st.tuples(st.just("reset"), st.sampled_from(COLUMNS)),
    st.tuples(st.just("attempt"), urls),
    st.tuples(st.just("give_up"), urls),
    st.tuples(st.just("open_feed"), st.tuples(st.sampled_from(("f1", "f2")), st.sampled_from(("r1", "r2")))),
    st.tuples(st.just("close_feeds"), st.sampled_from(("r1", "r2"))),
)


def apply(store: Store, op: str, arg: object, directory: Path) -> object:
    if op == "record":
        assert isinstance(arg, list)
        store.record(arg)
    elif op == "touch":
        assert isinstance(arg, list)
        store.touch(arg)
    elif op == "walk":
        assert isinstance(arg, tuple)
        column, seen, gaps, complete, short_end = arg
        record = WalkRecord(column, "run", "t", 1, len(seen), "last_page") if complete else None
        outcome = WalkOutcome(
            column, tuple(seen), tuple(gaps), record, len(seen) if complete else None, complete, short_end
        )
        return store.record_walk(outcome)
    elif op == "dead":
        assert isinstance(arg, list)
        store.mark_dead(arg)
    elif op == "reset":
        assert isinstance(arg, str)
        store.reset_column(arg)
    elif op == "attempt":
        assert isinstance(arg, list)
        store.count_attempt(arg)
    elif op == "give_up":
        assert isinstance(arg, list)
        store.give_up(arg)
    elif op == "open_feed":
        assert isinstance(arg, tuple)
        name, run = arg
        store.open_feed(directory / name, run, 3)
    elif op == "close_feeds":
        assert isinstance(arg, str)
        store.close_feeds(arg)
    return None


def observe(store: Store) -> dict[str, object]:
    return {
        # When each was last seen is stamped by each store apart (a second may pass between them).
        "records": [replace(r, checked=None) if (r := store.get(u)) is not None else None for u in URLS],
        "contains": [u in store for u in URLS],
        "len": len(store),
        "first_url": [store.first_url(h) for h in HASHES],
        "covered": [sorted(store.covered(c, URLS)) for c in COLUMNS],
        "dead": [(d.url, d.column, d.title, d.row_date) for d in store.dead_links()],
        "columns": [_timeless(store.column_state(c)) for c in COLUMNS],
        "pending": sorted((u, c, n) for u, c, n, _ in store.pending(COLUMNS)),
        "walks": [(w.column, w.rows_seen) for w in store.walks()],
        "feeds": sorted((e.path.name, e.run, e.closed is None, e.reconciled_size) for e in store.feeds()),
    }


def _timeless(state: ColumnState) -> tuple[object, ...]:
    """A column's state without the moments it was written (the stores stamp them apart)."""
    return (state.gaps, state.end_rows, state.ended_at is None, state.last_audit is None, state.short_end)


@given(st.lists(operations, max_size=15))
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_redis_answers_every_sequence_as_sqlite_does(
    redis_server: RedisServer, tmp_path: Path, ops: list[tuple[str, object]]
) -> None:
    directory = tmp_path / uuid.uuid4().hex
    directory.mkdir()
    reference = StateStore(directory / "s.sqlite3")
    candidate = RedisStateStore.connect(redis_server.url, new_site(), create=True)
    try:
        for op, arg in ops:
            assert apply(candidate, op, arg, directory) == apply(reference, op, arg, directory), (op, arg)
            assert observe(candidate) == observe(reference), (op, arg)
    finally:
        reference.close()
        candidate.close()


# -- the lock: one run at a time, a lease that outlives no holder --------------------------

HOLD = (
    "import sys, time; from govnews.store.lease import acquire_redis_lock\n"
    "acquire_redis_lock(sys.argv[1], sys.argv[2], ttl=float(sys.argv[3]))\n"
    "print('held', flush=True); time.sleep(120)\n"
)


def hold_in_another_process(url: str, site: str, ttl: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url, site, str(ttl)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def stop(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def test_a_second_run_is_refused_naming_the_holder(redis_url: str) -> None:
    site = new_site()
    holder = hold_in_another_process(redis_url, site, 30)
    try:
        with pytest.raises(StoreLocked, match=rf"pid {holder.pid} on {os.uname().nodename}, started 20\d\d-") as err:
            acquire_redis_lock(redis_url, site)
        assert "lease ends within" in str(err.value) and "token" not in str(err.value)
    finally:
        stop(holder)


def test_a_holder_that_dies_frees_the_site_after_its_lease(redis_url: str) -> None:
    site, ttl = new_site(), 2.0
    holder = hold_in_another_process(redis_url, site, ttl)
    # Alive for longer than its TTL: the lease is renewed, the site stays locked.
    time.sleep(2.5 * ttl)
    with pytest.raises(StoreLocked):
        acquire_redis_lock(redis_url, site, ttl=ttl)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    killed_at = time.monotonic()
    # Dead: no renewal; within one TTL the site is free again.
    while True:
        try:
            lock = acquire_redis_lock(redis_url, site, ttl=ttl)
            break
        except StoreLocked:
            assert time.monotonic() - killed_at < ttl + 1.0, "the lease outlived its dead holder"
            time.sleep(0.05)
    stop(holder)
    lock.release()


def test_a_process_holds_its_lease_once_and_release_frees_the_site(redis_url: str) -> None:
    site = new_site()
    lock = acquire_redis_lock(redis_url, site)
    with pytest.raises(StoreLocked, match=rf"pid {os.getpid()} on "):
        acquire_redis_lock(redis_url, site)  # one owner: taken again, even here, is refused
    assert held_lease({"REDIS_URL": redis_url}, site) is lock and lock.valid()
    lock.release()
    assert held_lease({"REDIS_URL": redis_url}, site) is None and not lock.valid()
    lock.release()  # once is enough: a second release does nothing
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.get(site_prefix(site) + "lock") is None
    client.close()
    acquire_redis_lock(redis_url, site).release()


def test_release_never_frees_another_runs_lease(redis_url: str) -> None:
    site = new_site()
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    abandon(lock)  # as if it died ...
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    key = site_prefix(site) + "lock"
    client.delete(key)  # ... and its lease ran out
    successor = acquire_redis_lock(redis_url, site)
    lock.release()  # a late release by the old holder: a no-op on the successor's lease
    assert successor.valid()
    successor.release()
    client.close()


def test_a_store_whose_lease_ended_writes_nothing(redis_url: str) -> None:
    """Fencing: a run paused past its TTL cannot write over the run that took the site."""
    site = new_site()
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    store = RedisStateStore.connect(redis_url, site, lock=lock, create=True)
    store.record([Record("a", "h", 1, None)])
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.delete(lock.key)  # the lease ran out while this run was paused ...
    client.set(lock.key, '{"pid": 1, "host": "node-b"}', px=30_000)  # ... and another run took it
    with pytest.raises(LeaseLost, match="lease on the state store"):
        store.record([Record("b", "h", 1, None)])
    with pytest.raises(LeaseLost):
        store.open_feed(Path("/x.jsonl"), "run-1")
    assert "b" not in store and store.feeds() == []
    store.close()
    abandon(lock)
    client.delete(lock.key)
    client.close()


def test_renewals_during_writes_do_not_fail_them(redis_url: str) -> None:
    """A renewal touches the WATCHed lock key; the write is retried, not lost."""
    site = new_site()
    lock = acquire_redis_lock(redis_url, site, ttl=2.0)  # renewed every 0.67 s
    store = RedisStateStore.connect(redis_url, site, lock=lock, create=True)
    deadline = time.monotonic() + 2.5
    n = 0
    while time.monotonic() < deadline:
        store.record([Record(f"u{n}", f"h{n}", 1, None)])
        n += 1
    assert len(store) == n and lock.valid()
    store.close()
    lock.release()


# -- feeds are local: each host reconciles its own ------------------------------------------


def test_a_host_reconciles_only_its_own_feeds(redis_url: str, tmp_path: Path) -> None:
    site = new_site()
    a = RedisStateStore.connect(redis_url, site, host="node-a", create=True)
    b = RedisStateStore.connect(redis_url, site, host="node-b")
    feed_a, feed_b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    feed_a.write_bytes(line("from-a") + b'{"url": "cut')
    feed_b.write_bytes(line("from-b"))
    a.open_feed(feed_a, "job-1")
    b.open_feed(feed_b, "job-1")  # the same run id on another host is another run
    assert {(e.host, e.path.name) for e in a.feeds(open_only=True)} == {("node-a", "a.jsonl"), ("node-b", "b.jsonl")}
    assert reconcile(b) == (1, 0, 0)
    assert "from-b" in b and "from-a" not in b
    assert feed_a.read_bytes().endswith(b'"cut')  # node-a's file: not read, not repaired here
    assert [(e.host, e.path.name) for e in b.feeds(open_only=True)] == [("node-a", "a.jsonl")]
    a.close_feeds("job-2")
    b.close_feeds("job-1")  # nothing of node-a's is closed by node-b's run
    assert [e.host for e in a.feeds(open_only=True)] == ["node-a"]
    assert reconcile(a) == (1, 1, 0)
    assert "from-a" in a and a.feeds(open_only=True) == []
    a.close()
    b.close()


def test_mark_reconciled_targets_the_entrys_host(redis_url: str) -> None:
    site = new_site()
    a = RedisStateStore.connect(redis_url, site, host="node-a", create=True)
    b = RedisStateStore.connect(redis_url, site, host="node-b")
    a.open_feed(Path("/same/path.jsonl"), "r")
    b.open_feed(Path("/same/path.jsonl"), "r")
    entry = next(e for e in a.feeds() if e.host == "node-b")
    a.mark_reconciled(entry, 7, closed=True)
    by_host = {e.host: e for e in a.feeds()}
    assert by_host["node-b"].closed is not None and by_host["node-b"].reconciled_size == 7
    assert by_host["node-a"].closed is None
    a.close()
    b.close()


# -- choosing the backend ---------------------------------------------------------------------


OPEN_IN_ANOTHER_PROCESS = (
    "import sys\nfrom govnews.store import StoreLocked, open_store\n"
    "try:\n    open_store({'GOVNEWS_STATE_DIR': sys.argv[1]}, sys.argv[2])\n"
    "except StoreLocked as error:\n    print(error)\n    sys.exit(3)\n"
)


def open_elsewhere(state_dir: Path, site: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OPEN_IN_ANOTHER_PROCESS, str(state_dir), site],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_sqlite_is_the_default_and_redis_url_selects_redis(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    store, lock = open_store({"GOVNEWS_STATE_DIR": str(tmp_path)}, "127.0.0.1:8000")
    assert isinstance(store, StateStore) and isinstance(lock, StoreLock)
    assert store.path == tmp_path / "127.0.0.1_8000.sqlite3"
    refused = open_elsewhere(tmp_path, "127.0.0.1:8000", env)
    assert refused.returncode == 3 and f"pid {os.getpid()}" in refused.stdout
    store.close()
    lock.release()

    site = new_site()
    store, lock = open_store({"REDIS_URL": redis_url, "GOVNEWS_STATE_DIR": str(tmp_path)}, site, create=True)
    assert isinstance(store, RedisStateStore) and isinstance(lock, RedisLock)
    assert store.lock is lock and lock.valid()
    refused = open_elsewhere(tmp_path, site, {**env, "REDIS_URL": redis_url})
    assert refused.returncode == 3 and f"pid {os.getpid()} on " in refused.stdout
    assert f"redis://127.0.0.1:{redis_url.split(':')[2]}" in refused.stdout and f"(site {site})" in refused.stdout
    assert held_lease({"REDIS_URL": redis_url}, site) is lock  # once per process
    with pytest.raises(StoreLocked):
        take_lease({"REDIS_URL": redis_url}, site)
    run = IncrementalRun("run-1")
    run.attach(store, lock)
    run.close()
    assert lock.valid(), "the run closes the store; the lease is its taker's to release"
    lock.release()
    assert not lock.valid()
    assert open_elsewhere(tmp_path, site, {**env, "REDIS_URL": redis_url}).returncode == 0
    # The environment variable selects Redis too.
    monkeypatch.setenv("REDIS_URL", redis_url)
    store, lock = open_store({}, site)
    assert isinstance(store, RedisStateStore)
    store.close()
    lock.release()


def test_a_store_of_layout_1_opens_in_place_and_loses_nothing(redis_url: str) -> None:
    """tests/fixtures/redis-layout-1.json: every key of a site as release 0.1.0 (layout 1)
    wrote them (the crawl of the SQLite fixture, in Redis), loaded as they were."""
    dump = json.loads((Path(__file__).resolve().parent / "fixtures" / "redis-layout-1.json").read_text("utf-8"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for key, value in dump.items():
        ((kind, data),) = value.items()
        if kind == "string":
            client.set(key, data)
        elif kind == "hash":
            client.hset(key, mapping=data)
        elif kind == "set":
            client.sadd(key, *data)
    site = "127.0.0.1:8000"
    assert client.get(site_prefix(site) + "schema") == "1"
    covered = {k: set(v["set"]) for k, v in dump.items() if ":covered:" in k}
    pending = set(dump[site_prefix(site) + "pending"]["hash"])
    articles = set(dump[site_prefix(site) + "articles"]["hash"])
    implied_dead = {u for urls in covered.values() for u in urls} - pending - articles
    assert implied_dead and pending and articles

    store = RedisStateStore.connect(redis_url, site)
    assert client.get(site_prefix(site) + "schema") == LAYOUT_VERSION
    for key, value in dump.items():
        if key.endswith(":schema"):
            continue
        ((kind, data),) = value.items()
        now = client.hgetall(key) if kind == "hash" else set(client.smembers(key))
        assert now == (data if kind == "hash" else set(data)), key
    assert {d.url for d in store.dead_links()} == implied_dead
    assert all(store.column_state(c.split(":covered:")[1]).last_audit for c in covered)
    store_id = store.store_id
    store.close()
    again = RedisStateStore.connect(redis_url, site)
    assert again.store_id == store_id and len(again) == len(articles)
    again.close()
    client.close()


def test_a_store_of_layout_2_opens_in_place_and_loses_nothing(redis_url: str) -> None:
    """tests/fixtures/redis-layout-2.json: every key of a site as release 0.2.0 (layout 2)
    wrote them (the crawl of the schema-3 SQLite fixture, in Redis): layout 3 adds the
    attachments hash, and every key keeps what it held."""
    dump = json.loads((Path(__file__).resolve().parent / "fixtures" / "redis-layout-2.json").read_text("utf-8"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for key, value in dump.items():
        ((kind, data),) = value.items()
        if kind == "string":
            client.set(key, data)
        elif kind == "hash":
            client.hset(key, mapping=data)
        elif kind == "set":
            client.sadd(key, *data)
    site = "127.0.0.1:8000"
    assert client.get(site_prefix(site) + "schema") == "2"
    assert dump[site_prefix(site) + "pending"]["hash"] and dump[site_prefix(site) + "dead"]["hash"]

    store = RedisStateStore.connect(redis_url, site)
    assert client.get(site_prefix(site) + "schema") == LAYOUT_VERSION == "5"
    for key, value in dump.items():
        if key.endswith(":schema"):
            continue
        ((kind, data),) = value.items()
        now = client.hgetall(key) if kind == "hash" else set(client.smembers(key))
        assert now == (data if kind == "hash" else set(data)), key
    assert store.store_id == dump[site_prefix(site) + "meta"]["hash"]["store_id"], "the store keeps its id"
    record = AttachmentRecord(
        f"http://{site}/zwgk/tzgg/202205/P020220527123456.pdf",
        "ab" * 32,
        10,
        "ab/x.pdf",
        members=("甲.txt",),
        scanned_pages=(1, 3),
        ocr_pages=(1,),
        text_truncated=True,
        text_form=2,
    )
    assert store.attachment(record.url) is None
    store.record_attachments([record])
    found = store.attachment(record.url)
    assert found is not None and found.fetched and found.members == ("甲.txt",)
    assert found == replace(record, fetched=found.fetched)
    store.close()
    client.close()


def test_a_store_of_layout_3_opens_in_place_and_loses_nothing(redis_url: str) -> None:
    """tests/fixtures/redis-layout-3.json: every key of a site as release 0.2.x (layout 3) wrote
    them (tests/fixtures/make_store_fixtures.py from that release, as the schema-4 SQLite
    fixture). Layout 4 reads a gap with its place (``[upper, lower, page, anchors,
    reason]``) and the old form alike: every key keeps what it held, the old gap has no place."""
    dump = json.loads((Path(__file__).resolve().parent / "fixtures" / "redis-layout-3.json").read_text("utf-8"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for key, value in dump.items():
        ((kind, data),) = value.items()
        if kind == "string":
            client.set(key, data)
        elif kind == "hash":
            client.hset(key, mapping=data)
        elif kind == "set":
            client.sadd(key, *data)
    site = "127.0.0.1:8000"
    assert client.get(site_prefix(site) + "schema") == "3"
    gaps = dump[site_prefix(site) + "gaps"]["hash"]
    assert gaps

    store = RedisStateStore.connect(redis_url, site)
    assert client.get(site_prefix(site) + "schema") == LAYOUT_VERSION == "5"
    for key, value in dump.items():
        if key.endswith(":schema"):
            continue
        ((kind, data),) = value.items()
        now = client.hgetall(key) if kind == "hash" else set(client.smembers(key))
        assert now == (data if kind == "hash" else set(data)), key
    for column, raw in gaps.items():
        (old,) = json.loads(raw)
        (gap,) = store.column_state(column).gaps
        assert (gap.upper, gap.lower, gap.page, gap.anchors) == (old[0], old[1], None, ())
    assert store.store_id == dump[site_prefix(site) + "meta"]["hash"]["store_id"], "the store keeps its id"
    store.close()
    client.close()


# -- every method guarded, by construction ------------------------------------------------


def protocol_methods() -> list[str]:
    """The methods of the Store protocol (what the rules ask of a store), read from the protocol."""
    return sorted(
        name
        for name, member in vars(Store).items()
        if inspect.isfunction(member) and (not name.startswith("_") or name in ("__contains__", "__len__"))
    )


def test_every_method_of_the_store_protocol_is_guarded_in_redis() -> None:
    names = protocol_methods()
    assert {"get", "commit", "attachment", "record_attachments", "note", "__len__"} <= set(names)
    assert [name for name in names if not is_guarded(getattr(RedisStateStore, name))] == []


def test_a_redis_that_went_away_is_store_unavailable_from_every_method_tried(tmp_path: Path) -> None:
    """Not a raw ConnectionError into a pipeline (the attachments' methods were left out once)."""
    with RedisServer() as server:
        init_store(server.url, "s")
        store = RedisStateStore.connect(server.url, "s")
        server.kill()
        calls = {
            "attachment": lambda: store.attachment("http://h/a.pdf"),
            "record_attachments": lambda: store.record_attachments([AttachmentRecord("http://h/a", "0" * 64, 1, None)]),
            "get": lambda: store.get("u"),
            "commit": lambda: store.commit([Record("u", "h", 1, None)], "t"),
            "feeds": store.feeds,
            "history": store.history,
        }
        for name, call in calls.items():
            with pytest.raises(StoreUnavailable):
                call()
            assert name in protocol_methods()
        store.close()


# -- a Redis store is never created implicitly ---------------------------------------------


def test_a_redis_store_exists_only_once_created_and_a_reset_leaves_it_created_and_empty(redis_url: str) -> None:
    site = new_site()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with pytest.raises(StoreMissing, match="--init-store --site"):
        RedisStateStore.connect(redis_url, site)
    assert list(client.scan_iter(match=f"*{site}*")) == [], "opening created nothing"
    with pytest.raises(StoreMissing):
        open_store({"REDIS_URL": redis_url}, site)
    assert list(client.scan_iter(match=f"*{site}*")) == [], "its lease was given back"
    created, store_id = init_store(redis_url, site)
    assert created and init_store(redis_url, site) == (False, store_id), "a store that exists is left as it is"
    store, lock = open_store({"REDIS_URL": redis_url}, site, create=True)  # new_store=1 on a store in use
    assert store.store_id == store_id
    store.commit([Record("a", "h", 1, None)], "run-1")
    store.close()
    lock.release()
    created, new_id = init_store(redis_url, site, reset=True)
    store = RedisStateStore.connect(redis_url, site)
    assert created and new_id != store_id and store.store_id == new_id and len(store) == 0
    assert [e["event"] for e in store.history()] == ["reset", "created"]
    store.close()
    # Keys left without the store's own (partly deleted, evicted): missing, and said so.
    client.delete(site_prefix(site) + "schema")
    client.hset(site_prefix(site) + "articles", "x", "{}")
    with pytest.raises(StoreMissing, match="other key"):
        RedisStateStore.connect(redis_url, site)
    client.close()


def test_a_server_that_may_evict_keys_is_refused_and_one_that_hides_its_config_is_warned_of() -> None:
    with RedisServer() as server:
        client = server.client()
        assert check_reachable(server.url) is None
        client.config_set("maxmemory", "100mb")
        client.config_set("maxmemory-policy", "volatile-lru")
        with pytest.raises(StoreUnavailable, match=r"maxmemory-policy volatile-lru.*set maxmemory-policy noeviction"):
            check_reachable(server.url)
        client.config_set("maxmemory-policy", "noeviction")
        assert check_reachable(server.url) is None
        client.close()
    with RedisServer(extra=["--rename-command", "CONFIG", ""]) as managed:
        warning = check_reachable(managed.url)
        assert warning is not None and "could not be checked" in warning and "noeviction" in warning


# -- the store is the commit point ------------------------------------------------------------


def test_a_commit_notes_its_run_and_no_revision_is_committed_by_two_runs(redis_url: str) -> None:
    site = new_site()
    init_store(redis_url, site)
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    store.commit([Record("a", "h1", 1, "2024-05-01")], "run-a")
    assert store.committed("run-a", [("a", 1)]) == [True] and store.committed("run-b", [("a", 1)]) == [False]
    with pytest.raises(CommitRefused):
        store.commit([Record("b", "h", 1, None), Record("a", "h1", 1, None)], "run-b")
    assert "b" not in store, "all or nothing"
    store.commit([Record("a", "h1", 1, None)], "run-a")  # the same run again: no conflict
    store.commit([Record("a", "h2", 2, None)], "run-b")  # a new revision, another run
    assert store.committed("run-a", [("a", 1), ("a", 2)]) == [True, False]
    assert store.committed("run-b", [("a", 2)]) == [True]
    with pytest.raises(CommitRefused):
        store.commit([Record("a", "h1", 1, None)], "run-c")  # older than what is stored
    assert replace(store.get("a"), checked=None) == Record("a", "h2", 2, "2024-05-01")  # type: ignore[arg-type]
    store.close()
    lock.release()


def test_a_write_the_server_refuses_marks_the_lease_lost_and_tells_the_run(redis_url: str) -> None:
    site = new_site()
    init_store(redis_url, site)
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    told: list[str] = []
    lock.when_lost(lambda: told.append("lost"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.pexpire(lock.key, 1)  # the lease expired early on the server (a clock step, an eviction)
    time.sleep(0.05)
    assert lock.valid(), "its own deadline is far: only the server knows"
    with pytest.raises(LeaseLost):
        store.commit([Record("a", "h", 1, None)], "run-a")
    assert told == ["lost"] and not lock.valid() and "store write" in (lock.lost_reason or "")
    assert "a" not in store
    store.close()
    abandon(lock)
    client.close()


def test_confirm_asks_the_server_and_a_failed_renewal_tells_the_run_at_once(redis_url: str) -> None:
    site = new_site()
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert lock.confirm()
    client.pexpire(lock.key, 400)  # the server says: 0.4 s left
    assert lock.confirm() and lock.deadline <= time.monotonic() + 0.4
    client.pexpire(lock.key, 1)
    time.sleep(0.05)
    told: list[str] = []
    lock.when_lost(lambda: told.append("lost"))
    assert not lock.confirm() and told == ["lost"] and "server holds no lease" in (lock.lost_reason or "")
    abandon(lock)
    # A renewal that finds the lease another's: the run is told by the renewal thread itself.
    renewed = acquire_redis_lock(redis_url, new_site(), ttl=0.6)  # renewed every 0.2 s
    found = threading.Event()
    renewed.when_lost(found.set)
    client.set(renewed.key, "another run's", px=60_000)
    assert found.wait(2.0) and "renewal" in (renewed.lost_reason or "")
    abandon(renewed)
    client.close()


def feed_line(url: str, revision: int = 1) -> bytes:
    return json.dumps({"url": url, "revision": revision, "content_hash": "h", "published_at": None}).encode() + b"\n"


def test_reconcile_cuts_from_a_feed_what_its_run_did_not_commit(redis_url: str, tmp_path: Path) -> None:
    site = new_site()
    init_store(redis_url, site)
    store = RedisStateStore.connect(redis_url, site, host="node-a")
    feed = tmp_path / "a.jsonl"
    feed.write_bytes(feed_line("u1") + feed_line("u2") + feed_line("u3") + feed_line("u4"))
    store.open_feed(feed, "job-1", 0, FeedWriter("run-a"))
    store.commit([Record("u1", "h", 1, None), Record("u2", "h", 1, None)], "run-a")
    store.commit([Record("u3", "h", 1, None)], "run-b")  # another run exported u3: this line doubles it
    assert reconcile(store) == (2, 0, 2)
    assert feed.read_bytes() == feed_line("u1") + feed_line("u2")
    assert store.feeds(open_only=True) == [] and "u4" not in store
    store.close()


def test_a_feed_whose_writer_lives_is_cut_and_stays_open_until_it_has_died(redis_url: str, tmp_path: Path) -> None:
    """A stale writer on this host (paused, say) may write a line after the cut: its feed is
    read again by a run after it has died, so that no line of a closed feed lacks a commit."""
    site = new_site()
    init_store(redis_url, site)
    store = RedisStateStore.connect(redis_url, site, host="node-a")
    feed = tmp_path / "a.jsonl"
    feed.write_bytes(feed_line("u1") + feed_line("u2"))
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        store.open_feed(feed, "job-1", 0, FeedWriter("run-a", writer.pid, process_start(writer.pid)))
        store.commit([Record("u1", "h", 1, None)], "run-a")
        assert reconcile(store) == (1, 0, 1) and feed.read_bytes() == feed_line("u1")
        assert len(store.feeds(open_only=True)) == 1, "its writer lives"
        with feed.open("ab") as late:  # the stale writer's late line, never committed
            late.write(feed_line("u5"))
    finally:
        writer.kill()
        writer.wait()
    assert reconcile(store) == (0, 0, 1) and feed.read_bytes() == feed_line("u1")
    assert store.feeds(open_only=True) == []
    store.close()


def test_a_commit_the_store_refuses_is_cut_from_the_feed_at_once(redis_url: str, tmp_path: Path) -> None:
    site = new_site()
    init_store(redis_url, site)
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    run = IncrementalRun("job-1")
    run.attach(store, lock)
    told: list[str] = []
    run.when_lease_lost(lambda: told.append("lost"))
    feed = tmp_path / "f.jsonl"
    with feed.open("wb", buffering=0) as file:
        run.feed_opened(feed, 0, file)
        file.write(feed_line("a"))
        run.exported(Record("a", "h", 1, None))
        assert run.flush() == 1
        file.write(feed_line("b"))
        run.exported(Record("b", "h", 1, None))
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        client.set(lock.key, "another run's lease", px=60_000)  # taken over between the write and the commit
        assert run.flush() == 0
        assert feed.read_bytes() == feed_line("a") and run.items_cut == 1
    assert told == ["lost"] and run.lease_lost and not run.lease_valid()
    assert store.committed(run.token, [("a", 1)]) == [True] and "b" not in store
    store.close()
    abandon(lock)
    client.delete(lock.key)
    client.close()
