"""What the store keeps for edits, withdrawals and restores (issue 29), on both backends: each
revision's fields, the rows walks read, an article's status and candidate status, and the
outbox of change records, committed with what they report.

Every test runs on SQLite and on a real redis-server (``tests/redis_server.py``); the Redis
store is opened with its lease, so every write goes through the fencing a run's writes do.
The expected values are written out by hand from the rules in :class:`govnews.store.Store`;
one property test then asks that Redis answer every sequence of these writes as SQLite does.
The stores of the release before (``tests/fixtures/state-schema-6.sql``,
``tests/fixtures/redis-layout-4.json``) open with every article listed and no fields kept.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govnews.changes import pack
from govnews.changes.diff import CHANGE_KINDS
from govnews.store import (
    ArticleStatus,
    ChangeEntry,
    CommitRefused,
    LeaseLost,
    Record,
    RowSeen,
    StateStore,
    Store,
)
from govnews.store.keys import SiteKeys
from govnews.store.lease import RedisLock, acquire_redis_lock
from govnews.store.redis import LAYOUT_VERSION, RedisStateStore, init_store
from govnews.store.sqlite import SCHEMA_VERSION
from tests.leases import abandon
from tests.profiles import examples
from tests.redis_server import RedisServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIELDS_1 = pack({"title": "关于做好防汛工作的通知", "paragraphs": ["请各单位做好准备。"]})
FIELDS_2 = pack({"title": "关于做好防汛工作的通知（更正）", "paragraphs": ["请各单位做好准备。", "特此通知。"]})
EVERY_BYTE = bytes(range(256))
"""Not a packed revision: every byte value once, to see the stores give back what they were given."""


def new_site() -> str:
    return f"site-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend; the Redis one under its lease (every write fenced)."""
    if request.param == "sqlite":
        sqlite = StateStore(tmp_path / "s.sqlite3")
        yield sqlite
        sqlite.close()
        return
    url, site = request.getfixturevalue("redis_url"), new_site()
    init_store(url, site)
    lock = acquire_redis_lock(url, site)
    redis_store = RedisStateStore.connect(url, site, lock=lock)
    yield redis_store
    redis_store.close()
    lock.release()


def change(key: str, url: str, kind: str, revision: int = 1, feed: str | None = None) -> ChangeEntry:
    """A change record; its line is what a feed would get (opaque to the store)."""
    line = json.dumps({"kind": kind, "url": url, "revision": revision, "title": "通知"}, ensure_ascii=False)
    return ChangeEntry(key, url, kind, revision, line, feed)


def status_of(store: Store, url: str) -> tuple[ArticleStatus, ArticleStatus | None]:
    found = store.get(url)
    assert found is not None, url
    return found.status, found.candidate


# -- the outbox: committed with what it reports --------------------------------------------


def test_a_commits_change_records_set_their_articles_status_and_clear_their_candidate(store: Store) -> None:
    store.record([Record("a", "h", 1, None), Record("b", "h", 1, None), Record("c", "h", 1, None)])
    store.set_candidates([("a", "unlisted"), ("b", "withdrawn"), ("c", "unlisted")])
    edited = change("run-1:1", "a", "edited", 2, feed="/out/changes.jsonl")
    withdrawn, unlisted = change("run-1:2", "b", "withdrawn"), change("run-1:3", "c", "unlisted")
    store.commit(
        [Record("a", "h2", 2, None, fields=FIELDS_2, fields_digest="d2")], "run-1", [edited, withdrawn, unlisted]
    )
    # An edit leaves the status (and a candidate status) as they were; the others set theirs.
    assert status_of(store, "a") == ("listed", "unlisted")
    assert status_of(store, "b") == ("withdrawn", None)
    assert status_of(store, "c") == ("unlisted", None)
    assert store.undelivered() == [edited, withdrawn, unlisted]
    store.commit([], "run-2", [change("run-2:1", "b", "restored"), change("run-2:2", "c", "restored")])
    assert status_of(store, "b") == status_of(store, "c") == ("listed", None)
    assert [e.key for e in store.undelivered()] == ["run-1:1", "run-1:2", "run-1:3", "run-2:1", "run-2:2"]
    a = store.get("a")
    assert a is not None and (a.revision, a.content_hash, a.fields, a.fields_digest) == (2, "h2", FIELDS_2, "d2")


