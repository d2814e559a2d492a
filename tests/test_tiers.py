"""The test tiers themselves: the fast tier's list names real modules, its guard refuses a
process and a server, and Hypothesis's profile decides the number of examples."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys

import pytest
from hypothesis import settings

from tests import profiles
from tests.conftest import FAST_MODULES, GUARD, TESTS


def test_every_module_of_the_fast_tier_exists() -> None:
    assert sorted(name for name in FAST_MODULES if not (TESTS / f"{name}.py").is_file()) == []


def test_this_module_is_in_the_fast_tier(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("fast") is not None


@pytest.mark.parametrize(
    ("what", "start"),
    [
        ("started a process", lambda: subprocess.run([sys.executable, "-c", "pass"], check=False)),
        # Looked up when called: the guard's os.fork, never the real one (a second pytest).
        ("forked a process", lambda: os.fork()),  # noqa: PLW0108
        ("started a process", lambda: multiprocessing.get_context("spawn").Process(target=print).start()),
        ("bound a socket", lambda: socket.socket().bind(("127.0.0.1", 0))),
        ("listened on a socket", lambda: socket.socket().listen()),
    ],
)
def test_the_guard_fails_a_test_of_the_tier_that_starts_a_process_or_a_server(
    request: pytest.FixtureRequest, what: str, start: object
) -> None:
    guard = request.node.stash[GUARD]
    with pytest.raises(pytest.fail.Exception, match=f"{what}.*Move the test to a module outside") as failed:
        start()  # type: ignore[operator]
    assert "make test-fast" in str(failed.value)
    # Seen, then forgiven here: left in, it fails this test at its end (as it would a test that swallowed it).
    assert len(guard.attempts) == 1
    guard.attempts.clear()


def test_the_profile_is_one_of_the_two() -> None:
    assert settings().max_examples == (100 if profiles.current() == profiles.CI else profiles.DEV_EXAMPLES)


def test_a_bad_profile_name_says_which_there_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(profiles.PROFILE_ENV, "quick")
    with pytest.raises(ValueError, match="'ci' and 'dev'"):
        profiles.current()
