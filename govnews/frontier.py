"""The shared frontier of distributed mode: scrapy-redis's scheduler and dupefilter, fit for
Scrapy 2.19.

With ``REDIS_URL`` set, every crawl process takes its requests from one queue in Redis
(``<spider>:requests``, a sorted set by priority) and drops a request another worker already
scheduled (``<spider>:dupefilter``, a set of request fingerprints). :data:`FRONTIER_SETTINGS`
are the settings that turn it on; the spider wiring (``govnews/settings.py``) applies them.

scrapy-redis 0.9.1 against Scrapy 2.19, read from its source:

* ``Scheduler.enqueue_request`` / ``next_request`` pass ``spider=`` to
  ``StatsCollector.inc_value``, deprecated in Scrapy 2.19: a ``ScrapyDeprecationWarning`` on
  every request (an error where warnings are errors). :class:`RedisScheduler` counts without it.
* ``Scheduler.open`` calls ``spider.log()``, deprecated too, when it finds requests waiting
  in the queue — the case of every worker that joins a running crawl. :class:`RedisScheduler`
  logs through ``spider.logger``.
* ``RedisSpider``/``RedisMixin`` read their start URLs in ``start_requests()``, which Scrapy
  2.19 no longer calls (``start()`` replaced it): not used here; our spiders keep ``start()``.
* ``Scheduler.close`` flushes the queue and the fingerprints unless ``SCHEDULER_PERSIST``:
  with several workers the first to finish would empty the frontier under the others, so
  ``SCHEDULER_PERSIST`` is on and the frontier is cleared per crawl by whoever starts it.
* ``RFPDupeFilter`` fingerprints (method, canonical URL, body) itself, not with Scrapy's
  ``REQUEST_FINGERPRINTER``; requests are pickled (``picklecompat``), so callbacks must be
  spider methods and ``cb_kwargs`` picklable.
* Scheduler, dupefilter and queue otherwise work unchanged (``from_crawler``, ``open``,
  ``close(reason)``, ``has_pending_requests``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

if TYPE_CHECKING:
    from scrapy import Request, Spider

FRONTIER_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "govnews.frontier.RedisScheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    # Never flushed by a worker that finishes: others may still be taking from it.
    "SCHEDULER_PERSIST": True,
}
"""Settings of a frontier shared by every worker of one crawl (with ``REDIS_URL``)."""

SITE_FRONTIER_SETTINGS: dict[str, Any] = {
    **FRONTIER_SETTINGS,
    "SCHEDULER_QUEUE_KEY": "%(spider)s:requests",
    "SCHEDULER_DUPEFILTER_KEY": "%(spider)s:dupefilter",
    # One site's frontier belongs to the worker holding the site's lease (govnews.family):
    # it flushes what a killed holder left (the walk rule fetches it again) and clears
    # the frontier when it finishes.
    "SCHEDULER_PERSIST": False,
    "SCHEDULER_FLUSH_ON_START": True,
}
"""Settings of a site's frontier in distributed mode, where sites are leased to workers:
the project's spiders apply them when ``REDIS_URL`` is set. The keys are the spider's
``frontier_name`` (``govnews:{<site>}:frontier``), so two crawls of one spider on two
base URLs never share a frontier."""


class RedisScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no types
    """``scrapy_redis.scheduler.Scheduler`` without the calls Scrapy 2.19 deprecates
    (``spider=`` to the stats, ``Spider.log``). Stats: ``scheduler/enqueued/redis``,
    ``scheduler/dequeued/redis``."""

    df: Any
    queue: Any

    def open(self, spider: Spider) -> None:
        self.spider = spider
        # A spider may name its frontier (govnews's spiders: per site); else its name.
        frontier = getattr(spider, "frontier_name", None) or spider.name
        try:
            self.queue = load_object(self.queue_cls)(
                server=self.server,
                spider=spider,
                key=self.queue_key % {"spider": frontier},
                serializer=self.serializer,
            )
        except TypeError as error:
            raise ValueError(f"Failed to instantiate queue class {self.queue_cls!r}: {error}") from error
        if not self.df:
            self.df = load_object(self.dupefilter_cls)(
                self.server,
                key=self.dupefilter_key % {"spider": frontier},
                debug=spider.settings.getbool("DUPEFILTER_DEBUG"),
            )
        if self.flush_on_start:
            self.flush()
        if waiting := len(self.queue):
            spider.logger.info("Joining a crawl in progress (%d requests in the shared frontier)", waiting)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request: Request | None = self.queue.pop(self.idle_before_close)
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
