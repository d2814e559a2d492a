"""End-of-run health checks: the check functions on hand-made stats, the monitor suite
and its verdict, the summary writer, and ``scrapy crawl`` against the mirror both ways —
a healthy crawl passes, and each broken variant of the site fails the right check with
a message naming the column and the field."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from spidermon import MonitorRunner

from govnews import settings as project_settings
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.ops.health import checks
from govnews.ops.health.checks import Check, RunShape, Thresholds, column_counters
from govnews.ops.health.coverage import ColumnCoverage
from govnews.ops.health.monitors import HealthMonitorSuite
from govnews.ops.health.summary import (
    HealthReport,
    HealthSummary,
    build_summary,
    format_block,
    local_path,
    summary_path,
    write_atomic,
)
from govnews.pipelines.validate import ValidateArticlePipeline
from tests.conftest import CrawlResult, run_crawl
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_pipelines import valid_article

ALL_COLUMNS = "sy/whyw,sy/kwh,zwgk/tzgg,zwgk/xxgk/zcjd,zwgk/xxgk/zfwj/szfwj,zwgk/xxgk/zfgz_new"
SECTIONS = tuple(f"/{c}/" for c in ALL_COLUMNS.split(","))
# -- hand-made stats -----------------------------------------------------------------------


def column_stats(path: str, **counts: int) -> dict[str, int]:
    prefix = f"govnews/column/{path.strip('/')}"
    return {f"{prefix}/{key.replace('__', '/')}": value for key, value in counts.items()}


def healthy_column(path: str, items: int = 10) -> dict[str, int]:
    fields = {f"field__{name}": items for name in ("title", "published_at", "paragraphs", "source")}
    return column_stats(
        path,
        list_pages=2,
        list_rows=items + 2,
        rows_followed=items + 1,
        article_failed=1,
        items_extracted=items,
        items=items,
        published_from__meta=items,
        # With -a attachments=1: 6 files a reader could read, one of them a scan.
        attachments=6,
        attachments_read=5,
        **fields,
    )


def healthy_stats() -> dict[str, Any]:
    stats: dict[str, Any] = {
        "finish_reason": "finished",
        "item_scraped_count": 20,
        "log_count/WARNING": 2,
        "govnews/paragraph_dedup/duplicates_removed": 12,
        "govnews/template_residue/placeholders_removed": 1,
    }
    stats |= healthy_column("/sy/whyw/") | healthy_column("/zwgk/tzgg/")
    return stats


RUN = RunShape(("/sy/whyw/", "/zwgk/tzgg/"))


def judge_all(stats: dict[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Every check of the table that has a function (the monitors run the same, one each)."""
    return [check for rule in checks.CHECKS if rule.judge is not None for check in rule.judge(stats, run, thresholds)]


def failures(stats: dict[str, Any], run: RunShape = RUN, thresholds: Thresholds | None = None) -> list[str]:
    return [c.message for c in checks.failed(judge_all(stats, run, thresholds or Thresholds()))]