def test_record_adds_change_records_as_commit_does(store: Store) -> None:
    store.record([Record("a", "h", 1, None)])
    gone = change("k1", "a", "withdrawn", 1)
    store.record([Record("b", "h", 1, None)], [gone])
    assert status_of(store, "a") == ("withdrawn", None) and "b" in store
    assert store.undelivered() == [gone]
    store.record([], [change("k2", "a", "restored")])
    assert status_of(store, "a") == ("listed", None) and [e.key for e in store.undelivered()] == ["k1", "k2"]


def test_a_change_record_of_an_unknown_article_is_kept_and_makes_no_article(store: Store) -> None:
    stray = change("k1", "nowhere", "withdrawn")
    store.commit([], "run-1", [stray])
    assert store.undelivered() == [stray] and "nowhere" not in store and len(store) == 0


def test_the_outbox_keeps_the_order_of_commits_and_a_key_once(store: Store) -> None:
    store.record([Record(u, "h", 1, None) for u in "abc"])
    first, second = change("z", "a", "edited", 2), change("a", "b", "withdrawn")
    store.commit([], "run-1", [first, second])
    third = change("m", "c", "unlisted")
    again = replace(first, line='{"kind": "edited", "url": "a", "again": true}')
    store.commit([], "run-2", [third, again])  # "z" is there already: kept as it was, where it was
    assert store.undelivered() == [first, second, third]
    assert status_of(store, "c") == ("unlisted", None)


def test_delivered_takes_records_out_and_leaves_the_others_in_order(store: Store) -> None:
    entries = [change(f"k{n}", "a", "edited", n + 1) for n in range(5)]
    store.commit([Record("a", "h", 5, None)], "run-1", entries)
    store.delivered(["k1", "k3", "never-there"])
    assert [e.key for e in store.undelivered()] == ["k0", "k2", "k4"]
    store.commit([], "run-2", [change("k5", "a", "edited", 6)])
    store.delivered([])
    assert [e.key for e in store.undelivered()] == ["k0", "k2", "k4", "k5"]
    store.delivered(["k0", "k2", "k4", "k5"])
    assert store.undelivered() == []
    store.commit([], "run-3", [change("k6", "a", "withdrawn")])
    assert [e.key for e in store.undelivered()] == ["k6"]


class Poisoned(ChangeEntry):
    """A change record that fails once the store reads its status: the SQLite store has upserted
    the articles and added the outbox rows by then, so all must roll back."""

    @property
    def status(self) -> ArticleStatus | None:
        raise RuntimeError("poisoned")


def test_a_commit_that_fails_commits_neither_its_records_nor_its_change_records(store: Store) -> None:
    store.record([Record("a", "h1", 1, None, fields=FIELDS_1, fields_digest="d1")])
    before = store.get("a")
    poisoned = Poisoned("k2", "a", "withdrawn", 1, "{}")
    with pytest.raises(RuntimeError, match="poisoned"):
        store.commit(
            [Record("a", "h2", 2, None, fields=FIELDS_2, fields_digest="d2"), Record("b", "h", 1, None)],
            "run-1",
            [change("k1", "a", "withdrawn", 2), poisoned],
        )
    assert store.get("a") == before and "b" not in store and store.undelivered() == []


def test_a_commit_refused_adds_no_change_record_and_sets_no_status(redis_url: str) -> None:
    """Redis: a revision committed by another run refuses the whole batch, its outbox entries with it."""
    site = new_site()
    init_store(redis_url, site)
    lock = acquire_redis_lock(redis_url, site)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    store.commit([Record("a", "h1", 1, None), Record("b", "h1", 1, None)], "run-a")
    with pytest.raises(CommitRefused):
        store.commit([Record("a", "h1", 1, None)], "run-b", [change("k1", "b", "withdrawn")])
    assert store.undelivered() == [] and status_of(store, "b") == ("listed", None)
    store.close()
    lock.release()


