"""Moved to :mod:`govnews.ops.health.monitors` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.health.monitors import HealthMonitorSuite

moved("govnews.health.monitors", "govnews.ops.health.monitors")

__all__ = ["HealthMonitorSuite"]
