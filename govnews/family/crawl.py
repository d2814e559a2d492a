"""``scrapy crawl family``: several sites of the family in one process, and sites shared by
many workers through Redis.

Each site is crawled by its own spider (:mod:`govnews.crawl.spiders.family`) in a crawler of its
own, so each host keeps its own polite rate (one request at a time, the delay,
AutoThrottle), its own state store, feed, stats and health verdict; the sites run side by
side in one reactor, so N sites take about the time of the slowest, not the sum.

**Sites are leased, not requests.** Before a site's crawl starts, the run takes the site's
state-store lock (:func:`govnews.store.take_lease`): a ``flock`` with SQLite, a
Redis lease with ``REDIS_URL``. A site another run holds is left to it. With Redis, that
lease is how workers on many machines share the family: each site is crawled by one
worker at a time, so the per-host politeness of one worker holds for the cluster as a
whole; the site's queue of requests is the holder's own, in memory (or ``JOBDIR``). A
worker also skips a site another worker *finished* after this worker started (the Redis key
``govnews:{<site>}:family_done``, both moments on Redis' clock, ``TIME``): workers started
together share one round and crawl each site once. ``GOVNEWS_FAMILY_SITES_AT_ONCE`` caps
the sites one worker crawls at once (0: all), so that workers started together divide the
family between them.

A worker killed mid-site loses nothing: it never marks the site done, its lease lapses
(``GOVNEWS_REDIS_LOCK_TTL``), and a living worker with nothing left to take waits for it
(``GOVNEWS_FAMILY_WAIT_FOR_LEASES``, by default twice the lease) and crawls the site again;
the walk rule (docs/incremental.md) makes that safe: what was exported and recorded is not
fetched again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from govnews import stats_keys
from govnews.crawl.arguments import FamilyArguments
from govnews.sites.family import site_key
from govnews.sites.site import Site
from govnews.store import (
    Lock,
    StoreLocked,
    StoreMissing,
    StoreUnavailable,
    ensure_store,
    lease_ttl,
    redis_url,
    take_lease,
)
from govnews.store.keys import SiteKeys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler, CrawlerRunnerBase
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_SITES_AT_ONCE = 0
MISSING_REASON = "store_missing"
NOT_DONE_REASONS = ("store_lease_lost", "store_locked", "store_missing", "store_replaced", "store_unavailable")
"""Finish reasons of a site's run that did not crawl it for the round (refused, or stopped on
its lease or its store): the round mark is not written, so another worker, or the next
run, crawls it."""
# A round's mark outlives any round; it expires so that Redis keeps nothing forever.
ROUND_MARK_TTL = 7 * 24 * 3600


@dataclass
class SiteOutcome:
    key: str
    state: str
    """``crawled``, ``taken`` (another run holds the site), ``done`` (another worker
    crawled it this round), ``refused`` (its Redis store does not exist: exit code 8), or
    ``not_started`` (the run was stopped first)."""
    verdict: str | None = None
    items: int = 0
    finish_reason: str | None = None
    note: str = ""
    failed_checks: tuple[str, ...] = ()
    """The first line of each failed health check's message (the site's own, from its crawler)."""
    errors: int = 0
    """ERROR lines of this site (govnews.ops.health.logcount), retries given up aside."""
    summary: str | None = None
    """The summary file beside the site's feed, when it wrote one."""