def test_a_commit_whose_lease_was_lost_adds_no_change_record_and_sets_no_status(redis_url: str) -> None:
    """Redis: a run whose lease another took writes nothing: no record, no outbox entry, no status,
    and none of the in-place writes either."""
    site = new_site()
    init_store(redis_url, site)
    lock = acquire_redis_lock(redis_url, site, ttl=30)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    store.commit([Record("a", "h1", 1, None)], "run-a", [change("k0", "a", "edited")])
    store.set_candidates([("a", "withdrawn")])
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.delete(lock.key)  # the lease ran out while this run was paused ...
    client.set(lock.key, '{"pid": 1, "host": "node-b"}', px=30_000)  # ... and another run took it
    keys = SiteKeys(site)
    before = {key: client.dump(key) for key in (keys.articles, keys.outbox, keys.outbox_order)}
    with pytest.raises(LeaseLost):
        store.commit([Record("b", "h", 1, None)], "run-a", [change("k1", "a", "withdrawn")])
    writes: dict[str, Callable[[], None]] = {
        "record": lambda: store.record([], [change("k2", "a", "withdrawn")]),
        "delivered": lambda: store.delivered(["k0"]),
        "fill_fields": lambda: store.fill_fields("a", FIELDS_1, "d1"),
        "note_rows": lambda: store.note_rows([RowSeen("a", "/c/", "标题", "2026-01-02")]),
        "set_candidates": lambda: store.set_candidates([("a", None)]),
    }
    for name, write in writes.items():
        with pytest.raises(LeaseLost):
            write()
        assert {key: client.dump(key) for key in before} == before, name
    assert "b" not in store and [e.key for e in store.undelivered()] == ["k0"]
    assert status_of(store, "a") == ("listed", "withdrawn")
    store.close()
    abandon(lock)
    client.close()


# -- a revision's fields ------------------------------------------------------------------------


def test_an_older_revisions_fields_never_replace_a_newer_ones(store: Store) -> None:
    def kept() -> tuple[int, bytes | None, str | None]:
        found = store.get("a")
        assert found is not None
        return found.revision, found.fields, found.fields_digest

    store.record([Record("a", "h1", 1, None, fields=FIELDS_1, fields_digest="d1")])
    assert kept() == (1, FIELDS_1, "d1")
    store.record([Record("a", "h1", 1, None)])  # the same revision, its fields not known: kept
    assert kept() == (1, FIELDS_1, "d1")
    store.record([Record("a", "h1", 1, None, fields=EVERY_BYTE, fields_digest="d1b")])  # the same revision's: taken
    assert kept() == (1, EVERY_BYTE, "d1b")
    store.record([Record("a", "h2", 2, None, fields=FIELDS_2, fields_digest="d2")])
    assert kept() == (2, FIELDS_2, "d2")
    store.record([Record("a", "h1", 1, None, fields=FIELDS_1, fields_digest="d1")])  # older: dropped
    assert kept() == (2, FIELDS_2, "d2")
    store.record([Record("a", "h3", 3, None)])  # a newer revision without fields: none are its
    assert kept() == (3, None, None)
    # In one batch, in order, as two writes.
    store.record(
        [Record("b", "h2", 2, None, fields=FIELDS_2, fields_digest="d2"), Record("b", "h1", 1, None, fields=FIELDS_1)]
    )
    found = store.get("b")
    assert found is not None and (found.revision, found.fields, found.fields_digest) == (2, FIELDS_2, "d2")


def test_fill_fields_keeps_them_in_place_without_a_revision(store: Store) -> None:
    store.record([Record("a", "h1", 2, "2024-05-01", etag='"e"', column="/c/", row_title="标题")])
    before = store.get("a")
    assert before is not None and before.fields is None and before.checked is not None
    store.fill_fields("a", EVERY_BYTE, "d2")
    assert store.get("a") == replace(before, fields=EVERY_BYTE, fields_digest="d2")
    store.fill_fields("a", FIELDS_2, "d2b")  # a checksum learnt: the fields change, the revision does not
    assert store.get("a") == replace(before, fields=FIELDS_2, fields_digest="d2b")
    store.fill_fields("nowhere", FIELDS_1, "d1")
    assert "nowhere" not in store and len(store) == 1


# -- rows, candidates, the listing ----------------------------------------------------------------


def test_note_rows_keeps_the_column_and_what_the_row_showed(store: Store) -> None:
    store.record(
        [Record("a", "h", 1, None), Record("b", "h", 1, None, column="/old/", row_title="旧", row_date="2024-01-01")]
    )
    store.note_rows(
        [
            RowSeen("a", "/c/", "通知", "2024-05-01"),
            RowSeen("b", "/c/", None, "2024-05-02"),  # a row without a title keeps the title known
            RowSeen("nowhere", "/c/", "无", None),
        ]
    )
    rows = {r.url: (r.column, r.row_title, r.row_date) for r in store.articles()}
    assert rows == {"a": ("/c/", "通知", "2024-05-01"), "b": ("/c/", "旧", "2024-05-02")}
    store.note_rows([RowSeen("a", "/d/", "通知（更正）", None), RowSeen("a", "/e/", None, None)])  # in order
    store.record([Record("a", "h", 1, None)])  # a record without its row keeps the row
    found = store.get("a")
    assert found is not None and (found.column, found.row_title, found.row_date) == (
        "/e/",
        "通知（更正）",
        "2024-05-01",
    )


