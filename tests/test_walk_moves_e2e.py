"""The walk against site moves that earlier tests did not make: real ``scrapy crawl`` subprocesses
on the mirror's HTTP server, one column (武汉要闻, a ``createPageHTML`` pager).

Each test is a schedule that lost articles before the protection it names (put it back and
the test fails):

* **the audit clock starts at a column's first walk to the end, whole or not**: page 3 fails for
  the whole first run; a second run reads through it; an article is back-dated into row 70; a
  run eight days later (``faketime -f +8d``) is an audit walk by the clock and exports it;
* **pages served out of step**: page 2 served as it was before the latest publish (a stale
  cache, or a CMS that regenerates its pages one by one), on a first walk and on a later one;
  a list page that answers with a redirect to page 1. The run that meets it cannot see the rows
  it hides; the next run, with fresh pages, exports them;
* **the re-read after a page count that dropped**: a row withdrawn once page 2 was read pulls an
  unread row onto page 2; the same run reads page 2 again and exports it (no audit is due);
* **the cap ends**: a column twice as long as ``GOVNEWS_MAX_LIST_PAGES`` is walked to its end in
  two runs, the second resuming where the first stopped; a third reads page 1 only;
* **dead-link memory**: with one new article before each run, the dead links listed beside it
  are not asked again.

The truth is the mirror's own list of articles (which knows nothing of ``govnews``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests import faketime
from tests.conftest import run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, feed_files
from tests.test_walk_e2e import exported, listed, once, stat

COLUMN = "/sy/whyw/"


def crawl(server: MirrorServer, workdir: Path, *args: str, days: float = 0, **settings: str) -> str:
    """One run of the column; its log. It finishes (a failed page fails its health checks, not
    the run)."""
    cmd = crawl_cmd(server.base_url, workdir, "sections=sy/whyw", *args, settings=settings or None)
    proc = run_command(faketime.command(cmd, days) if days else cmd, timeout=300)
    assert '"finish_reason": "finished"' in proc.stderr, proc.stderr[-3000:]
    return proc.stderr


def union(workdir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in feed_files(workdir) for line in f.read_text(encoding="utf-8").splitlines()]


def test_the_audit_clock_starts_at_a_first_walk_that_had_a_failed_page(tmp_path: Path) -> None:
    """Page 3 answers 500 for the whole first run, so no walk of the column is ever whole; the
    audit is due seven days (``GOVNEWS_AUDIT_DAYS``) after that first walk to the end all the
    same. Before: the clock started only at a whole walk, and the back-dated article was never
    exported."""
    faketime.require()
    site = MirrorSite(n_articles=400, per_page=20, seed=31)  # 100 rows in 武汉要闻: 5 pages
    with MirrorServer(site) as server:
        site.fail(f"{COLUMN}index_2.shtml", 500, times=None)
        log = crawl(server, tmp_path)
        assert stat(log, "walk/failed_pages") == 1 and stat(log, "state/complete_walks") == 0
        site.clear_failures()
        crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server)
        (backdated,) = site.publish(1, COLUMN, below=70)
        log = crawl(server, tmp_path)
        assert stat(log, "audit/list_pages") == 0 and server.url(backdated) not in exported(tmp_path)
        log = crawl(server, tmp_path, days=8)
        assert "audit walk of 1 column(s)" in log and stat(log, "audit/found") == 1
        assert exported(tmp_path) == listed(site, server)


def test_a_stale_page_2_on_a_first_walk_is_read_through_by_the_next_run(tmp_path: Path) -> None:
    """Three articles are published, then the first walk gets page 2 as it was before: its rows
    start three rows lower than page 1 now ends, so three rows are on neither. Page 3, fresh,
    repeats page 2's last three rows: the seam above page 2 is doubted, and the next run reads
    it again. Before: both walks were complete, and the three articles were lost."""
    site = MirrorSite(n_articles=400, per_page=20, seed=32)
    page_2 = f"{COLUMN}index_1.shtml"
    with MirrorServer(site) as server:
        stale_rows = {r["path"] for r in site.list_rows(page_2)}
        site.publish(3, COLUMN)
        shown = stale_rows.union(
            *({r["path"] for r in site.list_rows(p)} for p in site.list_page_paths(COLUMN) if p != page_2)
        )
        hidden = {server.url(p) for p in site.article_paths(COLUMN) if p not in shown}
        assert len(hidden) >= 2  # pushed off page 1, and page 2 starts below them
        site.stale(page_2)
        log = crawl(server, tmp_path)
        assert listed(site, server) - exported(tmp_path) == hidden
        # Page 3 repeats page 2's last rows, and page 2's count is older than page 1's: either says so.
        doubts = stat(log, "walk/out_of_step/overlap") + stat(log, "walk/out_of_step/stale_count")
        assert doubts >= 1 and stat(log, "state/complete_walks") == 0
        site.clear_failures()
        log = crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server)
        assert f"{COLUMN}index_1.shtml" in server.requests and stat(log, "walk/jumps") == 0


def test_a_stale_page_2_after_a_publish_is_read_through_by_the_next_run(tmp_path: Path) -> None:
    """After a complete first walk, 21 articles are published (a page and one more), and the
    next run gets page 2 as it was before: all rows it had covered, so the walk would stop
    there, and the 21st new article (now first on page 2) would be on no page it read. Its page
    count is older than page 1's, and new rows run down to the seam: the seam is doubted."""
    site = MirrorSite(n_articles=400, per_page=20, seed=33)
    with MirrorServer(site) as server:
        crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server)
        published = site.publish(21, COLUMN)
        site.stale(f"{COLUMN}index_1.shtml")
        log = crawl(server, tmp_path)
        assert listed(site, server) - exported(tmp_path) == {server.url(published[-1])}
        assert stat(log, "walk/out_of_step/new_meets_covered") + stat(log, "walk/out_of_step/stale_count") >= 1
        site.clear_failures()
        crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server)


