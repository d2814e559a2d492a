"""The end-of-run health checks as pure functions of the crawl stats.

Each check reads the stats of one finished run (a plain mapping, as
``crawler.stats.get_stats()`` returns it), the run's shape and the thresholds, and
returns one :class:`Check` per thing it judged (per column where the check is per
column), passed or not, with a message that names the column and the field. The table
:data:`CHECKS` lists every check of the verdict in order; the spidermon monitors of
:mod:`govnews.ops.health.monitors` are made from it. The run-wide checks (finish reason,
ERROR lines, retries given up) are spidermon's built-in monitors, rows without a function.

Per-column counters come from the spider (``govnews/column/<path>/<key>``, the path
without its end slashes) and from :class:`govnews.ops.health.coverage.ColumnCoverage`
(``items``, ``field/<name>``, ``invalid``, ``invalid_field/<name>``).

>>> stats = {"govnews/column/sy/kwh/list_pages": 1, "govnews/column/sy/kwh/empty_first_page": 1}
>>> [c.message for c in list_pages(stats, RunShape(("/sy/kwh/",)), Thresholds())]
['column /sy/kwh/ (媒体看武汉): list page 1 had no rows']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from govnews import settings as defaults
from govnews import stats_keys
from govnews.sites import family, wuhan

# The per-column counters the checks read; the column path is the shortest prefix that
# leaves one of these keys (column paths never end in one of them).
_COLUMN_KEY_RE = re.compile(
    rf"^{re.escape(stats_keys.COLUMN_PREFIX)}(?P<column>.+?)/(?P<key>list_pages|list_rows|empty_first_page|rows_followed|rows_known"
    r"|list_failed|article_failed|items_extracted|extract_fallback|items|invalid|new|changed|unchanged"
    r"|attachments|attachments_read"
    r"|published_from/[^/]+|field/[^/]+|invalid_field/[^/]+)$"
)
COVERED_FIELDS = ("title", "published_at", "source", "paragraphs", "author", "editor")


@dataclass(frozen=True)
class Check:
    """One verdict: which check, on which column and field, and why."""

    name: str
    passed: bool
    message: str
    column: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunShape:
    """What the run was asked to do."""

    sections: tuple[str, ...]
    """Column paths (``/sy/whyw/``) whose list pages were walked."""
    walks_lists: bool = True
    """False with ``-a urls=…``: no list page was read, so the list checks are skipped."""
    jobdir: bool = False
    """True with ``JOBDIR``: the run may resume a stopped one, whose list pages this run
    does not read again, so a column without any list page read is not judged."""

    def resumed(self, counters: Counter[str]) -> bool:
        """True for a column this run read no list page of, as a resumed job does."""
        return self.jobdir and not counters["list_pages"] and not counters["list_failed"]


def _default_coverage() -> dict[str, dict[str, float]]:
    return {column: dict(fields) for column, fields in defaults.GOVNEWS_HEALTH_FIELD_COVERAGE.items()}


@dataclass(frozen=True)
class Thresholds:
    """The limits, from the ``GOVNEWS_HEALTH_*`` settings; unset, the project's own
    (``govnews/settings.py``, their one source)."""

    max_failed_share: float = defaults.GOVNEWS_HEALTH_MAX_FAILED_SHARE
    field_coverage: Mapping[str, Mapping[str, float]] = field(default_factory=_default_coverage)
    max_url_date_share: float = defaults.GOVNEWS_HEALTH_MAX_URL_DATE_SHARE
    max_fallback_share: float = defaults.GOVNEWS_HEALTH_MAX_FALLBACK_SHARE
    max_placeholders_per_item: float = defaults.GOVNEWS_HEALTH_MAX_PLACEHOLDERS_PER_ITEM
    max_duplicates_per_item: float = defaults.GOVNEWS_HEALTH_MAX_DUPLICATES_PER_ITEM
    min_attachment_text_share: float = defaults.GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE
    min_items: int = defaults.GOVNEWS_HEALTH_MIN_ITEMS
    min_items_for_rates: int = defaults.GOVNEWS_HEALTH_MIN_ITEMS_FOR_RATES

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        """From a Scrapy ``Settings`` (``getint``/``getfloat``/``getdict`` read ``-s`` strings too)."""
        default = cls()
        coverage = settings.getdict("GOVNEWS_HEALTH_FIELD_COVERAGE", default.field_coverage)
        return cls(
            max_failed_share=settings.getfloat("GOVNEWS_HEALTH_MAX_FAILED_SHARE", default.max_failed_share),
            field_coverage={
                str(column): {str(name): float(share) for name, share in fields.items()}
                for column, fields in coverage.items()
            },
            max_url_date_share=settings.getfloat("GOVNEWS_HEALTH_MAX_URL_DATE_SHARE", default.max_url_date_share),
            max_fallback_share=settings.getfloat("GOVNEWS_HEALTH_MAX_FALLBACK_SHARE", default.max_fallback_share),
            max_placeholders_per_item=settings.getfloat(
                "GOVNEWS_HEALTH_MAX_PLACEHOLDERS_PER_ITEM", default.max_placeholders_per_item
            ),
            max_duplicates_per_item=settings.getfloat(
                "GOVNEWS_HEALTH_MAX_DUPLICATES_PER_ITEM", default.max_duplicates_per_item
            ),
            min_attachment_text_share=settings.getfloat(
                "GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE", default.min_attachment_text_share
            ),
            min_items=settings.getint("GOVNEWS_HEALTH_MIN_ITEMS", default.min_items),
            min_items_for_rates=settings.getint("GOVNEWS_HEALTH_MIN_ITEMS_FOR_RATES", default.min_items_for_rates),
        )

    def coverage_for(self, column: str) -> dict[str, float]:
        """The minimum share per field for ``column``: the ``"*"`` entry, then the column's own.

        >>> Thresholds().coverage_for("/sy/whyw/")["source"], "source" in Thresholds().coverage_for("/sy/kwh/")
        (0.9, False)
        """
        wanted: dict[str, float] = dict(self.field_coverage.get("*", {}))
        for key, fields in self.field_coverage.items():
            if key != "*" and wuhan.normalize_section(key) == column:
                wanted.update(fields)
        return wanted


def column_counters(stats: Mapping[str, Any]) -> dict[str, Counter[str]]:
    """``{"/sy/whyw/": Counter({"items": 14, "field/title": 14, …})}`` from the stats.

    >>> column_counters({"govnews/column/zwgk/xxgk/zcjd/published_from/url": 2, "item_scraped_count": 9})
    {'/zwgk/xxgk/zcjd/': Counter({'published_from/url': 2})}
    """
    columns: dict[str, Counter[str]] = {}
    for key, value in stats.items():
        if isinstance(value, int) and (match := _COLUMN_KEY_RE.match(key)):
            column = "/" + match.group("column") + "/"
            columns.setdefault(column, Counter())[match.group("key")] += value
    return columns


def column_label(column: str) -> str:
    """``column /sy/kwh/ (媒体看武汉)``; the bare path for a column the site table does not know."""
    name = family.column_name(column)
    return f"column {column} ({name})" if name else f"column {column}"


def percent(share: float) -> str:
    """
    >>> percent(1.0), percent(0.1), percent(1 / 3), percent(0.995)
    ('100%', '10%', '33.3%', '99.5%')
    """
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


# 95 % two-sided: a share check fails only when the share is beyond its threshold with
# that confidence, so one unlucky item in a small column (1 dead link of 3 rows, 5 of 7
# articles with a source) is not a failure, while 6 of 6 (or 1 of 1 against 10 %) is.
_Z = 1.96


def wilson_interval(count: int, total: int) -> tuple[float, float]:
    """The Wilson score interval (95 %) of the share ``count / total``.

    >>> [round(x, 3) for x in wilson_interval(1, 3)], wilson_interval(6, 6)[1], wilson_interval(0, 0)
    ([0.061, 0.792], 1.0, (0.0, 1.0))
    """
    if total <= 0:
        return 0.0, 1.0
    share, z2 = count / total, _Z * _Z
    denominator = 1 + z2 / total
    centre = (share + z2 / (2 * total)) / denominator
    half = _Z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total)) / denominator
    low = 0.0 if count <= 0 else max(0.0, centre - half)
    high = 1.0 if count >= total else min(1.0, centre + half)
    return low, high


def judge_share(count: int, total: int, limit: float, *, at_most: bool) -> tuple[bool, str]:
    """Whether ``count / total`` keeps to ``limit`` (at most, or at least), and the
    parenthesis that says so.

    >>> judge_share(6, 6, 0.5, at_most=True), judge_share(1, 3, 0.2, at_most=True)
    ((False, '100% > 50%'), (True, '33.3% > 20%, within chance for 3 items'))
    >>> judge_share(9, 10, 1.0, at_most=False), judge_share(14, 14, 1.0, at_most=False)
    ((False, '90% < 100%'), (True, '100% ≥ 100%'))
    """
    share = count / total
    low, high = wilson_interval(count, total)
    beyond = share > limit if at_most else share < limit
    ok = low <= limit if at_most else high >= limit
    sign = (">" if at_most else "<") if beyond else ("≤" if at_most else "≥")
    text = f"{percent(share)} {sign} {percent(limit)}"
    if beyond and ok:
        text += f", within chance for {total} items"
    return ok, text


def _columns_judged(stats: Mapping[str, Any], run: RunShape) -> tuple[dict[str, Counter[str]], list[str]]:
    """The counters, and the columns to judge: those walked, then any other that has counters."""
    counters = column_counters(stats)
    order = list(run.sections) if run.walks_lists else []
    order += sorted(c for c in counters if c not in order)
    return counters, order


def _stat(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


# -- 1. items per column --------------------------------------------------------------


def items_per_column(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """A walked column whose followed rows were downloaded (or whose list pages had no row
    at all) must export at least one item. Rows already known (an incremental re-run with
    nothing new), rows left out by ``since`` and pages that failed to download (judged by
    ``failed_articles``) make 0 items healthy here."""
    if not run.walks_lists:
        return []
    counters = column_counters(stats)
    checks: list[Check] = []
    for column in run.sections:
        c = counters.get(column, Counter())
        label = column_label(column)
        items, followed, failed = c["items"], c["rows_followed"], c["article_failed"]
        if run.resumed(c) and not items:
            checks.append(Check("items_per_column", True, f"{label}: no list page read (a resumed JOBDIR run)", column))
        elif items > 0:
            checks.append(Check("items_per_column", True, f"{label}: {items} items exported", column))
        elif followed > failed:
            message = (
                f"{label}: {followed} list rows followed but no item exported "
                f"({failed} article pages failed, {c['items_extracted']} extracted, {c['invalid']} invalid)"
            )
            checks.append(Check("items_per_column", False, message, column))
        elif c["list_rows"] == 0:
            why = "its first list page failed" if c["list_failed"] else "its list pages had no rows"
            checks.append(Check("items_per_column", False, f"{label}: no item exported: {why}", column))
        elif followed:
            message = f"{label}: no item exported: the {followed} rows followed failed to download (failed_articles)"
            if c["rows_known"]:
                message += f"; {c['rows_known']} rows known from earlier runs"
            checks.append(Check("items_per_column", True, message, column))
        else:
            why = f"all {c['rows_known']} rows known from earlier runs" if c["rows_known"] else "no row was wanted"
            checks.append(Check("items_per_column", True, f"{label}: nothing new ({why})", column))
    return checks


# -- 2. list pages ---------------------------------------------------------------------


def list_pages(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Every walked column's first list page has rows; no list page failed."""
    if not run.walks_lists:
        return []
    counters = column_counters(stats)
    checks: list[Check] = []
    for column in run.sections:
        c = counters.get(column, Counter())
        label = column_label(column)
        if run.resumed(c):
            checks.append(Check("list_pages", True, f"{label}: no list page read (a resumed JOBDIR run)", column))
            continue
        problems = []
        if c["empty_first_page"]:
            problems.append(f"{label}: list page 1 had no rows")
        if c["list_failed"]:
            problems.append(f"{label}: {c['list_failed']} list pages failed (see the ERROR lines)")
        if not c["list_pages"] and not c["list_failed"]:
            problems.append(f"{label}: no list page could be read")
        if problems:
            checks += [Check("list_pages", False, message, column) for message in problems]
        else:
            message = f"{label}: {c['list_pages']} list pages, {c['list_rows']} rows"
            checks.append(Check("list_pages", True, message, column))
    return checks


