"""The walk against a site that moves while it is walked: real ``scrapy crawl`` subprocesses on
the mirror's HTTP server, the site changing between two requests of a run.

One column (武汉要闻, a ``createPageHTML`` pager, 5 rows a page), in turn:

1. articles are published while the walk is under way (after page 2 was asked for): every row
   moves down, a new last page appears, and the walk reads it;
2. a list page inside the pager's range answers 404 once: the walk goes on, is incomplete,
   and the next run reads through what it missed;
3. a row is withdrawn behind the walk: an unread row slips onto a page already read, so no
   ordinary run ever sees it; ``-a audit=1`` finds it.

Nothing is lost, nothing is exported twice (the truth: the mirror's own list of articles).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conftest import run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, feed_files

COLUMN = "/sy/whyw/"


def crawl(server: MirrorServer, workdir: Path, *args: str) -> tuple[int, str]:
    proc = run_command(crawl_cmd(server.base_url, workdir, "sections=sy/whyw", *args), timeout=300)
    return proc.returncode, proc.stderr


def union(workdir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in feed_files(workdir) for line in f.read_text(encoding="utf-8").splitlines()]


def exported(workdir: Path) -> set[str]:
    items = union(workdir)
    twice = [key for key, n in Counter((i["url"], i["revision"]) for i in items).items() if n > 1]
    assert twice == [], "exported twice within a revision"
    return {i["url"] for i in items}


def listed(site: MirrorSite, server: MirrorServer) -> set[str]:
    return {server.url(p) for p in site.article_paths(COLUMN)}


def once(hook_path: str, action: Any) -> Any:
    """A request hook that runs ``action`` the first time ``hook_path`` is asked for."""
    done = threading.Event()

    def hook(path: str) -> None:
        if path.split("?", maxsplit=1)[0] == hook_path and not done.is_set():
            done.set()
            action()

    return hook


def stat(log: str, key: str) -> int:
    prefix = f"'govnews/{key}': "
    line = next((line for line in log.splitlines() if prefix in line), None)
    return int(line.split(prefix)[1].split(",")[0].rstrip("}")) if line else 0


def test_a_walk_follows_a_moving_site_and_an_audit_finds_what_slipped(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=100, per_page=5, seed=21)
    with MirrorServer(site) as server:
        # 1. Published mid-walk: 7 articles appear once page 2 is asked for (more than a page).
        before = listed(site, server)
        pages_before = len(site.list_page_paths(COLUMN))
        server.before_each_request(once(f"{COLUMN}index_1.shtml", lambda: site.publish(7, COLUMN)))
        code, log = crawl(server, tmp_path)
        assert code == 0, log[-3000:]
        pages_after = site.list_page_paths(COLUMN)
        assert len(pages_after) > pages_before
        assert pages_after[-1] in server.requests, "the new last page is read"
        assert before <= exported(tmp_path), "the oldest rows, pushed onto the new last page, are exported"
        assert stat(log, "walk/shifted_down") >= 1
        code, log = crawl(server, tmp_path)
        assert code == 0 and exported(tmp_path) == listed(site, server)

        # 2. A 404 inside the pager's range, once: the walk goes on past it, incomplete.
        site.publish(12, COLUMN)
        site.fail(f"{COLUMN}index_1.shtml", 404, times=1)
        server.before_each_request(None)
        code, log = crawl(server, tmp_path)
        assert "'govnews/list/failed/http_404': 1" in log
        assert f"{COLUMN}index_2.shtml" in server.requests, "the walk went on past the failed page"
        missed = listed(site, server) - exported(tmp_path)
        assert missed, "page 2 held rows this run could not read"
        assert "'govnews/state/incomplete_walks': 1" in log
        code, log = crawl(server, tmp_path)
        assert code == 0, log[-3000:]
        assert exported(tmp_path) == listed(site, server)

        # 3. Withdrawn behind the walk: 12 new rows, two pages' worth and two more; once page 3
        #    is asked for, a row already read is withdrawn, and the 11th new row slips from
        #    page 3 onto page 2, already read. The page count does not change, and new rows
        #    go on past the seam it slipped across (no evidence on any page the walk reads).
        total = len(site.article_paths(COLUMN))
        site.publish(12 + (1 if (total + 12) % 5 == 1 else 0), COLUMN)
        newest = site.article_paths(COLUMN)
        slipping = newest[10]
        server.before_each_request(once(f"{COLUMN}index_2.shtml", lambda: site.withdraw(newest[1])))
        crawl(server, tmp_path)
        server.before_each_request(None)
        code, log = crawl(server, tmp_path)
        assert code == 0, log[-3000:]
        assert server.url(slipping) not in exported(tmp_path), "no ordinary run reads the page it slipped onto"
        code, log = crawl(server, tmp_path, "audit=1")
        assert code == 0, log[-3000:]
        assert stat(log, "audit/found") == 1
        assert "audit walk of 1 column(s)" in log
        # Every listed article; and the withdrawn one, exported before it was withdrawn.
        assert exported(tmp_path) == listed(site, server) | {server.url(newest[1])}


def test_dead_links_are_not_asked_again_by_runs_with_nothing_new(tmp_path: Path) -> None:
    """The mirror's lists link to a few dead articles (404). The first run meets them; the
    identical runs after it ask none of them again and owe nothing."""
    site = MirrorSite(n_articles=60, per_page=5, seed=22)
    dead = site.dead_article_paths
    with MirrorServer(site) as server:
        code, log = crawl(server, tmp_path)
        assert code == 0, log[-3000:]
        assert {p for p in server.requests if p in dead}, "the first run meets the dead links"
        for _ in range(2):
            server.clear_requests()
            code, log = crawl(server, tmp_path)
            assert code == 0, log[-3000:]
            assert [p for p in server.requests if p in dead] == []
            assert stat(log, "state/made_pending") == 0 and "skipped: http_404" not in log
