"""Directories that come from settings: absolute, or a default; never from spider arguments.

>>> directory_setting("GOVNEWS_STATE_DIR", "/srv/state", lambda: Path("/default"))
PosixPath('/srv/state')
>>> directory_setting("GOVNEWS_STATE_DIR", "", lambda: Path("/default"))
PosixPath('/default')
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_path


def user_data_dir(name: str) -> Path:
    """``~/.local/share/govnews/<name>`` on Linux: the same for a checkout and scrapyd."""
    return user_data_path("govnews") / name


def directory_setting(name: str, value: str | None, default: Callable[[], Path]) -> Path:
    """The directory a setting names (it must be absolute: scrapyd runs crawls in a
    working directory of its own), or ``default()`` when the setting is empty."""
    if not value:
        return default()
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ValueError(f"{name}={value!r} must be an absolute path")
    return path