def test_healthy_stats_pass_every_check() -> None:
    results = judge_all(healthy_stats(), RUN, Thresholds())
    assert checks.failed(results) == []
    assert {c.name for c in results} == {rule.name for rule in checks.CHECKS if rule.judge is not None}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            column_stats("/zwgk/tzgg/", empty_first_page=1),
            ["column /zwgk/tzgg/ (通知公告): list page 1 had no rows"],
        ),
        (
            column_stats("/sy/whyw/", list_failed=2),
            ["column /sy/whyw/ (武汉要闻): 2 list pages failed (see the ERROR lines)"],
        ),
        (
            column_stats("/sy/whyw/", article_failed=7),
            ["column /sy/whyw/ (武汉要闻): 7 of 17 articles failed to download (41.2% > 20%)"],
        ),
        (
            column_stats("/sy/whyw/", field__source=-6),
            ["column /sy/whyw/ (武汉要闻): source on 4 of 10 items (40% < 90%)"],
        ),
        (
            column_stats("/zwgk/tzgg/", field__published_at=-1),
            ["column /zwgk/tzgg/ (通知公告): published_at on 9 of 10 items (90% < 100%)"],
        ),
        (
            column_stats("/zwgk/tzgg/", published_from__url=10),
            ["column /zwgk/tzgg/ (通知公告): published_at came from the URL fallback for 10 of 10 items (100% > 50%)"],
        ),
        (
            # Every file of the column read into nothing: the reader broke (catdoc missing …).
            column_stats("/zwgk/tzgg/", attachments_read=-5),
            ["column /zwgk/tzgg/ (通知公告): text read from 0 of 6 attachments (0% < 50%)"],
        ),
        (
            column_stats("/sy/whyw/", extract_fallback=10),
            ["column /sy/whyw/ (武汉要闻): body found by the fallback for 10 of 10 items (100% > 10%)"],
        ),
        (
            {"govnews/template_residue/placeholders_removed": 60},
            ["60 template placeholders removed in 20 items (3.00 per item > 0.5)"],
        ),
        (
            {"govnews/paragraph_dedup/duplicates_removed": 200},
            ["200 duplicate paragraphs removed in 20 items (10.00 per item > 4)"],
        ),
    ],
)
def test_each_check_fails_with_a_message_naming_column_and_field(changes: dict[str, Any], expected: list[str]) -> None:
    stats = healthy_stats()
    for key, value in changes.items():
        # Negative counts in the table lower a healthy count; others replace it.
        stats[key] = stats.get(key, 0) + value if isinstance(value, int) and value < 0 else value
    assert failures(stats) == expected


def test_a_column_with_rows_followed_but_no_item_fails_items_per_column() -> None:
    stats = healthy_stats()
    stats |= column_stats("/zwgk/tzgg/", items=0, invalid=10)
    assert (
        "column /zwgk/tzgg/ (通知公告): 11 list rows followed but no item exported "
        "(1 article pages failed, 10 extracted, 10 invalid)"
    ) in failures(stats)


def test_a_column_whose_article_pages_all_failed_fails_the_failed_share_not_items() -> None:
    stats = healthy_stats() | column_stats("/zwgk/tzgg/", items=0, items_extracted=0, article_failed=11)
    assert failures(stats) == ["column /zwgk/tzgg/ (通知公告): 11 of 11 articles failed to download (100% > 20%)"]


def test_an_incremental_rerun_with_nothing_new_is_healthy() -> None:
    """Rows known from earlier runs are not followed: 0 items, and one dead link is one of many rows."""
    stats: dict[str, Any] = {"finish_reason": "finished"}
    stats |= column_stats("/sy/whyw/", list_pages=1, list_rows=5, rows_known=4, rows_followed=1, article_failed=1)
    stats |= column_stats("/zwgk/tzgg/", list_pages=1, list_rows=5, rows_known=5)
    results = judge_all(stats, RUN, Thresholds())
    assert checks.failed(results) == []
    assert [c.message for c in results if c.name == "items_per_column"] == [
        "column /sy/whyw/ (武汉要闻): no item exported: the 1 rows followed failed to download (failed_articles); "
        "4 rows known from earlier runs",
        "column /zwgk/tzgg/ (通知公告): nothing new (all 5 rows known from earlier runs)",
    ]


def test_rows_left_out_by_since_make_zero_items_healthy() -> None:
    stats: dict[str, Any] = {"finish_reason": "finished"}
    stats |= column_stats("/sy/whyw/", list_pages=1, list_rows=5)
    assert failures(stats, RunShape(("/sy/whyw/",))) == []


def test_a_resumed_jobdir_run_does_not_judge_columns_it_read_no_list_page_of() -> None:
    stats: dict[str, Any] = {"finish_reason": "finished", "item_scraped_count": 10} | healthy_column("/sy/whyw/")
    fresh = RunShape(RUN.sections)
    assert failures(stats, fresh) == [
        "column /zwgk/tzgg/ (通知公告): no item exported: its list pages had no rows",
        "column /zwgk/tzgg/ (通知公告): no list page could be read",
    ]
    assert failures(stats, RunShape(RUN.sections, jobdir=True)) == []


