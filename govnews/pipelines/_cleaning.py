"""What the pipelines share: the ``cleaning`` record, and the content hash of an item whose
attachments gained their files' checksums."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from itemadapter import ItemAdapter

from govnews.text import article_content_hash

DUPLICATE_PARAGRAPHS = "duplicate_paragraphs"
TEMPLATE_PLACEHOLDERS = "template_placeholders"


def add_cleaning_count(adapter: ItemAdapter, key: str, count: int) -> None:
    """Add ``count`` to ``cleaning[key]``; both keys are always present afterwards.

    A fresh dict is set, so a record shared with another item is never changed.
    """
    cleaning = {DUPLICATE_PARAGRAPHS: 0, TEMPLATE_PLACEHOLDERS: 0}
    cleaning.update(adapter.get("cleaning") or {})
    cleaning[key] += count
    adapter["cleaning"] = cleaning


def rehash_with_files(adapter: ItemAdapter, attachments: Iterable[Mapping[str, object]]) -> str:
    """Set ``content_hash`` to :func:`govnews.text.article_content_hash` of the item with
    ``attachments`` in place of its own (each file's ``sha256`` where known); return it."""
    title = adapter.get("title")
    digest = article_content_hash(
        title if isinstance(title, str) else "",
        adapter.get("paragraphs") or [],
        attachments,
        adapter.get("images") or [],
    )
    adapter["content_hash"] = digest
    return digest