class FamilyCrawl:
    """Starts the sites' crawlers on a crawler process, a few at a time, and keeps each
    site's outcome. ``stopping()`` says a user stopped the run: no further site starts."""

    def __init__(
        self,
        process: CrawlerRunnerBase,
        settings: BaseSettings,
        arguments: FamilyArguments,
        *,
        job: str | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.process = process
        self.settings = settings
        self.arguments = arguments
        self.job = job
        self.stopping = stopping
        self.at_once = max(0, settings.getint("GOVNEWS_FAMILY_SITES_AT_ONCE", DEFAULT_SITES_AT_ONCE))
        self.waiting = list(arguments.sites)
        self.running: dict[str, Crawler] = {}
        self.outcomes: dict[str, SiteOutcome] = {}
        self.held: list[Site] = []
        """Sites another run held when this worker asked (retried while it waits)."""
        self.idle_since: float | None = None
        self.schedule: Callable[[float, Callable[[], None]], Any] | None = None
        """``reactor.callLater``, to ask again for held sites; None: the caller asks (tests)."""
        self.on_idle: Callable[[], None] | None = None
        """Called once nothing runs, nothing waits and no held site is worth waiting for."""
        url = redis_url(settings)
        self.redis: Any = None
        if url is not None:
            from govnews.store.connection import connect  # noqa: PLC0415 - only in distributed mode

            # Timeouts: a Redis that stops answering is an error, not a reactor that hangs.
            self.redis = connect(url)
        ttl = lease_ttl(settings)
        wait = settings.get("GOVNEWS_FAMILY_WAIT_FOR_LEASES")
        self.wait_for = max(0.0, float(wait)) if wait not in (None, "") else 2 * ttl
        self.poll = max(0.5, ttl / 4)
        # The round's start on the server's clock (Redis TIME), never a machine's own.
        self.round_start = self._now()

    def _now(self) -> float:
        """Now, on Redis' clock when there is one (round marks compare server times only)."""
        if self.redis is not None:
            try:
                seconds, micros = self.redis.time()
                return float(seconds) + float(micros) / 1e6
            except Exception as error:  # the sites' own runs report a Redis that went away
                logger.warning("Redis TIME failed (%s); this machine's clock stands in", error)
        return time.time()

    def start(self) -> None:
        self._fill()
        self._check_idle()

    def _fill(self) -> None:
        while self.waiting and (not self.at_once or len(self.running) < self.at_once):
            site = self.waiting.pop(0)
            if self.stopping():
                self.outcomes[site.key] = SiteOutcome(site.key, "not_started", note="the run was stopped")
                continue
            self._launch(site)

    def _launch(self, site: Site) -> None:
        base_url = self.arguments.base_url(site)
        key = site_key(base_url)
        lock: Lock | None = None
        if self.arguments.takes_lease:
            try:
                lock = take_lease(self.settings, key)
                ensure_store(self.settings, key, lock, create=self.arguments.new_store)
            except StoreMissing as error:
                # Refused, not done: the round mark is not written, so every worker sees the
                # site refused (exit 8) rather than skip it; the other sites go on.
                if lock is not None:
                    lock.release()
                logger.error("site %s: %s; no request made (%s)", site.key, error, MISSING_REASON)
                self.outcomes[site.key] = SiteOutcome(
                    site.key, "refused", finish_reason=MISSING_REASON, note="its state store does not exist"
                )
                return
            except StoreUnavailable as error:
                if lock is not None:
                    lock.release()
                logger.error("site %s: %s", site.key, error)
                self.outcomes[site.key] = SiteOutcome(
                    site.key, "crawled", verdict="failed", finish_reason="store_unavailable", note=str(error)
                )
                return
            except StoreLocked as error:
                logger.info("site %s left to the run that holds it: %s", site.key, error)
                self.outcomes[site.key] = SiteOutcome(site.key, "taken", note="another run holds its lock")
                if self.redis is not None and self.wait_for > 0:
                    self.held.append(site)  # its holder may be dead: asked again once its lease lapses
                return
            if self._done_this_round(key):
                lock.release()
                logger.info("site %s already crawled by another worker of this round", site.key)
                self.outcomes[site.key] = SiteOutcome(site.key, "done", note="crawled by another worker")
                return
        logger.info("site %s (%s): crawl starts at %s", site.key, site.name, base_url)
        try:
            crawler = self.process.create_crawler(self.process.spider_loader.load(site.key))
            result: Any = self.process.crawl(crawler, **self.arguments.spider_arguments(site, self.job))
        except Exception as error:
            # The site's crawl could not start: counted as failed, its lock freed, the others go on.
            logger.exception("site %s: the crawl could not start", site.key)
            if lock is not None:
                lock.release()
            self.outcomes[site.key] = SiteOutcome(site.key, "crawled", verdict="failed", note=str(error))
            return
        self.running[site.key] = crawler
        finished = partial(self._finished, site, crawler, lock)
        if hasattr(result, "addBoth"):
            result.addBoth(finished)
        else:
            result.add_done_callback(finished)

    def _done_this_round(self, key: str) -> bool:
        """With Redis: True when another worker finished the site after this one started
        (both on Redis' clock). The caller holds the site's lease."""
        if self.redis is None:
            return False
        try:
            done = self.redis.get(SiteKeys(key).family_done)
        except Exception as error:  # a Redis that went away: the site's own run reports it
            logger.warning("site %s: the round mark could not be read (%s); crawling it", key, error)
            return False
        return done is not None and float(done) >= self.round_start

    def _mark_done(self, key: str) -> None:
        """The site's crawl finished (whatever its verdict): later workers of this round skip
        it. A worker that dies never marks it, so the site is crawled again once its lease lapses."""
        if self.redis is None:
            return
        try:
            self.redis.set(SiteKeys(key).family_done, repr(self._now()), ex=ROUND_MARK_TTL)
        except Exception as error:
            logger.warning("site %s: the round mark could not be written (%s)", key, error)

    def retry_held(self) -> None:
        """Ask again for the sites other runs held: a dead holder's lease has lapsed by now."""
        sites, self.held = self.held, []
        self.waiting.extend(s for s in sites if not self.stopping())
        self._fill()
        self._check_idle()

    def _check_idle(self) -> None:
        """Nothing runs and nothing waits: wait a while for sites held by others (their holder
        may be dead: ``GOVNEWS_FAMILY_WAIT_FOR_LEASES``), else say the run is over."""
        if self.running or self.waiting:
            return
        now = time.monotonic()
        if self.held and not self.stopping():
            if self.idle_since is None:
                self.idle_since = now
                logger.info(
                    "family: waiting up to %.0f s for %s, held by other runs (their holder may be dead)",
                    self.wait_for,
                    ", ".join(s.key for s in self.held),
                )
            if now - self.idle_since < self.wait_for:
                if self.schedule is not None:
                    self.schedule(self.poll, self.retry_held)
                return
        if self.on_idle is not None:
            self.on_idle()

    def _finished(self, site: Site, crawler: Crawler, lock: Lock | None, result: Any) -> Any:
        try:
            stats = crawler.stats.get_stats() if crawler.stats is not None else {}
            if lock is not None:
                if stats.get("finish_reason") not in NOT_DONE_REASONS:
                    self._mark_done(site_key(self.arguments.base_url(site)))
                lock.release()
            self.outcomes[site.key] = SiteOutcome(
                site.key,
                "crawled",
                verdict=stats.get(stats_keys.HEALTH("verdict")),
                items=int(stats.get("item_scraped_count", 0)),
                finish_reason=stats.get("finish_reason"),
                # The site's own health, as its crawler's stats hold it (govnews.ops.health.summary).
                failed_checks=tuple(stats.get(stats_keys.HEALTH("failed_messages")) or ()),
                errors=max(0, int(stats.get("log_count/ERROR", 0)) - int(stats.get("retry/max_reached", 0))),
                summary=stats.get(stats_keys.HEALTH("summary")),
            )
            logger.info(
                "site %s: %s, %d items, verdict %s",
                site.key,
                stats.get("finish_reason"),
                stats.get("item_scraped_count", 0),
                stats.get(stats_keys.HEALTH("verdict")),
            )
        finally:
            del self.running[site.key]
            self._fill()
            self._check_idle()
        return result

    @property
    def failed(self) -> list[str]:
        """Sites whose crawl failed its health checks or ended without a verdict."""
        crawled = {k: o for k, o in self.outcomes.items() if o.state == "crawled"}
        return [
            s.key
            for s in self.arguments.sites
            if s.key in crawled and crawled[s.key].verdict not in ("passed", "stopped")
        ]

    def report(self, unattributed_errors: int = 0) -> str:
        """One block per site (its verdict, items, finish reason, each failed check, its summary
        file), then the sites that failed by name: each site is judged on its own crawler's
        stats (its own ERROR lines, retries and pages), so one site's trouble stays its own."""
        failed = self.failed
        crawled = sum(1 for o in self.outcomes.values() if o.state == "crawled")
        others = len(self.arguments.sites) - crawled
        head = f"family: {len(self.arguments.sites)} sites: {crawled - len(failed)} passed, {len(failed)} failed"
        lines = [head + (f", {others} not crawled here" if others else "")]
        for site in self.arguments.sites:
            o = self.outcomes.get(site.key) or SiteOutcome(site.key, "not_started")
            if o.state != "crawled":
                lines.append(f"  {site.key:<10} {o.state} ({o.note})" if o.note else f"  {site.key:<10} {o.state}")
                continue
            lines.append(
                f"  {site.key:<10} {o.verdict or 'no verdict'}: {o.items} items, finish reason {o.finish_reason!r}"
                + (f", {o.errors} ERROR lines" if o.errors else "")
            )
            lines.extend(f"  {'':<10}   failed check: {message}" for message in o.failed_checks)
            if o.summary:
                lines.append(f"  {'':<10}   summary: {o.summary}")
        if unattributed_errors:
            lines.append(f"  {unattributed_errors} ERROR line(s) named no site (see the log above)")
        lines.append(f"failed: {', '.join(failed)}" if failed else "every site crawled here passed its checks")
        return "\n".join(lines)
