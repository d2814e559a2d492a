"""Moved to :mod:`govnews.ops.health.summary` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.health.summary import HealthSummary

moved("govnews.health.summary", "govnews.ops.health.summary")

__all__ = ["HealthSummary"]
