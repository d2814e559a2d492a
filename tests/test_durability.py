"""Exported means durable: a power cut at any moment of a run loses no feed line that the store
already counts as exported.

A power cut keeps what was synced to disk and may keep, or lose, anything written since. The
worst case for the promise is the store's writes kept and the feed's unsynced writes lost. So a
real ``scrapy crawl`` runs on the mirror with an ``LD_PRELOAD`` shim (``tests/shims/
syncorder.c``, compiled here with the system's C compiler, never part of the package) that
records in order every write, truncation and sync of the feed and of the SQLite store's files.
The test rebuilds, after each sync of the run, the store as every write up to then left it and
the feed as its last sync left it, opens that store with SQLite (recovering its WAL), and checks
that every article the store knows is a whole line of that feed.

Put either protection back and this fails: the feed not synced before a batch is recorded
(``fsync_file`` in ``IncrementalRun.flush``), or an item recorded before its line is written.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_command
from tests.doc_tools import missing
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd

SHIM_SOURCE = Path(__file__).resolve().parent / "shims" / "syncorder.c"


@dataclass(frozen=True)
class Event:
    op: str
    """``W`` write, ``T`` truncate, ``S`` sync."""
    path: str
    offset: int
    data: bytes


def events(log: Path) -> Iterator[Event]:
    raw = log.read_bytes()
    at = 0
    while at < len(raw):
        op = chr(raw[at])
        (path_len,) = struct.unpack_from("<I", raw, at + 1)
        path = raw[at + 5 : at + 5 + path_len].decode()
        at += 5 + path_len
        offset, length = struct.unpack_from("<QQ", raw, at)
        at += 16
        data = b""
        if op == "W":
            data, at = raw[at : at + length], at + length
        yield Event(op, path, offset, data)


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        missing("a C compiler (gcc) is needed to build the test's LD_PRELOAD shim: apt-get install gcc")
    library = tmp_path_factory.mktemp("shim") / "syncorder.so"
    subprocess.run(
        [str(compiler), "-shared", "-fPIC", "-O1", "-o", str(library), str(SHIM_SOURCE), "-ldl", "-lpthread"],
        check=True,
    )
    return library


def store_urls(files: dict[str, bytearray], store: str, scratch: Path) -> set[str]:
    """The articles a store whose files hold ``files`` knows (SQLite recovers its WAL on open)."""
    if store not in files:
        return set()
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / "s.sqlite3"
    copy.write_bytes(bytes(files[store]))
    if store + "-wal" in files:
        Path(str(copy) + "-wal").write_bytes(bytes(files[store + "-wal"]))
    db = sqlite3.connect(copy)
    try:
        return {url for (url,) in db.execute("SELECT url FROM articles")}
    except sqlite3.DatabaseError:  # the schema not written yet
        return set()
    finally:
        db.close()


def feed_urls(content: bytes) -> set[str]:
    """The articles of a feed's whole lines."""
    whole = content.rpartition(b"\n")[0]
    return {json.loads(line)["url"] for line in whole.split(b"\n") if line}


def test_no_power_cut_loses_a_line_the_store_counts_as_exported(tmp_path: Path, shim: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=41)
    log = tmp_path / "syncorder.log"
    env = {**os.environ, "LD_PRELOAD": str(shim), "SYNCORDER_LOG": str(log), "SYNCORDER_MATCH": ".jsonl:.sqlite3"}
    with MirrorServer(site) as server:
        cmd = crawl_cmd(server.base_url, tmp_path / "run", settings={"GOVNEWS_STATE_BATCH": "3"})
        proc = run_command(cmd, env=env, timeout=300)
    assert '"finish_reason": "finished"' in proc.stderr, proc.stderr[-3000:]

    files: dict[str, bytearray] = {}
    synced: dict[str, bytes] = {}
    (feed,) = {e.path for e in events(log) if Path(e.path).name.startswith("wuhan-") and e.path.endswith(".jsonl")}
    (store,) = {e.path for e in events(log) if e.path.endswith(".sqlite3")}
    cuts = commits_checked = 0
    for event in events(log):
        content = files.setdefault(event.path, bytearray())
        if event.op == "W":
            end = event.offset + len(event.data)
            content.extend(b"\0" * max(0, end - len(content)))
            content[event.offset : end] = event.data
        elif event.op == "T":
            del content[event.offset :]
        elif event.op == "S":
            synced[event.path] = bytes(content)
            # A power cut right now: the store as written, the feed as last synced.
            known = store_urls(files, store, tmp_path / "cut")
            kept = feed_urls(synced.get(feed, b""))
            lost = sorted(known - kept)[:3]
            assert not lost, f"a power cut now loses the lines of {lost}, which the store knows"
            cuts += 1
            commits_checked += bool(known)
    exported = feed_urls(bytes(files[feed]))
    assert exported and store_urls(files, store, tmp_path / "cut") == exported
    assert commits_checked >= 3, f"only {commits_checked} of {cuts} cuts came after a batch was recorded"
