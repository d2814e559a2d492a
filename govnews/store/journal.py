"""The feeds are the journal: reading back what a killed run wrote (its open feeds in the
store's manifest), repairing a line a kill cut short, and recording what the store did not
know yet. No Scrapy import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from govnews.store.base import Record, Store


def read_feed_lines(path: Path, start: int = 0) -> Iterator[tuple[int, dict[str, object]]]:
    """``(end offset, item)`` for each whole, valid JSON line of a feed from byte ``start``."""
    with path.open("rb") as feed:
        feed.seek(start)
        offset = start
        for raw in feed:
            offset += len(raw)
            if not raw.endswith(b"\n"):
                return  # cut short by a kill: not an exported item
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            if isinstance(item, dict):
                yield offset, item


def repair_feed(path: Path) -> bool:
    """Cut a trailing partial line (a write interrupted by a kill) so that every line of
    the file is whole JSON again. Returns True when the file was changed.

    Only for a feed whose writer is dead: :func:`reconcile` calls it on the store's own
    open feeds while it holds the store's lock."""
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb+") as feed:
        feed.seek(max(0, size - 1))
        if feed.read(1) == b"\n":
            return False
        # Find the last newline; everything after it is the cut line.
        block = 1 << 16
        end = size
        while end > 0:
            start = max(0, end - block)
            feed.seek(start)
            chunk = feed.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut != -1:
                feed.truncate(start + cut + 1)
                break
            end = start
        else:
            feed.truncate(0)
        feed.flush()
        os.fsync(feed.fileno())
    return True


def record_from_item(item: dict[str, object], etag: str | None = None, last_modified: str | None = None) -> Record:
    revision = item.get("revision")
    published = item.get("published_at")
    return Record(
        url=str(item["url"]),
        content_hash=str(item.get("content_hash") or ""),
        revision=revision if isinstance(revision, int) else 1,
        published_at=published if isinstance(published, str) else None,
        etag=etag,
        last_modified=last_modified,
    )


def reconcile(store: Store) -> tuple[int, int]:
    """Record every item that the store's open feeds (those of runs that died) hold and
    the store does not know, repairing a line cut short first, then mark each feed
    closed. Returns (items read, files repaired).

    Call it only while holding the store's lock: then no open feed has a live writer.
    Files outside the manifest are never read or changed; a manifest entry whose file
    is gone is closed. Only entries of this machine are read (``store.host``; entries
    without a host are local): another host's open feeds wait for a run on that host.
    """
    read = repaired = 0
    for entry in store.feeds(open_only=True):
        if entry.host is not None and entry.host != store.host:
            continue  # a file on another machine: that machine's next run reads it
        path = entry.path
        if not path.is_file():
            store.mark_reconciled(entry, 0, closed=True)
            continue
        if repair_feed(path):
            repaired += 1
        size = path.stat().st_size
        done = entry.reconciled_size if entry.reconciled_size <= size else 0
        records = [record_from_item(item) for _, item in read_feed_lines(path, done) if "url" in item]
        latest: dict[str, Record] = {}
        for r in records:
            if r.url not in latest or latest[r.url].revision <= r.revision:
                latest[r.url] = r
        store.record(r for r in latest.values() if (old := store.get(r.url)) is None or old.revision <= r.revision)
        read += len(latest)
        store.mark_reconciled(entry, size, closed=True)
    return read, repaired
