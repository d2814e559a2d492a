"""The run summary: ``<feed>.summary.json`` beside each local feed, and one block at the
end of the log.

:class:`HealthSummary` (an extension) receives the :class:`HealthReport` from the
health monitor suite when the spider closes, and acts once the engine has stopped,
when every feed is stored and Scrapy has dumped its stats:

* writes ``<feed>.summary.json`` beside each local file feed of the run (``file://`` URIs
  and plain paths; other storages are skipped), atomically (temporary file, then rename):
  spider, base URL, job, start and finish time, finish reason, verdict, the checks,
  counts per column and the stats that matter;
* logs the block: a multi-line record (INFO when the run passed or was stopped, ERROR when
  it failed) with the verdict and a table of counts per column, then one ERROR line per
  failed check;
* logs the run's result as one line of JSON, ``govnews result: {...}`` (INFO): verdict,
  headline, spider, site, job, items, finish reason, failed checks, summary path. It is the
  line machines read (``python -m govnews.ops.schedule --wait`` reads it from the log scrapyd
  serves); the block above is for people;
* a run that leaves no feed file says why in one INFO line (``no feed written: nothing new
  since the last run …``, :func:`no_feed_reason`);
* then has the run history record the run (:mod:`govnews.ops.health.history`: one line in
  ``<output>/<spider>/runs.jsonl``, also for a run that exported nothing).

The report is also what the stats say: ``govnews/health/verdict`` (``passed``,
``failed``, or ``unchecked`` when spidermon is disabled) and
``govnews/health/failed_checks``; ``scrapy crawl`` exits with 1 on ``failed``.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage
from w3lib.url import file_uri_to_path

from govnews import stats_keys
from govnews.contract import contract_of
from govnews.feeds import job_id
from govnews.logs import COUNTED, for_crawler
from govnews.ops.health.checks import Check, column_counters, column_label, failed
from govnews.ops.health.history import record_run
from govnews.sites import family

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SUMMARY_SUFFIX = ".summary.json"
HEALTH_MONITOR_SUITE = "govnews.ops.health.monitors.HealthMonitorSuite"
_COLUMN_COUNTS = (
    "page_count",
    "list_pages",
    "list_rows",
    "empty_first_page",
    "list_failed",
    "rows_followed",
    "rows_known",
    "items_extracted",
    "article_failed",
    "extract_fallback",
    "items",
    "invalid",
    "new",
    "changed",
)


@dataclass(frozen=True)
class HealthReport:
    """The verdict of one run, with the checks behind it and the stats they judged."""

    passed: bool
    checks: tuple[Check, ...]
    stats: Mapping[str, Any] = field(default_factory=dict)
    verdict_override: str | None = None
    """``unchecked`` when no check ran by design (spidermon disabled); ``stopped`` when a
    user stopped the run (SIGINT, SIGTERM, scrapyd's cancel); ``bad_argument`` when a mistyped
    column ended it (:func:`govnews.ops.health.checks.unjudged_verdict`)."""

    @property
    def verdict(self) -> str:
        return self.verdict_override or ("passed" if self.passed else "failed")

    @property
    def failed_checks(self) -> list[Check]:
        return failed(self.checks)


def record_verdict(crawler: Crawler, report: HealthReport) -> None:
    """``govnews/health/verdict``, ``…/failed_checks`` and ``…/checks`` in the stats."""
    assert crawler.stats is not None
    crawler.stats.set_value(stats_keys.HEALTH("verdict"), report.verdict)
    crawler.stats.set_value(stats_keys.HEALTH("failed_checks"), len(report.failed_checks))
    crawler.stats.set_value(stats_keys.HEALTH("checks"), len(report.checks))
    # The first line of each failed check's message: what a family report prints per site.
    crawler.stats.set_value(
        stats_keys.HEALTH("failed_messages"),
        [c.message.strip().splitlines()[0] for c in report.failed_checks if c.message.strip()],
    )


def deliver_report(crawler: Crawler, report: HealthReport) -> None:
    """Store the verdict in the stats and hand the report to :class:`HealthSummary`
    (or, when that extension is off, log the block at once)."""
    record_verdict(crawler, report)
    extension = crawler.get_extension(HealthSummary)
    if extension is not None:
        extension.report = report
    else:
        log_block(report, column_rows(report.stats, _sections(crawler)), [], crawler)


# -- the summary file -----------------------------------------------------------------


def local_feed_paths(crawler: Crawler) -> list[Path]:
    """The files of the run's local feeds (the current batch of each), in FEEDS order."""
    exporter = crawler.get_extension(FeedExporter)
    if exporter is None:
        return []
    paths: list[Path] = []
    for slot in exporter.slots:
        path = Path(slot.storage.path) if isinstance(slot.storage, FileFeedStorage) else local_path(slot.uri)
        if path is None:
            logger.debug("no summary beside feed %s: not a local file", slot.uri)
        elif path not in paths:
            paths.append(path)
    return paths


def local_path(uri: str) -> Path | None:
    """The local path of a feed URI, or None for a remote storage.

    >>> local_path("file:///tmp/out.jsonl"), local_path("out.jsonl"), local_path("s3://bucket/out.jsonl")
    (PosixPath('/tmp/out.jsonl'), PosixPath('out.jsonl'), None)
    """
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return Path(file_uri_to_path(uri))
    if not scheme or len(scheme) == 1:  # a plain path (or a Windows drive letter)
        return Path(uri)
    return None


def summary_path(feed: Path) -> Path:
    """``out.jsonl`` → ``out.jsonl.summary.json``."""
    return feed.with_name(feed.name + SUMMARY_SUFFIX)


def write_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` so that a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        # 0o666 less the umask, as the feed beside it (a NamedTemporaryFile would be 0o600).
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def _by_suffix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix) and isinstance(v, int)}


def column_rows(stats: Mapping[str, Any], sections: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Counts per column: the walked columns first, then any other with counters."""
    counters = column_counters(stats)
    columns = list(sections) + sorted(c for c in counters if c not in sections)
    rows: dict[str, dict[str, Any]] = {}
    for column in columns:
        c = counters.get(column, Counter())
        row: dict[str, Any] = {"name": family.column_name(column)}
        row.update({key: c[key] for key in _COLUMN_COUNTS})
        row["published_from"] = {k.split("/", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("published_from/")}
        row["fields"] = {k.split("/", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("field/")}
        rows[column] = row
    return rows


def stats_that_matter(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Items, requests, responses by status, errors, retries, failures and drops by reason."""
    drops = {f"invalid/{k}": v for k, v in _by_suffix(stats, stats_keys.VALIDATE.prefix_of("dropped")).items()}
    drops["duplicate_url"] = _int(stats, stats_keys.ARTICLE_DEDUP("dropped_same_url"))
    drops["unchanged"] = _int(stats, stats_keys.STATE("unchanged"))
    return {
        "items": _int(stats, "item_scraped_count"),
        "items_dropped": _int(stats, "item_dropped_count"),
        "items_marked_duplicate_of": _int(stats, stats_keys.ARTICLE_DEDUP("marked_duplicate_of")),
        "drops_by_reason": {k: v for k, v in drops.items() if v},
        "requests": _int(stats, "downloader/request_count"),
        "responses_by_status": _by_suffix(stats, "downloader/response_status_count/"),
        "download_errors": _by_suffix(stats, "downloader/exception_type_count/"),
        "errors": _int(stats, "log_count/ERROR"),
        "warnings": _int(stats, "log_count/WARNING"),
        "retries": _int(stats, "retry/count"),
        "retries_given_up": _int(stats, "retry/max_reached"),
        "list_failures_by_reason": _by_suffix(stats, stats_keys.LIST.prefix_of("failed")),
        "article_failures_by_reason": _by_suffix(stats, stats_keys.ARTICLE.prefix_of("failed")),
        "blocked": _by_suffix(stats, stats_keys.BLOCKED.prefix),
        "body_fallbacks": _int(stats, stats_keys.EXTRACT("fallback")),
        "published_from": _by_suffix(stats, stats_keys.EXTRACT.prefix_of("published_from")),
        "template_placeholders_removed": _int(stats, stats_keys.TEMPLATE_RESIDUE("placeholders_removed")),
        "duplicate_paragraphs_removed": _int(stats, stats_keys.PARAGRAPH_DEDUP("duplicates_removed")),
        "elapsed_time_seconds": stats.get("elapsed_time_seconds"),
    }


def build_summary(
    report: HealthReport,
    final_stats: Mapping[str, Any],
    *,
    spider: str,
    base_url: str | None,
    job: str,
    sections: tuple[str, ...],
    feed: Path | None = None,
) -> dict[str, Any]:
    """The summary document; counts come from the stats the checks judged, times from the final stats."""
    stats = {**final_stats, **report.stats} if report.stats else dict(final_stats)
    return {
        "spider": spider,
        "base_url": base_url,
        "job": job,
        "feed": str(feed) if feed else None,
        "start_time": _iso(final_stats.get("start_time")),
        "finish_time": _iso(final_stats.get("finish_time")),
        "finish_reason": final_stats.get("finish_reason"),
        "verdict": report.verdict,
        "failed_checks": len(report.failed_checks),
        "checks": [c.as_dict() for c in report.checks],
        "columns": column_rows(stats, sections),
        "stats": stats_that_matter(stats),
    }


# -- the log block ---------------------------------------------------------------------


def format_block(
    report: HealthReport,
    columns: Mapping[str, Mapping[str, Any]],
    summaries: list[Path],
    changes: tuple[str, int] | None = None,
) -> str:
    """The verdict, a table of counts per column, where the summaries are and the run's changes
    feed (``changes``: its path and how many records it got)."""
    stats = report.stats
    n_failed = len(report.failed_checks)
    head = f"Health checks {report.verdict.upper()}: "
    if report.verdict == "stopped":
        head += "stopped by the user, nothing judged"
    elif report.verdict == "bad_argument":
        head += "a column asked for is not on the site (see its ERROR line), nothing judged"
    else:
        head += f"{n_failed} of {len(report.checks)} checks failed" if n_failed else f"{len(report.checks)} checks"
    head += (
        f"; {_int(stats, 'item_scraped_count')} items, finish reason {stats.get('finish_reason')!r}, "
        f"{_int(stats, 'log_count/ERROR')} errors, {_int(stats, 'retry/max_reached')} retries given up"
    )
    lines = [head]
    if columns:
        lines.append(
            f"  {'pages':>5} {'rows':>5} {'follow':>6} {'known':>5} {'items':>5} {'failed':>6} "
            f"{'fallbk':>6} {'urldt':>5}  column"
        )
        for path, row in columns.items():
            lines.append(
                f"  {row['list_pages']:>5} {row['list_rows']:>5} {row['rows_followed']:>6} {row['rows_known']:>5} "
                f"{row['items']:>5} {row['article_failed']:>6} {row['extract_fallback']:>6} "
                f"{row['published_from'].get('url', 0):>5}  {column_label(path)[len('column ') :]}"
            )
    lines += [f"  summary: {path}" for path in summaries]
    if changes is not None:
        lines.append(f"  changes: {changes[1]} record(s) in {changes[0]}")
    return "\n".join(lines)


def log_block(
    report: HealthReport,
    columns: Mapping[str, Mapping[str, Any]],
    summaries: list[Path],
    crawler: Crawler,
    changes: tuple[str, int] | None = None,
) -> None:
    # Counted: on a terminal the run's closing block says the verdict (govnews.ops.screen).
    log = for_crawler(logger, crawler, COUNTED)
    level = logging.ERROR if report.verdict == "failed" else logging.INFO
    log.log(level, format_block(report, columns, summaries, changes))
    for check in report.failed_checks:
        log.error("Health check %s failed: %s", check.name, check.message)


RESULT_MARK = "govnews result: "
"""What starts the run's one-line JSON result in the log (:func:`result_record`)."""


def result_record(
    report: HealthReport,
    final_stats: Mapping[str, Any],
    *,
    spider: str,
    site: str | None,
    job: str,
    summary: Path | None,
) -> dict[str, Any]:
    """The run's result for machines: logged as one JSON line after :data:`RESULT_MARK`.

    >>> report = HealthReport(passed=True, checks=(Check("finish_reason", True, ""),))
    >>> record = result_record(report, {"item_scraped_count": 3, "finish_reason": "finished"},
    ...                        spider="wuhan", site="wuhan", job="j1", summary=None)
    >>> record["verdict"], record["items"], record["failed_checks"], record["headline"][:24]
    ('passed', 3, [], 'Health checks PASSED: 1 ')
    """
    stats = {**final_stats, **report.stats} if report.stats else dict(final_stats)
    return {
        "verdict": report.verdict,
        "headline": format_block(
            HealthReport(report.passed, report.checks, stats, report.verdict_override), {}, []
        ).splitlines()[0],
        "spider": spider,
        "site": site,
        "job": job,
        "items": _int(stats, "item_scraped_count"),
        "new": _int(stats, stats_keys.STATE("new")),
        "finish_reason": final_stats.get("finish_reason"),
        "failed_checks": [{"name": c.name, "message": c.message} for c in report.failed_checks],
        "summary": str(summary) if summary else None,
        "changes_feed": stats.get(stats_keys.CHANGES("feed")),
    }


def log_result(record: Mapping[str, Any], crawler: Crawler) -> None:
    """One INFO line, :data:`RESULT_MARK` then the record as JSON: never more than one line,
    whatever the messages hold (JSON escapes line breaks)."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True)
    for_crawler(logger, crawler).info("%s%s", RESULT_MARK, line)


# What an incremental run met that an earlier run had exported (or found dead) already.
_KNOWN_ALREADY = ("known_skipped", "dead_links_skipped", "unchanged", "not_modified", "stopped_at_known_page")


def no_feed_reason(stats: Mapping[str, Any], verdict: str, *, incremental: bool) -> str:
    """Why a run left no feed file, in the words of its one line.

    >>> no_feed_reason({"govnews/state/known_skipped": 20}, "passed", incremental=True)
    'nothing new since the last run (incremental; -a incremental=0 exports everything)'
    >>> no_feed_reason({}, "stopped", incremental=True)
    'stopped before any article was exported'
    """
    if verdict == "stopped":
        return "stopped before any article was exported"
    if verdict == "bad_argument":
        return "a column asked for is not on the site"
    if incremental and any(_int(stats, stats_keys.STATE(key)) for key in _KNOWN_ALREADY):
        return "nothing new since the last run (incremental; -a incremental=0 exports everything)"
    if _int(stats, "item_dropped_count"):
        return f"no article exported: {_int(stats, 'item_dropped_count')} dropped by the pipelines (see the log)"
    return "no article exported (see the failed and skipped pages)"


def _sections(crawler: Crawler) -> tuple[str, ...]:
    """The columns the run walked (none for a spider that is not ours, or with ``urls``)."""
    contract = contract_of(crawler.spider)
    if contract is None or contract.args.urls:
        return ()
    return contract.args.sections


class HealthSummary:
    """Writes ``<feed>.summary.json`` and logs the health block once the engine stopped."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.report: HealthReport | None = None
        self.summaries: list[Path] = []
        """The summary files written beside the feeds (once the engine stopped)."""
        self.feeds: list[Path] = []
        """The run's local feed files that exist (once the engine stopped)."""
        self.no_feed: str | None = None
        """Why the run wrote no feed file, when it wrote none (:func:`no_feed_reason`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthSummary:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def _checks_enabled(self) -> bool:
        settings = self.crawler.settings
        return settings.getbool("SPIDERMON_ENABLED") and HEALTH_MONITOR_SUITE in settings.getlist(
            "SPIDERMON_SPIDER_CLOSE_MONITORS"
        )

    def _report(self) -> HealthReport:
        if self.report is not None:
            return self.report
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        if not self._checks_enabled():
            report = HealthReport(passed=True, checks=(), stats=stats, verdict_override="unchecked")
            for_crawler(logger, self.crawler).warning(
                "health checks are off (SPIDERMON_ENABLED or SPIDERMON_SPIDER_CLOSE_MONITORS)"
            )
        else:
            # The suite was configured but never reported: it crashed, or the spider never closed.
            missing = Check("health_checks", False, f"the health checks did not run ({HEALTH_MONITOR_SUITE})")
            report = HealthReport(passed=False, checks=(missing,), stats=stats)
        record_verdict(self.crawler, report)
        return report

    def engine_stopped(self) -> None:
        spider = self.crawler.spider
        if spider is None:
            return
        assert self.crawler.stats is not None
        report = self._report()
        sections = _sections(self.crawler)
        final_stats = self.crawler.stats.get_stats()
        written: list[Path] = []
        # A run that exported nothing has no feed file (FEED_STORE_EMPTY = False), so no summary
        # file either: its line in runs.jsonl is its record.
        asked = local_feed_paths(self.crawler)
        feeds = [feed for feed in asked if feed.exists()]
        self.feeds = feeds
        args = contract.args if (contract := contract_of(spider)) is not None else None
        if asked and not feeds and not (args is not None and args.probe):
            # Nothing silent: whatever the format (-o articles.csv too), a run without a file says why.
            self.no_feed = no_feed_reason(
                {**final_stats, **report.stats}, report.verdict, incremental=args is None or args.incremental
            )
            for_crawler(logger, self.crawler, COUNTED).info("no feed written: %s", self.no_feed)
        for feed in feeds:
            target = summary_path(feed)
            document = build_summary(
                report,
                final_stats,
                spider=spider.name,
                base_url=args.base_url if args is not None else None,
                job=job_id(spider),
                sections=sections,
                feed=feed,
            )
            try:
                write_atomic(target, document)
            except OSError as error:
                for_crawler(logger, self.crawler).error("could not write the run summary %s: %s", target, error)
            else:
                written.append(target)
        self.summaries = written
        if written:
            self.crawler.stats.set_value(stats_keys.HEALTH("summary"), str(written[0]))
        changes_feed = final_stats.get(stats_keys.CHANGES("feed"))
        changes = (str(changes_feed), _int(final_stats, stats_keys.CHANGES("written"))) if changes_feed else None
        log_block(report, column_rows(report.stats or final_stats, sections), written, self.crawler, changes)
        base_url = args.base_url if args is not None else None
        result = result_record(
            report,
            final_stats,
            spider=spider.name,
            site=family.site_key(base_url) if base_url else None,
            job=job_id(spider),
            summary=written[0] if written else None,
        )
        log_result(result, self.crawler)
        record_run(
            self.crawler,
            report.verdict,
            report.stats,
            feed=feeds[0] if feeds else None,
            summary=written[0] if written else None,
        )
