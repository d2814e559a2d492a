"""Emit only what is new or changed since the last run, and remember what was exported."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from govnews.feeds import output_dir
from govnews.state import Record, StateStore, reconcile, state_dir, store_path

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
_PREFIX = "govnews/state"


class IncrementalStatePipeline:
    """The state store's side of a crawl (:mod:`govnews.state`).

    On open: opens the store for this spider and base URL in ``GOVNEWS_STATE_DIR``,
    reads back into it whatever earlier runs' feeds hold that it does not know yet
    (a killed run), and lends it to the spider, whose list walk skips known rows.

    Changes: sets ``revision`` (1 on first export, +1 when the content changed).

    Drops (``DropItem``, INFO): an article whose ``content_hash`` equals the one last
    exported (a refreshed article that did not change).

    Records: each exported article, after the feed exporter wrote it (the
    ``item_scraped`` signal), in batches; the rest at close. What a kill keeps from
    being recorded, the next run's reconciliation recovers from the feed.

    Does nothing with ``-a incremental=0`` or ``-a probe=1``: the store is neither read
    nor written.

    Stats: ``govnews/state/known_at_start``, ``…/reconciled_items``,
    ``…/repaired_feeds``, ``…/new``, ``…/changed``, ``…/unchanged``, ``…/recorded``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.store: StateStore | None = None
        self.pending: list[Record] = []
        self.batch_size = crawler.settings.getint("GOVNEWS_STATE_BATCH", 50)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalStatePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        args = getattr(spider, "args", None)
        if spider is None or args is None or not args.incremental or args.probe:
            return
        settings = self.crawler.settings
        path = store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), spider.name, args.base_url)
        self.store = StateStore(path)
        self.stats.set_value(f"{_PREFIX}/known_at_start", len(self.store))
        feeds = output_dir(settings.get("GOVNEWS_OUTPUT_DIR")) / spider.name
        recorded, repaired = reconcile(self.store, feeds, f"{spider.name}-*.jsonl")
        self.stats.set_value(f"{_PREFIX}/reconciled_items", recorded)
        self.stats.set_value(f"{_PREFIX}/repaired_feeds", repaired)
        if repaired:
            logger.warning("repaired %d feed file(s) under %s cut short by a killed run", repaired, feeds)
        logger.info("state store %s: %d articles known", path, len(self.store))
        spider.state_store = self.store  # type: ignore[attr-defined]
        if not args.urls:
            # Columns whose last walk finished may stop at the first all-known page; the
            # flag is cleared until this run finishes, so a kill forces a full walk next time.
            spider.frontier_columns = {c for c in args.sections if self.store.walk_complete(c)}  # type: ignore[attr-defined]
            for column in args.sections:
                self.store.set_walk_complete(column, False)

    def process_item(self, item: Any) -> Any:
        if self.store is None:
            return item
        adapter = ItemAdapter(item)
        url = str(adapter["url"])
        known = self.store.get(url)
        if known is None:
            adapter["revision"] = 1
            self.stats.inc_value(f"{_PREFIX}/new")
        elif known.content_hash == adapter.get("content_hash"):
            self.stats.inc_value(f"{_PREFIX}/unchanged")
            self.store.touch([url])
            raise DropItem(f"unchanged since its last export: {url}", log_level="INFO")
        else:
            adapter["revision"] = known.revision + 1
            self.stats.inc_value(f"{_PREFIX}/changed")
        return item

    def item_scraped(self, item: Any, spider: Spider) -> None:
        """After the feed exporter wrote the item: remember it (in batches)."""
        if self.store is None:
            return
        adapter = ItemAdapter(item)
        url = str(adapter["url"])
        etag, last_modified = getattr(spider, "validators", {}).pop(url, (None, None))
        self.pending.append(
            Record(
                url=url,
                content_hash=str(adapter.get("content_hash") or ""),
                revision=int(adapter.get("revision") or 1),
                published_at=adapter.get("published_at"),
                etag=etag,
                last_modified=last_modified,
            )
        )
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.store is not None and self.pending:
            self.store.record(self.pending)
            self.stats.inc_value(f"{_PREFIX}/recorded", len(self.pending))
            self.pending = []

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None:
            return
        self.flush()
        args = getattr(spider, "args", None)
        if reason == "finished" and args is not None and not args.urls:
            # A finished walk is a frontier the next run may stop at; a killed or
            # cancelled one is not (see WuhanSpider._next_page).
            for column in args.sections:
                self.store.set_walk_complete(column, True)
        self.store.close()
        self.store = None
