"""What a run shows a person at a terminal: the result first, the log in a file.

``scrapy crawl`` on a terminal (stderr is a TTY, not under scrapyd, and no ``-L``/``--loglevel``,
``-s LOG_LEVEL``, ``--logfile``, ``LOG_FILE``, ``--nolog`` or ``LOG_STDOUT`` asked for) writes
Scrapy's log, its start-up banner and stats dump included, to
``<GOVNEWS_OUTPUT_DIR>/<spider>/logs/<job>.log`` (:func:`log_path`). The terminal gets
(:func:`install_console`): the progress bars; WARNING and ERROR lines, except those whose
event the stats count and the closing block says (a page skipped or failed, the health
block: :data:`govnews.logs.COUNTED`); the few INFO lines meant for it
(:data:`govnews.logs.SCREEN`: what a stop is waiting for); and, when the run ends, one
short block (:func:`site_block`, :func:`family_block`):

* the feed, or why no feed was written;
* the verdict, and each failed check;
* per column, the articles new, changed (incremental runs) and known;
* the pages skipped and failed, grouped by kind, each kind said in words (:func:`explain`);
* where the full log is.

Anywhere else (scrapyd, cron, a pipe) nothing changes: Scrapy's log goes where Scrapy puts
it, with the health block and the one-line JSON result (``govnews result: {...}``) at INFO.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnews import stats_keys
from govnews.contract import contract_of
from govnews.logs import COUNTED, SCREEN, marked
from govnews.sites import family

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from govnews.ops.health.summary import HealthSummary

# Why a page was skipped or failed (the reason of govnews/article/failed/<reason> and
# govnews/list/failed/<reason>), in words; an HTTP status not listed is said by its class.
REASONS: dict[str, str] = {
    "http_404": "dead link on the site",
    "http_410": "removed from the site",
    "http_403": "refused by the site",
    "http_412": "blocked by the site (a JavaScript challenge)",
    "http_429": "blocked by the site (too many requests)",
    "soft_404": "a 'not found' page served as a page",
    "robots_txt": "forbidden by robots.txt",
    "redirect_loop": "a redirect loop",
    "redirect_limit": "too many redirects",
    "offsite": "redirected to another site",
    "TimeoutError": "no answer in time",
    "TCPTimedOutError": "no answer in time",
    "ConnectionRefusedError": "the site refused the connection",
    "ConnectError": "the connection failed",
    "ConnectionLost": "the connection was cut",
    "ConnectionDone": "the connection was cut",
    "ResponseNeverReceived": "the connection was cut",
    "ResponseFailed": "the connection was cut",
    "DNSLookupError": "the host name did not resolve",
    "unreadable": "not a readable page",
    "empty_page": "a list page without rows",
    "not_html": "not a web page",
}


def explain(reason: str) -> str:
    """``reason`` in words, the reason itself in brackets.

    >>> explain("http_404"), explain("http_503"), explain("Weird")
    ('dead link on the site (http_404)', "the site's server failed (http_503)", 'Weird')
    """
    if reason in REASONS:
        return f"{REASONS[reason]} ({reason})"
    if reason.startswith("http_5"):
        return f"the site's server failed ({reason})"
    if reason.startswith("http_"):
        return f"the site answered {reason[5:]} ({reason})"
    return reason


# -- the console on a terminal ---------------------------------------------------------


def wants_quiet_console(settings: BaseSettings, opts: Any) -> bool:
    """True when the run is on a terminal and the user asked for no log of their own (the
    module docstring)."""
    from scrapy.settings import SETTINGS_PRIORITIES  # noqa: PLC0415 - Scrapy's, only here

    if not sys.stderr.isatty() or os.environ.get("SCRAPY_JOB"):
        return False
    if getattr(opts, "loglevel", None) or getattr(opts, "logfile", None) or getattr(opts, "nolog", False):
        return False
    if settings.get("LOG_FILE") or settings.getbool("LOG_STDOUT") or not settings.getbool("LOG_ENABLED", True):
        return False
    return (settings.getpriority("LOG_LEVEL") or 0) < SETTINGS_PRIORITIES["cmdline"]


def log_path(output: Path, spider: str, job: str) -> Path:
    """``<output>/<spider>/logs/<job>.log``."""
    return output / spider / "logs" / f"{job}.log"


class _ConsoleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if marked(record, SCREEN):
            return True
        return record.levelno >= logging.WARNING and not marked(record, COUNTED)


class _ConsoleFormatter(logging.Formatter):
    """``warning: …``/``error: …``, as the command's own argument errors; screen lines bare."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        if record.levelno < logging.WARNING:
            return message
        return f"{record.levelname.lower()}: {message}"


