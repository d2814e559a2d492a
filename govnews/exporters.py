"""Moved to :mod:`govnews.feeds.exporters` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.feeds.exporters import SpreadsheetCsvItemExporter

moved("govnews.exporters", "govnews.feeds.exporters")

__all__ = ["SpreadsheetCsvItemExporter"]
