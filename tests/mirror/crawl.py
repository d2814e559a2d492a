"""Serve the mirror and crawl it: ``python -m tests.mirror.crawl [--articles N] [-- scrapy args]``.

Starts the mirror on a free loopback port, runs ``scrapy crawl wuhan`` against it as a
real subprocess (the feed goes where the project's settings say: ``output/wuhan/``),
and stops the mirror when the crawl ends. With ``--auto``, crawls the real site
instead when www.wuhan.gov.cn is reachable.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

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
]


def real_site_reachable(timeout: float = 5.0) -> bool:
    try:
        with socket.create_connection(("www.wuhan.gov.cn", 443), timeout=timeout):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="mirror size (default 200)")
    parser.add_argument("--per-page", type=int, default=20, help="rows per list page (default 20)")
    parser.add_argument("--auto", action="store_true", help="crawl the real site when it is reachable")
    parser.add_argument("scrapy_args", nargs=argparse.REMAINDER, help="extra arguments for scrapy crawl, after --")
    opts = parser.parse_args(argv)
    extra = [a for a in opts.scrapy_args if a != "--"]
    crawl = [sys.executable, "-m", "scrapy", "crawl", "wuhan"]

    if opts.auto and real_site_reachable():
        print("www.wuhan.gov.cn is reachable: crawling the real site with polite defaults", flush=True)
        return subprocess.call([*crawl, *extra], cwd=ROOT)

    site = MirrorSite(n_articles=opts.articles, per_page=opts.per_page)
    with MirrorServer(site) as server:
        print(f"crawling the bundled mirror at {server.base_url} ({opts.articles} articles)", flush=True)
        # A mirror on a new port each time is a new site: keep it out of the state store.
        mirror_args = ["-a", f"base_url={server.base_url}", "-a", "incremental=0"]
        code = subprocess.call([*crawl, *mirror_args, *MIRROR_SETTINGS, *extra], cwd=ROOT)
    feeds = sorted((ROOT / "output" / "wuhan").glob("wuhan-*.jsonl"), key=lambda p: p.stat().st_mtime)
    if feeds:
        print(f"feed: {feeds[-1].relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
