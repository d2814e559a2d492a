"""Drop an article already exported in this crawl, by URL or by content."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from govnews.text import content_hash

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

_PREFIX = "govnews/article_dedup"


class DropDuplicateArticlesPipeline:
    """Let each article through once per crawl.

    Changes: nothing.

    Drops (``DropItem``, logged at INFO: duplicates are expected, e.g. one article
    listed in two columns): an item whose ``url`` was already let through; an item
    whose ``content_hash`` (computed from ``paragraphs`` when missing) equals that
    of one already let through under another URL. The URLs and hashes seen live on
    the pipeline, which is built anew for each crawl: nothing is shared between
    crawls or kept in module state. Run it last, so that only items that will be
    exported claim their URL and content.

    Stats: ``govnews/article_dedup/dropped_same_url``,
    ``govnews/article_dedup/dropped_same_content``.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen_urls: set[str] = set()
        self.url_by_hash: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DropDuplicateArticlesPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = str(adapter.get("url"))
        if url in self.seen_urls:
            self.stats.inc_value(f"{_PREFIX}/dropped_same_url")
            raise DropItem(f"duplicate article: {url} already exported", log_level="INFO")
        digest = adapter.get("content_hash") or content_hash(adapter.get("paragraphs") or [])
        first_url = self.url_by_hash.get(digest)
        if first_url is not None:
            self.stats.inc_value(f"{_PREFIX}/dropped_same_content")
            raise DropItem(
                f"duplicate article: content of {url} already exported from {first_url} (content_hash {digest[:12]}…)",
                log_level="INFO",
            )
        self.seen_urls.add(url)
        self.url_by_hash[digest] = url
        return item
