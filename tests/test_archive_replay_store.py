"""A replay with the incremental store (issue 32): nothing changed, nothing exported; an
extraction change put in between crawl and replay exports exactly the articles it changes, as
new revisions, each with its change record. And a refresh's 304 is archived as a ``revisit`` record."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import FAST_SETTINGS, ROOT, crawl_command, run_command
from tests.extraction_change import ADDED, changed
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

QUIET: dict[str, str] = {}


def crawl(workdir: Path, *args: str, module: list[str] | None = None) -> tuple[list[dict[str, Any]], str]:
    """A scheduled-style run (feeds under output/, the store under state/): its items and log."""
    settings = {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(workdir / "output"),
        "GOVNEWS_STATE_DIR": str(workdir / "state"),
        **QUIET,
    }
    cmd = crawl_command(*args, settings=settings)
    if module is not None:
        cmd = [sys.executable, "-m", *module, *cmd[cmd.index("crawl") :]]
    before = set((workdir / "output" / "wuhan").glob("wuhan-*.jsonl"))
    proc = run_command(cmd, cwd=ROOT, env={**os.environ}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = sorted(set((workdir / "output" / "wuhan").glob("wuhan-*.jsonl")) - before)
    items = [json.loads(line) for path in new for line in path.read_text(encoding="utf-8").splitlines()]
    return items, proc.stderr


def test_a_replay_with_the_store_exports_exactly_what_an_extraction_change_changed(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=30, per_page=5, seed=5)
    with MirrorServer(site) as server:
        live, _ = crawl(tmp_path, f"base_url={server.base_url}", "archive=1")
        assert live and {i["revision"] for i in live} == {1}
        # A refresh of every article: each answers 304, archived as a revisit.
        again, log = crawl(tmp_path, f"base_url={server.base_url}", "archive=1", "refresh_days=3660")
        assert again == []
    archive = tmp_path / "output" / "wuhan" / "archive"
    files = sorted(archive.glob("*.warc.gz"))
    assert len(files) == 2
    revisits = []
    with open(files[1], "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "revisit":
                revisits.append(record)
                assert record.http_headers.get_statuscode() == "304"
                assert record.rec_headers.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    not_modified = int(log.split("'govnews/state/not_modified': ")[1].split(",")[0])
    assert len(revisits) == not_modified >= len(live) - 2

    # The mirror is gone. The refresh replayed from its own file: each revisit answers 304.
    refreshed, log = crawl(tmp_path, f"from_archive={files[1]}", "refresh_days=3660")
    assert refreshed == []
    assert f"'govnews/state/not_modified': {not_modified}," in log

    # A replay of the first run's file with the store: nothing changed.
    unchanged, log = crawl(tmp_path, f"from_archive={files[0]}")
    assert unchanged == []
    assert "'govnews/archive/replay/missing'" not in log
    article_pages = int(log.split("'govnews/article/pages': ")[1].split(",")[0])
    assert article_pages >= len(live), "the replay read every archived article again"

    # The same replay with the extraction change: exactly the articles it touches, revision 2.
    fixed, _ = crawl(tmp_path, f"from_archive={files[0]}", module=["tests.extraction_change"])
    before = {i["url"]: i for i in live}
    expected = {url for url in before if changed(url)}
    assert expected and expected != set(before)
    assert {i["url"] for i in fixed} == expected
    for item in fixed:
        assert item["revision"] == 2
        # After the first page's paragraphs (a multi-page article's later pages follow it).
        assert item["paragraphs"].count(ADDED) == 1
        assert [p for p in item["paragraphs"] if p != ADDED] == before[item["url"]]["paragraphs"]
        assert item["title"] == before[item["url"]]["title"]
    # With its change records (issue 29): one edited record each, the paragraph added and no more.
    changes_dir = tmp_path / "output" / "wuhan" / "changes"
    records = [json.loads(line) for f in changes_dir.glob("*.jsonl") for line in f.read_text("utf-8").splitlines()]
    assert sorted(r["url"] for r in records) == sorted(expected)
    after = {i["url"]: i for i in fixed}
    for record in records:
        assert (record["kind"], record["revision"], record["previous_revision"]) == ("edited", 2, 1)
        at = after[record["url"]]["paragraphs"].index(ADDED)  # the rows before it are the old ones
        assert record["fields"] == {}
        assert record["paragraphs"] == [{"op": "insert", "at": at, "old": [], "new": [ADDED]}]
