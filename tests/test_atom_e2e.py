"""The Atom feeds end to end (issue 30): real ``scrapy crawl`` subprocesses on the mirror, which
edits and withdraws articles of a column between runs, as a site does.

Each run writes, beside the project's JSON Lines feed (unchanged), two Atom feeds: the column's
(``-o``-style, appended to: the feed readers subscribe to, run after run, through Scrapy's
``item_filter``) and the run's own (``%(time)s`` in its URI, ``-O``-style). Every feed is valid
by RFC 4287's schema (``tests/atom_schema.py``) and is read back with feedparser, field by
field, against the mirror's truth (``MirrorSite.expected_article``, ``expected_change``, what it
serves for each file), never against what the code wrote elsewhere:

1. the first run: an entry per article of the column, ``updated`` when it was published;
2. the site lapses one policy (有效性 → 失效), fixes a word in another and withdraws a third;
   the next run updates the two entries (same ``id``, a later ``updated``, the change's summary,
   the old and new value marked ``<del>``/``<ins>``, the 有效性 category now 失效) and adds no
   entry; the run's own feed holds those two only;
3. the run after confirms the withdrawal: the article's entry becomes one saying so, with its
   last title and link; the run, which exported nothing, still has a feed of its own holding it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
from lxml import etree

from govnews.items import Article
from govnews.pipelines.validate import article_schema
from tests import faketime
from tests.atom_schema import problems
from tests.conftest import run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_changes_e2e import RECHECK_ALL
from tests.test_incremental import crawl_cmd

COLUMN = "/zwgk/xxgk/zfwj/szfwj/"
ATOM = "{http://www.w3.org/2005/Atom}"
GN = "{urn:govnews:atom}"


def feeds_setting(workdir: Path) -> dict[str, dict[str, Any]]:
    return {
        "%(output_dir)s/%(name)s/%(name)s-%(time)s-%(job)s.jsonl": {"format": "jsonlines"},
        str(workdir / "atom" / "szfwj.atom"): {
            "format": "atom",
            "overwrite": False,
            "item_filter": "govnews.feeds.filters.ColumnFilter",
            "columns": [COLUMN],
            "item_export_kwargs": {"feed_title": "市政府文件"},
        },
        "%(output_dir)s/%(name)s/atom/%(name)s-%(time)s-%(job)s.atom": {"format": "atom", "overwrite": True},
    }


def crawl(server: MirrorServer, workdir: Path, *args: str, days: float = 0) -> None:
    settings = {**RECHECK_ALL, "FEEDS": json.dumps(feeds_setting(workdir))}
    cmd = crawl_cmd(
        server.base_url, workdir, "attachments=1", "sections=zwgk/xxgk/zfwj/szfwj", *args, settings=settings
    )
    proc = run_command(faketime.command(cmd, days) if days else cmd, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '"finish_reason": "finished"' in proc.stderr, proc.stderr[-3000:]


def read(path: Path) -> tuple[bytes, Any]:
    document = path.read_bytes()
    assert problems(document) == [], path
    feed = feedparser.parse(document)
    assert not feed.bozo, feed.bozo_exception
    return document, feed


def run_feeds(workdir: Path) -> list[Path]:
    return sorted((workdir / "output" / "wuhan" / "atom").glob("wuhan-*.atom"))


def rfc3339(published: str) -> str:
    """The truth's ``published_at`` as Atom's date-time: a bare date is midnight in Beijing."""
    return published if "T" in published else published + "T00:00:00+08:00"


def gn(document: bytes, url: str, name: str) -> str | None:
    """An extension element of the entry of ``url``, as the XML has it."""
    for entry in etree.fromstring(document).iter(f"{ATOM}entry"):
        if entry.findtext(f"{ATOM}id") == url:
            return entry.findtext(f"{GN}{name}")
    raise AssertionError(f"no entry {url}")


def assert_article_entry(entry: Any, site: MirrorSite, base: str, path: str) -> None:
    """The entry says what the mirror serves for the article at ``path``."""
    truth = site.expected_article(path)
    assert entry.id == entry.link == base + path
    assert entry.title == truth["title"]
    assert entry.published == rfc3339(truth["published_at"])
    assert entry.get("author") == (truth["author"] or truth["source"])
    assert [c.name for c in entry.get("contributors", [])] == ([truth["editor"]] if truth["editor"] else [])
    enclosures = [(e.href, e.type, int(e.length)) for e in entry.get("enclosures", [])]
    served = []
    for attachment in truth["attachments"]:
        response = site.render(attachment["path"])
        media_type = response.headers["Content-Type"].split(";")[0].strip()
        served.append((base + attachment["path"], media_type, len(response.body)))
    assert enclosures == served
    document = truth["document"]
    assert document is not None
    tags = {(t.scheme, t.term) for t in entry.tags}
    assert ("urn:govnews:column", COLUMN) in tags
    for name in ("doc_number", "index_no", "written_at", "validity"):
        if document[name]:  # type: ignore[literal-required]
            assert (f"urn:govnews:document:{name}", document[name]) in tags, name  # type: ignore[literal-required]
    html = entry.content[0].value
    for paragraph in truth["paragraphs"]:
        assert feedparser_text(paragraph) in html


def feedparser_text(text: str) -> str:
    """``text`` as it stands in an entry's HTML content (escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_column_feed_follows_its_articles_edits_and_withdrawal(tmp_path: Path) -> None:
    faketime.require()
    site = MirrorSite(n_articles=60, per_page=10, seed=30)
    with MirrorServer(site) as server:
        base = server.base_url
        crawl(server, tmp_path)
        column_feed = tmp_path / "atom" / "szfwj.atom"
        document, feed = read(column_feed)
        paths = [p for p, t in site.expected_articles().items() if t["section_path"] == COLUMN]
        assert sorted(e.id for e in feed.entries) == sorted(base + p for p in paths)
        assert feed.feed.title == "市政府文件"
        first = {e.id: e for e in feed.entries}
        for path in paths:
            entry = first[base + path]
            assert_article_entry(entry, site, base, path)
            assert entry.updated == entry.published  # revision 1: updated when published
            assert gn(document, entry.id, "revision") == "1"
        # The JSON Lines feed is the project's, as it was: its fields and nothing else.
        (jsonl,) = sorted((tmp_path / "output" / "wuhan").glob("wuhan-*.jsonl"))
        validator = jsonschema.Draft202012Validator(article_schema())
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert list(item) == list(Article.__dataclass_fields__)
            validator.validate(item)

        site.checkpoint()
        lapsed = site.move_candidates("set_validity", COLUMN)[0]
        reworded = next(p for p in site.move_candidates("edit_wording", COLUMN) if p != lapsed)
        withdrawn = next(p for p in site.move_candidates("withdraw", COLUMN) if p not in (lapsed, reworded))
        title = site.expected_article(withdrawn)["title"]
        site.set_validity(lapsed)
        site.edit_wording(reworded)
        site.withdraw(withdrawn)
        before = run_feeds(tmp_path)
        crawl(server, tmp_path, "audit=1", days=90)

        document, feed = read(column_feed)
        second = {e.id: e for e in feed.entries}
        assert set(second) == set(first), "the edited entries replace theirs; none added"
        for path in (lapsed, reworded):
            entry, earlier = second[base + path], first[base + path]
            change = site.expected_change(path)
            assert change is not None and change["kind"] == "edited"
            assert_article_entry(entry, site, base, path)
            assert entry.updated > earlier.updated
            assert gn(document, entry.id, "revision") == "2"
            assert ("urn:govnews:change", "edited") in {(t.scheme, t.term) for t in entry.tags}
            html = entry.content[0].value
            for name, values in change["fields"].items():  # type: ignore[union-attr]
                if name == "document.in_force":
                    continue
                assert f"<del>{values['old']}</del>" in html and f"<ins>{values['new']}</ins>" in html, name
            for pair in change["wording"]:  # type: ignore[union-attr]
                assert f"<del>{pair['old']}</del><ins>{pair['new']}</ins>" in html
        assert "有效性" in second[base + lapsed].summary
        for url, entry in second.items():
            if url not in (base + lapsed, base + reworded):
                assert entry.updated == first[url].updated, "an entry that did not change keeps its updated"
        (this_run,) = [p for p in run_feeds(tmp_path) if p not in before]
        _, own = read(this_run)
        assert sorted(e.id for e in own.entries) == sorted([base + lapsed, base + reworded])

        before = run_feeds(tmp_path)
        crawl(server, tmp_path, "audit=1", days=180)
        document, feed = read(column_feed)
        third = {e.id: e for e in feed.entries}
        assert set(third) == set(first)
        gone = third[base + withdrawn]
        assert site.expected_change(withdrawn) == {"kind": "withdrawn", "then": None}
        assert gone.title == title and gone.link == base + withdrawn
        assert gone.updated > second[base + withdrawn].updated
        assert ("urn:govnews:change", "withdrawn") in {(t.scheme, t.term) for t in gone.tags}
        assert gn(document, gone.id, "status") == "withdrawn"
        assert "已撤下" in gone.summary
        for url, entry in third.items():
            if url != base + withdrawn:
                assert entry.updated == second[url].updated
        (this_run,) = [p for p in run_feeds(tmp_path) if p not in before]
        _, own = read(this_run)
        assert [(e.id, e.title) for e in own.entries] == [(base + withdrawn, title)]
