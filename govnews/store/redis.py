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
                                                            e: etag, m: last_modified, f: first_seen, l: last_seen
                                                            (Record.checked), c: {revision: committer},
                                                            cl: last revision before commit records;
                                                            layout 5, each absent when None:
                                                            x: fields (packed, base64), xd: fields_digest,
                                                            col: column, rt: row_title, rd: row_date,
                                                            s: status (absent: listed), sc: candidate}
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
    govnews:{<site>}:outbox              hash  key -> JSON ChangeEntry (change records not yet delivered)
    govnews:{<site>}:outbox_order        zset  the outbox's keys, scored in the order they were committed
    govnews:{<site>}:meta                hash  store_id, created
    govnews:{<site>}:lock                string JSON {pid, host, started, token}, with a TTL (the lease)
    govnews:{<site>}:schema              string the layout's version (1: before gaps and dead links;
                                                2: before attachments; 3: gaps without a place;
                                                4: before the revisions' fields, rows, statuses and
                                                the outbox; 5)

The key names come from :mod:`govnews.store.keys`. The lock key is the site's lease
(:class:`govnews.store.lease.RedisLock`, in a module of its own): one run at a time per site.

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

import base64
import functools
import inspect
import json
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import redis
from redis.client import Pipeline

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
    LeaseLost,
    Record,
    RowSeen,
    StoreError,
    StoreMissing,
    WalkOutcome,
    WalkRecord,
    due_for_refresh,
    utc_stamp,
)
from govnews.store.connection import connect, describe, unavailable
from govnews.store.keys import KEPT_BY_A_NEW_STORE, LOCK_END, SiteKeys
from govnews.store.lease import RedisLock, acquire_redis_lock, lease_holder

LAYOUT_VERSION = "5"
RUN_HISTORY = 1000
"""Events the run history of a site keeps (``govnews:{<site>}:runs``)."""


def init_store(url: str, site_key: str, *, reset: bool = False, ttl: float = DEFAULT_LEASE_TTL) -> tuple[bool, str]:
    """Create the store of ``site_key`` (``scrapy govnews-state --init-store``): ``(created,
    store id)``; a store that exists is left as it is (``created`` False). With ``reset``, an
    existing one is emptied and given a new id (``--reset-store``: a start-over on purpose,
    for every worker). Takes the site's lease for it (:class:`govnews.store.StoreLocked`
    while a run holds the site)."""
    lock = acquire_redis_lock(url, site_key, ttl=ttl)
    try:
        store = RedisStateStore.connect(url, site_key, lock=lock, create=True)
        try:
            if reset and not store.created:
                store.reset()
                return True, store.store_id
            return store.created, store.store_id
        finally:
            store.close()
    finally:
        lock.release()


# -- the store ---------------------------------------------------------------------------


LEGACY = "legacy"
"""The committer of a revision recorded before commit records were kept (layout 3 and earlier)."""


def _merged(current: dict[str, Any] | None, record: Record, now: str) -> dict[str, Any]:
    """The stored JSON of an article after ``record`` (the SQLite store's upsert): a revision
    never goes back, the content hash follows the highest revision, known dates and
    validators stay when the record has none, first_seen stays, last_seen is now; commit
    records are kept. A revision's fields go with it: a newer revision's replace them, the
    same revision's fill what is unknown, an older one's are dropped. The row read (column,
    title, date) is kept when the record has none; the status is the outbox's to set
    (:func:`_with_status`), never a record's."""
    fields = _packed_text(record.fields)
    if current is None:
        data = {
            "h": record.content_hash,
            "r": record.revision,
            "p": record.published_at,
            "e": record.etag,
            "m": record.last_modified,
            "f": now,
            "l": now,
        }
        _put(data, x=fields, xd=record.fields_digest, col=record.column, rt=record.row_title, rd=record.row_date)
        return data
    old = int(current["r"])
    data = {
        **current,
        "h": record.content_hash if record.revision >= old else current["h"],
        "r": max(old, record.revision),
        "p": record.published_at if record.published_at is not None else current.get("p"),
        "e": record.etag if record.etag is not None else current.get("e"),
        "m": record.last_modified if record.last_modified is not None else current.get("m"),
        "l": now,
    }
    if record.revision > old:
        data.pop("x", None)
        data.pop("xd", None)
    if record.revision >= old:
        _put(data, x=fields, xd=record.fields_digest)
    _put(data, col=record.column, rt=record.row_title, rd=record.row_date)
    return data


