"""The health checks as a spidermon ``MonitorSuite``, run when the spider closes.

Enabled by ``SPIDERMON_ENABLED = True`` and
``SPIDERMON_SPIDER_CLOSE_MONITORS = ["govnews.ops.health.monitors.HealthMonitorSuite"]``.
Spidermon logs each failure at ERROR.

**What is spidermon's own, and what is ours.** The run-wide judgements are spidermon's
built-in monitors, configured by spidermon's settings: the finish reason
(``FinishReasonMonitor``, ``SPIDERMON_EXPECTED_FINISH_REASONS``), the ERROR lines
(``ErrorCountMonitor``, ``SPIDERMON_MAX_ERRORS``) and the requests given up after their
retries (``RetryCountMonitor``, ``SPIDERMON_MAX_RETRIES``). Two small adjustments, both
in subclasses here: a run a user stopped, or one a mistyped column ended, is not judged, and ``ErrorCountMonitor``'s
threshold is raised by the requests given up, because Scrapy logs each of them at ERROR
too and ``RetryCountMonitor`` already judges them (counted twice, one dead server would
fail two checks).

The rest is ours because spidermon has no monitor for it: every check is per column of
the site (a column whose list page came back empty, or whose dates or bodies left the
pages, is a failure even when the run as a whole looks healthy), judges shares at 95 %
confidence so that one dead link in three rows is no alarm, and reads counters the
spider and :class:`~govnews.ops.health.coverage.ColumnCoverage` keep per column.
Spidermon's ``FieldCoverageMonitor`` judges a whole run's item fields only, and its
``ItemCountMonitor`` a whole run's count, so neither can say "武汉要闻 exported
nothing". Those checks are pure functions in :mod:`govnews.ops.health.checks`; the suite's
monitors are made from its table, :data:`~govnews.ops.health.checks.CHECKS` (one
:class:`HealthMonitor` a check, spidermon's own for the run-wide rows, in the table's order);
a failing monitor's message lists every column and field that failed, one per line.

The suite's "monitors finished" action, :class:`RecordHealthVerdict`, turns the result
into a :class:`~govnews.ops.health.summary.HealthReport`: it stores the verdict in the
stats (``govnews/health/verdict`` = ``passed``/``failed``, or ``stopped`` for a run a user
stopped and ``bad_argument`` for one a mistyped column ended, whose checks are not judged;
``govnews/health/failed_checks``, ``govnews/health/checks``) before Scrapy dumps them, and hands the report to
:class:`~govnews.ops.health.summary.HealthSummary`, which writes the summary file beside
each feed and logs the block at the end of the run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Action, Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import monitors as builtin
from spidermon.results.monitor import settings as result_settings

from govnews.contract import contract_of
from govnews.ops.health import checks
from govnews.ops.health.checks import Check, CheckRule, RunShape, Thresholds
from govnews.ops.health.summary import HealthReport, deliver_report

# spidermon 1.27 logs its results by Spider.log(), which Scrapy 2.19 deprecates: one
# warning per run that says nothing about the run.
warnings.filterwarnings(
    "ignore", r"Spider\.log\(\) is deprecated", ScrapyDeprecationWarning, r"spidermon\.contrib\.scrapy\.runners"
)

_T = TypeVar("_T")


def named(title: str) -> Callable[[_T], _T]:
    """spidermon's ``monitors.name``, typed: the title spidermon logs for a monitor or a test."""
    decorator: Callable[[_T], _T] = monitors.name(title)
    return decorator


def run_shape(spider: object, settings: Any) -> RunShape:
    """The run's shape from the spider's parsed arguments and ``JOBDIR``; a spider that is not
    ours walked no column of ours."""
    contract = contract_of(spider)
    sections = contract.args.sections if contract is not None else ()
    walks_lists = contract is None or not contract.args.urls
    return RunShape(sections=sections, walks_lists=walks_lists, jobdir=bool(settings.get("JOBDIR")))


