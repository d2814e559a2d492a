"""Removed: the Redis frontier (scrapy-redis) is gone (docs/distributed.md says why). A setting
that still names ``govnews.frontier.RedisScheduler`` gets Scrapy's own scheduler, and a
warning, for one release."""

from __future__ import annotations

from scrapy.core.scheduler import Scheduler

from govnews._moved import moved

moved("govnews.frontier.RedisScheduler", "Scrapy's own scheduler (leave SCHEDULER unset)")


class RedisScheduler(Scheduler):
    """Scrapy's scheduler, under the old name."""