def _put(data: dict[str, Any], **values: Any) -> None:
    """Set the keys of ``values`` that are not None (an absent key reads as None)."""
    data.update((key, value) for key, value in values.items() if value is not None)


def _packed_text(fields: bytes | None) -> str | None:
    """A revision's packed fields as JSON text: base64 (1.33 bytes a byte of zlib, where
    latin-1 text costs 2.05 once JSON escapes its control bytes and UTF-8 doubles its upper
    half: measured on 1,000 mirror articles), which ``jq @base64d`` and every client read."""
    return base64.b64encode(fields).decode("ascii") if fields is not None else None


def _with_status(data: dict[str, Any], status: ArticleStatus) -> dict[str, Any]:
    """An article's JSON once a change record sets its status (its candidate status cleared)."""
    updated = {key: value for key, value in data.items() if key != "sc"}
    updated["s"] = status
    return updated


@dataclass(frozen=True)
class _OutboxPlan:
    """What a write adds to the outbox: key -> JSON change record, and key -> its place."""

    rows: dict[Any, Any]
    scores: dict[Any, float]


def committer(stored: dict[str, Any] | None, revision: int) -> str | None:
    """Who committed ``revision`` of an article, from its stored JSON: a run's token,
    :data:`LEGACY` for a revision recorded before commit records, or None (not committed).

    >>> committer({"r": 2, "c": {"1": "t1", "2": "t2"}}, 2), committer({"r": 2}, 1), committer(None, 1)
    ('t2', 'legacy', None)
    >>> committer({"r": 3, "cl": 2, "c": {"3": "t3"}}, 2), committer({"r": 3, "c": {"3": "t3"}}, 2)
    ('legacy', None)
    """
    if stored is None:
        return None
    commits = stored.get("c")
    if commits is None:
        return LEGACY if revision <= int(stored["r"]) else None
    if (token := commits.get(str(revision))) is not None:
        return str(token)
    return LEGACY if revision <= int(stored.get("cl") or 0) else None


def _record_of(url: str, raw: str | bytes, *, with_fields: bool = True) -> Record:
    """An article's stored JSON as a :class:`Record` (its packed fields left out unless
    ``with_fields``); a key a layout-4 article lacks reads as None, its status as listed."""
    data = json.loads(raw)
    packed = data.get("x") if with_fields else None
    return Record(
        url,
        str(data["h"]),
        int(data["r"]),
        data.get("p"),
        data.get("e"),
        data.get("m"),
        base64.b64decode(packed) if packed is not None else None,
        data.get("xd"),
        data.get("col"),
        data.get("rt"),
        data.get("rd"),
        data.get("s", "listed"),
        data.get("sc"),
        data.get("l"),
    )


