"""Hypothesis's two profiles, picked by ``HYPOTHESIS_PROFILE``:

- ``ci`` (the default; ``make test``, ``.ci/run``): Hypothesis's own settings but its
  deadline, and every test's own number of examples, as CI has always run them (no
  deadline: an example 311 ms long instead of 200 on two busy cores is no bug; timings are
  measured by benchmarks, never asserted);
- ``dev`` (``make test-fast``): a few examples a test, no deadline (a busy laptop is no
  bug), for the loop of someone at work on the code.

A test that names its number of examples (``@settings(max_examples=60)``, a model's
``EXAMPLES``) takes it from :func:`examples`, so the profile decides there too.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE_ENV = "HYPOTHESIS_PROFILE"
CI = "ci"
DEV = "dev"
DEV_EXAMPLES = 10
"""Examples a test under ``dev``: enough to catch a broken rule, not to search for a rare one."""


def register() -> None:
    """Register both profiles and load the one ``HYPOTHESIS_PROFILE`` names (``ci`` unset)."""
    settings.register_profile(CI, deadline=None)
    settings.register_profile(DEV, max_examples=DEV_EXAMPLES, deadline=None)
    settings.load_profile(current())


def current() -> str:
    """The profile ``HYPOTHESIS_PROFILE`` names; a name that is neither fails, saying which are."""
    name = os.environ.get(PROFILE_ENV, "") or CI
    if name not in (CI, DEV):
        raise ValueError(f"{PROFILE_ENV}={name!r}: the profiles are {CI!r} and {DEV!r}")
    return name


def examples(ci: int) -> int:
    """A test's number of examples: ``ci`` under the ``ci`` profile, at most
    :data:`DEV_EXAMPLES` under ``dev``.

    >>> examples(400) == (400 if current() == CI else DEV_EXAMPLES)
    True
    """
    return ci if current() == CI else min(ci, DEV_EXAMPLES)
