"""The Atom exporter on hand-made articles and records (issue 30): every feed valid by RFC 4287's
own schema (its RELAX NG and Schematron rules, ``tests/atom_schema.py``), read back by
feedparser field by field; a feed in place merged, replaced, kept whole; the column filter.
No process, no server: the fast tier."""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from govnews.changes import change_record, diff, revision_fields
from govnews.feeds.atom import (
    ATOM_NS,
    AtomItemExporter,
    FeedHead,
    article_entry,
    combine,
    feed_document,
    status_entry,
)
from govnews.feeds.filters import ColumnFilter
from govnews.feeds.storage import FeedFile, LineAtomicFileFeedStorage
from govnews.items import Article
from tests.atom_schema import problems

URL = "https://www.wuhan.gov.cn/zwgk/xxgk/zfwj/szfwj/202205/t20220528_1979438.shtml"


def article(**changes: Any) -> Article:
    fields: dict[str, Any] = {
        "url": URL,
        "site": "www.wuhan.gov.cn",
        "section": "市政府文件",
        "section_path": "/zwgk/xxgk/zfwj/szfwj/",
        "title": "市人民政府关于印发<武汉市>2022年就业创业工作要点的通知",
        "published_at": "2022-05-28",
        "source": "武汉市人民政府办公厅",
        "author": None,
        "editor": "张敏",
        "paragraphs": ["申报主体分为三类，分别以序号标注。", "特此通知 & 请遵照执行。"],
        "images": [{"url": "https://www.wuhan.gov.cn/W0202205.jpg", "alt": None}],
        "attachments": [
            {
                "url": "https://www.wuhan.gov.cn/P0202205.pdf",
                "name": "实施方案.pdf",
                "size": 4096,
                "content_type": "application/pdf",
            },
            {"url": "https://www.wuhan.gov.cn/P0202206.wps", "name": "申报表.wps"},
        ],
        "meta": {},
        "document": {
            "index_no": "MB1957806/2022-79438",
            "issuer": "武汉市人民政府",
            "doc_number": "武政〔2022〕39号",
            "topic": None,
            "written_at": "2022-05-18",
            "published_at": "2022-05-28",
            "validity": "有效",
            "in_force": True,
        },
        "crawled_at": "2026-12-07T01:00:00Z",
        "revision": 1,
    }
    fields.update(changes)
    return Article(**fields)


def edited_record(old: Article, new: Article) -> dict[str, Any]:
    change = diff(revision_fields(asdict(old)), revision_fields(asdict(new)))
    assert change is not None
    return change_record(
        "edited",
        url=new.url,
        site=new.site,
        section_path=new.section_path,
        title=new.title,
        revision=2,
        previous_revision=1,
        detected_at="2026-12-08T02:03:04Z",
        diff=change,
    )


def withdrawn_record(**changes: Any) -> dict[str, Any]:
    record = change_record(
        "withdrawn",
        url=changes.pop("url", URL),
        site="www.wuhan.gov.cn",
        section_path="/zwgk/xxgk/zfwj/szfwj/",
        title=changes.pop("title", "市人民政府关于印发武汉市2022年就业创业工作要点的通知"),
        revision=2,
        previous_revision=None,
        detected_at=changes.pop("detected_at", "2026-12-09T03:04:05Z"),
    )
    return {**record, **changes}


def exported(*items: Article) -> bytes:
    """The feed the exporter writes for ``items`` (outside a crawl: no change record)."""
    out = io.BytesIO()
    exporter = AtomItemExporter(out)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


def with_records(item: Article, records: list[dict[str, Any]]) -> bytes:
    """A feed of the entry of ``item`` whose export carries ``records`` (in a crawl, the exporter
    asks the run for them: tests/test_atom_e2e.py)."""
    head = FeedHead("市政府文件", "https://www.wuhan.gov.cn", author="武汉市人民政府门户网站")
    return feed_document(head, [article_entry(asdict(item), records)])


