"""The project's spider callbacks never ``return`` a value from a generator: Scrapy's own check
of it (``WARN_ON_GENERATOR_RETURN_VALUE``) is off in the project's settings, as it parses the
callback's source again for every response (its cache is keyed by a bound method, a new object
each time); this test runs that check once, on every generator method of every spider."""

from __future__ import annotations

import inspect

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.project import get_project_settings

SPIDERS = SpiderLoader.from_settings(get_project_settings())


def generator_methods() -> list[tuple[str, object]]:
    found = []
    for name in SPIDERS.list():
        spider = SPIDERS.load(name)
        for attribute, member in inspect.getmembers(spider, inspect.isfunction):
            if inspect.isgeneratorfunction(member) or inspect.isasyncgenfunction(member):
                found.append((f"{name}.{attribute}", member))
    return found


def test_the_spiders_have_generator_callbacks() -> None:
    assert any(name.endswith(".parse_article") for name, _ in generator_methods())


@pytest.mark.parametrize(("name", "method"), generator_methods(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_generator_returns_a_value(name: str, method: object) -> None:
    assert not is_generator_with_return_value(method), f"{name} returns a value from a generator"  # type: ignore[arg-type]
