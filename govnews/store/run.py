"""One run's view of the store, Scrapy-free: which rows it fetches, what it records, and when
its lease lets it act.

:class:`IncrementalRun` applies the walk rule (:mod:`govnews.store.walk`, one
:class:`~govnews.store.walk.ColumnWalk` per column) for one run: it reads what the store knows
(covered rows, open gaps, owed rows, dead links, known articles), classifies each article as
new, changed or unchanged, commits what the feeds hold once they are on disk, and at the end
records each walk. It fences every write and every request on the run's lease
(:meth:`IncrementalRun.lease_valid`, :meth:`IncrementalRun.lease_confirmed`). The store is
either backend of :class:`govnews.store.Store` (SQLite, or Redis with ``REDIS_URL``).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from govnews.changes import Diff, change_record, diff, pack, revision_digest, unpack
from govnews.store import (
    ArticleStatus,
    AttachmentRecord,
    ChangeEntry,
    ColumnState,
    DeadLink,
    LeaseLost,
    Lock,
    Record,
    RowSeen,
    Store,
    StoreUnavailable,
    WalkOutcome,
    WalkRecord,
    utc_stamp,
)
from govnews.store.journal import deliver_changes, fsync_file, this_writer
from govnews.store.recheck import Known, RecheckPolicy, choose
from govnews.store.walk import ColumnWalk

RowAction = Literal["fetch", "refresh", "known"]
# A row pending this many runs, for at least this long, is given up (logged, counted).
PENDING_MAX_ATTEMPTS = 10
PENDING_MAX_AGE = timedelta(days=7)
_T = TypeVar("_T")


UNLISTED_SHARE_MAX = 0.5
"""A whole walk that misses more than this share of a column's known articles (and more than
a handful) names none of them a candidate: a site serving a stub list is not a mass removal."""


@dataclass(frozen=True)
class Classified:
    """What an extracted article is to the store."""

    status: Literal["new", "changed", "unchanged"]
    revision: int | None
    changes: tuple[str, ...] = ()
    """Kinds of the change records the article's export carries (``restored``, ``edited``)."""


@dataclass(frozen=True)
class ArticleFacts:
    """What a change record says of its article besides the change: the feed's names for it."""

    site: str
    section_path: str
    title: str