class HealthMonitor(Monitor):  # type: ignore[misc]
    """Runs one check of :data:`govnews.ops.health.checks.CHECKS` on the run's stats: the
    monitors of the suite are made from the table by :func:`check_monitor`."""

    rule: ClassVar[CheckRule]
    health_checks: list[Check] | None = None
    """What the check judged; None until it ran (or when it raised)."""

    def judge(self) -> None:
        stats: Mapping[str, Any] = self.data.stats
        if checks.unjudged_verdict(stats):
            # A user's stop is no failure, a mistyped column no fault of the site: nothing is
            # judged (verdict "stopped", "bad_argument").
            self.health_checks = []
            return
        assert self.rule.judge is not None
        settings = self.data.crawler.settings
        shape, thresholds = run_shape(self.data.spider, settings), Thresholds.from_settings(settings)
        results = self.rule.judge(stats, shape, thresholds)
        self.health_checks = results
        failures = [c.message for c in results if not c.passed]
        if failures:
            self.fail("\n".join(failures))


def check_monitor(rule: CheckRule) -> type[HealthMonitor]:
    """The monitor of one row of the checks table: titled ``rule.title``, its one test
    ``test_<name>`` titled ``rule.rule`` (what spidermon logs), judging by ``rule.judge``.
    A real class, since spidermon's suite collects monitor classes and their test methods."""

    def test(self: HealthMonitor) -> None:
        self.judge()

    test.__name__ = test.__qualname__ = f"test_{rule.name}"
    class_name = "".join(part.capitalize() for part in rule.name.split("_")) + "Monitor"
    namespace = {
        "__module__": __name__,
        "__qualname__": class_name,
        "__doc__": f"The check ``{rule.name}`` (:func:`govnews.ops.health.checks.{rule.name}`).",
        "rule": rule,
        test.__name__: named(rule.rule)(test),
    }
    return named(rule.title)(type(class_name, (HealthMonitor,), namespace))


# -- spidermon's built-in monitors, as the module docstring says ----------------------


class SpidermonCheck:
    """Mixin for a spidermon built-in monitor: skipped for a run that is not judged (a user's
    stop, a mistyped column), and reported in the verdict as one :class:`Check` named ``check``."""

    check: ClassVar[str]
    data: Any
    crawler: Any

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        if (verdict := checks.unjudged_verdict(self.data.stats)) is not None:
            self.skipTest(f"{verdict}: nothing judged")  # type: ignore[attr-defined]

    def describe(self, stats: Mapping[str, Any], passed: bool) -> str:
        """The check's line in the summary: spidermon judges, this says it in the
        words of the other checks."""
        raise NotImplementedError


class FinishReasonMonitor(SpidermonCheck, builtin.FinishReasonMonitor):  # type: ignore[misc]
    check = "finish_reason"

    def describe(self, stats: Mapping[str, Any], passed: bool) -> str:
        reason = f"finish reason is {stats.get('finish_reason')!r}"
        expected = self.crawler.settings.getlist("SPIDERMON_EXPECTED_FINISH_REASONS", ["finished"])
        return reason if passed else f"{reason}, not {' or '.join(map(repr, expected))}"


class ErrorLinesMonitor(SpidermonCheck, builtin.ErrorCountMonitor):  # type: ignore[misc]
    """ERROR lines at most ``SPIDERMON_MAX_ERRORS`` besides the requests given up after
    their retries (``RetriesGivenUpMonitor`` judges those)."""

    check = "error_lines"
    threshold_datatype = int

    def get_threshold(self) -> int:
        given_up = int(self.data.stats.get("retry/max_reached", 0))
        return int(self.crawler.settings.getint("SPIDERMON_MAX_ERRORS")) + given_up

    def describe(self, stats: Mapping[str, Any], passed: bool) -> str:
        errors = max(int(stats.get("log_count/ERROR", 0)) - int(stats.get("retry/max_reached", 0)), 0)
        allowed = self.crawler.settings.getint("SPIDERMON_MAX_ERRORS")
        return f"{errors} ERROR lines in the log besides retries given up ({'≤' if passed else '>'} {allowed})"


