"""One article, one URL: drop a URL exported twice in a crawl; mark a repost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from govnews import stats_keys
from govnews.contract import contract_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from govnews.store.run import IncrementalRun


class MarkDuplicateArticlesPipeline:
    """The identity of an article is its canonical URL; content alone drops nothing.

    Changes: sets ``duplicate_of`` to the canonical URL of the first copy when the
    item's ``content_hash`` (title, paragraphs, attachments, images; set by
    :class:`~govnews.pipelines.paragraph_dedup.DedupeParagraphsPipeline`) equals that of
    an article exported under another URL — earlier in this crawl, or by an earlier run
    (the state store's record, when the crawl is incremental); None otherwise. A repost
    of one article in a second column is exported, and says whose copy it is.

    Drops (``DropItem``, INFO): an item whose ``url`` was already let through in this
    crawl. The URLs and hashes seen live on the pipeline, built anew for each crawl.
    Run it after validation, so that only items that will be exported claim their URL
    and content.

    Stats: ``govnews/article_dedup/dropped_same_url``,
    ``govnews/article_dedup/marked_duplicate_of``.
    """

    def __init__(self, stats: StatsCollector, crawler: Crawler | None = None) -> None:
        self.stats = stats
        self.crawler = crawler
        self.seen_urls: set[str] = set()
        self.url_by_hash: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MarkDuplicateArticlesPipeline:
        return cls(crawler.stats, crawler)

    def _run(self) -> IncrementalRun | None:
        contract = contract_of(self.crawler.spider) if self.crawler is not None else None
        return contract.incremental_run if contract is not None else None

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = str(adapter.get("url"))
        if url in self.seen_urls:
            self.stats.inc_value(stats_keys.ARTICLE_DEDUP("dropped_same_url"))
            raise DropItem(f"duplicate article: {url} already exported", log_level="INFO")
        self.seen_urls.add(url)
        digest = adapter.get("content_hash")
        first = None
        if digest:
            run = self._run()
            first = self.url_by_hash.get(digest) or (run.first_url(digest) if run is not None else None)
            self.url_by_hash.setdefault(digest, url)
        duplicate_of = first if first is not None and first != url else None
        if duplicate_of is not None:
            self.stats.inc_value(stats_keys.ARTICLE_DEDUP("marked_duplicate_of"))
        adapter["duplicate_of"] = duplicate_of
        return item