def test_an_article_feed_is_valid_atom_and_reads_back_field_by_field() -> None:
    item = article()
    document = exported(item)
    assert problems(document) == []
    feed = feedparser.parse(document)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.id == URL and entry.link == URL
    assert entry.title == item.title  # the < of the title is text, not markup
    assert entry.published == "2022-05-28T00:00:00+08:00" and entry.updated == entry.published
    assert entry.author == "武汉市人民政府办公厅"  # no byline: 来源
    assert [c.name for c in entry.contributors] == ["张敏"]
    enclosures = [(e.href, e.type, e.get("length")) for e in entry.enclosures]
    assert enclosures == [
        ("https://www.wuhan.gov.cn/P0202205.pdf", "application/pdf", "4096"),
        ("https://www.wuhan.gov.cn/P0202206.wps", "application/vnd.ms-works", None),  # not downloaded: no length
    ]
    tags = {(t.scheme, t.term, t.label) for t in entry.tags}
    assert tags == {
        ("urn:govnews:column", "/zwgk/xxgk/zfwj/szfwj/", "市政府文件"),
        ("urn:govnews:document:doc_number", "武政〔2022〕39号", "发文字号"),
        ("urn:govnews:document:index_no", "MB1957806/2022-79438", "索引号"),
        ("urn:govnews:document:written_at", "2022-05-18", "成文日期"),
        ("urn:govnews:document:validity", "有效", "有效性"),
    }
    html = entry.content[0].value
    assert "申报主体分为三类，分别以序号标注。" in html and "特此通知 &amp; 请遵照执行。" in html
    # The extension elements, as a reader of the XML sees them.
    xml = etree.fromstring(document)
    gn = {"gn": "urn:govnews:atom", "a": ATOM_NS}
    assert xml.xpath("string(a:entry/gn:revision)", namespaces=gn) == "1"
    assert xml.xpath("string(a:entry/gn:document/gn:in_force)", namespaces=gn) == "true"
    assert xml.xpath("string(a:entry/gn:document/gn:issuer)", namespaces=gn) == "武汉市人民政府"
    assert xml.xpath("count(a:entry/gn:document/gn:topic)", namespaces=gn) == 0


def test_an_edited_article_carries_its_change_and_a_later_updated() -> None:
    old = article()
    new = article(
        paragraphs=["申报主体分为三类，分别以序号之注。", "特此通知 & 请遵照执行。"],
        document={**(old.document or {}), "validity": "失效", "in_force": False},
        revision=2,
        crawled_at="2026-12-08T02:03:00Z",
    )
    record = edited_record(old, new)
    document = with_records(new, [record])
    assert problems(document) == []
    (entry,) = feedparser.parse(document).entries
    assert entry.updated == "2026-12-08T02:03:04Z" != article_entry(asdict(old)).findtext(f"{{{ATOM_NS}}}updated")
    assert entry.summary == record["summary"] == "有效性 有效 → 失效; 1 段落改动"
    html = entry.content[0].value
    assert "<del>有效</del>" in html and "<ins>失效</ins>" in html
    assert "<del>标</del><ins>之</ins>" in html
    assert ("urn:govnews:change", "edited", "修改") in {(t.scheme, t.term, t.label) for t in entry.tags}
    assert ("urn:govnews:document:validity", "失效", "有效性") in {(t.scheme, t.term, t.label) for t in entry.tags}


def test_a_withdrawn_article_gets_an_entry_with_its_last_title_and_link() -> None:
    head = FeedHead("市政府文件", "https://www.wuhan.gov.cn", author="武汉市人民政府门户网站")
    document = feed_document(head, [status_entry(withdrawn_record(), "市政府文件")])
    assert problems(document) == []
    feed = feedparser.parse(document)
    (entry,) = feed.entries
    assert entry.id == entry.link == URL
    assert entry.title == "市人民政府关于印发武汉市2022年就业创业工作要点的通知"
    assert entry.updated == "2026-12-09T03:04:05Z"
    assert entry.summary == "已撤下（页面不再可访问）"
    assert "author" not in entry and feed.feed.author == "武汉市人民政府门户网站"  # the feed's
    assert ("urn:govnews:change", "withdrawn", "撤下") in {(t.scheme, t.term, t.label) for t in entry.tags}
    assert "此文已撤下" in entry.content[0].value


def test_the_schema_finds_what_rfc_4287_forbids() -> None:
    """The validator is no formality: an entry with no author in a feed with none (Schematron),
    and a feed with no id (RELAX NG), are each found."""
    feed = etree.fromstring(feed_document(FeedHead("甲"), [status_entry(withdrawn_record())]))
    author = feed.find(f"{{{ATOM_NS}}}author")
    assert author is not None
    feed.remove(author)
    assert any("atom:author" in p for p in problems(etree.tostring(feed)))
    feed = etree.fromstring(feed_document(FeedHead("甲"), []))
    feed.remove(feed.find(f"{{{ATOM_NS}}}id"))  # type: ignore[arg-type]
    assert any(p.startswith("RELAX NG") for p in problems(etree.tostring(feed)))


def test_site_text_is_escaped_everywhere() -> None:
    hostile = article(title="<script>alert(1)</script>", paragraphs=["<img src=x onerror=alert(1)>", "甲\x0b乙"])
    document = exported(hostile)
    assert problems(document) == []
    (entry,) = feedparser.parse(document).entries
    assert entry.title == "<script>alert(1)</script>"
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry.content[0].value


def ids(document: bytes) -> list[str]:
    return [e.findtext(f"{{{ATOM_NS}}}id") or "" for e in etree.fromstring(document).iter(f"{{{ATOM_NS}}}entry")]


