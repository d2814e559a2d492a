"""Drop an item that does not match the Article JSON Schema."""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from scrapy.exceptions import DropItem

from govnews import stats_keys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

SCHEMA_RESOURCE = "schema/article.schema.json"
_MAX_MESSAGE_CHARS = 300


@cache
def article_schema() -> dict[str, Any]:
    """The item's JSON Schema, read from the package (works from an egg too)."""
    data = pkgutil.get_data("govnews", SCHEMA_RESOURCE)
    if data is None:  # pragma: no cover - a loader that cannot read package data
        raise FileNotFoundError(f"govnews/{SCHEMA_RESOURCE} is not in the package")
    schema: dict[str, Any] = json.loads(data)
    return schema


def _compiled(schema: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """The schema compiled to a Python function: True when the instance is valid."""
    validate = fastjsonschema.compile(schema)

    def is_valid(instance: dict[str, Any]) -> bool:
        try:
            validate(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


@cache
def _package_schema_compiled() -> Callable[[dict[str, Any]], bool]:
    return _compiled(article_schema())


EMPTY_ARTICLE = "paragraphs, images and attachments are all empty; an article needs one of them"


def _is_empty_article(error: ValidationError) -> bool:
    """The error comes from the schema's top-level anyOf: no text, no image, no file."""
    parent = error.parent
    return parent is not None and parent.validator == "anyOf" and not parent.absolute_path


def describe_error(error: ValidationError) -> str:
    """``$.published_at: '2024-13-01' does not match '^…$'``, shortened when long."""
    if _is_empty_article(error):
        return f"$: {EMPTY_ARTICLE}"
    message = error.message
    if len(message) > _MAX_MESSAGE_CHARS:
        message = message[: _MAX_MESSAGE_CHARS - 1] + "…"
    return f"{error.json_path}: {message}"


def _field_of(error: ValidationError) -> str:
    if _is_empty_article(error):
        return "body"
    if error.absolute_path:
        return str(error.absolute_path[0])
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return str(missing[0])
    return "item"


class ValidateArticlePipeline:
    """Check each item against ``govnews/schema/article.schema.json`` (Draft 2020-12).

    Changes: nothing.

    Drops: an item that fails the schema (no title, none of paragraphs, images and
    attachments (field ``body``), a malformed date,
    an unknown field, …), the reason being the most relevant error (jsonschema's
    ``best_match``) with its JSON path.

    Every item is checked by the schema compiled to Python (fastjsonschema, some 30
    times faster than jsonschema's interpreter); only an item it rejects is explained,
    by jsonschema, the reference implementation, which has the last word.

    Stats: ``govnews/validate/passed``, ``govnews/validate/dropped`` and
    ``govnews/validate/dropped/<field>`` for the field at fault.
    """

    def __init__(self, stats: StatsCollector, schema: dict[str, Any] | None = None) -> None:
        self.stats = stats
        # The package's schema is compiled once per process (a family run builds a pipeline per site).
        self.is_valid = _package_schema_compiled() if schema is None else _compiled(schema)
        schema = article_schema() if schema is None else schema
        self.validator = Draft202012Validator(schema)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        # A shallow dict: the nested lists and dicts validate as they are.
        adapter = ItemAdapter(item)
        instance = dict(adapter)
        error = None if self.is_valid(instance) else best_match(self.validator.iter_errors(instance))
        if error is not None:
            self.stats.inc_value(stats_keys.VALIDATE("dropped"))
            self.stats.inc_value(stats_keys.VALIDATE("dropped", _field_of(error)))
            raise DropItem(f"invalid article: {describe_error(error)}")
        self.stats.inc_value(stats_keys.VALIDATE("passed"))
        return item