class RetriesGivenUpMonitor(SpidermonCheck, builtin.RetryCountMonitor):  # type: ignore[misc]
    check = "retries_given_up"

    def describe(self, stats: Mapping[str, Any], passed: bool) -> str:
        allowed = self.crawler.settings.getint("SPIDERMON_MAX_RETRIES")
        return (
            f"{stats.get('retry/max_reached', 0)} requests gave up after retrying "
            f"({'≤' if passed else '>'} {allowed}); {stats.get('retry/count', 0)} retries in all"
        )


def spidermon_check(result: Any, stats: Mapping[str, Any]) -> Check | None:
    """The :class:`Check` a built-in monitor's result stands for; ``None`` when it was
    skipped because the run is not judged (a user's stop, a mistyped column)."""
    monitor: SpidermonCheck = result.item
    status = result.status
    if status == result_settings.MONITOR.STATUS.SKIPPED and checks.unjudged_verdict(stats):
        return None
    # ErrorCountMonitor skips a log without any ERROR line: that passed too.
    if status in result_settings.MONITOR.STATUSES.SUCCESSFUL:
        return Check(monitor.check, True, monitor.describe(stats, passed=True))
    if status == result_settings.MONITOR.STATUS.FAILURE:
        return Check(monitor.check, False, monitor.describe(stats, passed=False))
    # The monitor raised (a setting it needs is missing or malformed): a failed check.
    lines = str(result.error or f"{monitor.check} could not run").strip().splitlines()
    return Check(monitor.check, False, lines[-1])


class RecordHealthVerdict(Action):  # type: ignore[misc]
    """Collect every monitor's checks into the run's verdict (see the module docstring)."""

    def run_action(self) -> None:
        collected: list[Check] = []
        for result in self.result.monitor_results:
            if isinstance(result.item, HealthMonitor) and result.item.health_checks is not None:
                collected += result.item.health_checks
            elif isinstance(result.item, SpidermonCheck):
                if (judged := spidermon_check(result, self.data.stats)) is not None:
                    collected.append(judged)
            elif result.error:
                # A monitor that raised instead of judging: that is a failed check too.
                last_line = str(result.error).strip().splitlines()[-1]
                name = result.item.rule.name if isinstance(result.item, HealthMonitor) else str(result.item.name)
                collected.append(Check(name, False, last_line))
        passed = self.result.all_monitors_passed and not checks.failed(collected)
        report = HealthReport(
            passed=passed,
            checks=tuple(collected),
            stats=dict(self.data.stats),
            verdict_override=checks.unjudged_verdict(self.data.stats),
        )
        deliver_report(self.data.crawler, report)


def suite_monitors() -> list[type[Monitor]]:
    """A monitor for every row of :data:`~govnews.ops.health.checks.CHECKS`, in its order: made
    from the row for our checks (:func:`check_monitor`), spidermon's built-in one, titled by the
    row, for the run-wide ones."""
    builtins: dict[str, type[SpidermonCheck]] = {
        monitor.check: monitor for monitor in (FinishReasonMonitor, ErrorLinesMonitor, RetriesGivenUpMonitor)
    }
    made: list[type[Monitor]] = []
    for rule in checks.CHECKS:
        if rule.judge is not None:
            made.append(check_monitor(rule))
        else:
            made.append(named(rule.title)(builtins.pop(rule.name)))
    if builtins:
        raise LookupError(f"built-in monitors without a row in govnews.ops.health.checks.CHECKS: {sorted(builtins)}")
    return made


class HealthMonitorSuite(MonitorSuite):  # type: ignore[misc]
    """Every govnews health check, run once when the spider closes."""

    monitors: ClassVar[list[type[Monitor]]] = suite_monitors()
    monitors_finished_actions: ClassVar[list[type[Action]]] = [RecordHealthVerdict]
