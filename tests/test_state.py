"""The state store and the feed journal, as plain functions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from govnews.state import Record, StateStore, reconcile, repair_feed, state_dir, store_path


def line(url: str, digest: str = "a" * 64, revision: int = 1) -> bytes:
    item = {"url": url, "content_hash": digest, "revision": revision, "published_at": "2024-05-01"}
    return json.dumps(item).encode() + b"\n"


def test_one_store_per_spider_and_base_url(tmp_path: Path) -> None:
    a = store_path(tmp_path, "wuhan", "https://www.wuhan.gov.cn")
    b = store_path(tmp_path, "wuhan", "http://127.0.0.1:8000")
    assert a != b and a.parent == b.parent == tmp_path
    assert a.name.startswith("wuhan-www.wuhan.gov.cn-")


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


def test_reconcile_records_what_feeds_hold_once(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "wuhan-1.jsonl").write_bytes(line("u1") + line("u2") + b'{"url": "u3"')
    (feeds / "other-1.jsonl").write_bytes(line("x"))
    store = StateStore(tmp_path / "s.sqlite3")
    assert reconcile(store, feeds, "wuhan-*.jsonl") == (2, 1)
    assert "u1" in store and "u2" in store and "u3" not in store and "x" not in store
    # A second pass reads nothing new; an appended line is picked up from where it stopped.
    assert reconcile(store, feeds, "wuhan-*.jsonl") == (0, 0)
    with (feeds / "wuhan-1.jsonl").open("ab") as f:
        f.write(line("u4", revision=1))
    assert reconcile(store, feeds, "wuhan-*.jsonl") == (1, 0)
    assert len(store) == 3
    store.close()


def test_record_keeps_first_seen_and_the_highest_revision(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    store.record([Record("u", "h1", 2, "2024-05-01", etag='"e1"')])
    store.record([Record("u", "h2", 1, None)])
    record = store.get("u")
    assert record == Record("u", "h2", 2, "2024-05-01", etag='"e1"')
    store.close()


@pytest.mark.parametrize(
    ("published", "days", "due"),
    [("2024-05-10", 5, True), ("2024-05-04", 5, False), ("2024-05-10", 0, False), (None, 5, True)],
)
def test_refresh_window(tmp_path: Path, published: str | None, days: int, due: bool) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    assert store.is_due_for_refresh(Record("u", "h", 1, published), days, date(2024, 5, 10)) is due
    store.close()


def test_walk_flags(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    assert not store.walk_complete("/sy/whyw/")
    store.set_walk_complete("/sy/whyw/", True)
    assert store.walk_complete("/sy/whyw/")
    store.close()
