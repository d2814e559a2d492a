"""Change records end to end: real ``scrapy crawl`` subprocesses on the mirror's HTTP server,
the mirror editing like a site between runs (issue 29).

One schedule, every move of the mirror once (each on an article of its own):

1. a first run exports the site (no change record: nothing was known);
2. the site makes its moves: a wording fix, a paragraph added, one removed, a notice retitled
   (row and page), an attachment replaced, 有效性 → 失效, a chrome-only change, a row unlisted
   while its page stays, an article withdrawn;
3. the next run (an audit: every list page read) finds each edit and reports it once, exactly
   as the mirror's truth (``MirrorSite.expected_change``) says; the chrome change makes no
   record and no revision; the unlisted and withdrawn articles are candidates only;
4. the run after looks again: ``unlisted`` and ``withdrawn``, once each, and no edit again;
5. both come back: ``restored``, once each; a run after that reports nothing.

Every line validates against ``govnews/schema/change.schema.json``. The truth is the mirror's
own model of what it served (it knows nothing of ``govnews``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govnews.changes import change_schema
from tests import faketime
from tests.conftest import run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_incremental import crawl_cmd, feed_files

EDIT_MOVES = ("edit_wording", "add_paragraph", "remove_paragraph", "retitle", "replace_attachment", "set_validity")
RECHECK_ALL = {
    "GOVNEWS_RECHECK_BUDGET": "10000",
    # The mirror's files without a shelf are stand-ins with no text to read.
    "GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE": "0",
}


def crawl(server: MirrorServer, workdir: Path, *args: str, days: float = 0) -> str:
    """One run, ``days`` later than now (libfaketime): far enough apart, every known article is
    due for its re-check (``GOVNEWS_RECHECK_PERIOD_DAYS``, 60 by default)."""
    cmd = crawl_cmd(server.base_url, workdir, "attachments=1", *args, settings=RECHECK_ALL)
    proc = run_command(faketime.command(cmd, days) if days else cmd, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '"finish_reason": "finished"' in proc.stderr, proc.stderr[-3000:]
    return proc.stderr


def change_feeds(workdir: Path) -> list[Path]:
    return sorted((workdir / "output" / "wuhan" / "changes").glob("wuhan-*.jsonl"))


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def result_line(log: str) -> dict[str, Any]:
    (line,) = [line for line in log.splitlines() if "govnews result: " in line]
    result: dict[str, Any] = json.loads(line.split("govnews result: ", 1)[1])
    return result


def new_records(workdir: Path, before: list[Path], log: str) -> list[dict[str, Any]]:
    """The change records of the run just made: its own changes feed, or none; the run names
    it in its result line and its closing block."""
    fresh = [p for p in change_feeds(workdir) if p not in before]
    assert len(fresh) <= 1, fresh
    named = result_line(log)["changes_feed"]
    assert named == (str(fresh[0]) if fresh else None)
    lines = records(fresh[0]) if fresh else []
    assert (f"  changes: {len(lines)} record(s) in {named}" in log) == bool(fresh)
    validator = jsonschema.Draft202012Validator(change_schema())
    for line in lines:
        validator.validate(line)
    return lines


def urls(base: str, paths: list[str]) -> list[str]:
    return [base + p if p.startswith("/") else p for p in paths]


def assert_edit(record: dict[str, Any], expected: dict[str, Any], base: str) -> None:
    """The record says exactly what the truth says changed."""
    assert record["kind"] == expected["kind"] == "edited"
    fields = {
        name: ({"old": urls(base, v["old"]), "new": urls(base, v["new"])} if name == "images" else v)
        for name, v in expected["fields"].items()
    }
    assert record["fields"] == fields
    for key in ("added", "removed", "replaced", "renamed"):
        assert [a["url"] for a in record["attachments"][key]] == urls(base, expected["attachments"][key]), key
    ops = [{k: op[k] for k in ("op", "at", "old", "new")} for op in record["paragraphs"]]
    if expected["paragraphs"] is not None:
        assert ops == expected["paragraphs"]
    for pair in expected["wording"]:
        (op,) = record["paragraphs"]
        assert [c for c in op["chars"] if c["op"] != "equal"] == [{"op": "replace", **pair}]
    assert record["previous_revision"] == record["revision"] - 1


def by_url(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        out.setdefault(line["url"], []).append(line)
    return out


def pick(site: MirrorSite, move: str, taken: set[str], sections: set[str]) -> str:
    for column in sorted(sections):
        for path in site.move_candidates(move, column):
            if path not in taken:
                taken.add(path)
                return path
    raise AssertionError(f"no article for {move}")


def test_each_mirror_move_gives_exactly_its_record_once(tmp_path: Path) -> None:
    faketime.require()
    site = MirrorSite(n_articles=160, per_page=10, seed=29)
    sections = {"/sy/whyw/", "/zwgk/tzgg/", "/zwgk/xxgk/zfwj/szfwj/"}
    with MirrorServer(site) as server:
        base = server.base_url
        arg = "sections=" + ",".join(s.strip("/") for s in sorted(sections))
        crawl(server, tmp_path, arg)
        first = [json.loads(line) for f in feed_files(tmp_path) for line in f.read_text(encoding="utf-8").splitlines()]
        assert first and not change_feeds(tmp_path)
        site.checkpoint()

        taken: set[str] = set()
        moves = (*EDIT_MOVES, "chrome_change", "unlist", "withdraw")
        moved = {move: pick(site, move, taken, sections) for move in moves}
        titles = {path: article["title"] for path, article in site.expected_articles().items()}
        for move, path in moved.items():
            getattr(site, move)(path)
        truth = {path: site.expected_change(path) for path in moved.values()}

        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg, "audit=1", days=90)
        lines = by_url(new_records(tmp_path, before, log))
        for move in EDIT_MOVES:
            url = base + moved[move]
            assert len(lines.get(url, [])) == 1, (move, lines.get(url))
            assert_edit(lines[url][0], truth[moved[move]], base)
        assert truth[moved["chrome_change"]] is None and base + moved["chrome_change"] not in lines
        assert set(lines) == {base + moved[m] for m in EDIT_MOVES}, "no other record"

        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg, "audit=1", days=180)
        lines = by_url(new_records(tmp_path, before, log))
        assert {url: [r["kind"] for r in found] for url, found in lines.items()} == {
            base + moved["unlist"]: ["unlisted"],
            base + moved["withdraw"]: ["withdrawn"],
        }
        for move in ("unlist", "withdraw"):
            assert truth[moved[move]] == {"kind": "unlisted" if move == "unlist" else "withdrawn", "then": None}
            # The last title a reader saw, not the URL (the record is made from the store alone).
            assert lines[base + moved[move]][0]["title"] == titles[moved[move]]

        site.checkpoint()
        for move in ("unlist", "withdraw"):
            site.restore(moved[move])
        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg, days=270)
        lines = by_url(new_records(tmp_path, before, log))
        assert {url: [r["kind"] for r in found] for url, found in lines.items()} == {
            base + moved["unlist"]: ["restored"],
            base + moved["withdraw"]: ["restored"],
        }

        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg, "audit=1", days=360)
        assert new_records(tmp_path, before, log) == []


def test_a_row_gone_from_the_first_page_is_unlisted_by_ordinary_runs(tmp_path: Path) -> None:
    """No audit: ordinary runs read page 1 only. A row dated after the last row they read must be
    on it; gone from it, its article is a candidate, and the next run reports it ``unlisted``
    once. A row further down (older than what page 1 shows) is left to an audit."""
    site = MirrorSite(n_articles=160, per_page=10, seed=30)
    with MirrorServer(site) as server:
        base = server.base_url
        arg = "sections=sy/whyw"
        crawl(server, tmp_path, arg)
        crawl(server, tmp_path, arg)  # reads page 1 again: the rows of known articles are kept
        site.checkpoint()
        near, deep = site.move_candidates("unlist", "/sy/whyw/")[3], site.move_candidates("unlist", "/sy/whyw/")[30]
        site.unlist(near)
        site.unlist(deep)
        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg)
        assert new_records(tmp_path, before, log) == []
        assert '"govnews/state/candidates": 1' in log or "'govnews/state/candidates': 1" in log
        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg)
        found = new_records(tmp_path, before, log)
        assert [(r["kind"], r["url"]) for r in found] == [("unlisted", base + near)]
        assert site.expected_change(near) == {"kind": "unlisted", "then": None}
        before = change_feeds(tmp_path)
        log = crawl(server, tmp_path, arg)
        assert new_records(tmp_path, before, log) == []


EVERY_RUN = {"GOVNEWS_RECHECK_MIN_HOURS": "0", "GOVNEWS_RECHECK_RATIO": "1e-9"}
"""Every known article due for its re-check on every run."""


def plain_crawl(server: MirrorServer, workdir: Path, *args: str) -> str:
    cmd = crawl_cmd(server.base_url, workdir, *args, settings={**RECHECK_ALL, **EVERY_RUN})
    proc = run_command(cmd, timeout=300)
    assert '"finish_reason": "finished"' in proc.stderr, proc.stderr[-3000:]
    return proc.stderr


@pytest.mark.parametrize("down", ["whole_site", "article_pages"])
def test_a_site_answering_404_for_what_is_there_withdraws_nothing(tmp_path: Path, down: str) -> None:
    """A server that answers 404 for every page (or every article page, its lists still up) for
    two runs, then comes back: no record, no candidate confirmed. One real withdrawal among
    them is reported once the site is back (its second look then agrees)."""
    site = MirrorSite(n_articles=80, per_page=10, seed=33)
    with MirrorServer(site) as server:
        arg = "sections=sy/whyw"
        plain_crawl(server, tmp_path, arg)
        site.checkpoint()
        withdrawn = site.move_candidates("withdraw", "/sy/whyw/")[4]
        site.withdraw(withdrawn)
        paths = site.article_paths("/sy/whyw/")
        if down == "whole_site":
            paths += ["/sy/whyw/", *(f"/sy/whyw/index_{i}.shtml" for i in range(1, 10))]
        for path in paths:
            site.fail(path, 404, times=None)
        for _ in range(2):
            before = change_feeds(tmp_path)
            log = plain_crawl(server, tmp_path, arg)
            assert new_records(tmp_path, before, log) == []
        site.clear_failures()
        kinds = []
        for _ in range(2):
            before = change_feeds(tmp_path)
            log = plain_crawl(server, tmp_path, arg)
            kinds += [(r["kind"], r["url"]) for r in new_records(tmp_path, before, log)]
        assert kinds == [("withdrawn", server.base_url + withdrawn)]


@pytest.mark.parametrize("feeds", ["kept", "deleted"])
def test_an_upgraded_store_exports_nothing_again_and_keeps_the_fields_from_then_on(tmp_path: Path, feeds: str) -> None:
    """A store of release 0.3.0 kept no revision fields: the first run after the upgrade keeps
    them from the feed lines that exported each article (feeds ``kept``) or, for a feed deleted
    since, from the article's page at its next re-check (asked in full once). Nothing is
    exported again, and an edit after that is reported."""
    site = MirrorSite(n_articles=60, per_page=10, seed=34)
    with MirrorServer(site) as server:
        arg = "sections=sy/whyw"
        plain_crawl(server, tmp_path, arg)
        (store,) = (tmp_path / "state").glob("*.sqlite3")
        db = sqlite3.connect(store)
        with db:
            db.execute("UPDATE articles SET fields = NULL, fields_digest = NULL")
        db.close()
        if feeds == "deleted":
            for feed in feed_files(tmp_path):
                feed.unlink()
        log = plain_crawl(server, tmp_path, arg)
        assert "'item_scraped_count'" not in log and "'govnews/changes/rechecks'" in log
        assert ("'govnews/changes/fields_filled': 15" in log) == (feeds == "kept")
        assert ("'govnews/state/not_modified'" in log) == (feeds == "kept"), "asked in full when no field is kept"
        db = sqlite3.connect(store)
        assert db.execute("SELECT count(*) FROM articles WHERE fields IS NULL").fetchone()[0] == 0
        db.close()
        site.checkpoint()
        edited = site.move_candidates("add_paragraph", "/sy/whyw/")[2]
        site.add_paragraph(edited)
        before = change_feeds(tmp_path)
        log = plain_crawl(server, tmp_path, arg)
        (record,) = new_records(tmp_path, before, log)
        assert record["url"] == server.base_url + edited
        assert_edit(record, site.expected_change(edited), server.base_url)  # type: ignore[arg-type]
