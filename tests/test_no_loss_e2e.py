"""The no-loss promise end to end: real ``scrapy crawl`` subprocesses on the mirror, in the
schedules that lost articles before (a capped sample, a ``since`` run, a list page that
failed for one run), plus the same-body notices, the overlapping run and a killed run
followed by one from another working directory.

The promise: every article the site lists while runs are scheduled is exported, exactly
once per revision, whatever the schedule. Expected articles come from the mirror's truth.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, expected_urls, feed_files, wait_for_lines


def crawl(
    base_url: str, workdir: Path, *args: str, cwd: Path = ROOT, **settings: str
) -> subprocess.CompletedProcess[str]:
    # Outside the checkout, Scrapy finds the project as scrapyd does: by its settings module.
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "govnews.settings", "PYTHONPATH": str(ROOT)}
    return run_command(crawl_cmd(base_url, workdir, *args, settings=settings or None), cwd=cwd, env=env, timeout=300)


def union(workdir: Path) -> list[dict[str, Any]]:
    """Every line of every incremental feed (each must parse)."""
    return [json.loads(line) for f in feed_files(workdir) for line in f.read_text(encoding="utf-8").splitlines()]


def assert_exactly_once(workdir: Path, expected: set[str]) -> list[dict[str, Any]]:
    items = union(workdir)
    twice = [key for key, n in Counter((i["url"], i["revision"]) for i in items).items() if n > 1]
    assert twice == [], "exported twice within a revision"
    assert expected - {i["url"] for i in items} == set(), "listed but never exported"
    return items


def test_a_capped_sample_then_normal_runs_lose_nothing(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=5, seed=11)
    with MirrorServer(site) as server:
        assert crawl(server.base_url, tmp_path, "max_pages=1").returncode in (0, 1)
        sample = {i["url"] for i in union(tmp_path)}
        assert sample and sample < expected_urls(site, server.base_url)
        assert crawl(server.base_url, tmp_path).returncode == 0
        assert_exactly_once(tmp_path, expected_urls(site, server.base_url))
        # New articles, more than a page of them, then a capped run and a normal one again.
        site.publish(8, "/sy/whyw/")
        crawl(server.base_url, tmp_path, "max_pages=1")
        assert crawl(server.base_url, tmp_path).returncode == 0
        assert_exactly_once(tmp_path, expected_urls(site, server.base_url))


def test_a_since_run_then_normal_runs_lose_nothing(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=5, seed=12)
    with MirrorServer(site) as server:
        dates = sorted(t["published_at"][:10] for t in site.expected_articles().values())
        since = dates[len(dates) // 2]
        crawl(server.base_url, tmp_path, f"since={since}")
        first = union(tmp_path)
        assert first and all(i["published_at"][:10] >= since for i in first)
        assert crawl(server.base_url, tmp_path).returncode == 0
        assert_exactly_once(tmp_path, expected_urls(site, server.base_url))


def test_a_list_page_that_failed_for_one_run_is_walked_again(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=5, seed=13)
    with MirrorServer(site) as server:
        assert crawl(server.base_url, tmp_path).returncode == 0
        # More than two pages of news, then page 2 of the column fails (500, after retries).
        new = site.publish(12, "/zwgk/tzgg/")
        site.fail(site.list_page_paths("/zwgk/tzgg/")[1], status=500)
        failed = crawl(server.base_url, tmp_path)
        assert "'govnews/list/failed/http_500'" in failed.stderr
        missing_after_failure = {server.base_url + p for p in new} - {i["url"] for i in union(tmp_path)}
        assert missing_after_failure, "the failed page held rows this run could not see"
        site.clear_failures()
        assert crawl(server.base_url, tmp_path).returncode == 0
        assert_exactly_once(tmp_path, expected_urls(site, server.base_url))


@pytest.mark.parametrize("incremental", ["1", "0"])
def test_notices_with_the_same_body_and_a_repost_are_all_exported(tmp_path: Path, incremental: str) -> None:
    site = MirrorSite(n_articles=60, per_page=5, seed=14)
    with MirrorServer(site) as server:
        result = crawl(server.base_url, tmp_path, f"incremental={incremental}")
        assert result.returncode == 0, result.stderr[-2000:]
        items = {i["url"]: i for i in union(tmp_path)}
        specials = site.special_paths()
        notices = [server.base_url + p for p in specials["attachment_only"]]
        assert len(notices) == 2
        for url in notices:
            assert items[url]["paragraphs"] == ["详见附件。"]
            assert items[url]["duplicate_of"] is None
        assert items[notices[0]]["title"] != items[notices[1]]["title"]
        (image_only,) = specials["image_only"]
        assert items[server.base_url + image_only]["paragraphs"] == []
        assert items[server.base_url + image_only]["images"]
        for first, repost in site.repost_pairs():
            a, b = items[server.base_url + first], items[server.base_url + repost]
            # The later-exported copy names the earlier one; export order decides which.
            assert (a["duplicate_of"], b["duplicate_of"]) in [(None, a["url"]), (b["url"], None)]
        assert set(items) == expected_urls(site, server.base_url)


def test_an_overlapping_run_is_refused_before_any_request_with_exit_3(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=200, per_page=10, seed=15)
    with MirrorServer(site) as server:
        holder = subprocess.Popen(
            crawl_cmd(
                server.base_url, tmp_path, settings={"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
            ),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_lines(tmp_path, 1, holder)
            feeds_before = feed_files(tmp_path)
            second = crawl(server.base_url, tmp_path)
            assert second.returncode == 3
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert f"pid {holder.pid}" in lines[0] and "in use by another run" in lines[0]
            assert feed_files(tmp_path) == feeds_before, "the refused run wrote no feed"
        finally:
            holder.send_signal(signal.SIGTERM)
            holder.wait(timeout=60)


def test_a_run_killed_mid_line_then_a_run_from_another_directory_lose_nothing(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=200, per_page=10, seed=16)
    with MirrorServer(site) as server:
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, settings={"DOWNLOAD_DELAY": "0.01"}),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_lines(tmp_path, 20, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # What a write cut by the kill leaves: the start of a line, no newline.
        (feed,) = feed_files(tmp_path)
        with feed.open("ab") as f:
            f.write(b'{"url": "' + server.base_url.encode() + b"/sy/whyw/202205/t2022")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        second = crawl(server.base_url, tmp_path, cwd=elsewhere)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "'govnews/state/repaired_feeds': 1" in second.stderr
        assert not list(elsewhere.iterdir()), "nothing is written to the working directory"
        items = assert_exactly_once(tmp_path, expected_urls(site, server.base_url))
        assert {i["url"] for i in items} == expected_urls(site, server.base_url)


def test_default_directories_do_not_follow_the_working_directory(tmp_path: Path) -> None:
    code = "from govnews.store.paths import default_output_dir as o, default_state_dir as s; print(o(), s())"
    here = run_command([sys.executable, "-c", code], cwd=ROOT)
    there = run_command([sys.executable, "-c", code], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert here.returncode == there.returncode == 0, here.stderr + there.stderr
    assert here.stdout == there.stdout == f"{ROOT / 'output'} {ROOT / 'output' / 'state'}\n"


def test_sections_and_urls_runs_leave_other_columns_walks_alone(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=5, seed=17)
    with MirrorServer(site) as server:
        assert crawl(server.base_url, tmp_path, "sections=sy/whyw").returncode == 0
        one = next(p for p, t in site.expected_articles().items() if t["section_path"] == "/zwgk/tzgg/")
        assert crawl(server.base_url, tmp_path, f"urls={server.base_url}{one}").returncode == 0
        server.clear_requests()
        assert crawl(server.base_url, tmp_path).returncode == 0
        # 武汉要闻 was walked whole: this run stops on its first page. The others were not:
        # walked to their end.
        whyw_pages = [p for p in server.requests if p.startswith("/sy/whyw/") and "/t20" not in p]
        tzgg_pages = [p for p in server.requests if p.startswith("/zwgk/tzgg/") and "/t20" not in p]
        assert whyw_pages == ["/sy/whyw/index.shtml"]
        assert len(tzgg_pages) > 1
        assert_exactly_once(tmp_path, expected_urls(site, server.base_url))


def test_state_command_lists_a_store_and_resets_one_column(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=18)
    with MirrorServer(site) as server:
        assert crawl(server.base_url, tmp_path).returncode == 0
        state = ["-s", f"GOVNEWS_STATE_DIR={tmp_path / 'state'}"]
        listing = run_command([sys.executable, "-m", "scrapy", "govnews-state", *state])
        assert listing.returncode == 0, listing.stderr
        for column in ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/"):
            assert f"  {column}: last complete walk " in listing.stdout
        reset = run_command(
            [
                sys.executable,
                "-m",
                "scrapy",
                "govnews-state",
                *state,
                "--site",
                server.base_url,
                "--reset-column",
                "sy/whyw",
            ]
        )
        assert reset.returncode == 0 and "walks of /sy/whyw/ forgotten" in reset.stdout, reset.stderr
        server.clear_requests()
        assert crawl(server.base_url, tmp_path).returncode == 0
        pages = [p for p in server.requests if "/t20" not in p and p != "/robots.txt"]
        # 武汉要闻 is walked to its end again; the others stop on their first page; nothing
        # is exported again.
        assert sorted(p for p in pages if not p.startswith("/sy/whyw/")) == sorted(
            f"{c}index.shtml" for c in ("/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")
        )
        assert sorted(p for p in pages if p.startswith("/sy/whyw/")) == sorted(site.list_page_paths("/sy/whyw/"))
        assert len(feed_files(tmp_path)) == 1, "nothing exported again: no new feed file"