class IncrementalRun:
    """One run's side of the walk rule and the store.

    Without a store (``incremental=0``, or before :meth:`attach`) it still tracks the
    walks (for the stats and the end of each column) but every row is fetched and nothing
    is recorded.
    """

    def __init__(self, run_id: str, *, refresh_days: int = 0, today: date | None = None) -> None:
        self.run_id = run_id
        self.refresh_days = refresh_days
        self.today = today or datetime.now(UTC).date()
        self.store: Store | None = None
        self.lock: Lock | None = None
        self.columns: dict[str, ColumnWalk] = {}
        self.pending_batch: list[Record] = []
        self.dead: dict[str, DeadLink] = {}
        """Articles whose page answered 404 or 410 in this run: dead links, not owed."""
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.feed_files: list[IO[bytes]] = []
        """Local feed files of this run, synced to disk before what they hold is recorded."""
        self.token = uuid.uuid4().hex
        """What the store notes beside each revision this run commits (:meth:`flush`), and the
        manifest beside each feed it writes: reconciliation keeps a line only if its run
        committed it (docs/distributed.md)."""
        self._committed_size: dict[IO[bytes], int] = {}
        """Per feed file, its size when the store last committed what it holds: what lies beyond
        is cut if its commit fails (:meth:`cut_uncommitted`)."""
        self.lease_lost = False
        """Set once the run's lease on its site is found lost (fencing: see :meth:`lease_valid`)."""
        self._lease_listeners: list[Callable[[], None]] = []
        self.items_cut = 0
        """Items whose lines this run cut from its feeds because their commit failed (:meth:`cut_uncommitted`)."""
        self.store_lost: StoreUnavailable | None = None
        """Set when the store's server went away mid-run: nothing more is asked of it, no row
        is fetched any more, and the run stops (``on_store_lost``)."""
        self.on_store_lost: Callable[[StoreUnavailable], None] | None = None
        # -- changes (issue 29) --
        self.site: str | None = None
        """The site's name in the feed (``Article.site``), for change records of articles not read."""
        self.changes_path: Path | None = None
        """This run's changes feed (``<output>/<spider>/changes/…``), created at its first line."""
        self.changes_written = 0
        self.committed_kinds: Counter[str] = Counter()
        """Change records committed by this run, by kind."""
        self._change_count = 0
        self._item_changes: dict[tuple[str, int], list[ChangeEntry]] = {}
        """Change records of items classified and not yet exported, by ``(url, revision)``."""
        self.pending_changes: list[ChangeEntry] = []
        """Change records committed with the next batch (those of its items, and status changes)."""
        self.facts: dict[str, ArticleFacts] = {}
        """What the run read of articles it may report (site, column, latest title)."""
        self.gone: dict[str, str] = {}
        """Known articles whose page answered 404, 410 or a soft 404 in this run (the reason)."""
        self.answered: set[str] = set()
        """Known articles whose page answered (an article, or 304) in this run."""
        self.second_looks: dict[str, ArticleStatus] = {}
        """Candidates this run looked at again, with the status a first look found."""
        self.relisted: set[str] = set()
        """Known articles off their list (or candidates for it) whose row a walk read again."""
        self.rows_seen: dict[str, RowSeen] = {}
        """Known articles' rows read that differ from what the store has of them."""
        self.unlisted_skipped: dict[str, int] = {}
        """Columns whose whole walk missed too many known articles to name them candidates."""
        self.restored: set[str] = set()
        """Articles whose ``restored`` record went with their new revision."""
        self.columns_in_trouble: set[str] = set()
        """Columns most of whose known pages asked this run were gone: no verdict there."""
        self._start_articles: list[Record] | None = None
        self.replaced_files: dict[str, str] = {}
        """File URL → the SHA-256 a re-check found it serving, other than the store's."""
        self.judges_the_site = True
        """False for a replay: it reads an archive, not the site now (no status, no row, no
        candidate from it)."""
        self.settled_records: list[dict[str, Any]] = []
        """The records of the verdicts this run committed at its end (withdrawn, unlisted, and
        restored articles that came back unchanged): those no exported article carries, for the
        feeds that show them (:class:`govnews.feeds.atom.AtomStatusEntries`)."""
        self._settled_keys: set[str] = set()

    def _guard(self, call: Callable[[], _T], default: _T) -> _T:
        """``call()`` on the store; ``default`` (and the run told, once) when its server is gone
        or its lease is found lost."""
        if self.store_lost is not None:
            return default
        try:
            return call()
        except StoreUnavailable as error:
            self._lose(error)
            return default
        except LeaseLost:
            self.lose_lease()
            return default

    def _lose(self, error: StoreUnavailable) -> None:
        if self.store_lost is None:
            self.store_lost = error
            if self.on_store_lost is not None:
                self.on_store_lost(error)

    # -- the store ------------------------------------------------------------------

    def attach(self, store: Store, lock: Lock) -> None:
        """Use ``store`` (either backend, :class:`govnews.store.Store`), whose ``lock`` this run
        acts under (taken for it: :mod:`govnews.store.lease`); :meth:`close` closes the store.
        Whoever finds the lock lost (its renewal, a store write, a check) stops the run (:meth:`when_lease_lost`)."""
        self.store = store
        self.lock = lock
        lock.when_lost(self.lose_lease)

    def when_lease_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the run's lease is found lost, from the thread that found it
        (the lease's renewal thread, a signal handler, the crawl's own): it must only hand the
        work over to the crawl's thread."""
        self._lease_listeners.append(callback)
        if self.lease_lost:
            callback()

    def lose_lease(self) -> None:
        """The lease is lost (any sign: a server-side check, a renewal that failed, a deadline
        passed): nothing more is asked or written on its authority; the listeners are told
        once. Safe from any thread."""
        if self.lease_lost:
            return
        self.lease_lost = True
        for callback in list(self._lease_listeners):
            callback()

    def lease_valid(self) -> bool:
        """This run may still act for its site: no lock (``incremental=0``, a probe), a held
        ``flock``, or a Redis lease not found lost and before its deadline. Local, no round
        trip. The first time it is not, the run is told and stops: a worker whose lease is
        lost makes no request and writes no line, whatever it was doing when it was paused."""
        if self.lease_lost:
            return False
        if self.lock is None or self.lock.valid():
            return True
        self.lose_lease()
        return False

    def lease_confirmed(self) -> bool:
        """:meth:`lease_valid`, and the lock's server agrees (one round trip for a Redis lease):
        the last check before a request's bytes leave. A server that cannot be asked stops the
        run as a store that went away does (nothing is sent)."""
        if not self.lease_valid():
            return False
        if self.lock is None:
            return True
        try:
            if self.lock.confirm():
                return True
        except StoreUnavailable as error:
            self._lose(error)
            return False
        self.lose_lease()
        return False

    def feed_opened(self, path: Path, size: int = 0, file: IO[bytes] | None = None, *, journaled: bool = True) -> None:
        """A local feed file of this run opened: a JSON Lines one joins the store's journal
        (from byte ``size`` on, with this run's commit token and process); every one is synced
        to disk before a batch is committed, and cut back when a commit fails."""
        if file is not None:
            self.feed_files.append(file)
            self._committed_size[file] = size
        if self.store is not None and journaled:
            store = self.store
            if self.store_lost is not None:
                raise self.store_lost  # a feed the journal cannot list is never written to
            try:
                store.open_feed(path, self.run_id, size, this_writer(self.token))
            except StoreUnavailable as error:
                self._lose(error)
                raise
            except LeaseLost:
                self.lose_lease()
                raise

    def feed_closed(self, file: IO[bytes]) -> None:
        if file in self.feed_files:
            self.feed_files.remove(file)
        self._committed_size.pop(file, None)

    # -- walks ----------------------------------------------------------------------

    def begin(
        self, column: str, *, limit: int, audit: bool = False, since: date | None = None, resumes: bool = True
    ) -> ColumnWalk:
        """Start ``column``'s walk (what the store knows of it is read once, here). ``resumes``:
        the walk may go straight to an open gap's place (not for a ``max_pages`` sample)."""
        store = self.store
        state = self._guard(lambda: store.column_state(column), ColumnState()) if store is not None else ColumnState()
        since = None if audit else since
        walk = ColumnWalk(column, limit=limit, state=state, audit=audit, since=since, resumes=resumes and since is None)
        self.columns[column] = walk
        return walk

    def walk(self, column: str) -> ColumnWalk:
        if column not in self.columns:
            return self.begin(column, limit=1 << 30)
        return self.columns[column]

    def audit_due(self, column: str, days: int) -> bool:
        """True when ``column``'s audit clock ran out: ``days`` days since its last audit, or
        since its first walk reached the end (whole or not: a failed page does not stop the
        clock). Never with ``days`` 0 or without a store; not while the column was never walked
        to its end (walks go on toward it, run after run) or an audit begun less than ``days``
        ago is under way (walks read on from where it stopped)."""
        store = self.store
        if store is None or days <= 0:
            return False
        state = self._guard(lambda: store.column_state(column), ColumnState())
        due = utc_stamp(datetime.now(UTC) - timedelta(days=days))
        if state.audit_started is not None and state.audit_started > due:
            return False
        return state.last_audit is not None and state.last_audit <= due

    def row(
        self, column: str, url: str, title: str | None = None, row_date: str | None = None
    ) -> tuple[RowAction, Record | None]:
        """A wanted row of ``column``'s list: fetch it (new; or a dead link whose row changed,
        or met by an audit), refresh it (known, in the refresh window) or leave it (known)."""
        walk = self.walk(column)
        store = self.store
        if store is None:
            return "fetch", None
        known: tuple[RowAction, Record | None] = ("known", None)
        return self._guard(lambda: self._row(store, walk, url, title, row_date), known)

    def _row(
        self, store: Store, walk: ColumnWalk, url: str, title: str | None, row_date: str | None
    ) -> tuple[RowAction, Record | None]:
        record = store.get(url)
        if record is None:
            dead = store.dead_link(url)
            if dead is None:
                return "fetch", None
            if walk.in_audit or dead.row_changed(title, row_date):
                return "fetch", None
            return "known", None
        row_changed = self._row_read(walk.column, record, title, row_date)
        if record.status != "listed" or record.candidate == "unlisted":
            # Its row is back on the list: fetched again, to report it restored (and any edit).
            self.relisted.add(url)
            if record.status != "listed":
                return "fetch", record
        if row_changed:
            # A retitled or re-dated row: the article is asked again (an unchanged page answers 304).
            return "refresh", record
        if walk.audit:
            return "known", record
        if store.is_due_for_refresh(record, self.refresh_days, self.today):
            return "refresh", record
        return "known", record

    def _row_read(self, column: str, record: Record, title: str | None, row_date: str | None) -> bool:
        """Note a known article's row as read; True when it reads otherwise than the store's (a
        title or a date both known and different)."""
        changed = bool(
            (title and record.row_title and title != record.row_title)
            or (row_date and record.row_date and row_date != record.row_date)
        )
        now = (column, title or record.row_title, row_date or record.row_date)
        if (record.column, record.row_title, record.row_date) != now:
            self.rows_seen[record.url] = RowSeen(record.url, column, title, row_date)
        return changed

    def dead_link(self, url: str) -> DeadLink | None:
        store = self.store
        return self._guard(lambda: store.dead_link(url), None) if store is not None else None

    def covered(self, column: str, urls: Sequence[str]) -> set[str]:
        """Those of ``urls`` a walk of ``column`` has read (none without a store)."""
        store = self.store
        if store is None or not urls:
            return set()
        # With the store gone, every row counts as read: the walk stops where it stands.
        return self._guard(lambda: store.covered(column, urls), set(urls))

    def refresh_reaches_past(self, dates: Sequence[str | None]) -> bool:
        """True when the refresh window may hold articles below a page of these dates."""
        if not self.refresh_days:
            return False
        dated = [d for d in dates if d]
        if not dated:
            return True
        try:
            oldest = date.fromisoformat(dated[-1][:10])
        except ValueError:
            return True
        return oldest >= self.today - timedelta(days=self.refresh_days)

    # -- pending rows ---------------------------------------------------------------

    def pending(self, columns: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """Rows owed in ``columns``: ``([(url, column)] to fetch again, [urls] given up)``.
        Each call counts one attempt."""
        store = self.store
        if store is None:
            return [], []
        nothing: tuple[list[tuple[str, str]], list[str]] = ([], [])
        return self._guard(lambda: self._pending(store, columns), nothing)

    def _pending(self, store: Store, columns: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
        oldest = utc_stamp(datetime.now(UTC) - PENDING_MAX_AGE)
        owed = store.pending(columns)
        given_up: list[str] = []
        retry: list[tuple[str, str]] = []
        for url, column, attempts, since in owed:
            if attempts >= PENDING_MAX_ATTEMPTS and since <= oldest:
                given_up.append(url)
            else:
                retry.append((url, column))
        if given_up:
            store.give_up(given_up)
        store.count_attempt(u for u, _ in retry)
        return retry, given_up

    def article_gone(
        self,
        url: str,
        column: str | None,
        title: str | None = None,
        row_date: str | None = None,
        *,
        reason: str = "http_404",
    ) -> bool:
        """The article's page answered 404 or 410 (or a soft 404: ``reason``): a dead link, owed
        no more. True for a known article: its page gone is a first (or second) look at a
        withdrawal, no failure."""
        if self.known_record(url) is not None:
            self.gone[url] = reason
            return True
        if reason != "soft_404":
            self.dead[url] = DeadLink(url, column or "", title, row_date, utc_stamp())
        return False

    def _articles_at_start(self, store: Store) -> list[Record]:
        """Every known article as the run found the store (read once: the second looks and the
        re-checks are both chosen from it before any request)."""
        if self._start_articles is None:
            nothing: list[Record] = []
            self._start_articles = self._guard(lambda: list(store.articles()), nothing)
        return self._start_articles

    def rechecks(self, columns: Iterable[str], policy: RecheckPolicy) -> list[Record]:
        """Known articles of ``columns`` this run asks again, conditionally (an unchanged page
        answers 304), by age under the policy's budget (:mod:`govnews.store.recheck`): how edits
        of pages no row points to any more are found, 有效性 changes of old policies included.
        Withdrawn articles and this run's second looks are not among them."""
        store = self.store
        if store is None or policy.budget <= 0:
            return []
        wanted = set(columns)
        eligible = {
            r.url: r
            for r in self._articles_at_start(store)
            if (r.column in wanted or r.column is None) and r.status != "withdrawn" and r.url not in self.second_looks
        }
        chosen = choose(
            (Known(r.url, r.column, r.published_at, r.checked) for r in eligible.values()), datetime.now(UTC), policy
        )
        return [eligible[k.url] for k in chosen]

    def second_look_requests(self, columns: Iterable[str]) -> list[tuple[Record, ArticleStatus]]:
        """Known articles of ``columns`` a first look found withdrawn or unlisted: this run looks
        again (their verdict is given at :meth:`finish`)."""
        store = self.store
        if store is None:
            return []
        wanted = set(columns)
        found: list[tuple[Record, ArticleStatus]] = []
        for record in self._articles_at_start(store):
            if record.candidate is not None and record.column in wanted:
                self.second_looks[record.url] = record.candidate
                found.append((record, record.candidate))
        return found

    # -- items ----------------------------------------------------------------------

    def classify(
        self,
        url: str,
        content_hash: str | None,
        fields: dict[str, object] | None = None,
        facts: ArticleFacts | None = None,
    ) -> Classified:
        """New, changed or unchanged, for the store, with the change records its export
        carries. Changed means a field a user diffs changed (:func:`govnews.changes.diff`):
        ``fields`` are the item's :func:`~govnews.changes.revision_fields`; without them (or for
        an article recorded before fields were kept, whose ``content_hash`` changed), the
        ``content_hash`` decides. An article off its list or withdrawn whose page answers is
        ``restored``, and an edit found with it follows at revision + 1. Raises
        :class:`StoreUnavailable` when the store's server is gone: an item that cannot be
        classified is not exported."""
        store = self.store
        if store is None:
            return Classified("new", None)
        if self.store_lost is not None:
            raise self.store_lost
        try:
            known = store.get(url)
            if known is None:
                return Classified("new", 1)
            return self._classify_known(store, known, content_hash, fields, facts)
        except StoreUnavailable as error:
            self._lose(error)
            raise

    def _classify_known(
        self,
        store: Store,
        known: Record,
        content_hash: str | None,
        fields: dict[str, object] | None,
        facts: ArticleFacts | None,
    ) -> Classified:
        url = known.url
        self.answered.add(url)
        if facts is not None:
            self.facts[url] = facts
        restored = self.judges_the_site and (
            known.status == "withdrawn" or (known.status == "unlisted" and url in self.relisted)
        )
        kinds: tuple[str, ...] = ("restored",) if restored else ()
        change: Diff | None = None
        digest = revision_digest(fields) if fields is not None else None
        if fields is None or digest is None:
            unchanged = known.content_hash == content_hash
        elif known.fields is None or known.fields_digest is None:
            # Recorded by a release that kept no fields: the content hash decides, and the fields are
            # kept in place from now on (an unchanged article is not exported again).
            unchanged = known.content_hash == content_hash
            if unchanged:
                store.fill_fields(url, pack(fields), digest)
        elif known.fields_digest == digest:
            unchanged = True
        else:
            try:
                change = diff(unpack(known.fields), fields)
            except ValueError:
                change = None  # a kept revision that cannot be read: the fields decide, no record
                unchanged = False
            else:
                unchanged = change is None
            if unchanged:
                # Only what no reader sees moved (a file's checksum learnt): kept, no revision.
                store.fill_fields(url, pack(fields), digest)
        if unchanged:
            store.touch([url])
            # Restored at the end of the run (:meth:`_settle_statuses`), whatever answered (a 304 too).
            return Classified("unchanged", known.revision)
        revision = known.revision + 1
        entries: list[ChangeEntry] = []
        if restored:
            entries.append(self._entry("restored", known, known.revision, facts))
            self.restored.add(url)
        if change is not None:
            entries.append(self._entry("edited", known, revision, facts, change))
            kinds += ("edited",)
        self._item_changes[(url, revision)] = entries
        return Classified("changed", revision, kinds)

    def _entry(
        self, kind: str, known: Record, revision: int, facts: ArticleFacts | None, change: Diff | None = None
    ) -> ChangeEntry:
        """A change record of this run, for the outbox."""
        facts = facts or self.facts.get(known.url) or self._facts_of(known)
        line = change_record(
            kind,
            url=known.url,
            site=facts.site,
            section_path=facts.section_path,
            title=facts.title,
            revision=revision,
            previous_revision=known.revision if kind == "edited" else None,
            detected_at=datetime.now(UTC),
            diff=change,
        )
        self._change_count += 1
        return ChangeEntry(
            f"{self.token}:{self._change_count}",
            known.url,
            kind,
            revision,
            json.dumps(line, ensure_ascii=False),
            str(self.changes_path) if self.changes_path is not None else None,
            self.store.host if self.store is not None else None,
        )

    def _facts_of(self, known: Record) -> ArticleFacts:
        """An article's names from what the store kept: its last exported title (or its row's)."""
        kept = self.kept_fields(known.url)
        title = str(kept.get("title") or known.row_title or known.url)
        return ArticleFacts(self.site or "", known.column or "/", title)

    def known_record(self, url: str) -> Record | None:
        """The store's record of the article at ``url`` (None: unknown, or no store)."""
        store = self.store
        return self._guard(lambda: store.get(url), None) if store is not None else None

    def kept_fields(self, url: str, record: Record | None = None) -> dict[str, object]:
        """The fields of the article's last exported revision, as the store keeps them ({} when it
        keeps none). ``record``: the article's, when read already with its fields (one read
        among all the articles, :meth:`Store.articles`, comes without them: read here)."""
        if record is None or record.fields is None:
            record = self.known_record(url)
        if record is None or record.fields is None:
            return {}
        try:
            return unpack(record.fields)
        except ValueError:
            return {}

    def known_files(self, url: str) -> list[AttachmentRecord]:
        """The files the article's last exported revision linked, as last downloaded (those a
        run downloaded): what a re-check whose page answered 304 asks again, conditionally."""
        linked = self.kept_fields(url).get("attachments") or {}
        assert isinstance(linked, dict)
        files = [self.known_attachment(str(file_url)) for file_url in linked]
        return [f for f in files if f is not None]

    def known_attachment(self, url: str) -> AttachmentRecord | None:
        """The file at ``url`` as a run last downloaded it (None without a store)."""
        store = self.store
        return self._guard(lambda: store.attachment(url), None) if store is not None else None

    def known_checksum(self, url: str) -> str | None:
        """The SHA-256 the file at ``url`` is taken to have when an article is compared: what a
        re-check of this run found it serving, else what a run last downloaded (None: unknown)."""
        if (served := self.replaced_files.get(url)) is not None:
            return served
        record = self.known_attachment(url)
        return record.sha256 if record is not None else None

    def remember_attachments(self, records: Sequence[AttachmentRecord]) -> bool:
        """Keep what was downloaded (validators, checksum, text), so that the next run asks
        for each file only with a conditional request. A file is not an export: recording
        it before the article's line is written loses nothing (a run killed between the two
        exports the article again, and its files answer 304). False when nothing could be
        kept (no store, the store gone, the lease lost): the next run downloads them again."""
        store = self.store
        if store is None or not records or not self.lease_valid():
            return False
        return self._guard(lambda: _attachments_recorded(store, records), False)

    def touch(self, url: str) -> None:
        """``url`` was seen again unchanged (a 304): the store notes when (nothing once the
        store or the lease is lost)."""
        store = self.store
        self.answered.add(url)
        if store is not None and self.lease_valid():
            self._guard(lambda: store.touch([url]), None)

    def first_url(self, content_hash: str) -> str | None:
        """The URL earlier runs first exported with this content."""
        store = self.store
        return self._guard(lambda: store.first_url(content_hash), None) if store is not None else None

    def export_records(self, url: str, revision: int) -> list[dict[str, Any]]:
        """The change records the export of the article's ``revision`` carries (``restored``,
        ``edited``; none for a first export or an unchanged one), as the changes feed has them:
        for a feed that shows them beside the article (:class:`govnews.feeds.atom.AtomItemExporter`).
        Asked while the feeds write the item, before it is recorded (:meth:`exported`)."""
        return [json.loads(entry.line) for entry in self._item_changes.get((url, revision), ())]

    def exported(self, record: Record) -> None:
        """The feed holds the item: remember it, and the change records it carries (batched;
        :meth:`flush`)."""
        if self.store is not None:
            self.pending_batch.append(record)
            self.pending_changes.extend(self._item_changes.pop((record.url, record.revision), ()))

    def flush(self) -> int:
        """Commit the batch, once the feed files that hold it are on disk (``fsync``): an item
        the store knows as exported is never lost with a power cut. The store is the commit
        point: a batch the store refuses (the lease is not the server's, or another run
        committed one of its revisions), or that cannot be committed any more (the lease or
        the store already lost), is cut from the feeds at once; a commit whose answer never
        came may have happened, and stays for the next reconciliation of the feed to judge."""
        store = self.store
        if store is None or not (self.pending_batch or self.pending_changes):
            return 0
        batch, self.pending_batch = self.pending_batch, []
        changes, self.pending_changes = self.pending_changes, []
        if self.store_lost is not None or not self.lease_valid():
            self.cut_uncommitted(len(batch))
            return 0
        for file in self.feed_files:
            file.flush()
            fsync_file(file)
        try:
            store.commit(batch, self.token, changes)
        except LeaseLost:
            self.cut_uncommitted(len(batch))
            self.lose_lease()
            return 0
        except StoreUnavailable as error:
            self._settle_sizes()  # committed or not: not this run's to cut
            self._lose(error)
            return 0
        self._settle_sizes()
        self.committed_kinds.update(entry.kind for entry in changes)
        self.settled_records += [json.loads(e.line) for e in changes if e.key in self._settled_keys]
        if changes:
            # Committed: now written to the changes feed (what a kill keeps from it, the next
            # run on this host writes: deliver_owed).
            self._guard(lambda: self._deliver(changes, check=False), None)
        return len(batch)

    def _deliver(self, entries: Sequence[ChangeEntry], *, check: bool) -> None:
        store = self.store
        if store is None or not entries or not self.lease_valid():
            return
        written = deliver_changes(entries, self.changes_path, host=store.host, check=check)
        if written:
            store.delivered(entry.key for entry, _ in written)
            self.changes_written += sum(1 for _, new in written if new)

    def deliver_owed(self) -> int:
        """Write the change records earlier runs committed and did not write (killed between the
        two) to their feeds, or to this run's for those without one; before this run writes
        any. Returns how many lines were written."""
        store = self.store
        if store is None:
            return 0
        before = self.changes_written
        nothing: list[ChangeEntry] = []
        owed = self._guard(store.undelivered, nothing)
        self._guard(lambda: self._deliver(owed, check=True), None)
        return self.changes_written - before

    def _settle_sizes(self) -> None:
        for file in self.feed_files:
            with contextlib.suppress(OSError, ValueError):
                self._committed_size[file] = os.fstat(file.fileno()).st_size

    def cut_uncommitted(self, items: int = 0) -> None:
        """Cut every feed file of this run back to what the store committed: the lines written
        since (``items`` of them: their commit failed or can no longer happen) go, as a failed
        write is cut."""
        for file in self.feed_files:
            try:
                descriptor = file.fileno()
                size = os.fstat(descriptor).st_size
            except (OSError, ValueError):
                continue
            target = min(self._committed_size.get(file, size), size)
            if target >= size:
                continue
            os.ftruncate(descriptor, target)
            os.lseek(descriptor, target, os.SEEK_SET)
            fsync_file(file)
        self.items_cut += items

    def finish(self, finished: bool) -> dict[str, int]:
        """End of the run: record what is left, then each walk (what it covered and the gaps it
        leaves; a run that did not finish cuts its walks where they stood); close this run's
        feeds and release the store. Returns counts for the stats."""
        counts = {
            "recorded": self.flush(),
            "complete_walks": 0,
            "incomplete_walks": 0,
            "made_pending": 0,
            "gaps_open": 0,
        }
        if self.store is None or self.store_lost is not None or self.lease_lost:
            # Nothing recorded: the next run walks again and settles this run's feeds.
            return counts
        return self._guard(lambda: self._finish(finished, counts), counts)

    def _finish(self, finished: bool, counts: dict[str, int]) -> dict[str, int]:
        assert self.store is not None
        if self.dead:
            self.store.mark_dead(self.dead.values())
        now = utc_stamp()
        for walk in self.columns.values():
            if not finished:
                walk.stop()
            if not walk.list_pages:
                continue
            complete = walk.complete
            whole = walk.reached_end and walk.contiguous_from_top and not walk.doubted_end
            gaps = walk.gaps_after()
            audited = walk.starts_audit_clock
            audit_started = walk.state.audit_started
            if audited:
                audit_started = None
            elif walk.audit:
                audit_started = walk.started  # cut short: later walks read on from where it stopped
            outcome = WalkOutcome(
                column=walk.column,
                seen=tuple(walk.seen),
                gaps=tuple(gaps),
                complete=WalkRecord(walk.column, self.run_id, now, walk.list_pages, len(walk.seen), walk.end or "")
                if complete and walk.end is not None
                else None,
                end_rows=len(walk.seen) if whole else None,
                audited=audited,
                short_end=walk.last_row if walk.doubted_end else None,
                audit_started=audit_started,
            )
            counts["made_pending"] += self.store.record_walk(outcome)
            counts["complete_walks" if complete else "incomplete_walks"] += 1
            counts["gaps_open"] += len(gaps)
        self._settle_statuses(finished, counts)
        self.store.close_feeds(self.run_id)
        return counts

    # -- withdrawals ----------------------------------------------------------------

    def _pages_in_trouble(self, records: dict[str, Record]) -> set[str]:
        """Columns where most known articles asked this run were gone (more than half of those
        that answered or were gone, and more than five): a server answering 404 for pages that
        are there, not a mass withdrawal. Such a column confirms nothing and names no candidate
        this run (logged, ``govnews/changes/pages_in_trouble``)."""
        gone: Counter[str] = Counter()
        asked: Counter[str] = Counter()
        for url in (*self.gone, *self.answered):
            record = records.get(url)
            if record is not None and record.column is not None:
                asked[record.column] += 1
                gone[record.column] += url in self.gone
        trouble = {c for c, n in gone.items() if n > 5 and n > UNLISTED_SHARE_MAX * asked[c]}
        self.columns_in_trouble.update(trouble)
        return trouble

    def _off_the_list(self, walk: ColumnWalk, known: Sequence[Record]) -> list[str]:
        """Known listed articles of the walk's column whose row the walk should have read and did
        not: every one, for a walk that read the column whole (top to end, no failed page, no
        doubt, not a sample); for a walk that read its first pages without a failure, those
        whose row (as a walk last read it) is dated after the oldest row read (lists run newest
        first, so such a row stands above where the walk stopped; rows pinned above the newest
        ones are not the order, and a list out of date order tells nothing). None when that is more than
        half of them, and more than five: a list served as a stub is not a mass removal."""
        if not walk.reads or not walk.contiguous_from_top:
            return []
        listed = [r for r in known if r.status == "listed" and r.candidate is None and r.url not in self.gone]
        if walk.reached_end and not walk.doubted_end and walk.cut is None and walk.since is None and walk.resumes:
            expected = listed
        else:
            oldest = _oldest_in_order([d for i in sorted(walk.reads) for d in walk.dates.get(i, ())])
            if oldest is None:
                return []
            expected = [r for r in listed if r.row_date and r.row_date[:10] > oldest]
        missing = [r.url for r in expected if r.url not in walk.seen]
        if len(missing) > 5 and len(missing) > UNLISTED_SHARE_MAX * len(expected):
            self.unlisted_skipped[walk.column] = len(missing)
            return []
        return missing

    def _settle_statuses(self, finished: bool, counts: dict[str, int]) -> None:
        """The run's verdicts on where known articles stand, committed with their change records:

        * a candidate looked at again (:meth:`second_look_requests`): its page gone again is
          ``withdrawn``; its page answering while its row is still off the list, ``unlisted``;
          its row back (or its page back, for a candidate withdrawal), cleared; no answer (a
          failure, a stop), kept for the next run;
        * a first look: a known article whose page is gone, or (a whole walk of its column, in
          a run that finished) whose row no walk read, becomes a candidate;
        * a column whose list this run could not read (no list page answered) confirms nothing
          and names no candidate: a site that is down withdraws nothing.
        """
        store = self.store
        assert store is not None
        if not self.judges_the_site:
            # A replay (an archive of some day): what it reads is the site as it was then. Its
            # edits are committed with their articles; where articles stand now is not its to say.
            counts["recorded"] += self.flush()
            return
        carried = len(self.pending_changes)  # the records of exported articles not yet committed
        if self.rows_seen:
            store.note_rows(self.rows_seen.values())
        readable = {c for c, walk in self.columns.items() if walk.reads}
        records = {r.url: r for r in store.articles()} if (self.second_looks or self.gone or readable) else {}
        readable -= self._pages_in_trouble(records)
        marks: dict[str, ArticleStatus | None] = {}
        for url, candidate in self.second_looks.items():
            record = records.get(url)
            if record is None or record.candidate != candidate or record.column not in readable:
                continue
            if url in self.gone:
                if record.status != "withdrawn":
                    self.pending_changes.append(self._entry("withdrawn", record, record.revision, None))
                else:
                    marks[url] = None
            elif url in self.answered:
                if candidate == "unlisted" and url not in self.relisted:
                    self.pending_changes.append(self._entry("unlisted", record, record.revision, None))
                else:
                    marks[url] = None
        for url in self.gone:
            record = records.get(url)
            if (
                url not in self.second_looks
                and record is not None
                and record.status != "withdrawn"
                and record.candidate is None
                and record.column in readable
            ):
                marks[url] = "withdrawn"
        if finished:
            for column, walk in self.columns.items():
                for url in self._off_the_list(walk, [r for r in records.values() if r.column == column]):
                    marks.setdefault(url, "unlisted")
        for url in self.relisted:
            record = records.get(url)
            if record is not None and record.candidate == "unlisted" and record.status == "listed":
                marks[url] = None
        for url in self.answered - self.restored - set(self.gone):
            # Back, and unchanged (an edit went with its revision, and its restored record with it).
            record = records.get(url)
            if record is not None and (
                record.status == "withdrawn" or (record.status == "unlisted" and url in self.relisted)
            ):
                self.pending_changes.append(self._entry("restored", record, record.revision, None))
        if marks:
            store.set_candidates(marks.items())
        counts["candidates"] = sum(1 for kind in marks.values() if kind is not None)
        statuses = sum(1 for e in self.pending_changes if e.status is not None)
        self._settled_keys.update(e.key for e in self.pending_changes[carried:])
        counts["recorded"] += self.flush()
        counts["status_changes"] = statuses

    def close(self) -> None:
        """Close the store. The lease is not the run's to release: whoever took it releases it
        (:mod:`govnews.store.lease`); the run only stops acting on it."""
        if self.store is not None:
            self.store.close()
            self.store = None
        self.lock = None


def _attachments_recorded(store: Store, records: Sequence[AttachmentRecord]) -> bool:
    store.record_attachments(records)
    return True


def _oldest_in_order(dates: Sequence[str | None]) -> str | None:
    """The date of the last row read, when the rows read run newest first (rows pinned at the
    top, older than a row below them, left aside); None when they do not, or have no dates.

    >>> _oldest_in_order(["2019-03-01", "2026-12-05", "2026-12-04", "2026-12-04"])
    '2026-12-04'
    >>> _oldest_in_order(["2026-12-05", "2026-11-01", "2026-12-01"]) is None
    True
    """
    seq = [d[:10] for d in dates if d]
    while len(seq) > 1 and seq[0] < max(seq[1:]):
        seq.pop(0)
    if not seq or any(a < b for a, b in pairwise(seq)):
        return None
    return seq[-1]
