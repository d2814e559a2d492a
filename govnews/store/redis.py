"""The incremental state store in Redis: the rules of :class:`govnews.store.StateStore`,
shared by every worker of a cluster.

Selected by ``REDIS_URL`` (setting or environment variable) through
:func:`govnews.store.open_store`; SQLite stays the default. Same promise, same interface
(:class:`govnews.store.Store`), same site keys
(:func:`govnews.pipelines.incremental_state.site_key`). Needs Redis 6.2 or later
(``SMISMEMBER``). No Scrapy import.

Key layout, per site (``{site}`` is a Redis Cluster hash tag: every key of a site lives in
one slot, so a write is one ``MULTI``/``EXEC`` transaction)::

    govnews:{<site>}:articles            hash  url -> JSON {h: content_hash, r: revision, p: published_at,
                                                            e: etag, m: last_modified, f: first_seen, l: last_seen}
    govnews:{<site>}:contents            hash  content_hash -> first URL exported with it (HSETNX)
    govnews:{<site>}:covered:<column>    set   rows complete walks of the column listed
    govnews:{<site>}:walks               hash  column -> JSON WalkRecord (its last complete walk)
    govnews:{<site>}:pending             hash  url -> JSON {col, attempts, since}
    govnews:{<site>}:manifest            hash  "<host>\\t<path>" -> JSON {host, path, run, opened, closed,
                                                                         reconciled_size}
    govnews:{<site>}:gaps                hash  column -> JSON [[upper, lower, page, [anchors], reason], …]
                                                (stretches no walk has read; layout 3: [[upper, lower], …])
    govnews:{<site>}:colstate            hash  column -> JSON {end_rows, ended_at, last_audit, short_end,
                                                               audit_started}
    govnews:{<site>}:dead                hash  url -> JSON {col, title, date, since} (dead links)
    govnews:{<site>}:attachments         hash  url -> JSON AttachmentRecord (each file as last downloaded)
    govnews:{<site>}:meta                hash  store_id, created
    govnews:{<site>}:lock                string JSON {pid, host, started, token}, with a TTL (the lease)
    govnews:{<site>}:schema              string the layout's version (1: before gaps and dead links;
                                                2: before attachments; 3: gaps without a place; 4)

The lock (:class:`RedisLock`): one run at a time per site, as the ``flock`` of the SQLite
store. ``SET lock <holder> NX PX <ttl>`` takes it, or :class:`govnews.store.StoreLocked`
names the holder (pid, host, start time). A thread renews the lease every third of its
TTL (``GOVNEWS_REDIS_LOCK_TTL``, 30 s by default) while the run lives; a holder that dies
stops renewing, and the site is free again at most one TTL later. Renewal and release
only touch a lease whose value is still the holder's own (compare-and-set in Lua).

Fencing: every write of a store opened with its lock is a transaction that ``WATCH``\\es the
lock key and first checks that the lease is still this run's. A run whose lease ended (it
was paused longer than the TTL, or cut off from Redis) cannot write over the run that took
the site after it: its writes raise :class:`LeaseLost`. What it exported but could not
record is in its feed, which the next run on its host reads back.

Feed files are local: each manifest entry names its host, a run closes only its own
host's entries, and :func:`govnews.store.reconcile` reads only those of the host it runs
on; another host's open feeds wait, open, for that host's next run.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.client import Pipeline

from govnews.store.base import (
    DEFAULT_LEASE_TTL,
    AttachmentRecord,
    ColumnState,
    DeadLink,
    FeedEntry,
    Gap,
    LeaseLost,
    Record,
    StoreError,
    StoreLocked,
    StoreUnavailable,
    WalkOutcome,
    WalkRecord,
    due_for_refresh,
    utc_stamp,
)

KEY_PREFIX = "govnews"
LAYOUT_VERSION = "4"

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


LEASE_MARGIN = 0.05
"""Share of the TTL a holder stops before its lease could lapse (clocks run at slightly
different rates; Redis expires keys a little late, never early)."""


def _deadline(sent: float, ttl: float) -> float:
    """When a lease set or renewed at ``sent`` (monotonic) must be taken as lapsed."""
    return sent + ttl * (1 - LEASE_MARGIN)


def site_prefix(site_key: str) -> str:
    """``govnews:{<site>}:``, the prefix of every key of a site.

    >>> site_prefix("www.wuhan.gov.cn")
    'govnews:{www.wuhan.gov.cn}:'
    """
    return f"{KEY_PREFIX}:{{{site_key}}}:"


def redacted(url: str) -> str:
    """A Redis URL without its password, for messages.

    >>> redacted("redis://:s3cret@redis.internal:6379/0")
    'redis://redis.internal:6379/0'
    """
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


CONNECT_TIMEOUT = 5.0
"""Seconds to reach the server: an address that does not answer is an error, not a hang."""
READ_TIMEOUT = 10.0
"""Seconds a reply may take: a server that stopped answering stops the run (store_unavailable)."""


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that answers ``str``, with connect and read timeouts (a dead Redis
    is an error, not a hang)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=READ_TIMEOUT,
        socket_connect_timeout=CONNECT_TIMEOUT,
        health_check_interval=30,
    )


def unavailable(url: str, error: BaseException) -> StoreUnavailable:
    """The error a Redis failure is to a run: one line, the URL without its password, the reason."""
    if isinstance(error, redis.AuthenticationError | redis.exceptions.AuthorizationError):
        reason = "it refused the credentials (check the password in REDIS_URL)"
    elif isinstance(error, redis.TimeoutError):
        reason = f"it did not answer in time ({error})"
    elif isinstance(error, redis.ConnectionError):
        reason = f"it cannot be reached ({str(error).rstrip('.')})"
    else:
        reason = f"{type(error).__name__}: {error}"
    return StoreUnavailable(f"the state store's Redis at {redacted(url)} is unavailable: {reason}")


def check_reachable(url: str) -> None:
    """Raise :class:`govnews.store.StoreUnavailable` unless the Redis at ``url`` answers a PING
    with these credentials (the crawl command asks before anything starts)."""
    client = connect(url)
    try:
        client.ping()
    except redis.RedisError as error:
        raise unavailable(url, error) from None
    finally:
        client.close()


# -- the lock ----------------------------------------------------------------------------


class RedisLock:
    """A lease on ``govnews:{<site>}:lock``, renewed by a daemon thread while the run lives.

    Use :func:`acquire_redis_lock`. ``lost`` turns True when a renewal finds the lease gone
    or another's (or Redis unreachable for a whole TTL); the store's writes then raise
    :class:`LeaseLost`.
    """

    def __init__(
        self, client: redis.Redis, url: str, site_key: str, value: str, ttl: float, *, taken_at: float | None = None
    ) -> None:
        self.url = url
        self.site_key = site_key
        self.key = site_prefix(site_key) + "lock"
        self.value = value
        self.ttl = ttl
        self.users = 1
        self.lost = False
        self.deadline = _deadline(taken_at if taken_at is not None else time.monotonic(), ttl)
        """The moment (``time.monotonic()``) this holder must stop by: when the lease, as
        last renewed, could have lapsed in Redis (counted from the moment the renewal was
        *sent*, less a margin). Past it, :meth:`valid` is False whatever the renewal thread
        has not yet found out (after a SIGSTOP/SIGCONT the reactor runs before it)."""
        self._client = client
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = threading.Thread(
            target=self._keep_alive, name=f"govnews-lease-{site_key}", daemon=True
        )
        self._thread.start()

    @property
    def holder(self) -> dict[str, Any]:
        """pid, host, start time and token of this lease."""
        loaded: dict[str, Any] = json.loads(self.value)
        return loaded

    def _keep_alive(self) -> None:
        interval = self.ttl / 3
        last_renewed = time.monotonic()
        while not self._stop.wait(interval):
            sent = time.monotonic()
            try:
                renewed = self._renew(keys=[self.key], args=[self.value, int(self.ttl * 1000)])
            except redis.RedisError:
                if time.monotonic() - last_renewed >= self.ttl:
                    self.lost = True
                    return
                continue
            if not renewed:
                self.lost = True
                return
            last_renewed = sent
            self.deadline = _deadline(sent, self.ttl)

    def valid(self) -> bool:
        """The lease is this run's for sure: not found lost, and its deadline not passed.
        Checked before every request, every export and every store write (fencing)."""
        return not self.lost and time.monotonic() < self.deadline

    def _stop_renewing(self) -> None:
        self.deadline = 0.0  # released or abandoned: nothing is done on its authority any more
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        _HELD.pop((self.url, self.key), None)

    def release(self) -> None:
        """Give one use back; the last frees the site at once (only if the lease is still
        this run's)."""
        self.users -= 1
        if self.users > 0 or self._thread is None:
            return
        self._stop_renewing()
        try:
            self._release(keys=[self.key], args=[self.value])
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError):
            pass  # the server is gone: the lease ends by itself within its TTL
        finally:
            self._client.close()

    def abandon(self) -> None:
        """Stop renewing without freeing the site, as a process that dies does: the lease
        ends one TTL after its last renewal. (Tests use it to play a killed run.)"""
        self.users = 0
        self._stop_renewing()
        self._client.close()


