"""Where feeds and state live: never the working directory.

One rule for both: ``output/`` of the checkout the package was installed from (found
from the package's own location, as with ``pip install -e .``), else the user's data
directory (an installed package, an egg under scrapyd). ``GOVNEWS_OUTPUT_DIR`` and
``GOVNEWS_STATE_DIR`` (absolute paths) override.

>>> directory_setting("GOVNEWS_STATE_DIR", "/srv/state", lambda: Path("/default"))
PosixPath('/srv/state')
>>> directory_setting("GOVNEWS_STATE_DIR", "", lambda: Path("/default"))
PosixPath('/default')
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from platformdirs import user_data_path

import govnews


def user_data_dir(name: str) -> Path:
    """``~/.local/share/govnews/<name>`` on Linux."""
    return user_data_path("govnews") / name


@cache
def checkout_dir() -> Path | None:
    """The source checkout holding the imported package (``scrapy.cfg`` beside the
    ``govnews`` package), or None for an installed package or an egg."""
    package = Path(govnews.__file__).resolve().parent
    root = package.parent
    if package.name == "govnews" and (root / "scrapy.cfg").is_file() and (root / "output").is_dir():
        return root
    return None


def _data_root(name: str) -> Path:
    checkout = checkout_dir()
    if checkout is None:
        return user_data_dir(name)
    return checkout / "output" if name == "output" else checkout / "output" / name


def default_output_dir() -> Path:
    """``<checkout>/output``, else ``~/.local/share/govnews/output``."""
    return _data_root("output")


def default_state_dir() -> Path:
    """``<checkout>/output/state``, else ``~/.local/share/govnews/state``."""
    return _data_root("state")


def directory_setting(name: str, value: str | None, default: Callable[[], Path]) -> Path:
    """The directory a setting names (it must be absolute: scrapyd runs crawls in a
    working directory of its own), or ``default()`` when the setting is empty."""
    if not value:
        return default()
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ValueError(f"{name}={value!r} must be an absolute path")
    return path
