"""What the crawl benchmarks share: the mirror served on loopback, and crawls run as real
``scrapy crawl`` subprocesses whose wall time, CPU time and peak RSS are measured.

Not a test and not part of the package: run by the scripts beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import FAST_SETTINGS as TEST_SETTINGS
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorResponse, MirrorSite

ROOT = Path(__file__).resolve().parent.parent
# Both spiders of a pair run with the tests' fast settings, on the project's own otherwise;
# progress as log lines (no terminal here).
FAST_SETTINGS = {**TEST_SETTINGS, "GOVNEWS_PROGRESS": "log"}


class RenderedOnce(MirrorSite):
    """The mirror, each page rendered once and then served from memory: the server stays
    far faster than a crawler, so that a benchmark measures the crawler."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._rendered: dict[tuple[str, str | None], MirrorResponse] = {}
        self._rendered_lock = Lock()

    def render(self, path: str, host: str | None = None) -> MirrorResponse:
        key = (path, host)
        with self._rendered_lock:
            found = self._rendered.get(key)
        if found is None:
            found = super().render(path, host)
            with self._rendered_lock:
                self._rendered[key] = found
        return found


def sections_of(site: MirrorSite) -> str:
    return ",".join(column.path.strip("/") for column in site.columns)


@dataclass
class Run:
    """One crawl subprocess: what it cost and what it asked of the mirror."""

    wall: float
    cpu: float
    max_rss_mib: float
    requests: list[str]
    returncode: int
    stderr: str

    @property
    def pages(self) -> int:
        return len(self.requests)

    def list_pages_per_column(self, site: MirrorSite) -> Counter[str]:
        counts: Counter[str] = Counter()
        for path in self.requests:
            for column in site.columns:
                if path.startswith(column.path) and "/t20" not in path:
                    counts[column.path] += 1
        return counts

    def article_pages(self) -> int:
        return sum(1 for path in self.requests if "/t20" in path)


def run_measured(cmd: list[str], server: MirrorServer, cwd: Path = ROOT) -> Run:
    """Run ``cmd``; its wall time, its CPU (user + system) and peak RSS from ``wait4``."""
    server.clear_requests()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        requests=server.requests,
        returncode=process.returncode,
        stderr=stderr,
    )


def govnews_command(base_url: str, sections: str, output_dir: Path, state_dir: Path) -> list[str]:
    """``scrapy crawl wuhan`` as a user runs it: incremental, the default feed."""
    settings = {**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(output_dir), "GOVNEWS_STATE_DIR": str(state_dir)}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "wuhan", "-a", f"base_url={base_url}", "-a", f"sections={sections}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def bare_command(urls_file: Path) -> list[str]:
    """The bare download spider (``benchmarks/bare_spider.py``) on the URLs in ``urls_file``."""
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks" / "bare_spider.py")]
    cmd += ["-a", f"urls_file={urls_file}"]
    for key, value in FAST_SETTINGS.items():
        if not key.startswith("GOVNEWS_"):
            cmd += ["-s", f"{key}={value}"]
    return cmd
