"""Release 0.3.0: the import paths 0.2.0 kept for one release are gone, what the project names
(settings, scrapy.cfg, entry points) loads from the new ones, and the version is written once.

The old paths below are the modules 0.2.0's ``govnews/_moved.py`` served (docs/architecture.md,
"Upgrading to 0.3.0", says what to name instead)."""

from __future__ import annotations

import configparser
import importlib
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy.utils.misc import load_object

import govnews
import govnews.settings
from tests.conftest import ROOT

OLD_PATHS = (
    "govnews._moved",
    "govnews.spiders",
    "govnews.spiders.wuhan",
    "govnews.spiders.family",
    "govnews.spiders.probe",
    "govnews.commands",
    "govnews.commands.crawl",
    "govnews.health",
    "govnews.health.coverage",
    "govnews.health.logcount",
    "govnews.health.monitors",
    "govnews.health.summary",
    "govnews.middlewares",
    "govnews.middlewares.allowed_hosts",
    "govnews.middlewares.blocked",
    "govnews.middlewares.fence",
    "govnews.middlewares.status_counter",
    "govnews.politeness",
    "govnews.progress",
    "govnews.exporters",
    "govnews.frontier",
    "govnews.schedule",
)


@pytest.mark.parametrize("old", OLD_PATHS)
def test_an_old_import_path_is_gone(old: str) -> None:
    with pytest.raises(ModuleNotFoundError, match=rf"No module named '{old.rsplit('.', 1)[0]}"):
        importlib.import_module(old)


def _dotted_paths(value: Any) -> Iterator[str]:
    """Every ``govnews.…`` string a setting's value holds (keys of a dict too)."""
    if isinstance(value, str):
        if value.startswith("govnews."):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dotted_paths(key)
            yield from _dotted_paths(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dotted_paths(item)


def _loads(path: str) -> bool:
    try:
        importlib.import_module(path)
    except ModuleNotFoundError:
        load_object(path)  # raises when the object is not there either
    return True


def test_every_path_the_settings_name_loads_and_none_is_old() -> None:
    named = {path for name, value in vars(govnews.settings).items() if name.isupper() for path in _dotted_paths(value)}
    # The ones that matter most, so that the walk above cannot find nothing and pass.
    assert {"govnews.crawl.spiders", "govnews.ops.commands", "govnews.crawl.fence.LeaseFenceMiddleware"} <= named
    assert not [p for p in named if any(p == old or p.startswith(old + ".") for old in OLD_PATHS)]
    assert all(_loads(path) for path in named)


def test_scrapy_cfg_and_the_entry_points_name_what_loads() -> None:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "scrapy.cfg", encoding="utf-8")
    assert cfg["settings"]["default"] == "govnews.settings"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry_points = {
        f"{group}:{name}": target
        for group, points in project["entry-points"].items()
        for name, target in points.items()
    }
    # scrapyd finds the settings by this entry point of the egg.
    assert entry_points["scrapy:settings"] == "govnews.settings"
    for target in entry_points.values():
        module, _, attr = target.partition(":")
        assert _loads(f"{module}.{attr}" if attr else module), target


def test_the_version_is_written_once() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "govnews.__version__"}
    assert "version" not in (ROOT / "setup.py").read_text(encoding="utf-8").split('"""')[-1]
    assert govnews.__version__ == "0.3.0"
    assert f"govnews/{govnews.__version__} " in govnews.settings.USER_AGENT