# -- 3. failed articles -------------------------------------------------------------------------


def failed_articles(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Per column, the share of its articles whose page failed (HTTP errors, timeouts,
    robots.txt …), out of the rows its list pages held (followed or already known: in an
    incremental re-run one dead link is one of many rows, not one of one), or out of the
    articles requested when no list was walked."""
    counters, columns = _columns_judged(stats, run)
    checks: list[Check] = []
    for column in columns:
        c = counters.get(column, Counter())
        failed = c["article_failed"]
        articles = max(c["rows_followed"] + c["rows_known"], c["items_extracted"] + failed)
        if articles < max(thresholds.min_items, 1):
            continue
        ok, judged = judge_share(failed, articles, thresholds.max_failed_share, at_most=True)
        message = f"{column_label(column)}: {failed} of {articles} articles failed to download ({judged})"
        checks.append(Check("failed_articles", ok, message, column))
    return checks


# -- 4. a user's stop -------------------------------------------------------------------


# A user's stop: SIGINT (Ctrl-C) or SIGTERM (scrapyd's cancel) ends a run with this reason.
USER_STOP_REASONS = frozenset({"shutdown"})


def stopped_by_user(stats: Mapping[str, Any]) -> bool:
    """True for a run a user stopped: its verdict is ``stopped``, no check is judged.

    >>> stopped_by_user({"finish_reason": "shutdown"}), stopped_by_user({"finish_reason": "finished"})
    (True, False)
    """
    return stats.get("finish_reason") in USER_STOP_REASONS


# A column asked for whose first list page answered 404 and that the site's table does not
# know (govnews.crawl.spiders.wuhan): a mistyped argument, found by its first request.
BAD_ARGUMENT_REASONS = frozenset({"unknown_column"})


def unjudged_verdict(stats: Mapping[str, Any]) -> str | None:
    """The verdict of a run whose checks are not judged, else None: ``stopped`` for a user's
    stop, ``bad_argument`` for a run ended by a mistyped column (its one ERROR line says which).

    >>> unjudged_verdict({"finish_reason": "shutdown"}), unjudged_verdict({"finish_reason": "unknown_column"})
    ('stopped', 'bad_argument')
    >>> unjudged_verdict({"finish_reason": "finished"}) is None
    True
    """
    if stopped_by_user(stats):
        return "stopped"
    if stats.get("finish_reason") in BAD_ARGUMENT_REASONS:
        return "bad_argument"
    return None


# -- 5. field coverage and dates --------------------------------------------------------


def field_coverage(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Per column, the share of items carrying each field, over the exported items and
    those validation dropped (an item without title or body never reaches the feed, but
    it is what the site gave us)."""
    counters, columns = _columns_judged(stats, run)
    checks: list[Check] = []
    for column in columns:
        c = counters.get(column, Counter())
        total = c["items"] + c["invalid"]
        if total < max(thresholds.min_items, 1):
            continue
        for name, minimum in thresholds.coverage_for(column).items():
            present = c[f"field/{name}"] + c[f"invalid_field/{name}"]
            ok, judged = judge_share(present, total, minimum, at_most=False)
            message = f"{column_label(column)}: {name} on {present} of {total} items ({judged})"
            if c["invalid"]:
                message += f"; {c['invalid']} of them dropped as invalid"
            checks.append(Check("field_coverage", ok, message, column, name))
    return checks


def _extracted_share(
    stats: Mapping[str, Any],
    run: RunShape,
    min_items: int,
    *,
    counter: str,
    limit: float,
    name: str,
    field: str,
    what: str,
) -> list[Check]:
    """Per column, ``counter`` out of the items extracted, judged against ``limit``."""
    counters, columns = _columns_judged(stats, run)
    checks: list[Check] = []
    for column in columns:
        c = counters.get(column, Counter())
        total = c["items_extracted"]
        if total < max(min_items, 1):
            continue
        count = c[counter]
        ok, judged = judge_share(count, total, limit, at_most=True)
        message = f"{column_label(column)}: {what} for {count} of {total} items ({judged})"
        checks.append(Check(name, ok, message, column, field))
    return checks


def url_date_share(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Per column, the share of articles whose ``published_at`` came only from the date in
    the URL: dates that vanished from the pages and the list rows show here, since the
    URL keeps the field filled."""
    return _extracted_share(
        stats,
        run,
        thresholds.min_items,
        counter="published_from/url",
        limit=thresholds.max_url_date_share,
        name="url_date_share",
        field="published_at",
        what="published_at came from the URL fallback",
    )


# -- 6. body fallback -------------------------------------------------------------------


def body_fallback_share(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Per column, the share of articles whose body no known container held (SITE.md's
    ``view``/``TRS_UEDITOR``/``TRS_Editor``) and the generic fallback found instead."""
    return _extracted_share(
        stats,
        run,
        thresholds.min_items,
        counter="extract_fallback",
        limit=thresholds.max_fallback_share,
        name="body_fallback_share",
        field="paragraphs",
        what="body found by the fallback",
    )


# -- 7. attachments ---------------------------------------------------------------------


def attachment_text_share(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Per column, the share of the exported items' attachments whose text was read, of
    those a reader could read (archives, which are listed and never read, and files on
    hosts outside the crawl aside): a reader that broke (a missing tool, workers that die,
    a changed file format) shows here. Only columns with attachments downloaded
    (``-a attachments=1``) are judged; ``GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE`` 0 turns
    it off.

    >>> stats = {"govnews/column/zwgk/tzgg/attachments": 8, "govnews/column/zwgk/tzgg/attachments_read": 1}
    >>> [(c.passed, c.message) for c in attachment_text_share(stats, RunShape(("/zwgk/tzgg/",)), Thresholds())]
    [(False, 'column /zwgk/tzgg/ (通知公告): text read from 1 of 8 attachments (12.5% < 50%)')]
    """
    if thresholds.min_attachment_text_share <= 0:
        return []
    counters, columns = _columns_judged(stats, run)
    checks: list[Check] = []
    for column in columns:
        c = counters.get(column, Counter())
        total = c["attachments"]
        if total < max(thresholds.min_items, 1):
            continue
        read = c["attachments_read"]
        ok, judged = judge_share(read, total, thresholds.min_attachment_text_share, at_most=False)
        message = f"{column_label(column)}: text read from {read} of {total} attachments ({judged})"
        checks.append(Check("attachment_text_share", ok, message, column, "attachments"))
    return checks


# -- 8. cleaning -----------------------------------------------------------------------


def _per_item(stats: Mapping[str, Any], key: str, *, limit: float, name: str, what: str, min_items: int) -> list[Check]:
    # Cleaning comes in clumps (one page with its body twice gives 5-10 duplicates at
    # once), so a rate over a handful of items says nothing: judged from min_items up.
    items = _stat(stats, "item_scraped_count")
    if items < max(min_items, 1):
        return []
    count = _stat(stats, key)
    per_item = count / items
    ok = per_item <= limit
    message = f"{count} {what} in {items} items ({per_item:.2f} per item {'≤' if ok else '>'} {limit:g})"
    return [Check(name, ok, message, None, "paragraphs")]


def template_residue(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Template placeholders removed per exported item: far above usual means a template
    widget now leaks into the body."""
    return _per_item(
        stats,
        stats_keys.TEMPLATE_RESIDUE("placeholders_removed"),
        limit=thresholds.max_placeholders_per_item,
        name="template_residue",
        what="template placeholders removed",
        min_items=thresholds.min_items_for_rates,
    )


def duplicate_paragraphs(stats: Mapping[str, Any], run: RunShape, thresholds: Thresholds) -> list[Check]:
    """Duplicate paragraphs removed per exported item: far above usual means the body is
    now read twice (a print or mobile copy inside the container)."""
    return _per_item(
        stats,
        stats_keys.PARAGRAPH_DEDUP("duplicates_removed"),
        limit=thresholds.max_duplicates_per_item,
        name="duplicate_paragraphs",
        what="duplicate paragraphs removed",
        min_items=thresholds.min_items_for_rates,
    )


# -- the table ---------------------------------------------------------------------------

Judge = Callable[[Mapping[str, Any], RunShape, Thresholds], list[Check]]
"""A check function above: the run's stats, its shape and the thresholds in, its verdicts out."""


@dataclass(frozen=True)
class CheckRule:
    """One check of the verdict: a row of :data:`CHECKS`."""

    name: str
    """The name every :class:`Check` of it carries (docs/health.md lists them)."""
    title: str
    """The monitor's title in spidermon's report."""
    judge: Judge | None = None
    """The function that judges it; None for a run-wide check that a spidermon built-in monitor
    of the same ``check`` name judges (:mod:`govnews.ops.health.monitors`)."""
    rule: str = ""
    """What passing means: the title of the monitor's one test in spidermon's report."""


CHECKS: tuple[CheckRule, ...] = (
    CheckRule(
        "items_per_column", "Items per column", items_per_column, "a walked column with rows followed exports items"
    ),
    CheckRule("list_pages", "List pages", list_pages, "every first list page has rows, no list page failed"),
    CheckRule("error_lines", "Error lines"),
    CheckRule(
        "failed_articles",
        "Failed articles",
        failed_articles,
        "failed article share per column at most GOVNEWS_HEALTH_MAX_FAILED_SHARE",
    ),
    CheckRule("retries_given_up", "Retries given up"),
    CheckRule("finish_reason", "Finish reason"),
    CheckRule(
        "field_coverage", "Field coverage", field_coverage, "fields per column at least GOVNEWS_HEALTH_FIELD_COVERAGE"
    ),
    CheckRule(
        "url_date_share",
        "URL dates",
        url_date_share,
        "published_at from the URL per column at most GOVNEWS_HEALTH_MAX_URL_DATE_SHARE",
    ),
    CheckRule(
        "body_fallback_share",
        "Body fallback",
        body_fallback_share,
        "body by the fallback per column at most GOVNEWS_HEALTH_MAX_FALLBACK_SHARE",
    ),
    CheckRule(
        "attachment_text_share",
        "Attachment text",
        attachment_text_share,
        "attachments with text per column at least GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE",
    ),
    CheckRule(
        "template_residue",
        "Template residue",
        template_residue,
        "placeholders per item at most GOVNEWS_HEALTH_MAX_PLACEHOLDERS_PER_ITEM",
    ),
    CheckRule(
        "duplicate_paragraphs",
        "Duplicate paragraphs",
        duplicate_paragraphs,
        "duplicates per item at most GOVNEWS_HEALTH_MAX_DUPLICATES_PER_ITEM",
    ),
)
"""Every check of the verdict, in the order the monitor suite runs them and the verdict lists
them (docs/health.md's table): the monitors are made from it."""


def failed(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if not c.passed]
