"""The tests' redis-server: a real one, on a free loopback port, that leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.redis_server import INSTALL_HINT, RedisServer, redis_required, redis_server_binary

ROOT = Path(__file__).resolve().parent.parent


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_server_of_its_own_without_persistence_stopped_with_its_files(redis_server: RedisServer) -> None:
    with RedisServer() as server:
        assert server.port != redis_server.port and server.running
        client = server.client()
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        client.set("k", "v")
        client.close()
        assert server.files_left() == []
        directory, port = server.directory, server.port
    assert directory is not None and not directory.exists()
    assert not port_open(port)


def test_a_test_that_fails_still_stops_its_server() -> None:
    server = RedisServer()
    with pytest.raises(ZeroDivisionError), server:
        port = server.port
        assert port_open(port)
        _ = 1 / 0
    assert not server.running and not port_open(port)


def test_the_server_dies_with_the_process_that_started_it() -> None:
    """A test run that is killed leaves no redis-server behind (Linux: PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from tests.redis_server import RedisServer\n"
            "s = RedisServer().start(); print(s.port, s.pid, flush=True); time.sleep(120)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert starter.stdout is not None
    port, pid = (int(x) for x in starter.stdout.readline().split())
    assert port_open(port)
    starter.kill()
    starter.wait()
    starter.stdout.close()
    deadline = time.monotonic() + 10
    while port_open(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not port_open(port), f"redis-server (pid {pid}) outlived the process that started it"


def test_without_redis_server_the_tests_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVNEWS_REDIS_SERVER", "/nonexistent/redis-server")
    assert redis_server_binary() is None
    assert "apt-get install redis-server" in INSTALL_HINT
    monkeypatch.setenv("GOVNEWS_REQUIRE_REDIS", "1")
    assert redis_required()
    monkeypatch.setenv("GOVNEWS_REQUIRE_REDIS", "0")
    assert not redis_required()


def test_ci_turns_a_missing_redis_server_into_a_failure(tmp_path: Path) -> None:
    """With GOVNEWS_REQUIRE_REDIS=1 (as .ci/run sets it) a Redis test fails, not skips."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_needs_redis(redis_url):\n    pass\n")
    env = {**os.environ, "GOVNEWS_REDIS_SERVER": "/nonexistent/redis-server"}
    # The project's fixtures, loaded as a plugin, for a test file outside the project.
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    base += ["--rootdir", str(tmp_path), "-c", "/dev/null", str(probe)]
    skipped = subprocess.run(
        base,
        cwd=ROOT,
        env={**env, "GOVNEWS_REQUIRE_REDIS": "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    failed = subprocess.run(
        base,
        cwd=ROOT,
        env={**env, "GOVNEWS_REQUIRE_REDIS": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert failed.returncode != 0 and "GOVNEWS_REQUIRE_REDIS is set" in failed.stdout, failed.stdout
