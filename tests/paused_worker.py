"""A real ``scrapy crawl`` that pauses itself at a named point, under a host name of its own:
the test-only fault hooks of the cluster tests (never in production code).

::

    python -m tests.paused_worker [--host NAME] [--pause POINT --at N] [--frozen]
                                  [--status FILE] [--checks FILE] [--new-connections] -- crawl family …

It patches govnews in this process, then runs Scrapy's own command line with the arguments
after ``--``. The points (each counted on its own; the N-th time it is reached, the process
stops itself with SIGSTOP, as a paused VM or a debugger would, until the test sends SIGCONT):

* ``request`` — after a request's last lease check (its connection is ready), before its
  bytes are handed to the connection;
* ``connect`` — after the download handler's check, before the request's connection is made;
* ``feed`` — after a feed line's lease check, before its bytes are written;
* ``commit`` — after a feed write, before the store commits it;
* ``ack`` — after the store committed a batch, before the run acts on the answer;
* ``renewal`` — in the lease's renewal thread, after the server answered a renewal, before
  the answer is acted on.

``--frozen`` plays a frozen cgroup: the process gets no SIGCONT handler call when it resumes
(SIGCONT is blocked in every thread before any is started), so only the fences that need no
signal work. ``--host NAME`` runs the process in a UTS namespace of its own whose host name is
``NAME`` (as root; else in a user namespace too): the store's manifest and the lease name it,
as they would a machine of the cluster. ``--new-connections`` keeps no connection alive (every
request needs a new one, as behind servers that close them).

``--status FILE`` gets one JSON line per event (``paused``, ``resumed``, with
``time.monotonic()``, on the machine-wide clock the mirror's servers log with); ``--checks
FILE`` one per request whose last lease check passed (``time``, ``host``): a test compares them
with what each host saw.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

POINTS = ("request", "connect", "feed", "commit", "ack", "renewal")
CLONE_NEWUTS = 0x04000000
CLONE_NEWUSER = 0x10000000


class Pauses:
    """Counts each point and stops the process at the chosen one's N-th passage."""

    def __init__(self, point: str | None, at: int, status: Path | None, checks: Path | None) -> None:
        self.point = point
        self.at = at
        self.status = status
        self.checks = checks
        self.counts: Counter[str] = Counter()
        self.paused = False
        self._guard = threading.Lock()

    def reached(self, point: str) -> None:
        with self._guard:
            self.counts[point] += 1
            stop = point == self.point and self.counts[point] == self.at and not self.paused
            if stop:
                self.paused = True
        if stop:
            self._log(self.status, {"event": "paused", "point": point, "time": time.monotonic(), "pid": os.getpid()})
            os.kill(os.getpid(), signal.SIGSTOP)
            self._log(self.status, {"event": "resumed", "point": point, "time": time.monotonic()})

    def check_passed(self, host: str) -> None:
        self._log(self.checks, {"time": time.monotonic(), "host": host})

    @staticmethod
    def _log(path: Path | None, record: dict[str, Any]) -> None:
        if path is None:
            return
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, (json.dumps(record) + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def own_host_name(name: str) -> None:
    """Run under host name ``name``: a new UTS namespace (root), else a user namespace too."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUTS) != 0:
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWUTS) != 0:
            error = ctypes.get_errno()
            raise SystemExit(f"paused_worker: cannot take a host name of its own ({os.strerror(error)})")
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    socket.sethostname(name)


def install(pauses: Pauses, *, new_connections: bool) -> None:
    """Patch the named points into govnews (this process only)."""
    from govnews.crawl import fence, politeness  # noqa: PLC0415 - patched before Scrapy starts
    from govnews.feeds import storage  # noqa: PLC0415
    from govnews.store import lease, run  # noqa: PLC0415
    from govnews.store import redis as redis_store  # noqa: PLC0415

    get_connection = fence.FencedConnectionPool.getConnection

    def getConnection(self: Any, key: Any, endpoint: Any) -> Any:
        host = f"{key[1].decode() if isinstance(key[1], bytes) else key[1]}:{key[2]}"

        def passed(connection: Any) -> Any:
            # Reached only when the pool's check let the connection through.
            pauses.check_passed(host)
            pauses.reached("request")
            return connection

        return get_connection(self, key, endpoint).addCallback(passed)

    fence.FencedConnectionPool.getConnection = getConnection  # type: ignore[method-assign]

    if new_connections:
        pool_init = fence.FencedConnectionPool.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            pool_init(self, *args, **{**kwargs, "persistent": False})

        fence.FencedConnectionPool.__init__ = init  # type: ignore[method-assign]

    check_fence = politeness.SpacedHTTPDownloadHandler._check_fence

    def _check_fence(self: Any) -> None:
        check_fence(self)
        pauses.reached("connect")

    politeness.SpacedHTTPDownloadHandler._check_fence = _check_fence  # type: ignore[method-assign]

    storage_open = storage.LineAtomicFileFeedStorage.open

    def open_feed(self: Any, spider: Any) -> Any:
        file = storage_open(self, spider)
        checked = file.fence
        if checked is not None:

            def fence_then_pause() -> bool:
                allowed = bool(checked())
                if allowed:
                    pauses.reached("feed")
                return allowed

            file.fence = fence_then_pause
        return file

    storage.LineAtomicFileFeedStorage.open = open_feed  # type: ignore[method-assign]

    flush = run.IncrementalRun.flush

    def flush_after_a_pause(self: Any) -> int:
        if self.store is not None and self.pending_batch:
            pauses.reached("commit")
        return int(flush(self))

    run.IncrementalRun.flush = flush_after_a_pause  # type: ignore[method-assign]

    commit = redis_store.RedisStateStore.commit

    def commit_then_pause(self: Any, records: Any, token: str, changes: Any = ()) -> None:
        commit(self, records, token, changes)
        pauses.reached("ack")

    redis_store.RedisStateStore.commit = commit_then_pause  # type: ignore[method-assign]

    send_renewal = lease.RedisLock._send_renewal

    def renewal_then_pause(self: Any) -> int:
        answer = int(send_renewal(self))
        pauses.reached("renewal")
        return answer

    lease.RedisLock._send_renewal = renewal_then_pause  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    split = args.index("--") if "--" in args else len(args)
    parser = argparse.ArgumentParser(prog="python -m tests.paused_worker")
    parser.add_argument("--host")
    parser.add_argument("--pause", choices=POINTS)
    parser.add_argument("--at", type=int, default=1)
    parser.add_argument("--frozen", action="store_true")
    parser.add_argument("--status", type=Path)
    parser.add_argument("--checks", type=Path)
    parser.add_argument("--new-connections", action="store_true")
    options = parser.parse_args(args[:split])
    if options.host:
        own_host_name(options.host)
    if options.frozen:
        # Before any thread starts: every thread inherits the mask, so no SIGCONT handler runs.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCONT})
    install(Pauses(options.pause, options.at, options.status, options.checks), new_connections=options.new_connections)
    from scrapy.cmdline import execute  # noqa: PLC0415 - after the patches

    execute(["scrapy", *args[split + 1 :]])


if __name__ == "__main__":
    main()
