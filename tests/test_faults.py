"""Faults and security: a graceful stop, a JOBDIR resume, hosts the crawl must never
touch, and spider arguments that try to steer file paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FAST_SETTINGS, ROOT, crawl_command, run_command, run_crawl
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, expected_urls, feed_files, run, wait_for_lines


def lines_of(files: list[Path]) -> list[str]:
    return [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]


def test_sigterm_finishes_items_in_flight_and_closes_the_feed(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=200, per_page=20, seed=5)
    with MirrorServer(site) as server:
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, settings={"DOWNLOAD_DELAY": "0.02"}),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_lines(tmp_path, 10, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert "Received SIGTERM, shutting down gracefully" in stderr
        assert "'finish_reason': 'shutdown'" in stderr
        # A user's stop is no failure: verdict "stopped", nothing judged, exit code 128 + SIGTERM.
        assert "Health checks STOPPED" in stderr and "Health check finish_reason failed" not in stderr
        assert proc.returncode == 143, stderr[-2000:]
        stopped = lines_of(feed_files(tmp_path))
        assert 10 <= len(stopped) < len(expected_urls(site, server.base_url))

        run(server.base_url, tmp_path)
        urls = Counter(json.loads(line)["url"] for line in lines_of(feed_files(tmp_path)))
        assert [u for u, n in urls.items() if n > 1] == []
        assert set(urls) == expected_urls(site, server.base_url)


def test_jobdir_resumes_a_stopped_backfill(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=200, per_page=20, seed=6)
    jobdir = tmp_path / "job"
    with MirrorServer(site) as server:
        settings = {"JOBDIR": str(jobdir), "DOWNLOAD_DELAY": "0.02"}
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, tmp_path, "incremental=0", settings=settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_lines(tmp_path, 20, proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        assert (jobdir / "requests.seen").exists()
        first = lines_of(feed_files(tmp_path))

        server.clear_requests()
        run(server.base_url, tmp_path, "incremental=0", settings={"JOBDIR": str(jobdir)})
        resumed = lines_of(feed_files(tmp_path))[len(first) :]
        urls = Counter(json.loads(line)["url"] for line in first + resumed)
        assert [u for u, n in urls.items() if n > 1] == []
        assert set(urls) == expected_urls(site, server.base_url)
        # The resumed run did not start over: page 1 of each column was not fetched again.
        assert "/sy/whyw/index.shtml" not in server.requests


# -- hosts the crawl must never touch ---------------------------------------------------


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.paths: list[str] = []
        self.other = ""  # base URL of the other server, for links and redirects

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _HostileSite(BaseHTTPRequestHandler):
    """A site whose pages point at another host in every way a page can."""

    server: _Recorder

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        other = self.server.other
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /sy/whyw/202405/t20240506_6.shtml\n", "text/plain")
        elif self.path == "/sy/whyw/index.shtml":
            rows = "".join(
                f'<li><a href="{href}">标题{i}</a><span>2024-05-0{i}</span></li>'
                for i, href in enumerate(
                    [
                        "./202405/t20240501_1.shtml",  # redirects to the other host
                        f"{other}/sy/whyw/202405/t20240502_2.shtml",  # lives on the other host
                        "./202405/t20240503_3.shtml",  # a normal article linking out
                        f"//127.0.0.1:{other.rsplit(':', 1)[1]}/sy/whyw/202405/t20240504_4.shtml",
                        "./202405/t20240503_3.shtml",  # listed twice: fetched once
                        "./202405/t20240506_6.shtml",  # disallowed by robots.txt
                    ],
                    start=1,
                )
            )
            self._send(200, f'<div class="articleList"><ul>{rows}</ul></div>'.encode(), "text/html; charset=utf-8")
        elif self.path == "/sy/whyw/202405/t20240501_1.shtml":
            self.send_response(302)
            self.send_header("Location", f"{other}/sy/whyw/202405/t20240501_1.shtml")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/sy/whyw/202405/t20240503_3.shtml":
            body = (
                '<html><head><meta name="ArticleTitle" content="正文页"></head><body>'
                f'<div class="TRS_Editor"><p>正文。</p><img src="{other}/W1.jpg"><a href="{other}/P1.pdf">附件</a>'
                f'<script>createPageHTML(2, 0, "t20240503_3", "shtml")</script></div>'
                f'<a href="{other}/sy/whyw/202405/t20240505_5.shtml">外链</a></body></html>'
            )
            self._send(200, body.encode(), "text/html; charset=utf-8")
        elif self.path == "/sy/whyw/202405/t20240503_3_1.shtml":
            self.send_response(301)
            self.send_header("Location", f"{other}/sy/whyw/202405/t20240503_3_1.shtml")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: _Recorder) -> Iterator[_Recorder]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hostile() -> Iterator[tuple[_Recorder, _Recorder]]:
    site, other = _Recorder(_HostileSite), _Recorder(_HostileSite)
    site.other, other.other = other.base_url, site.base_url
    gen_site, gen_other = _serve(site), _serve(other)
    yield next(gen_site), next(gen_other)
    for gen in (gen_site, gen_other):
        next(gen, None)


def test_zero_requests_to_any_other_host_whatever_the_pages_link_to(
    hostile: tuple[_Recorder, _Recorder], tmp_path: Path
) -> None:
    site, other = hostile
    result = run_crawl(f"base_url={site.base_url}", "sections=sy/whyw", output=tmp_path / "out.jsonl")
    assert "Spider closed (finished)" in result.log, result.log[-2000:]
    assert result.returncode == 1  # every article of the column failed: the health checks say so
    assert other.paths == []  # same machine, another port: another host
    assert "/sy/whyw/202405/t20240501_1.shtml" in site.paths
    assert result.stats["govnews/security/offsite_blocked"] >= 2  # both redirects refused
    assert result.stats["govnews/links/offsite"] >= 2
    assert result.items == []  # the only article lost a page to another host: not exported partly
    assert result.stats["govnews/article/failed/offsite"] >= 2
    assert result.stats["govnews/article/failed/robots_txt"] == 1
    assert "/sy/whyw/202405/t20240506_6.shtml" not in site.paths
    assert site.paths.count("/sy/whyw/202405/t20240503_3.shtml") == 1
    assert result.stats["govnews/links/repeated"] == 1


# -- arguments cannot steer file paths -----------------------------------------------------


@pytest.mark.parametrize(
    "arg",
    [
        "GOVNEWS_OUTPUT_DIR=/tmp/evil",
        "FEEDS=/tmp/evil.jsonl",
        "sections=../../../../tmp/evil",
        "base_url=file:///tmp/evil",
        "urls=file:///etc/passwd",
    ],
)
def test_arguments_that_look_like_paths_are_refused(mirror: MirrorServer, tmp_path: Path, arg: str) -> None:
    proc = run_command(crawl_command(f"base_url={mirror.base_url}", arg))
    assert proc.returncode == 2
    assert not Path("/tmp/evil").exists() and not Path("/tmp/evil.jsonl").exists()


def test_a_hostile_job_id_cannot_leave_the_output_directory(mirror: MirrorServer, tmp_path: Path) -> None:
    output = tmp_path / "output"
    cmd = crawl_command(
        f"base_url={mirror.base_url}",
        "_job=../../../escaped",
        "max_pages=1",
        "incremental=0",
        settings={**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(output)},
    )
    proc = run_command(cmd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(p.is_relative_to(output / "wuhan") for p in written)
    feeds = [p for p in written if p.name != "runs.jsonl"]  # the run history sits beside the feeds
    assert feeds and all(p.name.endswith((".jsonl", ".jsonl.summary.json")) for p in feeds)
    assert all(p.name.startswith("wuhan-") and "escaped" in p.name for p in feeds)
    assert not any(p.name == "escaped" for p in tmp_path.parent.rglob("escaped*"))


def test_a_crawl_started_elsewhere_writes_where_the_settings_say(mirror: MirrorServer, tmp_path: Path) -> None:
    """No path depends on the working directory: run from an empty directory."""
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    output = tmp_path / "output"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "govnews.settings", "PYTHONPATH": str(ROOT)}
    cmd = crawl_command(
        f"base_url={mirror.base_url}",
        "max_pages=1",
        "incremental=0",
        settings={**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(output)},
    )
    proc = run_command(cmd, cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(elsewhere.iterdir()) == []
    assert len(list((output / "wuhan").glob("wuhan-*.jsonl"))) == 1