def install_console() -> logging.Handler:
    """The terminal's handler on the root logger (the module docstring)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO)
    handler.addFilter(_ConsoleFilter())
    handler.setFormatter(_ConsoleFormatter())
    logging.getLogger().addHandler(handler)
    return handler


# -- the closing block -------------------------------------------------------------------


def shown(path: Path | str | None, cwd: Path | None = None) -> str:
    """``path`` relative to the working directory when under it, else as it is."""
    if path is None:
        return "none"
    path = Path(path)
    base = cwd or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def _by_reason(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {
        key[len(prefix) :]: value
        for key, value in sorted(stats.items())
        if key.startswith(prefix) and isinstance(value, int) and value
    }


def pages_lines(stats: Mapping[str, Any]) -> list[str]:
    """The pages skipped and failed, by kind, each said in words.

    >>> print("\\n".join(pages_lines({"govnews/article/failed/http_404": 4})))
    skipped 4 article pages:
          4  dead link on the site (http_404)
    """
    lines: list[str] = []
    for prefix, head in ((stats_keys.ARTICLE.prefix_of("failed"), "skipped {n} article page{s}:"),
                         (stats_keys.LIST.prefix_of("failed"), "failed {n} list page{s}:")):  # fmt: skip
        reasons = _by_reason(stats, prefix)
        if not reasons:
            continue
        total = sum(reasons.values())
        lines.append(head.format(n=total, s="" if total == 1 else "s"))
        lines += [f"  {count:>5}  {explain(reason)}" for reason, count in reasons.items()]
    return lines


def column_lines(stats: Mapping[str, Any], sections: Sequence[str], *, incremental: bool) -> list[str]:
    """Per column, the articles new, changed and known (incremental) or exported."""
    if not sections:
        return []

    def count(column: str, key: str) -> int:
        return _int(stats, stats_keys.column(column, key))

    def label(column: str) -> str:
        name = family.column_name(column)
        return f"{column} ({name})" if name else column

    if not incremental:
        lines = [f"  {'articles':>8}  column"]
        lines += [f"  {count(c, 'items'):>8}  {label(c)}" for c in sections]
        return lines
    lines = [f"  {'new':>5} {'changed':>7} {'known':>5}  column"]
    for column in sections:
        new, changed, known = (count(column, key) for key in ("new", "changed", "rows_known"))
        lines.append(f"  {new:>5} {changed:>7} {known:>5}  {label(column)}")
    return lines


def verdict_line(stats: Mapping[str, Any], stop_signal: str | None = None) -> list[str]:
    """The verdict, and each failed check (their first lines)."""
    verdict = stats.get(stats_keys.HEALTH("verdict")) or "none"
    checks = _int(stats, stats_keys.HEALTH("checks"))
    if verdict == "passed":
        return [f"verdict: passed ({checks} checks)"]
    if verdict == "stopped":
        by = f" by {stop_signal}" if stop_signal else ""
        return [f"verdict: stopped{by}, nothing judged; the next run goes on from here, nothing lost"]
    if verdict == "failed":
        messages = stats.get(stats_keys.HEALTH("failed_messages")) or []
        failed = _int(stats, stats_keys.HEALTH("failed_checks"))
        return [f"verdict: failed ({failed} of {checks} checks)"] + [f"  failed: {m}" for m in messages]
    return [f"verdict: {verdict} (finish reason {stats.get('finish_reason')!r})"]


def site_block(
    crawler: Crawler,
    summary: HealthSummary | None,
    log: Path | None,
    *,
    stop_signal: str | None = None,
    cwd: Path | None = None,
) -> str:
    """The closing block of one site's run (the module docstring)."""
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    contract = contract_of(crawler.spider)
    incremental = contract is None or contract.args.incremental
    sections = contract.args.sections if contract is not None and not contract.args.urls else ()
    feeds = summary.feeds if summary is not None else []
    items = _int(stats, "item_scraped_count")
    if feeds:
        new = f", {_int(stats, stats_keys.STATE('new'))} new" if incremental else ""
        lines = [f"feed: {shown(feed, cwd)} ({items} articles{new})" for feed in feeds]
    elif summary is not None and summary.no_feed:
        lines = [f"no feed written: {summary.no_feed}"]
    else:
        lines = [f"feed: none ({items} articles)"]
    lines += verdict_line(stats, stop_signal)
    lines += column_lines(stats, sections, incremental=incremental)
    lines += pages_lines(stats)
    if log is not None:
        lines.append(f"log: {shown(log, cwd)}")
    return "\n".join(lines)


def family_block(report: str, log: Path | None, cwd: Path | None = None) -> str:
    """The family's report, then where the full log is."""
    return report + (f"\nlog: {shown(log, cwd)}" if log is not None else "")
