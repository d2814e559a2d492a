"""Shared fixtures: the mirror server, a real redis-server, and running ``scrapy crawl`` as a
real subprocess."""

from __future__ import annotations

import _posixsubprocess
import fcntl
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import profiles
from tests.mirror.family import FamilyMirror
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.redis_server import INSTALL_HINT, REQUIRE_ENV, RedisServer, redis_required, redis_server_binary
from tests.timing import JitterSampler, SlackWindow

ROOT = Path(__file__).resolve().parent.parent
PLANTED_BUG_ENV = "GOVNEWS_PLANTED_BUG"

# Before any test module is imported: a module's own @settings(...) starts from the profile.
profiles.register()

# Tests lift the politeness limits by settings, never by editing govnews/settings.py.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
    # The mirror answers the same at once: no pause before a pager-less column's end is asked again.
    "GOVNEWS_END_CONFIRM_PAUSE": "0",
}
_STAT_RE = re.compile(r"'((?:govnews|downloader|retry)/[^']+)': (\d+)")


def scrapy_module() -> list[str]:
    """How a test starts Scrapy's command line: ``scrapy``, or ``tests.planted <bug>`` to run it
    with a bug put back (``GOVNEWS_PLANTED_BUG``, set by ``python -m tests.planted_report``)."""
    bug = os.environ.get(PLANTED_BUG_ENV)
    return ["tests.planted", bug] if bug else ["scrapy"]


def family_crawl_command(
    mirror: FamilyMirror,
    output: Path,
    *args: str,
    delay: float,
    urls: Mapping[str, str] | None = None,
    **settings: Any,
) -> list[str]:
    """``scrapy crawl family`` over every site of the family ``mirror`` (or the sites of
    ``urls``, each at its URL): one request at a time per host with ``delay`` and no
    AutoThrottle, feeds and state under ``output``; ``settings`` add to or replace these."""
    sites = mirror.base_urls if urls is None else urls
    base_urls = ",".join(f"{key}={url}" for key, url in sites.items())
    cmd = [sys.executable, "-m", *scrapy_module(), "crawl", "family", "-a", f"sites={','.join(sites)}"]
    cmd += ["-a", f"base_urls={base_urls}", *args]
    polite_but_quick = {
        "DOWNLOAD_DELAY": delay,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "LOG_LEVEL": "INFO",
        "GOVNEWS_END_CONFIRM_PAUSE": 0,
        "GOVNEWS_OUTPUT_DIR": str(output),
        "GOVNEWS_STATE_DIR": str(output / "state"),
    }
    for key, value in {**polite_but_quick, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    log: str
    stats: dict[str, int]
    feed_lines: list[str]


def crawl_command(*spider_args: str, settings: dict[str, str] | None = None, spider: str = "wuhan") -> list[str]:
    """``python -m scrapy crawl <spider> -a k=v … -s K=V …`` (no settings added here); with
    ``GOVNEWS_PLANTED_BUG`` set, the crawl runs with that bug put back (``tests/planted.py``)."""
    cmd = [sys.executable, "-m", *scrapy_module(), "crawl", spider]
    for arg in spider_args:
        cmd += ["-a", arg]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run_command(
    cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``cmd`` run from the project root (by default), its output captured as text; a hang
    fails the test at ``timeout``."""
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def run_on_terminal(cmd: list[str], timeout: float = 120) -> tuple[int, str]:
    """``cmd`` from the project root with a pseudo-terminal as stdin, stdout and stderr,
    as a user at a screen runs it: its exit code and what the screen showed."""
    leader, follower = os.openpty()
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=follower, stdout=follower, stderr=follower)
        os.close(follower)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=timeout)
    finally:
        os.close(leader)
    return code, b"".join(chunks).decode("utf-8", "replace")


_CONTROLLING_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)


class Terminal:
    """``cmd`` from the project root on a pseudo-terminal that is its controlling terminal, as a
    user at a screen runs it: Ctrl-C (:meth:`ctrl_c`) is the terminal's, a SIGINT to the
    foreground process group (``make``, its recipe and what it runs), not a signal sent to one
    process. :attr:`screen` is what the screen showed, carriage returns as line ends."""

    def __init__(self, cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
        self._leader, follower = os.openpty()
        # A screen's size: 0 × 0 (a bare pty's) makes tqdm draw empty bars.
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.started = time.monotonic()
        # A session of its own whose controlling terminal is the pty (then exec the command).
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CONTROLLING_TERMINAL, *cmd],
            cwd=cwd,
            env=env,
            stdin=follower,
            stdout=follower,
            stderr=follower,
            start_new_session=True,
        )
        os.close(follower)
        self._chunks: list[bytes] = []
        self._closed = False

    @property
    def screen(self) -> str:
        return b"".join(self._chunks).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")

    def read(self, timeout: float = 0.05) -> bool:
        """Read what the terminal shows within ``timeout``; False once it has closed."""
        if self._closed:
            return False
        ready, _, _ = select.select([self._leader], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self._leader, 65536)
            except OSError:  # the terminal closed with the process
                chunk = b""
            if not chunk:
                self._closed = True
                return False
            self._chunks.append(chunk)
        return True

    def read_until(self, done: Callable[[], bool], timeout: float) -> None:
        """Read until ``done()`` holds; a test failure after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"not in {timeout} s; the screen so far:\n{self.screen[-3000:]}"
            if not self.read() and not done():
                raise AssertionError(f"the command ended first; the screen:\n{self.screen[-3000:]}")

    def ctrl_c(self) -> None:
        os.write(self._leader, b"\x03")

    def wait(self, timeout: float = 120) -> int:
        """Read to the end; the exit code (negative: the signal that ended it)."""
        deadline = time.monotonic() + timeout
        while self.read(0.1):
            assert time.monotonic() < deadline, f"still running after {timeout} s:\n{self.screen[-3000:]}"
        code = self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self._leader)
        return code


def make_command(target: str, **variables: str) -> list[str]:
    """``make <target>`` with this interpreter's environment (``BIN``), never reinstalling it."""
    cmd = ["make", "--no-print-directory", "-o", ".venv/.installed", target, f"BIN={Path(sys.executable).parent}"]
    return cmd + [f"{name}={value}" for name, value in variables.items()]


def run_crawl(
    *spider_args: str,
    output: Path,
    settings: dict[str, str] | None = None,
    spider: str = "wuhan",
    timeout: float = 300,
) -> CrawlResult:
    """``scrapy crawl <spider> -a k=v … -O output`` in a subprocess from the project root."""
    # Tests never touch the user's state store or output directory; each output file
    # gets its own unless the test passes shared ones.
    isolated = {
        "GOVNEWS_STATE_DIR": str(output.parent / f"{output.stem}-state"),
        "GOVNEWS_OUTPUT_DIR": str(output.parent / f"{output.stem}-feeds"),
    }
    cmd = crawl_command(*spider_args, settings={**FAST_SETTINGS, **isolated, **(settings or {})}, spider=spider)
    cmd += ["-O", str(output)]
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    proc = run_command(cmd, env=env, timeout=timeout)
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    items = [json.loads(line) for line in lines]
    stats = {key: int(value) for key, value in _STAT_RE.findall(proc.stderr)}
    return CrawlResult(proc.returncode, items, proc.stderr, stats, lines)


@pytest.fixture(scope="session")
def mirror_site() -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0)


