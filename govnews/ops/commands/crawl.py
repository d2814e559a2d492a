"""``scrapy crawl`` with spider arguments validated before the crawl starts.

A bad argument ends the command at once with one line on stderr that says what is wrong
and what is allowed, and exit code 2: no banner, no usage block, no traceback.

An incremental run takes its site's state-store lock (:func:`govnews.store.take_lease`:
a ``flock`` beside the SQLite store, or a Redis lease when ``REDIS_URL`` is set)
before the crawl starts; when another live run holds it, the command ends at once, before
any request and before Scrapy's start-up banner, with one line naming the holder and exit
code 3.

With ``REDIS_URL`` set, the Redis server is asked first (a PING with the URL's
credentials): one that cannot be reached or refuses the credentials ends the command before
any request with one line naming the URL (never its password) and the reason, exit code 7.
A Redis that goes away mid-run stops the run cleanly (finish reason ``store_unavailable``,
nothing lost: the next run reads its feed back), exit code 7 too.

On a terminal the log goes to a file beside the feeds and the run ends with a short block,
the result first (:mod:`govnews.ops.screen`); elsewhere (scrapyd, cron, a pipe) the log is
Scrapy's, as it always was.

**Stops.** The first SIGINT (Ctrl-C) or SIGTERM (scrapyd's cancel) stops gracefully and at
once: the requests in flight are cancelled and owed to the next run
(:func:`govnews.crawl.stop.cancel_in_flight`), one line says so, the feed and the state store
are closed; a second one stops the reactor now (every feed line written is whole; the next
run reads back what the store did not record).

Exit codes: 0 a run that passed its end-of-run health checks; 1 one that failed them
(``govnews/health/verdict``, see :mod:`govnews.ops.health`); 2 a bad argument (also a column
the site's table does not know whose first list page answers 404: one ERROR line names it
and the known ones); 3 the store is
locked by another run; 7 the state store's server is unavailable (or a Redis that may evict
keys: ``maxmemory`` with a ``maxmemory-policy`` other than ``noeviction``); 8 the state store
is not the one earlier runs used: a SQLite store deleted or replaced (``-a new_store=1``
accepts it), or a Redis store that does not exist, never created or wiped (``scrapy
govnews-state --init-store``, or ``-a new_store=1``); 130 stopped by SIGINT
(Ctrl-C), 143 by SIGTERM (scrapyd's cancel): a user's stop, verdict ``stopped``, not a
failure. (4, 5 and 6 are ``python -m govnews.ops.schedule``'s.)
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.defer import deferred_from_coro

from govnews import stats_keys
from govnews.contract import contract_of
from govnews.crawl.arguments import ArgumentError, CrawlArguments, FamilyArguments
from govnews.crawl.stop import cancel_in_flight
from govnews.family.crawl import FamilyCrawl
from govnews.feeds import job_id, output_dir
from govnews.logs import SCREEN
from govnews.ops import screen
from govnews.ops.health.checks import BAD_ARGUMENT_REASONS
from govnews.ops.health.logcount import UNATTRIBUTED
from govnews.ops.health.summary import HealthSummary
from govnews.pipelines.incremental_state import LOCKED_REASON, MISSING_REASON, REPLACED_REASON, UNAVAILABLE_REASON
from govnews.sites.family import site_key
from govnews.store import (
    Lock,
    StoreLocked,
    StoreMissing,
    StoreUnavailable,
    ensure_store,
    redis_url,
    take_lease,
)

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_STORE_UNAVAILABLE = 7
EXIT_STORE_REPLACED = 8
EXIT_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _stopped_while_starting(signum: int, frame: Any) -> None:
    # Nothing is written yet (Scrapy installs its graceful handlers before the first
    # request), so end at once: an exception raised here could be swallowed by a Twisted
    # callback running at that moment. A flock dies with the process.
    print("stopped before the crawl started", file=sys.stderr, flush=True)
    os._exit(EXIT_BY_SIGNAL.get(signal.Signals(signum), 128 + signum))


def _reactor() -> Any:
    from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

    return reactor


def _stop_reactor() -> None:
    reactor = _reactor()
    if reactor.running:
        reactor.stop()


def _on_a_terminal() -> bool:
    """A person watches stderr (not scrapyd, cron or a pipe): the run ends with a block."""
    return sys.stderr.isatty() and not os.environ.get("SCRAPY_JOB")


def _after_the_crawl() -> None:
    """Once the reactor has stopped, a stop has nothing left to stop: the closing block is
    printed all the same, and the exit code is the run's."""
    for signum in EXIT_BY_SIGNAL:
        signal.signal(signum, signal.SIG_IGN)


