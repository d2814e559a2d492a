"""A real ``redis-server`` for tests: started on a free loopback port, no persistence files.

``RedisServer()`` runs the ``redis-server`` found on ``PATH`` (or at ``GOVNEWS_REDIS_SERVER``)
as a child process::

    redis-server --bind 127.0.0.1 --port <free port> --save '' --appendonly no --dir <temp dir>

in a temporary directory that is removed when it stops; nothing is written there but its
log. It is stopped by :meth:`RedisServer.stop` (the context manager and the pytest fixtures
in ``tests/conftest.py`` always call it, also when a test fails), and, on Linux, by the
kernel when the process that started it dies (``PR_SET_PDEATHSIG``), so that even a
killed test run leaves no server behind.

Where ``redis-server`` is absent, :func:`redis_server_binary` returns ``None`` and the Redis
tests skip with :data:`INSTALL_HINT` — unless ``GOVNEWS_REQUIRE_REDIS=1`` (set by
``.ci/run``, which installs it), which turns the skip into a failure.

Run one by hand (prints its URL, Ctrl-C stops it)::

    python -m tests.redis_server
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import redis

INSTALL_HINT = (
    "redis-server is not installed: `sudo apt-get install redis-server` (Debian/Ubuntu), "
    "`brew install redis` (macOS), or set GOVNEWS_REDIS_SERVER=/path/to/redis-server"
)
REQUIRE_ENV = "GOVNEWS_REQUIRE_REDIS"
_PR_SET_PDEATHSIG = 1


def redis_server_binary() -> str | None:
    """The ``redis-server`` to run: ``GOVNEWS_REDIS_SERVER``, else the one on ``PATH``."""
    explicit = os.environ.get("GOVNEWS_REDIS_SERVER")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("redis-server")


def redis_required() -> bool:
    """True where a missing redis-server is a failure, not a skip (CI)."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class RedisServerError(RuntimeError):
    """redis-server did not start; the message holds its log."""


class RedisServer:
    """One ``redis-server`` child process on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        binary: str | None = None,
        *,
        start_timeout: float = 10.0,
        password: str | None = None,
        persist: bool = False,
        extra: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``password``: the server asks for it (``requirepass``); ``persist``: every write is
        in its append-only file before it answers (``appendfsync always``), so a server killed
        and restarted (:meth:`kill`, :meth:`restart`) comes back with its data (without it, a
        restart comes back empty, as one without persistence does); ``extra``: more
        command-line options (``--rename-command CONFIG ""`` plays a managed Redis); ``env``:
        the server's environment (``tests/clock_shift.py`` moves its clock)."""
        found = binary or redis_server_binary()
        if found is None:
            raise RedisServerError(INSTALL_HINT)
        self.binary = found
        self.start_timeout = start_timeout
        self.password = password
        self.persist = persist
        self.extra = list(extra)
        self.env = dict(env) if env is not None else None
        self.port = 0
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def db_url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(self.db_url(db), decode_responses=True)

    def start(self) -> RedisServer:
        if self._process is not None:
            return self
        self.directory = Path(tempfile.mkdtemp(prefix="govnews-redis-"))
        error = ""
        # A free port can be taken between the probe and redis-server's bind: try again.
        for _ in range(5):
            self.port = free_port()
            error = self._try_start()
            if not error:
                return self
        self.stop()
        raise RedisServerError(f"redis-server did not start: {error}")

    def _try_start(self) -> str:
        assert self.directory is not None
        log = self.directory / "redis.log"
        cmd = [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persist else "no",
            "--appendfsync",
            "always",
            "--dir",
            str(self.directory),
            "--daemonize",
            "no",
            "--logfile",
            str(log),
            "--databases",
            "64",
            *(["--requirepass", self.password] if self.password else []),
            *self.extra,
        ]
        # The server keeps the real clock, as a Redis elsewhere does, even when the test process
        # runs under libfaketime (tests/faketime.py; redis-server cannot run under it), unless the
        # caller gives it an environment of its own (tests/clock_shift.py moves its clock).
        env = (
            self.env
            if self.env is not None
            else {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
        )
        process = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Only sets the death signal (no lock taken between fork and exec).
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
        deadline = time.monotonic() + self.start_timeout
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, password=self.password)
        try:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    return log.read_text(errors="replace")[-2000:] if log.exists() else f"exit {process.returncode}"
                try:
                    if client.ping():
                        self._process = process
                        return ""
                except redis.ConnectionError:
                    time.sleep(0.02)
        finally:
            client.close()
        process.kill()
        process.wait()
        return f"no answer on port {self.port} within {self.start_timeout} s"

    def kill(self) -> None:
        """SIGKILL the server, as a crash would; its directory (and data) stay for :meth:`restart`."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def restart(self) -> RedisServer:
        """Start the server again on the same port and directory, with what it had written."""
        if self._process is None:
            error = self._try_start()
            if error:
                raise RedisServerError(f"redis-server did not restart: {error}")
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def files_left(self) -> list[str]:
        """Files in the server's directory other than its log (there should be none)."""
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if p.name != "redis.log")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> int:
    with RedisServer() as server:
        print(server.url, flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            while server.running:
                time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
