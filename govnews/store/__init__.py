"""The store: what was exported, so a run emits only what is new, loses nothing and
exports nothing twice.

What lives here (no Scrapy import anywhere in this package):

* :mod:`.base` — the vocabulary: records, walks, gaps, dead links, manifest entries, the
  :class:`Store` and :class:`Lock` protocols, the errors;
* :mod:`.sqlite` — the default backend: one SQLite file per site;
* :mod:`.redis` — the backend of a cluster (``REDIS_URL``), each write fenced by the lease;
  imported only when Redis is configured;
* :mod:`.connection` — a Redis client with timeouts, its failures as one line, the check
  before a crawl;
* :mod:`.lease` — one run at a time per site: the ``flock`` or the Redis lease, taken in one
  place (:func:`take_lease`) and released by whoever took it;
* :mod:`.keys` — every Redis key's name;
* :mod:`.walk` — the walk rule (:class:`~.walk.ColumnWalk`: how far a column's walk goes, the gaps it leaves);
* :mod:`.run` — one run's view of the store (:class:`~.run.IncrementalRun`: which rows are
  fetched, what is committed, the lease's fence);
* :mod:`.recheck` — which known articles a run asks again to see edits (by age, under a budget);
* :mod:`.journal` — the feeds as the journal: reconciliation after a kill, and the change
  records' delivery to their feeds;
* :mod:`.history` — what the host's run history remembers of the stores;
* :mod:`.paths` — where feeds and state live (never the working directory).

This module chooses the backend the settings select (:func:`open_store`, :func:`ensure_store`).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.changes`, :mod:`govnews.sites`, :mod:`govnews.logs` and
:mod:`govnews.text` besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import Redis, not Scrapy or
Twisted. Built on by :mod:`govnews.ops`, :mod:`govnews.family`, :mod:`govnews.pipelines`,
:mod:`govnews.crawl`, :mod:`govnews.feeds` and :mod:`govnews.contract`, which it never imports.
"""

from __future__ import annotations

from govnews.store.base import (
    DEFAULT_LEASE_TTL,
    ArticleStatus,
    AttachmentRecord,
    ChangeEntry,
    ColumnState,
    CommitRefused,
    DeadLink,
    FeedEntry,
    FeedWriter,
    Gap,
    GapReason,
    LeaseLost,
    Lock,
    Record,
    RowSeen,
    Store,
    StoreError,
    StoreLocked,
    StoreMissing,
    StoreUnavailable,
    WalkOutcome,
    WalkRecord,
    due_for_refresh,
    utc_stamp,
)
from govnews.store.journal import Reconciled, read_feed_lines, reconcile, record_from_item, repair_feed
from govnews.store.lease import (
    RedisLock,
    SettingsLike,
    StoreLock,
    acquire_lock,
    held_lease,
    lease_ttl,
    lock_path,
    redis_url,
    take_lease,
)
from govnews.store.sqlite import StateStore, state_dir, store_path

__all__ = [
    "DEFAULT_LEASE_TTL",
    "ArticleStatus",
    "AttachmentRecord",
    "ChangeEntry",
    "ColumnState",
    "CommitRefused",
    "DeadLink",
    "FeedEntry",
    "FeedWriter",
    "Gap",
    "GapReason",
    "LeaseLost",
    "Lock",
    "Reconciled",
    "Record",
    "RowSeen",
    "StateStore",
    "Store",
    "StoreError",
    "StoreLock",
    "StoreLocked",
    "StoreMissing",
    "StoreUnavailable",
    "WalkOutcome",
    "WalkRecord",
    "acquire_lock",
    "due_for_refresh",
    "ensure_store",
    "held_lease",
    "lease_ttl",
    "lock_path",
    "open_store",
    "read_feed_lines",
    "reconcile",
    "record_from_item",
    "redis_url",
    "repair_feed",
    "state_dir",
    "store_path",
    "take_lease",
    "utc_stamp",
]

# -- choosing a backend ------------------------------------------------------------------


def ensure_store(settings: SettingsLike, site_key: str, lock: Lock, *, create: bool = False) -> bool:
    """Make sure the site's store may be used by a run holding ``lock``, before the run starts:
    a Redis store must exist (:class:`StoreMissing` else), and is created with ``create``
    (``new_store=1``); returns True when it was created. SQLite: nothing to check here (the
    store is created with the run; its run history judges a store that vanished)."""
    url = redis_url(settings)
    if url is None:
        return False
    from govnews.store.redis import RedisStateStore  # noqa: PLC0415 - redis only when asked for

    assert isinstance(lock, RedisLock)
    store = RedisStateStore.connect(url, site_key, lock=lock, create=create)
    store.close()
    return store.created


def open_store(
    settings: SettingsLike, site_key: str, *, create: bool = False, lock: Lock | None = None
) -> tuple[Store, Lock]:
    """``(store, lock)`` of the site ``site_key`` (:func:`govnews.sites.family.site_key`) in the
    backend the settings select: SQLite in ``GOVNEWS_STATE_DIR`` by default, Redis when
    ``REDIS_URL`` is set. ``lock``: the site's lease the caller holds already
    (:func:`held_lease`), left to its owner; without one, the lease is taken first
    (:func:`take_lease`; :class:`StoreLocked` when another run holds it) and the caller owns it:
    ``store.close()``, then ``lock.release()``. A SQLite store is created when missing (its run
    history judges a store that vanished); a Redis store only with ``create``
    (:class:`StoreMissing` else)."""
    taken = lock is None
    if lock is None:
        lock = take_lease(settings, site_key)
    try:
        url = redis_url(settings)
        if url is None:
            store: Store = StateStore(store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key))
        else:
            from govnews.store.redis import RedisStateStore  # noqa: PLC0415

            assert isinstance(lock, RedisLock)
            store = RedisStateStore.connect(url, site_key, lock=lock, create=create)
    except BaseException:
        if taken:
            lock.release()
        raise
    return store, lock
