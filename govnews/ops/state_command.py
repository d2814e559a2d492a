"""``scrapy govnews-state``: the state stores at hand — list them, reset a column or a store.

An entry point in ``pyproject.toml`` (a command module's name cannot hold a hyphen).

::

    scrapy govnews-state                                  # every store: articles, walks, pending, feeds
    scrapy govnews-state --site https://www.wuhan.gov.cn  # one store
    scrapy govnews-state --site URL --reset-column /sy/whyw/
    scrapy govnews-state --site URL --reset-store
    scrapy govnews-state --init-store --site URL [--site URL …]   # Redis: create the stores
    scrapy govnews-state --init-store --family                    # Redis: every site of the family

Resetting a column forgets its walks: its next run walks it to the end again (list pages
only; nothing already exported is exported again). Resetting a store starts over: the next
run exports every article again, as new. Either waits for nobody: while a run holds the
store's lock, the command refuses with exit code 3.

With ``REDIS_URL`` set (setting or environment), the same for the stores in Redis
(docs/distributed.md): every site with keys under ``govnews:{<site>}:``, the lease's holder
if a run holds one, the run history every host shares, and resets that take the site's
lease first. A Redis store is never created by a run: ``--init-store`` creates it (once, for
the cluster; a store that exists is left as it is), and a reset leaves it created and empty,
for every worker (``-a new_store=1`` on a run also creates a missing one).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from govnews.crawl.arguments import ArgumentError, parse_base_url
from govnews.feeds import output_dir
from govnews.pipelines.incremental_state import store_path_for
from govnews.sites import wuhan
from govnews.sites.family import SITES, site_key
from govnews.store import (
    StateStore,
    Store,
    StoreLocked,
    StoreMissing,
    acquire_lock,
    lease_ttl,
    lock_path,
    redis_url,
    state_dir,
)
from govnews.store.history import RESET_DIR, RUNS_FILE, append_run
from govnews.store.keys import SCHEMA_PATTERN, site_of_schema_key

EXIT_LOCKED = 3
EXIT_MISSING = 8


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--site BASE_URL …] [--family] [--reset-column PATH | --reset-store | --init-store]"

    def short_desc(self) -> str:
        return "List the incremental state stores; reset a column's walks or a whole store"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--site", action="append", help="a site's base URL (again for more sites); default: every store"
        )
        parser.add_argument("--family", action="store_true", help="with --init-store: every site of the family table")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--reset-column", metavar="PATH", help="forget this column's walks, e.g. /sy/whyw/")
        group.add_argument("--reset-store", action="store_true", help="start the site's store over (empty)")
        group.add_argument(
            "--init-store", action="store_true", help="Redis: create the sites' stores (a run never creates one)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected argument(s): {' '.join(args)}", print_help=False)
        if (opts.reset_column or opts.reset_store) and not opts.site:
            raise UsageError("--reset-column and --reset-store need --site BASE_URL", print_help=False)
        if (opts.reset_column or opts.reset_store) and len(opts.site) > 1:
            raise UsageError("--reset-column and --reset-store take one --site", print_help=False)
        if opts.family and not opts.init_store:
            raise UsageError("--family goes with --init-store", print_help=False)
        if opts.init_store and not (opts.site or opts.family):
            raise UsageError("--init-store needs --site BASE_URL (one or more) or --family", print_help=False)
        try:
            site_urls = [parse_base_url(site) for site in opts.site or ()]
        except ArgumentError as error:
            raise UsageError(str(error), print_help=False) from None
        if url := redis_url(self.settings):
            self._run_redis(url, opts, site_urls)
            return
        if opts.init_store:
            raise UsageError(
                "--init-store is for stores in Redis (REDIS_URL): a SQLite store is created by its first run",
                print_help=False,
            )
        if site_urls:
            stores = [store_path_for(self.settings, site) for site in site_urls]
        else:
            directory = state_dir(self.settings.get("GOVNEWS_STATE_DIR"))
            stores = sorted(directory.glob("*.sqlite3")) if directory.is_dir() else []
        if opts.reset_column or opts.reset_store:
            self._reset(stores[0], opts.reset_column, opts.reset_store)
            if opts.reset_store and self.exitcode != EXIT_LOCKED:
                self._note_reset(site_key(site_urls[0]))
            return
        if not stores:
            print(f"no state store in {state_dir(self.settings.get('GOVNEWS_STATE_DIR'))}")
        for path in stores:
            describe(path)

    def _run_redis(self, url: str, opts: argparse.Namespace, site_urls: list[str]) -> None:
        from govnews.store.connection import connect, describe  # noqa: PLC0415 - redis only when asked for
        from govnews.store.lease import acquire_redis_lock  # noqa: PLC0415
        from govnews.store.redis import RedisStateStore, init_store  # noqa: PLC0415

        assert self.settings is not None
        if opts.init_store:
            urls = [*site_urls, *(site.base_url for site in SITES if opts.family)]
            for key in dict.fromkeys(site_key(u) for u in urls):
                try:
                    created, store_id = init_store(url, key, ttl=lease_ttl(self.settings))
                except StoreLocked as error:
                    print(f"error: {error}", file=sys.stderr)
                    self.exitcode = EXIT_LOCKED
                    continue
                said = "created (empty)" if created else "exists already: left as it is"
                print(f"{describe(url, key)}: {said}; store {store_id[:12]}")
            return
        if site_urls:
            sites = [site_key(u) for u in site_urls]
        else:
            client = connect(url)
            try:
                found = (k.decode() if isinstance(k, bytes) else k for k in client.scan_iter(match=SCHEMA_PATTERN))
                sites = sorted(site_of_schema_key(k) for k in found)
            finally:
                client.close()
        if opts.reset_column or opts.reset_store:
            if opts.reset_store:
                try:
                    _, store_id = init_store(url, sites[0], reset=True, ttl=lease_ttl(self.settings))
                except StoreLocked as error:
                    print(f"error: {error}", file=sys.stderr)
                    self.exitcode = EXIT_LOCKED
                    return
                print(
                    f"{describe(url, sites[0])}: started over, empty (store {store_id[:12]}), for every worker: "
                    "the next run exports every article again"
                )
                return
            try:
                lock = acquire_redis_lock(url, sites[0])
            except StoreLocked as error:
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = EXIT_LOCKED
                return
            name = describe(url, sites[0])
            try:
                store = RedisStateStore.connect(url, sites[0], lock=lock)
            except StoreMissing as error:
                lock.release()
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = EXIT_MISSING
                return
            try:
                section = wuhan.normalize_section(opts.reset_column)
                store.reset_column(section)
                print(f"{name}: walks of {section} forgotten: its next run walks it to the end again")
            finally:
                store.close()
                lock.release()
            return
        if not sites:
            print(f"no state store in {describe(url, '*')}")
        for key in sites:
            try:
                store = RedisStateStore.connect(url, key)
            except StoreMissing:
                print(f"{describe(url, key)}: no store (never created, or lost by Redis): --init-store creates one")
                continue
            try:
                describe_store(store, describe(url, key))
                for event in store.history(5):
                    print(f"  history: {', '.join(f'{k} {v}' for k, v in sorted(event.items()) if k != 'token')}")
                if holder := store.lease_holder():
                    print(f"  held by a run now: {', '.join(f'{k} {v}' for k, v in sorted(holder.items()))}")
            finally:
                store.close()

    def _note_reset(self, key: str) -> None:
        """The host's run history learns the store was reset on purpose: the next run takes the
        new store without asking for ``-a new_store=1`` (govnews.store.history)."""
        assert self.settings is not None
        history = output_dir(self.settings.get("GOVNEWS_OUTPUT_DIR")) / RESET_DIR / RUNS_FILE
        now = datetime.now(UTC).isoformat()
        append_run(history, {"end": now, "event": "store_reset", "store": key, "store_id": None})

    def _reset(self, path: Path, column: str | None, whole: bool) -> None:
        if not path.exists():
            print(f"no state store at {path}")
            return
        try:
            lock = acquire_lock(path)
        except StoreLocked as error:
            print(f"error: {error}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        try:
            if whole:
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
                print(f"deleted {path}: the next run exports every article again")
                return
            assert column is not None
            section = wuhan.normalize_section(column)
            store = StateStore(path)
            store.reset_column(section)
            store.close()
            print(f"{path}: walks of {section} forgotten: its next run walks it to the end again")
        finally:
            lock.release()
            lock_path(path).unlink(missing_ok=True)


def describe(path: Path) -> None:
    """Print one SQLite store (see :func:`describe_store`)."""
    store = StateStore(path)
    try:
        describe_store(store, str(path))
    finally:
        store.close()


def describe_store(store: Store, name: str) -> None:
    """Print one store: articles, each column's last complete walk, its open gaps and last
    audit, pending rows, dead links, open feeds."""
    print(f"{name}: {len(store)} articles known")
    walks = store.walks()
    for walk in walks:
        print(
            f"  {walk.column}: last complete walk {walk.completed} (run {walk.run}): "
            f"{walk.list_pages} list pages, {walk.rows_seen} rows, ended at {walk.ended}"
        )
    if not walks:
        print("  no complete walk yet: the next run walks every column to its end")
    dead = store.dead_links()
    columns = sorted({w.column for w in walks} | {d.column for d in dead if d.column})
    for column in columns:
        state = store.column_state(column)
        if state.gaps:
            ends = ", ".join(
                f"after {g.upper or 'the top'} to {g.lower or 'the end'} ({g.reason}"
                + (f", from list page {g.page + 1})" if g.page is not None else ")")
                for g in state.gaps
            )
            print(f"  {column}: {len(state.gaps)} gap(s) no walk has read yet (the next run reads through): {ends}")
        if state.last_audit:
            print(f"  {column}: audit clock from {state.last_audit} (the last audit, or the first walk to the end)")
        if state.audit_started:
            print(f"  {column}: an audit under way since {state.audit_started} (the next runs read on to the end)")
    pending = store.pending(columns)
    if pending:
        print(f"  {len(pending)} rows pending (listed, not exported yet: fetched again by every run)")
    if dead:
        print(f"  {len(dead)} dead links (404/410; asked again when their row changes, or by an audit walk)")
    for feed in store.feeds(open_only=True):
        print(f"  open feed (its run did not close it): {feed.path} (run {feed.run})")