def test_urls_mode_skips_the_list_checks_and_judges_the_columns_it_saw() -> None:
    stats: dict[str, Any] = {"finish_reason": "finished", "item_scraped_count": 2}
    stats |= column_stats("/sy/kwh/", items_extracted=2, items=2, extract_fallback=2, published_from__meta=2)
    results = judge_all(stats, RunShape(("/sy/whyw/",), walks_lists=False), Thresholds())
    assert not [c for c in results if c.name in ("items_per_column", "list_pages")]
    assert [c.message for c in checks.failed(results) if c.name == "body_fallback_share"] == [
        "column /sy/kwh/ (媒体看武汉): body found by the fallback for 2 of 2 items (100% > 10%)"
    ]


def test_a_share_beyond_its_threshold_by_chance_in_a_small_column_passes() -> None:
    """1 dead link in 3 rows, 5 of 7 articles with a source: within chance (Wilson 95 %)."""
    stats: dict[str, Any] = {"finish_reason": "finished", "item_scraped_count": 9}
    stats |= healthy_column("/sy/whyw/", items=7) | column_stats("/sy/whyw/", field__source=5)
    stats |= healthy_column("/zwgk/tzgg/", items=2) | column_stats("/zwgk/tzgg/", list_rows=3, rows_followed=3)
    results = judge_all(stats, RUN, Thresholds())
    assert checks.failed(results) == []
    assert [c.message for c in results if "within chance" in c.message] == [
        "column /zwgk/tzgg/ (通知公告): 1 of 3 articles failed to download (33.3% > 20%, within chance for 3 items)",
        "column /sy/whyw/ (武汉要闻): source on 5 of 7 items (71.4% < 90%, within chance for 7 items)",
    ]


def test_cleaning_rates_are_judged_from_min_items_for_rates_up() -> None:
    """One page with its body twice is 5 duplicates: not a rate to judge alone."""
    stats = healthy_stats() | {"item_scraped_count": 9, "govnews/paragraph_dedup/duplicates_removed": 45}
    assert [c for c in judge_all(stats, RUN, Thresholds()) if c.name == "duplicate_paragraphs"] == []
    assert failures(stats, thresholds=Thresholds(min_items_for_rates=9)) == [
        "45 duplicate paragraphs removed in 9 items (5.00 per item > 4)"
    ]


def test_columns_below_min_items_skip_the_share_checks() -> None:
    stats = healthy_stats() | column_stats("/sy/whyw/", extract_fallback=10, published_from__url=10)
    assert failures(stats, thresholds=Thresholds(min_items=11)) == []
    assert len(failures(stats, thresholds=Thresholds(min_items=10))) == 2


def test_items_dropped_as_invalid_count_against_coverage() -> None:
    stats = healthy_stats() | column_stats("/sy/whyw/", invalid=10, invalid_field__title=10)
    assert failures(stats) == [
        "column /sy/whyw/ (武汉要闻): published_at on 10 of 20 items (50% < 100%); 10 of them dropped as invalid",
        "column /sy/whyw/ (武汉要闻): paragraphs on 10 of 20 items (50% < 99%); 10 of them dropped as invalid",
        "column /sy/whyw/ (武汉要闻): source on 10 of 20 items (50% < 90%); 10 of them dropped as invalid",
    ]


def test_column_counters_read_nested_column_paths() -> None:
    stats = {
        "govnews/column/zwgk/xxgk/zfwj/szfwj/items": 3,
        "govnews/column/zwgk/xxgk/zfwj/szfwj/field/title": 3,
        "govnews/column/zwgk/xxgk/zfwj/szfwj/published_from/page_text": 2,
        "govnews/column/sy/whyw/invalid_field/source": 1,
        "govnews/list/pages": 9,
        "finish_time": "not a count",
    }
    assert column_counters(stats) == {
        "/zwgk/xxgk/zfwj/szfwj/": {"items": 3, "field/title": 3, "published_from/page_text": 2},
        "/sy/whyw/": {"invalid_field/source": 1},
    }


