"""Exported means durable: an item is recorded only once its line is in the feed, on disk;
a feed write that fails leaves the item owed. The failing disk is the kernel's ``/dev/full``
(every write answers ENOSPC); the run is the real spider, pipelines, feed storage and store
(``tests/stepped_crawl.py``)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mirror.site import MirrorSite
from tests.stepped_crawl import SteppedCrawl

FULL_DISK = Path("/dev/full")
ROOT = Path(__file__).resolve().parent.parent


def run(site: MirrorSite, feed: Path, state: Path) -> SteppedCrawl:
    crawl = SteppedCrawl(
        site,
        base_url="http://127.0.0.1:8000",
        feed=feed,
        spider_args={"sections": "sy/whyw"},
        settings={"GOVNEWS_STATE_DIR": str(state)},
    ).start()
    crawl.serve_all()
    crawl.close("finished")
    return crawl


@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full (Linux), a device every write fails on")
def test_items_a_feed_failed_to_write_stay_owed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = MirrorSite(n_articles=24, per_page=3, seed=4)
    expected = {f"http://127.0.0.1:8000{p}" for p in site.article_paths("/sy/whyw/")}
    with caplog.at_level(logging.ERROR):
        failed = run(site, FULL_DISK, tmp_path / "state")
    stats = failed.crawler.stats.get_stats() if failed.crawler.stats else {}
    assert stats.get("govnews/feed/write_failed") == len(expected)
    assert sum("feed write failed for" in r.getMessage() for r in caplog.records) == len(expected)
    assert stats.get("govnews/state/recorded", 0) == 0, "nothing the disk refused is recorded"
    # The next run, on a disk that works, exports every one of them.
    feed = tmp_path / "feed.jsonl"
    run(site, feed, tmp_path / "state")
    assert {json.loads(line)["url"] for line in feed.read_text("utf-8").splitlines()} == expected


def test_a_write_the_disk_cuts_short_is_taken_back(tmp_path: Path) -> None:
    """A file-size limit (RLIMIT_FSIZE, in a child process) lets 5 bytes of a line through,
    then refuses the rest: the write raises and the file holds whole lines only."""
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"url": "a"}\n')
    child = (
        "import resource, signal, sys\n"
        "from govnews.feeds import FeedFile\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "feed = FeedFile(sys.argv[1], 'a')\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (feed.tell() + 5, resource.RLIM_INFINITY))\n"
        "try:\n"
        '    feed.write(b\'{"url": "b"}\\n\')\n'
        "except OSError:\n"
        "    sys.exit(0 if feed.failed_writes == 1 else 2)\n"
        "sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", child, str(path)], cwd=ROOT, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert path.read_bytes() == b'{"url": "a"}\n'
