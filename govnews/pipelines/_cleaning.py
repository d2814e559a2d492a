"""The ``cleaning`` record that the cleaning pipelines share."""

from __future__ import annotations

from itemadapter import ItemAdapter

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
