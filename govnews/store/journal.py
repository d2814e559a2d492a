"""The feeds are the journal: reading back what a dead run wrote (its open feeds in the
store's manifest), repairing a line a kill cut short, and settling every line with the store.
No Scrapy import.

Two rules, one per kind of store (:attr:`govnews.store.Store.keeps_commits`):

* **The store is the commit point** (Redis, where a lease can lapse under a paused writer):
  a line stands only if its run committed its revision (the store remembers each revision's
  committer). Reconciliation cuts, from the first line its run did not commit, everything
  after it: a line written after its run's lease ended, or by a run killed between the write
  and the commit. The article is owed again and exported by a run that holds the site. So no
  line of a closed feed lacks a commit, whichever host and whatever pause.
* **The feed is the journal** (SQLite, under a ``flock``: an open feed's writer is dead):
  reconciliation records the lines the store does not know (roll forward).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from govnews.changes import change_record, diff, pack, revision_digest, revision_fields, unpack
from govnews.store.base import ChangeEntry, FeedEntry, FeedWriter, Record, Store


def fsync_file(file: IO[bytes]) -> None:
    """``fsync`` a feed file object's descriptor, before the store commits what it holds (the
    run, :class:`govnews.store.run.IncrementalRun`) and when it closes (the feed's storage,
    :mod:`govnews.feeds.storage`). A file without one (in memory), or a device that cannot
    sync, has nothing to sync."""
    try:
        descriptor = file.fileno()
    except (OSError, ValueError, AttributeError):
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EROFS, errno.ENOTSUP):
            raise


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
    """The store's record of an exported line, its revision fields packed with it."""
    revision = item.get("revision")
    published = item.get("published_at")
    section = item.get("section_path")
    fields = revision_fields(item)
    return Record(
        url=str(item["url"]),
        content_hash=str(item.get("content_hash") or ""),
        revision=revision if isinstance(revision, int) else 1,
        published_at=published if isinstance(published, str) else None,
        etag=etag,
        last_modified=last_modified,
        fields=pack(fields),
        fields_digest=revision_digest(fields),
        column=section if isinstance(section, str) else None,
    )


def edited_entry(known: Record, item: dict[str, object], key: str) -> ChangeEntry | None:
    """The ``edited`` record of an exported line over the revision the store knows (None when
    the store kept no fields of it, or nothing a reader diffs changed): what reconciliation
    writes for a line it rolls forward, as the run that wrote the line would have."""
    if known.fields is None:
        return None
    try:
        previous = unpack(known.fields)
    except ValueError:
        return None
    change = diff(previous, revision_fields(item))
    revision = item.get("revision")
    if change is None or not isinstance(revision, int) or revision <= known.revision:
        return None
    crawled = item.get("crawled_at")
    try:
        line = change_record(
            "edited",
            url=known.url,
            site=str(item.get("site") or ""),
            section_path=str(item.get("section_path") or known.column or "/"),
            title=str(item.get("title") or ""),
            revision=revision,
            previous_revision=known.revision,
            detected_at=crawled if isinstance(crawled, str) else "1970-01-01T00:00:00Z",
            diff=change,
        )
    except ValueError:
        return None
    return ChangeEntry(key, known.url, "edited", revision, json.dumps(line, ensure_ascii=False))


def fill_fields_from_feeds(store: Store, batch: int = 500) -> int:
    """Keep the revision fields of articles recorded by a release that kept none (schema 6,
    layout 4 and before), read from the feed lines that exported them: the line of the
    article's current revision (same ``content_hash``) in a feed of the store's manifest on this
    machine. Done once, at the first run after the upgrade; what no feed holds any more (a
    feed deleted) is kept at the article's next look (a full request: :meth:`Record.fields`).
    Returns how many articles got their fields."""
    missing = {r.url: r for r in store.articles() if r.fields_digest is None}
    if not missing:
        return 0
    filled = 0
    rows: list[tuple[str, bytes, str]] = []
    for entry in store.feeds():
        if entry.host is not None and entry.host != store.host:
            continue
        if not entry.path.is_file():
            continue
        for _, item in read_feed_lines(entry.path):
            known = missing.get(str(item.get("url")))
            if known is None or item.get("revision") != known.revision:
                continue
            if str(item.get("content_hash") or "") != known.content_hash:
                continue
            fields = revision_fields(item)
            rows.append((known.url, pack(fields), revision_digest(fields)))
            del missing[known.url]
            if len(rows) >= batch:
                store.fill_fields_many(rows)
                filled, rows = filled + len(rows), []
    if rows:
        store.fill_fields_many(rows)
        filled += len(rows)
    return filled


