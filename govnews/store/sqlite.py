"""The incremental state store: what earlier runs exported, so a run emits only what is new.

One embedded SQLite file per **site** (:func:`store_path`: the real site's schemes, ports
and ``3g.``/``www.`` hosts fold to one store; a mirror keeps host and port), in
``GOVNEWS_STATE_DIR``. No Scrapy import: :mod:`govnews.store.walk` and :mod:`govnews.store.run`
hold the rules of a run and :mod:`govnews.pipelines.incremental_state` wires them into a crawl.

What it keeps:

* ``articles`` — every article exported (URL, content hash, revision, validators);
* ``contents`` — the first URL exported for each content hash (``duplicate_of``);
* ``covered`` — per column, the rows walks have read (the walk rule, see
  :mod:`govnews.store.walk`); ``gaps`` — the stretches of each column's list no walk has
  read yet; ``column_state`` — where each column's list ended when a walk last read it
  whole, and its last audit; ``walks`` — each column's last complete walk;
* ``pending`` — rows a walk read but no run has exported yet (their page failed, or the
  run stopped first): retried by every run of the column;
* ``dead`` — dead links (404 or 410) with their row's title and date: not owed, fetched
  again only when the row changes or by an audit walk;
* ``manifest`` — the feed files this store journals: path, run, open/closed;
* ``attachments`` — each file articles link to, as last downloaded (``-a attachments=1``):
  its validators, checksum, where it is stored and what its text read gave, so that a file
  is downloaded once, and again only with a conditional request;
* ``meta`` — the store's id (stamped at creation) and schema version.

Crash safety rests on one rule: **the feed files are the journal**. An article is
recorded as exported only after its line is in a feed file; a run killed between the two
leaves lines the store does not know yet, and the next run's :func:`reconcile` reads them
back (repairing a line cut short by the kill) before it decides anything. It reads only
the feeds of the manifest that are still open, i.e. whose run died: a run that ends marks
its feeds closed, and the store's lock (:class:`govnews.store.lease.StoreLock`) guarantees that no other run
is writing while reconciliation reads.

Two backends keep the same rules behind one interface, :class:`Store` (with :class:`Lock`
for the lock): :class:`StateStore` here, embedded SQLite, the default; and
:class:`govnews.store.redis.RedisStateStore`, chosen by the ``REDIS_URL`` setting (or
environment variable), shared by the workers of a cluster. :func:`open_store` opens the
one the settings select, with its lock. Feed files are local to the machine that wrote
them: each manifest entry names its host, and :func:`reconcile` reads only the entries of
the host it runs on (with SQLite, a store is one machine's: entries carry no host).

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     store = StateStore(Path(d) / "s.sqlite3")
...     store.record([Record("https://www.wuhan.gov.cn/a.shtml", "h1", 1, "2024-05-01")])
...     store.get("https://www.wuhan.gov.cn/a.shtml").revision
...     store.close()
1
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from govnews.store.base import (
    ArticleStatus,
    AttachmentRecord,
    ChangeEntry,
    ColumnState,
    DeadLink,
    FeedEntry,
    FeedWriter,
    Gap,
    Record,
    RowSeen,
    StoreError,
    WalkOutcome,
    WalkRecord,
    due_for_refresh,
    utc_stamp,
)
from govnews.store.paths import default_state_dir, directory_setting

SCHEMA_VERSION = 7
"""2: one store per site, the feed manifest; 3: gaps, column state, dead links, the store id;
4: the attachments; 5: where each gap was (to resume there), an audit under way; 6: an
attachment's scanned pages, OCR pages, cut text and text form; 7: each article's revision
fields (packed) and their digest, its row, status and candidate status, and the outbox of
change records."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    published_at TEXT,
    etag TEXT,
    last_modified TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    fields BLOB,
    fields_digest TEXT,
    col TEXT,
    row_title TEXT,
    row_date TEXT,
    status TEXT NOT NULL DEFAULT 'listed',
    candidate TEXT
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    revision INTEGER NOT NULL,
    line TEXT NOT NULL,
    feed TEXT
);
CREATE TABLE IF NOT EXISTS contents (
    content_hash TEXT PRIMARY KEY,
    url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS covered (
    col TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (col, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS walks (
    col TEXT PRIMARY KEY,
    run TEXT NOT NULL,
    completed TEXT NOT NULL,
    list_pages INTEGER NOT NULL,
    rows_seen INTEGER NOT NULL,
    ended TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    url TEXT PRIMARY KEY,
    col TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS manifest (
    path TEXT PRIMARY KEY,
    run TEXT NOT NULL,
    opened TEXT NOT NULL,
    closed TEXT,
    reconciled_size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS gaps (
    col TEXT NOT NULL,
    upper TEXT,
    lower TEXT,
    since TEXT NOT NULL,
    page INTEGER,
    anchors TEXT,
    reason TEXT NOT NULL DEFAULT 'cut'
);
CREATE INDEX IF NOT EXISTS gaps_col ON gaps (col);
CREATE TABLE IF NOT EXISTS column_state (
    col TEXT PRIMARY KEY,
    end_rows INTEGER,
    ended_at TEXT,
    last_audit TEXT,
    short_end TEXT,
    audit_started TEXT
);
CREATE TABLE IF NOT EXISTS dead (
    url TEXT PRIMARY KEY,
    col TEXT NOT NULL,
    title TEXT,
    row_date TEXT,
    since TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_col ON dead (col, since);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    url TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    path TEXT,
    content_type TEXT,
    kind TEXT,
    pages INTEGER,
    text TEXT,
    reason TEXT,
    members TEXT,
    etag TEXT,
    last_modified TEXT,
    fetched TEXT NOT NULL,
    scanned_pages TEXT,
    ocr_pages TEXT,
    text_truncated INTEGER NOT NULL DEFAULT 0,
    text_form INTEGER NOT NULL DEFAULT 1
);
"""
_ATTACHMENT_COLUMNS = (
    "url, sha256, size, path, content_type, kind, pages, text, reason, members, etag, last_modified, fetched, "
    "scanned_pages, ocr_pages, text_truncated, text_form"
)
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("gaps", "page", "INTEGER"),
    ("gaps", "anchors", "TEXT"),
    ("gaps", "reason", "TEXT NOT NULL DEFAULT 'cut'"),
    ("column_state", "audit_started", "TEXT"),
    # Schema 6: a file recorded before was read in text form 1 (read again at its next download).
    ("attachments", "scanned_pages", "TEXT"),
    ("attachments", "ocr_pages", "TEXT"),
    ("attachments", "text_truncated", "INTEGER NOT NULL DEFAULT 0"),
    ("attachments", "text_form", "INTEGER NOT NULL DEFAULT 1"),
    # Schema 7: an article recorded before has no fields kept (filled in place at its next look),
    # no row read yet, and is listed.
    ("articles", "fields", "BLOB"),
    ("articles", "fields_digest", "TEXT"),
    ("articles", "col", "TEXT"),
    ("articles", "row_title", "TEXT"),
    ("articles", "row_date", "TEXT"),
    ("articles", "status", "TEXT NOT NULL DEFAULT 'listed'"),
    ("articles", "candidate", "TEXT"),
)
"""Columns schemas 5 to 7 added to tables of earlier schemas (``ALTER TABLE`` in place)."""
_ARTICLE_COLUMNS = (
    "url, content_hash, revision, published_at, etag, last_modified, fields, fields_digest, col, row_title, "
    "row_date, status, candidate, last_seen"
)
# Schema 1 (one store per spider and base URL) kept a walk_complete flag per column and
# read every feed of the output directory; neither is trusted any more.
_LEGACY_TABLES = ("columns", "feeds")


def _record(row: Sequence[Any]) -> Record:
    """An ``articles`` row (:data:`_ARTICLE_COLUMNS`) as a :class:`Record`."""
    (url, content_hash, revision, published, etag, modified, fields, digest, col, title, row_date, status, candidate,
     seen) = row  # fmt: skip
    return Record(
        url,
        content_hash,
        revision,
        published,
        etag,
        modified,
        bytes(fields) if fields is not None else None,
        digest,
        col,
        title,
        row_date,
        status,
        candidate,
        seen,
    )


def _gap_columns(gap: Gap) -> tuple[str | None, str | None, int | None, str, str]:
    """A gap as the ``gaps`` table's columns ``upper, lower, page, anchors, reason``."""
    return gap.upper, gap.lower, gap.page, json.dumps(list(gap.anchors), ensure_ascii=False), gap.reason


def state_dir(setting: str | None) -> Path:
    """The store's directory from ``GOVNEWS_STATE_DIR`` (absolute), else the default of
    :func:`govnews.store.paths.default_state_dir` (never the working directory)."""
    return directory_setting("GOVNEWS_STATE_DIR", setting, default_state_dir)


def store_path(directory: Path, site_key: str) -> Path:
    """One store per site: ``www.wuhan.gov.cn.sqlite3``, ``127.0.0.1_8000.sqlite3``.

    >>> store_path(Path("/s"), "127.0.0.1:8000")
    PosixPath('/s/127.0.0.1_8000.sqlite3')
    """
    name = "".join(c if c.isalnum() or c in ".-" else "_" for c in site_key) or "site"
    return directory / f"{name}.sqlite3"


# -- the store ---------------------------------------------------------------------------


class StateStore:
    """The SQLite backend of :class:`Store`: one file per site, one machine's."""

    host: str | None = None
    # The flock guarantees that an open feed's writer is dead: reconciliation rolls forward.
    keeps_commits = False

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection, used from the crawl's thread only.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            self._db.close()
            raise StoreError(
                f"the state store {path} has schema {version}, newer than this release's {SCHEMA_VERSION}: "
                "upgrade govnews, or point GOVNEWS_STATE_DIR elsewhere"
            )
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            for table in _LEGACY_TABLES:
                self._db.execute(f"DROP TABLE IF EXISTS {table}")
            if version == 2:
                self._migrate_from_2()
            # 3 -> 4 adds the attachments table (created above, empty): no row to move.
            # 4 -> 5 adds columns with defaults: a gap of an older store has no place to resume
            # at (walks read down to it from the top, as before), and no audit is under way.
            # 5 -> 6 adds the attachments' new columns: a file read before is in text form 1.
            # 6 -> 7 adds the articles' fields, row and status (see _ADDED_COLUMNS) and the outbox.
            for table, column, declaration in _ADDED_COLUMNS:
                known = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in known:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('created', ?)", (utc_stamp(),))
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.store_id: str = str(self._db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])

    def _migrate_from_2(self) -> None:
        """Schema 2 → 3, in place: a dead link was a covered row neither pending nor exported
        (its title and date unknown: learnt when its row is next read); a column's audit clock
        starts now (its first audit comes GOVNEWS_AUDIT_DAYS after the upgrade)."""
        now = utc_stamp()
        self._db.execute(
            """INSERT OR IGNORE INTO dead (url, col, title, row_date, since)
               SELECT url, col, NULL, NULL, ? FROM covered c
               WHERE NOT EXISTS (SELECT 1 FROM pending p WHERE p.url = c.url)
                 AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url)""",
            (now,),
        )
        self._db.execute(
            "INSERT OR IGNORE INTO column_state (col, last_audit) SELECT col, ? FROM walks",
            (now,),
        )

    def close(self) -> None:
        self._db.close()

    # -- articles ---------------------------------------------------------------

    def get(self, url: str) -> Record | None:
        row = self._db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE url = ?", (url,)).fetchone()
        return _record(row) if row else None

    def articles(self, column: str | None = None) -> Iterator[Record]:
        """Every known article (of ``column``), without its packed fields."""
        columns = _ARTICLE_COLUMNS.replace("fields,", "NULL,", 1)
        if column is None:
            rows = self._db.execute(f"SELECT {columns} FROM articles ORDER BY url").fetchall()
        else:
            rows = self._db.execute(f"SELECT {columns} FROM articles WHERE col = ? ORDER BY url", (column,)).fetchall()
        return (_record(row) for row in rows)

    def __contains__(self, url: object) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def record(self, records: Iterable[Record], changes: Iterable[ChangeEntry] = ()) -> None:
        """Insert or update records and add ``changes`` to the outbox (each setting its
        article's status), in one transaction; first_seen is kept, last_seen set now. A
        revision's fields go with it (an older revision never replaces a newer one's). The
        first URL of each content hash is remembered (:meth:`first_url`); an exported article
        is no longer pending."""
        now = utc_stamp()
        rows = [
            (
                r.url,
                r.content_hash,
                r.revision,
                r.published_at,
                r.etag,
                r.last_modified,
                now,
                now,
                r.fields,
                r.fields_digest,
                r.column,
                r.row_title,
                r.row_date,
            )
            for r in records
        ]
        entries = list(changes)
        with self._transaction():
            self._db.executemany(
                """INSERT INTO articles (url, content_hash, revision, published_at, etag, last_modified,
                                         first_seen, last_seen, fields, fields_digest, col, row_title, row_date)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET
                       content_hash = CASE WHEN excluded.revision >= articles.revision
                                           THEN excluded.content_hash ELSE articles.content_hash END,
                       fields = CASE WHEN excluded.revision > articles.revision THEN excluded.fields
                                     WHEN excluded.revision = articles.revision
                                     THEN coalesce(excluded.fields, articles.fields)
                                     ELSE articles.fields END,
                       fields_digest = CASE WHEN excluded.revision > articles.revision THEN excluded.fields_digest
                                            WHEN excluded.revision = articles.revision
                                            THEN coalesce(excluded.fields_digest, articles.fields_digest)
                                            ELSE articles.fields_digest END,
                       revision = max(articles.revision, excluded.revision),
                       published_at = coalesce(excluded.published_at, articles.published_at),
                       etag = coalesce(excluded.etag, articles.etag),
                       last_modified = coalesce(excluded.last_modified, articles.last_modified),
                       col = coalesce(excluded.col, articles.col),
                       row_title = coalesce(excluded.row_title, articles.row_title),
                       row_date = coalesce(excluded.row_date, articles.row_date),
                       last_seen = excluded.last_seen""",
                rows,
            )
            self._add_changes(entries)
            self._db.executemany(
                "INSERT OR IGNORE INTO contents (content_hash, url) VALUES (?, ?)",
                [(row[1], row[0]) for row in rows if row[1]],
            )
            self._db.executemany("DELETE FROM pending WHERE url = ?", [(row[0],) for row in rows])
            self._db.executemany("DELETE FROM dead WHERE url = ?", [(row[0],) for row in rows])

    def commit(self, records: Iterable[Record], token: str, changes: Iterable[ChangeEntry] = ()) -> None:
        """:meth:`record`: one machine's store, under its ``flock``, has no other writer, and
        keeps no committer (reconciliation rolls forward, docs/incremental.md)."""
        self.record(records, changes)

    def _add_changes(self, entries: Sequence[ChangeEntry]) -> None:
        """In the caller's transaction: the outbox gains ``entries``; each sets its article's
        status (and clears its candidate status)."""
        self._db.executemany(
            "INSERT OR IGNORE INTO changes (key, url, kind, revision, line, feed) VALUES (?, ?, ?, ?, ?, ?)",
            [(e.key, e.url, e.kind, e.revision, e.line, e.feed) for e in entries],
        )
        self._db.executemany(
            "UPDATE articles SET status = ?, candidate = NULL WHERE url = ?",
            [(e.status, e.url) for e in entries if e.status is not None],
        )

    def undelivered(self) -> list[ChangeEntry]:
        """The outbox, oldest first."""
        return [
            ChangeEntry(key, url, kind, revision, line, feed)
            for key, url, kind, revision, line, feed in self._db.execute(
                "SELECT key, url, kind, revision, line, feed FROM changes ORDER BY seq"
            )
        ]

    def delivered(self, keys: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany("DELETE FROM changes WHERE key = ?", [(k,) for k in keys])

    def fill_fields(self, url: str, fields: bytes, digest: str) -> None:
        with self._transaction():
            self._db.execute("UPDATE articles SET fields = ?, fields_digest = ? WHERE url = ?", (fields, digest, url))

    def fill_fields_many(self, rows: Iterable[tuple[str, bytes, str]]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE articles SET fields = ?, fields_digest = ? WHERE url = ?",
                [(fields, digest, url) for url, fields, digest in rows],
            )

    def note_rows(self, rows: Iterable[RowSeen]) -> None:
        with self._transaction():
            self._db.executemany(
                """UPDATE articles SET col = ?, row_title = coalesce(?, row_title), row_date = coalesce(?, row_date)
                   WHERE url = ?""",
                [(r.column, r.title, r.date, r.url) for r in rows],
            )

    def set_candidates(self, marks: Iterable[tuple[str, ArticleStatus | None]]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE articles SET candidate = ? WHERE url = ?", [(kind, url) for url, kind in marks]
            )

    def committed(self, token: str, lines: Sequence[tuple[str, int]]) -> list[bool]:
        """Whether the store holds each ``(url, revision)`` (at that revision or a later one)."""
        found = []
        for url, revision in lines:
            record = self.get(url)
            found.append(record is not None and record.revision >= revision)
        return found

    def first_url(self, content_hash: str) -> str | None:
        """The URL first exported with this content, if any."""
        row = self._db.execute("SELECT url FROM contents WHERE content_hash = ?", (content_hash,)).fetchone()
        return str(row[0]) if row else None

    def touch(self, urls: Iterable[str]) -> None:
        """Mark articles seen again unchanged."""
        now = utc_stamp()
        with self._transaction():
            self._db.executemany("UPDATE articles SET last_seen = ? WHERE url = ?", [(now, u) for u in urls])

    def is_due_for_refresh(self, record: Record, refresh_days: int, today: date) -> bool:
        """Published within the last ``refresh_days`` days (an unknown date counts as due)."""
        return due_for_refresh(record, refresh_days, today)

    # -- column walks -------------------------------------------------------------

    def covered(self, column: str, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` that a complete walk of ``column`` has listed."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                str(row[0])
                for row in self._db.execute(
                    f"SELECT url FROM covered WHERE col = ? AND url IN ({marks})",
                    (column, *chunk),
                )
            )
        return found

    def column_state(self, column: str) -> ColumnState:
        """The column's open gaps, its last known end and audit, and the dead links found since."""
        gaps = tuple(
            Gap.from_json([upper, lower, page, json.loads(anchors) if anchors else [], reason])
            for upper, lower, page, anchors, reason in self._db.execute(
                "SELECT upper, lower, page, anchors, reason FROM gaps WHERE col = ? ORDER BY rowid", (column,)
            )
        )
        row = self._db.execute(
            "SELECT end_rows, ended_at, last_audit, short_end, audit_started FROM column_state WHERE col = ?",
            (column,),
        ).fetchone()
        if row is None:
            return ColumnState(gaps=gaps)
        end_rows, ended_at, last_audit, short_end, audit_started = row
        withdrawn = 0
        if ended_at is not None:
            withdrawn = int(
                self._db.execute(
                    "SELECT count(*) FROM dead WHERE col = ? AND since >= ?", (column, ended_at)
                ).fetchone()[0]
            )
        return ColumnState(gaps, end_rows, ended_at, last_audit, short_end, withdrawn, audit_started)

    def record_walk(self, outcome: WalkOutcome) -> int:
        """Record a walk (:class:`WalkOutcome`) in one transaction: the rows it read become
        covered, those neither exported nor dead become pending; the column's gaps are
        replaced by the outcome's; its end, audit and (for a complete walk) last complete
        walk are updated. Returns the number of rows made pending."""
        column = outcome.column
        urls = list(dict.fromkeys(outcome.seen))
        now = utc_stamp()
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO covered (col, url) VALUES (?, ?)", [(column, u) for u in urls])
            before = self._db.total_changes
            self._db.executemany(
                """INSERT OR IGNORE INTO pending (url, col, attempts, since)
                   SELECT ?, ?, 0, ? WHERE NOT EXISTS (SELECT 1 FROM articles WHERE url = ?)
                                       AND NOT EXISTS (SELECT 1 FROM dead WHERE url = ?)""",
                [(u, column, now, u, u) for u in urls],
            )
            made_pending = self._db.total_changes - before
            self._db.execute("DELETE FROM gaps WHERE col = ?", (column,))
            self._db.executemany(
                "INSERT INTO gaps (col, upper, lower, page, anchors, reason, since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(column, *_gap_columns(g), now) for g in outcome.gaps],
            )
            self._db.execute("INSERT OR IGNORE INTO column_state (col) VALUES (?)", (column,))
            if outcome.end_rows is not None:
                self._db.execute(
                    "UPDATE column_state SET end_rows = ?, ended_at = ? WHERE col = ?",
                    (outcome.end_rows, now, column),
                )
            if outcome.audited:
                self._db.execute("UPDATE column_state SET last_audit = ? WHERE col = ?", (now, column))
            self._db.execute(
                "UPDATE column_state SET short_end = ?, audit_started = ? WHERE col = ?",
                (outcome.short_end, outcome.audit_started, column),
            )
            if (walk := outcome.complete) is not None:
                self._db.execute(
                    """INSERT INTO walks (col, run, completed, list_pages, rows_seen, ended)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT(col) DO UPDATE SET run = excluded.run, completed = excluded.completed,
                           list_pages = excluded.list_pages, rows_seen = excluded.rows_seen,
                           ended = excluded.ended""",
                    (walk.column, walk.run, walk.completed, walk.list_pages, walk.rows_seen, walk.ended),
                )
        return made_pending

    # -- dead links ---------------------------------------------------------------

    def dead_link(self, url: str) -> DeadLink | None:
        row = self._db.execute("SELECT url, col, title, row_date, since FROM dead WHERE url = ?", (url,)).fetchone()
        return DeadLink(*row) if row else None

    def mark_dead(self, links: Iterable[DeadLink]) -> None:
        """Remember dead links (a known title or date is kept when the new one has none);
        they are owed no more."""
        rows = [(d.url, d.column, d.title, d.row_date, d.since) for d in links]
        with self._transaction():
            self._db.executemany(
                """INSERT INTO dead (url, col, title, row_date, since) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET col = excluded.col,
                       title = coalesce(excluded.title, dead.title),
                       row_date = coalesce(excluded.row_date, dead.row_date)""",
                rows,
            )
            self._db.executemany("DELETE FROM pending WHERE url = ?", [(row[0],) for row in rows])

    def dead_links(self) -> list[DeadLink]:
        return [
            DeadLink(*row) for row in self._db.execute("SELECT url, col, title, row_date, since FROM dead ORDER BY url")
        ]

    def last_walk(self, column: str) -> WalkRecord | None:
        row = self._db.execute(
            "SELECT col, run, completed, list_pages, rows_seen, ended FROM walks WHERE col = ?", (column,)
        ).fetchone()
        return WalkRecord(*row) if row else None

    def walks(self) -> list[WalkRecord]:
        return [
            WalkRecord(*row)
            for row in self._db.execute(
                "SELECT col, run, completed, list_pages, rows_seen, ended FROM walks ORDER BY col"
            )
        ]

    def reset_column(self, column: str) -> None:
        """Forget a column's walks: its next run walks it to the end again (nothing is
        exported twice: the articles stay known)."""
        with self._transaction():
            for table in ("covered", "walks", "pending", "gaps", "column_state"):
                self._db.execute(f"DELETE FROM {table} WHERE col = ?", (column,))

    # -- pending rows -------------------------------------------------------------

    def pending(self, columns: Iterable[str]) -> list[tuple[str, str, int, str]]:
        """``(url, column, attempts, since)`` of the rows still owed in ``columns``."""
        cols = list(columns)
        if not cols:
            return []
        marks = ",".join("?" * len(cols))
        return [
            (str(u), str(c), int(a), str(t))
            for u, c, a, t in self._db.execute(
                f"SELECT url, col, attempts, since FROM pending WHERE col IN ({marks}) ORDER BY since, url",
                cols,
            )
        ]

    def count_attempt(self, urls: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany("UPDATE pending SET attempts = attempts + 1 WHERE url = ?", [(u,) for u in urls])

    def give_up(self, urls: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany("DELETE FROM pending WHERE url = ?", [(u,) for u in urls])

    # -- the feed manifest -----------------------------------------------------------

    def open_feed(self, path: Path, run: str, size: int = 0, writer: FeedWriter | None = None) -> None:
        """Journal ``path`` for ``run`` from byte ``size`` on (what the file held before
        this run, appended to, is not this run's), open until :meth:`close_feeds`. The writer
        is not kept: under the store's ``flock`` an open feed's writer is dead."""
        with self._transaction():
            self._db.execute(
                """INSERT INTO manifest (path, run, opened, closed, reconciled_size) VALUES (?, ?, ?, NULL, ?)
                   ON CONFLICT(path) DO UPDATE SET run = excluded.run, opened = excluded.opened,
                       closed = NULL, reconciled_size = excluded.reconciled_size""",
                (str(path), run, utc_stamp(), size),
            )

    def close_feeds(self, run: str) -> None:
        with self._transaction():
            self._db.execute("UPDATE manifest SET closed = ? WHERE run = ? AND closed IS NULL", (utc_stamp(), run))

    def feeds(self, *, open_only: bool = False) -> list[FeedEntry]:
        query = "SELECT path, run, opened, closed, reconciled_size FROM manifest"
        if open_only:
            query += " WHERE closed IS NULL"
        return [FeedEntry(Path(p), r, o, c, int(s)) for p, r, o, c, s in self._db.execute(query + " ORDER BY opened")]

    def mark_reconciled(self, entry: FeedEntry, size: int, *, closed: bool) -> None:
        """The feed was read back up to byte ``size`` (and closed, when ``closed``)."""
        with self._transaction():
            self._db.execute(
                "UPDATE manifest SET reconciled_size = ?, closed = CASE WHEN ? THEN ? ELSE closed END WHERE path = ?",
                (size, int(closed), utc_stamp(), str(entry.path)),
            )

    # -- the run history ---------------------------------------------------------------

    def note(self, event: dict[str, Any]) -> None:
        """One machine's store: its run history is the host's ``runs.jsonl`` (govnews.store.history)."""

    def history(self, count: int = 10) -> list[dict[str, Any]]:
        return []

    # -- attachments -----------------------------------------------------------------

    def attachment(self, url: str) -> AttachmentRecord | None:
        """The file at ``url`` as last downloaded, or None."""
        row = self._db.execute(f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        values = list(row)
        for index in (9, 13, 14):  # members, scanned_pages, ocr_pages: JSON lists
            values[index] = tuple(json.loads(values[index])) if values[index] is not None else None
        values[15] = bool(values[15])
        return AttachmentRecord(*values)

    def record_attachments(self, records: Iterable[AttachmentRecord]) -> None:
        """Insert or replace what is known of each file, in one transaction."""
        rows = [
            (
                r.url,
                r.sha256,
                r.size,
                r.path,
                r.content_type,
                r.kind,
                r.pages,
                r.text,
                r.reason,
                json.dumps(list(r.members), ensure_ascii=False) if r.members is not None else None,
                r.etag,
                r.last_modified,
                r.fetched or utc_stamp(),
                json.dumps(list(r.scanned_pages)) if r.scanned_pages is not None else None,
                json.dumps(list(r.ocr_pages)) if r.ocr_pages is not None else None,
                int(r.text_truncated),
                r.text_form,
            )
            for r in records
        ]
        with self._transaction():
            self._db.executemany(
                f"INSERT OR REPLACE INTO attachments ({_ATTACHMENT_COLUMNS}) VALUES ({','.join('?' * 17)})", rows
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
