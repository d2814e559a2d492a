"""Bugs put back on purpose, to show that the tests guarding each protection fail without it.

Each entry of :data:`BUGS` undoes one protection of the walk, the store or the spider, by
replacing a function of the package at run time (never by editing it). Test-only: nothing in
``govnews`` knows of it.

* In process: :func:`plant` (the no-loss model plants ``GOVNEWS_PLANTED_BUG`` when its module is
  imported: ``tests/test_no_loss_model.py``).
* In a ``scrapy crawl`` subprocess: ``python -m tests.planted <bug> crawl …`` plants the bug,
  then runs Scrapy's command line; ``tests.conftest.crawl_command`` starts crawls that way when
  ``GOVNEWS_PLANTED_BUG`` is set.

``python -m tests.planted_report`` runs, for each bug, the tests that guard it and the model's
search, and prints which fail and how long the search took to find it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from scrapy.cmdline import execute

import govnews.crawl.spiders.wuhan as spider
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.store import journal, run
from govnews.store.base import DeadLink
from govnews.store.run import IncrementalRun
from govnews.store.walk import ColumnWalk, Step

ENV = "GOVNEWS_PLANTED_BUG"


def _frozen_page_count() -> None:

    def _count(self: ColumnWalk, index: int, page_count: int | None) -> tuple[int, ...]:
        if self.page_count is None:
            self.page_count = page_count
        return ()

    ColumnWalk._count = _count  # type: ignore[method-assign]


def _a_404_ends_the_walk() -> None:

    original = ColumnWalk.page_failed

    def page_failed(self: ColumnWalk, index: int, *, gone: bool = False) -> Step:
        if gone and index > 0:
            return self._over(Step(None, end="end_404"))
        return original(self, index, gone=gone)

    ColumnWalk.page_failed = page_failed  # type: ignore[method-assign]


def _no_reread() -> None:

    def _count(self: ColumnWalk, index: int, page_count: int | None) -> tuple[int, ...]:
        if page_count is not None:
            self.page_count = page_count
        return ()

    ColumnWalk._count = _count  # type: ignore[method-assign]


def _audit_clock_at_whole_walks_only() -> None:

    # The old rule: only an audit, or a walk that read the column whole, starts the clock.
    ColumnWalk.starts_audit_clock = property(  # type: ignore[method-assign,assignment]
        lambda self: self.audit_done or (self.reached_end and self.contiguous_from_top and not self.doubted_end)
    )


def _no_audit_clock() -> None:

    IncrementalRun.audit_due = lambda self, column, days: False  # type: ignore[method-assign]


def _no_seam_doubts() -> None:

    ColumnWalk._doubt_seam_above = lambda self, index, why: None  # type: ignore[method-assign]


def _no_other_page_check() -> None:

    WuhanSpider._other_page = lambda self, ref, response, page: None  # type: ignore[method-assign]


def _no_resume() -> None:

    ColumnWalk._resume_at = lambda self, index, pending: None  # type: ignore[method-assign]
    ColumnWalk.stretch_pages = property(  # type: ignore[method-assign,assignment]
        lambda self: sum(1 for i in (*self.reads, *self.failed) if i >= self.stretch_start)
    )


def _no_fsync() -> None:

    run.fsync_file = lambda file: None


def _record_before_sync() -> None:
    original = run.IncrementalRun.flush

    def flush(self: run.IncrementalRun) -> int:
        # The batch committed first, the feeds synced after.
        fsync, run.fsync_file = run.fsync_file, lambda file: None
        try:
            count = original(self)
        finally:
            run.fsync_file = fsync
        for file in self.feed_files:
            file.flush()
            run.fsync_file(file)
        return count

    run.IncrementalRun.flush = flush  # type: ignore[method-assign]


def _forget_dead_links() -> None:

    DeadLink.row_changed = lambda self, title, row_date: True  # type: ignore[method-assign]


def _carried_audit_skips_dead_links() -> None:

    ColumnWalk.in_audit = property(lambda self: self.audit)  # type: ignore[method-assign,assignment]


def _soft_404_not_recognised() -> None:

    spider.is_soft_404 = lambda page: False  # type: ignore[assignment]


def _edits_by_content_hash() -> None:

    original = IncrementalRun._classify_known

    def _classify_known(self: IncrementalRun, *args: Any) -> Any:
        store, known, content_hash, _fields, facts = args
        # The fields ignored: the content hash alone decides, and no diff is made.
        return original(self, store, known, content_hash, None, facts)

    IncrementalRun._classify_known = _classify_known  # type: ignore[method-assign]


def _rolled_forward_without_record() -> None:

    journal.edited_entry = lambda known, item, key: None


BUGS: dict[str, tuple[str, Callable[[], None]]] = {
    "page_count_frozen": ("the walk keeps the page count page 1 gave", _frozen_page_count),
    "a_404_ends_the_walk": ("a 404 inside the pager's range ends the walk, complete", _a_404_ends_the_walk),
    "no_reread": ("a page count that dropped reads no page again", _no_reread),
    "audit_clock_at_whole_walks_only": (
        "the audit clock starts only at a walk that read the column whole",
        _audit_clock_at_whole_walks_only,
    ),
    "no_audit_clock": ("no audit falls due by the clock", _no_audit_clock),
    "no_seam_doubts": ("no page is taken as served out of step", _no_seam_doubts),
    "no_other_page_check": (
        "a redirected page, or one whose pager names another, is read as the page asked for",
        _no_other_page_check,
    ),
    "no_resume": ("walks never resume at a gap; the cap counts from the top", _no_resume),
    "no_fsync": ("feeds are not synced before a batch is recorded", _no_fsync),
    "record_before_sync": ("a batch is recorded before its feed is synced", _record_before_sync),
    "forget_dead_links": ("dead links are asked again every time they are met", _forget_dead_links),
    "carried_audit_skips_dead_links": (
        "the runs that carry a cut-short audit on leave the dead links they meet",
        _carried_audit_skips_dead_links,
    ),
    "soft_404_not_recognised": ("a 'page not found' page that answers 200 is an article", _soft_404_not_recognised),
    "edits_by_content_hash": (
        "a known article is compared by its content hash alone, not by the fields a user diffs",
        _edits_by_content_hash,
    ),
    "rolled_forward_without_record": (
        "a killed run's edited line rolled forward by the next run gets no edited record",
        _rolled_forward_without_record,
    ),
}


def plant(name: str) -> None:
    """Put bug ``name`` back (KeyError for an unknown one)."""
    BUGS[name][1]()


def main(argv: list[str]) -> None:
    """``python -m tests.planted <bug> <scrapy arguments>``: Scrapy's command line, the bug planted."""
    name, *rest = argv
    plant(name)
    execute(["scrapy", *rest])


if __name__ == "__main__":
    if os.environ.get(ENV) is None and len(sys.argv) < 2:
        sys.exit(f"usage: python -m tests.planted <bug> <scrapy arguments>; bugs: {', '.join(BUGS)}")
    main(sys.argv[1:])
