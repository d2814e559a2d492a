"""What a user sees of a run: stops that are not failures, one tidy run history, CSV that
opens right, one-line argument errors, progress on long work. Real ``scrapy crawl``
subprocesses on the mirror."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, ROOT, crawl_command, run_command, run_on_terminal
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite


def settings_for(workdir: Path, **extra: str) -> dict[str, str]:
    return {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(workdir / "output"),
        "GOVNEWS_STATE_DIR": str(workdir / "state"),
        **extra,
    }


def history(workdir: Path) -> list[dict[str, Any]]:
    path = workdir / "output" / "wuhan" / "runs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def feeds(workdir: Path) -> list[Path]:
    return sorted((workdir / "output" / "wuhan").glob("wuhan-*.jsonl"))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_users_stop_is_stopped_not_failed(tmp_path: Path, signum: int, code: int) -> None:
    site = MirrorSite(n_articles=300, per_page=10, seed=21)
    with MirrorServer(site) as server:
        cmd = crawl_command(f"base_url={server.base_url}", settings=settings_for(tmp_path, DOWNLOAD_DELAY="0.02"))
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not feeds(tmp_path) or not feeds(tmp_path)[0].read_bytes().count(b"\n") >= 5:
            assert time.monotonic() < deadline and proc.poll() is None, "the crawl wrote nothing in time"
            time.sleep(0.05)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == code, stderr[-2000:]
        assert "Traceback" not in stderr
        assert "Health checks STOPPED" in stderr and "Health check " not in stderr.replace("Health checks", "")
        (feed,) = feeds(tmp_path)
        raw = feed.read_bytes()
        assert raw.endswith(b"\n")
        items = [json.loads(line) for line in raw.decode("utf-8").splitlines()]  # a whole feed
        summary = json.loads(Path(f"{feed}.summary.json").read_text(encoding="utf-8"))
        assert summary["verdict"] == "stopped" and summary["failed_checks"] == 0
        (run,) = history(tmp_path)
        assert run["verdict"] == "stopped" and run["items"] == len(items) and run["feed"] == str(feed)


def test_a_run_that_exports_nothing_leaves_no_feed_and_one_history_line(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=30, per_page=5, seed=22)
    with MirrorServer(site) as server:
        cmd = crawl_command(f"base_url={server.base_url}", settings=settings_for(tmp_path))
        assert run_command(cmd).returncode == 0
        assert run_command(cmd).returncode == 0  # nothing new
        first, second = history(tmp_path)
        assert len(feeds(tmp_path)) == 1 and first["feed"] == str(feeds(tmp_path)[0])
        assert first["new"] == first["items"] > 0 and first["verdict"] == "passed"
        assert second["items"] == second["new"] == second["changed"] == 0
        assert second["feed"] is None and second["summary"] is None
        assert {p.name for p in (tmp_path / "output" / "wuhan").iterdir()} == {
            "runs.jsonl",
            feeds(tmp_path)[0].name,
            feeds(tmp_path)[0].name + ".summary.json",
        }


def test_dash_o_replaces_the_default_feed_and_csv_opens_in_a_spreadsheet(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=30, per_page=5, seed=23)
    with MirrorServer(site) as server:
        out = tmp_path / "articles.csv"
        cmd = crawl_command(f"base_url={server.base_url}", "incremental=0", settings=settings_for(tmp_path))
        result = run_command([*cmd, "-O", str(out)])
        assert result.returncode == 0, result.stderr[-2000:]
        assert feeds(tmp_path) == [], "-O replaces the default feed"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.csv", "articles.csv.summary.json", "output"]
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel and WPS"
        with out.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        truth = {server.base_url + path: t for path, t in site.expected_articles().items()}
        assert rows and {r["url"] for r in rows} <= set(truth)
        multi = [r for r in rows if len(truth[r["url"]]["paragraphs"]) > 1]
        assert multi
        for row in rows:
            expected = truth[row["url"]]
            assert row["paragraphs"].split("\n") == expected["paragraphs"] or (
                not expected["paragraphs"] and row["paragraphs"] == ""
            )
            assert json.loads(row["attachments"]) == [
                {"url": server.base_url + a["path"], "name": a["name"]} for a in expected["attachments"]
            ]
            assert isinstance(json.loads(row["meta"]), dict) and isinstance(json.loads(row["images"]), list)
            assert row["title"] == expected["title"]
            # The policy header as columns of their own, empty for a news article.
            document = expected["document"] or {}
            for field in ("index_no", "issuer", "doc_number", "topic", "written_at", "published_at", "validity"):
                assert row[f"document_{field}"] == (document.get(field) or ""), field
            in_force = document.get("in_force")
            assert row["document_in_force"] == ("" if in_force is None else str(in_force).lower())
            assert row["attachments_text"] == ""
        assert any(row["document_index_no"] for row in rows) and any(not row["document_index_no"] for row in rows)


@pytest.mark.parametrize(
    "bad",
    ["base_url=ftp://example.org", "max_pages=0", "since=yesterday", "sections=../etc", "colour=blue"],
)
def test_an_argument_error_is_one_line_and_exit_2(bad: str) -> None:
    result = run_command(crawl_command(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: spider wuhan: ") and "allowed" in lines[0]
    assert result.stdout == ""


def test_progress_is_logged_where_there_is_no_terminal(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=120, per_page=10, seed=24)
    with MirrorServer(site) as server:
        cmd = crawl_command(
            f"base_url={server.base_url}",
            settings=settings_for(tmp_path, DOWNLOAD_DELAY="0.02", GOVNEWS_PROGRESS_INTERVAL="0.3"),
        )
        result = run_command(cmd)
        assert result.returncode == 0
        lines = [line for line in result.stderr.splitlines() if "[govnews.ops.progress] INFO: progress: " in line]
        assert lines, "a progress line each interval"
        assert "/sy/whyw/ " in lines[-1] and " list pages, " in lines[-1] and "articles/min" in lines[-1]


def test_progress_bars_on_a_terminal(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=10, seed=25)
    with MirrorServer(site) as server:
        cmd = crawl_command(f"base_url={server.base_url}", settings=settings_for(tmp_path, DOWNLOAD_DELAY="0.05"))
        code, screen = run_on_terminal(cmd)
        assert code == 0
        assert "/zwgk/tzgg/" in screen and "list page" in screen and "articles" in screen


@pytest.mark.parametrize("after", [0.3, 0.8, 1.3, 1.8])
def test_a_stop_while_the_crawl_starts_ends_it_at_once(mirror: MirrorServer, tmp_path: Path, after: float) -> None:
    """Whenever SIGTERM comes during start-up (imports, settings, before Scrapy's own
    handlers, or just after), the command ends promptly, quietly, with no half-written line."""
    cmd = crawl_command(f"base_url={mirror.base_url}", settings=settings_for(tmp_path, DOWNLOAD_DELAY="0.2"))
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode in (-signal.SIGTERM, 143), stderr[-2000:]
    assert "Traceback" not in stderr
    for feed in tmp_path.rglob("wuhan-*.jsonl"):
        assert feed.read_bytes().endswith(b"\n") or feed.read_bytes() == b""
