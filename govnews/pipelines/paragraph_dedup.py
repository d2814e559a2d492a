"""Drop paragraphs that repeat an earlier one, or the title; set ``content_hash``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from govnews import stats_keys
from govnews.pipelines._cleaning import DUPLICATE_PARAGRAPHS, add_cleaning_count
from govnews.text import dedupe_article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DedupeParagraphsPipeline:
    """Keep the first occurrence of each paragraph, in order.

    Changes: ``paragraphs`` loses each paragraph equal to an earlier one or to the
    title (real pages print the title above the body), equality being that of
    :func:`govnews.text.normalize_for_comparison` (NFKC, whitespace, zero-width
    characters, HTML entities). Sets ``content_hash`` to the hash of what the article
    says once cleaned (:func:`govnews.text.article_content_hash`: title, paragraphs
    kept, attachments, images) and adds the number dropped to
    ``cleaning.duplicate_paragraphs``, both in one pass (:func:`govnews.text.dedupe_article`).
    Nothing is remembered between items.

    Drops: nothing.

    Stats: ``govnews/paragraph_dedup/duplicates_removed``, ``…/items_changed``.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupeParagraphsPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        paragraphs = adapter.get("paragraphs") or []
        title = adapter.get("title")
        # A title that is no string (validation drops the item) is seen as "" and hashed as "".
        kept, dropped, digest = dedupe_article(
            paragraphs,
            title if isinstance(title, str) else "",
            adapter.get("attachments") or [],
            adapter.get("images") or [],
        )
        if dropped:
            adapter["paragraphs"] = kept
            self.stats.inc_value(stats_keys.PARAGRAPH_DEDUP("duplicates_removed"), dropped)
            self.stats.inc_value(stats_keys.PARAGRAPH_DEDUP("items_changed"))
        adapter["content_hash"] = digest
        add_cleaning_count(adapter, DUPLICATE_PARAGRAPHS, dropped)
        return item
