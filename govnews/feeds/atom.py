"""Atom 1.0 feeds of the exported articles and their changes: ``-o column.atom`` (issue 30).

RSSHub's routes of the Wuhan site give a title, a date and a body. These feeds give what a
reader subscribing to a government site wants besides: what changed.

* **An entry per article**, its ``<id>`` the article's canonical URL, so a reader's copy of an
  entry is updated, not doubled, when the article changes: the full text (``content``, HTML:
  paragraphs, images, the files linked), ``published``, the column and the policy header's
  发文字号, 索引号, 成文日期 and 有效性 as ``category`` elements (and every header field as
  ``gn:document``), each file as ``link rel="enclosure"`` with its type and, once downloaded
  (``-a attachments=1``), its length.
* ``<updated>`` moves with each revision: revision 1 is updated when it was published; a later
  revision when the run found its change (the change record's ``detected_at``).
* **An edited article** (a new revision with its ``edited`` record) carries the change first in
  its ``content``: the summary, the fields old → new, the paragraphs with the characters
  inserted (``<ins>``) and deleted (``<del>``), :mod:`govnews.changes.render`; the summary is
  its ``summary`` too, and ``gn:change`` has the record's kind, revisions and time.
* **A withdrawn article** (and one unlisted, or restored unchanged) gets an entry saying so,
  with its last title and link: :class:`AtomStatusEntries` adds these once the run's verdicts
  are committed, at its very end.

The extension namespace ``urn:govnews:atom`` (prefix ``gn``) holds what Atom has no element
for: ``gn:revision``, ``gn:status``, ``gn:source`` (来源), ``gn:document`` and ``gn:change``.

**One feed per column, or per run, as the feed's URI says.** The file is one document, so a
run never appends to it in place: :class:`AtomItemExporter` writes the run's entries to a file
beside it, which the storage publishes whole (:meth:`combine`, then a rename). ``-o feed.atom``
(Scrapy's append mode) merges: an entry whose article is in the feed already replaces it, and
the feed keeps its newest ``GOVNEWS_FEED_MAX_ENTRIES`` entries: a feed to subscribe to, run
after run. ``-O feed.atom`` replaces it with the run's entries, all of them. A URI with
``%(time)s`` or ``%(job)s`` makes a feed of each run; Scrapy's ``item_filter``
(:class:`govnews.feeds.filters.ColumnFilter`) makes one of a column. The feed keeps its
``<id>`` from one run to the next.
"""

from __future__ import annotations

import logging
import mimetypes
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from lxml import etree
from scrapy import signals
from scrapy.exporters import BaseItemExporter
from scrapy.extensions.feedexport import FeedExporter

from govnews import __version__, stats_keys
from govnews.changes.diff import FIELD_LABELS, KIND_LABELS
from govnews.changes.render import change_html
from govnews.contract import contract_of, fence_of
from govnews.feeds.storage import LineAtomicFileFeedStorage
from govnews.logs import for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = [
    "ATOM_NS",
    "GOVNEWS_NS",
    "AtomItemExporter",
    "AtomStatusEntries",
    "FeedHead",
    "article_entry",
    "combine",
    "entry_updated",
    "feed_document",
    "rfc3339",
    "status_entry",
]

logger = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
GOVNEWS_NS = "urn:govnews:atom"
"""The extension elements' namespace (prefix ``gn``)."""
_NSMAP = {None: ATOM_NS, "gn": GOVNEWS_NS}
COLUMN_SCHEME = "urn:govnews:column"
CHANGE_SCHEME = "urn:govnews:change"
DOCUMENT_SCHEME = "urn:govnews:document:"
"""A header field's category scheme: this and the field's name (``urn:govnews:document:validity``)."""
DOCUMENT_CATEGORIES = ("doc_number", "index_no", "written_at", "validity")
"""The policy header's fields a reader filters by: 发文字号, 索引号, 成文日期, 有效性."""
_BEIJING = "+08:00"
_MEDIA_TYPES = mimetypes.MimeTypes()
"""Python's own table, not the machine's (``/etc/mime.types`` differs from host to host), with
the types of the files government sites link that it lacks."""
for _extension, _type in {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".wps": "application/vnd.ms-works",
    ".et": "application/vnd.ms-excel",
    ".ofd": "application/ofd",
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
}.items():
    _MEDIA_TYPES.add_type(_type, _extension)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=True)


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _gn(name: str) -> str:
    return f"{{{GOVNEWS_NS}}}{name}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _xml_text(text: str) -> str:
    """Text XML can hold: a control character XML 1.0 forbids (the site's text is cleaned of
    them; a record's old value may not be) becomes U+FFFD.

    >>> _xml_text("甲\\x0b乙\\t丙")
    '甲\\ufffd乙\\t丙'
    """
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in text)