@pytest.fixture(scope="session")
def mirror(mirror_site: MirrorSite) -> Iterator[MirrorServer]:
    with MirrorServer(mirror_site) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session (``tests/redis_server.py``), stopped at its end
    whatever happened. Absent: the test skips, saying how to install it; with
    ``GOVNEWS_REQUIRE_REDIS=1`` (CI) it fails instead."""
    if redis_server_binary() is None:
        if redis_required():
            pytest.fail(f"{REQUIRE_ENV} is set but {INSTALL_HINT}", pytrace=False)
        pytest.skip(INSTALL_HINT)
    with RedisServer() as server:
        yield server


def init_redis_stores(redis_url: str, base_urls: Iterable[str]) -> None:
    """Create the Redis stores of these sites, as an operator does once with ``scrapy
    govnews-state --init-store`` (a run never creates one: docs/distributed.md)."""
    from govnews.sites.family import site_key  # noqa: PLC0415 - the project under test
    from govnews.store.redis import init_store  # noqa: PLC0415 - redis tests only

    for base_url in base_urls:
        init_store(redis_url, site_key(base_url))


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's redis-server, emptied (FLUSHALL) for this test."""
    client = redis_server.client()
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def jitter_sampler() -> Iterator[JitterSampler]:
    """How late this machine wakes a process, recorded for the rest of the session (``tests/timing.py``)."""
    with JitterSampler() as sampler:
        yield sampler


@pytest.fixture
def clock_slack(jitter_sampler: JitterSampler) -> SlackWindow:
    """The slack of this test's timing checks: ``clock_slack.slack()``, measured while it ran."""
    return jitter_sampler.window()


CHECKOUT_OUTPUT = Path(__file__).resolve().parent.parent / "output"


def _files_under(directory: Path) -> set[Path]:
    return {p for p in directory.rglob("*") if p.is_file()} if directory.is_dir() else set()


