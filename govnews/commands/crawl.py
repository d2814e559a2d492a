"""``scrapy crawl`` with spider arguments validated before the crawl starts.

A bad argument ends the command at once with one line that says what is wrong and
what is allowed, and exit code 2, instead of a traceback from inside the reactor.

An incremental run takes its site's state-store lock (:func:`govnews.state.acquire_lock`)
before the crawl starts; when another live run holds it, the command ends at once, before
any request and before Scrapy's start-up banner, with one line naming the holder and exit
code 3.

A run whose end-of-run health checks failed (``govnews/health/verdict`` in the stats,
see :mod:`govnews.health`) exits with 1.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from govnews.pipelines.incremental_state import LOCKED_REASON, store_path_for
from govnews.spiders.arguments import ArgumentError, CrawlArguments
from govnews.state import StoreLock, StoreLocked, acquire_lock

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler

EXIT_LOCKED = 3


class Command(ScrapyCrawlCommand):
    crawler: Crawler | None = None
    lock: StoreLock | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Kept to read the health verdict from its stats once the crawl is over.
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Runs before Scrapy builds its crawler process (and logs its banner)."""
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:
            return
        try:
            spider_cls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            return  # Scrapy's own error follows
        validate = getattr(spider_cls, "validate_arguments", None)
        if validate is None:
            return
        try:
            validate(opts.spargs)
        except ArgumentError as error:
            raise UsageError(f"spider {args[0]}: {error}", print_help=False) from None
        parsed = CrawlArguments.parse(opts.spargs)
        if parsed.incremental and not parsed.probe:
            try:
                self.lock = acquire_lock(store_path_for(self.settings, parsed.base_url))
            except StoreLocked as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                sys.exit(EXIT_LOCKED)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        finally:
            if self.lock is not None:
                self.lock.release()
                self.lock = None
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is None:
            return
        if stats.get_value("finish_reason") == LOCKED_REASON:
            self.exitcode = EXIT_LOCKED
        elif stats.get_value("govnews/health/verdict") == "failed":
            self.exitcode = 1
