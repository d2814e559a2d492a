"""Moved to :mod:`govnews.ops.health.logcount` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.health.logcount import SiteLogCount

moved("govnews.health.logcount", "govnews.ops.health.logcount")

__all__ = ["SiteLogCount"]
