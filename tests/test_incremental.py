"""Incremental runs against the mirror: only what is new (or changed) is emitted, a re-run
with nothing new costs about one list page per column, and a killed run loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, ROOT, crawl_command, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

DEFAULT_SECTIONS = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")


def crawl_cmd(base_url: str, workdir: Path, *args: str, settings: dict[str, str] | None = None) -> list[str]:
    """A scheduled-style run: no -O, the feed goes to GOVNEWS_OUTPUT_DIR, state to GOVNEWS_STATE_DIR."""
    merged = {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(workdir / "output"),
        "GOVNEWS_STATE_DIR": str(workdir / "state"),
        **(settings or {}),
    }
    return crawl_command(f"base_url={base_url}", *args, settings=merged)


def run(base_url: str, workdir: Path, *args: str, settings: dict[str, str] | None = None) -> str:
    before = set(feed_files(workdir))
    proc = run_command(crawl_cmd(base_url, workdir, *args, settings=settings), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = set(feed_files(workdir)) - before
    exported = "'item_scraped_count'" in proc.stderr
    assert len(new) == (1 if exported else 0), "a run that exports writes its own file; one that does not, none"
    return proc.stderr


def feed_files(workdir: Path) -> list[Path]:
    return sorted((workdir / "output" / "wuhan").glob("wuhan-*.jsonl"))


def items_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_urls(site: MirrorSite, base_url: str) -> set[str]:
    return {base_url + p for p, t in site.expected_articles().items() if t["section_path"] in DEFAULT_SECTIONS}


def article_responses(server: MirrorServer) -> Counter[int]:
    return Counter(status for path, status in server.responses if "/t20" in path)


def test_second_run_emits_exactly_what_is_new_or_changed(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=1)
    with MirrorServer(site) as server:
        run(server.base_url, tmp_path)
        first = items_of(feed_files(tmp_path)[-1])
        assert {i["url"] for i in first} == expected_urls(site, server.base_url)
        assert {i["revision"] for i in first} == {1}

        # The newest article of 武汉要闻 is edited; two new ones are published above it.
        newest = next(p for p, t in site.expected_articles().items() if t["section_path"] == "/sy/whyw/")
        site.edit(newest)
        new_paths = site.publish(2, "/sy/whyw/")
        published = site.expected_article(newest)["published_at"][:10]
        refresh_days = (date.today() - date.fromisoformat(published)).days + 1

        server.clear_requests()
        run(server.base_url, tmp_path, f"refresh_days={refresh_days}")
        second = items_of(feed_files(tmp_path)[-1])
        assert sorted((i["url"], i["revision"]) for i in second) == sorted(
            [(server.base_url + p, 1) for p in new_paths] + [(server.base_url + newest, 2)]
        )
        assert second[0]["paragraphs"] != []
        edited = next(i for i in second if i["url"].endswith(newest))
        assert edited["paragraphs"] == site.expected_article(newest)["paragraphs"]
        # Unchanged articles in the refresh window answered 304: no unchanged page was downloaded.
        downloaded = [p for p, status in server.responses if "/t20" in p and status == 200]
        assert sorted(downloaded) == sorted([*new_paths, newest])


def test_rerun_with_nothing_new_costs_one_list_page_per_column(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=2)
    with MirrorServer(site) as server:
        run(server.base_url, tmp_path)
        server.clear_requests()
        log = run(server.base_url, tmp_path)
        assert len(feed_files(tmp_path)) == 1, "nothing exported: no new feed file"
        requested = [p for p in server.requests if p != "/robots.txt"]
        assert sorted(requested) == sorted(f"{s}index.shtml" for s in DEFAULT_SECTIONS)
        assert "'govnews/state/stopped_at_known_page'" in log


def test_incremental_0_neither_reads_nor_writes_the_store(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=3)
    with MirrorServer(site) as server:
        run(server.base_url, tmp_path, "incremental=0")
        run(server.base_url, tmp_path, "incremental=0")
        first, second = (items_of(f) for f in feed_files(tmp_path))
        assert len(first) == len(second) == len(expected_urls(site, server.base_url))
        assert {i["revision"] for i in first} == {None}
        assert not (tmp_path / "state").exists()


def wait_for_lines(workdir: Path, count: int, proc: subprocess.Popen[Any], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = feed_files(workdir)
        if files and files[-1].read_bytes().count(b"\n") >= count:
            return
        if proc.poll() is not None:
            pytest.fail("the crawl ended before it could be killed")
        time.sleep(0.05)
    pytest.fail("the crawl wrote too little in time")


# Kill points: during start-up and list walking (by time, before any line), and while
# the feed is being written (after n lines), over a crawl of a few hundred articles.
KILL_POINTS = [("seconds", 0.8), ("seconds", 1.6), ("lines", 1), ("lines", 17), ("lines", 90), ("lines", 150)]


@pytest.mark.parametrize(("kind", "at"), KILL_POINTS)
def test_a_killed_run_loses_nothing_and_duplicates_nothing(tmp_path: Path, kind: str, at: float) -> None:
    site = MirrorSite(n_articles=300, per_page=20, seed=4)
    with MirrorServer(site) as server:
        # Slow enough to be caught in mid-run.
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, settings={"DOWNLOAD_DELAY": "0.01"}),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if kind == "lines":
            wait_for_lines(tmp_path, int(at), proc)
        else:
            time.sleep(at)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        run(server.base_url, tmp_path)

        lines = [line for f in feed_files(tmp_path) for line in f.read_text(encoding="utf-8").splitlines()]
        urls = Counter(json.loads(line)["url"] for line in lines)  # every line parses
        assert [u for u, n in urls.items() if n > 1] == []
        assert set(urls) == expected_urls(site, server.base_url)
