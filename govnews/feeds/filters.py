"""Which items a feed takes: Scrapy's ``item_filter`` feed option, by column."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.extensions.feedexport import ItemFilter

__all__ = ["ColumnFilter", "column_path"]


def column_path(value: str) -> str:
    """A column as the items name it, from ``zwgk/tzgg``, ``/zwgk/tzgg`` or ``/zwgk/tzgg/``.

    >>> column_path("zwgk/tzgg"), column_path("/sy/whyw/")
    ('/zwgk/tzgg/', '/sy/whyw/')
    """
    return "/" + value.strip().strip("/") + "/"


class ColumnFilter(ItemFilter):
    """``FEEDS[uri]["item_filter"]``: the feed takes the items of the columns its feed option
    ``columns`` names (a list of paths, slashes optional), and the change entries of their
    articles (:class:`govnews.feeds.atom.AtomStatusEntries` asks it too): one feed per column
    from one run of several. Scrapy's ``item_classes`` option still applies.

    >>> feed = ColumnFilter({"columns": ["zwgk/tzgg"]})
    >>> feed.accepts({"section_path": "/zwgk/tzgg/"}), feed.accepts({"section_path": "/sy/whyw/"})
    (True, False)
    """

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        columns = (feed_options or {}).get("columns")
        if isinstance(columns, str) or not columns:
            raise ValueError(f"ColumnFilter needs the feed option columns, a list of column paths; got {columns!r}")
        self.columns = frozenset(column_path(str(c)) for c in columns)

    def accepts(self, item: Any) -> bool:
        return super().accepts(item) and ItemAdapter(item).get("section_path") in self.columns
