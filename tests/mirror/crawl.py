"""Serve the mirror and crawl it: ``python -m tests.mirror.crawl [--articles N] [-- scrapy args]``.

Starts the mirror on a free loopback port, runs ``scrapy crawl wuhan`` against it as a
real subprocess (the feed goes where the project's settings say: ``output/wuhan/``),
and stops the mirror when the crawl ends. It prints the run's feed and verdict from the
run history (``output/wuhan/runs.jsonl``).

With ``--auto``, when www.wuhan.gov.cn is reachable, it takes a bounded first taste of
the real site instead: the first two list pages of each column and their articles, at
the polite defaults, then prints what the full crawl costs (list pages known from the
pagers, at one request a second) and the command that runs it.

Ctrl-C (or SIGTERM) is passed on to the crawl once, which stops gracefully (verdict
``stopped``, a whole feed); the wrapper then exits with the crawl's code, without a
traceback. The crawl runs in a process group of its own, so that a terminal's Ctrl-C
reaches it once, through this wrapper.
"""

from __future__ import annotations

import argparse
import json
import signal
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


def run_forwarding_signals(cmd: list[str]) -> tuple[int, int]:
    """Run ``cmd`` in its own process group; SIGINT and SIGTERM received here are passed
    on to it once. Returns its exit code and pid."""
    child = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                return child.wait(), child.pid
            except KeyboardInterrupt:  # pragma: no cover - the handler above replaces it
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="mirror size (default 200)")
    parser.add_argument("--per-page", type=int, default=20, help="rows per list page (default 20)")
    parser.add_argument("--auto", action="store_true", help="a first taste of the real site when it is reachable")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "output", help="feed directory, absolute (default: output/)"
    )
    parser.add_argument("scrapy_args", nargs=argparse.REMAINDER, help="extra arguments for scrapy crawl, after --")
    opts = parser.parse_args(argv)
    extra = [a for a in opts.scrapy_args if a != "--"]
    output = opts.output.resolve()
    extra += ["-s", f"GOVNEWS_OUTPUT_DIR={output}"]
    crawl = [sys.executable, "-m", "scrapy", "crawl", "wuhan"]

    if opts.auto and real_site_reachable():
        print(
            f"www.wuhan.gov.cn is reachable: a first taste, the first {TASTE_PAGES} list pages of each column "
            "and their articles, at the polite defaults",
            flush=True,
        )
        child_cmd = [*crawl, "-a", f"max_pages={TASTE_PAGES}", *extra]
        code, pid = run_forwarding_signals(child_cmd)
        record = last_run(output, pid)
        report(record)
        cost = full_crawl_cost(record.get("summary") if record else None)
        print("the full crawl: .venv/bin/scrapy crawl wuhan" + (f" ({cost})" if cost else ""))
        print("later runs fetch only what is new (docs/incremental.md)")
        return code

    site = MirrorSite(n_articles=opts.articles, per_page=opts.per_page)
    with MirrorServer(site) as server:
        print(f"crawling the bundled mirror at {server.base_url} ({opts.articles} articles)", flush=True)
        # A mirror on a new port each time is a new site: keep it out of the state store.
        mirror_args = ["-a", f"base_url={server.base_url}", "-a", "incremental=0"]
        code, pid = run_forwarding_signals([*crawl, *mirror_args, *MIRROR_SETTINGS, *extra])
    report(last_run(output, pid))
    return code


if __name__ == "__main__":
    sys.exit(main())
