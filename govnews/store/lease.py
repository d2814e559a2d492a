"""The lease: one run at a time per site, and the fence of everything done on its authority.

A run holds its site's lease for its whole life: a ``flock`` beside the SQLite store
(:class:`StoreLock`; the kernel frees it when the process dies), or, with ``REDIS_URL``, a key
in Redis with a TTL (:class:`RedisLock`), shared by every worker of a cluster.

**Taken in one place, released by whoever took it.** :func:`take_lease` takes a site's lease in
the backend the settings select (:func:`acquire_lock`, :func:`acquire_redis_lock` for the
operators' tools that name the store themselves), or raises :class:`StoreLocked` at once. The
process's leases are kept in one table, so a lease is taken once per process: a crawl started
by ``scrapy crawl`` (or ``scrapy crawl family``, site by site) finds the lease its command took
before the crawl with :func:`held_lease`, and uses it without releasing it; a crawl started
another way (a script, a test) takes it itself (:func:`govnews.store.open_store`). Whoever took
it releases it, once. A second :func:`take_lease` of a lease the process holds is refused, as
another process's would be: two owners would free the site under each other.

**The Redis lease.** ``SET lock <holder> NX PX <ttl>`` takes it, or :class:`StoreLocked`
names the holder (pid, host, start time). A thread renews the lease every third of its TTL
(``GOVNEWS_REDIS_LOCK_TTL``, 30 s by default) while the run lives; a holder that dies stops
renewing, and the site is free again at most one TTL later. Renewal and release only touch a
lease whose value is still the holder's own (compare-and-set in Lua). A process that exits
(not one that is killed) frees its sites at once.

**Fencing.** :meth:`RedisLock.valid` (local) and :meth:`RedisLock.confirm` (one round trip)
are asked before every request, export and store write; every write of a Redis store opened
with its lock also checks the lease in its transaction (:mod:`govnews.store.redis`). A lease is
**lost** for good on any sign that it may be another run's, and the run stops
(:class:`govnews.store.run.IncrementalRun`).

Redis is imported only once a Redis lease is taken (``REDIS_URL`` set). No Scrapy import.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Protocol

from govnews.store.base import DEFAULT_LEASE_TTL, Lock, StoreLocked, StoreUnavailable, utc_stamp
from govnews.store.keys import SiteKeys
from govnews.store.sqlite import state_dir, store_path

if TYPE_CHECKING:
    import redis


class SettingsLike(Protocol):
    """Scrapy's ``Settings``, or a plain dict of settings."""

    def get(self, name: str, default: Any = None) -> Any: ...


# -- taking a lease, and who holds it ----------------------------------------------------

_HELD: dict[tuple[str, str], StoreLock | RedisLock] = {}
"""The leases this process holds: ``("", <lock file>)`` for a ``flock``, ``(<url>, <key>)`` for
a Redis lease."""
_GUARD = threading.Lock()


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


def take_lease(settings: SettingsLike, site_key: str) -> Lock:
    """Take the lease of ``site_key``'s store in the backend the settings select (a ``flock``
    beside the SQLite file, or a Redis lease), or raise :class:`StoreLocked` at once. The
    caller owns the lease: it releases it (the module docstring)."""
    url = redis_url(settings)
    if url is None:
        return acquire_lock(store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key))
    return acquire_redis_lock(url, site_key, ttl=lease_ttl(settings))


def held_lease(settings: SettingsLike, site_key: str) -> Lock | None:
    """The lease of ``site_key``'s store this process holds (taken by :func:`take_lease`, for
    the crawl that asks), or None. Not the asker's to release."""
    url = redis_url(settings)
    if url is None:
        where = ("", str(lock_path(store_path(state_dir(settings.get("GOVNEWS_STATE_DIR")), site_key))))
    else:
        where = (url, SiteKeys(site_key).lock)
    with _GUARD:
        return _HELD.get(where)


def _forget(lock: StoreLock | RedisLock) -> None:
    """``lock`` was released (or abandoned): the process holds it no more."""
    with _GUARD:
        for where, held in list(_HELD.items()):
            if held is lock:
                del _HELD[where]


def _held_here(store: Path | str, lock: StoreLock | RedisLock) -> StoreLocked:
    """The refusal of a lease this process holds already: its holder is this process."""
    holder = lock.holder if isinstance(lock, RedisLock) else {"pid": os.getpid(), "started": lock.started}
    holder.pop("token", None)
    return StoreLocked(store, holder)


# -- the SQLite store's flock --------------------------------------------------------------


