"""The state store, its lock and the feed journal, as plain functions."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from govnews.sites.family import site_key
from govnews.store import (
    AttachmentRecord,
    DeadLink,
    Record,
    StateStore,
    StoreError,
    StoreLocked,
    WalkOutcome,
    WalkRecord,
    acquire_lock,
    held_lease,
    reconcile,
    repair_feed,
    state_dir,
    store_path,
)
from govnews.store.sqlite import SCHEMA_VERSION


def line(url: str, digest: str = "a" * 64, revision: int = 1) -> bytes:
    item = {"url": url, "content_hash": digest, "revision": revision, "published_at": "2024-05-01"}
    return json.dumps(item).encode() + b"\n"


@pytest.mark.parametrize(
    "base_url",
    [
        "https://www.wuhan.gov.cn",
        "https://www.wuhan.gov.cn:443",
        "http://www.wuhan.gov.cn",
        "http://www.wuhan.gov.cn:80",
        "https://3g.wuhan.gov.cn",
        "HTTPS://WWW.WUHAN.GOV.CN",
    ],
)
def test_the_real_site_is_one_store_whatever_the_scheme_port_or_host(base_url: str, tmp_path: Path) -> None:
    assert store_path(tmp_path, site_key(base_url)) == tmp_path / "www.wuhan.gov.cn.sqlite3"


def test_a_mirror_keeps_host_and_port(tmp_path: Path) -> None:
    a = store_path(tmp_path, site_key("http://127.0.0.1:8000"))
    b = store_path(tmp_path, site_key("http://127.0.0.1:8001"))
    assert a != b and a.parent == b.parent == tmp_path
    assert a.name == "127.0.0.1_8000.sqlite3"


def test_state_dir_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        state_dir("relative/dir")
    assert state_dir("/srv/state") == Path("/srv/state")


def test_repair_cuts_only_a_partial_last_line(tmp_path: Path) -> None:
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(line("u1") + line("u2") + b'{"url": "u3", "para')
    assert repair_feed(feed)
    assert feed.read_bytes() == line("u1") + line("u2")
    assert not repair_feed(feed)
    only_partial = tmp_path / "g.jsonl"
    only_partial.write_bytes(b'{"url"')
    assert repair_feed(only_partial) and only_partial.read_bytes() == b""


def test_reconcile_reads_only_open_feeds_of_the_manifest_then_closes_them(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    ours, foreign, closed = tmp_path / "ours.jsonl", tmp_path / "foreign.jsonl", tmp_path / "closed.jsonl"
    ours.write_bytes(line("u1") + line("u2") + b'{"url": "u3"')
    foreign.write_bytes(line("x") + b'{"url": "cut')
    closed.write_bytes(line("c"))
    store.open_feed(ours, "run-1")
    store.open_feed(closed, "run-0")
    store.close_feeds("run-0")
    assert reconcile(store) == (2, 1, 0)
    assert "u1" in store and "u2" in store and "u3" not in store
    # A file the store does not own is neither read nor repaired; a closed feed is not read.
    assert "x" not in store and foreign.read_bytes().endswith(b'"cut')
    assert "c" not in store
    assert [e.closed is not None for e in store.feeds()] == [True, True]
    # Closed now: a line appended later (by nobody we know) is not read.
    with ours.open("ab") as f:
        f.write(line("u4"))
    assert reconcile(store) == (0, 0, 0) and "u4" not in store
    store.close()


def test_an_appended_feed_is_journaled_from_where_this_run_started(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(line("old"))
    store.open_feed(feed, "run-1", size=feed.stat().st_size)
    with feed.open("ab") as f:
        f.write(line("new"))
    assert reconcile(store) == (1, 0, 0)
    assert "new" in store and "old" not in store
    store.close()


def test_a_missing_feed_is_closed_without_error(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.open_feed(tmp_path / "gone.jsonl", "run-1")
    assert reconcile(store) == (0, 0, 0)
    assert store.feeds(open_only=True) == []
    store.close()


def test_record_keeps_first_seen_and_the_highest_revision(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.record([Record("u", "h1", 2, "2024-05-01", etag='"e1"')])
    store.record([Record("u", "h0", 1, None)])
    assert replace(store.get("u"), checked=None) == Record("u", "h1", 2, "2024-05-01", etag='"e1"')  # type: ignore[arg-type]
    store.record([Record("u", "h3", 3, None)])
    assert replace(store.get("u"), checked=None) == Record("u", "h3", 3, "2024-05-01", etag='"e1"')  # type: ignore[arg-type]
    store.close()


def test_the_first_url_of_a_content_is_kept(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.record([Record("a", "h", 1, None)])
    store.record([Record("b", "h", 1, None)])
    assert store.first_url("h") == "a"
    assert store.first_url("other") is None
    store.close()


@pytest.mark.parametrize(
    ("published", "days", "due"),
    [("2024-05-10", 5, True), ("2024-05-04", 5, False), ("2024-05-10", 0, False), (None, 5, True)],
)
def test_refresh_window(tmp_path: Path, published: str | None, days: int, due: bool) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    assert store.is_due_for_refresh(Record("u", "h", 1, published), days, date(2024, 5, 10)) is due
    store.close()


def test_a_walk_covers_its_rows_and_owes_those_not_exported(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.record([Record("a", "h", 1, None)])
    walk = WalkRecord("/c/", "run-1", "2026-12-01T00:00:00Z", 2, 3, "last_page")
    assert store.record_walk(WalkOutcome("/c/", ("a", "b", "c"), (), complete=walk)) == 2
    assert store.covered("/c/", ["a", "b", "x"]) == {"a", "b"}
    assert store.covered("/other/", ["a"]) == set()
    assert [(u, c) for u, c, _, _ in store.pending(["/c/"])] == [("b", "/c/"), ("c", "/c/")]
    store.record([Record("b", "h2", 1, None)])
    assert [u for u, _, _, _ in store.pending(["/c/"])] == ["c"]
    assert store.last_walk("/c/") == walk
    store.reset_column("/c/")
    assert store.covered("/c/", ["a"]) == set() and store.pending(["/c/"]) == [] and store.last_walk("/c/") is None
    assert "a" in store  # what was exported stays known
    store.close()


def test_a_second_holder_of_the_lock_is_refused_with_its_pid(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from govnews.store import acquire_lock;"
            "acquire_lock(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(store),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLocked, match=rf"pid {holder.pid}, started 20\d\d-"):
            acquire_lock(store)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # The kernel freed it with the process: no stale lock.
    lock = acquire_lock(store)
    with pytest.raises(StoreLocked, match=rf"pid {os.getpid()}, started 20\d\d-"):
        acquire_lock(store)  # one owner: taken again, even by this process, is refused
    assert held_lease({"GOVNEWS_STATE_DIR": str(tmp_path)}, "s") is lock
    lock.release()
    lock.release()  # once is enough
    assert held_lease({"GOVNEWS_STATE_DIR": str(tmp_path)}, "s") is None
    acquire_lock(store).release()  # free again


def test_a_dead_link_is_not_owed_and_is_forgotten_once_exported(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.record([Record("a", "h", 1, None)])
    store.mark_dead([DeadLink("dead", "/c/", "通知", "2026-01-02", "2026-12-01T00:00:00Z")])
    store.record_walk(WalkOutcome("/c/", ("a", "dead", "failed"), ()))
    assert [u for u, _, _, _ in store.pending(["/c/"])] == ["failed"]  # owed; the dead link is not
    dead = store.dead_link("dead")
    assert dead is not None and not dead.row_changed("通知", "2026-01-02") and dead.row_changed("通知（更正）", None)
    # A dead link learnt again without its row keeps what was known of the row.
    store.mark_dead([DeadLink("dead", "/c/", None, None, "2026-12-02T00:00:00Z")])
    assert store.dead_link("dead") == dead
    store.record([Record("dead", "h2", 1, None)])  # it answered after all
    assert store.dead_link("dead") is None
    store.close()


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_a_store_of_schema_2_opens_in_place_and_loses_nothing(tmp_path: Path) -> None:
    """tests/fixtures/state-schema-2.sql: a store written by release 0.1.0 (schema 2: a mirror
    crawled twice, an article page failing each time, the mirror's dead links, an open feed)."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((FIXTURES / "state-schema-2.sql").read_text(encoding="utf-8"))
    before = {
        table: sorted(old.execute(f"SELECT * FROM {table}").fetchall())
        for table in ("articles", "contents", "covered", "walks", "pending", "manifest")
    }
    dead_before = old.execute(
        "SELECT count(*) FROM covered c WHERE NOT EXISTS (SELECT 1 FROM pending p WHERE p.url = c.url)"
        " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url)"
    ).fetchone()[0]
    assert old.execute("PRAGMA user_version").fetchone()[0] == 2
    old.close()
    assert before["articles"] and before["pending"] and before["walks"] and before["manifest"] and dead_before

    store = StateStore(path)
    store_id = store.store_id
    store.close()
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table, rows in before.items():
        assert sorted(migrated.execute(f"SELECT {columns_of(table, 2)} FROM {table}").fetchall()) == rows, table
    # What schema 2 implied (a covered row neither owed nor exported: a dead link) is now said.
    assert migrated.execute("SELECT count(*) FROM dead").fetchone()[0] == dead_before
    # Every column with a walk starts its audit clock at the upgrade.
    columns = {c for (c,) in migrated.execute("SELECT col FROM walks")}
    assert {c for (c,) in migrated.execute("SELECT col FROM column_state WHERE last_audit IS NOT NULL")} == columns
    migrated.close()
    again = StateStore(path)
    assert again.store_id == store_id, "the store keeps its id"
    again.close()


def test_a_store_of_schema_3_opens_in_place_and_loses_nothing(tmp_path: Path) -> None:
    """tests/fixtures/state-schema-3.sql: a store written by release 0.2.0 (schema 3: a mirror
    crawled twice, an article owed, dead links, the runs' feeds): schema 4 adds the attachments
    table, empty, and keeps every row of every table as it was, and the store's id."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((FIXTURES / "state-schema-3.sql").read_text(encoding="utf-8"))
    tables = ("articles", "contents", "covered", "walks", "pending", "manifest", "gaps", "column_state", "dead", "meta")
    before = {table: sorted(old.execute(f"SELECT * FROM {table}").fetchall()) for table in tables}
    assert old.execute("PRAGMA user_version").fetchone()[0] == 3
    assert not old.execute("SELECT 1 FROM sqlite_master WHERE name = 'attachments'").fetchone()
    old.close()
    assert before["articles"] and before["pending"] and before["dead"] and before["manifest"]

    store = StateStore(path)
    store_id = store.store_id
    assert store.attachment("http://127.0.0.1:8000/a.pdf") is None
    store.close()
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table, rows in before.items():
        assert sorted(migrated.execute(f"SELECT {columns_of(table, 3)} FROM {table}").fetchall()) == rows, table
    assert migrated.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    migrated.close()
    again = StateStore(path)
    assert again.store_id == store_id, "the store keeps its id"
    record = AttachmentRecord("http://127.0.0.1:8000/a.pdf", "ab" * 32, 10, "ab/x.pdf", text="正文", fetched="t")
    again.record_attachments([record])
    assert again.attachment(record.url) == record
    again.close()


def columns_of(table: str, schema: int) -> str:
    """The columns ``table`` had in ``schema`` (what a later schema added left out)."""
    added = {"gaps": ("page", "anchors", "reason"), "column_state": ("audit_started",)}
    old = sqlite3.connect(":memory:")
    old.executescript((FIXTURES / f"state-schema-{schema}.sql").read_text(encoding="utf-8"))
    names = [row[1] for row in old.execute(f"PRAGMA table_info({table})")]
    old.close()
    return ", ".join(n for n in names if schema >= 5 or n not in added.get(table, ()))


def test_a_store_of_schema_4_opens_in_place_and_loses_nothing(tmp_path: Path) -> None:
    """tests/fixtures/state-schema-4.sql: a store written by release 0.2.x (schema 4, made by
    tests/fixtures/make_store_fixtures.py from that release: a mirror crawled twice, an article
    owed, dead links, a gap to the end of 武汉要闻). Schema 5 adds where each gap was and an
    audit under way: every row of every table keeps what it held; the old gap has no place
    (walks read down to it from the top, as before) and no audit is under way."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((FIXTURES / "state-schema-4.sql").read_text(encoding="utf-8"))
    tables = (
        "articles", "contents", "covered", "walks", "pending", "manifest", "gaps", "column_state", "dead", "meta",
        "attachments",
    )  # fmt: skip
    before = {table: sorted(old.execute(f"SELECT * FROM {table}").fetchall()) for table in tables}
    assert old.execute("PRAGMA user_version").fetchone()[0] == 4
    old.close()
    assert before["pending"] and before["dead"] and before["gaps"] and before["column_state"]

    store = StateStore(path)
    store_id = store.store_id
    (gap,) = [g for (col, *_rest) in before["gaps"] for g in store.column_state(col).gaps]
    assert (gap.upper, gap.lower, gap.page, gap.anchors) == (before["gaps"][0][1], None, None, ())
    assert all(store.column_state(col).audit_started is None for (col, *_rest) in before["column_state"])
    store.close()
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
    for table, rows in before.items():
        assert sorted(migrated.execute(f"SELECT {columns_of(table, 4)} FROM {table}").fetchall()) == rows, table
    migrated.close()
    again = StateStore(path)
    assert again.store_id == store_id, "the store keeps its id"
    again.close()


SCHEMA_4_ATTACHMENT = """
INSERT INTO attachments VALUES ('http://127.0.0.1:8000/a.pdf', '{sha}', 10, 'ab/x.pdf', 'application/pdf', 'pdf', 2,
    '第一页

第二页', NULL, NULL, '"e1"', NULL, '2026-11-01T00:00:00Z');
"""
"""A file read by release 0.2.x, as its attachments table (schema 4) kept it."""


def test_a_stores_attachments_gain_their_new_columns_in_place(tmp_path: Path) -> None:
    """Schema 6 adds an attachment's scanned pages, OCR pages, cut text and text form; a file
    read by an earlier release keeps its row, in text form 1 (read again at its next
    download), and every other table as it was (from tests/fixtures/state-schema-4.sql)."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript((FIXTURES / "state-schema-4.sql").read_text(encoding="utf-8"))
    old.executescript(SCHEMA_4_ATTACHMENT.format(sha="ab" * 32))
    assert old.execute("PRAGMA user_version").fetchone()[0] == 4
    old.close()
    store = StateStore(path)
    found = store.attachment("http://127.0.0.1:8000/a.pdf")
    assert found is not None
    assert (found.text, found.pages, found.etag, found.text_form) == ("第一页\n\n第二页", 2, '"e1"', 1)
    assert (found.scanned_pages, found.ocr_pages, found.text_truncated) == (None, None, False)
    new = replace(found, text="第一页\f第二页", scanned_pages=(2,), ocr_pages=(2,), text_truncated=True, text_form=2)
    store.record_attachments([new])
    assert store.attachment(new.url) == new
    store.close()
    migrated = sqlite3.connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    migrated.close()


def test_attachments_are_remembered_by_url_the_latest_download_winning(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    first = AttachmentRecord(
        "https://www.wuhan.gov.cn/a/P0202405261234.zip",
        "0" * 64,
        120,
        "00/0.zip",
        content_type="application/zip",
        kind="zip",
        reason="archive",
        members=("附件1.pdf", "名单/表.xlsx"),
        etag='"e1"',
        last_modified="Mon, 27 May 2024 01:00:00 GMT",
        fetched="2026-12-01T00:00:00Z",
    )
    store.record_attachments([first])
    assert store.attachment(first.url) == first
    replaced = AttachmentRecord(
        first.url, "1" * 64, 99, "11/1.pdf", kind="pdf", pages=2, text="通知\n正文", etag='"e2"'
    )
    store.record_attachments([replaced])
    found = store.attachment(first.url)
    assert found is not None and found.sha256 == "1" * 64 and found.members is None and found.fetched
    assert found.text == "通知\n正文" and found.pages == 2 and found.etag == '"e2"'
    store.close()


def test_a_store_newer_than_this_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="schema 99, newer than this release"):
        StateStore(path)


def test_an_attachment_record_of_the_release_before_reads_with_the_new_fields_unset() -> None:
    """The Redis store keeps each record as JSON: one written before issue 31 has none of the
    new fields, and reads in text form 1 (so its file is read again at its next download)."""
    old = '{"url": "u", "sha256": "%s", "size": 3, "path": "p", "text": "正文", "members": null}' % ("ab" * 32)
    record = AttachmentRecord.from_json(old)
    assert (record.scanned_pages, record.ocr_pages, record.text_truncated, record.text_form) == (None, None, False, 1)
    new = replace(record, scanned_pages=(2,), ocr_pages=(2,), text_truncated=True, text_form=2)
    assert AttachmentRecord.from_json(new.as_json()) == new
