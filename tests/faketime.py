"""Moving the system clock forward for a test, with libfaketime (Debian's ``faketime`` and
``libfaketime`` packages): the code under test reads time only from the system clock, and
never learns it is being moved.

Two ways, both the real library:

* a command run later than now: :func:`command` prefixes it with ``faketime -f +8d`` (the
  ``faketime`` program), so ``scrapy crawl`` believes eight days have passed;
* the test process itself (the no-loss model, which drives the spider in process): it runs
  under ``LD_PRELOAD=libfaketime`` (:func:`rerun` starts the test again that way), and
  :func:`advance` moves the clock by rewriting ``FAKETIME``, which libfaketime reads again at
  every clock call (``FAKETIME_NO_CACHE=1``). Monotonic clocks are left alone
  (``FAKETIME_DONT_FAKE_MONOTONIC=1``): timeouts and leases' renewals keep real time.

Where libfaketime is not installed the tests that need it skip, saying how to install it,
unless ``GOVNEWS_REQUIRE_FAKETIME=1`` (set by ``.ci/run``, which installs it): then they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRE_ENV = "GOVNEWS_REQUIRE_FAKETIME"
INSTALL_HINT = "libfaketime is not installed: apt-get install faketime libfaketime"
_LIBRARY_GLOBS = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")
_OFFSET_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)d$")
ROOT = Path(__file__).resolve().parent.parent


def library() -> str | None:
    """The path of ``libfaketime.so.1``, or None."""
    for pattern in _LIBRARY_GLOBS:
        found = sorted(Path("/").glob(pattern.lstrip("/")))
        if found:
            return str(found[0])
    return None


def require() -> None:
    """Skip the test when libfaketime or the ``faketime`` program is missing (fail in CI)."""
    if library() is None or shutil.which("faketime") is None:
        if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
            pytest.fail(f"{INSTALL_HINT} ({REQUIRE_ENV} is set)")
        pytest.skip(INSTALL_HINT)


def command(cmd: list[str], days: float) -> list[str]:
    """``cmd`` run ``days`` days later than now (``faketime -f +<days>d``)."""
    return ["faketime", "-f", f"+{days:g}d", *cmd]


def active() -> bool:
    """This process runs under libfaketime (its clock can be moved by :func:`advance`)."""
    return "libfaketime" in os.environ.get("LD_PRELOAD", "") and "FAKETIME" in os.environ


def offset_days() -> float:
    """How many days ahead of the real clock this process's clock is."""
    match = _OFFSET_RE.match(os.environ.get("FAKETIME", "+0d"))
    return float(match.group(1)) if match else 0.0


def advance(days: float) -> None:
    """Move this process's clock ``days`` days forward (it must be :func:`active`)."""
    if not active():
        raise RuntimeError("advance() needs the process to run under libfaketime (see rerun())")
    os.environ["FAKETIME"] = f"+{offset_days() + days:g}d"


def environment() -> dict[str, str]:
    """This process's environment with libfaketime preloaded, the clock at now."""
    path = library()
    assert path is not None, INSTALL_HINT
    return {
        **os.environ,
        "LD_PRELOAD": path,
        "FAKETIME": "+0d",
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def rerun(nodeid: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run the test ``nodeid`` again in a new pytest process under libfaketime (no xdist: one
    test, one process), its output captured."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-x", nodeid]
    return subprocess.run(
        cmd, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=timeout, check=False
    )