class RedisStateStore:
    """The Redis backend of :class:`govnews.store.Store`, for one site.

    ``host`` names this machine in the feed manifest (default: the host name). Opened with
    its ``lock`` (:meth:`connect`, :func:`govnews.store.open_store`), every write checks the
    lease first (fencing); without one (tools, tests) writes are plain transactions.

    The store exists only once created (:func:`init_store`, ``create=True``): opening one that
    does not exist raises :class:`govnews.store.StoreMissing`.
    """

    # Each revision remembers the run that committed it: reconciliation cuts what a run did not commit.
    keeps_commits = True

    def __init__(
        self,
        client: redis.Redis,
        site_key: str,
        *,
        lock: RedisLock | None = None,
        host: str | None = None,
        description: str | None = None,
        create: bool = False,
    ) -> None:
        self._r = client
        self.site_key = site_key
        self.lock = lock
        self.host: str | None = host or socket.gethostname()
        self.path = description or site_key
        """How messages name the store (as ``StateStore.path`` does)."""
        keys = self._keys = SiteKeys(site_key)
        self._articles = keys.articles
        self._contents = keys.contents
        self._walks = keys.walks
        self._pending = keys.pending
        self._manifest = keys.manifest
        self._covered_prefix = keys.covered_prefix
        self._gaps = keys.gaps
        self._colstate = keys.colstate
        self._dead = keys.dead
        self._attachments = keys.attachments
        self._outbox = keys.outbox
        self._outbox_order = keys.outbox_order
        self._meta = keys.meta
        self._runs = keys.runs
        self._schema = keys.schema
        self._client_owned = False
        self.url: str | None = None
        """The server's URL (for messages, without its password), when known."""
        self.created = self._open_layout(create=create)
        """True when this opening created the store (``create``, and none existed)."""
        self.store_id: str = str(self._r.hget(self._meta, "store_id"))

    def _open_layout(self, *, create: bool) -> bool:
        """Open the store, or bring an older layout up to date in place (1 → 2 → 3 → 4 → 5; 2 → 3
        adds the attachments hash, 3 → 4 the commit records and the run history, each empty
        until a run writes them, and gaps with a place to resume at, read in both forms (a
        layout-3 gap has no place): nothing to move; 4 → 5 adds to each article's JSON its
        revision's fields and digest, its row, status and candidate status, each absent until
        a run writes it (absent: None, and listed), and the outbox, empty: nothing to move
        either). A store that does not exist is created
        only with ``create`` (``--init-store``, ``new_store=1``), else :class:`StoreMissing`:
        an empty Redis and a wiped one look the same, and neither starts over in silence.
        Returns True when it created the store."""
        raw_version = self._r.get(self._schema)
        if raw_version is None:
            if not create:
                left = sum(1 for k in self.keys() if not k.endswith(KEPT_BY_A_NEW_STORE))
                found = f" ({left} other key(s) of the site remain: partly deleted or evicted)" if left else ""
                raise StoreMissing(
                    f"the state store {self.path} does not exist{found}: it was never created, or Redis lost it "
                    "(wiped, restarted without persistence, evicted); starting over would export every article "
                    "again and walk every list page of the site, so the run does not start. Create it once: "
                    "scrapy govnews-state --init-store --site <base URL> (or -a new_store=1 on this run)"
                )
            self._create("created")
            return True
        version = str(raw_version)
        if int(version) > int(LAYOUT_VERSION):
            raise StoreError(
                f"the state store {self.path} has layout {version}, newer than this release's {LAYOUT_VERSION}: "
                "upgrade govnews on every worker"
            )
        if version == LAYOUT_VERSION and self._r.hexists(self._meta, "store_id"):
            return False
        if version == "1":
            self._migrate_from_1()
        store_id, created = uuid.uuid4().hex, utc_stamp()

        def stage(pipe: Pipeline) -> None:
            pipe.hsetnx(self._meta, "store_id", store_id)
            pipe.hsetnx(self._meta, "created", created)
            pipe.set(self._schema, LAYOUT_VERSION)

        self._write(stage)
        return False

    def _create(self, event_name: str) -> None:
        """A new, empty store (a new id): what a wiped or evicted one left of the site (but its
        lease, round mark and run history) is deleted first, so that nothing half-remembered
        remains."""
        store_id, now = uuid.uuid4().hex, utc_stamp()
        # The lease, the round mark and the run history (the record of what happened) stay.
        leftovers = [k for k in self.keys() if not k.endswith(KEPT_BY_A_NEW_STORE)]
        event = json.dumps(
            {"event": event_name, "at": now, "host": self.host, "pid": os.getpid(), "store_id": store_id}
        )

        def stage(pipe: Pipeline) -> None:
            if leftovers:
                pipe.delete(*leftovers)
            pipe.hset(self._meta, mapping={"store_id": store_id, "created": now})
            pipe.set(self._schema, LAYOUT_VERSION)
            pipe.lpush(self._runs, event)

        self._write(stage)

    def _migrate_from_1(self) -> None:
        """Layout 1 → 2, as the SQLite store's schema 2 → 3: a dead link was a covered row
        neither pending nor exported; a column's audit clock starts now."""
        now = utc_stamp()
        dead: dict[Any, Any] = {}
        for key in self._r.scan_iter(match=self._keys.covered_pattern):
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
        cls, url: str, site_key: str, *, lock: RedisLock | None = None, host: str | None = None, create: bool = False
    ) -> RedisStateStore:
        """Open the store of ``site_key`` at ``url`` (its own connection, closed by :meth:`close`);
        :class:`StoreMissing` when it does not exist, unless ``create``."""
        client = connect(url)
        try:
            store = cls(client, site_key, lock=lock, host=host, description=describe(url, site_key), create=create)
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError) as error:
            client.close()
            raise unavailable(url, error) from None
        except BaseException:
            client.close()
            raise
        store.url = url
        store._client_owned = True
        return store

    def close(self) -> None:
        if self._client_owned:
            self._r.close()

    def keys(self) -> list[str]:
        """Every key of this site, the lock included."""
        return sorted(self._r.scan_iter(match=self._keys.pattern))

    def lease_holder(self) -> dict[str, Any]:
        """Who holds the site's lease now (:func:`govnews.store.lease.lease_holder`); empty when no run does."""
        return lease_holder(self._r.get(self._keys.lock))

    def drop(self) -> int:
        """Delete every key of the site but its lock (the store no longer exists: a run is
        refused until it is created again). Returns the number of keys deleted."""
        doomed = [k for k in self.keys() if not k.endswith(LOCK_END)]
        return int(self._write(lambda pipe: pipe.delete(*doomed))[0]) if doomed else 0

    def reset(self) -> None:
        """Start over on purpose, for every worker: an initialised, empty store with a new id
        (``scrapy govnews-state --reset-store``)."""
        self._create("reset")
        self.store_id = str(self._r.hget(self._meta, "store_id"))

    # -- the run history (every host's runs of the site) --------------------------------

    def note(self, event: dict[str, Any]) -> None:
        """Add ``event`` (a run's start or end) to the site's run history, the newest first;
        the history keeps the last :data:`RUN_HISTORY` events."""
        line = json.dumps(event, ensure_ascii=False, sort_keys=True)

        def stage(pipe: Pipeline) -> None:
            pipe.lpush(self._runs, line)
            pipe.ltrim(self._runs, 0, RUN_HISTORY - 1)

        self._write(stage)

    def history(self, count: int = 10) -> list[dict[str, Any]]:
        """The newest ``count`` events of the run history (creations, resets, runs' starts and ends)."""
        events = []
        for raw in self._r.lrange(self._runs, 0, max(0, count - 1)):
            try:
                events.append(json.loads(raw))
            except ValueError:
                continue
        return events

    # -- transactions ---------------------------------------------------------------

    def _write(
        self,
        stage: Callable[[Pipeline], object] | None = None,
        *,
        prepare: Callable[[Pipeline], Callable[[Pipeline], object]] | None = None,
        watch: tuple[str, ...] = (),
    ) -> list[Any]:
        """Run the commands ``stage`` queues as one MULTI/EXEC transaction; with a lock,
        only while the lease is this run's (WATCH on the lock key, so that a lease taken
        over, expired or flushed between the check and EXEC aborts it, and the check runs
        again). ``prepare`` reads what the transaction depends on (the keys of ``watch`` are
        watched too) and returns the stage. Returns EXEC's replies. A lease that is not the
        server's any more is marked lost (:meth:`govnews.store.lease.RedisLock.mark_lost`) and raises
        :class:`LeaseLost`."""
        with self._r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    watched = ((self.lock.key,) if self.lock is not None else ()) + watch
                    if watched:
                        pipe.watch(*watched)  # type: ignore[no-untyped-call]
                    if self.lock is not None and (not self.lock.valid() or pipe.get(self.lock.key) != self.lock.value):
                        self.lock.mark_lost("a store write found the lease not this run's on the server")
                        raise LeaseLost(
                            f"the lease on the state store {self.path} ended: another run may hold it; "
                            "this run records nothing more (what it wrote and did not commit is cut from its feed)"
                        )
                    staged = prepare(pipe) if prepare is not None else stage
                    assert staged is not None
                    pipe.multi()
                    staged(pipe)
                    return list(pipe.execute())
                except redis.WatchError:
                    continue  # the lease was renewed (or taken) meanwhile: check again
                finally:
                    pipe.reset()

    # -- articles ---------------------------------------------------------------

    def get(self, url: str) -> Record | None:
        raw = self._r.hget(self._articles, url)
        return _record_of(url, raw) if raw is not None else None

    def articles(self, column: str | None = None) -> Iterator[Record]:
        """Every known article (of ``column``), without its packed fields, by URL. Read whole
        before the first is returned (a Redis failure is raised here, guarded, not mid-loop);
        ``HSCAN`` in steps, not one ``HGETALL`` of every article's fields."""
        found: dict[str, Record] = {}
        for url, raw in self._r.hscan_iter(self._articles, count=1000):
            record = _record_of(str(url), raw, with_fields=False)
            if column is None or record.column == column:
                found[record.url] = record
        return iter([found[url] for url in sorted(found)])

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and bool(self._r.hexists(self._articles, url))

    def __len__(self) -> int:
        return int(self._r.hlen(self._articles))

    def record(self, records: Iterable[Record], changes: Iterable[ChangeEntry] = ()) -> None:
        """Insert or update records and add ``changes`` to the outbox (each setting its
        article's status), in one transaction, with the SQLite store's rules: a revision never
        goes back, the content hash (and the revision's fields) follow the highest revision,
        known dates, validators and rows are kept when a record has none, first_seen is kept
        and last_seen set now. The first URL of each content hash is remembered; an exported
        article is no longer pending. (No committer is noted: a run's exports go through
        :meth:`commit`.) The articles and the outbox are watched: the merge and the write see
        the same records."""
        batch = list(records)
        entries = list(changes)
        if not batch and not entries:
            return
        now = utc_stamp()
        urls = self._touched_by(batch, entries)

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            stored = self._stored(pipe, urls)
            merged: dict[str, dict[str, Any]] = {}
            for r in batch:
                merged[r.url] = _merged(merged.get(r.url) or stored[r.url], r, now)
            return self._stage_articles(merged, batch, self._outbox_plan(pipe, entries, stored, merged))

        self._write(prepare=prepare, watch=(self._articles, self._outbox, self._outbox_order))

    def commit(self, records: Iterable[Record], token: str, changes: Iterable[ChangeEntry] = ()) -> None:
        """Record ``records`` as exported by the run ``token`` (the commit point of an export,
        docs/distributed.md) and ``changes`` into the outbox: as :meth:`record`, and each
        revision notes its committer, in one transaction under the lease (the articles hash
        and the outbox are watched too, so the check and the write see the same records).
        All or nothing, the change records with the rest: :class:`LeaseLost` when the lease is
        not the server's; :class:`CommitRefused` when a revision was committed by another run
        (or is older than the one stored): no revision is committed by two runs."""
        batch = list(records)
        entries = list(changes)
        if not batch and not entries:
            return
        now = utc_stamp()
        urls = self._touched_by(batch, entries)

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            stored = self._stored(pipe, urls)
            merged: dict[str, dict[str, Any]] = {}
            for r in batch:
                current = merged.get(r.url) or stored[r.url]
                by = committer(current, r.revision)
                if by not in (None, token) or (by is None and current is not None and int(current["r"]) >= r.revision):
                    raise CommitRefused(
                        f"revision {r.revision} of {r.url} was committed by another run already: "
                        "nothing of this batch is committed (its lines are cut from the feed)"
                    )
                data = _merged(current, r, now)
                if current is not None and "c" not in current:
                    data["cl"] = int(current["r"])  # revisions up to here predate commit records
                data["c"] = {**(current or {}).get("c", {}), str(r.revision): token}
                merged[r.url] = data
            return self._stage_articles(merged, batch, self._outbox_plan(pipe, entries, stored, merged))

        self._write(prepare=prepare, watch=(self._articles, self._outbox, self._outbox_order))

    def committed(self, token: str, lines: Sequence[tuple[str, int]]) -> list[bool]:
        """For each ``(url, revision)`` of a feed: committed by the run ``token``, or recorded
        before commit records were kept (layout 3 and earlier: such a revision counts as its
        feed's)."""
        if not lines:
            return []
        urls = list(dict.fromkeys(url for url, _ in lines))
        stored = {
            url: json.loads(raw)
            for url, raw in zip(urls, self._r.hmget(self._articles, urls), strict=True)
            if raw is not None
        }
        return [committer(stored.get(url), revision) in (token, LEGACY) for url, revision in lines]

    @staticmethod
    def _touched_by(batch: list[Record], entries: list[ChangeEntry]) -> list[str]:
        """The articles a write of ``batch`` and ``entries`` reads: those recorded, and those
        whose status a change record sets."""
        return list(dict.fromkeys([r.url for r in batch] + [e.url for e in entries if e.status is not None]))

    def _stored(self, pipe: Pipeline, urls: list[str]) -> dict[str, dict[str, Any] | None]:
        """The stored JSON of each of ``urls`` (None: not known), read through ``pipe`` (watching)."""
        if not urls:
            return {}
        return {
            url: json.loads(raw) if raw is not None else None
            for url, raw in zip(urls, pipe.hmget(self._articles, urls), strict=True)
        }

    def _outbox_plan(
        self,
        pipe: Pipeline,
        entries: list[ChangeEntry],
        stored: dict[str, dict[str, Any] | None],
        merged: dict[str, dict[str, Any]],
    ) -> _OutboxPlan:
        """What ``entries`` add to the outbox (a key there already is kept as it is, as the
        SQLite store's ``INSERT OR IGNORE``), after the outbox's last entry, and the status
        each sets on its article (into ``merged``; an article not known gets none)."""
        firsts: dict[str, ChangeEntry] = {}
        for entry in entries:
            firsts.setdefault(entry.key, entry)
        rows: dict[Any, Any] = {}
        scores: dict[Any, float] = {}
        if firsts:
            keys = list(firsts)
            known = pipe.hmget(self._outbox, keys)
            last = pipe.zrange(self._outbox_order, -1, -1, withscores=True)
            after = int(last[0][1]) if last else 0
            for key, raw in zip(keys, known, strict=True):
                if raw is None:
                    rows[key] = firsts[key].as_json()
                    scores[key] = after + len(scores) + 1
        for entry in entries:
            current = merged.get(entry.url) or stored.get(entry.url)
            if entry.status is not None and current is not None:
                merged[entry.url] = _with_status(current, entry.status)
        return _OutboxPlan(rows, scores)

    def _stage_articles(
        self, merged: dict[str, dict[str, Any]], batch: list[Record], outbox: _OutboxPlan
    ) -> Callable[[Pipeline], object]:
        """The commands that write ``merged``, note the content hashes of ``batch`` and clear
        its rows from the owed and the dead, and add ``outbox``'s change records."""
        recorded = list(dict.fromkeys(r.url for r in batch))

        def stage(pipe: Pipeline) -> None:
            rows: dict[Any, Any] = {u: json.dumps(data, ensure_ascii=False) for u, data in merged.items()}
            if rows:
                pipe.hset(self._articles, mapping=rows)
            for r in batch:
                if r.content_hash:
                    pipe.hsetnx(self._contents, r.content_hash, r.url)
            if recorded:
                pipe.hdel(self._pending, *recorded)
                pipe.hdel(self._dead, *recorded)
            if outbox.rows:
                pipe.hset(self._outbox, mapping=outbox.rows)
                pipe.zadd(self._outbox_order, outbox.scores)

        return stage

    def fill_fields(self, url: str, fields: bytes, digest: str) -> None:
        """Keep ``fields`` and their ``digest`` for the article's current revision, in place
        (no revision, last_seen as it was); an article not known is left unknown."""
        text = _packed_text(fields)

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            current = self._stored(pipe, [url])[url]
            updated = {**current, "x": text, "xd": digest} if current is not None else None
            return lambda write: self._stage_updated(write, {url: updated} if updated else {})

        self._write(prepare=prepare, watch=(self._articles,))

    def fill_fields_many(self, rows: Iterable[tuple[str, bytes, str]]) -> None:
        """:meth:`fill_fields` of many articles, in one transaction."""
        filled = {url: (_packed_text(fields), digest) for url, fields, digest in rows}
        if not filled:
            return
        urls = list(filled)

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            stored = self._stored(pipe, urls)
            updated = {
                url: {**current, "x": filled[url][0], "xd": filled[url][1]}
                for url, current in stored.items()
                if current is not None
            }
            return lambda write: self._stage_updated(write, updated)

        self._write(prepare=prepare, watch=(self._articles,))

    def note_rows(self, rows: Iterable[RowSeen]) -> None:
        """What walks read of known articles' rows: the column, and the title and date when
        the row shows them (an article not known is left unknown)."""
        seen = list(rows)
        if not seen:
            return
        urls = list(dict.fromkeys(r.url for r in seen))

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            stored = self._stored(pipe, urls)
            updated: dict[str, dict[str, Any]] = {}
            for row in seen:  # in order, as the SQLite store's updates
                current = updated.get(row.url) or stored[row.url]
                if current is not None:
                    updated[row.url] = data = {**current, "col": row.column}
                    _put(data, rt=row.title, rd=row.date)
            return lambda write: self._stage_updated(write, updated)

        self._write(prepare=prepare, watch=(self._articles,))

    def set_candidates(self, marks: Iterable[tuple[str, ArticleStatus | None]]) -> None:
        """A first look's verdict for a second look to confirm, or None to clear it (an
        article not known is left unknown)."""
        verdicts = list(marks)
        if not verdicts:
            return
        urls = list(dict.fromkeys(url for url, _ in verdicts))

        def prepare(pipe: Pipeline) -> Callable[[Pipeline], object]:
            stored = self._stored(pipe, urls)
            updated: dict[str, dict[str, Any]] = {}
            for url, kind in verdicts:
                current = updated.get(url) or stored[url]
                if current is not None:
                    updated[url] = data = {k: v for k, v in current.items() if k != "sc"}
                    _put(data, sc=kind)
            return lambda write: self._stage_updated(write, updated)

        self._write(prepare=prepare, watch=(self._articles,))

    def _stage_updated(self, pipe: Pipeline, updated: dict[str, dict[str, Any]]) -> None:
        """Queue the write of articles' JSON changed in place (none: nothing)."""
        if updated:
            rows: dict[Any, Any] = {u: json.dumps(data, ensure_ascii=False) for u, data in updated.items()}
            pipe.hset(self._articles, mapping=rows)

    # -- the outbox (change records, issue 29) ------------------------------------------

    def undelivered(self) -> list[ChangeEntry]:
        """Every host's change records not yet delivered, oldest first (read in one transaction:
        the order and the records agree)."""
        pipe = self._r.pipeline(transaction=True)
        pipe.zrange(self._outbox_order, 0, -1)
        pipe.hgetall(self._outbox)
        order, records = pipe.execute()
        return [ChangeEntry.from_json(records[key]) for key in order if key in records]

    def delivered(self, keys: Iterable[str]) -> None:
        """The change records ``keys`` are in their feed: out of the outbox (a key not there
        is nothing to remove)."""
        done = list(dict.fromkeys(keys))
        if not done:
            return

        def stage(pipe: Pipeline) -> None:
            pipe.hdel(self._outbox, *done)
            pipe.zrem(self._outbox_order, *done)

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

    def covered(self, column: str, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` that a complete walk of ``column`` has listed."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            flags = self._r.smismember(self._keys.covered(column), chunk)
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
                pipe.sadd(self._keys.covered(column), *urls)
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
            pipe.delete(self._keys.covered(column))
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

    def open_feed(self, path: Path, run: str, size: int = 0, writer: FeedWriter | None = None) -> None:
        """Journal ``path`` (on this host) for ``run`` from byte ``size`` on, open until
        :meth:`close_feeds`; ``writer``: the run's commit token and process."""
        entry: dict[str, Any] = {
            "host": self.host,
            "path": str(path),
            "run": run,
            "opened": utc_stamp(),
            "closed": None,
            "reconciled_size": size,
        }
        if writer is not None:
            entry |= {"token": writer.token, "pid": writer.pid, "pid_start": writer.pid_start}
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
            token = data.get("token")
            entries.append(
                FeedEntry(
                    Path(data["path"]),
                    str(data["run"]),
                    str(data["opened"]),
                    data["closed"],
                    int(data["reconciled_size"]),
                    data["host"],
                    FeedWriter(str(token), data.get("pid"), data.get("pid_start")) if token else None,
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

    guarded.__govnews_guarded__ = True  # type: ignore[attr-defined]
    return guarded


def is_guarded(method: object) -> bool:
    """True for a method that raises a Redis failure as :class:`StoreUnavailable` (:func:`_guarded`)."""
    return bool(getattr(method, "__govnews_guarded__", False))


def _guard_every_method(cls: type[RedisStateStore]) -> None:
    """Every method of the store that talks to Redis (its public methods, ``__contains__`` and
    ``__len__``: the whole :class:`govnews.store.Store` protocol and the tools' extras) is
    guarded, by this one rule rather than a list kept by hand: a method added later is
    guarded too. ``tests/test_state_redis.py`` checks every method of the protocol."""
    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member) and (not name.startswith("_") or name in ("__contains__", "__len__")):
            setattr(cls, name, _guarded(member))


_guard_every_method(RedisStateStore)
