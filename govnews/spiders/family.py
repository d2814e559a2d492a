"""Moved to :mod:`govnews.crawl.spiders.family` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.spiders import family as _family

moved("govnews.spiders.family", "govnews.crawl.spiders.family")

globals().update({name: value for name, value in vars(_family).items() if name.endswith("Spider")})
