"""Serve the mirror and crawl it: ``python -m tests.mirror.crawl [--port N] [--articles N] [-- scrapy args]``.

Starts the mirror on a loopback port, runs ``scrapy crawl wuhan`` against it as a real
subprocess (the feed goes where the project's settings say: ``output/wuhan/``), and stops
the mirror when the crawl ends. On a terminal the crawl ends with its own block (the feed,
the verdict, the columns, the pages skipped, the log file: :mod:`govnews.ops.screen`);
elsewhere this prints the run's feed and verdict from the run history
(``output/wuhan/runs.jsonl``).

``--port N`` (``make crawl`` passes ``MIRROR_PORT``, 8765) serves the mirror on a fixed port,
so that the mirror is the same site from one run to the next: the crawl is incremental (its
state store is keyed by ``127.0.0.1:<port>``), and a second run says "nothing new". A port
another program holds ends the command with one line saying so and how to choose another.
Without ``--port`` the mirror takes a free port, a new site each time: that crawl keeps out
of the state store (``-a incremental=0``).

With ``--auto``, when www.wuhan.gov.cn is reachable, it takes a bounded first taste of
the real site instead: the first two list pages of each column and their articles, at
the polite defaults (incremental: a later taste fetches only what is new), then prints what
the full crawl costs (list pages known from the pagers, at one request a second) and the
command that runs it.

Ctrl-C (or SIGTERM) at any moment ends without a traceback: before the crawl starts, at once
(exit 130, 143); while it runs, it is passed on to the crawl once, which stops in seconds
(verdict ``stopped``, a whole feed) and this exits with the crawl's code; once the crawl has
ended, the mirror's teardown finishes and the result is printed all the same. The crawl runs
in a process group of its own, so that a terminal's Ctrl-C reaches it once, through this
wrapper.
"""

from __future__ import annotations

import signal

# Ctrl-C while Python imports what follows would end in a KeyboardInterrupt traceback: the
# stops are held back (blocked, not lost) until their handler is in place (Stops). Only when
# run as a program: a process that imports this module (pytest collecting its doctests) must
# keep its stops, and so must every child it starts, which inherits the mask.
if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

import argparse
import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

ROOT = Path(__file__).resolve().parents[2]
# The mirror is ours: no need to be slow with it.
MIRROR_SETTINGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    # The mirror's ends answer the same at once: a short pause before asking again.
    "-s",
    "GOVNEWS_END_CONFIRM_PAUSE=0.2",
]
TASTE_PAGES = 2
# The project's polite default: one request at a time per host, a second apart.
POLITE_SECONDS_PER_REQUEST = 1.0


def real_site_reachable(timeout: float = 5.0) -> bool:
    try:
        with socket.create_connection(("www.wuhan.gov.cn", 443), timeout=timeout):
            return True
    except OSError:
        return False


EXIT_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}
STOPS = set(EXIT_BY_SIGNAL)
# The crawl's process: ``scrapy crawl …`` started with the stops blocked (the mask is inherited),
# so that a Ctrl-C while Scrapy is imported ends it quietly, once this handler is in place
# (the crawl command installs its own before the crawl starts).
CRAWL_BOOT = """\
import os, signal, sys
def stopped(signum, frame):
    print("stopped before the crawl started", file=sys.stderr, flush=True)
    os._exit(128 + signum)
for signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(signum, stopped)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[1:]])
"""


class Stops:
    """What SIGINT and SIGTERM do, by phase (the module docstring): ``starting`` ends at once,
    ``crawling`` passes the signal on to the crawl, ``ending`` lets the teardown finish."""

    def __init__(self) -> None:
        self.phase = "starting"
        self.child: subprocess.Popen[bytes] | None = None
        self.pending: int | None = None
        """A signal that came after the crawl was decided on but before it started."""
        for signum in EXIT_BY_SIGNAL:
            signal.signal(signum, self)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # held back since the imports

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.phase == "starting":
            print("stopped before the crawl started", file=sys.stderr, flush=True)
            os._exit(EXIT_BY_SIGNAL.get(signal.Signals(signum), 128 + signum))
        elif self.phase == "crawling":
            if self.child is None:
                self.pending = signum
            elif self.child.poll() is None:
                self.child.send_signal(signum)

    def run(self, cmd: list[str]) -> tuple[int, int]:
        """Run ``cmd`` in its own process group, the signals passed on to it; then the
        ``ending`` phase. Returns its exit code and pid."""
        self.phase = "crawling"
        # The child inherits the blocked stops (CRAWL_BOOT); here they wait until it exists.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
        try:
            self.child = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
        if self.pending is not None:
            self.child.send_signal(self.pending)
        code = self.child.wait()
        self.phase = "ending"
        # A crawl ended by a signal (Python's own default, late in its exit) is 128 + it, as a shell says.
        return (code if code >= 0 else 128 - code), self.child.pid


