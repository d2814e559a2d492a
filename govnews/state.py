"""The incremental state store: what earlier runs exported, so a run emits only what is new.

One embedded SQLite file per spider and base URL, in ``GOVNEWS_STATE_DIR``. No Scrapy
import: :mod:`govnews.pipelines.incremental_state` wires it into a crawl.

Crash safety rests on one rule: **the feed files are the journal**. An article is
recorded as exported only after its line is in a feed file; a run killed between the
two leaves lines the store does not know yet, and the next run's :func:`reconcile`
reads them back from the feeds (repairing a line cut short by the kill) before it
decides anything. So a killed run neither loses an article nor makes the next run
export it twice.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     store = StateStore(Path(d) / "s.sqlite3")
...     store.record([Record("https://www.wuhan.gov.cn/a.shtml", "h1", 1, "2024-05-01")])
...     store.get("https://www.wuhan.gov.cn/a.shtml").revision
...     store.close()
1
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from govnews.paths import directory_setting, user_data_dir

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    published_at TEXT,
    etag TEXT,
    last_modified TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS columns (
    path TEXT PRIMARY KEY,
    walk_complete INTEGER NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds (
    path TEXT PRIMARY KEY,
    reconciled_size INTEGER NOT NULL,
    closed INTEGER NOT NULL
);
"""


def state_dir(setting: str | None) -> Path:
    """The store's directory from ``GOVNEWS_STATE_DIR`` (absolute), else the user's data
    directory (``~/.local/share/govnews/state`` on Linux)."""
    return directory_setting("GOVNEWS_STATE_DIR", setting, lambda: user_data_dir("state"))


def store_path(directory: Path, spider: str, base_url: str) -> Path:
    """One store per spider and base URL: ``wuhan-www.wuhan.gov.cn-<hash>.sqlite3``."""
    host = "".join(c if c.isalnum() or c in ".-" else "_" for c in (urlsplit(base_url).netloc or "site"))
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:10]
    return directory / f"{spider}-{host}-{digest}.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Record:
    url: str
    content_hash: str
    revision: int
    published_at: str | None
    etag: str | None = None
    last_modified: str | None = None


class StateStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection, used from the crawl's thread only.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    # -- articles ---------------------------------------------------------------

    def get(self, url: str) -> Record | None:
        row = self._db.execute(
            "SELECT url, content_hash, revision, published_at, etag, last_modified FROM articles WHERE url = ?",
            (url,),
        ).fetchone()
        return Record(*row) if row else None

    def __contains__(self, url: object) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def record(self, records: Iterable[Record]) -> None:
        """Insert or update records in one transaction; first_seen is kept, last_seen set now."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                """INSERT INTO articles (url, content_hash, revision, published_at, etag, last_modified,
                                         first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET content_hash = excluded.content_hash,
                       revision = max(articles.revision, excluded.revision),
                       published_at = coalesce(excluded.published_at, articles.published_at),
                       etag = coalesce(excluded.etag, articles.etag),
                       last_modified = coalesce(excluded.last_modified, articles.last_modified),
                       last_seen = excluded.last_seen""",
                [
                    (r.url, r.content_hash, r.revision, r.published_at, r.etag, r.last_modified, now, now)
                    for r in records
                ],
            )

    def touch(self, urls: Iterable[str]) -> None:
        """Mark articles seen again unchanged."""
        now = _now()
        with self._transaction():
            self._db.executemany("UPDATE articles SET last_seen = ? WHERE url = ?", [(now, u) for u in urls])

    def is_due_for_refresh(self, record: Record, refresh_days: int, today: date) -> bool:
        """Published within the last ``refresh_days`` days (an unknown date counts as due)."""
        if refresh_days <= 0:
            return False
        if not record.published_at:
            return True
        try:
            published = date.fromisoformat(record.published_at[:10])
        except ValueError:
            return True
        return published >= today - timedelta(days=refresh_days)

    # -- column walks -------------------------------------------------------------

    def walk_complete(self, column: str) -> bool:
        row = self._db.execute("SELECT walk_complete FROM columns WHERE path = ?", (column,)).fetchone()
        return bool(row and row[0])

    def set_walk_complete(self, column: str, complete: bool) -> None:
        with self._transaction():
            self._db.execute(
                """INSERT INTO columns (path, walk_complete, updated) VALUES (?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET walk_complete = excluded.walk_complete,
                       updated = excluded.updated""",
                (column, int(complete), _now()),
            )

    # -- feeds (the journal) --------------------------------------------------------

    def feed_progress(self, path: Path) -> tuple[int, bool]:
        row = self._db.execute("SELECT reconciled_size, closed FROM feeds WHERE path = ?", (str(path),)).fetchone()
        return (int(row[0]), bool(row[1])) if row else (0, False)

    def set_feed_progress(self, path: Path, size: int, closed: bool) -> None:
        with self._transaction():
            self._db.execute(
                """INSERT INTO feeds (path, reconciled_size, closed) VALUES (?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET reconciled_size = excluded.reconciled_size,
                       closed = excluded.closed""",
                (str(path), size, int(closed)),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def read_feed_lines(path: Path, start: int = 0) -> Iterator[tuple[int, dict[str, object]]]:
    """``(end offset, item)`` for each whole, valid JSON line of a feed from byte ``start``."""
    with path.open("rb") as feed:
        feed.seek(start)
        offset = start
        for raw in feed:
            offset += len(raw)
            if not raw.endswith(b"\n"):
                return  # cut short by a kill: not an exported item
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            if isinstance(item, dict):
                yield offset, item


def repair_feed(path: Path) -> bool:
    """Cut a trailing partial line (a write interrupted by a kill) so that every line of
    the file is whole JSON again. Returns True when the file was changed."""
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb+") as feed:
        feed.seek(max(0, size - 1))
        if feed.read(1) == b"\n":
            return False
        # Find the last newline; everything after it is the cut line.
        block = 1 << 16
        end = size
        while end > 0:
            start = max(0, end - block)
            feed.seek(start)
            chunk = feed.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut != -1:
                feed.truncate(start + cut + 1)
                break
            end = start
        else:
            feed.truncate(0)
        feed.flush()
        os.fsync(feed.fileno())
    return True


def record_from_item(item: dict[str, object], etag: str | None = None, last_modified: str | None = None) -> Record:
    revision = item.get("revision")
    published = item.get("published_at")
    return Record(
        url=str(item["url"]),
        content_hash=str(item.get("content_hash") or ""),
        revision=revision if isinstance(revision, int) else 1,
        published_at=published if isinstance(published, str) else None,
        etag=etag,
        last_modified=last_modified,
    )


def reconcile(store: StateStore, feed_dir: Path, pattern: str) -> tuple[int, int]:
    """Record every item found in the feeds under ``feed_dir`` (glob ``pattern``) that the
    store has not read yet, repairing cut lines first. Returns (items recorded, files repaired).

    Idempotent and cheap for files already read to the end (a size check).
    """
    recorded = repaired = 0
    if not feed_dir.is_dir():
        return 0, 0
    for path in sorted(feed_dir.glob(pattern)):
        done, closed = store.feed_progress(path)
        if closed:
            continue
        if repair_feed(path):
            repaired += 1
        size = path.stat().st_size
        if size < done:
            done = 0  # the file was replaced: read it again
        records = [record_from_item(item) for _, item in read_feed_lines(path, done) if "url" in item]
        known = {r.url: r for r in records}
        store.record(r for r in known.values() if (old := store.get(r.url)) is None or old.revision <= r.revision)
        recorded += len(known)
        store.set_feed_progress(path, size, closed=False)
    return recorded, repaired
