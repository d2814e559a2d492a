"""``make deploy-local`` end to end: a real scrapyd started in the background, the real egg
deployed by ``scrapyd-deploy``, one run on the mirror waited for with
``python -m govnews.ops.schedule --wait``; then a second ``make deploy-local`` that reuses both
servers, and ``make deploy-local-stop``, after which none of the processes is left.

The folder is ``DEPLOY_LOCAL_DIR`` in the test's temporary directory and scrapyd takes a
free port (``DEPLOY_LOCAL_PORT=0``): the checkout's ``output/`` is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.deploy_local import group_members
from tests.scrapyd_harness import PROJECT_ROOT, clean_environ

MAKE_TIMEOUT = 300
_JSONL_RE = re.compile(r"^  JSONL     (?P<path>\S+)  \((?P<count>\d+) articles\)$", re.MULTILINE)
_VERDICT_RE = re.compile(r"^  verdict   (?P<verdict>\S+)$", re.MULTILINE)

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(target: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_ROOT), target],
        env=env,
        capture_output=True,
        text=True,
        timeout=MAKE_TIMEOUT,
        check=False,
    )


def recorded_pids(folder: Path) -> list[int]:
    return [int(path.read_text()) for path in folder.glob("*.pid") if path.read_text().strip().isdigit()]


def processes_using(folder: Path) -> list[int]:
    """Live processes whose command line or working directory names the folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
            cwd = str((entry / "cwd").resolve())
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (str(folder) in command or cwd.startswith(str(folder))):
            found.append(int(entry.name))
    return found


def snapshot(directory: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in directory.rglob("*")} if directory.exists() else {}


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """The deploy-local folder; whatever ``make deploy-local-stop`` left running is killed
    at the end (by the pids the folder recorded), so that a failing test leaves nothing."""
    path = tmp_path / "deploy-local"
    try:
        yield path
    finally:
        for pid in recorded_pids(path):
            for member in group_members(pid):
                with suppress(ProcessLookupError):
                    os.kill(member, signal.SIGKILL)


def test_make_deploy_local_runs_a_crawl_on_scrapyd_and_stop_leaves_nothing_behind(folder: Path) -> None:
    env = clean_environ(folder.parent / "home", {"DEPLOY_LOCAL_DIR": str(folder), "DEPLOY_LOCAL_PORT": "0"})
    (folder.parent / "home").mkdir()
    checkout_output = snapshot(PROJECT_ROOT / "output" / "scrapyd")

    first = make("deploy-local", env)
    pids = recorded_pids(folder)
    second = make("deploy-local", env)
    stop = make("deploy-local-stop", env)

    out = first.stdout
    assert first.returncode == 0, out + first.stderr
    # Two servers in the background, each in a session of its own.
    assert len(pids) == 2, list(folder.iterdir())
    jsonl = _JSONL_RE.search(out)
    assert jsonl is not None, out
    feed = PROJECT_ROOT / jsonl["path"]
    assert feed.is_relative_to(folder / "feeds"), feed
    lines = feed.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) == int(jsonl["count"]) > 0
    assert all(item["url"].startswith("http://127.0.0.1:") for item in items)
    verdict = _VERDICT_RE.search(out)
    assert verdict is not None and verdict["verdict"] == "passed", out
    assert "make deploy-local-stop" in out

    # The second run reuses both servers; it is incremental, so nothing new is exported.
    assert second.returncode == 0, second.stdout + second.stderr
    assert "scrapyd already running" in second.stdout
    assert "mirror already running" in second.stdout
    assert "JSONL     none: the run exported nothing" in second.stdout, second.stdout
    second_verdict = _VERDICT_RE.search(second.stdout)
    assert second_verdict is not None and second_verdict["verdict"] == "passed", second.stdout

    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert re.search(r"^scrapyd: stopped \(pid \d+\)$", stop.stdout, re.MULTILINE), stop.stdout
    assert re.search(r"^mirror:  stopped \(pid \d+\)$", stop.stdout, re.MULTILINE), stop.stdout
    for pid in pids:
        assert group_members(pid) == [], pid
    assert processes_using(folder) == []
    assert recorded_pids(folder) == []

    # Everything the run wrote is in the folder: scrapyd's files, the egg's build by-products.
    config = (folder / "scrapyd.conf").read_text(encoding="utf-8")
    for key in ("eggs_dir", "dbs_dir", "logs_dir"):
        value = re.search(rf"^{key}\s*=\s*(\S+)$", config, re.MULTILINE)
        assert value is not None and Path(value.group(1)).is_relative_to(folder), key
    assert re.search(r"^items_dir\s*=\s*$", config, re.MULTILINE)
    assert re.search(r"^bind_address = 127\.0\.0\.1$", config, re.MULTILINE)
    assert list((folder / "logs" / "govnews" / "wuhan").glob("*.log"))
    assert (folder / "govnews.egg-info").is_dir()
    assert snapshot(PROJECT_ROOT / "output" / "scrapyd") == checkout_output

    # Stopping twice is harmless.
    again = make("deploy-local-stop", env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "scrapyd: not running" in again.stdout
