"""Moved to :mod:`govnews.ops.commands.crawl` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.commands.crawl import Command

moved("govnews.commands.crawl", "govnews.ops.commands.crawl")

__all__ = ["Command"]