def last_run(output: Path, pid: int) -> dict[str, Any] | None:
    """The run history's line of the crawl with this pid (job ``local-<pid>``)."""
    history = output / "wuhan" / "runs.jsonl"
    if not history.exists():
        return None
    for line in reversed(history.read_text(encoding="utf-8").splitlines()):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("job") == f"local-{pid}":
            return record
    return None


def report(record: dict[str, Any] | None) -> None:
    if record is None:
        print("no run record: the crawl ended before its first list page")
        return
    feed = record.get("feed")
    where = Path(feed).relative_to(ROOT) if feed and Path(feed).is_relative_to(ROOT) else feed
    print(f"feed: {where}" if feed else "feed: none (nothing new to export)")
    print(f"verdict: {record.get('verdict')} ({record.get('items')} articles)")


def full_crawl_cost(summary_path: str | None) -> str | None:
    """What the full crawl costs, from the pagers the taste read."""
    if not summary_path or not Path(summary_path).exists():
        return None
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    pages = rows = 0
    for column in summary.get("columns", {}).values():
        count = column.get("page_count") or column.get("list_pages") or 0
        per_page = column.get("list_rows", 0) / max(column.get("list_pages", 0), 1)
        pages += count
        rows += round(count * per_page)
    seconds = (pages + rows) * POLITE_SECONDS_PER_REQUEST
    return f"about {pages} list pages and {rows} articles: {seconds / 3600:.1f} h at one request a second"


def port_taken(port: int) -> str:
    """The one line for a port another program holds."""
    other = port + 1
    return (
        f"error: the mirror's port {port} is taken (another program, or a mirror still serving there); "
        f"choose another: make crawl MIRROR_PORT={other} (or --port {other})"
    )


def main(argv: list[str] | None = None) -> int:
    stops = Stops()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="mirror size (default 200)")
    parser.add_argument("--per-page", type=int, default=20, help="rows per list page (default 20)")
    parser.add_argument(
        "--port", type=int, default=0, help="mirror port (default 0: a free one, and the crawl keeps out of the store)"
    )
    parser.add_argument("--auto", action="store_true", help="a first taste of the real site when it is reachable")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "output", help="feeds and state store, absolute (default: output/)"
    )
    parser.add_argument("scrapy_args", nargs=argparse.REMAINDER, help="extra arguments for scrapy crawl, after --")
    opts = parser.parse_args(argv)
    extra = [a for a in opts.scrapy_args if a != "--"]
    output = opts.output.resolve()
    # The state store beside the feeds (the project's default for output/ of the checkout).
    extra += ["-s", f"GOVNEWS_OUTPUT_DIR={output}", "-s", f"GOVNEWS_STATE_DIR={output / 'state'}"]
    crawl = [sys.executable, "-c", CRAWL_BOOT, "crawl", "wuhan"]

    if opts.auto and real_site_reachable():
        print(
            f"www.wuhan.gov.cn is reachable: a first taste, the first {TASTE_PAGES} list pages of each column "
            "and their articles, at the polite defaults",
            flush=True,
        )
        child_cmd = [*crawl, "-a", f"max_pages={TASTE_PAGES}", *extra]
        code, pid = stops.run(child_cmd)
        record = last_run(output, pid)
        if not sys.stderr.isatty():  # on a terminal the crawl printed its own block
            report(record)
        cost = full_crawl_cost(record.get("summary") if record else None)
        print("the full crawl: .venv/bin/scrapy crawl wuhan" + (f" ({cost})" if cost else ""))
        print("later runs fetch only what is new (docs/incremental.md)")
        return code

    # 武汉旅游 served too: every column the README lists as known on the mirror works there.
    site = MirrorSite(n_articles=opts.articles, per_page=opts.per_page, tourism=True)
    try:
        server = MirrorServer(site, port=opts.port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(port_taken(opts.port), file=sys.stderr, flush=True)
        return 2
    with server:
        print(f"crawling the bundled mirror at {server.base_url} ({opts.articles} articles)", flush=True)
        mirror_args = ["-a", f"base_url={server.base_url}"]
        if not opts.port:
            # A mirror on a new port each time is a new site: keep it out of the state store.
            mirror_args += ["-a", "incremental=0"]
        code, pid = stops.run([*crawl, *mirror_args, *MIRROR_SETTINGS, *extra])
    if not sys.stderr.isatty():  # on a terminal the crawl printed its own block
        report(last_run(output, pid))
    return code


if __name__ == "__main__":
    sys.exit(main())
