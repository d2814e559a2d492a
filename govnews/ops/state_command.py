"""``scrapy govnews-state``: the state stores at hand — list them, reset a column or a store.

An entry point in ``pyproject.toml`` (a command module's name cannot hold a hyphen).

::

    scrapy govnews-state                                  # every store: articles, walks, pending, feeds
    scrapy govnews-state --site https://www.wuhan.gov.cn  # one store
    scrapy govnews-state --site URL --reset-column /sy/whyw/
    scrapy govnews-state --site URL --reset-store

Resetting a column forgets its walks: its next run walks it to the end again (list pages
only; nothing already exported is exported again). Resetting a store deletes it: the next
run exports every article again, as new. Either waits for nobody: while a run holds the
store's lock, the command refuses with exit code 3.

With ``REDIS_URL`` set (setting or environment), the same for the stores in Redis
(docs/distributed.md): every site with keys under ``govnews:{<site>}:``, the lease's holder
if a run holds one, and resets that take the site's lease first.
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
from govnews.sites.family import site_key
from govnews.store import StateStore, Store, StoreLocked, acquire_lock, lock_path, redis_url, state_dir
from govnews.store.history import RESET_DIR, RUNS_FILE, append_run

EXIT_LOCKED = 3


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--site BASE_URL] [--reset-column PATH | --reset-store]"

    def short_desc(self) -> str:
        return "List the incremental state stores; reset a column's walks or a whole store"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", help="the site's base URL (its store); default: every store")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--reset-column", metavar="PATH", help="forget this column's walks, e.g. /sy/whyw/")
        group.add_argument("--reset-store", action="store_true", help="delete the site's store")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected argument(s): {' '.join(args)}", print_help=False)
        if (opts.reset_column or opts.reset_store) and not opts.site:
            raise UsageError("--reset-column and --reset-store need --site BASE_URL", print_help=False)
        if url := redis_url(self.settings):
            self._run_redis(url, opts)
            return
        if opts.site:
            try:
                stores = [store_path_for(self.settings, parse_base_url(opts.site))]
            except ArgumentError as error:
                raise UsageError(str(error), print_help=False) from None
        else:
            directory = state_dir(self.settings.get("GOVNEWS_STATE_DIR"))
            stores = sorted(directory.glob("*.sqlite3")) if directory.is_dir() else []
        if opts.reset_column or opts.reset_store:
            self._reset(stores[0], opts.reset_column, opts.reset_store)
            if opts.reset_store and self.exitcode != EXIT_LOCKED:
                self._note_reset(site_key(parse_base_url(opts.site)))
            return
        if not stores:
            print(f"no state store in {state_dir(self.settings.get('GOVNEWS_STATE_DIR'))}")
        for path in stores:
            describe(path)

    def _run_redis(self, url: str, opts: argparse.Namespace) -> None:
        from govnews.store.redis import (  # noqa: PLC0415 - redis only when asked for
            RedisStateStore,
            acquire_redis_lock,
            connect,
            describe,
        )

        if opts.site:
            try:
                sites = [site_key(parse_base_url(opts.site))]
            except ArgumentError as error:
                raise UsageError(str(error), print_help=False) from None
        else:
            client = connect(url)
            try:
                found = (
                    k.decode() if isinstance(k, bytes) else k for k in client.scan_iter(match="govnews:{*}:schema")
                )
                sites = sorted(k[len("govnews:{") : -len("}:schema")] for k in found)
            finally:
                client.close()
        if opts.reset_column or opts.reset_store:
            try:
                lock = acquire_redis_lock(url, sites[0])
            except StoreLocked as error:
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = EXIT_LOCKED
                return
            store = RedisStateStore.connect(url, sites[0], lock=lock)
            name = describe(url, sites[0])
            try:
                if opts.reset_store:
                    deleted = store.drop()
                    self._note_reset(sites[0])
                    print(f"deleted {deleted} keys of {name}: the next run exports every article again")
                else:
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
            store = RedisStateStore.connect(url, key)
            try:
                describe_store(store, describe(url, key))
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