def deliver_changes(
    entries: Sequence[ChangeEntry], own_feed: Path | None, *, host: str | None, check: bool
) -> list[tuple[ChangeEntry, bool]]:
    """Write committed change records to their feeds (an entry without one goes to ``own_feed``,
    the delivering run's), each feed synced: ``(entry, written)`` for each entry now in its feed
    (``written`` False: the feed held its line already). ``check``: the feed may hold lines of
    a run killed before it marked them delivered (its last line cut short by the kill is cut,
    and a line already there is not written twice). Entries of another host's files wait for a
    run there."""
    by_feed: dict[Path, list[ChangeEntry]] = {}
    for entry in entries:
        if entry.host is not None and host is not None and entry.host != host:
            continue
        target = Path(entry.feed) if entry.feed is not None else own_feed
        if target is None:
            continue
        by_feed.setdefault(target, []).append(entry)
    done: list[tuple[ChangeEntry, bool]] = []
    for path, group in by_feed.items():
        present: set[str] = set()
        if check and path.is_file():
            repair_feed(path)
            present = {line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()}
        fresh = [e for e in group if e.line not in present]
        if fresh:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = "".join(e.line + "\n" for e in fresh).encode("utf-8")
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        done.extend((e, e.line not in present) for e in group)
    return done


class Reconciled(NamedTuple):
    """What :func:`reconcile` did."""

    read: int
    """Lines read back (recorded, or found committed)."""
    repaired: int
    """Files whose last line a kill had cut short."""
    cut: int = 0
    """Lines cut because their run did not commit them (stores that keep commits)."""


def reconcile(store: Store) -> Reconciled:
    """Settle the store's open feeds on this machine (those of runs that died, or that lost
    their lease): repair a line cut short, then, by the store's rule (module docstring), cut
    what the feed's run did not commit or record what the store does not know; then mark
    each feed closed, unless its writer may still be alive (a process on this host, paused or
    stale: it is read again by the next run, after it has died).

    Call it only while holding the store's lock. Files outside the manifest are never read or
    changed; a manifest entry whose file is gone is closed. Only entries of this machine are
    read (``store.host``; entries without a host are local): another host's open feeds wait
    for a run on that host.
    """
    read = repaired = cut = 0
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
        if store.keeps_commits and entry.writer is not None:
            kept, dropped, size = _cut_uncommitted(store, entry.writer.token, path, done)
            read += kept
            cut += dropped
            store.mark_reconciled(entry, size, closed=not writer_alive(entry))
            continue
        records = [record_from_item(item) for _, item in read_feed_lines(path, done) if "url" in item]
        latest: dict[str, Record] = {}
        for r in records:
            if r.url not in latest or latest[r.url].revision <= r.revision:
                latest[r.url] = r
        rolled: list[Record] = []
        changes: list[ChangeEntry] = []
        items = {str(item["url"]): item for _, item in read_feed_lines(path, done) if "url" in item}
        for r in latest.values():
            old = store.get(r.url)
            if old is not None and old.revision > r.revision:
                continue
            rolled.append(r)
            if old is not None and (item := items.get(r.url)) is not None:
                edited = edited_entry(old, item, f"reconciled:{r.url}:{r.revision}")
                if edited is not None:
                    changes.append(edited)
        store.record(rolled, changes)
        read += len(latest)
        store.mark_reconciled(entry, size, closed=True)
    return Reconciled(read, repaired, cut)


def _cut_uncommitted(store: Store, token: str, path: Path, start: int) -> tuple[int, int, int]:
    """Cut ``path`` at its first line from ``start`` on that the run ``token`` did not commit
    (or that is no whole JSON item): ``(lines kept, lines cut, size after)``. Lines a run could
    not commit are always its last ones (it writes, commits, and stops at the first commit
    that fails), so the cut is a truncation."""
    lines: list[tuple[str, int] | None] = []
    offsets: list[int] = []
    with path.open("rb") as feed:
        feed.seek(start)
        offset = start
        for raw in feed:
            offsets.append(offset)
            offset += len(raw)
            lines.append(_url_and_revision(raw))
    verdicts = iter(store.committed(token, [line for line in lines if line is not None]))
    first_bad = next((i for i, line in enumerate(lines) if line is None or not next(verdicts)), None)
    if first_bad is None:
        return len(lines), 0, offset
    with path.open("rb+") as feed:
        feed.truncate(offsets[first_bad])
        feed.flush()
        os.fsync(feed.fileno())
    return first_bad, len(lines) - first_bad, offsets[first_bad]


def _url_and_revision(raw: bytes) -> tuple[str, int] | None:
    """A feed line's ``(url, revision)``, or None for a line that is no whole item.

    >>> _url_and_revision(b'{"url": "u", "revision": 2}\\n'), _url_and_revision(b"\\x00\\x00{}\\n")
    (('u', 2), None)
    """
    try:
        item = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(item, dict):
        return None
    url, revision = item.get("url"), item.get("revision")
    if not isinstance(url, str) or not isinstance(revision, int) or isinstance(revision, bool):
        return None
    return url, revision


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc/<pid>/stat``), or None
    (no such process, or no ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line: starttime
    except (IndexError, ValueError):
        return None


def this_writer(token: str) -> FeedWriter:
    """The :class:`FeedWriter` of a run in this process."""
    return FeedWriter(token, os.getpid(), process_start(os.getpid()))


def writer_alive(entry: FeedEntry) -> bool:
    """The feed's writer may still write to it: its process still runs on this host (the same
    pid, started at the same moment), and is not this one (a run of this process whose lease
    ended writes nothing more: its feed's fence is in force here)."""
    writer = entry.writer
    if writer is None or writer.pid is None or writer.pid == os.getpid():
        return False
    started = process_start(writer.pid)
    if writer.pid_start is not None and started is not None:
        return started == writer.pid_start
    try:
        os.kill(writer.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
