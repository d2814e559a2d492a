"""The store: what was exported, so a run emits only what is new, loses nothing and
exports nothing twice.

What lives here (no Scrapy import anywhere in this package):

* :mod:`.base` — the vocabulary: records, walks, gaps, dead links, manifest entries, the
  :class:`Store` and :class:`Lock` protocols, the errors;
* :mod:`.sqlite` — the default backend: one SQLite file per site, its ``flock``;
* :mod:`.redis` — the backend of a cluster (``REDIS_URL``), its lease and the lease's fencing;
  imported only when Redis is configured;
* :mod:`.walk` — the walk rule and one run's incremental decisions (:class:`~.walk.IncrementalRun`);
* :mod:`.journal` — the feeds as the journal: reconciliation after a kill;
* :mod:`.history` — what the host's run history remembers of the stores;
* :mod:`.paths` — where feeds and state live (never the working directory).

This module chooses the backend the settings select (:func:`open_store`).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.sites`, :mod:`govnews.logs` and :mod:`govnews.text` besides what every
part reads (:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``);
may import Redis, not Scrapy or Twisted. Built on by :mod:`govnews.ops`, :mod:`govnews.family`,
:mod:`govnews.pipelines`, :mod:`govnews.crawl`, :mod:`govnews.feeds` and
:mod:`govnews.contract`, which it never imports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from govnews.store.base import (
    DEFAULT_LEASE_TTL,
    AttachmentRecord,
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
from govnews.store.sqlite import StateStore, StoreLock, acquire_lock, lock_path, state_dir, store_path

__all__ = [
    "DEFAULT_LEASE_TTL",
    "AttachmentRecord",
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
    "acquire_store_lock",
    "due_for_refresh",
    "ensure_store",
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
    "utc_stamp",
]

# -- choosing a backend ------------------------------------------------------------------


class SettingsLike(Protocol):
    """Scrapy's ``Settings``, or a plain dict of settings."""

    def get(self, name: str, default: Any = None) -> Any: ...


def redis_url(settings: SettingsLike, environ: Mapping[str, str] | None = None) -> str | None:
    """The ``REDIS_URL`` setting, else the ``REDIS_URL`` environment variable; None (both
    unset or empty) selects the SQLite backend.

    >>> redis_url({"REDIS_URL": "redis://127.0.0.1:6379/0"}, environ={})
    'redis://127.0.0.1:6379/0'
    >>> redis_url({}, environ={"REDIS_URL": "redis://redis.internal:6379/1"})
    'redis://redis.internal:6379/1'
    >>> print(redis_url({"REDIS_URL": " "}, environ={}))
    None
    """
    env = os.environ if environ is None else environ
    value = settings.get("REDIS_URL") or env.get("REDIS_URL") or ""
    return str(value).strip() or None


def lease_ttl(settings: SettingsLike) -> float:
    """``GOVNEWS_REDIS_LOCK_TTL`` in seconds (default 30, at least 1)."""
    value = settings.get("GOVNEWS_REDIS_LOCK_TTL")
    return max(1.0, float(value)) if value not in (None, "") else DEFAULT_LEASE_TTL


def acquire_store_lock(settings: SettingsLike, site_key: str) -> Lock:
    """Take the lock of ``site_key``'s store in the backend the settings select (a
    ``flock`` beside the SQLite file, or a Redis lease), or raise :class:`StoreLocked`
    at once. A process holds each lock once: a second call in the same process returns
    the same lock (release it once per call)."""
    url = redis_url(settings)
    if url is None:
        return acquire_lock(store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key))
    from govnews.store.redis import acquire_redis_lock  # noqa: PLC0415 - redis only when asked for

    return acquire_redis_lock(url, site_key, ttl=lease_ttl(settings))


def ensure_store(settings: SettingsLike, site_key: str, lock: Lock, *, create: bool = False) -> bool:
    """Make sure the site's store may be used by a run holding ``lock``, before the run starts:
    a Redis store must exist (:class:`StoreMissing` else), and is created with ``create``
    (``new_store=1``); returns True when it was created. SQLite: nothing to check here (the
    store is created with the run; its run history judges a store that vanished)."""
    url = redis_url(settings)
    if url is None:
        return False
    from govnews.store.redis import RedisLock, RedisStateStore  # noqa: PLC0415

    assert isinstance(lock, RedisLock)
    store = RedisStateStore.connect(url, site_key, lock=lock, create=create)
    store.close()
    return store.created


def open_store(settings: SettingsLike, site_key: str, *, create: bool = False) -> tuple[Store, Lock]:
    """``(store, lock)`` of the site ``site_key`` (:func:`govnews.pipelines.incremental_state.site_key`)
    in the backend the settings select: SQLite in ``GOVNEWS_STATE_DIR`` by default, Redis
    when ``REDIS_URL`` is set. The lock is taken first (:func:`acquire_store_lock`;
    :class:`StoreLocked` when another run holds it); release both with
    :meth:`govnews.store.walk.IncrementalRun.close`, or ``store.close()`` then
    ``lock.release()``. A SQLite store is created when missing (its run history judges a
    store that vanished); a Redis store only with ``create`` (:class:`StoreMissing` else)."""
    lock = acquire_store_lock(settings, site_key)
    try:
        url = redis_url(settings)
        if url is None:
            store: Store = StateStore(store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key))
        else:
            from govnews.store.redis import RedisLock, RedisStateStore  # noqa: PLC0415

            assert isinstance(lock, RedisLock)
            store = RedisStateStore.connect(url, site_key, lock=lock, create=create)
    except BaseException:
        lock.release()
        raise
    return store, lock