_HELD: dict[tuple[str, str], RedisLock] = {}
_HELD_GUARD = threading.Lock()


@atexit.register
def _release_at_exit() -> None:
    """A process that exits (not one that is killed) frees its sites at once, as the
    kernel frees a ``flock``; a killed one's lease ends within its TTL."""
    for lock in list(_HELD.values()):
        lock.users = 1
        with contextlib.suppress(redis.RedisError):
            lock.release()


def acquire_redis_lock(
    url: str, site_key: str, *, ttl: float = DEFAULT_LEASE_TTL, host: str | None = None
) -> RedisLock:
    """Take the site's lease, or raise :class:`govnews.store.StoreLocked` at once (no
    waiting) naming the holder. A process holds each lease once: a second call returns the
    same lock (release it once per call)."""
    key = site_prefix(site_key) + "lock"
    with _HELD_GUARD:
        held = _HELD.get((url, key))
        if held is not None:
            held.users += 1
            return held
        client = connect(url)
        sent = time.monotonic()
        value = json.dumps(
            {
                "pid": os.getpid(),
                "host": host or socket.gethostname(),
                "started": utc_stamp(),
                "token": uuid.uuid4().hex,
            },
            sort_keys=True,
        )
        try:
            taken = client.set(key, value, nx=True, px=int(ttl * 1000))
            if not taken:
                current = client.get(key)
                remaining = client.pttl(key)
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError) as error:
            client.close()
            raise unavailable(url, error) from None
        except BaseException:
            client.close()
            raise
        if not taken:
            client.close()
            lease = remaining / 1000 if isinstance(remaining, int) and remaining > 0 else ttl
            raise StoreLocked(describe(url, site_key), lease_holder(current), lease_seconds=lease)
        lock = RedisLock(client, url, site_key, value, ttl, taken_at=sent)
        _HELD[(url, key)] = lock
        return lock