def test_combine_merges_replaces_keeps_the_id_and_the_newest() -> None:
    def withdrawn(n: int, day: int) -> etree._Element:
        return status_entry(withdrawn_record(url=f"https://x/{n}", detected_at=f"2026-12-{day:02d}T00:00:00Z"))

    first = feed_document(FeedHead("甲", feed_id="urn:uuid:first"), [withdrawn(1, 1), withdrawn(2, 2)])
    second = feed_document(FeedHead("甲"), [withdrawn(2, 5), withdrawn(3, 3)])
    merged = combine(first, second, merge=True)
    assert problems(merged) == []
    assert ids(merged) == ["https://x/2", "https://x/3", "https://x/1"]  # newest first, 2 replaced
    assert etree.fromstring(merged).findtext(f"{{{ATOM_NS}}}id") == "urn:uuid:first"
    assert ids(combine(first, second, merge=True, max_entries=2)) == ["https://x/2", "https://x/3"]
    assert ids(combine(first, second, merge=False)) == ["https://x/2", "https://x/3"]
    with pytest.raises(ValueError, match="not an Atom feed"):
        combine(b"<html><body>a page</body></html>", second, merge=True)


def storage(path: Path, *, overwrite: bool, max_entries: int | None = None) -> LineAtomicFileFeedStorage:
    options = {"format": "atom", "overwrite": overwrite}
    return LineAtomicFileFeedStorage(
        str(path), feed_options=options, document=AtomItemExporter, max_entries=max_entries
    )


def test_the_storage_publishes_a_document_whole(tmp_path: Path) -> None:
    """The run's entries go to a file beside the feed, published at store(): with -o merged into
    the feed in place (and cut to the newest), with -O replacing it; meanwhile the feed in place
    is untouched, and no file is left beside it."""
    path = tmp_path / "feeds" / "column.atom"
    for day, overwrite in ((1, False), (2, False), (3, True)):
        target = storage(path, overwrite=overwrite, max_entries=2)
        file = target.open(None)  # type: ignore[arg-type]
        before = path.read_bytes() if path.exists() else None
        entry = status_entry(withdrawn_record(url=f"https://x/{day}", detected_at=f"2026-12-0{day}T00:00:00Z"))
        file.write(feed_document(FeedHead("甲"), [entry]))
        assert (path.read_bytes() if path.exists() else None) == before
        target.store(file)
        assert [p.name for p in path.parent.iterdir()] == ["column.atom"]
        assert problems(path.read_bytes()) == []
        expected = {1: ["https://x/1"], 2: ["https://x/2", "https://x/1"], 3: ["https://x/3"]}[day]
        assert ids(path.read_bytes()) == expected


def test_a_run_past_its_lease_publishes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "column.atom"
    target = storage(path, overwrite=False)
    file = target.open(None)  # type: ignore[arg-type]
    assert isinstance(file, FeedFile)
    file.write(feed_document(FeedHead("甲"), [status_entry(withdrawn_record())]))
    file.fence = lambda: False
    target.store(file)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_a_file_that_is_no_feed_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "column.atom"
    path.write_text("<html>notes</html>", encoding="utf-8")
    target = storage(path, overwrite=False)
    file = target.open(None)  # type: ignore[arg-type]
    file.write(feed_document(FeedHead("甲"), [status_entry(withdrawn_record())]))
    with pytest.raises(ValueError, match="not an Atom feed"):
        target.store(file)
    assert path.read_text(encoding="utf-8") == "<html>notes</html>"
    assert [p.name for p in tmp_path.iterdir()] == ["column.atom"]


@pytest.mark.parametrize("columns", [None, [], "zwgk/tzgg"])
def test_a_column_filter_needs_its_columns(columns: Any) -> None:
    with pytest.raises(ValueError, match="columns"):
        ColumnFilter({"columns": columns} if columns is not None else {})


def test_a_column_filter_takes_its_columns_items_and_records() -> None:
    feed = ColumnFilter({"columns": ["zwgk/xxgk/zfwj/szfwj", "/sy/whyw/"]})
    assert feed.accepts(article()) and feed.accepts(withdrawn_record())
    assert not feed.accepts(article(section_path="/zwgk/tzgg/"))


def test_a_feed_given_its_url_links_to_itself() -> None:
    """``feed_url`` (an export option) is the feed's ``rel="self"`` link, as RFC 4287 advises; a
    feed without one names no link of the kind (a file path is no URL to fetch it from)."""
    out = io.BytesIO()
    exporter = AtomItemExporter(out, feed_url="https://example.org/feeds/szfwj.atom", feed_title="市政府文件")
    exporter.start_exporting()
    exporter.export_item(article())
    exporter.finish_exporting()
    assert problems(out.getvalue()) == []
    feed = feedparser.parse(out.getvalue())
    assert not feed.bozo, feed.bozo_exception
    links = [(link.rel, link.href, link.type) for link in feed.feed.links]
    assert links == [("self", "https://example.org/feeds/szfwj.atom", "application/atom+xml")]
    assert [link.rel for link in feedparser.parse(exported(article())).feed.get("links", [])] == []