def test_set_candidates_marks_and_clears(store: Store) -> None:
    store.record([Record("a", "h", 1, None), Record("b", "h", 1, None)])
    store.set_candidates([("a", "withdrawn"), ("b", "unlisted"), ("nowhere", "withdrawn")])
    assert status_of(store, "a") == ("listed", "withdrawn") and status_of(store, "b") == ("listed", "unlisted")
    store.set_candidates([("a", None), ("b", "withdrawn")])
    assert status_of(store, "a") == ("listed", None) and status_of(store, "b") == ("listed", "withdrawn")
    assert "nowhere" not in store
    store.set_candidates([])


def test_articles_lists_a_column_by_url_without_the_packed_fields(store: Store) -> None:
    store.record(
        [
            Record("u3", "h3", 1, "2024-05-03", fields=FIELDS_1, fields_digest="d1", column="/c/", row_title="三"),
            Record("u1", "h1", 2, None, fields=FIELDS_2, fields_digest="d2", column="/c/"),
            Record("u2", "h2", 1, None, column="/d/"),
            Record("u0", "h0", 1, None),
        ]
    )
    store.set_candidates([("u1", "withdrawn")])
    store.commit([], "run-1", [change("k", "u3", "unlisted")])
    listed = list(store.articles("/c/"))
    assert [r.url for r in listed] == ["u1", "u3"]
    assert [(r.fields, r.fields_digest, r.status, r.candidate, r.row_title) for r in listed] == [
        (None, "d2", "listed", "withdrawn", None),
        (None, "d1", "unlisted", None, "三"),
    ]
    assert all(r.checked is not None for r in listed)
    u3 = store.get("u3")
    assert u3 is not None and u3.fields == FIELDS_1 and listed[1] == replace(u3, fields=None)
    assert [r.url for r in store.articles()] == ["u0", "u1", "u2", "u3"]
    assert list(store.articles("/none/")) == []


def test_checked_is_when_the_page_last_answered(store: Store) -> None:
    store.record([Record("a", "h", 1, None)])
    first = store.get("a")
    assert first is not None and first.checked is not None and first.checked.endswith("Z")
    store.touch(["a"])
    again = store.get("a")
    assert again is not None and again.checked is not None and again.checked >= first.checked


# -- the Redis form -------------------------------------------------------------------------------


def test_redis_keeps_the_packed_fields_as_base64_and_leaves_unknowns_out(redis_url: str) -> None:
    site = new_site()
    store = RedisStateStore.connect(redis_url, site, create=True)
    store.record([Record("a", "h", 1, None, fields=FIELDS_1, fields_digest="d1"), Record("b", "h", 1, None)])
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    a, b = (json.loads(client.hget(SiteKeys(site).articles, url)) for url in "ab")  # type: ignore[arg-type]
    assert a["x"].isascii() and a["xd"] == "d1"
    assert set(b) == {"h", "r", "p", "e", "m", "f", "l"}, "a layout-4 article's keys: nothing more to keep"
    store.commit([], "run-1", [change("k1", "b", "withdrawn")])
    store.commit([], "run-1", [change("k2", "b", "restored")])
    assert json.loads(client.hget(SiteKeys(site).articles, "b"))["s"] == "listed"  # type: ignore[arg-type]
    assert client.zrange(SiteKeys(site).outbox_order, 0, -1, withscores=True) == [("k1", 1.0), ("k2", 2.0)]
    store.close()
    client.close()


# -- Redis answers as SQLite does -----------------------------------------------------------------