class StoreLock:
    """An exclusive ``flock`` on ``<store>.lock``, held for the life of a run.

    The kernel frees it when the process dies, so a killed run never leaves a stale
    lock. The file holds the holder's pid and start time, for the message another run
    prints when it is refused.
    """

    lost_reason: str | None = None  # a flock is never lost while its process lives

    def __init__(self, path: Path, handle: IO[str], started: str) -> None:
        self.path = path
        self.started = started
        self._handle: IO[str] | None = handle

    def valid(self) -> bool:
        """A ``flock`` is held until the process ends or releases it: always valid while held."""
        return self._handle is not None

    def confirm(self) -> bool:
        """The kernel is the lock's server: a held ``flock`` is this process's."""
        return self.valid()

    def when_lost(self, callback: Callable[[], None]) -> None:
        """A ``flock`` is never lost while its process lives: nothing to call."""

    def release(self) -> None:
        """Free the site at once; once is enough (by whoever took it, as :meth:`RedisLock.release`)."""
        if self._handle is None:
            return
        _forget(self)
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


def acquire_lock(store: Path) -> StoreLock:
    """Take the ``flock`` of the SQLite store ``store``, or raise :class:`StoreLocked` at once (no
    waiting) naming the holder (this process too, when it holds it already: :func:`held_lease`
    finds it). The caller owns it: it releases it."""
    path = lock_path(store)
    with _GUARD:
        if (held := _HELD.get(("", str(path)))) is not None:
            raise _held_here(store, held)
        return _take_flock(store, path)


def _take_flock(store: Path, path: Path) -> StoreLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            handle.close()
            raise
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        handle.close()
        raise StoreLocked(store, holder if isinstance(holder, dict) else {}) from None
    handle.seek(0)
    handle.truncate()
    started = utc_stamp()
    handle.write(json.dumps({"pid": os.getpid(), "started": started}))
    handle.flush()
    lock = StoreLock(path, handle, started)
    _HELD["", str(path)] = lock
    return lock


# -- the Redis lease -----------------------------------------------------------------------


def _redis() -> ModuleType:
    """The ``redis`` package, loaded once a Redis lease exists (``REDIS_URL`` set): a SQLite
    user never loads it."""
    import redis  # noqa: PLC0415

    return redis


def _unanswered() -> tuple[type[Exception], ...]:
    """Redis' errors of a server that went away, did not answer, or refused the credentials."""
    module = _redis()
    return (module.ConnectionError, module.TimeoutError, module.AuthenticationError)


