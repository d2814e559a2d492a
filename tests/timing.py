"""The slack of the tests' timing checks, measured on this machine while the test runs.

A spacing check (``test_family.py``, ``test_backend_budget.py``) reads the moments at which
a mirror host's socket received requests. The crawler spaces its *turns* (the moment it
decides a request may leave); the reactor puts the request on the wire a little later, when
the process next gets the CPU. Two requests can reach a host closer than the floor by as much
as the first one was sent late, so the slack must cover the send jitter: how late a ready
process is run, which depends on the machine and on what else runs on it.

:class:`JitterSampler` measures it: a process of its own sleeps 1 ms at a time and records by
how much each wakeup overshoots, for the whole session (one sampler a session: started at
the first test that asks, stopped at the end). :meth:`JitterSampler.window` reads what it
recorded while one test ran, so the measure is taken under the test's own load.
:func:`slack_from` turns those overshoots into the slack: twice their 99.9th percentile
(a busy crawler is woken later than a sampler that mostly sleeps, which the scheduler
favours), never under :data:`FLOOR` (5 ms, what the checks had before), never over
:data:`MAX_SHARE` of the floor being checked, so a spacing of half the floor always fails.
Every failed check prints the jitter it was given.

``python -m tests.timing 10`` prints what the sampler sees in 10 seconds.
"""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FLOOR = 0.005
"""The least slack: 5 ms, what the checks had before the jitter was measured."""
QUANTILE = 0.999
FACTOR = 2.0
MAX_SHARE = 0.4
"""The most slack, as a share of the floor checked: a spacing of half the floor always fails."""
MIN_SAMPLES = 1000
"""A window of fewer wakeups (a test of a second) is widened back to this many, the latest."""
SLEEP = 0.001
_SAMPLE = struct.Struct("<f")


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (the nearest rank above; 0.0 for none).

    >>> quantile([0.003, 0.001, 0.002, 0.010], 0.5), quantile([0.003, 0.001, 0.002, 0.010], 0.999)
    (0.002, 0.01)
    >>> quantile([], 0.999)
    0.0
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Slack:
    """The slack a timing check allows, and the measure it came from."""

    jitter: float
    """The :data:`QUANTILE` of the wakeups' overshoot (seconds)."""
    samples: int
    worst: float

    @property
    def seconds(self) -> float:
        """``FACTOR`` × the jitter, at least :data:`FLOOR`."""
        return max(FLOOR, FACTOR * self.jitter)

    def below(self, floor: float) -> float:
        """The slack under ``floor``: :attr:`seconds`, at most :data:`MAX_SHARE` of the floor.

        >>> round(Slack(jitter=0.050, samples=1000, worst=0.1).below(0.025), 6)
        0.01
        """
        return min(self.seconds, MAX_SHARE * floor)

    def explain(self, floor: float) -> str:
        cap = f" (capped at {MAX_SHARE:.0%} of the floor)" if self.below(floor) < self.seconds else ""
        return (
            f"slack {self.below(floor) * 1000:.1f} ms{cap} = max({FLOOR * 1000:.0f} ms, {FACTOR:g} x the machine's "
            f"measured jitter {self.jitter * 1000:.2f} ms: the {QUANTILE:.1%} quantile of how late {self.samples} "
            f"1 ms sleeps woke while the test ran, the worst {self.worst * 1000:.1f} ms)"
        )

    def assert_spaced(self, gaps: Sequence[float], floor: float, what: object = "") -> None:
        """Fails unless every gap is at least ``floor`` less the slack, saying by how much and why.

        >>> slack = Slack(jitter=0.001, samples=5000, worst=0.004)
        >>> slack.assert_spaced([0.050, 0.046], 0.05)
        >>> slack.assert_spaced([0.050, 0.025], 0.05, "jianghan")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AssertionError: jianghan: two requests 25.0 ms apart, under the floor 50.0 ms less the slack: slack 5.0 ms = ...
        """
        assert gaps, f"{what}: no spacing to judge"
        closest = min(gaps)
        if closest < floor - self.below(floor):
            head = f"{what}: " if what != "" else ""
            raise AssertionError(
                f"{head}two requests {closest * 1000:.1f} ms apart, under the floor {floor * 1000:.1f} ms less the "
                f"slack: {self.explain(floor)}; the closest: {[round(g * 1000, 1) for g in sorted(gaps)[:3]]} ms"
            )


def slack_from(overshoots: Sequence[float]) -> Slack:
    """The slack for a test during which wakeups overshot by ``overshoots`` (seconds).

    >>> slack_from([0.0001] * 999 + [0.020]).seconds  # one late wakeup in a thousand: the floor
    0.005
    >>> round(slack_from([0.0001] * 990 + [0.004] * 10).seconds, 4)  # one in a hundred: twice it
    0.008
    """
    return Slack(quantile(overshoots, QUANTILE), len(overshoots), max(overshoots, default=0.0))


class JitterSampler:
    """A process that sleeps :data:`SLEEP` at a time and appends each wakeup's overshoot
    (float32 seconds) to a file; a context manager."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="govnews-jitter-")
        self.path = Path(self._dir.name) / "overshoots"
        self.path.touch()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> JitterSampler:
        self._proc = subprocess.Popen([sys.executable, "-m", "tests.timing", "--record", str(self.path)])
        deadline = time.monotonic() + 30
        while self.count() == 0:  # started (an interpreter's start on a busy machine: seconds)
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the jitter sampler did not start (exit {self._proc.poll()})")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
        self._dir.cleanup()

    def count(self) -> int:
        """Wakeups recorded so far."""
        return self.path.stat().st_size // _SAMPLE.size

    def overshoots(self, since: int) -> list[float]:
        """The overshoots since wakeup ``since`` (at least the latest :data:`MIN_SAMPLES`)."""
        end = self.count()
        start = max(0, min(since, end - MIN_SAMPLES))
        with self.path.open("rb") as file:
            file.seek(start * _SAMPLE.size)
            data = file.read((end - start) * _SAMPLE.size)
        return [value for (value,) in _SAMPLE.iter_unpack(data)]

    def window(self) -> SlackWindow:
        """From now on: :meth:`SlackWindow.slack` is the slack for what the sampler sees until then."""
        return SlackWindow(self, self.count())


@dataclass(frozen=True)
class SlackWindow:
    sampler: JitterSampler
    since: int

    def slack(self) -> Slack:
        return slack_from(self.sampler.overshoots(self.since))


def _record(path: Path) -> None:
    """The sampler's loop; ends when its parent does."""
    parent = os.getppid()
    with path.open("ab", buffering=0) as file:
        while os.getppid() == parent:
            batch = bytearray()
            for _ in range(20):
                before = time.monotonic()
                time.sleep(SLEEP)
                batch += _SAMPLE.pack(max(0.0, time.monotonic() - before - SLEEP))
            file.write(batch)


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--record"] and len(argv) == 2:
        _record(Path(argv[1]))
        return 0
    seconds = float(argv[0]) if argv else 5.0
    with JitterSampler() as sampler:
        window = sampler.window()
        time.sleep(seconds)
        slack = window.slack()
    print(f"{slack.samples} wakeups; {slack.explain(1.0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
