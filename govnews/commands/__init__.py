"""Moved to :mod:`govnews.ops.commands` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved

moved("govnews.commands", "govnews.ops.commands")
