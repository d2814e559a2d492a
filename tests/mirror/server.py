"""A real HTTP server for the mirror: ``MirrorServer(site)`` on 127.0.0.1, ephemeral port.

Every response comes from the live ``MirrorSite`` (so ``publish``/``edit`` show at once),
including ``/robots.txt`` (``Disallow: /private/``). Request paths are logged in order.
The server carries out what a fault response asks for: a delay before answering, or a
body cut short (the whole page's Content-Length, part of the body, then the socket shut).

CLI (one terminal serves, another crawls)::

    python -m tests.mirror.server --articles 200 --per-page 20 --port 8000 [--faults] [--variant V]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from .site import VARIANTS, MirrorSite

_CHUNK = 1000
"""Bytes a chunk in the gzip-and-chunked mode: small, so that every page comes in several."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy's HTTP/1.1 client expects
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        self.server.log_request_path(self.path)
        if (hook := self.server.on_request) is not None:
            hook(self.path)  # the site moves first (tests: publish while a walk is under way)
        host = self.headers.get("Host") or f"{self.server.host}:{self.server.server_port}"
        try:
            response = self.server.site.render(self.path, host=host)
        except Exception:  # a mirror bug must show as a 500, not a hung connection
            self.send_error(500)
            raise
        if response.delay:
            time.sleep(response.delay)  # outside the site's lock: other requests go on
        status, body = response.status, response.body
        headers = dict(response.headers)
        if status == 200 and response.truncate_at is None:
            # Conditional GET, as a static web server answers it: a strong ETag from the
            # content, and 304 without a body when the client already has that version.
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if etag in (self.headers.get("If-None-Match") or ""):
                status, body = 304, b""
        self.server.log_response(self.path, status)
        encoded = (
            self.server.gzip_chunked
            and status == 200
            and response.truncate_at is None
            and "gzip" in (self.headers.get("Accept-Encoding") or "")
        )
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if encoded:
                # As nginx with gzip on: the body compressed, sent in chunks, no Content-Length.
                body = gzip.compress(body, compresslevel=6)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.server.log_sent(self.path, body if send_body else b"")
            if send_body and encoded:
                for start in range(0, len(body), _CHUNK):
                    chunk = body[start : start + _CHUNK]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif send_body and response.truncate_at is not None:
                self.wfile.write(body[: response.truncate_at])
                self._cut_connection()
            elif send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a timeout on the slow fault): nothing to answer.
            self.close_connection = True

    def _cut_connection(self) -> None:
        """End the connection mid-body: no more bytes, FIN in both directions."""
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is ``MirrorServer.requests``."""


class QuietHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server for tests: daemon threads, and a client that drops its
    connection (timeouts, cancelled downloads) is no error."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class ServedInThread:
    """Serves ``_server`` from a daemon thread between :meth:`start` and :meth:`stop`;
    a context manager."""

    _server: ThreadingHTTPServer
    _thread: threading.Thread | None = None
    thread_name = "server"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    """A SIGTERM handler: ``kill`` from a script ends a serving loop as Ctrl-C does."""
    raise KeyboardInterrupt


class _Server(QuietHTTPServer):
    def __init__(self, address: tuple[str, int], site: MirrorSite) -> None:
        super().__init__(address, _Handler)
        self.host = address[0]
        self.site = site
        self._log_lock = threading.Lock()
        self.request_log: list[str] = []
        self.arrivals: list[float] = []
        self.response_log: list[tuple[str, int]] = []
        self.on_request: Callable[[str], None] | None = None
        self.gzip_chunked = False
        self.sent: dict[str, list[bytes]] = {}

    def log_sent(self, path: str, body: bytes) -> None:
        """The body bytes as they went on the wire (compressed, before chunking), per path."""
        with self._log_lock:
            self.sent.setdefault(path, []).append(body)

    def log_request_path(self, path: str) -> None:
        now = time.monotonic()
        with self._log_lock:
            self.request_log.append(path)
            self.arrivals.append(now)

    def log_response(self, path: str, status: int) -> None:
        with self._log_lock:
            self.response_log.append((path, status))

    def responses_snapshot(self) -> list[tuple[str, int]]:
        with self._log_lock:
            return list(self.response_log)

    def snapshot(self) -> list[str]:
        with self._log_lock:
            return list(self.request_log)

    def arrivals_snapshot(self) -> list[tuple[float, str]]:
        with self._log_lock:
            return list(zip(self.arrivals, self.request_log, strict=True))

    def clear(self) -> None:
        with self._log_lock:
            self.request_log.clear()
            self.arrivals.clear()
            self.response_log.clear()


class MirrorServer(ServedInThread):
    """Serve a ``MirrorSite`` over HTTP from a daemon thread; use as a context manager."""

    _server: _Server

    def __init__(self, site: MirrorSite, host: str = "127.0.0.1", port: int = 0, *, gzip_chunked: bool = False) -> None:
        """``gzip_chunked``: a 200 to a client that accepts gzip is compressed and sent in chunks
        (``Content-Encoding: gzip``, ``Transfer-Encoding: chunked``), as nginx with gzip on."""
        self.site = site
        self._server = _Server((host, port), site)
        self._server.gzip_chunked = gzip_chunked
        self.thread_name = f"mirror-{self.port}"

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, no trailing slash."""
        return f"http://{self._server.host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a mirror path."""
        return self.base_url + path

    @property
    def requests(self) -> list[str]:
        """Request paths (with query strings) in arrival order: a copy."""
        return self._server.snapshot()

    @property
    def arrivals(self) -> list[tuple[float, str]]:
        """``(time.monotonic(), request path)`` of each request as its request line was read."""
        return self._server.arrivals_snapshot()

    @property
    def responses(self) -> list[tuple[str, int]]:
        """(request path, status sent) in order: a copy. 304 = not modified, no body sent."""
        return self._server.responses_snapshot()

    def sent_bodies(self, path: str) -> list[bytes]:
        """The body bytes sent for ``path`` (with its query), one per answer, as on the wire
        but for the chunk framing: the reference an archive's payload is compared with."""
        with self._server._log_lock:
            return list(self._server.sent.get(path, []))

    def clear_requests(self) -> None:
        self._server.clear()

    def before_each_request(self, hook: Callable[[str], None] | None) -> None:
        """Call ``hook(path)`` as each request arrives, before the site answers it (None: no
        hook): the site can publish, withdraw or fail pages while a crawl is under way."""
        self._server.on_request = hook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the www.wuhan.gov.cn mirror until Ctrl-C.")
    parser.add_argument("--articles", type=int, default=40, help="number of articles (default 40)")
    parser.add_argument("--per-page", type=int, default=5, help="rows per list page (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="content seed (default 0)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--faults", action="store_true", help="add the bad-input catalogue and 武汉旅游")
    parser.add_argument("--variant", choices=VARIANTS, default=None, help="a health-check variant of the site")
    parser.add_argument("--gzip-chunked", action="store_true", help="serve pages gzip-compressed, in chunks")
    opts = parser.parse_args(argv)
    # The mirror users crawl serves 武汉旅游 too (a column of the site table; docs/site.md).
    site = MirrorSite(
        n_articles=opts.articles,
        per_page=opts.per_page,
        seed=opts.seed,
        faults=opts.faults,
        tourism=True,
        variant=opts.variant,
    )
    server = MirrorServer(site, host=opts.host, port=opts.port, gzip_chunked=opts.gzip_chunked)
    print(server.base_url, flush=True)
    print(
        f"serving {opts.articles} articles, {opts.per_page} rows a page; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    # Ctrl-C (or `kill`, from a script) ends the loop cleanly.
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