def lease_holder(raw: str | bytes | None) -> dict[str, Any]:
    """Who holds a lease, from the lock key's value: pid, host and start; never its token
    (only the holder may renew or free it). Empty for no lease or an unreadable value.

    >>> lease_holder('{"pid": 7, "host": "node-a", "started": "2026-12-01T02:00:00Z", "token": "x"}')
    {'pid': 7, 'host': 'node-a', 'started': '2026-12-01T02:00:00Z'}
    """
    try:
        holder = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(holder, dict):
        return {}
    holder.pop("token", None)
    return holder


def describe(url: str, site_key: str) -> str:
    """How messages name a Redis store: ``redis://host:port/db (site www.wuhan.gov.cn)``."""
    return f"{redacted(url)} (site {site_key})"


# -- the store ---------------------------------------------------------------------------


def _record_json(record: Record, first_seen: str, last_seen: str) -> str:
    return json.dumps(
        {
            "h": record.content_hash,
            "r": record.revision,
            "p": record.published_at,
            "e": record.etag,
            "m": record.last_modified,
            "f": first_seen,
            "l": last_seen,
        },
        ensure_ascii=False,
    )


def _record_of(url: str, raw: str | bytes) -> Record:
    data = json.loads(raw)
    return Record(url, str(data["h"]), int(data["r"]), data.get("p"), data.get("e"), data.get("m"))


