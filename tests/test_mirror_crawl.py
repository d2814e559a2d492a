"""The one-command crawl of the bundled mirror (``make crawl`` offline): a run that
names its feed and verdict, and a Ctrl-C that stops it cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, run_command


def test_the_mirror_crawl_names_its_feed_and_verdict(tmp_path: Path) -> None:
    result = run_command(
        [sys.executable, "-m", "tests.mirror.crawl", "--articles", "40", "--per-page", "5", "--output", str(tmp_path)]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    feed_line = next(line for line in result.stdout.splitlines() if line.startswith("feed: "))
    feed = Path(feed_line.removeprefix("feed: "))
    assert feed.is_absolute() and feed.parent == tmp_path / "wuhan" and feed.name.startswith("wuhan-")
    assert [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert "verdict: passed (" in result.stdout


def test_ctrl_c_stops_the_mirror_crawl_cleanly(tmp_path: Path) -> None:
    cmd = [
        *(sys.executable, "-m", "tests.mirror.crawl", "--articles", "400", "--output", str(tmp_path)),
        *("--", "-s", "DOWNLOAD_DELAY=0.02", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
    ]
    wrapper = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((tmp_path / "wuhan").glob("wuhan-*.jsonl")):
        assert time.monotonic() < deadline and wrapper.poll() is None, "the crawl wrote nothing in time"
        time.sleep(0.05)
    wrapper.send_signal(signal.SIGINT)
    stdout, stderr = wrapper.communicate(timeout=120)
    assert wrapper.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "verdict: stopped" in stdout
    (feed,) = (tmp_path / "wuhan").glob("wuhan-*.jsonl")
    assert f"feed: {feed}" in stdout
    raw = feed.read_bytes()
    assert raw.endswith(b"\n") and all(json.loads(line) for line in raw.splitlines())
