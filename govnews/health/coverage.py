"""Moved to :mod:`govnews.ops.health.coverage` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.health.coverage import ColumnCoverage

moved("govnews.health.coverage", "govnews.ops.health.coverage")

__all__ = ["ColumnCoverage"]
