"""A ``scrapy crawl`` that dies at a chosen moment of a change record's commit (test-only).

``python -m tests.kill_points <point> crawl …`` installs the point, then runs Scrapy's command
line; the process ends with ``os._exit(KILLED)`` there, as a ``kill -9`` would: no handler runs,
no file is closed, the store's connection dies with the process. Nothing in ``govnews`` knows
of it: each point wraps a function of the package at run time.

* ``before_commit``: the run's first commit that carries a change record, before the store is
  asked (the article lines are in the feed, the store knows nothing of them);
* ``before_lines``: after that commit, before its change records are written to the changes
  feed (the store's outbox holds them);
* ``before_delivered``: after they are written and synced, before the store marks them
  delivered (the feed holds them, the outbox too).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from scrapy.cmdline import execute

from govnews.store import run as run_module
from govnews.store.base import ChangeEntry
from govnews.store.run import IncrementalRun

KILLED = 137


def _die() -> None:
    sys.stderr.write("tests.kill_points: killed here\n")
    sys.stderr.flush()
    os._exit(KILLED)


def _before_commit() -> None:
    original = IncrementalRun.flush

    def flush(self: IncrementalRun) -> int:
        if self.pending_changes and self.store is not None:
            store = self.store
            commit = store.commit

            def dying_commit(records: Any, token: str, changes: Sequence[ChangeEntry] = ()) -> None:
                if changes:
                    _die()
                commit(records, token, changes)

            store.commit = dying_commit  # type: ignore[method-assign]
        return original(self)

    IncrementalRun.flush = flush  # type: ignore[method-assign]


def _before_lines() -> None:
    def deliver_changes(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("check") is False:
            _die()
        return original(*args, **kwargs)

    original = run_module.deliver_changes
    run_module.deliver_changes = deliver_changes


def _before_delivered() -> None:
    def deliver_changes(*args: Any, **kwargs: Any) -> Any:
        written = original(*args, **kwargs)
        if kwargs.get("check") is False and written:
            _die()
        return written

    original = run_module.deliver_changes
    run_module.deliver_changes = deliver_changes


POINTS: dict[str, Callable[[], None]] = {
    "before_commit": _before_commit,
    "before_lines": _before_lines,
    "before_delivered": _before_delivered,
}


def main(argv: list[str]) -> None:
    name, *rest = argv
    POINTS[name]()
    execute(["scrapy", *rest])


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in POINTS:
        sys.exit(f"usage: python -m tests.kill_points <point> <scrapy arguments>; points: {', '.join(POINTS)}")
    main(sys.argv[1:])