# ---------------------------------------------------------------------------- dates


def rfc3339(value: str | None) -> str | None:
    """A feed's date-time (RFC 3339, what ``xsd:dateTime`` and Atom take) from an item's:
    ``published_at`` is Beijing time, a bare date its midnight there; a UTC stamp stays.
    None for none, or a value that is no date.

    >>> rfc3339("2022-05-30T10:24:52+08:00"), rfc3339("2022-05-30"), rfc3339("2026-11-26T04:10:56Z")
    ('2022-05-30T10:24:52+08:00', '2022-05-30T00:00:00+08:00', '2026-11-26T04:10:56Z')
    >>> rfc3339("2022-05-30T10:24+08:00"), rfc3339("yesterday")
    ('2022-05-30T10:24:00+08:00', None)
    """
    if not value:
        return None
    text = value.strip()
    if len(text) == 10:
        text += "T00:00:00" + _BEIJING
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    if text.endswith("Z"):
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def entry_updated(item: Mapping[str, Any], records: Sequence[Mapping[str, Any]] = ()) -> str:
    """When the article's entry was last updated: when the run found its change (the latest
    record's ``detected_at``); for a later revision with no record, when it was crawled; for
    revision 1 (or a crawl without the store), when it was published (else crawled).

    >>> entry_updated({"published_at": "2022-05-30", "crawled_at": "2026-11-26T04:10:56Z", "revision": 1})
    '2022-05-30T00:00:00+08:00'
    >>> entry_updated({"published_at": "2022-05-30", "crawled_at": "2026-11-26T04:10:56Z", "revision": 2},
    ...               [{"detected_at": "2026-11-26T04:11:02Z"}])
    '2026-11-26T04:11:02Z'
    """
    if records:
        return max((str(r["detected_at"]) for r in records), key=_instant)
    crawled = rfc3339(item.get("crawled_at")) or datetime.now(UTC).isoformat(timespec="seconds")
    revision = item.get("revision")
    if isinstance(revision, int) and revision > 1:
        return crawled
    return rfc3339(item.get("published_at")) or crawled


# ---------------------------------------------------------------------------- entries


def _categories(entry: etree._Element, section_path: str | None, section: str | None) -> None:
    if section_path:
        _sub(entry, _atom("category"), term=section_path, scheme=COLUMN_SCHEME, label=section or None)  # type: ignore[arg-type]