@pytest.fixture(scope="session", autouse=True)
def tests_write_nothing_into_the_checkouts_output() -> Iterator[None]:
    """A test writes its feeds, state and run history under its own temporary directory: a
    file it leaves in the checkout's ``output/`` is a user's (their feeds, their history)
    mixed with a test's, and a history line there changes what the next crawl refuses."""
    before = _files_under(CHECKOUT_OUTPUT)
    yield
    # make deploy-local writes under output/scrapyd/ by design; its test points it elsewhere.
    left = sorted(str(p.relative_to(CHECKOUT_OUTPUT)) for p in _files_under(CHECKOUT_OUTPUT) - before)
    if left:
        pytest.fail(f"the tests left files in the checkout's output/: {left[:10]}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def the_test_process_blocks_no_signal() -> None:
    """Every crawl a test starts inherits this process's signal mask: with SIGINT or SIGTERM
    blocked (a module that blocks them at import, imported here to collect its doctests),
    every stop a test sends is ignored and its crawl runs to the end."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    if blocked:
        pytest.fail(f"the test process blocks {sorted(s.name for s in blocked)}: its crawls would ignore them")


# -- the fast tier (make test-fast) ------------------------------------------------------------

TESTS = Path(__file__).resolve().parent
FAST_MODULES = frozenset(
    {
        "test_atom_units",
        "test_attachments_units",
        "test_changes_diff",
        "test_changes_page_units",
        "test_changes_mirror",
        "test_discover",
        "test_docs",
        "test_document_header",
        "test_document_text",
        "test_documents_units",
        "test_extract",
        "test_fast_path_encoding",
        "test_fast_path_extract",
        "test_golden",
        "test_layout",
        "test_mirror_edits",
        "test_old_paths",
        "test_pipelines",
        "test_recheck",
        "test_spider",
        "test_text",
        "test_text_hygiene",
        "test_tiers",
        "test_timing",
        "test_titles",
    }
)
"""The unit tier (``make test-fast``): modules whose tests read pages, text and files in this
process. Every doctest (``govnews/``, ``tests/``, the Markdown pages) is in it too; a test of
one of these modules marked ``@pytest.mark.slow`` is not. :func:`no_process_and_no_server`
keeps the tier honest; ``tests/test_tiers.py`` fails when a name here names no module."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fast: the unit tier (make test-fast): no process, no server, no sleep")
    config.addinivalue_line("markers", "slow: left out of the unit tier, although its module is in it")


def in_fast_tier(item: pytest.Item) -> bool:
    """A doctest, or a test of a module of :data:`FAST_MODULES` not marked ``slow``."""
    if isinstance(item, pytest.DoctestItem):
        return True
    return item.path.parent == TESTS and item.path.stem in FAST_MODULES and item.get_closest_marker("slow") is None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if in_fast_tier(item):
            item.add_marker(pytest.mark.fast)


class TierGuard:
    """What a test of the fast tier may not do: start a process (``subprocess``, ``os.fork``,
    ``os.posix_spawn``, ``fork_exec``: a worker pool too) or a server (``socket.bind``, ``socket.listen``).
    Each attempt fails the test where it happens (:class:`pytest.fail.Exception` is no
    ``Exception``: no ``except Exception`` of the code under test swallows it), and is kept
    in :attr:`attempts`, which fails the test at its end if something swallowed it anyway."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.attempts: list[str] = []

    def refuse(self, what: str) -> None:
        self.attempts.append(what)
        pytest.fail(
            f"{self.test} is in the fast tier (make test-fast) and {what}: the tier starts no process and no "
            "server. Move the test to a module outside tests/conftest.py's FAST_MODULES, or mark it "
            "@pytest.mark.slow.",
            pytrace=False,
        )

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        guard = self

        def popen(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
            guard.refuse(f"started a process ({args!r})")

        def refuse_call(what: str) -> Callable[..., Any]:
            def refused(*args: Any, **kwargs: Any) -> Any:
                guard.refuse(what)

            return refused

        monkeypatch.setattr(subprocess.Popen, "__init__", popen)
        # What subprocess and multiprocessing's spawn and forkserver start a child with.
        monkeypatch.setattr(_posixsubprocess, "fork_exec", refuse_call("started a process (fork_exec)"))
        monkeypatch.setattr(os, "fork", refuse_call("forked a process (os.fork: a worker pool?)"))
        monkeypatch.setattr(os, "posix_spawn", refuse_call("spawned a process (os.posix_spawn)"))
        monkeypatch.setattr(os, "posix_spawnp", refuse_call("spawned a process (os.posix_spawnp)"))

        def refuse_socket(what: str) -> Callable[..., Any]:
            def refused(sock: socket.socket, *args: Any) -> Any:
                sock.close()  # refused: nothing else will close it
                guard.refuse(what)

            return refused

        monkeypatch.setattr(socket.socket, "bind", refuse_socket("bound a socket (a server?)"))
        monkeypatch.setattr(socket.socket, "listen", refuse_socket("listened on a socket (a server)"))


GUARD = pytest.StashKey[TierGuard]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test of the fast tier runs under its :class:`TierGuard`, from the setup of its first
    fixture (of any scope) to the teardown of its last."""
    if item.get_closest_marker("fast") is None:
        return (yield)
    guard = item.stash[GUARD] = TierGuard(item.nodeid)
    with pytest.MonkeyPatch.context() as monkeypatch:
        guard.install(monkeypatch)
        return (yield)


@pytest.fixture(autouse=True)
def no_process_and_no_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test of the fast tier that started a process or a server although the code it
    ran swallowed the failure (its :class:`TierGuard`'s attempts)."""
    yield
    guard = request.node.stash.get(GUARD, None)
    if guard is not None and guard.attempts:
        pytest.fail(f"the fast tier's guard refused, and the test went on: {guard.attempts}", pytrace=False)
