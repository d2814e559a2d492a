"""The run history: one line a run in ``<output>/<spider>/runs.jsonl``.

Every run that is no probe appends one line when its engine has stopped (start, end, job,
verdict, finish reason, items new and changed, feed and summary paths, and the state store it
used): also a run that exported nothing and so left no feed file, whose line is then its only
record. :class:`govnews.ops.health.summary.HealthSummary` calls :func:`record_run` once it has
the verdict and has written the summary beside the feed. The file itself (its name, an append
that never interleaves two runs' lines, what it remembers of the state stores) is
:mod:`govnews.store.history`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnews import stats_keys
from govnews.contract import contract_of
from govnews.feeds import job_id, output_dir
from govnews.logs import for_crawler
from govnews.store.history import RUNS_FILE, append_run

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def run_record(
    verdict: str,
    stats: Mapping[str, Any],
    final_stats: Mapping[str, Any],
    *,
    job: str,
    feed: Path | None,
    summary: Path | None,
) -> dict[str, Any]:
    """One line of ``runs.jsonl``: when, which job, the verdict, what it exported, where.
    ``stats``: those the verdict judged (the counts); ``final_stats``: Scrapy's at the end
    (the times, the finish reason).

    >>> record = run_record("passed", {"govnews/state/new": 3}, {"finish_reason": "finished"},
    ...                     job="j1", feed=None, summary=None)
    >>> record["verdict"], record["new"], record["finish_reason"], "store" in record
    ('passed', 3, 'finished', False)
    """
    record = {
        "start": _iso(final_stats.get("start_time")),
        "end": _iso(final_stats.get("finish_time")),
        "job": job,
        "verdict": verdict,
        "finish_reason": final_stats.get("finish_reason"),
        "items": _int(stats, "item_scraped_count"),
        "new": _int(stats, stats_keys.STATE("new")),
        "changed": _int(stats, stats_keys.STATE("changed")),
        "feed": str(feed) if feed else None,
        "summary": str(summary) if summary else None,
    }
    if store_id := stats.get(stats_keys.STATE("store_id")):
        # The state store this run used (govnews.store.history): a store that vanishes is noticed.
        record |= {"store": stats.get(stats_keys.STATE("store")), "store_id": store_id}
    return record


def record_run(
    crawler: Crawler, verdict: str, judged: Mapping[str, Any], *, feed: Path | None, summary: Path | None
) -> None:
    """Append the run's line to its spider's history; a probe, which exports nothing and writes
    nothing, has none. A failed append is logged at ERROR (the run's feed stands)."""
    spider = crawler.spider
    if spider is None or crawler.stats is None:
        return
    contract = contract_of(spider)
    if contract is not None and contract.args.probe:
        return
    final_stats = crawler.stats.get_stats()
    stats = {**final_stats, **judged} if judged else dict(final_stats)
    history = output_dir(crawler.settings.get("GOVNEWS_OUTPUT_DIR")) / spider.name / RUNS_FILE
    record = run_record(verdict, stats, final_stats, job=job_id(spider), feed=feed, summary=summary)
    try:
        append_run(history, record)
    except OSError as error:
        for_crawler(logger, crawler).error("could not append to the run history %s: %s", history, error)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
