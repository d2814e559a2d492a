"""A change record commits with its article: a run killed at any moment of the commit neither
loses the record nor writes it twice (issue 29). Real ``scrapy crawl`` subprocesses on the
mirror's HTTP server; the kill is ``os._exit`` at a chosen point (``tests/kill_points.py``),
on the SQLite store and on a Redis store (a real redis-server).

The schedule: a first run exports a column; the site edits one article (a wording fix) and
withdraws another; a run (every article due for its re-check) is killed at
the point; the runs after it (a second look confirms the withdrawal) end normally. Whatever
the point, the union of the changes feeds holds the edit once, at the revision the article
feed holds once, and the withdrawal once. Without the outbox (records written before the
commit, or after it with nothing kept) a point loses one or writes it twice.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

COLUMN = "/sy/whyw/"
POINTS = ("before_commit", "before_lines", "before_delivered")
LEASE_TTL = 2.0


def command(base_url: str, workdir: Path, point: str | None, extra: dict[str, str], *args: str) -> list[str]:
    settings = {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(workdir / "output"),
        "GOVNEWS_STATE_DIR": str(workdir / "state"),
        # Every known article due for its re-check on every run (no clock to move: a Redis lease
        # lapses on the server's clock, which libfaketime does not move).
        "GOVNEWS_RECHECK_BUDGET": "10000",
        "GOVNEWS_RECHECK_MIN_HOURS": "0",
        "GOVNEWS_RECHECK_RATIO": "1e-9",
        **extra,
    }
    cmd = [sys.executable, "-m", *(["tests.kill_points", point] if point else ["scrapy"]), "crawl", "wuhan"]
    for arg in (f"base_url={base_url}", "sections=sy/whyw", *args):
        cmd += ["-a", arg]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def lines(folder: Path) -> list[dict[str, Any]]:
    files = sorted(folder.glob("wuhan-*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_any_point_of_the_commit_neither_loses_a_record_nor_writes_it_twice(
    tmp_path: Path, point: str, backend: str, request: pytest.FixtureRequest
) -> None:
    extra: dict[str, str] = {}
    first_args: tuple[str, ...] = ()
    if backend == "redis":
        extra["REDIS_URL"] = request.getfixturevalue("redis_url")
        extra["GOVNEWS_REDIS_LOCK_TTL"] = str(LEASE_TTL)  # a killed run's lease lapses soon
        first_args = ("new_store=1",)
    site = MirrorSite(n_articles=120, per_page=10, seed=41)
    with MirrorServer(site) as server:
        base = server.base_url
        first = run_command(command(base, tmp_path, None, extra, *first_args), timeout=300)
        assert first.returncode == 0, first.stderr[-3000:]
        site.checkpoint()
        edited, withdrawn = site.move_candidates("edit_wording", COLUMN)[2], site.move_candidates("withdraw", COLUMN)[5]
        site.edit_wording(edited)
        site.withdraw(withdrawn)

        killed = run_command(command(base, tmp_path, point, extra), timeout=300)
        assert killed.returncode == 137 and "tests.kill_points: killed here" in killed.stderr, killed.stderr[-3000:]
        if backend == "redis":
            time.sleep(LEASE_TTL + 0.5)
        for _ in range(3):
            after = run_command(command(base, tmp_path, None, extra, "audit=1"), timeout=300)
            assert after.returncode == 0, after.stderr[-3000:]

    changes = lines(tmp_path / "output" / "wuhan" / "changes")
    articles = lines(tmp_path / "output" / "wuhan")
    kinds = Counter((c["kind"], c["url"]) for c in changes)
    assert kinds == Counter({("edited", base + edited): 1, ("withdrawn", base + withdrawn): 1}), changes
    (edit,) = (c for c in changes if c["kind"] == "edited")
    revisions = [a["revision"] for a in articles if a["url"] == base + edited]
    assert revisions == [1, 2] and edit["revision"] == 2 and edit["previous_revision"] == 1
    (op,) = edit["paragraphs"]
    assert [c for c in op["chars"] if c["op"] != "equal"] == [
        {"op": "replace", **pair}
        for pair in site.expected_change(edited)["wording"]  # type: ignore[union-attr]
    ]