def test_a_list_page_redirected_to_page_1_is_a_failed_page(tmp_path: Path) -> None:
    """3 rows a page. On the first walk, page 3 answers 302 to page 1 for the whole run: read as
    page 3, page 1's rows were rows already seen, the walk went on to page 4, and page 3's rows
    were read by no run. The response is not the page asked for: a failed page, which the next
    run reads through."""
    site = MirrorSite(n_articles=100, per_page=3, seed=34)
    page_3 = f"{COLUMN}index_2.shtml"
    with MirrorServer(site) as server:
        on_page_3 = {server.url(r["path"]) for r in site.list_rows(page_3) if r["path"]}
        others = [p for p in site.list_page_paths(COLUMN) if p != page_3]
        hidden = on_page_3 - {server.url(r["path"]) for p in others for r in site.list_rows(p) if r["path"]}
        assert hidden
        site.redirect(page_3, f"{COLUMN}index.shtml")
        log = crawl(server, tmp_path)
        assert stat(log, "list/failed/redirected") == 1 and stat(log, "state/complete_walks") == 0
        assert listed(site, server) - exported(tmp_path) == hidden
        site.clear_failures()
        crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server)


def test_a_row_pulled_onto_a_page_already_read_is_found_by_the_re_read(tmp_path: Path) -> None:
    """After a complete walk, 12 to 16 articles are published (5 rows a page); once page 3 is asked
    for, a row on page 1 is withdrawn, and the 11th new row slips from page 3 onto page 2,
    already read. The page count drops (the list held 5k + 1 rows): the walk reads pages 1
    and 2 again and exports it in the same run. No audit is due in the three runs: without the
    re-read it is not exported by any of them."""
    site = MirrorSite(n_articles=84, per_page=5, seed=35)
    with MirrorServer(site) as server:
        crawl(server, tmp_path)
        before = len(site.article_paths(COLUMN))
        site.publish(next(k for k in range(12, 17) if (before + k) % 5 == 1), COLUMN)  # a last page of 1 row
        rows = site.article_paths(COLUMN)
        slipping = server.url(rows[10])
        server.before_each_request(once(f"{COLUMN}index_2.shtml", lambda: site.withdraw(rows[0])))
        log = crawl(server, tmp_path)
        server.before_each_request(None)
        assert stat(log, "walk/rereads") >= 1
        assert slipping in exported(tmp_path), "the re-read exports the row in the run that saw the drop"
        for _ in range(2):
            crawl(server, tmp_path)
        assert exported(tmp_path) == listed(site, server) | {server.url(rows[0])}


def test_a_column_twice_the_cap_ends_in_two_runs(tmp_path: Path) -> None:
    """``GOVNEWS_MAX_LIST_PAGES`` 4, a column of 8 full pages: the first run reads pages 1 to 4
    and stops; the second reads page 1, resumes at page 3 (the page above where the first
    stopped) and reads to page 8; the third reads page 1 only. Before: every run read pages 1
    to 4 again, and pages 5 to 8 never."""
    site = MirrorSite(n_articles=160, per_page=5, seed=36)  # 40 rows: 8 pages of 5
    pages = site.list_page_paths(COLUMN)
    assert len(pages) == 8
    with MirrorServer(site) as server:
        log = crawl(server, tmp_path, GOVNEWS_MAX_LIST_PAGES="4")
        assert [p for p in server.requests if p in pages] == pages[:4]
        assert stat(log, "list/stopped_at_max_pages") == 1
        server.clear_requests()
        log = crawl(server, tmp_path, GOVNEWS_MAX_LIST_PAGES="4")
        assert [p for p in server.requests if p in pages] == [pages[0], *pages[2:]]
        assert stat(log, "walk/jumps") == 1 and stat(log, "state/complete_walks") == 1
        assert exported(tmp_path) == listed(site, server)
        server.clear_requests()
        crawl(server, tmp_path, GOVNEWS_MAX_LIST_PAGES="4")
        assert [p for p in server.requests if p.startswith(COLUMN)] == [pages[0]]


def test_dead_links_are_not_asked_again_by_runs_with_new_articles(tmp_path: Path) -> None:
    """The mirror's lists link to a few dead articles (404) beside live rows. With one article
    published before each run, the runs after the first read page 1 with a new row on it, and
    ask none of the dead links again."""
    site = MirrorSite(n_articles=60, per_page=5, seed=22)
    dead = site.dead_article_paths
    with MirrorServer(site) as server:
        crawl(server, tmp_path)
        met = {p for p in server.requests if p in dead}
        assert met, "the first run meets the dead links"
        for _ in range(3):
            site.publish(1, COLUMN)
            server.clear_requests()
            log = crawl(server, tmp_path)
            assert stat(log, "state/new") == 1
            assert [p for p in server.requests if p in dead] == []
            assert stat(log, "state/dead_links_skipped") >= 1