URLS = st.sampled_from(["a", "b", "c"])
MAYBE_TEXT = st.none() | st.sampled_from(["/c/", "/d/", "标题"])
statuses = st.sampled_from(["withdrawn", "unlisted", "listed"])
records = st.builds(
    Record,
    URLS,
    st.sampled_from(["h1", "h2"]),
    st.integers(1, 3),
    st.none(),
    fields=st.none() | st.sampled_from([FIELDS_1, FIELDS_2, EVERY_BYTE]),
    fields_digest=st.none() | st.sampled_from(["d1", "d2"]),
    column=MAYBE_TEXT,
    row_title=MAYBE_TEXT,
    row_date=st.none() | st.sampled_from(["2024-05-01", "2024-05-02"]),
)
changes = st.builds(
    lambda key, url, kind, revision: change(f"k{key}", url, kind, revision),
    st.integers(0, 5),
    URLS,
    st.sampled_from(CHANGE_KINDS),
    st.integers(1, 3),
)
operations = st.one_of(
    st.tuples(st.just("record"), st.tuples(st.lists(records, max_size=3), st.lists(changes, max_size=3))),
    st.tuples(st.just("fill_fields"), st.tuples(URLS, st.sampled_from([FIELDS_1, EVERY_BYTE]), st.just("df"))),
    st.tuples(
        st.just("note_rows"),
        st.lists(st.builds(RowSeen, URLS, st.sampled_from(["/c/", "/d/"]), MAYBE_TEXT, MAYBE_TEXT), max_size=3),
    ),
    st.tuples(st.just("set_candidates"), st.lists(st.tuples(URLS, st.none() | statuses), max_size=3)),
    st.tuples(st.just("delivered"), st.lists(st.integers(0, 5).map(lambda n: f"k{n}"), max_size=3)),
)


def apply(store: Store, op: str, arg: Any) -> None:
    if op == "record":
        store.record(*arg)
    elif op == "fill_fields":
        store.fill_fields(*arg)
    else:
        getattr(store, op)(arg)  # note_rows, set_candidates, delivered: one list each


def observe(store: Store) -> tuple[object, ...]:
    """What a reader sees, but the moments the stores stamp apart."""
    return (
        [replace(r, checked=None) for r in store.articles()],
        [replace(r, checked=None) if (r := store.get(url)) else None for url in "abc"],
        store.undelivered(),
    )


@given(st.lists(operations, max_size=12))
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_redis_answers_every_sequence_of_these_writes_as_sqlite_does(
    redis_server: RedisServer, tmp_path: Path, ops: list[tuple[str, object]]
) -> None:
    directory = tmp_path / uuid.uuid4().hex
    directory.mkdir()
    reference = StateStore(directory / "s.sqlite3")
    candidate = RedisStateStore.connect(redis_server.url, new_site(), create=True)
    try:
        for op, arg in ops:
            apply(candidate, op, arg)
            apply(reference, op, arg)
            assert observe(candidate) == observe(reference), (op, arg)
    finally:
        reference.close()
        candidate.close()


# -- the stores of the release before ------------------------------------------------------------


