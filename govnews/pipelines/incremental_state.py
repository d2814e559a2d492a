"""Emit only what is new or changed since the last run, and remember what was exported."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.defer import deferred_from_coro

from govnews import stats_keys
from govnews.changes import revision_fields
from govnews.contract import contract_of
from govnews.feeds import FeedFile, job_id, output_dir
from govnews.logs import for_crawler
from govnews.pipelines._cleaning import rehash_with_files
from govnews.sites.family import site_key
from govnews.store import (
    LeaseLost,
    Lock,
    StoreLocked,
    StoreMissing,
    StoreUnavailable,
    held_lease,
    open_store,
    reconcile,
    record_from_item,
    redis_url,
    state_dir,
    store_path,
    utc_stamp,
)
from govnews.store.history import remembered_store
from govnews.store.journal import fill_fields_from_feeds

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from govnews.store.run import IncrementalRun

from govnews.store.run import ArticleFacts

logger = logging.getLogger(__name__)
LOCKED_REASON = "store_locked"
LEASE_LOST_REASON = "store_lease_lost"
UNAVAILABLE_REASON = "store_unavailable"
REPLACED_REASON = "store_replaced"
MISSING_REASON = "store_missing"


def store_path_for(settings: BaseSettings, base_url: str) -> Path:
    """The state store of the site ``base_url`` belongs to."""
    return store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key(base_url))


class IncrementalStatePipeline:
    """The state store's side of a crawl (:mod:`govnews.store`, rules in
    :mod:`govnews.store.walk` and :mod:`govnews.store.run`).

    On open: uses the store's lock ``scrapy crawl`` took for the crawl, or takes it (a
    second run on the same site is refused: the spider closes with reason ``store_locked``
    before any request; ``scrapy crawl`` refuses it earlier still, exit code 3), opens the site's store in
    ``GOVNEWS_STATE_DIR``, reads back what the open feeds of dead runs hold
    (reconciliation) and attaches the store to the spider's run, whose list walk skips
    known rows and stops at covered pages.

    Changes: sets ``revision`` (1 on first export, +1 when the content changed).

    Drops (``DropItem``, INFO): an article whose ``content_hash`` equals the one last
    exported (a refreshed article that did not change).

    Records: each exported article, after the feed exporter wrote it (the
    ``item_scraped`` signal) and the feed files were synced to disk, in batches; the rest
    at close, then each walk (what it read and the gaps it leaves; a run that did not
    finish cuts its walks where they stood), then closes the run's feeds in the manifest.
    What a kill keeps from being recorded, the next run's reconciliation recovers. An item
    a feed failed to write is not recorded (ERROR, ``govnews/feed/write_failed``): it stays
    owed to the next run.

    Does nothing with ``-a incremental=0`` or ``-a probe=1``: the store is neither read
    nor written.

    Stats: ``govnews/state/known_at_start``, ``…/reconciled_items``,
    ``…/repaired_feeds``, ``…/new``, ``…/changed``, ``…/unchanged`` (and each per column,
    ``govnews/column/<path>/new`` …), ``…/recorded``,
    ``…/complete_walks``, ``…/incomplete_walks``, ``…/made_pending``, ``…/gaps_open``,
    ``…/locked``; ``govnews/feed/write_failed``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.run: IncrementalRun | None = None
        # With Redis every item is recorded at once: a takeover from another host (which cannot
        # read this host's feed back) re-exports at most the one item in flight. SQLite: 50.
        default = 1 if redis_url(crawler.settings) else 50
        self.batch_size = crawler.settings.getint("GOVNEWS_STATE_BATCH", 0) or default
        self._failed_writes = 0
        self._lease_taken: Lock | None = None
        """The site's lease, when this pipeline took it (a crawl not started by ``scrapy crawl``)."""
        self._logger = for_crawler(logger, crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalStatePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        contract = contract_of(self.crawler.spider)
        if contract is None or not contract.args.takes_lease:
            return
        args, run = contract.args, contract.incremental_run
        key = site_key(args.base_url)
        in_redis = redis_url(self.crawler.settings) is not None
        try:
            # The lease `scrapy crawl` (or the family) took for this crawl before it started; a crawl
            # started another way (a script, a test) takes it here, and releases it at close.
            held = held_lease(self.crawler.settings, key)
            # SQLite in GOVNEWS_STATE_DIR by default; Redis when REDIS_URL is set (docs/distributed.md).
            store, lock = open_store(self.crawler.settings, key, create=args.new_store, lock=held)
            self._lease_taken = lock if held is None else None
        except StoreLocked as error:
            self.stats.set_value(stats_keys.STATE("locked"), 1)
            self._logger.error("%s", error)
            raise CloseSpider(LOCKED_REASON) from None
        except StoreUnavailable as error:
            self.stats.set_value(stats_keys.STATE("unavailable"), 1)
            self._logger.error("%s; no request made (%s)", error, UNAVAILABLE_REASON)
            raise CloseSpider(UNAVAILABLE_REASON) from None
        except StoreMissing as error:
            # A Redis store is never created in silence: an empty Redis and a wiped one look alike.
            self.stats.set_value(stats_keys.STATE("missing"), 1)
            self._logger.error("%s; no request made (%s)", error, MISSING_REASON)
            raise CloseSpider(MISSING_REASON) from None
        output = output_dir(self.crawler.settings.get("GOVNEWS_OUTPUT_DIR"))
        remembered = None if in_redis else remembered_store(output, key)
        if remembered is not None and remembered != store.store_id and not args.new_store:
            # The store earlier runs used is gone (a deleted file) or another one stands in its
            # place: starting over would re-export every article and walk every list page of the
            # real site again. Not in silence. (A Redis store's own existence is the judge there.)
            self.stats.set_value(stats_keys.STATE("replaced"), 1)
            self._logger.error(
                "the state store %s is not the one this host's earlier runs of %s used (store %s; this one is %s): "
                "it was deleted, wiped or replaced; no request made (%s). To start over with it (every article "
                "exported again): -a new_store=1",
                store.path,
                key,
                remembered[:12],
                store.store_id[:12],
                REPLACED_REASON,
            )
            store.close()
            self._release_lease()
            raise CloseSpider(REPLACED_REASON)
        run.attach(store, lock)
        run.site = getattr(getattr(self.crawler.spider, "site", None), "host", None)
        spider_name = self.crawler.spider.name if self.crawler.spider is not None else "govnews"
        run.changes_path = changes_feed_path(output, spider_name, job_id(self.crawler.spider))
        run.on_store_lost = self._store_lost
        # Whichever thread finds the lease lost (its renewal, a signal handler, a store write),
        # the stop itself runs in the crawl's thread.
        run.when_lease_lost(self._lease_lost_anywhere)
        self.stats.set_value(stats_keys.STATE("store"), key)
        self.stats.set_value(stats_keys.STATE("store_id"), store.store_id)
        self.run = run
        try:
            self.stats.set_value(stats_keys.STATE("known_at_start"), len(store))
            reconciled = reconcile(store)
            filled = fill_fields_from_feeds(store)
            self._note("start")
        except StoreUnavailable as error:
            run.store_lost = error
            self.stats.set_value(stats_keys.STATE("unavailable"), 1)
            self._logger.error("%s; no request made (%s)", error, UNAVAILABLE_REASON)
            raise CloseSpider(UNAVAILABLE_REASON) from None
        except LeaseLost as error:
            self.stats.set_value(stats_keys.STATE("lease_lost"), 1)
            self._logger.error("%s; no request made (%s)", error, LEASE_LOST_REASON)
            raise CloseSpider(LEASE_LOST_REASON) from None
        if filled:
            self.stats.set_value(stats_keys.CHANGES("fields_filled"), filled)
            self._logger.info(
                "kept the revision fields of %d article(s) recorded by an earlier release, from their feeds", filled
            )
        owed = run.deliver_owed()
        if owed:
            self.stats.set_value(stats_keys.CHANGES("owed_written"), owed)
            self._logger.warning("wrote %d change record(s) an earlier run committed and did not write", owed)
        self.stats.set_value(stats_keys.STATE("reconciled_items"), reconciled.read)
        self.stats.set_value(stats_keys.STATE("repaired_feeds"), reconciled.repaired)
        self.stats.set_value(stats_keys.STATE("reconciled_lines_cut"), reconciled.cut)
        if reconciled.repaired:
            self._logger.warning("repaired %d feed file(s) cut short by a killed run", reconciled.repaired)
        if reconciled.cut:
            self._logger.warning(
                "cut %d line(s) from feeds of earlier runs that did not commit them (killed, or stopped on a lost "
                "lease, between the write and the commit): those articles are owed again",
                reconciled.cut,
            )
        self._logger.info(
            "state store %s: %d articles known", store.path, self.stats.get_value(stats_keys.STATE("known_at_start"))
        )

    def _note(self, event: str, **fields: Any) -> None:
        """The store's run history (a Redis store's, every host's runs of the site; SQLite's is
        the host's runs.jsonl): this run's start or end."""
        run = self.run
        if run is None or run.store is None or not run.lease_valid():
            return
        record = {"event": event, "run": run.run_id, "token": run.token, "host": run.store.host, "pid": os.getpid()}
        run.store.note({**record, "at": utc_stamp(), **fields})

    def process_item(self, item: Any) -> Any:
        if self.run is None:
            return item
        adapter = ItemAdapter(item)
        url = str(adapter["url"])
        if not self.run.lease_valid():
            self.stats.inc_value(stats_keys.FENCE("items_withheld"))
            raise DropItem(f"not exported, the run's lease on its site ended: {url}")
        files = self._files_with_known_checksums(adapter)
        digest = self._with_known_checksums(adapter, files)
        # The item's fields as they are (what reads them builds its own values): not
        # ItemAdapter.asdict, which copies every nested value, asking of each whether it is an
        # item (a third of an article's time in the pipelines). So for the record below.
        fields = revision_fields({**adapter, "attachments": files})
        facts = ArticleFacts(
            str(adapter.get("site") or self.run.site or ""),
            str(adapter.get("section_path") or "/"),
            str(adapter.get("title") or url),
        )
        try:
            verdict = self.run.classify(url, digest, fields, facts)
        except LeaseLost as error:
            self._lease_lost(error)
            raise DropItem(f"not exported, the run lost its lease on the state store: {url}") from None
        except StoreUnavailable:
            raise DropItem(f"not exported, the state store is unavailable (owed to the next run): {url}") from None
        self.stats.inc_value(stats_keys.STATE(verdict.status))
        # Per column too (new / changed / unchanged): the run's closing block on a terminal.
        if isinstance(section := adapter.get("section_path"), str) and section.strip("/"):
            self.stats.inc_value(stats_keys.column(section, verdict.status))
        if verdict.status == "changed" and "edited" not in verdict.changes:
            # An article recorded before fields were kept: a revision with no record (no
            # previous fields to diff against).
            self.stats.inc_value(stats_keys.CHANGES("no_previous_fields"))
        if verdict.status == "unchanged":
            raise DropItem(f"unchanged since its last export: {url}", log_level="INFO")
        adapter["revision"] = verdict.revision
        return item

    def _files_with_known_checksums(self, adapter: ItemAdapter) -> list[dict[str, Any]]:
        """The item's attachments, each not downloaded in this run with the checksum the store
        knows of it (:meth:`IncrementalRun.known_checksum`): what the item would be if each file
        answered 304. Both the content hash and the revision fields are compared on them, so a
        run that does not download files compares like with like."""
        files = [dict(a) for a in adapter.get("attachments") or []]
        assert self.run is not None
        if self.run.store is None:
            return files
        for attachment in files:
            if not attachment.get("sha256") and (sha := self.run.known_checksum(str(attachment.get("url")))):
                attachment["sha256"] = sha
        return files

    def _with_known_checksums(self, adapter: ItemAdapter, files: list[dict[str, Any]]) -> str | None:
        """The item's ``content_hash`` with the checksums the store knows of its files (what
        the hash would be if each answered 304): recorded hashes hold the checksums of the
        files downloaded with them (:mod:`govnews.pipelines.attachments`), so an article is
        compared like with like, and one whose page and files are as known is unchanged
        without a file being asked for. A file the store learnt anew since (another article
        links it too) makes the article changed. Set on the item, whether or not this run
        downloads attachments: a run without them then never finds a change that is none."""
        digest: str | None = adapter.get("content_hash")
        if files == list(adapter.get("attachments") or []):
            return digest  # no checksum filled in: the hash the item has
        return rehash_with_files(adapter, files)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        """After the feed exporter wrote the item: commit it (in batches). A batch the store
        refuses is cut from the feeds by the run (:meth:`IncrementalRun.flush`)."""
        if self.run is None:
            return
        adapter = ItemAdapter(item)
        url = str(adapter["url"])
        etag, last_modified = self.run.validators.pop(url, (None, None))
        failed = sum(f.failed_writes for f in self.run.feed_files if isinstance(f, FeedFile))
        if failed > self._failed_writes:
            # A feed could not write the item's line (cut back to the last whole line): it
            # is not recorded, so the next run exports it.
            self._failed_writes = failed
            self.stats.inc_value(stats_keys.FEED("write_failed"))
            self._logger.error("feed write failed for %s: not recorded as exported; owed to the next run", url)
            return
        record = record_from_item(dict(adapter), etag, last_modified)
        self.run.exported(record)
        if len(self.run.pending_batch) >= self.batch_size:
            self.stats.inc_value(stats_keys.STATE("recorded"), self.run.flush())

    def _lease_lost_anywhere(self) -> None:
        """The run's lease is found lost, in whatever thread: the stop runs in the reactor's
        (``callFromThread`` is safe from threads and signal handlers). Meanwhile every fence
        refuses already (:meth:`IncrementalRun.lease_valid` is False)."""
        from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

        reactor.callFromThread(self._fenced)

    def _fenced(self) -> None:
        """The run's lease is lost: stop at once; no request is made and no line written from
        now on (fencing); what was written and not committed is cut from the feed."""
        run = self.run
        reason = None
        if run is not None and run.lock is not None:
            reason = run.lock.lost_reason
        why = reason or "another run may hold the site"
        self._lease_lost(LeaseLost(f"the lease on the state store is lost: {why}"))

    def _lease_lost(self, error: LeaseLost) -> None:
        """Another run may hold the site now (a Redis lease that lapsed or was taken): stop,
        write nothing more. What this run committed stays in its feed; what it wrote and
        could not commit is cut (by the run now, or by the next reconciliation of the feed)."""
        if self.run is not None:
            self.run.lose_lease()
        if self.stats.get_value(stats_keys.STATE("lease_lost")):
            return
        self.stats.set_value(stats_keys.STATE("lease_lost"), 1)
        self._logger.error("%s; stopping the crawl (%s)", error, LEASE_LOST_REASON)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=LEASE_LOST_REASON))

    def _store_lost(self, error: StoreUnavailable) -> None:
        """The store's server went away mid-run: stop, ask and write nothing more. What this
        run exported stays in its feed, which the manifest lists as open: the next run settles
        it with the store; what it did not export is fetched again."""
        self.stats.set_value(stats_keys.STATE("unavailable"), 1)
        self._logger.error(
            "%s; stopping the crawl (%s); nothing is lost: the next run settles this run's feed with the store",
            error,
            UNAVAILABLE_REASON,
        )
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=UNAVAILABLE_REASON))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run is None:
            return
        try:
            counts = self.run.finish(finished=reason == "finished")
        except LeaseLost as error:
            self._logger.error("%s; nothing recorded at close (the feed keeps what was committed)", error)
            counts = {}
        for key, value in counts.items():
            self.stats.inc_value(stats_keys.STATE(key), value)
        for kind, count in self.run.committed_kinds.items():
            self.stats.set_value(stats_keys.CHANGES(kind), count)
        if self.run.changes_written:
            self.stats.set_value(stats_keys.CHANGES("written"), self.run.changes_written)
            self.stats.set_value(stats_keys.CHANGES("feed"), str(self.run.changes_path))
        for column in sorted(self.run.columns_in_trouble):
            self.stats.inc_value(stats_keys.CHANGES("pages_in_trouble"))
            self._logger.warning(
                "column %s: most known articles asked were gone (a server answering 404 for pages that are "
                "there?): no withdrawal confirmed or suspected there this run",
                column,
            )
        for column, missing in self.run.unlisted_skipped.items():
            self._logger.warning(
                "column %s: a whole walk missed %d known articles, too many to be unlisted (a stub list?): none "
                "named a candidate",
                column,
                missing,
            )
        if self.run.items_cut:
            self.stats.set_value(stats_keys.FEED("items_cut"), self.run.items_cut)
            self._logger.warning(
                "%d item(s) cut from the feed: the store did not commit them (%s); those articles are owed again",
                self.run.items_cut,
                "the lease was lost" if self.run.lease_lost else "the store went away",
            )
        with contextlib.suppress(StoreUnavailable, LeaseLost):
            self._note("end", finish_reason=reason, recorded=int(self.stats.get_value(stats_keys.STATE("recorded"), 0)))
        self.run.close()
        self.run = None
        self._release_lease()

    def _release_lease(self) -> None:
        """Release the site's lease if this pipeline took it (else its owner, the crawl command
        or the family, releases it once the crawl is over)."""
        if self._lease_taken is not None:
            self._lease_taken.release()
            self._lease_taken = None


def changes_feed_path(output: Path, spider: str, job: str) -> Path:
    """This run's changes feed: ``<output>/<spider>/changes/<spider>-<start time>-<job>.jsonl``,
    the start time in UTC as Scrapy names feeds (``2026-12-07T01-02-03+00-00``).

    >>> changes_feed_path(Path("/o"), "wuhan", "j1").parent
    PosixPath('/o/wuhan/changes')
    """
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace(":", "-")
    return output / spider / "changes" / f"{spider}-{stamp}-{job}.jsonl"