def _unavailable(url: str, error: BaseException) -> StoreUnavailable:
    from govnews.store.connection import unavailable  # noqa: PLC0415 - Redis is loaded already

    return unavailable(url, error)


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
# The lease's time left (ms) when it is still this run's; -3 when it is not (gone, another's).
_CONFIRM = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pttl', KEYS[1])
end
return -3
"""


LEASE_MARGIN = 0.05
"""Share of the TTL a holder stops before its lease could lapse (clocks run at slightly
different rates; Redis expires keys a little late, never early)."""


def _deadline(sent: float, ttl: float) -> float:
    """When a lease set or renewed at ``sent`` (monotonic) must be taken as lapsed."""
    return sent + ttl * (1 - LEASE_MARGIN)


class RedisLock:
    """A lease on ``govnews:{<site>}:lock``, renewed by a daemon thread while the run lives.

    Taken by :func:`take_lease` (or :func:`acquire_redis_lock`). The lease is **lost**
    (:attr:`lost`, for good) on any sign that it may be another run's: a renewal the server
    answers with "not yours", a store write the server refuses
    (:meth:`govnews.store.redis.RedisStateStore._write`), a :meth:`confirm` that finds
    another value, or its deadline passing (:meth:`valid`). Whoever finds it out calls
    :meth:`mark_lost`, which tells every :meth:`when_lost` callback once (from that thread).
    """

    def __init__(
        self, client: redis.Redis, url: str, site_key: str, value: str, ttl: float, *, taken_at: float | None = None
    ) -> None:
        self.url = url
        self.site_key = site_key
        self.key = SiteKeys(site_key).lock
        self.value = value
        self.ttl = ttl
        self.lost = False
        self.lost_reason: str | None = None
        self.deadline = _deadline(taken_at if taken_at is not None else time.monotonic(), ttl)
        """The moment (``time.monotonic()``) this holder must stop by: when the lease, as
        last renewed, could have lapsed in Redis (counted from the moment the renewal was
        *sent*, less a margin). Past it, :meth:`valid` is False whatever the renewal thread
        has not yet found out (after a SIGSTOP/SIGCONT the reactor runs before it)."""
        self._listeners: list[Callable[[], None]] = []
        self._told = False
        self._guard = threading.Lock()
        self._client = client
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._confirm = client.register_script(_CONFIRM)
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
        wait = interval
        while not self._stop.wait(wait):
            if self._stop.is_set() or self.lost:
                return
            sent = time.monotonic()
            try:
                renewed = self._send_renewal()
            except _redis().RedisError:
                # Unanswered: the lease may still be ours until its deadline; ask again soon.
                if not self.valid():
                    return
                wait = min(interval, max(0.05, (self.deadline - time.monotonic()) / 3))
                continue
            if not renewed:
                self.mark_lost("a renewal found the lease gone or another run's")
                return
            wait = interval
            if not self.lost:
                self.deadline = _deadline(sent, self.ttl)

    def _send_renewal(self) -> int:
        """One renewal (compare-and-set in Lua): 1 when the lease was still this run's."""
        return int(self._renew(keys=[self.key], args=[self.value, int(self.ttl * 1000)]))

    def valid(self) -> bool:
        """The lease is this run's for sure: not found lost, and its deadline not passed.
        Checked before every request, every export and every store write (fencing); the first
        time its deadline has passed, the lease is marked lost."""
        if self.lost:
            return False
        if time.monotonic() < self.deadline:
            return True
        if self._thread is not None:  # not released: the lease lapsed under this run
            self.mark_lost(
                "its deadline passed before a renewal (the process was paused, or cut off from Redis, for too long)"
            )
        return False

    def confirm(self) -> bool:
        """:meth:`valid`, and the server still holds this run's value (one round trip): a lease
        that expired early on the server (its clock stepped forward, a failover lost the last
        renewal, an eviction, a restart without persistence) is found out here, before a
        request leaves. The server's time left also shortens the local deadline."""
        if not self.valid():
            return False
        try:
            left = int(self._confirm(keys=[self.key], args=[self.value]))
        except _unanswered() as error:
            raise _unavailable(self.url, error) from None
        if left < 0:
            self.mark_lost("the server holds no lease of this run any more (it expired early, or was taken or wiped)")
            return False
        self.deadline = min(self.deadline, time.monotonic() + left / 1000 * (1 - LEASE_MARGIN))
        return self.valid()

    def mark_lost(self, reason: str) -> None:
        """The lease may be another run's now (``reason``: how it was found out): nothing more
        is done on its authority. Every :meth:`when_lost` callback is called once, from the
        calling thread."""
        if not self.lost:
            self.lost_reason = reason
        self.lost = True
        self.deadline = 0.0
        with self._guard:
            if self._told:
                return
            self._told = True
            listeners = list(self._listeners)
        for callback in listeners:
            callback()

    def when_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the lease is found lost (at once if it is already)."""
        with self._guard:
            if not self._told:
                self._listeners.append(callback)
                return
        callback()

    def _stop_renewing(self) -> None:
        self.deadline = 0.0  # released or abandoned: nothing is done on its authority any more
        self._stop.set()
        if self._thread is not None:
            if self._thread is not threading.current_thread():
                self._thread.join()
            self._thread = None
        _forget(self)

    def release(self) -> None:
        """Free the site at once (only if the lease is still this run's); once is enough.
        Called by whoever took the lease (:func:`take_lease`), never by a crawl that found it
        taken for it (:func:`held_lease`)."""
        if self._thread is None:
            return
        self._stop_renewing()
        try:
            self._release(keys=[self.key], args=[self.value])
        except _unanswered():
            pass  # the server is gone: the lease ends by itself within its TTL
        finally:
            self._client.close()


@atexit.register
def _release_at_exit() -> None:
    """A process that exits (not one that is killed) frees its Redis leases at once, as the
    kernel frees a ``flock``; a killed one's lease ends within its TTL."""
    for lock in list(_HELD.values()):
        if isinstance(lock, RedisLock):
            with contextlib.suppress(_redis().RedisError):
                lock.release()


def acquire_redis_lock(
    url: str, site_key: str, *, ttl: float = DEFAULT_LEASE_TTL, host: str | None = None
) -> RedisLock:
    """Take the site's lease in the Redis at ``url``, or raise :class:`StoreLocked` at once (no
    waiting) naming the holder (this process too, when it holds it already: :func:`held_lease`
    finds it). The caller owns it: it releases it."""
    from govnews.store.connection import connect, describe  # noqa: PLC0415 - Redis only when asked for

    key = SiteKeys(site_key).lock
    with _GUARD:
        if (held := _HELD.get((url, key))) is not None:
            raise _held_here(describe(url, site_key), held)
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
        except _unanswered() as error:
            client.close()
            raise _unavailable(url, error) from None
        except BaseException:
            client.close()
            raise
        if not taken:
            client.close()
            lease = remaining / 1000 if isinstance(remaining, int) and remaining > 0 else ttl
            raise StoreLocked(describe(url, site_key), lease_holder(current), lease_seconds=lease)
        lock = RedisLock(client, url, site_key, value, ttl, taken_at=sent)
        _HELD[url, key] = lock
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
