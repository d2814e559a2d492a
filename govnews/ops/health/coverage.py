"""Per-column item and field counts, for the field-coverage health check.

The spider counts what it extracted; this extension counts what left the pipelines:
every exported item (the ``item_scraped`` signal) and every item validation dropped
(``item_dropped`` with the reason :class:`~govnews.pipelines.validate.ValidateArticlePipeline`
gives), so that an article whose title or body came out empty lowers its column's
coverage instead of vanishing from it. Duplicates and unchanged articles, dropped on
purpose, are not counted.

Stats, per column (``govnews/column/<path without end slashes>/…``):

* ``items`` — exported items; ``field/<name>`` — those with a non-empty ``<name>``
  (``paragraphs`` counts an article of images only: its body is the images);
* ``invalid`` — items dropped by validation; ``invalid_field/<name>`` — those with ``<name>``;

for the fields in :data:`govnews.ops.health.checks.COVERED_FIELDS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from govnews import stats_keys
from govnews.ops.health.checks import COVERED_FIELDS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# The reason ValidateArticlePipeline gives every item it drops ("invalid article: $.title: …").
INVALID_REASON_PREFIX = "invalid article"


def has_value(value: Any) -> bool:
    """True for a value worth exporting: not None, not blank text, not an empty list or dict.

    >>> [has_value(v) for v in (None, "", " \\u3000", "新华社", [], ["段落"], {})]
    [False, False, False, True, False, True, False]
    """
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True


class ColumnCoverage:
    """Counts exported (and validation-dropped) items per column and field in the stats."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ColumnCoverage:
        assert crawler.stats is not None
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        return extension

    def count(self, item: Any, kind: str = "items") -> None:
        """Count ``item`` in its column: ``kind`` is ``items`` (exported) or ``invalid``."""
        adapter = ItemAdapter(item)
        section_path = adapter.get("section_path")
        column = section_path if isinstance(section_path, str) and section_path else "/"
        field_key = "field" if kind == "items" else "invalid_field"
        self.stats.inc_value(stats_keys.column(column, kind))
        for name in COVERED_FIELDS:
            value = adapter.get(name)
            if name == "paragraphs" and not has_value(value):
                # An article of images only has a body all the same (SITE.md: images in the body).
                value = adapter.get("images")
            if has_value(value):
                self.stats.inc_value(stats_keys.column(column, field_key, name))

    def item_scraped(self, item: Any) -> None:
        self.count(item)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if str(exception).startswith(INVALID_REASON_PREFIX):
            self.count(item, "invalid")
