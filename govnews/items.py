"""The item govnews exports: one Article per article page.

Field order is the key order of every JSONL line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    url: str
    """Canonical URL (``https://www.wuhan.gov.cn/...`` on the real site)."""
    site: str
    section: str
    """Column name, e.g. 武汉要闻."""
    section_path: str
    """Column path, e.g. ``/sy/whyw/``."""
    title: str
    published_at: str | None
    """ISO 8601 with ``+08:00``; a bare date when no time is known."""
    source: str | None
    """来源, or None: never invented."""
    author: str | None
    editor: str | None
    paragraphs: list[str]
    images: list[dict[str, str | None]]
    """``[{"url": ..., "alt": ...}]``; alt is None when the page gives none."""
    attachments: list[dict[str, Any]]
    """``[{"url": ..., "name": ...}]``; with attachments downloaded (``-a attachments=1``)
    each also has ``path, sha256, size, content_type, kind, pages, text, reason, members``
    (docs/attachments.md)."""
    meta: dict[str, str]
    """Government metadata found on the page: meta tags and policy header pairs."""
    document: dict[str, Any] | None
    """A policy document's header as data (``index_no, issuer, doc_number, topic,
    written_at, published_at, validity, in_force``), or None for a news item."""
    crawled_at: str
    """UTC ISO 8601."""
    content_hash: str | None = None
    """Hash of what the article says (title, paragraphs, attachments, images),
    normalised; set by the paragraph pipeline."""
    cleaning: dict[str, int] = field(default_factory=dict)
    """What the cleaning pipelines removed: duplicate_paragraphs, template_placeholders."""
    revision: int | None = None
    """1 on an article's first export, +1 each time its content changed since; None when
    the crawl runs without the state store (``-a incremental=0``)."""
    duplicate_of: str | None = None
    """Canonical URL of the first article exported with the same content under another
    URL (a repost in a second column), else None: set by the article dedup pipeline."""


@dataclass
class ArchivedArticle(Article):
    """An Article of a crawl that archives (``-a archive=1``): the same fields, then where the
    page's response is in the WARC files. Without the archive the item is a plain Article, so
    the key is absent (not null) and the feed is the same as before."""

    archive: dict[str, Any] = field(default_factory=dict)
    """``{"file", "offset", "record_id"}``: the WARC file relative to ``GOVNEWS_OUTPUT_DIR``,
    where the response record's gzip member starts, its ``WARC-Record-ID`` (docs/archive.md)."""
