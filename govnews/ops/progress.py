"""Progress of a long crawl: live lines on a terminal, a log line a minute elsewhere.

On a terminal (stderr is a TTY), one live line per column: list pages read of the
pager's count, articles exported, their rate and the time left (tqdm's bars; log lines
print above them). Elsewhere (scrapyd, cron, a pipe) one INFO line every
``GOVNEWS_PROGRESS_INTERVAL`` seconds (60) with the same figures for every column.

``GOVNEWS_PROGRESS``: ``auto`` (the default: bars on a terminal, else log lines), ``log``,
``bars`` or ``off``. The figures come from the spider's walks
(:class:`govnews.store.run.IncrementalRun`) and the per-column stats.

While bars show, the root logger's console handlers write through ``tqdm.write``
(:func:`bars_safe_console`), so a log line goes above the bars instead of through them.
The handlers stay what they were, their level and filters included (tqdm's own
``logging_redirect_tqdm`` swaps in a handler with no level: every DEBUG record of a run at
INFO reached the screen), and the crawlers of a family run, whose bars come and go in any
order, share one redirection (swapping handler lists in and out of order left a console
handler twice on the root logger, and lines twice on the screen).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from tqdm import tqdm

from govnews import stats_keys
from govnews.contract import SpiderContract, contract_of

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from govnews.store.walk import ColumnWalk

logger = logging.getLogger(__name__)
MODES = ("auto", "log", "bars", "off")


class _AboveTheBars:
    """A console stream whose writes go above the progress bars (``tqdm.write``)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        tqdm.write(text, file=self.stream, end="")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


_redirected: dict[logging.StreamHandler[Any], Any] = {}
_depth = 0


def _console(handler: logging.Handler) -> logging.StreamHandler[Any] | None:
    """``handler`` when it writes to the terminal's stderr or stdout."""
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return None
    return handler if handler.stream in (sys.stderr, sys.stdout) else None


@contextmanager
def bars_safe_console() -> Iterator[None]:
    """While inside, the root logger's console handlers write above the bars; nested uses
    (one per crawler of a family run, left in any order) share one redirection."""
    global _depth  # noqa: PLW0603 - one redirection for the process, however many crawlers show bars
    if _depth == 0:
        for handler in logging.getLogger().handlers:
            if (console := _console(handler)) is not None:
                _redirected[console] = console.setStream(_AboveTheBars(console.stream))
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            for handler, stream in _redirected.items():
                handler.setStream(stream)
            _redirected.clear()


def eta_text(seconds: float | None) -> str:
    """``~3 min``, ``~2 h 5 min``, ``<1 min``; ``?`` when unknown.

    >>> eta_text(None), eta_text(20), eta_text(190), eta_text(7500)
    ('?', '<1 min', '~3 min', '~2 h 5 min')
    """
    if seconds is None:
        return "?"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"~{minutes} min"
    return f"~{minutes // 60} h {minutes % 60} min"


class CrawlProgress:
    """Shows how far each column's walk has come (see the module docstring)."""

    def __init__(self, crawler: Crawler, mode: str, interval: float) -> None:
        self.crawler = crawler
        self.mode = mode
        self.interval = interval
        self.started = time.monotonic()
        self.bars: dict[str, tqdm[Any]] = {}
        self.redirect = ExitStack()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        mode = str(crawler.settings.get("GOVNEWS_PROGRESS", "auto")).lower()
        if mode not in MODES:
            raise ValueError(f"GOVNEWS_PROGRESS={mode!r} is not allowed; allowed: {', '.join(MODES)}")
        if mode == "auto":
            mode = "bars" if sys.stderr.isatty() else "log"
        if mode == "off":
            raise NotConfigured
        interval = 1.0 if mode == "bars" else crawler.settings.getfloat("GOVNEWS_PROGRESS_INTERVAL", 60.0)
        extension = cls(crawler, mode, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        contract = contract_of(spider)
        if contract is None or contract.args.probe:
            return
        self.started = time.monotonic()
        if self.mode == "bars":
            self.redirect.enter_context(bars_safe_console())
        self.task = create_looping_call(self.update, contract)
        self.task.start(self.interval, now=False)

    def columns(self, spider: SpiderContract) -> list[tuple[str, ColumnWalk | None, int]]:
        """``(column, its walk or None, articles exported)`` for each column of the run."""
        run = spider.incremental_run
        stats = self.crawler.stats
        assert stats is not None
        out = []
        for column in spider.args.sections:
            items = stats.get_value(stats_keys.column(column, "items"), 0)
            out.append((column, run.columns.get(column), int(items)))
        return out

    def update(self, spider: SpiderContract) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rows = self.columns(spider)
        if self.mode == "bars":
            for position, (column, walk, items) in enumerate(rows):
                bar = self.bars.get(column)
                if bar is None:
                    bar = tqdm(desc=column, unit="list page", position=position, leave=True, dynamic_ncols=True)
                    self.bars[column] = bar
                if walk is not None:
                    bar.total = walk.list_pages if walk.stopped else walk.page_count
                    bar.n = walk.list_pages
                bar.set_postfix_str(f"{items} articles, {items / elapsed * 60:.0f}/min", refresh=False)
                bar.refresh()
            return
        parts = []
        for column, walk, items in rows:
            pages = walk.list_pages if walk else 0
            count = walk.page_count if walk else None
            if walk is not None and walk.stopped:
                state = "done"
            elif count and pages:
                state = f"ETA {eta_text(elapsed / pages * (count - pages))}"
            else:
                state = "ETA ?"
            parts.append(f"{column} {pages}/{count or '?'} list pages, {items} articles, {state}")
        total = sum(items for _, _, items in rows)
        logger.info("progress: %s; %.0f articles/min", "; ".join(parts), total / elapsed * 60)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        for bar in self.bars.values():
            bar.close()
        self.redirect.close()