class Command(ScrapyCrawlCommand):
    crawler: Crawler | None = None
    lock: Lock | None = None
    stop_signal: int | None = None
    family: FamilyArguments | None = None
    log_file: Path | None = None
    """The log file a terminal run writes (:mod:`govnews.ops.screen`); None: Scrapy's own log."""
    forced = False
    """A second stop came: the reactor was stopped at once."""
    redis_warning: str | None = None
    """What could not be checked of the Redis server (``CONFIG GET`` refused): logged once the log is set up."""

    def _quiet_console(self, spider: str, opts: argparse.Namespace) -> None:
        """On a terminal, with no log asked for: the log to a file, the terminal to the result."""
        assert self.settings is not None
        if not screen.wants_quiet_console(self.settings, opts):
            return
        try:
            job = opts.spargs.get("_job") or job_id()
            path = screen.log_path(output_dir(self.settings.get("GOVNEWS_OUTPUT_DIR")), spider, job)
            path.parent.mkdir(parents=True, exist_ok=True)
        except (OSError, ValueError):
            return  # no directory for the log: Scrapy's log stays on the terminal
        self.settings.set("LOG_FILE", str(path), priority="cmdline")
        self.log_file = path
        screen.install_console()

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Runs before Scrapy builds its crawler process (and logs its banner). ``-o``/``-O``
        are Scrapy's own: the project's default feed is added only where no feed is asked
        for (``WuhanSpider.update_settings``), so they replace it as in any Scrapy project."""
        # Until Scrapy installs its own handlers, a stop ends the command quietly.
        for signum in EXIT_BY_SIGNAL:
            signal.signal(signum, _stopped_while_starting)
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:
            return
        try:
            spider_cls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            return  # Scrapy's own error follows
        # Imported here, not when Scrapy loads its commands: with the spiders imported that early,
        # the first requests of a family's hosts left together, past the backend's budget
        # (tests/test_backend_budget.py, 8 failures in 9 runs; why is not yet understood).
        from govnews.crawl.spiders.family import FamilySpider  # noqa: PLC0415
        from govnews.crawl.spiders.wuhan import WuhanSpider  # noqa: PLC0415

        try:
            if issubclass(spider_cls, FamilySpider):
                # Parsed once, here: the family run uses what was parsed.
                self.family = FamilyArguments.parse(opts.spargs)
            elif issubclass(spider_cls, WuhanSpider):
                spider_cls.validate_arguments(opts.spargs)
            else:
                return  # not a govnews spider: Scrapy's own command, as it is
        except ArgumentError as error:
            print(f"error: spider {args[0]}: {error}", file=sys.stderr, flush=True)
            sys.exit(EXIT_USAGE)
        if url := redis_url(self.settings):
            try:
                from govnews.store.connection import check_reachable  # noqa: PLC0415 - redis only when asked for

                self.redis_warning = check_reachable(url)
            except StoreUnavailable as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                sys.exit(EXIT_STORE_UNAVAILABLE)
        if self.family is not None:
            # One crawler per site (govnews.family.crawl), each taking its site's lock as it starts.
            shared_file = [u for u in self.settings["FEEDS"] if "%(name)s" not in str(u)]
            if shared_file:
                print(
                    f"error: spider {args[0]}: -o/-O {shared_file[0]} would be one file for every site; "
                    "allowed: a path with %(name)s (the site's spider), e.g. -o 'out/%(name)s.jsonl'",
                    file=sys.stderr,
                    flush=True,
                )
                sys.exit(EXIT_USAGE)
            self._quiet_console(args[0], opts)
            return
        parsed = CrawlArguments.parse(opts.spargs, spider_cls.site)
        if parsed.probe and (probe := spider_cls.probe_spider):
            # `-a probe=1`: the spider's probe runs instead, with the same arguments.
            args[0] = probe
        if parsed.takes_lease:
            key = site_key(parsed.base_url)
            try:
                self.lock = take_lease(self.settings, key)
                # A Redis store that does not exist is refused before anything is written: no
                # feed file, no request (an empty Redis and a wiped one look the same).
                ensure_store(self.settings, key, self.lock, create=parsed.new_store)
            except StoreLocked as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                sys.exit(EXIT_LOCKED)
            except StoreUnavailable as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                sys.exit(EXIT_STORE_UNAVAILABLE)
            except StoreMissing as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                sys.exit(EXIT_STORE_REPLACED)
        self._quiet_console(args[0], opts)

    def _run_family(self, arguments: FamilyArguments, opts: argparse.Namespace) -> None:
        """``scrapy crawl family``: the sites' crawlers on one crawler process."""
        assert self.crawler_process is not None and self.settings is not None
        family = FamilyCrawl(
            self.crawler_process,
            self.settings,
            arguments,
            job=opts.spargs.get("_job"),
            stopping=lambda: self.stop_signal is not None,
        )
        reactor = _reactor()
        family.schedule = reactor.callLater
        family.on_idle = lambda: reactor.callLater(0, _stop_reactor) and None
        reactor.callWhenRunning(family.start)
        # The family ends the run itself once no site runs and none is worth waiting for.
        self.crawler_process.start(stop_after_crawl=False, install_signal_handlers=False)
        _after_the_crawl()
        report = family.report(UNATTRIBUTED.get("ERROR", 0))
        # Logged, so that a scrapyd job's log (Scrapy's LOG_FILE) has it too; on a terminal,
        # printed once as the run's closing block (the log file has it).
        logging.getLogger("govnews.family").log(logging.ERROR if family.failed else logging.INFO, report)
        if _on_a_terminal():
            print(screen.family_block(report, self.log_file), file=sys.stderr, flush=True)
        if self.stop_signal is not None:
            self.exitcode = EXIT_BY_SIGNAL.get(signal.Signals(self.stop_signal), 128 + self.stop_signal)
        elif any(o.finish_reason in BAD_ARGUMENT_REASONS for o in family.outcomes.values()):
            self.exitcode = EXIT_USAGE
        elif any(o.finish_reason == UNAVAILABLE_REASON for o in family.outcomes.values()):
            self.exitcode = EXIT_STORE_UNAVAILABLE
        elif any(o.finish_reason in (REPLACED_REASON, MISSING_REASON) for o in family.outcomes.values()):
            self.exitcode = EXIT_STORE_REPLACED
        elif family.failed or self.crawler_process.bootstrap_failed:
            self.exitcode = 1

    def _install_shutdown_handlers(self) -> None:
        """The command's own SIGINT/SIGTERM handlers, installed once the reactor runs (Scrapy's
        are left out: ``start(install_signal_handlers=False)``, a documented parameter). The
        first signal stops the crawl gracefully through the public ``CrawlerProcess.stop()``
        and is remembered for the exit code (130, 143); a second one stops now: the reactor
        ends, every feed line written is whole, and what was not recorded is read back by the
        next run (as after a kill)."""
        reactor = _reactor()
        logger = logging.getLogger(__name__)

        def stop_gracefully(signum: int) -> None:
            name = signal.Signals(signum).name
            logger.info("Received %s, shutting down gracefully. Send again to force", name)
            process: Any = self.crawler_process
            crawlers = list(getattr(process, "crawlers", ()) or ())
            stopping = deferred_from_coro(process.stop()) if process is not None else None
            # As Scrapy's own handler: the reactor ends once the crawlers have stopped (a crawl
            # still starting ignores the stop).
            if stopping is not None:
                stopping.addBoth(lambda _: _stop_reactor())
            else:
                _stop_reactor()
            # Not waited for: every request in flight is cancelled, owed to the next run.
            cancelled = sum(cancel_in_flight(crawler).total for crawler in crawlers)
            key = "Ctrl-C" if signum == signal.SIGINT else name
            what = (
                f"{cancelled} request{'' if cancelled == 1 else 's'} in flight cancelled (owed to the next run)"
                if cancelled
                else "no request in flight"
            )
            logger.info(
                "%s: stopping: %s; closing the feed and the state store. %s again stops at once",
                key,
                what,
                key,
                extra={SCREEN: True},
            )

        def stop_now(signum: int) -> None:
            key = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            logger.info(
                "%s again: stopping now; every feed line written is whole, the next run reads back what "
                "the store did not record",
                key,
                extra={SCREEN: True},
            )
            _stop_reactor()

        def forced(signum: int, frame: Any) -> None:
            self.forced = True
            for number in EXIT_BY_SIGNAL:
                signal.signal(number, signal.SIG_IGN)
            reactor.callFromThread(stop_now, signum)

        def graceful(signum: int, frame: Any) -> None:
            self.stop_signal = self.stop_signal or signum
            for number in EXIT_BY_SIGNAL:
                signal.signal(number, forced)
            reactor.callFromThread(stop_gracefully, signum)

        def install() -> None:
            for signum in EXIT_BY_SIGNAL:
                signal.signal(signum, graceful)

        reactor.callWhenRunning(install)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if self.redis_warning:
            logging.getLogger("govnews.store.redis").warning("%s", self.redis_warning)
        self._install_shutdown_handlers()
        if self.family is not None:
            self._run_family(self.family, opts)
            return
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process is not None
        try:
            # Scrapy's own crawl command, with the crawler kept: its stats hold the verdict.
            self.crawler = self.crawler_process.create_crawler(args[0])
            self.crawler_process.crawl(self.crawler, **opts.spargs)
            self.crawler_process.start(install_signal_handlers=False)
            _after_the_crawl()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
        finally:
            if self.lock is not None:
                self.lock.release()
                self.lock = None
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is None:
            return
        if stats.get_value("finish_reason") in BAD_ARGUMENT_REASONS:
            # Its one ERROR line said it all (a column the site does not have).
            self.exitcode = EXIT_USAGE
            return
        if _on_a_terminal():
            self._print_block()
        if stats.get_value("finish_reason") == LOCKED_REASON:
            self.exitcode = EXIT_LOCKED
        elif stats.get_value("finish_reason") == UNAVAILABLE_REASON:
            self.exitcode = EXIT_STORE_UNAVAILABLE
        elif stats.get_value("finish_reason") in (REPLACED_REASON, MISSING_REASON):
            self.exitcode = EXIT_STORE_REPLACED
        elif self.stop_signal is not None:
            self.exitcode = EXIT_BY_SIGNAL.get(signal.Signals(self.stop_signal), 128 + self.stop_signal)
        elif stats.get_value(stats_keys.HEALTH("verdict")) == "failed":
            self.exitcode = 1

    def _print_block(self) -> None:
        """The run's closing block on the terminal (:func:`govnews.ops.screen.site_block`)."""
        crawler = self.crawler
        assert crawler is not None and crawler.stats is not None
        contract = contract_of(crawler.spider)
        if contract is None or contract.args.probe or contract.args.discover is not None:
            return  # a probe prints its own report
        if crawler.stats.get_value(stats_keys.HEALTH("verdict")) is None and self.stop_signal is not None:
            # Stopped at once (a second Ctrl-C), or before the crawl got under way: nothing judged.
            said = (
                "stopped at once: every feed line written is whole; the next run reads back what the "
                "store did not record"
                if self.forced
                else "stopped before the crawl got under way: nothing written"
            )
            log = f"\nlog: {screen.shown(self.log_file)}" if self.log_file else ""
            print(said + log, file=sys.stderr, flush=True)
            return
        stop = signal.Signals(self.stop_signal).name if self.stop_signal is not None else None
        block = screen.site_block(
            crawler,
            crawler.get_extension(HealthSummary),
            self.log_file,
            stop_signal="Ctrl-C" if stop == "SIGINT" else stop,
        )
        print(block, file=sys.stderr, flush=True)
