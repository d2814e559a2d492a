"""Remove control and zero-width characters from every text field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from govnews import stats_keys
from govnews.text import has_control_characters, without_control_characters

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# One-line text fields and what an emptied one becomes: a required field stays an empty
# string (validation drops the item and says why); an optional one becomes null.
_TEXT_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("title", ""),
    ("section", ""),
    ("source", None),
    ("author", None),
    ("editor", None),
)
# Lists of records and the text key of each, and what an emptied value becomes.
_RECORD_FIELDS: tuple[tuple[str, str, str | None], ...] = (("images", "alt", None), ("attachments", "name", ""))


class StripControlCharactersPipeline:
    """Remove C0/C1 control characters and zero-width characters (U+200B-U+200D, U+2060,
    U+FEFF) from every text field, first of all the pipelines, so that the ones after
    compare, hash and validate clean text.

    Changes: ``title``, ``section``, ``source``, ``author``, ``editor``, each paragraph,
    image ``alt``, attachment ``name`` and ``meta`` keys and values (see
    :func:`govnews.text.without_control_characters`). A tab, newline or other separating
    control becomes a space and whitespace is collapsed where anything went, so words are
    never glued (``正文中\\x07有\\x1b控制\\u200b字符`` becomes ``正文中有控制字符``). An emptied
    paragraph is dropped; an emptied ``source``/``author``/``editor``/``alt`` becomes None;
    an emptied meta key or value drops that pair. Records are copied, never changed in place.

    Drops: no item; an item left without title or paragraphs is dropped by validation.

    Stats: ``govnews/text_hygiene/characters_removed``, ``…/items_changed``,
    ``…/paragraphs_dropped``, ``…/meta_pairs_dropped``.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StripControlCharactersPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        # Most items hold none: one search over all their text, and they are done with.
        if not has_control_characters(_texts(adapter)):
            return item
        removed = 0

        for name, empty in _TEXT_FIELDS:
            value = adapter.get(name)
            if isinstance(value, str):
                cleaned, n = without_control_characters(value)
                if n:
                    adapter[name] = cleaned or empty
                    removed += n

        paragraphs = adapter.get("paragraphs")
        if paragraphs:
            kept: list[Any] = []
            found = 0
            for paragraph in paragraphs:
                cleaned, n = without_control_characters(paragraph) if isinstance(paragraph, str) else (paragraph, 0)
                found += n
                if cleaned != "":
                    kept.append(cleaned)
            if found:
                adapter["paragraphs"] = kept
                removed += found
                if dropped := len(paragraphs) - len(kept):
                    self.stats.inc_value(stats_keys.TEXT_HYGIENE("paragraphs_dropped"), dropped)

        for name, key, empty in _RECORD_FIELDS:
            records = adapter.get(name)
            if records:
                new_records, n = _clean_key(records, key, empty)
                if n:
                    adapter[name] = new_records
                    removed += n

        meta = adapter.get("meta")
        if meta:
            new_meta, n, dropped = _clean_meta(meta)
            if n:
                adapter["meta"] = new_meta
                removed += n
                if dropped:
                    self.stats.inc_value(stats_keys.TEXT_HYGIENE("meta_pairs_dropped"), dropped)

        if removed:
            self.stats.inc_value(stats_keys.TEXT_HYGIENE("characters_removed"), removed)
            self.stats.inc_value(stats_keys.TEXT_HYGIENE("items_changed"))
        return item


def _texts(adapter: ItemAdapter) -> list[str]:
    """Every text the pipeline cleans, as it reads them."""
    texts = [value for name, _ in _TEXT_FIELDS if isinstance(value := adapter.get(name), str)]
    texts += [p for p in adapter.get("paragraphs") or () if isinstance(p, str)]
    for name, key, _ in _RECORD_FIELDS:
        texts += [value for record in adapter.get(name) or () if isinstance(value := record.get(key), str)]
    for key, value in (adapter.get("meta") or {}).items():
        texts += [text for text in (key, value) if isinstance(text, str)]
    return texts


def _clean_key(records: list[dict[str, Any]], key: str, empty: str | None) -> tuple[list[dict[str, Any]], int]:
    removed = 0
    result: list[dict[str, Any]] = []
    for record in records:
        value = record.get(key)
        if isinstance(value, str) and (cleaned := without_control_characters(value))[1]:
            removed += cleaned[1]
            result.append({**record, key: cleaned[0] or empty})
        else:
            result.append(record)
    return result, removed


def _clean_meta(meta: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """The meta record cleaned, the characters removed and the pairs dropped (an emptied
    key or value; when two keys become one, the first pair keeps it)."""
    removed = dropped = 0
    result: dict[str, Any] = {}
    for key, value in meta.items():
        new_key, n_key = without_control_characters(key) if isinstance(key, str) else (key, 0)
        new_value, n_value = without_control_characters(value) if isinstance(value, str) else (value, 0)
        removed += n_key + n_value
        emptied = (n_key or n_value) and (new_key == "" or new_value == "")
        if emptied or new_key in result:
            dropped += 1
            continue
        result[new_key] = new_value
    return result, removed, dropped
