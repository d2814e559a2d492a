"""Strip unrendered client-side template markup from every text field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from govnews import stats_keys
from govnews.pipelines._cleaning import TEMPLATE_PLACEHOLDERS, add_cleaning_count
from govnews.text import clean_template_paragraphs, strip_template_residue

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# Text fields and what an emptied one becomes: a blank title stays blank (validation drops
# the item and says why); an optional field becomes null.
_TEXT_FIELDS: tuple[tuple[str, str | None], ...] = (("title", ""), ("source", None), ("author", None), ("editor", None))


class StripTemplateResiduePipeline:
    """Remove ``{{ … }}``, ``{% … %}``, ``<% … %>``, ``${ … }`` and their stray tokens.

    Changes: ``title``, ``paragraphs``, ``source``, ``author``, ``editor``, image
    ``alt`` and attachment ``name`` (see :func:`govnews.text.strip_template_residue`);
    whitespace in them is collapsed. A paragraph left empty or as residue only is
    dropped, and so is the label of a template widget (一周热门 above a residue-only
    list). ``source``/``author``/``editor``/``alt`` left empty become None. Adds the
    placeholders removed to ``cleaning.template_placeholders``.

    Drops: nothing; an item left without title or paragraphs is dropped by
    validation, with its reason.

    Stats: ``govnews/template_residue/placeholders_removed``,
    ``…/paragraphs_dropped``, ``…/items_changed``.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StripTemplateResiduePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        placeholders = 0
        changed = False

        for field, empty in _TEXT_FIELDS:
            value = adapter.get(field)
            if isinstance(value, str):
                cleaned, n = strip_template_residue(value)
                placeholders += n
                if cleaned != value:
                    adapter[field] = cleaned or empty
                    changed = True

        paragraphs = adapter.get("paragraphs")
        if paragraphs:
            kept, n = clean_template_paragraphs(paragraphs)
            placeholders += n
            if kept != paragraphs:
                adapter["paragraphs"] = kept
                changed = True
                if dropped := len(paragraphs) - len(kept):
                    self.stats.inc_value(stats_keys.TEMPLATE_RESIDUE("paragraphs_dropped"), dropped)

        images = adapter.get("images")
        if images:
            new_images, n = _clean_key(images, "alt", empty=None)
            placeholders += n
            if new_images is not None:
                adapter["images"] = new_images
                changed = True

        attachments = adapter.get("attachments")
        if attachments:
            new_attachments, n = _clean_key(attachments, "name", empty="")
            placeholders += n
            if new_attachments is not None:
                adapter["attachments"] = new_attachments
                changed = True

        add_cleaning_count(adapter, TEMPLATE_PLACEHOLDERS, placeholders)
        if placeholders:
            self.stats.inc_value(stats_keys.TEMPLATE_RESIDUE("placeholders_removed"), placeholders)
        if changed:
            self.stats.inc_value(stats_keys.TEMPLATE_RESIDUE("items_changed"))
        return item


def _clean_key(records: list[dict[str, Any]], key: str, empty: str | None) -> tuple[list[dict[str, Any]] | None, int]:
    """Clean ``record[key]`` in each record; None for the list when nothing changed
    (records are copied, never changed in place)."""
    placeholders = 0
    result: list[dict[str, Any]] = []
    changed = False
    for record in records:
        value = record.get(key)
        if isinstance(value, str):
            cleaned, n = strip_template_residue(value)
            placeholders += n
            if cleaned != value:
                result.append({**record, key: cleaned or empty})
                changed = True
                continue
        result.append(record)
    return (result if changed else None), placeholders
