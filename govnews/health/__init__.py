"""Moved to :mod:`govnews.ops.health` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved

moved("govnews.health", "govnews.ops.health")
