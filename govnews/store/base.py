"""The store's vocabulary, shared by both backends and the rules: records, walks, gaps, dead
links, the feed manifest's entries, the :class:`Store` and :class:`Lock` protocols and the
errors a store raises. No Scrapy import, no backend import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol


def utc_stamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as the store writes times, UTC to the second.

    >>> utc_stamp(datetime(2026, 12, 1, 4, 13, 5, 123, tzinfo=UTC))
    '2026-12-01T04:13:05Z'
    """
    return (moment or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")


DEFAULT_LEASE_TTL = 30.0
"""Seconds a Redis lock outlives a holder that died without releasing it (renewed every
third of it while the run lives). Setting ``GOVNEWS_REDIS_LOCK_TTL``."""


ArticleStatus = Literal["listed", "unlisted", "withdrawn"]
ARTICLE_STATUSES: tuple[ArticleStatus, ...] = ("listed", "unlisted", "withdrawn")


@dataclass(frozen=True)
class Record:
    """An exported article as the store knows it.

    ``fields`` is the exported revision's fields (:func:`govnews.changes.revision_fields`),
    packed (:func:`govnews.changes.pack`), what the next revision is diffed against;
    ``fields_digest`` their digest (:func:`govnews.changes.revision_digest`). Both None for an
    article recorded by a release before them: its next look fills them in place when its
    ``content_hash`` still matches (no revision, no line).

    What a walk last read of its row (``column``, ``row_title``, ``row_date``: a row that reads
    otherwise makes the article fetched again), and where it stands: ``status`` (``listed``;
    ``unlisted``, its row gone and its page answering; ``withdrawn``, its page gone), and a
    ``candidate`` status a first look found, which a second look confirms or clears.
    ``checked``: when its page last answered (200 or 304), UTC."""

    url: str
    content_hash: str
    revision: int
    published_at: str | None
    etag: str | None = None
    last_modified: str | None = None
    fields: bytes | None = field(default=None, repr=False)
    fields_digest: str | None = None
    column: str | None = None
    row_title: str | None = None
    row_date: str | None = None
    status: ArticleStatus = "listed"
    candidate: ArticleStatus | None = None
    checked: str | None = None


@dataclass(frozen=True)
class ChangeEntry:
    """A change record in the store's outbox (issue 29): committed with what it reports (the
    article's revision, or its new status), then written to a changes feed and marked
    delivered. A run that dies between the two leaves it undelivered: the next run on this
    host writes it (unless its feed holds the line already) before anything else.

    ``key``: unique (the committing run's token and a count); ``line``: the record as the feed
    gets it, one JSON text without its newline; ``feed``: the file it goes to (None: the
    changes feed of the run that delivers it); ``host``: the machine whose file system holds
    ``feed`` (None: the store's own)."""

    key: str
    url: str
    kind: str
    revision: int
    line: str
    feed: str | None = None
    host: str | None = None

    @property
    def status(self) -> ArticleStatus | None:
        """The article's status once this change is committed (None: unchanged)."""
        return {"withdrawn": "withdrawn", "unlisted": "unlisted", "restored": "listed"}.get(self.kind)  # type: ignore[return-value]

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> ChangeEntry:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RowSeen:
    """A known article's row as a walk read it (kept for the next walk to compare)."""

    url: str
    column: str
    title: str | None
    date: str | None


@dataclass(frozen=True)
class AttachmentRecord:
    """A file an article links to, as it was last downloaded: its validators (for the next
    conditional request), checksum and what its text read gave (:mod:`govnews.documents`).
    Kept by URL: a file is downloaded once, and again only with a conditional request."""

    url: str
    sha256: str
    size: int
    path: str | None
    """Where the file is, relative to ``FILES_STORE``."""
    content_type: str | None = None
    kind: str | None = None
    pages: int | None = None
    text: str | None = None
    reason: str | None = None
    members: tuple[str, ...] | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched: str = ""
    """When it was downloaded (UTC), ``utc_stamp``."""
    scanned_pages: tuple[int, ...] | None = None
    ocr_pages: tuple[int, ...] | None = None
    text_truncated: bool = False
    text_form: int = 1
    """The form its text was read in (``govnews.documents.TEXT_FORM``); 1 for a record of an
    older release, whose text is read again when the file is next downloaded."""

    def as_json(self) -> str:
        """The record as one JSON object (the Redis store's value; the SQLite store's row)."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> AttachmentRecord:
        data = json.loads(raw)
        for name in ("members", "scanned_pages", "ocr_pages"):
            value = data.get(name)
            data[name] = tuple(value) if value is not None else None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class WalkRecord:
    """A column's last complete walk."""

    column: str
    run: str
    completed: str
    list_pages: int
    rows_seen: int
    ended: str
    """How it ended: ``last_page``, ``end_404``, ``empty_page`` or ``covered``."""


GapReason = Literal["failed", "out_of_step", "end_check", "cut"]
GAP_REASONS: tuple[GapReason, ...] = ("failed", "out_of_step", "end_check", "cut")


@dataclass(frozen=True)
class Gap:
    """A stretch of a column's list no walk has read: below the row ``upper`` (None: from the
    top) down to the row ``lower`` (None: to the column's end).

    Where to find it again, so that a walk can go straight there (a column longer than the
    page cap is read to its end over several runs, each resuming where the last stopped):
    ``page``, the 0-based list page that held ``upper`` when a walk last saw it (rows published
    since only push it further down: a walk goes to the page above and reads down to it);
    ``anchors``, the rows read on that page down to ``upper`` (``upper`` last): any of them found
    again marks the place, even when ``upper`` itself was withdrawn since. A gap with no ``page``
    (from a store older than release 0.3.0) is reached by reading from the top.

    ``reason`` says why the walk could not read it: ``failed`` (a page failed), ``out_of_step``
    (a page served as it was before the latest publish, a redirect, another page's number),
    ``end_check`` (a short last page no page after it could vouch for), ``cut`` (a cap,
    ``since``, a stop, a doubted end)."""

    upper: str | None
    lower: str | None
    page: int | None = field(default=None, compare=False)
    anchors: tuple[str, ...] = field(default=(), compare=False)
    reason: GapReason = field(default="cut", compare=False)

    def as_json(self) -> list[object]:
        """The gap as stored (the Redis store's list; the SQLite store's columns in order)."""
        return [self.upper, self.lower, self.page, list(self.anchors), self.reason]

    @classmethod
    def from_json(cls, raw: list[object]) -> Gap:
        """A stored gap: ``[upper, lower]`` (Redis layout 3 and before) or :meth:`as_json`'s form.

        >>> Gap.from_json(["a", None]) == Gap("a", None)
        True
        >>> Gap.from_json(["a", "b", 4, ["z", "a"], "failed"]).anchors
        ('z', 'a')
        """
        upper, lower = raw[0], raw[1]
        if len(raw) < 5:
            return cls(_text(upper), _text(lower))
        page, anchors, reason = raw[2], raw[3], raw[4]
        return cls(
            _text(upper),
            _text(lower),
            page if isinstance(page, int) else None,
            tuple(str(a) for a in anchors) if isinstance(anchors, list) else (),
            reason if reason in GAP_REASONS else "cut",
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ColumnState:
    """What the store knows of a column's list, beyond its rows: read at a walk's start."""

    gaps: tuple[Gap, ...] = ()
    end_rows: int | None = None
    """Rows of the column when a walk last read it whole, to its end."""
    ended_at: str | None = None
    """When that walk was recorded."""
    last_audit: str | None = None
    """When a walk last read every list page of the column (an audit, or a whole walk)."""
    short_end: str | None = None
    """The last row before a doubted end (short of ``end_rows``, or before a pager's count),
    seen once: a second walk ending at the same row accepts the end."""
    withdrawn_since: int = 0
    """Dead links of the column found since ``ended_at``."""
    audit_started: str | None = None
    """When an audit walk that did not reach the column's end began (a cap, failed pages, a
    stop): later walks read on from where it stopped (its gap to the end), and the audit ends
    when one of them reaches the end. None: no audit under way."""


@dataclass(frozen=True)
class DeadLink:
    """A row whose article answered 404 or 410, with the row as it read then."""

    url: str
    column: str
    title: str | None
    row_date: str | None
    since: str

    def row_changed(self, title: str | None, row_date: str | None) -> bool:
        """The row now reads otherwise (a title or a date both known and different).

        >>> DeadLink("u", "/c/", "通知", "2026-01-02", "t").row_changed("通知（更正）", "2026-01-02")
        True
        >>> DeadLink("u", "/c/", None, None, "t").row_changed("通知", "2026-01-02")
        False
        """
        return bool(
            (title and self.title and title != self.title) or (row_date and self.row_date and row_date != self.row_date)
        )


@dataclass(frozen=True)
class WalkOutcome:
    """What a walk of a run that ended records (:meth:`Store.record_walk`)."""

    column: str
    seen: tuple[str, ...]
    """Rows it read: covered from now on; those not exported (nor dead links) become pending."""
    gaps: tuple[Gap, ...]
    """The column's gaps after this walk: they replace the stored ones."""
    complete: WalkRecord | None = None
    """Set for a complete walk: the column's last complete walk."""
    end_rows: int | None = None
    """Set when the walk read the column whole to its end: its rows then."""
    audited: bool = False
    """The column's audit clock restarts: an audit (possibly begun by earlier runs) reached the
    end, a walk read the column whole, or a walk reached its end for the first time."""
    audit_started: str | None = None
    """:attr:`ColumnState.audit_started` after this walk (None: no audit under way)."""
    short_end: str | None = None
    """The last row before a doubted end (:attr:`ColumnState.short_end`); None clears it."""


@dataclass(frozen=True)
class FeedWriter:
    """Who writes a feed file, as its manifest entry keeps it (Redis stores): the run's commit
    token (what the store records beside each revision the run commits) and the writing
    process, so that a run reconciling the file on the same host can tell whether its writer
    may still be alive."""

    token: str
    pid: int | None = None
    pid_start: int | None = None
    """The process's start time (clock ticks since boot, ``/proc/<pid>/stat``): a pid reused by
    another process is not the writer."""


@dataclass(frozen=True)
class FeedEntry:
    path: Path
    run: str
    opened: str
    closed: str | None
    reconciled_size: int
    host: str | None = None
    """The machine whose file system holds ``path`` (Redis stores); None: the store's own
    machine (SQLite)."""
    writer: FeedWriter | None = None
    """The run's commit token and process (Redis stores); None: SQLite, or an entry written by
    a release before commit tokens."""


# -- the interface both backends give the rules --------------------------------------------


class Lock(Protocol):
    """One run at a time per site: held for the life of a run, then released."""

    lost_reason: str | None
    """Why the lock was found lost (None: it was not)."""

    def release(self) -> None: ...
    def valid(self) -> bool:
        """This run may still act on the site's behalf, as far as the process knows (fencing: a
        lease found lost, or past its deadline, may not). Local: no round trip."""
        ...

    def confirm(self) -> bool:
        """:meth:`valid`, and the lock's server agrees (a Redis lease: its key still holds this
        run's value). The last check before a request leaves. Raises
        :class:`StoreUnavailable` when the server cannot be asked."""
        ...

    def when_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from any thread) once the lock is found lost: by a server-side
        check, a renewal that fails, or a deadline that passed."""
        ...


class Store(Protocol):
    """What :mod:`govnews.store.run` and :func:`reconcile` need of a state store:
    :class:`StateStore` (SQLite) and :class:`govnews.store.redis.RedisStateStore` (Redis).

    ``host`` is the machine this store's feed files are on: manifest entries of other
    hosts are never read here (None: every entry is local, as with SQLite)."""

    host: str | None
    keeps_commits: bool
    """True (Redis): the store remembers which run committed each revision
    (:meth:`commit`), and reconciliation cuts from a feed every line its run did not commit.
    False (SQLite): the store's ``flock`` guarantees that the writer of an open feed is dead,
    and reconciliation records what the store does not know (roll forward)."""

    @property
    def path(self) -> Path | str:
        """How messages name the store: the SQLite file, or ``redis://host:port/db (site …)``."""
        ...

    def get(self, url: str) -> Record | None: ...
    def __contains__(self, url: object) -> bool: ...
    def __len__(self) -> int: ...
    def record(self, records: Iterable[Record], changes: Iterable[ChangeEntry] = ()) -> None: ...
    def commit(self, records: Iterable[Record], token: str, changes: Iterable[ChangeEntry] = ()) -> None:
        """Record ``records`` as exported by the run ``token``, and ``changes`` into the
        outbox (each setting its article's status): the commit point of an export and of its
        change records. All or nothing; raises :class:`LeaseLost` when the run's lease is not
        the server's (nothing committed), and :class:`CommitRefused` when a revision was
        committed by another run already."""
        ...

    def undelivered(self) -> list[ChangeEntry]:
        """Change records committed and not yet marked written to their feed, oldest first
        (every host's: the caller keeps its own)."""
        ...

    def delivered(self, keys: Iterable[str]) -> None:
        """The change records ``keys`` are in their feed, synced: out of the outbox."""
        ...

    def fill_fields(self, url: str, fields: bytes, digest: str) -> None:
        """Keep ``fields`` and their ``digest`` for the article's current revision, in place
        (no revision): an article recorded before they were kept, or whose fields changed in a
        way no reader sees (a checksum learnt)."""
        ...

    def fill_fields_many(self, rows: Iterable[tuple[str, bytes, str]]) -> None:
        """:meth:`fill_fields` of many articles (``url, fields, digest``), in one transaction."""
        ...

    def note_rows(self, rows: Iterable[RowSeen]) -> None:
        """What walks read of known articles' rows (their column, title and date)."""
        ...

    def set_candidates(self, marks: Iterable[tuple[str, ArticleStatus | None]]) -> None:
        """A first look's verdict (``withdrawn``, ``unlisted``) for a second look to confirm,
        or None to clear it."""
        ...

    def articles(self, column: str | None = None) -> Iterator[Record]:
        """Every known article (of ``column``), without its packed fields."""
        ...

    def committed(self, token: str, lines: Sequence[tuple[str, int]]) -> list[bool]:
        """For each ``(url, revision)``: the run ``token`` committed it (or it predates commit
        records: see the backend)."""
        ...

    def first_url(self, content_hash: str) -> str | None: ...
    def touch(self, urls: Iterable[str]) -> None: ...
    def is_due_for_refresh(self, record: Record, refresh_days: int, today: date) -> bool: ...
    def covered(self, column: str, urls: Iterable[str]) -> set[str]: ...
    def column_state(self, column: str) -> ColumnState: ...
    def record_walk(self, outcome: WalkOutcome) -> int: ...
    def dead_link(self, url: str) -> DeadLink | None: ...
    def mark_dead(self, links: Iterable[DeadLink]) -> None: ...
    def dead_links(self) -> list[DeadLink]: ...
    @property
    def store_id(self) -> str: ...
    def last_walk(self, column: str) -> WalkRecord | None: ...
    def walks(self) -> list[WalkRecord]: ...
    def reset_column(self, column: str) -> None: ...
    def pending(self, columns: Iterable[str]) -> list[tuple[str, str, int, str]]: ...
    def count_attempt(self, urls: Iterable[str]) -> None: ...
    def give_up(self, urls: Iterable[str]) -> None: ...
    def open_feed(self, path: Path, run: str, size: int = 0, writer: FeedWriter | None = None) -> None: ...
    def close_feeds(self, run: str) -> None: ...
    def feeds(self, *, open_only: bool = False) -> list[FeedEntry]: ...
    def mark_reconciled(self, entry: FeedEntry, size: int, *, closed: bool) -> None: ...
    def note(self, event: dict[str, Any]) -> None:
        """Add a run's start or end to the store's run history (a Redis store's, which every
        host sees; SQLite's history is the host's ``runs.jsonl``: nothing here)."""
        ...

    def history(self, count: int = 10) -> list[dict[str, Any]]:
        """The newest events of the store's run history (none for SQLite)."""
        ...

    def attachment(self, url: str) -> AttachmentRecord | None: ...
    def record_attachments(self, records: Iterable[AttachmentRecord]) -> None: ...
    def close(self) -> None: ...


def due_for_refresh(record: Record, refresh_days: int, today: date) -> bool:
    """Published within the last ``refresh_days`` days (an unknown date counts as due).

    >>> due_for_refresh(Record("u", "h", 1, "2026-11-30"), 3, date(2026, 12, 1))
    True
    >>> due_for_refresh(Record("u", "h", 1, "2026-11-01T08:00:00+08:00"), 3, date(2026, 12, 1))
    False
    """
    if refresh_days <= 0:
        return False
    if not record.published_at:
        return True
    try:
        published = date.fromisoformat(record.published_at[:10])
    except ValueError:
        return True
    return published >= today - timedelta(days=refresh_days)


# -- the lock ----------------------------------------------------------------------------


class StoreError(RuntimeError):
    """A store that cannot be used as it is (a newer schema, a store that vanished); the
    message says what is wrong and what to do."""


class StoreUnavailable(StoreError):
    """The store's server cannot be reached, refuses the credentials, or went away mid-run.
    The message names the store (never a password) and the reason."""


class StoreMissing(StoreError):
    """A Redis store that does not exist: never created (``scrapy govnews-state --init-store``,
    or ``-a new_store=1``), or lost by Redis (wiped, restarted without persistence, evicted).
    A run refuses it (exit code 8) rather than start over in silence."""


class LeaseLost(RuntimeError):
    """This run's lease on the site's store ended (another run may hold it now): the store
    refuses to write."""


class CommitRefused(LeaseLost):
    """A revision this run meant to commit was committed by another run already: nothing of
    the batch is committed (no revision is committed by two runs)."""


class StoreLocked(RuntimeError):
    """Another live process holds the store; the message names it (pid, start time, and
    its host and lease for a Redis store)."""

    def __init__(self, path: Path | str, holder: dict[str, object], *, lease_seconds: float | None = None) -> None:
        self.path = path
        self.holder = holder
        pid = holder.get("pid", "?")
        started = holder.get("started", "?")
        host = f" on {holder['host']}" if holder.get("host") else ""
        lease = f"; if it died, its lease ends within {lease_seconds:.0f} s" if lease_seconds is not None else ""
        super().__init__(
            f"the state store {path} is in use by another run (pid {pid}{host}, started {started}{lease}); "
            "one run at a time per site: wait for it to end"
        )