def test_thresholds_from_settings_read_command_line_strings() -> None:
    settings = Settings(
        {
            "GOVNEWS_HEALTH_MAX_FALLBACK_SHARE": "0.25",
            "GOVNEWS_HEALTH_MIN_ITEMS": "5",
            "GOVNEWS_HEALTH_FIELD_COVERAGE": '{"*": {"title": 1}, "sy/kwh": {"source": 0.5}}',
        }
    )
    thresholds = Thresholds.from_settings(settings)
    assert (thresholds.max_fallback_share, thresholds.min_items, thresholds.max_url_date_share) == (0.25, 5, 0.5)
    assert thresholds.coverage_for("/sy/kwh/") == {"title": 1.0, "source": 0.5}
    assert thresholds.coverage_for("/sy/whyw/") == {"title": 1.0}
    assert Thresholds.from_settings(Settings()) == Thresholds()


# -- the coverage extension ------------------------------------------------------------------


def test_coverage_counts_exported_and_invalid_items_per_column_and_field() -> None:
    stats = MemoryStatsCollector(get_crawler())
    coverage = ColumnCoverage(stats)
    coverage.item_scraped(valid_article(author=None, editor=" "))
    invalid = valid_article(paragraphs=[], images=[], attachments=[], source=None, section_path="/zwgk/tzgg/")
    with pytest.raises(DropItem) as dropped:
        ValidateArticlePipeline(stats).process_item(invalid)
    coverage.item_dropped(invalid, dropped.value)
    coverage.item_dropped(valid_article(), DropItem("duplicate article: … already exported"))
    assert column_counters(stats.get_stats()) == {
        "/sy/whyw/": {"items": 1, "field/title": 1, "field/published_at": 1, "field/source": 1, "field/paragraphs": 1},
        "/zwgk/tzgg/": {
            "invalid": 1,
            "invalid_field/title": 1,
            "invalid_field/published_at": 1,
            "invalid_field/author": 1,
            "invalid_field/editor": 1,
        },
    }


# -- the monitor suite -------------------------------------------------------------------


class _Recorder:
    report: HealthReport | None = None


def project_settings_with(overrides: dict[str, Any]) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_suite(stats: dict[str, Any], settings: dict[str, Any] | None = None) -> tuple[HealthReport, dict[str, Any]]:
    crawler_stats = MemoryStatsCollector(get_crawler())
    recorder = _Recorder()
    crawler = SimpleNamespace(
        stats=crawler_stats,
        settings=project_settings_with(settings or {}),
        get_extension=lambda cls: recorder if cls is HealthSummary else None,
    )
    spider = WuhanSpider(sections=",".join(RUN.sections))
    MonitorRunner().run(HealthMonitorSuite(crawler=crawler), stats=stats, spider=spider, crawler=crawler)
    assert recorder.report is not None
    return recorder.report, crawler_stats.get_stats()