class RedisStateStore:
    """The Redis backend of :class:`govnews.store.Store`, for one site.

    ``host`` names this machine in the feed manifest (default: the host name). Opened with
    its ``lock`` (:meth:`connect`, :func:`govnews.store.open_store`), every write checks the
    lease first (fencing); without one (tools, tests) writes are plain transactions.
    """

    def __init__(
        self,
        client: redis.Redis,
        site_key: str,
        *,
        lock: RedisLock | None = None,
        host: str | None = None,
        description: str | None = None,
    ) -> None:
        self._r = client
        self.site_key = site_key
        self.lock = lock
        self.host: str | None = host or socket.gethostname()
        self.path = description or site_key
        """How messages name the store (as ``StateStore.path`` does)."""
        prefix = site_prefix(site_key)
        self._articles = prefix + "articles"
        self._contents = prefix + "contents"
        self._walks = prefix + "walks"
        self._pending = prefix + "pending"
        self._manifest = prefix + "manifest"
        self._covered_prefix = prefix + "covered:"
        self._gaps = prefix + "gaps"
        self._colstate = prefix + "colstate"
        self._dead = prefix + "dead"
        self._attachments = prefix + "attachments"
        self._meta = prefix + "meta"
        self._schema = prefix + "schema"
        self._client_owned = False
        self.url: str | None = None
        """The server's URL (for messages, without its password), when known."""
        self._open_layout()
        self.store_id: str = str(self._r.hget(self._meta, "store_id"))

    def _open_layout(self) -> None:
        """Create the layout, or bring an older one up to date in place (layout 1 → 2 → 3 → 4;
        2 → 3 adds the attachments hash, empty until a run downloads a file: nothing to move;
        3 → 4 reads gaps of both forms, a layout-3 gap having no place to resume at: nothing
        to move either)."""
        raw_version = self._r.get(self._schema)
        version = str(raw_version) if raw_version is not None else None
        if version is not None and int(version) > int(LAYOUT_VERSION):
            raise StoreError(
                f"the state store {self.path} has layout {version}, newer than this release's {LAYOUT_VERSION}: "
                "upgrade govnews on every worker"
            )
        if version == LAYOUT_VERSION and self._r.hexists(self._meta, "store_id"):
            return
        if version == "1":
            self._migrate_from_1()
        store_id, created = uuid.uuid4().hex, utc_stamp()

        def stage(pipe: Pipeline) -> None:
            pipe.hsetnx(self._meta, "store_id", store_id)
            pipe.hsetnx(self._meta, "created", created)
            pipe.set(self._schema, LAYOUT_VERSION)

        self._write(stage)

    def _migrate_from_1(self) -> None:
        """Layout 1 → 2, as the SQLite store's schema 2 → 3: a dead link was a covered row
        neither pending nor exported; a column's audit clock starts now."""
        now = utc_stamp()
        dead: dict[Any, Any] = {}
        for key in self._r.scan_iter(match=self._covered_prefix.replace("{", "\\{").replace("}", "\\}") + "*"):
            column = key[len(self._covered_prefix) :]
            urls = list(self._r.smembers(key))
            if not urls:
                continue
            pending = self._r.hmget(self._pending, urls)
            exported = self._r.hmget(self._articles, urls)
            for url, owed, known in zip(urls, pending, exported, strict=True):
                if owed is None and known is None:
                    dead[url] = json.dumps({"col": column, "title": None, "date": None, "since": now})
        audits: dict[Any, Any] = {column: json.dumps({"last_audit": now}) for column in self._r.hkeys(self._walks)}

        def stage(pipe: Pipeline) -> None:
            if dead:
                pipe.hset(self._dead, mapping=dead)
            if audits:
                pipe.hset(self._colstate, mapping=audits)

        self._write(stage)

    @classmethod
    def connect(
        cls, url: str, site_key: str, *, lock: RedisLock | None = None, host: str | None = None
    ) -> RedisStateStore:
        """Open the store of ``site_key`` at ``url`` (its own connection, closed by :meth:`close`)."""
        client = connect(url)
        try:
            store = cls(client, site_key, lock=lock, host=host, description=describe(url, site_key))
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError) as error:
            client.close()
            raise unavailable(url, error) from None
        store.url = url
        store._client_owned = True
        return store

    def close(self) -> None:
        if self._client_owned:
            self._r.close()

    def keys(self) -> list[str]:
        """Every key of this site, the lock included."""
        return sorted(self._r.scan_iter(match=site_prefix(self.site_key).replace("{", "\\{").replace("}", "\\}") + "*"))

    def lease_holder(self) -> dict[str, Any]:
        """Who holds the site's lease now (:func:`lease_holder`); empty when no run does."""
        return lease_holder(self._r.get(site_prefix(self.site_key) + "lock"))

    def drop(self) -> int:
        """Delete every key of the site but its lock (the next run exports everything
        again, as with a deleted SQLite store). Returns the number of keys deleted."""
        doomed = [k for k in self.keys() if not k.endswith(":lock")]
        return int(self._write(lambda pipe: pipe.delete(*doomed))[0]) if doomed else 0

    # -- transactions ---------------------------------------------------------------

    def _write(self, stage: Callable[[Pipeline], object]) -> list[Any]:
        """Run the commands ``stage`` queues as one MULTI/EXEC transaction; with a lock,
        only while the lease is this run's (WATCH on the lock key, so that a lease taken
        over between the check and EXEC aborts it). Returns EXEC's replies."""
        with self._r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    if self.lock is not None:
                        pipe.watch(self.lock.key)  # type: ignore[no-untyped-call]
                        if not self.lock.valid() or pipe.get(self.lock.key) != self.lock.value:
                            raise LeaseLost(
                                f"the lease on the state store {self.path} ended: another run may hold it; "
                                "this run records nothing more (its feed is read back by the next run on this host)"
                            )
                        pipe.multi()
                    stage(pipe)
                    return list(pipe.execute())
                except redis.WatchError:
                    continue  # the lease was renewed (or taken) meanwhile: check again
                finally:
                    pipe.reset()

    # -- articles ---------------------------------------------------------------

    def get(self, url: str) -> Record | None:
        raw = self._r.hget(self._articles, url)
        return _record_of(url, raw) if raw is not None else None

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and bool(self._r.hexists(self._articles, url))

    def __len__(self) -> int:
        return int(self._r.hlen(self._articles))

    def record(self, records: Iterable[Record]) -> None:
        """Insert or update records in one transaction, with the SQLite store's rules: a
        revision never goes back, the content hash follows the highest revision, known
        dates and validators are kept when a record has none, first_seen is kept and
        last_seen set now. The first URL of each content hash is remembered; an exported
        article is no longer pending."""
        batch = list(records)
        if not batch:
            return
        now = utc_stamp()
        urls = list(dict.fromkeys(r.url for r in batch))
        stored = dict(zip(urls, self._r.hmget(self._articles, urls), strict=True))
        merged: dict[str, tuple[Record, str]] = {}
        for r in batch:
            if r.url in merged:
                old, first_seen = merged[r.url]
            elif (raw := stored[r.url]) is not None:
                old, first_seen = _record_of(r.url, raw), json.loads(raw)["f"]
            else:
                merged[r.url] = (r, now)
                continue
            merged[r.url] = (
                Record(
                    r.url,
                    r.content_hash if r.revision >= old.revision else old.content_hash,
                    max(old.revision, r.revision),
                    r.published_at if r.published_at is not None else old.published_at,
                    r.etag if r.etag is not None else old.etag,
                    r.last_modified if r.last_modified is not None else old.last_modified,
                ),
                first_seen,
            )

        def stage(pipe: Pipeline) -> None:
            rows: dict[Any, Any] = {u: _record_json(rec, f, now) for u, (rec, f) in merged.items()}
            pipe.hset(self._articles, mapping=rows)
            for r in batch:
                if r.content_hash:
                    pipe.hsetnx(self._contents, r.content_hash, r.url)
            pipe.hdel(self._pending, *urls)
            pipe.hdel(self._dead, *urls)

        self._write(stage)

    def first_url(self, content_hash: str) -> str | None:
        """The URL first exported with this content, if any."""
        url = self._r.hget(self._contents, content_hash)
        return str(url) if url is not None else None

    def touch(self, urls: Iterable[str]) -> None:
        """Mark articles seen again unchanged."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return
        now = utc_stamp()
        found = {u: raw for u, raw in zip(wanted, self._r.hmget(self._articles, wanted), strict=True) if raw}
        if not found:
            return
        updated: dict[Any, Any] = {
            u: json.dumps({**json.loads(raw), "l": now}, ensure_ascii=False) for u, raw in found.items()
        }
        self._write(lambda pipe: pipe.hset(self._articles, mapping=updated))

    def is_due_for_refresh(self, record: Record, refresh_days: int, today: date) -> bool:
        """Published within the last ``refresh_days`` days (an unknown date counts as due)."""
        return due_for_refresh(record, refresh_days, today)

    # -- column walks -------------------------------------------------------------

    def _covered_key(self, column: str) -> str:
        return self._covered_prefix + column

    def covered(self, column: str, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` that a complete walk of ``column`` has listed."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            flags = self._r.smismember(self._covered_key(column), chunk)
            found.update(u for u, flag in zip(chunk, flags, strict=True) if flag)
        return found

    def column_state(self, column: str) -> ColumnState:
        """The column's open gaps, its last known end and audit, and the dead links found since."""
        pipe = self._r.pipeline(transaction=False)
        pipe.hget(self._gaps, column)
        pipe.hget(self._colstate, column)
        raw_gaps, raw_state = pipe.execute()
        gaps = tuple(Gap.from_json(raw) for raw in json.loads(raw_gaps)) if raw_gaps else ()
        data = json.loads(raw_state) if raw_state else {}
        ended_at = data.get("ended_at")
        withdrawn = 0
        if ended_at is not None:
            for raw in self._r.hvals(self._dead):
                dead = json.loads(raw)
                if dead["col"] == column and dead["since"] >= ended_at:
                    withdrawn += 1
        return ColumnState(
            gaps,
            data.get("end_rows"),
            ended_at,
            data.get("last_audit"),
            data.get("short_end"),
            withdrawn,
            data.get("audit_started"),
        )

    def record_walk(self, outcome: WalkOutcome) -> int:
        """Record a walk (:class:`govnews.store.WalkOutcome`) in one transaction, with the
        SQLite store's rules. Returns the number of rows made pending."""
        column = outcome.column
        urls = list(dict.fromkeys(outcome.seen))
        now = utc_stamp()
        owed: list[str] = []
        if urls:
            exported = self._r.hmget(self._articles, urls)
            dead = self._r.hmget(self._dead, urls)
            owed = [u for u, e, d in zip(urls, exported, dead, strict=True) if e is None and d is None]
        entry = json.dumps({"col": column, "attempts": 0, "since": now}, ensure_ascii=False)
        raw_state = self._r.hget(self._colstate, column)
        state = json.loads(raw_state) if raw_state else {}
        if outcome.end_rows is not None:
            state["end_rows"], state["ended_at"] = outcome.end_rows, now
        if outcome.audited:
            state["last_audit"] = now
        state["short_end"] = outcome.short_end
        state["audit_started"] = outcome.audit_started
        walk = outcome.complete
        walk_json = (
            json.dumps(
                {
                    "column": walk.column,
                    "run": walk.run,
                    "completed": walk.completed,
                    "list_pages": walk.list_pages,
                    "rows_seen": walk.rows_seen,
                    "ended": walk.ended,
                },
                ensure_ascii=False,
            )
            if walk is not None
            else None
        )

        def stage(pipe: Pipeline) -> None:
            if urls:
                pipe.sadd(self._covered_key(column), *urls)
            for u in owed:
                pipe.hsetnx(self._pending, u, entry)
            if outcome.gaps:
                pipe.hset(self._gaps, column, json.dumps([g.as_json() for g in outcome.gaps], ensure_ascii=False))
            else:
                pipe.hdel(self._gaps, column)
            pipe.hset(self._colstate, column, json.dumps(state, ensure_ascii=False))
            if walk_json is not None:
                pipe.hset(self._walks, column, walk_json)

        replies = self._write(stage)
        offset = 1 if urls else 0
        return sum(1 for reply in replies[offset : offset + len(owed)] if reply)

    # -- dead links ---------------------------------------------------------------

    def dead_link(self, url: str) -> DeadLink | None:
        raw = self._r.hget(self._dead, url)
        if raw is None:
            return None
        data = json.loads(raw)
        return DeadLink(url, data["col"], data.get("title"), data.get("date"), data["since"])

    def mark_dead(self, links: Iterable[DeadLink]) -> None:
        """Remember dead links (a known title or date is kept when the new one has none);
        they are owed no more."""
        batch = list(links)
        if not batch:
            return
        urls = list(dict.fromkeys(d.url for d in batch))
        current: dict[str, dict[str, Any]] = {
            url: json.loads(raw) for url, raw in zip(urls, self._r.hmget(self._dead, urls), strict=True) if raw
        }
        for d in batch:  # in order, as the SQLite store's upserts
            old = current.get(d.url, {})
            current[d.url] = {
                "col": d.column,
                "title": d.title if d.title is not None else old.get("title"),
                "date": d.row_date if d.row_date is not None else old.get("date"),
                "since": old.get("since", d.since),
            }
        rows: dict[Any, Any] = {url: json.dumps(current[url], ensure_ascii=False) for url in urls}

        def stage(pipe: Pipeline) -> None:
            pipe.hset(self._dead, mapping=rows)
            pipe.hdel(self._pending, *urls)

        self._write(stage)

    def dead_links(self) -> list[DeadLink]:
        links = []
        for url, raw in self._r.hgetall(self._dead).items():
            data = json.loads(raw)
            links.append(DeadLink(str(url), data["col"], data.get("title"), data.get("date"), data["since"]))
        return sorted(links, key=lambda d: d.url)

    def last_walk(self, column: str) -> WalkRecord | None:
        raw = self._r.hget(self._walks, column)
        return WalkRecord(**json.loads(raw)) if raw is not None else None

    def walks(self) -> list[WalkRecord]:
        return [WalkRecord(**json.loads(raw)) for _, raw in sorted(self._r.hgetall(self._walks).items())]

    def reset_column(self, column: str) -> None:
        """Forget a column's walks: its next run walks it to the end again (nothing is
        exported twice: the articles stay known)."""
        owed = [u for u, raw in self._r.hgetall(self._pending).items() if json.loads(raw)["col"] == column]

        def stage(pipe: Pipeline) -> None:
            pipe.delete(self._covered_key(column))
            pipe.hdel(self._walks, column)
            pipe.hdel(self._gaps, column)
            pipe.hdel(self._colstate, column)
            if owed:
                pipe.hdel(self._pending, *owed)

        self._write(stage)

    # -- pending rows -------------------------------------------------------------

    def pending(self, columns: Iterable[str]) -> list[tuple[str, str, int, str]]:
        """``(url, column, attempts, since)`` of the rows still owed in ``columns``."""
        cols = set(columns)
        if not cols:
            return []
        rows = []
        for url, raw in self._r.hgetall(self._pending).items():
            data = json.loads(raw)
            if data["col"] in cols:
                rows.append((str(url), str(data["col"]), int(data["attempts"]), str(data["since"])))
        return sorted(rows, key=lambda row: (row[3], row[0]))

    def count_attempt(self, urls: Iterable[str]) -> None:
        counts = Counter(urls)
        if not counts:
            return
        wanted = list(counts)
        found = {u: raw for u, raw in zip(wanted, self._r.hmget(self._pending, wanted), strict=True) if raw}
        if not found:
            return
        updated: dict[Any, Any] = {}
        for u, raw in found.items():
            data = json.loads(raw)
            data["attempts"] = int(data["attempts"]) + counts[u]
            updated[u] = json.dumps(data, ensure_ascii=False)
        self._write(lambda pipe: pipe.hset(self._pending, mapping=updated))

    def give_up(self, urls: Iterable[str]) -> None:
        doomed = list(dict.fromkeys(urls))
        if doomed:
            self._write(lambda pipe: pipe.hdel(self._pending, *doomed))

    # -- the feed manifest -----------------------------------------------------------

    @staticmethod
    def _field(host: str | None, path: Path) -> str:
        return f"{host or ''}\t{path}"

    def open_feed(self, path: Path, run: str, size: int = 0) -> None:
        """Journal ``path`` (on this host) for ``run`` from byte ``size`` on, open until
        :meth:`close_feeds`."""
        entry = {
            "host": self.host,
            "path": str(path),
            "run": run,
            "opened": utc_stamp(),
            "closed": None,
            "reconciled_size": size,
        }
        self._write(lambda pipe: pipe.hset(self._manifest, self._field(self.host, path), json.dumps(entry)))

    def close_feeds(self, run: str) -> None:
        """Close ``run``'s open feeds on this host (another host's run of the same name is
        not this one)."""
        now = utc_stamp()
        updated: dict[Any, Any] = {}
        for name, raw in self._r.hgetall(self._manifest).items():
            data = json.loads(raw)
            if data["host"] == self.host and data["run"] == run and data["closed"] is None:
                updated[name] = json.dumps({**data, "closed": now})
        if updated:
            self._write(lambda pipe: pipe.hset(self._manifest, mapping=updated))

    def feeds(self, *, open_only: bool = False) -> list[FeedEntry]:
        """Every host's entries (ordered by opening); :func:`govnews.store.reconcile` reads
        only this host's."""
        entries = []
        for raw in self._r.hgetall(self._manifest).values():
            data = json.loads(raw)
            if open_only and data["closed"] is not None:
                continue
            entries.append(
                FeedEntry(
                    Path(data["path"]),
                    str(data["run"]),
                    str(data["opened"]),
                    data["closed"],
                    int(data["reconciled_size"]),
                    data["host"],
                )
            )
        return sorted(entries, key=lambda e: (e.opened, e.host or "", str(e.path)))

    def mark_reconciled(self, entry: FeedEntry, size: int, *, closed: bool) -> None:
        """The feed was read back up to byte ``size`` (and closed, when ``closed``)."""
        name = self._field(entry.host or self.host, entry.path)
        raw = self._r.hget(self._manifest, name)
        if raw is None:
            return
        data = json.loads(raw)
        data["reconciled_size"] = size
        if closed:
            data["closed"] = utc_stamp()
        self._write(lambda pipe: pipe.hset(self._manifest, name, json.dumps(data)))

    # -- attachments -----------------------------------------------------------------

    def attachment(self, url: str) -> AttachmentRecord | None:
        """The file at ``url`` as last downloaded, or None."""
        raw = self._r.hget(self._attachments, url)
        return AttachmentRecord.from_json(str(raw)) if raw is not None else None

    def record_attachments(self, records: Iterable[AttachmentRecord]) -> None:
        """Insert or replace what is known of each file, in one transaction."""
        now = utc_stamp()
        rows: dict[Any, Any] = {r.url: replace(r, fetched=r.fetched or now).as_json() for r in records}
        if rows:
            self._write(lambda pipe: pipe.hset(self._attachments, mapping=rows))


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with a Redis that went away (or refused, or stopped answering) raised as
    :class:`govnews.store.StoreUnavailable`: the run stops cleanly on it (``store_unavailable``)."""

    @functools.wraps(method)
    def guarded(self: RedisStateStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError) as error:
            raise unavailable(self.url or str(self.path), error) from None

    return guarded


for _name in (
    "get",
    "__contains__",
    "__len__",
    "record",
    "first_url",
    "touch",
    "covered",
    "column_state",
    "record_walk",
    "dead_link",
    "mark_dead",
    "dead_links",
    "last_walk",
    "walks",
    "reset_column",
    "pending",
    "count_attempt",
    "give_up",
    "open_feed",
    "close_feeds",
    "feeds",
    "mark_reconciled",
    "keys",
    "lease_holder",
    "drop",
):
    setattr(RedisStateStore, _name, _guarded(getattr(RedisStateStore, _name)))
