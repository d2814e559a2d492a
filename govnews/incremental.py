"""The rules of one incremental run, Scrapy-free: how far a column's list walk goes, which
rows are fetched, what a finished run records.

The promise: **every article a column lists while runs are scheduled is exported, exactly
once per revision, whatever the schedule** (capped runs, ``since`` runs, ``sections``
subsets, ``urls`` runs, failed list pages, killed runs).

The walk rule
    A column's list pages are read from page 1 down. A walk is **complete** when it
    reached the column's real end (the pager's last page, the 404 or empty page after the
    last, or a page every row of which an earlier complete walk listed) with no list page
    failed, no cap (``max_pages``, ``GOVNEWS_MAX_LIST_PAGES``) reached and no row cut by
    ``since``, in a run that finished. A complete walk marks every row it saw *covered*;
    rows it saw that were not exported by the end of the run (their page failed) become
    *pending* and are fetched again by every later run of the column. A walk stops early
    at the first page whose rows are all covered: everything below it is covered too,
    since covered rows are a block at the bottom of the list (new articles only push in
    at the top). An incomplete walk covers nothing, so the next run walks on until it
    meets covered rows again.

:class:`IncrementalRun` applies the rule for one run; :func:`next_page` is the decision
after each list page, used with and without a store (``incremental=0``). The store is
either backend of :class:`govnews.state.Store` (SQLite, or Redis with ``REDIS_URL``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from govnews.state import Lock, Record, Store, WalkRecord, utc_stamp

EndReason = Literal["last_page", "end_404", "empty_page", "covered"]
CutReason = Literal["max_pages", "since", "list_failed"]
RowAction = Literal["fetch", "refresh", "known"]

# A row pending this many runs, for at least this long, is given up (logged, counted).
PENDING_MAX_ATTEMPTS = 10
PENDING_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Step:
    """What to do after a list page: read page ``next_index``, or stop (``end`` when the
    column's end was reached, ``cut`` when the walk was cut short)."""

    next_index: int | None
    end: EndReason | None = None
    cut: CutReason | None = None


def next_page(
    *,
    page_index: int,
    page_count: int | None,
    limit: int,
    dates: Sequence[str | None],
    since: date | None,
    all_covered: bool,
    refresh_reaches_past: bool = False,
) -> Step:
    """The decision after reading list page ``page_index`` (0-based) of a column.

    >>> next_page(page_index=2, page_count=3, limit=10, dates=[], since=None, all_covered=False)
    Step(next_index=None, end='last_page', cut=None)
    >>> next_page(page_index=0, page_count=3, limit=1, dates=[], since=None, all_covered=False)
    Step(next_index=None, end=None, cut='max_pages')
    >>> next_page(page_index=0, page_count=None, limit=9, dates=[], since=None, all_covered=True)
    Step(next_index=None, end='covered', cut=None)
    """
    following = page_index + 1
    if page_count is not None and following >= page_count:
        return Step(None, end="last_page")
    if all_covered and not refresh_reaches_past:
        return Step(None, end="covered")
    dated = [d for d in dates if d]
    if since is not None and dated and dated[-1] < since.isoformat():
        return Step(None, cut="since")
    if following >= limit:
        return Step(None, cut="max_pages")
    return Step(following)


@dataclass
class ColumnProgress:
    """One column's walk in this run."""

    column: str
    seen: dict[str, None] = field(default_factory=dict)
    """Wanted rows listed, in order (an ordered set)."""
    list_pages: int = 0
    page_count: int | None = None
    """The column's page count, once a pager said it."""
    end: EndReason | None = None
    cut: CutReason | None = None

    @property
    def complete(self) -> bool:
        return self.end is not None and self.cut is None

    @property
    def stopped(self) -> bool:
        """The walk is over (ended or cut short)."""
        return self.end is not None or self.cut is not None


@dataclass(frozen=True)
class Classified:
    """What an extracted article is to the store."""

    status: Literal["new", "changed", "unchanged"]
    revision: int | None


class IncrementalRun:
    """One run's side of the walk rule and the store.

    Without a store (``incremental=0``, or before :meth:`attach`) it still tracks the
    walks (for the stats) but every row is fetched and nothing is recorded.
    """

    def __init__(self, run_id: str, *, refresh_days: int = 0, today: date | None = None) -> None:
        self.run_id = run_id
        self.refresh_days = refresh_days
        self.today = today or datetime.now(UTC).date()
        self.store: Store | None = None
        self.lock: Lock | None = None
        self.columns: dict[str, ColumnProgress] = {}
        self.pending_batch: list[Record] = []
        self.gone: set[str] = set()
        """Articles whose page answered 404 or 410: dead links, not owed."""
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    # -- the store ------------------------------------------------------------------

    def attach(self, store: Store, lock: Lock) -> None:
        """Use ``store`` (either backend, :class:`govnews.state.Store`), whose ``lock``
        this run holds; :meth:`close` closes one and releases the other."""
        self.store = store
        self.lock = lock

    def feed_opened(self, path: Path, size: int = 0) -> None:
        """A JSON Lines feed of this run opened: it joins the store's journal."""
        if self.store is not None:
            self.store.open_feed(path, self.run_id, size)

    # -- walks ----------------------------------------------------------------------

    def progress(self, column: str) -> ColumnProgress:
        if column not in self.columns:
            self.columns[column] = ColumnProgress(column)
        return self.columns[column]

    def row(self, column: str, url: str) -> tuple[RowAction, Record | None]:
        """A wanted row of ``column``'s list: fetch it (new), refresh it (known, in the
        refresh window) or leave it (known)."""
        self.progress(column).seen[url] = None
        if self.store is None:
            return "fetch", None
        record = self.store.get(url)
        if record is None:
            # A dead link a complete walk already met costs no request again.
            return ("known" if self.store.is_dead_link(column, url) else "fetch"), None
        if self.store.is_due_for_refresh(record, self.refresh_days, self.today):
            return "refresh", record
        return "known", record

    def page_read(
        self,
        column: str,
        *,
        page_index: int,
        page_count: int | None,
        limit: int,
        urls: Sequence[str],
        dates: Sequence[str | None],
        since: date | None,
    ) -> Step:
        """After a list page with rows: where the walk goes next (recorded when it stops)."""
        progress = self.progress(column)
        progress.list_pages += 1
        progress.page_count = page_count or progress.page_count
        all_covered = self.store is not None and bool(urls) and len(self.store.covered(column, urls)) == len(set(urls))
        step = next_page(
            page_index=page_index,
            page_count=page_count,
            limit=limit,
            dates=dates,
            since=since,
            all_covered=all_covered,
            refresh_reaches_past=self._refresh_reaches_past(dates),
        )
        if step.end:
            self.ended(column, step.end)
        if step.cut:
            self.cut(column, step.cut)
        return step

    def ended(self, column: str, reason: EndReason) -> None:
        """The column's end was reached (a 404 or an empty page after the last counts)."""
        progress = self.progress(column)
        progress.end = progress.end or reason

    def cut(self, column: str, reason: CutReason) -> None:
        """The walk was cut short, or a row was left out (``since``): it is incomplete."""
        progress = self.progress(column)
        progress.cut = progress.cut or reason

    def _refresh_reaches_past(self, dates: Sequence[str | None]) -> bool:
        """True when the refresh window may hold articles below this page."""
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
        if self.store is None:
            return [], []
        oldest = utc_stamp(datetime.now(UTC) - PENDING_MAX_AGE)
        owed = self.store.pending(columns)
        given_up: list[str] = []
        retry: list[tuple[str, str]] = []
        for url, column, attempts, since in owed:
            if attempts >= PENDING_MAX_ATTEMPTS and since <= oldest:
                given_up.append(url)
            else:
                retry.append((url, column))
        if given_up:
            self.store.give_up(given_up)
        self.store.count_attempt(u for u, _ in retry)
        return retry, given_up

    def article_gone(self, url: str) -> None:
        """The article's page answered 404 or 410: a dead link, owed no more."""
        self.gone.add(url)

    # -- items ----------------------------------------------------------------------

    def classify(self, url: str, content_hash: str | None) -> Classified:
        if self.store is None:
            return Classified("new", None)
        known = self.store.get(url)
        if known is None:
            return Classified("new", 1)
        if known.content_hash == content_hash:
            self.store.touch([url])
            return Classified("unchanged", known.revision)
        return Classified("changed", known.revision + 1)

    def first_url(self, content_hash: str) -> str | None:
        """The URL earlier runs first exported with this content."""
        return self.store.first_url(content_hash) if self.store is not None else None

    def exported(self, record: Record) -> None:
        """The feed holds the item: remember it (batched; :meth:`flush`)."""
        if self.store is not None:
            self.pending_batch.append(record)

    def flush(self) -> int:
        if self.store is None or not self.pending_batch:
            return 0
        count = len(self.pending_batch)
        self.store.record(self.pending_batch)
        self.pending_batch = []
        return count

    def finish(self, finished: bool) -> dict[str, int]:
        """End of the run: record what is left, then (only for a run that finished) each
        complete walk; close this run's feeds and release the store. Returns counts for
        the stats."""
        counts = {"recorded": self.flush(), "complete_walks": 0, "incomplete_walks": 0, "made_pending": 0}
        if self.store is None:
            return counts
        now = utc_stamp()
        for progress in self.columns.values():
            if finished and progress.complete:
                assert progress.end is not None
                walk = WalkRecord(
                    progress.column, self.run_id, now, progress.list_pages, len(progress.seen), progress.end
                )
                counts["made_pending"] += self.store.complete_walk(walk, progress.seen, self.gone)
                counts["complete_walks"] += 1
            elif progress.list_pages or progress.cut:
                counts["incomplete_walks"] += 1
        if self.gone:
            self.store.give_up(self.gone)
        self.store.close_feeds(self.run_id)
        return counts

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None