def test_a_store_of_schema_6_opens_with_every_article_listed_and_no_fields_kept(tmp_path: Path) -> None:
    """tests/fixtures/state-schema-6.sql: a store written by release 0.3.0 (schema 6,
    made by tests/fixtures/make_store_fixtures.py from that release: a mirror crawled twice, an
    article owed, dead links, a gap). Schema 7 adds each article's fields, row and status and the
    outbox: every article is there as it was, no fields kept (filled at its next look), no row
    read, listed; every other table keeps its rows; a commit with change records works."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((FIXTURES / "state-schema-6.sql").read_text(encoding="utf-8"))
    assert old.execute("PRAGMA user_version").fetchone()[0] == 6
    tables = [name for (name,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    before = {table: sorted(old.execute(f"SELECT * FROM {table}").fetchall()) for table in tables}
    articles = old.execute(
        "SELECT url, content_hash, revision, published_at, etag, last_modified, last_seen FROM articles"
    ).fetchall()
    old.close()
    assert articles and before["pending"] and before["dead"] and before["gaps"]

    store = StateStore(path)
    store_id = store.store_id
    assert len(store) == len(articles)
    for url, content_hash, revision, published, etag, modified, seen in articles:
        assert store.get(url) == Record(url, content_hash, revision, published, etag, modified, checked=seen)
    assert [r.url for r in store.articles()] == sorted(url for url, *_ in articles)
    assert store.undelivered() == []
    store.close()
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
    old_columns = _columns(FIXTURES / "state-schema-6.sql")
    for table, rows in before.items():
        columns = ", ".join(old_columns[table])
        assert sorted(migrated.execute(f"SELECT {columns} FROM {table}").fetchall()) == rows, table
    migrated.close()

    again = StateStore(path)
    assert again.store_id == store_id, "the store keeps its id"
    url, content_hash, revision, *_ = articles[0]
    again.fill_fields(url, FIELDS_1, "d1")
    gone = change("run-1:1", url, "withdrawn", revision)
    again.commit([Record(url, "h-new", revision + 1, None, fields=FIELDS_2, fields_digest="d2")], "run-1", [gone])
    found = again.get(url)
    assert found is not None and (found.revision, found.fields, found.status) == (revision + 1, FIELDS_2, "withdrawn")
    assert again.undelivered() == [gone]
    again.close()


def _columns(dump: Path) -> dict[str, list[str]]:
    """Each table's columns in the store ``dump`` holds."""
    db = sqlite3.connect(":memory:")
    db.executescript(dump.read_text(encoding="utf-8"))
    tables = [str(name) for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns = {table: [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")] for table in tables}
    db.close()
    return columns


def load_dump(client: redis.Redis, dump: dict[str, dict[str, object]]) -> None:
    """Every key of ``dump`` (tests/fixtures/make_store_fixtures.py's form) into Redis, as it was."""
    for key, value in dump.items():
        ((kind, data),) = value.items()
        if kind == "string":
            client.set(key, data)  # type: ignore[arg-type]
        elif kind == "hash":
            client.hset(key, mapping=data)  # type: ignore[arg-type]
        elif kind == "set":
            client.sadd(key, *data)  # type: ignore[misc]
        elif kind == "list":
            client.rpush(key, *data)  # type: ignore[misc]
        elif kind == "zset":
            client.zadd(key, {member: score for member, score in data})  # type: ignore[attr-defined]
        else:
            raise ValueError(f"{key}: a {kind} key this loader does not know")


def test_a_store_of_layout_4_opens_with_every_article_listed_and_no_fields_kept(redis_url: str) -> None:
    """tests/fixtures/redis-layout-4.json: every key of a site as release 0.3.0 (layout 4) wrote
    them (tests/fixtures/make_store_fixtures.py from that release, the crawl of the schema-6
    SQLite fixture, its store created first as an operator does with ``--init-store``; the run
    history, a list, is not in the dump). Layout 5 keeps every key as it was, reads every
    article listed with no fields kept and no row read, and commits (with change records) on
    top of the commit records it found."""
    dump = json.loads((FIXTURES / "redis-layout-4.json").read_text("utf-8"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    load_dump(client, dump)
    site = "127.0.0.1:8000"
    keys = SiteKeys(site)
    assert client.get(keys.schema) == "4"
    articles = {url: json.loads(raw) for url, raw in dump[keys.articles]["hash"].items()}
    assert articles and all("c" in data for data in articles.values()), "layout 4 keeps commit records"

    lock: RedisLock = acquire_redis_lock(redis_url, site)
    store = RedisStateStore.connect(redis_url, site, lock=lock)
    assert client.get(keys.schema) == LAYOUT_VERSION == "5"
    for key, value in dump.items():
        if key.endswith(":schema"):
            continue
        ((kind, data),) = value.items()
        now = (
            client.hgetall(key)
            if kind == "hash"
            else client.get(key)
            if kind == "string"
            else set(client.smembers(key))
        )
        assert now == (set(data) if kind == "set" else data), key
    assert store.store_id == dump[keys.meta]["hash"]["store_id"], "the store keeps its id"
    assert len(store) == len(articles)
    for url, data in articles.items():
        expected = Record(url, data["h"], data["r"], data["p"], data["e"], data["m"], checked=data["l"])
        assert store.get(url) == expected
    assert [r.url for r in store.articles()] == sorted(articles)
    assert store.undelivered() == []

    url, data = sorted(articles.items())[0]
    (token,) = data["c"].values()
    assert store.committed(token, [(url, data["r"])]) == [True]
    store.fill_fields(url, FIELDS_1, "d1")
    gone = change("run-1:1", url, "withdrawn", data["r"])
    store.commit([Record(url, "h-new", data["r"] + 1, None, fields=FIELDS_2, fields_digest="d2")], "run-1", [gone])
    found = store.get(url)
    assert found is not None and (found.revision, found.fields, found.status) == (data["r"] + 1, FIELDS_2, "withdrawn")
    assert store.committed("run-1", [(url, data["r"] + 1)]) == [True] and store.committed(
        token, [(url, data["r"])]
    ) == [True]
    assert store.undelivered() == [gone]
    store.close()
    lock.release()
    client.close()
