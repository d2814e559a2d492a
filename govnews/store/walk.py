"""The walk rule, Scrapy-free: how far a column's list walk goes, and what it leaves open.

The promise: **every article a column lists while runs are scheduled is exported, exactly
once per revision, whatever the schedule and whatever the site does meanwhile** (capped runs,
``since`` runs, ``sections`` subsets, ``urls`` runs, killed runs; list and article pages that
fail; articles published, withdrawn or back-dated while a walk is under way).

The walk rule (docs/incremental.md gives it one case a line)
    A column's list pages are read from page 1 down. The walk's end comes from evidence:

    * **Page count.** Every list page's pager is read; the walk goes on to the count of the
      latest page read. Rows pushed down by articles published mid-walk show up on the
      next page again (harmless: each article is fetched once) and the new last page is
      read. A count that drops (rows withdrawn mid-walk pull unread rows up onto pages
      already read) makes the walk read again the pages the drop could affect.
    * **Failed pages.** A 404, 410, 5xx after retries, empty 200 or unrecognised page inside
      the known range is a *failed page*: the walk goes on past it, and the stretch it hid
      becomes a **gap** (between the last row read above it and the first row read below
      it, or to the column's end).
    * **No pager.** A column without a pager ends at a 404 or an empty page only when the end
      is *confirmed*: asked again after a pause, it answers the same; and, once a walk has
      read the column to its end, the new end must hold at least as many rows as that walk
      saw less the rows found withdrawn since (dead links), else the end is doubted (a gap
      to the end) until a second walk sees the same shorter end. Before any walk has read the
      column to its end, an end found after a page as full as page 1 (page 3 or later) is
      doubted the same way: a page down for the whole walk looks just like the end, and a
      second walk ending at the same row confirms it. (An end at page 2 has no such
      evidence: only an audit walk sees past a page 2 that is down for a whole first walk.)
    * **Covered rows.** Every row a walk read is *covered*. A walk stops at the first page
      whose rows are all covered, but only once it has read through every gap earlier walks
      left open: covered rows then lie in one block below, as new articles only push in at
      the top. A gap is closed by a walk that reads, page after page without a failure, from
      the page holding its upper row to the page holding its lower row (or to the end).
    * **Owed rows.** A row read whose article was not exported by the end of the run (its page
      failed, or the run stopped first) is *pending* and fetched by every later run until it
      is exported; a dead link (404 or 410) is not owed: it is remembered with its row's title
      and date and fetched again only when its row changes, or by an audit walk.
    * **Audit walks.** Rows inserted below what is covered (back-dated or re-ordered
      documents, rows pulled up across a page boundary by a withdrawal) leave no evidence
      on the pages a walk reads. Every ``GOVNEWS_AUDIT_DAYS`` days (``-a audit=1`` on
      demand) a run reads every list page of a column, fetches no known article (dead
      links excepted) and exports what no walk had seen.

    A walk is **complete** when it reached the column's end (its last page, a confirmed end,
    or a covered page with no gap left open) with no page failed, no cap or ``since`` cut and
    no gap open. Complete or not, every walk of a run that ends (finished or stopped, not
    killed) records what it read: the rows it covered and the gaps it leaves.

:class:`ColumnWalk` decides after each list page; :meth:`ColumnWalk.gaps_after` is what a walk
leaves open. :class:`govnews.store.run.IncrementalRun` applies the rule for one run, with the
store (either backend of :class:`govnews.store.Store`: SQLite, or Redis with ``REDIS_URL``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Literal

from govnews.store import ColumnState, Gap, GapReason, utc_stamp

EndReason = Literal["last_page", "end_404", "empty_page", "covered"]
CutReason = Literal["max_pages", "since", "list_failed", "stopped"]
EndKind = Literal["end_404", "empty_page"]
EndDoubt = Literal["pager_claims_more", "short_of_last_end", "first_end_after_a_full_page"]
"""Why a confirmed end is not believed yet (:meth:`ColumnWalk._end_at`)."""
SeamDoubt = Literal["overlap", "newer_below", "stale_count", "new_meets_covered", "short_last_page"]
"""Why the seam above a list page may hide rows (:attr:`ColumnWalk.out_of_step`): its rows again on
the next page; rows newer than its own on the next page (a list newest first); its page count
below a later page's; new rows right down to it and covered ones from it on, where the walk
stops; a short last page holding rows no walk had read (no later page can vouch for it)."""

# Pages failing this many times in a row stop a walk there (a gap to the end): a column
# without a pager has nothing else to tell where its end is; with a pager, an outage.
MAX_FAILED_IN_A_ROW = 2
MAX_FAILED_IN_A_ROW_PAGED = 5
REAL_ENDS: tuple[EndReason, ...] = ("last_page", "end_404", "empty_page")
# A gap's upper end is remembered with the rows read above it on its page (any of them marks
# the place): a page's worth, so that withdrawals seldom take them all.
_ANCHORS = 20
# A walk resuming at a gap lands this many pages above where its upper row was.
_MARGIN = 1


@dataclass(frozen=True)
class Step:
    """What to do after a list page: read page ``next_index`` (None: the walk is over;
    ``end`` when it reached the column's end, ``cut`` when it was cut short), and read again
    the pages ``reread`` (a page count that dropped: rows may have slipped onto them).
    ``jump``: ``next_index`` is not the page after, but where an open gap is now (the walk
    resumes there instead of reading the covered pages between)."""

    next_index: int | None
    end: EndReason | None = None
    cut: CutReason | None = None
    reread: tuple[int, ...] = ()
    jump: bool = False


@dataclass
class ColumnWalk:
    """One column's walk in this run: the pages read, the evidence of its end, and the
    decision after each page. ``state`` is what the store knew of the column at the start.

    >>> walk = ColumnWalk("/c/", limit=100)
    >>> walk.page_read(0, ["a", "b"], page_count=3, covered=())
    Step(next_index=1, end=None, cut=None, reread=(), jump=False)
    >>> walk.page_read(1, ["c", "d"], page_count=4, covered=())  # published mid-walk
    Step(next_index=2, end=None, cut=None, reread=(), jump=False)
    >>> walk.page_failed(2)                                       # inside the range: go on
    Step(next_index=3, end=None, cut=None, reread=(), jump=False)
    >>> walk.page_read(3, ["g", "h"], page_count=4, covered=())
    Step(next_index=None, end='last_page', cut=None, reread=(), jump=False)
    >>> walk.complete, [(g.upper, g.lower, g.reason) for g in walk.new_gaps()]
    (False, [('d', 'g', 'failed')])
    """

    column: str
    limit: int
    """The list-page cap of each stretch of this walk (``max_pages``, ``GOVNEWS_MAX_LIST_PAGES``)."""
    state: ColumnState = field(default_factory=ColumnState)
    audit: bool = False
    since: date | None = None
    refresh_reaches_past: bool = False
    resumes: bool = True
    """The walk may jump to an open gap's place (not a ``max_pages`` or ``since`` sample)."""

    seen: dict[str, None] = field(default_factory=dict)
    """Rows read (main pages and re-reads), in order (an ordered set)."""
    reads: dict[int, list[str]] = field(default_factory=dict)
    """Main-walk pages read, by index: their rows in order."""
    failed: set[int] = field(default_factory=set)
    gone_pages: set[int] = field(default_factory=set)
    """Failed pages that answered 404, 410 or had no rows (the site says: no such page)."""
    rereads: int = 0
    page_count: int | None = None
    """The count of the latest page read that showed one."""
    end: EndReason | None = None
    cut: CutReason | None = None
    end_doubt: EndDoubt | None = None
    """Why the end is doubted (the walk leaves a gap to the end); None: believed, or no end."""
    shifted_down: int = 0
    """Rows read on a page that showed up again on a later page (published mid-walk, or the
    earlier page was served as it was before a publish)."""
    met_covered: bool = False
    """A row an earlier walk read was met (an audit counts what it finds below)."""
    covered_rows: set[str] = field(default_factory=set)
    """Rows read by this walk that an earlier walk had read."""
    out_of_step: dict[int, SeamDoubt] = field(default_factory=dict)
    """Page index → why the seam above it (between it and the page before) may hide rows: the
    page was likely served as it was before a publish (or no later page can vouch for it)."""
    cap_start: int = 0
    """The page after the last one holding a gap's upper row, or a row above it on its page (the
    cap counts from there)."""
    stretch_start: int = 0
    """Where the current stretch of pages began: 0, or the page the walk last jumped to."""
    jumps: list[int] = field(default_factory=list)
    """The pages the walk jumped to (each starts a stretch)."""
    heading: Gap | None = None
    """The gap the latest jump went to."""
    headings: list[Gap] = field(default_factory=list)
    """Every gap a jump went to."""
    floor: int = -1
    """The last page read before the latest jump: a step back never goes above it."""
    dates: dict[int, list[str | None]] = field(default_factory=dict)
    """Main-walk pages read, by index: their rows' dates (for the newest-first check)."""
    drops: dict[int, int] = field(default_factory=dict)
    """Page index → the page count it showed, lower than the count before it."""
    started: str = field(default_factory=utc_stamp)
    """When the walk began (UTC, ``utc_stamp``)."""

    # -- evidence ---------------------------------------------------------------------

    @property
    def pager(self) -> bool:
        """The column shows a page count (pager forms 1 and 2)."""
        return self.page_count is not None

    @property
    def list_pages(self) -> int:
        return len(self.reads) + len(self.failed) + self.rereads

    @property
    def last_read(self) -> int:
        return max([*self.reads, *self.failed], default=-1)

    @property
    def stretch_pages(self) -> int:
        """Main-walk pages the cap counts: those read or failed from the top, or from the page
        holding the upper row of the last gap the walk met (each gap read through gets the cap's
        pages past its place: a column longer than the cap is read to its end over runs)."""
        start = max(self.stretch_start, self.cap_start)
        return sum(1 for i in (*self.reads, *self.failed) if i >= start)

    @property
    def stopped(self) -> bool:
        return self.end is not None or self.cut is not None

    @property
    def reached_end(self) -> bool:
        """The walk read down to the column's real end (not a covered page)."""
        return self.end in REAL_ENDS

    @property
    def contiguous_from_top(self) -> bool:
        """Every page from the first to the last read was read without a failure."""
        return not self.failed and set(self.reads) == set(range(len(self.reads)))

    @property
    def doubted_end(self) -> bool:
        """A confirmed end not believed yet: the walk leaves a gap to the end."""
        return self.end_doubt is not None

    @property
    def complete(self) -> bool:
        """The walk reached the column's end with nothing left unread (a check of its last page's
        seam by the next run, ``end_check``, is no hole)."""
        unread = [g for g in self.new_gaps() if g.reason != "end_check"]
        return self.end is not None and self.cut is None and not self.doubted_end and not unread

    @property
    def page_size(self) -> int:
        """Rows a full list page holds, as far as this walk saw: the most common count of rows
        among its pages (a row repeated from the page before, or a pinned row, makes a page
        longer now and then), the larger on a tie; 1 before any page."""
        counts = Counter(len(rows) for rows in self.reads.values() if rows)
        if not counts:
            return 1
        return max(counts, key=lambda n: (counts[n], n))

    def _count(self, index: int, page_count: int | None) -> tuple[int, ...]:
        """Take the count of the latest page; the pages to read again when it dropped."""
        if page_count is None:
            return ()
        previous, self.page_count = self.page_count, page_count
        if previous is None or page_count >= previous:
            return ()
        self.drops[index] = page_count
        # Rows withdrawn above the walk pulled unread rows up: at most (drop + 1) pages' worth
        # of rows can have slipped, onto the pages just read.
        back = previous - page_count + 1
        last = self.last_read
        return tuple(i for i in range(max(0, last - back), last) if i in self.reads)

    def _doubt_seam_above(self, index: int, why: SeamDoubt) -> None:
        """The seam between page ``index`` - 1 and page ``index`` may hide rows (page ``index``
        older than the page above it): the next run reads through it. Only a seam both of whose
        pages this walk read in one stretch can be named."""
        if index >= 1 and index - 1 >= self.stretch_start and self.reads.get(index - 1) and index in self.reads:
            self.out_of_step.setdefault(index, why)

    def _check_order(self, index: int, urls: Sequence[str], dates: Sequence[str | None] | None) -> None:
        """A page read right after page ``index`` - 1: does either show that page ``index`` - 1
        is older than this one (served from before a publish)? Then the seam above it may hide
        rows (:meth:`_doubt_seam_above`)."""
        above = self.reads.get(index - 1)
        if not above or index - 1 < self.stretch_start:
            return
        # Rows of the page above again here: the page above is older than this one (or rows were
        # published between the two requests; the next run's read-through costs a page or two).
        if set(urls) & set(above):
            self._doubt_seam_above(index - 1, "overlap")
            return
        # A list newest first: this page's first row is newer than the last row above it.
        upper_dates, lower_dates = self.dates.get(index - 1, []), list(dates or [])
        first, last = (lower_dates[0] if lower_dates else None), (upper_dates[-1] if upper_dates else None)
        if first and last and first > last and _newest_first(upper_dates) and _newest_first(lower_dates):
            self._doubt_seam_above(index - 1, "newer_below")

    # -- decisions ----------------------------------------------------------------------

    def page_read(
        self,
        index: int,
        urls: Sequence[str],
        *,
        page_count: int | None,
        covered: Collection[str],
        dates: Sequence[str | None] | None = None,
        refresh_reaches_past: bool = False,
    ) -> Step:
        """Main-walk page ``index`` read with rows ``urls`` (wanted rows, in order); ``covered``:
        those an earlier walk had read; ``dates``: the rows' dates (ISO), where known."""
        earlier = self.seen.keys()
        self.shifted_down += sum(1 for u in urls if u in earlier)
        self.covered_rows.update(u for u in urls if u in covered)
        self._check_order(index, urls, dates)
        self.reads[index] = list(urls)
        if dates is not None:
            self.dates[index] = list(dates)
        self.failed.discard(index)
        self.gone_pages.discard(index)
        self.seen.update(dict.fromkeys(urls))
        self.refresh_reaches_past = refresh_reaches_past
        reread = self._count(index, page_count)
        if any(row in urls for old in self.state.gaps for row in (*old.anchors, old.upper) if row is not None):
            self.cap_start = max(self.cap_start, index + 1)
        all_covered = bool(urls) and all(u in covered for u in urls)
        if self.jumps and index < max([*self.reads, *self.failed]):
            # A page stepped back to, above a jump's landing that missed its gap's rows.
            return self._after_step_back(index, covered, reread)
        if self.jumps and index == self.stretch_start and self._missed(index, covered):
            return self._step_back(index, reread)
        following = index + 1
        if self.page_count is not None and following >= self.page_count:
            self._check_end(index)
            return self._over(Step(None, end="last_page", reread=reread))
        if all_covered and not self.audit and not self.refresh_reaches_past:
            pending = self.open_gaps()
            if not pending:
                above = self.reads.get(index - 1)
                first_covered = not any(u in self.covered_rows for i in self.reads if i < index for u in self.reads[i])
                if above and first_covered and not self.jumps and urls[0] in covered:
                    # The rows published since the last walk run right down to the seam, covered
                    # ones start at it: this page may be older than the one above (rows
                    # published between the two hidden).
                    self._doubt_seam_above(index, "new_meets_covered")
                return self._over(Step(None, end="covered", reread=reread))
            if (gap := self._resume_at(index, pending)) is not None:
                return self._jump(gap, reread)
        if self.cut == "since":
            return self._over(Step(None, cut="since", reread=reread))
        if self.stretch_pages >= self.limit:
            return self._over(Step(None, cut="max_pages", reread=reread))
        return Step(following, reread=reread)

    def page_failed(self, index: int, *, gone: bool = False) -> Step:
        """Main-walk page ``index`` failed (a 404 or 410 inside the range, a 5xx after retries,
        an empty or unrecognised page, a page that is not the one asked for): a gap; the walk
        goes on where it can. ``gone``: the site said there is no such page (404, 410, no rows)."""
        self.failed.add(index)
        if gone:
            self.gone_pages.add(index)
        following = index + 1
        if index == 0 and not self.reads:
            return self._over(Step(None, cut="list_failed"))
        if self.jumps and index < max([*self.reads, *self.failed], default=-1):
            # A page stepped back to failed: back again if it is not there, else read on below.
            return self._after_step_back(index, (), ())
        if gone and self.seeking(index):
            return self._step_back(index, ())  # the landing is past the column's end
        if self.page_count is not None:
            if gone and index - 1 in self.gone_pages:
                # Two pages in a row inside the range say they do not exist: the pager
                # overstates (or the site lost them). Its end, doubted like a short one.
                return self._end_at(index - 1, "end_404")
            if self._failed_in_a_row(index) >= MAX_FAILED_IN_A_ROW_PAGED:
                return self._over(Step(None, cut="list_failed"))
            if following >= self.page_count:
                self._check_end(index)
                return self._over(Step(None, end="last_page"))
        elif self._failed_in_a_row(index) >= MAX_FAILED_IN_A_ROW:
            # Nothing tells where a pager-less column ends: stop, leaving a gap to the end.
            return self._over(Step(None, cut="list_failed"))
        if self.stretch_pages >= self.limit:
            return self._over(Step(None, cut="max_pages"))
        return Step(following)

    def _failed_in_a_row(self, index: int) -> int:
        count = 0
        while index - count in self.failed:
            count += 1
        return count

    def reread_failed(self, index: int) -> None:
        """A page read again failed: the rows that slipped onto it are unknown, a gap."""
        self.rereads += 1
        self.failed.add(index)

    # -- resuming at a gap ------------------------------------------------------------

    def _resume_at(self, index: int, pending: Sequence[Gap]) -> Gap | None:
        """The gap to go to after covered page ``index`` with gaps still open below: the nearest
        one whose landing page is past the next page; None: read on (a gap with no place, a
        sample walk, or every gap near)."""
        if not self.resumes or any(g.page is None for g in pending if g.upper is not None):
            return None
        # Ahead: its upper row not met yet (a row above it on its page may be: a row repeated at
        # the top of the next page, or published rows pushing its page down).
        ahead = [g for g in pending if g.upper is not None and g.upper not in self.seen]
        if not ahead or len(ahead) < len([g for g in pending if g.upper is not None]):
            return None  # a gap entered and not yet read through: read on through it
        gap = min(ahead, key=lambda g: g.page or 0)
        return gap if self._landing(gap) > index + 1 else None

    def _landing(self, gap: Gap) -> int:
        """Where to go for ``gap``: the page above the one that held its upper row (rows published
        since only pushed it down; a page of margin for rows withdrawn since), never past the
        last page."""
        target = max(0, (gap.page or 0) - _MARGIN)
        if self.page_count is not None:
            target = min(target, self.page_count - 1)
        return target

    def _jump(self, gap: Gap, reread: tuple[int, ...]) -> Step:
        target = self._landing(gap)
        self.floor = max([*self.reads, *self.failed], default=-1)
        self.jumps.append(target)
        self.heading = gap
        self.headings.append(gap)
        self.stretch_start = target
        return Step(target, reread=reread, jump=True)

    def _anchored(self, gap: Gap) -> bool:
        """A row marking ``gap``'s upper end (the row itself, or one read above it on its page)
        was read."""
        return any(row in self.seen for row in (*gap.anchors, gap.upper) if row is not None)

    def seeking(self, index: int) -> bool:
        """Page ``index`` is the top of a stretch the walk jumped to, and the row marking the gap
        it went for has not been met: a page there that is not (404, 410, no rows) or holds rows
        no walk had read is below the gap's place, and the walk steps back."""
        gap = self.heading
        return gap is not None and index == self.stretch_start and index - 1 > self.floor and not self._anchored(gap)

    def _missed(self, index: int, covered: Collection[str]) -> bool:
        """The stretch's top page ``index`` holds rows no walk had read and none of the rows
        marking the gap the walk jumped to: the gap's place is above (rows withdrawn since
        pulled it up)."""
        rows = self.reads.get(index, [])
        return self.seeking(index) and any(u not in covered for u in rows)

    def _step_back(self, index: int, reread: tuple[int, ...]) -> Step:
        self.stretch_start = index - 1
        return Step(index - 1, reread=reread, jump=True)

    def _after_step_back(self, index: int, covered: Collection[str], reread: tuple[int, ...]) -> Step:
        """After page ``index``, stepped back to above a jump's landing: further back while it
        still misses the gap's rows; else on below the pages this stretch read."""
        if self._missed(index, covered) or (self.seeking(index) and index in self.gone_pages):
            return self._step_back(index, reread)
        bottom = max([*self.reads, *self.failed])
        if self.page_count is not None and bottom + 1 >= self.page_count:
            self._check_end(bottom)
            return self._over(Step(None, end="last_page", reread=reread))
        if self.stretch_pages >= self.limit:
            return self._over(Step(None, cut="max_pages", reread=reread))
        return Step(bottom + 1, reread=reread)

    # -- ends ---------------------------------------------------------------------------

    def _check_end(self, index: int) -> None:
        """The walk reaches the column's end at page ``index``. When that last page is short and
        held rows no walk had read, no later page can show it was served as it was before a
        publish: the seam above it is checked by the next run (a page or two)."""
        last = max((i for i in self.reads if self.reads[i] and i <= index), default=None)
        if last is None or last == 0:
            return
        rows = self.reads[last]
        if len(rows) < self.page_size and any(u not in self.covered_rows for u in rows):
            self._doubt_seam_above(last, "short_last_page")

    def _end_at(self, index: int, kind: EndKind) -> Step:
        """The column ends at page ``index`` (which said it does not exist). Doubted when it
        is short of what a walk read to the end before (less the rows found withdrawn since),
        or when a pager claimed more, until a second walk ends at the same last row."""
        self.failed -= {i for i in self.failed if i >= index}
        self.gone_pages -= {i for i in self.gone_pages if i >= index}
        expected = self.state.end_rows
        short = (
            expected is not None and self.contiguous_from_top and len(self.seen) < expected - self.state.withdrawn_since
        )
        overstated = self.page_count is not None and index < self.page_count
        # No pager and no earlier walk to the end: after a full page, a page down for the whole
        # walk looks just like the end (a short page is the last one: lists fill their pages
        # from the top). Doubted until a second walk ends at the same last row.
        before, first = self.reads.get(index - 1), self.reads.get(0)
        after_a_full_page = index >= 2 and before is not None and first is not None and len(before) >= len(first)
        unproven = self.page_count is None and expected is None and after_a_full_page
        if self.state.short_end != self.last_row:
            if overstated:
                self.end_doubt = "pager_claims_more"
            elif short:
                self.end_doubt = "short_of_last_end"
            elif unproven:
                self.end_doubt = "first_end_after_a_full_page"
        if not self.doubted_end:
            self._check_end(index - 1)
        return self._over(Step(None, end=kind))

    def end_confirmed(self, index: int, kind: EndKind) -> Step:
        """A column without a pager: page ``index`` answered 404 (or had no rows) twice, a
        pause apart: its end (doubted when short, see :meth:`_end_at`)."""
        return self._end_at(index, kind)

    @property
    def last_row(self) -> str | None:
        """The last row of the last main page read with rows."""
        return next((self.reads[i][-1] for i in sorted(self.reads, reverse=True) if self.reads[i]), None)

    def stop(self) -> None:
        """The run ends before this walk did (stopped, or every request made)."""
        if not self.stopped:
            self.cut = "stopped"

    def reread_done(self, urls: Sequence[str], page_count: int | None) -> int | None:
        """A page read again after a count drop: its rows are read; returns the page to
        read next when its count says the walk, already over at its last page, is not. A count
        higher than the one that dropped says the page that showed it was older than the pages
        around it (served from before a publish): the seam above it may hide rows."""
        self.rereads += 1
        self.seen.update(dict.fromkeys(urls))
        if page_count is None:
            return None
        for index, dropped in self.drops.items():
            if page_count > dropped:
                self._doubt_seam_above(index, "stale_count")
        self.page_count = page_count
        if self.end == "last_page" and page_count > self.last_read + 1 and self.stretch_pages < self.limit:
            self.end = None
            return self.last_read + 1
        return None

    def _over(self, step: Step) -> Step:
        if step.end is not None and self.end is None:
            self.end = step.end
        if step.cut is not None and self.cut is None:
            self.cut = step.cut
        return step

    # -- gaps -----------------------------------------------------------------------------

    def open_gaps(self) -> list[Gap]:
        """The gaps of earlier walks this walk has not read through yet."""
        return [g for g in self.state.gaps if not read_through(g, self.reads, at_end=self.reached_end)]

    def _stretch_above(self, index: int) -> int | None:
        """The nearest page above ``index`` read with rows, with only failed pages between them
        (one stretch of the walk); None when there is none."""
        i = index - 1
        while i >= 0 and i in self.failed:
            i -= 1
        return i if i >= 0 and self.reads.get(i) else None

    def _gap_below(self, page: int, lower: str | None, reason: GapReason) -> Gap:
        rows = self.reads[page]
        return Gap(rows[-1], lower, page=page, anchors=tuple(rows[-_ANCHORS:]), reason=reason)

    def new_gaps(self) -> list[Gap]:
        """What this walk leaves unread: the stretch each failed page hid, each seam that may
        hide rows (a page out of step), and everything below the last page read when the walk
        did not reach the column's end or covered rows."""
        gaps: list[Gap] = []
        for index in sorted(self.failed):
            above = self._stretch_above(index)
            if above is None:
                continue  # nothing read above it in its stretch: what it hid stays an open gap
            below = next((i for i in sorted(self.reads) if i > index and self.reads[i]), None)
            gap = self._gap_below(above, self.reads[below][0] if below is not None else None, "failed")
            if gap not in gaps:
                gaps.append(gap)
        for index, why in sorted(self.out_of_step.items()):
            if self.reads.get(index) and self.reads.get(index - 1):
                reason: GapReason = "end_check" if why == "short_last_page" else "out_of_step"
                gap = self._gap_below(index - 1, self.reads[index][0], reason)
                if gap not in gaps:
                    gaps.append(gap)
        if self.cut is not None or self.doubted_end or self.end is None:
            last = max((i for i in self.reads if self.reads[i]), default=None)
            if last is not None:
                gaps = [g for g in gaps if g.lower is not None] + [self._gap_below(last, None, "cut")]
        return gaps

    def gaps_after(self) -> list[Gap]:
        """Every gap of the column once this walk is recorded: the old ones it did not read
        through (their place updated where this walk saw their rows), and its own."""
        kept: list[Gap] = []
        own = self.new_gaps()
        if not (self.reached_end and self.contiguous_from_top):
            kept = [self._rest_of(gap) for gap in self.open_gaps()]
        if any(g.lower is None for g in own):
            # This walk leaves everything below its last row unread: an older gap it did not meet
            # lies down there (walks read down from the top, jumping only to the nearest gap).
            kept = [g for g in kept if g.upper is None or g.upper in self.seen or self._anchored(g)]
        return list(dict.fromkeys([*kept, *own]))

    def _rest_of(self, gap: Gap) -> Gap:
        """What is left of ``gap`` after this walk: the part below the last page it read, when it
        read from the gap's upper end down to there page after page (a walk cut short inside a
        gap to the end leaves one gap, not two); else the gap, at the place this walk saw it."""
        marks = [row for row in (*gap.anchors, gap.upper) if row is not None]
        start = (
            0
            if gap.upper is None
            else next((i for i in sorted(self.reads) if any(r in self.reads[i] for r in marks)), None)
        )
        last = max((i for i in self.reads if self.reads[i]), default=None)
        if start is None or last is None or last <= start or any(i not in self.reads for i in range(start, last + 1)):
            return self._placed(gap)
        return self._gap_below(last, gap.lower, gap.reason if gap.reason != "end_check" else "cut")

    def _placed(self, gap: Gap) -> Gap:
        """``gap`` with its place as this walk leaves it."""
        marks = [row for row in (*gap.anchors, gap.upper) if row is not None]
        page = next((i for i in sorted(self.reads, reverse=True) if any(r in self.reads[i] for r in marks)), None)
        if page is not None:
            return replace(gap, page=page)
        if gap in self.headings:
            # Jumped to and not found: the next walk lands a few pages higher.
            return replace(gap, page=max(0, (gap.page or 0) - 4))
        return gap

    @property
    def starts_audit_clock(self) -> bool:
        """The column's audit clock (re)starts with this walk: it ends an audit, or read the
        column whole, or is the first walk to reach its end (whole or not: a failed page on the
        way must not keep the clock from ever starting)."""
        whole = self.reached_end and self.contiguous_from_top and not self.doubted_end
        return self.audit_done or whole or (self.state.last_audit is None and self.reached_end)

    @property
    def in_audit(self) -> bool:
        """This walk audits the column: its own audit, or one an earlier run began and a cap cut
        short (the walks after it read on toward the end as the audit did: a dead link they
        meet is asked again)."""
        return self.audit or self.state.audit_started is not None

    @property
    def audit_done(self) -> bool:
        """This walk ends an audit: its own, or one an earlier run began (it read on, through the
        gap that audit left, to the column's end)."""
        return self.in_audit and self.reached_end and not any(g.lower is None for g in self.gaps_after())


def _newest_first(dates: Sequence[str | None]) -> bool:
    """Dated rows in order, newest first (undated rows are left out)."""
    known = [d for d in dates if d]
    return all(a >= b for a, b in pairwise(known))


def read_through(gap: Gap, reads: dict[int, list[str]], *, at_end: bool) -> bool:
    """True when ``reads`` (page index → rows) went through ``gap``: from the page holding its
    upper row, or a row read just above it (the first page, for a gap at the top), to the page
    holding its lower row (the column's end, for a gap to the end or one whose lower row is
    gone: ``at_end``), every page read.

    >>> reads = {0: ["a", "b"], 1: ["c", "d"], 2: ["e", "f"]}
    >>> read_through(Gap("b", "e"), reads, at_end=False), read_through(Gap("d", None), reads, at_end=True)
    (True, True)
    >>> read_through(Gap("d", None), reads, at_end=False), read_through(Gap("x", "e"), reads, at_end=True)
    (False, False)
    >>> read_through(Gap("x", "e", anchors=("c", "x")), reads, at_end=False)  # its upper row withdrawn
    True
    >>> read_through(Gap("b", "y"), reads, at_end=True)  # its lower row withdrawn: read to the end
    True
    """

    def first_page(urls: Sequence[str]) -> int | None:
        return next((i for i in sorted(reads) if any(u in reads[i] for u in urls)), None)

    if not reads:
        return False
    marks = [row for row in (*gap.anchors, gap.upper) if row is not None]
    start = 0 if gap.upper is None else first_page(marks)
    if start is None:
        return False
    found = first_page([gap.lower]) if gap.lower is not None else None
    if found is None:
        if not at_end:
            return False
        stop = max(reads)
    else:
        start, stop = min(start, found), max(start, found)
    return all(i in reads for i in range(start, stop + 1))
