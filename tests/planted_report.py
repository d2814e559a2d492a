"""Which tests fail with each protection's bug put back, and how long the no-loss model takes to
find it: ``python -m tests.planted_report [--budget SECONDS] [bug …]``.

For each bug of :data:`tests.planted.BUGS`: the tests that guard it run with the bug planted
(``GOVNEWS_PLANTED_BUG``: in process, and in every ``scrapy crawl`` they start), and each must
fail; then the model (``tests/test_no_loss_model.py``, SQLite) searches with no example database
and no shrinking, until it fails or ``--budget`` seconds pass (CI gives the model about 300 s).
The table is printed as Markdown. It takes a while (minutes a bug): not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.planted import BUGS, ENV

ROOT = Path(__file__).resolve().parent.parent
MODEL = "tests/test_no_loss_model.py::test_no_loss_with_the_sqlite_store"
MOVES = "tests/test_walk_moves_e2e.py::"
MOVING_SITE = "tests/test_walk_e2e.py::test_a_walk_follows_a_moving_site_and_an_audit_finds_what_slipped"
HOLD_NOW = "tests/test_no_loss_model.py::test_the_counterexamples_found_hold_now["
GUARDS: dict[str, list[str]] = {
    "page_count_frozen": ["tests/test_walk_e2e.py::test_a_walk_follows_a_moving_site_and_an_audit_finds_what_slipped"],
    "a_404_ends_the_walk": [
        "tests/test_walk_e2e.py::test_a_walk_follows_a_moving_site_and_an_audit_finds_what_slipped"
    ],
    "no_reread": [MOVES + "test_a_row_pulled_onto_a_page_already_read_is_found_by_the_re_read"],
    "audit_clock_at_whole_walks_only": [MOVES + "test_the_audit_clock_starts_at_a_first_walk_that_had_a_failed_page"],
    "no_audit_clock": [MOVES + "test_the_audit_clock_starts_at_a_first_walk_that_had_a_failed_page"],
    "no_seam_doubts": [
        MOVES + "test_a_stale_page_2_on_a_first_walk_is_read_through_by_the_next_run",
        MOVES + "test_a_stale_page_2_after_a_publish_is_read_through_by_the_next_run",
    ],
    "no_other_page_check": [MOVES + "test_a_list_page_redirected_to_page_1_is_a_failed_page"],
    "no_resume": [MOVES + "test_a_column_twice_the_cap_ends_in_two_runs"],
    "no_fsync": ["tests/test_durability.py"],
    "record_before_sync": ["tests/test_durability.py"],
    "forget_dead_links": [
        MOVES + "test_dead_links_are_not_asked_again_by_runs_with_new_articles",
        "tests/test_walk_e2e.py::test_dead_links_are_not_asked_again_by_runs_with_nothing_new",
    ],
    "carried_audit_skips_dead_links": [HOLD_NOW + "a_dead_link_below_an_audits_cap]"],
    "soft_404_not_recognised": [HOLD_NOW + "a_soft_404_article_page]"],
    "edits_by_content_hash": [HOLD_NOW + "edits_no_row_shows]"],
    "rolled_forward_without_record": [HOLD_NOW + "an_edited_line_a_kill_left]"],
}
MODEL_BLIND = {"no_fsync", "record_before_sync", "forget_dead_links"}
"""Bugs the model cannot see: it kills a run by closing its files (the page cache survives),
and it checks what is lost, not what is asked for twice."""


def run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, float, str]:
    started = time.monotonic()
    try:
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started, ""
    return proc.returncode, time.monotonic() - started, proc.stdout + proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bugs", nargs="*", default=list(BUGS))
    parser.add_argument("--budget", type=float, default=600.0, help="seconds the model may search for a bug")
    options = parser.parse_args()
    pytest = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-rf"]
    print("| bug put back | tests that fail | the model found it in |")
    print("|---|---|---|")
    for bug in options.bugs:
        env = {**os.environ, ENV: bug}
        code, _, out = run([*pytest, *GUARDS[bug]], env, timeout=1800)
        failed = [
            line.split("FAILED ", 1)[1].split(" - ")[0] for line in out.splitlines() if line.startswith("FAILED ")
        ]
        tests = ", ".join(f.split("::")[-1] for f in failed) or f"NONE FAILED (exit {code})"
        if bug in MODEL_BLIND:
            found = "(cannot see it)"
        else:
            model_env = {**env, "GOVNEWS_MODEL_FRESH": "1", "GOVNEWS_MODEL_EXAMPLES": "100000"}
            code, seconds, _ = run([*pytest, MODEL], model_env, timeout=options.budget)
            found = f"{seconds:.0f} s" if code not in (None, 0) else f"not in {options.budget:.0f} s"
        print(f"| {bug}: {BUGS[bug][0]} | {tests} | {found} |", flush=True)


if __name__ == "__main__":
    main()