def test_the_suite_is_made_from_the_checks_table_in_its_order() -> None:
    """One monitor a row of checks.CHECKS, in the table's order, which is docs/health.md's."""
    suite = HealthMonitorSuite(crawler=get_crawler())
    made = [(m.monitor_name, getattr(type(m), "check", None) or type(m).rule.name) for m in suite.all_monitors]
    assert made == [(rule.title, rule.name) for rule in checks.CHECKS]
    doc = (Path(__file__).resolve().parent.parent / "docs" / "health.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE)
    assert documented == [rule.name for rule in checks.CHECKS]


def test_the_suite_records_a_passed_verdict_with_every_check() -> None:
    report, stats = run_suite(healthy_stats())
    assert report.verdict == "passed"
    assert stats["govnews/health/verdict"] == "passed"
    assert stats["govnews/health/failed_checks"] == 0
    # The per-column checks, and spidermon's three run-wide monitors.
    per_column = judge_all(healthy_stats(), RUN, Thresholds())
    assert stats["govnews/health/checks"] == len(report.checks) == len(per_column) + 3
    assert {c.name for c in report.checks} - {c.name for c in per_column} == {
        "finish_reason",
        "error_lines",
        "retries_given_up",
    }


# Spidermon's built-in monitors judge the run as a whole, from spidermon's settings. The
# expected verdicts follow the project's rules: the run must end "finished"; ERROR lines
# count besides the requests given up after retries (Scrapy logs each of those at ERROR,
# and they are judged by their own limit, 5).
@pytest.mark.parametrize(
    ("changes", "settings", "check", "message"),
    [
        (
            {"log_count/ERROR": 5, "retry/max_reached": 2},
            {},
            "error_lines",
            "3 ERROR lines in the log besides retries given up (> 0)",
        ),
        (
            {"log_count/ERROR": 5, "retry/max_reached": 2},
            {"SPIDERMON_MAX_ERRORS": "3"},
            "error_lines",
            None,
        ),
        ({"log_count/ERROR": 2, "retry/max_reached": 2}, {}, "error_lines", None),
        (
            {"log_count/ERROR": 6, "retry/max_reached": 6, "retry/count": 18},
            {},
            "retries_given_up",
            "6 requests gave up after retrying (> 5); 18 retries in all",
        ),
        ({"log_count/ERROR": 6, "retry/max_reached": 6}, {"SPIDERMON_MAX_RETRIES": "6"}, "retries_given_up", None),
        (
            {"finish_reason": "closespider_timeout"},
            {},
            "finish_reason",
            "finish reason is 'closespider_timeout', not 'finished'",
        ),
        (
            {"finish_reason": "store_lease_lost"},
            {},
            "finish_reason",
            "finish reason is 'store_lease_lost', not 'finished'",
        ),
        (
            {"finish_reason": "closespider_timeout"},
            {"SPIDERMON_EXPECTED_FINISH_REASONS": "finished,closespider_timeout"},
            "finish_reason",
            None,
        ),
    ],
)
def test_run_wide_checks_are_spidermons_built_in_monitors(
    changes: dict[str, Any], settings: dict[str, Any], check: str, message: str | None
) -> None:
    """``message`` is the failed check's line, None where the check passes."""
    report, stats = run_suite(healthy_stats() | changes, settings)
    (judged,) = [c for c in report.checks if c.name == check]
    assert judged.passed is (message is None), judged
    assert report.verdict == ("passed" if message is None else "failed")
    assert [c.message for c in report.failed_checks] == ([] if message is None else [message])
    assert stats["govnews/health/failed_checks"] == (0 if message is None else 1)


def test_a_run_a_user_stopped_is_not_judged() -> None:
    stats = healthy_stats() | {"finish_reason": "shutdown", "log_count/ERROR": 9, "retry/max_reached": 9}
    report, crawl_stats = run_suite(stats | column_stats("/sy/whyw/", extract_fallback=10))
    assert report.verdict == crawl_stats["govnews/health/verdict"] == "stopped"
    assert report.checks == ()


def test_the_suite_records_a_failed_verdict_and_reads_thresholds_from_settings() -> None:
    stats = healthy_stats() | column_stats("/sy/whyw/", extract_fallback=5)
    report, crawl_stats = run_suite(stats, {"GOVNEWS_HEALTH_MAX_FALLBACK_SHARE": "0.1"})
    assert (report.verdict, crawl_stats["govnews/health/failed_checks"]) == ("failed", 1)
    (failed,) = report.failed_checks
    assert failed == Check(
        "body_fallback_share",
        False,
        "column /sy/whyw/ (武汉要闻): body found by the fallback for 5 of 10 items (50% > 10%)",
        "/sy/whyw/",
        "paragraphs",
    )
    report, _ = run_suite(stats, {"GOVNEWS_HEALTH_MAX_FALLBACK_SHARE": "0.5"})
    assert report.verdict == "passed"


@pytest.mark.parametrize(
    ("settings", "verdict"),
    [
        ({"SPIDERMON_ENABLED": False}, "unchecked"),
        (
            {
                "SPIDERMON_ENABLED": True,
                "SPIDERMON_SPIDER_CLOSE_MONITORS": project_settings.SPIDERMON_SPIDER_CLOSE_MONITORS,
            },
            "failed",
        ),
    ],
)
def test_no_report_is_unchecked_when_spidermon_is_off_and_failed_when_the_suite_never_reported(
    settings: dict[str, Any], verdict: str
) -> None:
    crawler = get_crawler(settings_dict=settings)
    report = HealthSummary(crawler)._report()
    assert report.verdict == verdict
    assert crawler.stats is not None and crawler.stats.get_value("govnews/health/verdict") == verdict


# -- the summary -------------------------------------------------------------------------


def test_local_feed_uris_and_summary_paths() -> None:
    assert local_path("file:///srv/feeds/a.jsonl") == Path("/srv/feeds/a.jsonl")
    assert local_path("/srv/feeds/a.jsonl") == Path("/srv/feeds/a.jsonl")
    assert local_path("ftp://host/a.jsonl") is None
    assert summary_path(Path("/srv/wuhan-1-local-2.jsonl")) == Path("/srv/wuhan-1-local-2.jsonl.summary.json")


def test_write_atomic_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out.jsonl.summary.json"
    write_atomic(target, {"verdict": "failed", "column": "武汉要闻"})
    write_atomic(target, {"verdict": "passed"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"verdict": "passed"}
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    assert target.stat().st_mode & 0o644 == 0o644


def test_summary_and_block_of_a_failed_run() -> None:
    stats = healthy_stats() | column_stats("/zwgk/tzgg/", published_from__url=10)
    results = judge_all(stats, RUN, Thresholds())
    report = HealthReport(passed=False, checks=tuple(results), stats=stats)
    document = build_summary(
        report,
        {"finish_reason": "finished"},
        spider="wuhan",
        base_url="https://www.wuhan.gov.cn",
        job="j1",
        sections=RUN.sections,
    )
    assert (document["verdict"], document["failed_checks"], document["job"]) == ("failed", 1, "j1")
    assert document["columns"]["/zwgk/tzgg/"]["published_from"] == {"meta": 10, "url": 10}
    assert document["columns"]["/sy/whyw/"]["name"] == "武汉要闻"
    assert document["stats"]["items"] == 20
    json.dumps(document)
    block = format_block(report, document["columns"], [Path("/x/out.jsonl.summary.json")])
    assert block.startswith("Health checks FAILED: 1 of ")
    assert "/zwgk/tzgg/ (通知公告)" in block and block.endswith("summary: /x/out.jsonl.summary.json")


# -- scrapy crawl against the mirror ---------------------------------------------------------


@pytest.fixture(scope="module")
def healthy(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, Path]:
    out = tmp_path_factory.mktemp("healthy") / "out.jsonl"
    result = run_crawl(f"base_url={mirror.base_url}", f"sections={ALL_COLUMNS}", output=out)
    return result, out


def summaries_of(out: Path) -> list[dict[str, Any]]:
    """The summary beside the -O feed: -O replaces the project feed under GOVNEWS_OUTPUT_DIR."""
    feeds = [out, *sorted((out.parent / f"{out.stem}-feeds" / "wuhan").glob("wuhan-*.jsonl"))]
    assert len(feeds) == 1
    found = []
    for feed in feeds:
        path = summary_path(feed)
        assert path.exists(), path
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["feed"] == str(feed)
        found.append(document)
    return found


def test_a_healthy_crawl_passes_every_check(healthy: tuple[CrawlResult, Path], mirror_site: MirrorSite) -> None:
    result, out = healthy
    assert result.returncode == 0, result.log[-3000:]
    for summary in summaries_of(out):
        assert summary["verdict"] == "passed"
        assert summary["failed_checks"] == 0
        assert [c for c in summary["checks"] if not c["passed"]] == []
        assert list(summary["columns"]) == list(SECTIONS)
        assert sum(c["items"] for c in summary["columns"].values()) == len(result.items) == summary["stats"]["items"]
        assert summary["finish_reason"] == "finished" and summary["start_time"] < summary["finish_time"]
    assert " ERROR: " not in result.log
    # The block closes the log, after Scrapy's own "Spider closed".
    tail = result.log[result.log.index("Spider closed (finished)") :]
    expected = sum(t["section_path"] in SECTIONS for t in mirror_site.expected_articles().values())
    assert re.search(rf"INFO: Health checks PASSED: \d+ checks; {expected} items", tail)
    assert "'govnews/health/verdict': 'passed'" in result.log


def assert_failed(result: CrawlResult, out: Path, check: str, expected: list[str]) -> None:
    """Exit 1, an ERROR line per failed check, and the same failures in both summaries."""
    assert result.returncode == 1, result.log[-3000:]
    assert "ERROR: Health checks FAILED" in result.log
    for message in expected:
        assert f"ERROR: Health check {check} failed: {message}" in result.log
    for summary in summaries_of(out):
        assert summary["verdict"] == "failed"
        failed = [c for c in summary["checks"] if not c["passed"]]
        assert summary["failed_checks"] == len(failed)
        assert [c["message"] for c in failed if c["name"] == check] == expected


@pytest.fixture(scope="module")
def variant_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    def crawl(variant: str) -> tuple[CrawlResult, Path]:
        site = MirrorSite(n_articles=40, per_page=5, seed=0, variant=variant)
        out = tmp_path_factory.mktemp(variant) / "out.jsonl"
        with MirrorServer(site) as server:
            result = run_crawl(f"base_url={server.base_url}", f"sections={ALL_COLUMNS}", output=out)
        return result, out

    yield crawl


def test_a_renamed_body_class_fails_the_fallback_share_of_every_column(variant_crawl: Any) -> None:
    result, out = variant_crawl("renamed_body")
    truth = MirrorSite(n_articles=40, per_page=5, seed=0, variant="renamed_body").expected_articles()
    items = Counter(t["section_path"] for t in truth.values())
    expected = [
        f"{checks.column_label(c)}: body found by the fallback for {n} of {n} items (100% > 10%)"
        for c in SECTIONS
        for n in [items[c]]
    ]
    assert_failed(result, out, "body_fallback_share", expected)
    (summary,) = summaries_of(out)
    assert {c["field"] for c in summary["checks"] if not c["passed"]} == {"paragraphs"}


def test_a_list_page_without_rows_fails_the_list_check_of_its_column(variant_crawl: Any) -> None:
    result, out = variant_crawl("empty_list")
    assert_failed(result, out, "list_pages", ["column /sy/kwh/ (媒体看武汉): list page 1 had no rows"])
    assert_failed(
        result, out, "items_per_column", ["column /sy/kwh/ (媒体看武汉): no item exported: its list pages had no rows"]
    )
    (summary,) = summaries_of(out)
    assert {c["column"] for c in summary["checks"] if not c["passed"]} == {"/sy/kwh/"}


def test_a_column_whose_dates_vanished_fails_the_url_date_share(variant_crawl: Any) -> None:
    result, out = variant_crawl("no_dates")
    expected = ["column /zwgk/tzgg/ (通知公告): published_at came from the URL fallback for 6 of 6 items (100% > 50%)"]
    assert_failed(result, out, "url_date_share", expected)
    (summary,) = summaries_of(out)
    assert [(c["column"], c["field"]) for c in summary["checks"] if not c["passed"]] == [
        ("/zwgk/tzgg/", "published_at")
    ]
    assert all(item["published_at"] for item in result.items)  # the field stays filled: only the check tells


def test_an_incremental_rerun_with_nothing_new_passes(mirror: MirrorServer, tmp_path: Path) -> None:
    settings = {"GOVNEWS_STATE_DIR": str(tmp_path / "state")}
    first = run_crawl(f"base_url={mirror.base_url}", output=tmp_path / "first.jsonl", settings=settings)
    assert first.returncode == 0, first.log[-3000:]
    again = run_crawl(f"base_url={mirror.base_url}", output=tmp_path / "again.jsonl", settings=settings)
    assert again.returncode == 0, again.log[-3000:]
    assert again.items == []
    # Nothing exported, no feed file: the run history holds the run's record.
    assert not (tmp_path / "again.jsonl").exists()
    history = (tmp_path / "again-feeds" / "wuhan" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(history[-1])
    assert record["verdict"] == "passed" and record["feed"] is None and record["items"] == 0
    assert "Health checks PASSED" in again.log


def test_a_check_that_raises_is_a_failed_check_under_its_own_name() -> None:
    """A malformed threshold makes every check of ours raise: each is failed, named as in the table."""
    report, _ = run_suite(healthy_stats(), {"GOVNEWS_HEALTH_MAX_FAILED_SHARE": "a lot"})
    ours = [rule.name for rule in checks.CHECKS if rule.judge is not None]
    assert [c.name for c in report.failed_checks] == ours
    assert all("a lot" in c.message for c in report.failed_checks)