def _change_elements(entry: etree._Element, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        kind = str(record["kind"])
        _sub(entry, _atom("category"), term=kind, scheme=CHANGE_SCHEME, label=KIND_LABELS.get(kind, kind))
    for record in records:
        attributes = {
            "kind": str(record["kind"]),
            "revision": str(record["revision"]),
            "detected_at": str(record["detected_at"]),
        }
        if record.get("previous_revision") is not None:
            attributes["previous_revision"] = str(record["previous_revision"])
        _sub(entry, _gn("change"), str(record.get("summary") or ""), **attributes)


def _link_type(url: str, content_type: str | None) -> str:
    """An enclosure's media type: as the site served the file, else by its name's extension.

    >>> _link_type("https://x/P1.pdf", None), _link_type("https://x/P2.wps", "text/html; charset=utf-8")
    ('application/pdf', 'text/html')
    >>> _link_type("https://x/P3", None)
    'application/octet-stream'
    """
    if content_type and "/" in content_type:
        return content_type.split(";", 1)[0].strip()
    guessed, _ = _MEDIA_TYPES.guess_type(PurePosixPath(urlsplit(url).path).name)
    return guessed or "application/octet-stream"


def article_text_html(item: Mapping[str, Any]) -> str:
    """The article as HTML: its paragraphs, its images, then the files it links.

    >>> article_text_html({"paragraphs": ["第一段<b>。"], "images": [], "attachments": []})
    '<div class="article"><p>第一段&lt;b&gt;。</p></div>'
    """
    parts = [f"<p>{escape(str(p))}</p>" for p in item.get("paragraphs") or ()]
    for image in item.get("images") or ():
        alt = escape(str(image.get("alt") or ""))
        parts.append(f'<p><img src="{escape(str(image.get("url", "")))}" alt="{alt}"></p>')
    files = [
        f'<li><a href="{escape(str(a.get("url", "")))}">{escape(str(a.get("name") or a.get("url", "")))}</a></li>'
        for a in item.get("attachments") or ()
    ]
    if files:
        parts.append('<ul class="attachments">' + "".join(files) + "</ul>")
    return '<div class="article">' + "".join(parts) + "</div>"


def article_entry(item: Mapping[str, Any], records: Sequence[Mapping[str, Any]] = ()) -> etree._Element:
    """The entry of an exported article (an ``Article`` as a mapping), with the change records
    its export carries (``restored``, ``edited``: :meth:`IncrementalRun.export_records`)."""
    url = str(item["url"])
    entry = etree.Element(_atom("entry"), nsmap=_NSMAP)  # type: ignore[arg-type]
    _sub(entry, _atom("id"), url)
    _sub(entry, _atom("title"), str(item.get("title") or url), type="text")
    _sub(entry, _atom("updated"), entry_updated(item, records))
    if published := rfc3339(item.get("published_at")):
        _sub(entry, _atom("published"), published)
    # The byline when there is one, else 来源 (the body that published it); the feed's author otherwise.
    if person := item.get("author") or item.get("source"):
        _sub(_sub(entry, _atom("author")), _atom("name"), str(person))
    if item.get("editor"):
        _sub(_sub(entry, _atom("contributor")), _atom("name"), str(item["editor"]))
    _sub(entry, _atom("link"), rel="alternate", type="text/html", href=url)
    for attachment in item.get("attachments") or ():
        if not attachment.get("url"):
            continue
        size = attachment.get("size")
        _sub(
            entry,
            _atom("link"),
            rel="enclosure",
            href=str(attachment["url"]),
            type=_link_type(str(attachment["url"]), attachment.get("content_type")),
            length=str(size) if isinstance(size, int) else None,  # type: ignore[arg-type]
            title=str(attachment.get("name") or "") or None,  # type: ignore[arg-type]
        )
    _categories(entry, item.get("section_path"), item.get("section"))
    document = item.get("document") or {}
    for name in DOCUMENT_CATEGORIES:
        if document.get(name):
            label = FIELD_LABELS.get(f"document.{name}", name)
            _sub(entry, _atom("category"), term=str(document[name]), scheme=DOCUMENT_SCHEME + name, label=label)
    _change_elements(entry, records)
    if records:
        _sub(entry, _atom("summary"), "; ".join(str(r.get("summary") or "") for r in records), type="text")
    changes = "".join(f'<div class="change change-{escape(str(r["kind"]))}">{change_html(r)}</div>' for r in records)
    content = changes + ("<hr>" if changes else "") + article_text_html(item)
    _sub(entry, _atom("content"), content, type="html")
    if item.get("revision") is not None:
        _sub(entry, _gn("revision"), str(item["revision"]))
    _sub(entry, _gn("status"), "listed")
    if item.get("source"):
        _sub(entry, _gn("source"), str(item["source"]))
    if document:
        holder = _sub(entry, _gn("document"))
        for name, value in document.items():
            if value is not None:
                _sub(holder, _gn(name), ("true" if value else "false") if isinstance(value, bool) else str(value))
    return entry


_STATUS_NOTES = {
    "withdrawn": "此文已撤下：页面不再可访问。",
    "unlisted": "此文已从栏目列表移除，页面仍可访问。",
    "restored": "此文已恢复。",
}


def status_entry(record: Mapping[str, Any], column_label: str | None = None) -> etree._Element:
    """The entry of an article withdrawn, unlisted or restored unchanged (a record of that kind:
    no article is exported with it): its last title and link, and what happened, when.

    >>> entry = status_entry({"kind": "withdrawn", "url": "https://x/t1.shtml", "title": "关于开展检查的公告",
    ...     "section_path": "/zwgk/tzgg/", "revision": 2, "detected_at": "2026-12-07T01:02:03Z",
    ...     "summary": "已撤下（页面不再可访问）"})
    >>> [child.tag.rpartition("}")[2] for child in entry]  # doctest: +NORMALIZE_WHITESPACE
    ['id', 'title', 'updated', 'link', 'category', 'category', 'change', 'summary', 'content', 'revision', 'status']
    """
    url, kind = str(record["url"]), str(record["kind"])
    title = str(record.get("title") or url)
    entry = etree.Element(_atom("entry"), nsmap=_NSMAP)  # type: ignore[arg-type]
    _sub(entry, _atom("id"), url)
    _sub(entry, _atom("title"), title, type="text")
    _sub(entry, _atom("updated"), str(record["detected_at"]))
    _sub(entry, _atom("link"), rel="alternate", type="text/html", href=url)
    _categories(entry, record.get("section_path"), column_label)
    _change_elements(entry, [record])
    _sub(entry, _atom("summary"), str(record.get("summary") or ""), type="text")
    note = escape(_STATUS_NOTES.get(kind, str(record.get("summary") or "")))
    content = f'<p class="status">{note}</p><p>最后标题：<a href="{escape(url)}">{escape(title)}</a></p>'
    _sub(entry, _atom("content"), content, type="html")
    _sub(entry, _gn("revision"), str(record["revision"]))
    _sub(entry, _gn("status"), {"restored": "listed"}.get(kind, kind))
    return entry


# ---------------------------------------------------------------------------- documents


class FeedHead:
    """What a feed says of itself: its ``<id>`` (kept from one run to the next by :func:`combine`),
    title, author (the site) and links."""

    def __init__(
        self,
        title: str,
        site_url: str | None = None,
        feed_id: str | None = None,
        *,
        author: str | None = None,
        self_url: str | None = None,
    ) -> None:
        self.title = title
        self.site_url = site_url
        self.self_url = self_url
        """Where readers fetch the feed (``rel="self"``, as RFC 4287 advises a feed to say)."""
        self.author = author or title
        """The site's name: each entry without a byline of its own is the site's."""
        self.feed_id = feed_id or f"urn:uuid:{uuid.uuid4()}"
        self.updated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def element(self) -> etree._Element:
        """The ``<feed>`` element with its metadata, no entry yet."""
        feed = etree.Element(_atom("feed"), nsmap=_NSMAP)  # type: ignore[arg-type]
        _sub(feed, _atom("id"), self.feed_id)
        _sub(feed, _atom("title"), self.title, type="text")
        _sub(feed, _atom("updated"), self.updated)
        if self.site_url:
            _sub(feed, _atom("link"), rel="alternate", type="text/html", href=self.site_url)
        if self.self_url:
            _sub(feed, _atom("link"), rel="self", type="application/atom+xml", href=self.self_url)
        _sub(_sub(feed, _atom("author")), _atom("name"), self.author)
        _sub(feed, _atom("generator"), "govnews", version=__version__)
        return feed


def _serialize(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="utf-8", xml_declaration=True, pretty_print=True)


def feed_document(head: FeedHead, entries: Iterable[etree._Element]) -> bytes:
    """A whole feed of ``entries`` (UTF-8, with its XML declaration)."""
    feed = head.element()
    feed.extend(entries)
    return _serialize(feed)


def combine(previous: bytes | None, new: bytes, *, merge: bool, max_entries: int | None = None) -> bytes:
    """The feed to publish from the one in place (``previous``, None for none) and the run's
    (``new``): the new feed's metadata with the previous ``<id>`` (a feed keeps its id). With
    ``merge``, the previous entries stay, but those whose ``<id>`` a new entry has (the new one
    replaces it); entries newest ``<updated>`` first, at most ``max_entries`` of them. ValueError
    when ``previous`` is not an Atom feed (a file this must not overwrite).

    >>> one = feed_document(FeedHead("甲", feed_id="urn:x"), [status_entry({"kind": "withdrawn",
    ...     "url": "https://x/1", "title": "一", "revision": 1, "detected_at": "2026-01-01T00:00:00Z"})])
    >>> two = feed_document(FeedHead("甲"), [status_entry({"kind": "restored",
    ...     "url": "https://x/1", "title": "一", "revision": 1, "detected_at": "2026-02-01T00:00:00Z"})])
    >>> feed = etree.fromstring(combine(one, two, merge=True))
    >>> feed.findtext(_atom("id")), [e.findtext(_atom("updated")) for e in feed.iter(_atom("entry"))]
    ('urn:x', ['2026-02-01T00:00:00Z'])
    """
    fresh = etree.fromstring(new, _PARSER)
    if previous is None or not previous.strip():
        return _serialize(fresh)
    try:
        old = etree.fromstring(previous, _PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"the file in place is not XML ({error}): not an Atom feed to replace") from None
    if old.tag != _atom("feed"):
        raise ValueError(f"the file in place is a <{old.tag}> document, not an Atom feed to replace")
    old_id, fresh_id = old.find(_atom("id")), fresh.find(_atom("id"))
    if old_id is not None and fresh_id is not None:
        fresh_id.text = old_id.text
    if not merge and max_entries is None:
        return _serialize(fresh)
    entries = list(fresh.iterfind(_atom("entry")))
    if merge:
        taken = {e.findtext(_atom("id")) for e in entries}
        entries += [e for e in old.iterfind(_atom("entry")) if e.findtext(_atom("id")) not in taken]
    for entry in fresh.iterfind(_atom("entry")):
        fresh.remove(entry)
    # Stable: of two entries updated at the same instant, the new one (listed first) stays first.
    entries.sort(key=lambda e: _instant(e.findtext(_atom("updated")) or "1970-01-01T00:00:00Z"), reverse=True)
    fresh.extend(entries[:max_entries] if max_entries is not None else entries)
    return _serialize(fresh)


# ---------------------------------------------------------------------------- the exporter


_ENTRY_TAG = etree.tostring(etree.Element(_atom("entry"), nsmap=_NSMAP)).decode().removesuffix("/>") + ">"  # type: ignore[arg-type]
"""How an entry serialized alone opens: it declares both namespaces, which ``<feed>`` declares
once for all of them."""


class AtomItemExporter(BaseItemExporter):
    """``FEED_EXPORTERS["atom"]``: an Atom 1.0 feed of the exported articles (see the module).

    Streams: the feed's head when the first item comes, then an entry per item, each in one
    ``write``, then the end of the feed: a run of any size holds no entry in memory. Reads the
    change records an item's export carries from the run (:meth:`IncrementalRun.export_records`):
    the feed exporter writes an item before the state pipeline records it (``item_scraped``,
    extensions first), so they are there. Export options (``FEEDS[uri]["item_export_kwargs"]``):
    ``feed_title`` (default: the site's name) and ``feed_url``, where readers fetch the feed
    once published (its ``rel="self"`` link; none without it: a file path is no such URL)."""

    def __init__(self, file: IO[bytes], *, crawler: Crawler | None = None, **kwargs: Any) -> None:
        self.feed_title: str | None = kwargs.pop("feed_title", None)
        self.feed_url: str | None = kwargs.pop("feed_url", None)
        super().__init__(dont_fail=False, **kwargs)
        self.file = file
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> AtomItemExporter:
        return cls(file, crawler=crawler, **kwargs)

    @staticmethod
    def combine(previous: bytes | None, new: bytes, *, merge: bool, max_entries: int | None) -> bytes:
        """How the storage publishes this exporter's file (a whole document): :func:`combine`."""
        return combine(previous, new, merge=merge, max_entries=max_entries)

    def head(self) -> FeedHead:
        contract = contract_of(self.crawler.spider) if self.crawler is not None else None
        if contract is None:
            return FeedHead(self.feed_title or "govnews", self_url=self.feed_url)
        site = contract.site.name
        return FeedHead(self.feed_title or site, contract.args.base_url, author=site, self_url=self.feed_url)

    def start_exporting(self) -> None:
        feed = etree.tostring(self.head().element(), encoding="unicode", pretty_print=True)
        # The head as an open <feed>: everything but its closing tag.
        opening, _, _ = feed.rstrip().rpartition("</feed>")
        self.file.write(('<?xml version="1.0" encoding="utf-8"?>\n' + opening).encode("utf-8"))

    def export_item(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        records: list[dict[str, Any]] = []
        contract = contract_of(self.crawler.spider) if self.crawler is not None else None
        if contract is not None and isinstance(revision := adapter.get("revision"), int):
            records = contract.incremental_run.export_records(str(adapter["url"]), revision)
        entry = article_entry(dict(adapter), records)  # read only: a shallow dict, no deep copy
        etree.indent(entry, level=1)
        text = etree.tostring(entry, encoding="unicode").replace(_ENTRY_TAG, "<entry>", 1)
        # One write an entry: a feed cut back to what the store committed ends between two entries.
        self.file.write(f"  {text}\n".encode())

    def finish_exporting(self) -> None:
        self.file.write(b"</feed>\n")


# ---------------------------------------------------------------------------- status entries


class AtomStatusEntries:
    """Adds the entries of articles withdrawn, unlisted or restored unchanged to the run's Atom
    feeds, once their records are committed: at the run's very end (``engine_stopped``), after
    the state pipeline committed its verdicts and the feed exporter stored its files.

    Each record goes to each local Atom feed of the run whose ``item_filter`` takes it (its
    column), combined with what the feed holds (:func:`combine`, published whole: a reader
    sees the feed before or after, never half of it): into the run's own entries when the run
    exported some to it, else into the feed in place with ``-o``, or as the feed with ``-O``.
    A feed on a remote storage (S3, FTP) gets none (logged). Nothing after the run's lease on
    its site ended.

    Stats: ``govnews/feed/atom_status_entries``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AtomStatusEntries:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        spider = self.crawler.spider
        contract = contract_of(spider)
        if contract is None or not contract.incremental_run.settled_records:
            return
        fence = fence_of(spider)
        if fence is not None and not fence.lease_fence():
            return
        exporter = self.crawler.get_extension(FeedExporter)
        if exporter is None:
            return
        log = for_crawler(logger, self.crawler)
        columns = {column.path: column.name for column in contract.site.columns}
        for slot in exporter.slots:
            if not issubclass(slot.exporters.get(slot.format, object), AtomItemExporter):
                continue
            records = [r for r in contract.incremental_run.settled_records if slot.filter.accepts(r)]
            if not records:
                continue
            if not isinstance(slot.storage, LineAtomicFileFeedStorage):
                log.warning("%d status entries (withdrawn …) not added to %s: not a local file", len(records), slot.uri)
                continue
            title = slot.feed_options["item_export_kwargs"].get("feed_title") or contract.site.name
            head = FeedHead(title, contract.args.base_url, author=contract.site.name)
            entries = [status_entry(r, columns.get(str(r.get("section_path")))) for r in records]
            slot.storage.publish(feed_document(head, entries), merge=bool(slot.itemcount) or slot.storage.appends)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(stats_keys.FEED("atom_status_entries"), len(entries))
