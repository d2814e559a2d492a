"""govnews.store.recheck: which known articles a run re-checks.

Every expected value is written by hand from the rule in the module's docstring: due when
``gap / age`` ≥ ``ratio`` (age at least a day, unknown: old), never before ``min_interval``,
always once ``gap`` ≥ the article's own period (between half ``period`` and ``period``);
unchecked first, then period-due, then ratio-due, ties by URL; at most ``budget``. The
properties simulate runs over columns of up to 10,000 articles. In process, no I/O.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govnews.store import utc_stamp
from govnews.store.recheck import Known, RecheckPolicy, choose, due, guaranteed_period
from tests.profiles import examples

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)
URL = "https://www.wuhan.gov.cn/zwgk/tzgg/202611/t20261121_2650012.shtml"


def known(published: datetime | str | None, checked: datetime | str | None, url: str = URL) -> Known:
    """An article of 通知公告 published and last checked at these times (datetimes: UTC)."""
    if isinstance(published, datetime):
        published = published.isoformat()
    if isinstance(checked, datetime):
        checked = utc_stamp(checked)
    return Known(url, "/zwgk/tzgg/", published, checked)


# -- the rule, case by case ------------------------------------------------------------


def test_ratio_due_at_a_fifth_of_the_age() -> None:
    # 10 days old: due 2 days (a fifth) after its last check, not an hour before.
    assert due(known(NOW - 10 * DAY, NOW - 2 * DAY), NOW, RecheckPolicy()) == "ratio"
    assert due(known(NOW - 10 * DAY, NOW - 2 * DAY + timedelta(hours=1)), NOW, RecheckPolicy()) is None
    # The ratio is a setting: at 0.5 the same check is not due, 5 days after it is.
    assert due(known(NOW - 10 * DAY, NOW - 2 * DAY), NOW, RecheckPolicy(ratio=0.5)) is None
    assert due(known(NOW - 10 * DAY, NOW - 5 * DAY), NOW, RecheckPolicy(ratio=0.5)) == "ratio"


def test_age_is_at_least_a_day() -> None:
    # 6 hours old, no minimal interval: 3 hours after its check is 3/6 of its age, but of a
    # day's age only 3/24 = 0.125 < 0.2; 5 hours after is 5/24 = 0.208.
    policy = RecheckPolicy(min_interval=timedelta(0))
    assert due(known(NOW - timedelta(hours=6), NOW - timedelta(hours=3)), NOW, policy) is None
    assert due(known(NOW - timedelta(hours=6), NOW - timedelta(hours=5)), NOW, policy) == "ratio"
    # Published in the future (a wrong date): a day old, too.
    assert due(known(NOW + 30 * DAY, NOW - timedelta(hours=5)), NOW, policy) == "ratio"


def test_never_sooner_than_the_minimal_interval() -> None:
    # A day old, checked 19 hours ago: 19/24 of its age, but under 20 hours.
    assert due(known(NOW - DAY, NOW - timedelta(hours=19)), NOW, RecheckPolicy()) is None
    assert due(known(NOW - DAY, NOW - timedelta(hours=20)), NOW, RecheckPolicy()) == "ratio"
    policy = RecheckPolicy(min_interval=timedelta(hours=30))
    assert due(known(NOW - DAY, NOW - timedelta(hours=29)), NOW, policy) is None


def test_due_by_the_period_whatever_the_age() -> None:
    ten_years = NOW - 10 * YEAR
    # 60 days since the check: due whatever its own period (at most 60 days).
    assert due(known(ten_years, NOW - 60 * DAY), NOW, RecheckPolicy()) == "period"
    # Under half the period: never by the period; 29/3650 of its age is no ratio.
    assert due(known(ten_years, NOW - 29 * DAY), NOW, RecheckPolicy()) is None
    # Its own period, to the second.
    own = RecheckPolicy().period_of(URL)
    assert due(known(ten_years, NOW - own - timedelta(seconds=1)), NOW, RecheckPolicy()) == "period"
    assert due(known(ten_years, NOW - own + timedelta(seconds=1)), NOW, RecheckPolicy()) is None
    # A shorter period: 10 days, so due after 10 days at the latest, never before 5.
    policy = RecheckPolicy(period=10 * DAY)
    assert due(known(ten_years, NOW - 10 * DAY), NOW, policy) == "period"
    assert due(known(ten_years, NOW - 5 * DAY + timedelta(seconds=1)), NOW, policy) is None


def test_a_period_due_article_is_period_due_even_when_young() -> None:
    # 100 days old, 61 days since the check: the ratio says due too; the period comes first.
    assert due(known(NOW - 100 * DAY, NOW - 61 * DAY), NOW, RecheckPolicy()) == "period"


@pytest.mark.parametrize("published", [None, "", "不详", "2026-13-45", "2026年11月21日"])
def test_an_unknown_age_is_old(published: str | None) -> None:
    # 10 days since the check: due for any article up to 50 days old, not for one of unknown age.
    assert due(known(published, NOW - 10 * DAY), NOW, RecheckPolicy()) is None
    assert due(known(NOW - 20 * DAY, NOW - 10 * DAY), NOW, RecheckPolicy()) == "ratio"
    assert due(known(published, NOW - 61 * DAY), NOW, RecheckPolicy()) == "period"


@pytest.mark.parametrize("checked", [None, "", "yesterday", "2026-12-02T03:00:00Z"])
def test_unchecked_never_read_or_in_the_future(checked: str | None) -> None:
    # Never fetched since the store knew it, unreadable, or later than now (a clock set back).
    assert due(known(NOW - 10 * YEAR, checked), NOW, RecheckPolicy()) == "unchecked"


def test_a_bare_date_is_a_beijing_date() -> None:
    # 2026-11-21 at +08:00 is 2026-11-20T16:00Z: at 2026-12-01T00:00Z the article is 10 days
    # 8 hours old (248 h); a fifth is 49.6 h. Read as UTC midnight it would be 240 h old.
    now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert due(known("2026-11-21", now - timedelta(hours=50)), now, RecheckPolicy()) == "ratio"
    assert due(known("2026-11-21", now - timedelta(hours=49)), now, RecheckPolicy()) is None
    # The same for a date-time without its zone, and with one.
    assert due(known("2026-11-21T00:00:00", now - timedelta(hours=49)), now, RecheckPolicy()) is None
    assert due(known("2026-11-21T00:00:00+08:00", now - timedelta(hours=49)), now, RecheckPolicy()) is None
    assert due(known("2026-11-21T00:00:00+00:00", now - timedelta(hours=49)), now, RecheckPolicy()) == "ratio"


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        choose([known(NOW - DAY, None)], datetime(2026, 12, 1, 3, 0), RecheckPolicy())


# -- choosing under the budget ---------------------------------------------------------


def test_the_order_unchecked_period_ratio_and_ties_by_url() -> None:
    ten_years = NOW - 10 * YEAR
    articles = [
        known(NOW - 20 * DAY, NOW - 5 * DAY, "/ratio-0.25-b"),  # 5/20
        known(ten_years, NOW - 90 * DAY, "/period-90"),  # at least 30 days past its period
        known(NOW - 10 * DAY, NOW - 5 * DAY, "/ratio-0.5"),  # 5/10
        known(NOW - 20 * DAY, NOW - 5 * DAY, "/ratio-0.25-a"),  # 5/20, the same: by URL
        known(ten_years, None, "/unchecked-b"),
        known(ten_years, NOW - 200 * DAY, "/period-200"),  # at least 140 days past
        known(ten_years, None, "/unchecked-a"),
        known(NOW - 20 * DAY, NOW - 3 * DAY, "/not-due"),  # 3/20 = 0.15
    ]
    order = ["/unchecked-a", "/unchecked-b", "/period-200", "/period-90", "/ratio-0.5", "/ratio-0.25-a"]
    order.append("/ratio-0.25-b")
    assert [a.url for a in choose(articles, NOW, RecheckPolicy())] == order
    assert [a.url for a in choose(articles, NOW, RecheckPolicy(budget=3))] == order[:3]
    assert [a.url for a in choose(reversed(articles), NOW, RecheckPolicy(budget=5))] == order[:5]


def test_most_overdue_by_its_own_period() -> None:
    # Two articles 60 days after their checks: the one with the shorter own period is further past it.
    policy = RecheckPolicy()
    urls = [f"/c/{i}.html" for i in range(200)]
    short, long_ = min(urls, key=policy.period_of), max(urls, key=policy.period_of)
    assert policy.period_of(short) < policy.period_of(long_)
    articles = [known(NOW - 10 * YEAR, NOW - 60 * DAY, url) for url in (long_, short)]
    assert [a.url for a in choose(articles, NOW, policy)] == [short, long_]


def test_budget_zero_turns_rechecks_off() -> None:
    policy = RecheckPolicy(budget=0)
    assert not policy.enabled
    assert choose([known(NOW - DAY, None)], NOW, policy) == []
    assert guaranteed_period(policy, 10) is None


def test_choose_reads_its_input_once() -> None:
    articles = (known(NOW - 10 * YEAR, None, f"/c/{i}") for i in range(1000))
    assert [a.url for a in choose(articles, NOW, RecheckPolicy(budget=2))] == ["/c/0", "/c/1"]


def test_the_own_periods_spread_over_the_second_half_of_the_period() -> None:
    policy = RecheckPolicy(period=60 * DAY)
    periods = [policy.period_of(f"https://www.wuhan.gov.cn/c/{i}.html") / DAY for i in range(2000)]
    assert all(30 < p <= 60 for p in periods)
    # A hash spreads them evenly: each quarter of (30, 60] holds about 500 of 2,000.
    quarters = [sum(1 for p in periods if 30 + 7.5 * q < p <= 37.5 + 7.5 * q) for q in range(4)]
    assert all(400 < n < 600 for n in quarters), quarters
    assert policy.period_of("/c/1") == RecheckPolicy(period=60 * DAY).period_of("/c/1")


# -- the guarantee, by hand ------------------------------------------------------------


def test_guaranteed_period_by_hand() -> None:
    # period + ⌈articles / budget⌉ runs.
    assert guaranteed_period(RecheckPolicy(), 10_000) == 85 * DAY  # 60 + 25
    assert guaranteed_period(RecheckPolicy(), 10_001) == 86 * DAY  # 60 + 26
    assert guaranteed_period(RecheckPolicy(), 1) == 61 * DAY
    policy = RecheckPolicy(budget=100, period=30 * DAY)
    assert guaranteed_period(policy, 1000, run_every=timedelta(hours=12)) == 35 * DAY  # 30 + 10 × 12 h


# -- settings --------------------------------------------------------------------------


def test_defaults_and_settings() -> None:
    assert RecheckPolicy.from_settings({}.get) == RecheckPolicy()
    empty = {"GOVNEWS_RECHECK_BUDGET": "", "GOVNEWS_RECHECK_RATIO": None}
    assert RecheckPolicy.from_settings(empty.get) == RecheckPolicy()
    assert RecheckPolicy() == RecheckPolicy(400, 0.2, timedelta(hours=20), timedelta(days=60))
    given_ = {
        "GOVNEWS_RECHECK_BUDGET": "250",
        "GOVNEWS_RECHECK_RATIO": 0.125,
        "GOVNEWS_RECHECK_MIN_HOURS": "12",
        "GOVNEWS_RECHECK_PERIOD_DAYS": "90",
    }
    assert RecheckPolicy.from_settings(given_.get) == RecheckPolicy(250, 0.125, timedelta(hours=12), 90 * DAY)
    assert RecheckPolicy.from_settings({"GOVNEWS_RECHECK_BUDGET": "0"}.get).budget == 0


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("GOVNEWS_RECHECK_BUDGET", "-1", "whole number of re-checks a run, 0 or more"),
        ("GOVNEWS_RECHECK_BUDGET", "1.5", "whole number"),
        ("GOVNEWS_RECHECK_BUDGET", "many", "whole number"),
        ("GOVNEWS_RECHECK_BUDGET", True, "whole number"),
        ("GOVNEWS_RECHECK_RATIO", "0", "a number above 0"),
        ("GOVNEWS_RECHECK_RATIO", "nan", "a number above 0"),
        ("GOVNEWS_RECHECK_RATIO", "inf", "a number above 0"),
        ("GOVNEWS_RECHECK_MIN_HOURS", "-1", "hours, 0 or more"),
        ("GOVNEWS_RECHECK_PERIOD_DAYS", "0", "days above 0"),
        ("GOVNEWS_RECHECK_PERIOD_DAYS", "1", "at least twice the minimal interval"),
    ],
)
def test_a_bad_setting_says_what_is_allowed(name: str, value: object, says: str) -> None:
    with pytest.raises(ValueError, match=name) as raised:
        RecheckPolicy.from_settings({name: value}.get)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    "bad",
    [
        {"budget": -1},
        {"budget": 2.5},
        {"ratio": 0.0},
        {"min_interval": timedelta(hours=-1)},
        {"period": timedelta(0)},
        {"period": timedelta(hours=30)},  # under twice 20 hours
    ],
)
def test_a_bad_policy_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        RecheckPolicy(**bad)  # type: ignore[arg-type]


# -- properties: runs simulated ----------------------------------------------------------

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)


@dataclass
class Column:
    """A column's known articles and every check of each (its first fetch included)."""

    articles: dict[str, Known]
    checks: dict[str, list[datetime]] = field(default_factory=dict)
    per_run: list[int] = field(default_factory=list)
    runs: list[datetime] = field(default_factory=list)


def column_of(ages: Iterable[timedelta | None], checked: Iterable[datetime | None], start: datetime) -> Column:
    """Articles published ``age`` before ``start`` (None: no date), last fetched at ``checked``."""
    articles: dict[str, Known] = {}
    checks: dict[str, list[datetime]] = {}
    for i, (age, moment) in enumerate(zip(ages, checked, strict=True)):
        url = f"https://www.wuhan.gov.cn/zwgk/tzgg/{i:05d}.shtml"
        published = None if age is None else (start - age).isoformat()
        articles[url] = Known(url, "/zwgk/tzgg/", published, None if moment is None else utc_stamp(moment))
        checks[url] = [] if moment is None else [moment]
    return Column(articles, checks)


def run(column: Column, now: datetime, policy: RecheckPolicy, new: int = 0) -> list[Known]:
    """One run at ``now``: ``new`` articles first fetched by its walk, then the re-checks
    (each fetched: ``checked`` becomes ``now``)."""
    for _ in range(new):
        url = f"https://www.wuhan.gov.cn/zwgk/tzgg/new-{len(column.articles):05d}.shtml"
        column.articles[url] = Known(url, "/zwgk/tzgg/", (now - timedelta(hours=3)).isoformat(), utc_stamp(now))
        column.checks[url] = [now]
    chosen = choose(column.articles.values(), now, policy)
    for article in chosen:
        column.articles[article.url] = replace(article, checked=utc_stamp(now))
        column.checks[article.url].append(now)
    column.per_run.append(len(chosen))
    column.runs.append(now)
    return chosen


def daily_runs(count: int, rng: random.Random, jitter_hours: float) -> list[datetime]:
    """A run a day at 03:00, each up to ``jitter_hours`` early or late, to the second."""
    return [
        T0 + d * DAY + timedelta(seconds=round(rng.uniform(-jitter_hours, jitter_hours) * 3600)) for d in range(count)
    ]


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.integers(1, 10_000),
    seed=st.integers(0, 2**32 - 1),
    start=st.sampled_from(["first walk", "spread", "unchecked"]),
    runs_to_cover=st.integers(1, 12),
    period_days=st.integers(2, 20),
    ratio=st.sampled_from([0.05, 0.2, 1.0]),
    daily_new=st.integers(0, 5),
    jitter_hours=st.sampled_from([0.0, 0.5, 3.0]),
    young=st.booleans(),
)
# Always: ratio-due articles far more than the budget (the period must come first), and the
# largest column, never checked.
@example(
    articles=3000,
    seed=1,
    start="first walk",
    runs_to_cover=12,
    period_days=10,
    ratio=0.2,
    daily_new=3,
    jitter_hours=0.5,
    young=True,
)
@example(
    articles=10_000,
    seed=2,
    start="unchecked",
    runs_to_cover=12,
    period_days=10,
    ratio=0.2,
    daily_new=3,
    jitter_hours=3.0,
    young=False,
)
def test_every_article_is_rechecked_within_the_guaranteed_period(
    *,
    articles: int,
    seed: int,
    start: str,
    runs_to_cover: int,
    period_days: int,
    ratio: float,
    daily_new: int,
    jitter_hours: float,
    young: bool,
) -> None:
    """(a) Daily runs over a column published over 10 years (a few articles undated; ``young``:
    most of them in the last year, so that ratio-due articles alone outnumber the budget): every
    article is re-checked within :func:`guaranteed_period` of its last check, however the
    checks stood at the start: all in one first walk, spread over the last period, or none
    (then each is checked once within ⌈articles / budget⌉ runs). (b) Never more than the
    budget a run. The period and budget are scaled down (to simulate few runs); the rule is
    the same at 60 days and 400."""
    rng = random.Random(seed)
    policy = RecheckPolicy(budget=math.ceil(articles / runs_to_cover), ratio=ratio, period=period_days * DAY)
    skew = 4 if young else 1  # 3650 days × u⁴: a quarter under 20 days, half under 230
    ages = [None if rng.random() < 0.03 else timedelta(days=3650 * rng.random() ** skew) for _ in range(articles)]
    checked: list[datetime | None]
    if start == "first walk":
        checked = [T0 - DAY] * articles
    elif start == "spread":
        checked = [T0 - timedelta(seconds=round(rng.uniform(0, policy.period.total_seconds()))) for _ in ages]
    else:
        checked = [None] * articles
    column = column_of(ages, checked, T0)
    horizon = period_days + runs_to_cover + 4
    runs = daily_runs(horizon, rng, jitter_hours)
    for now in runs:
        run(column, now, policy, new=daily_new)
    assert max(column.per_run) <= policy.budget
    run_every = max(b - a for a, b in itertools.pairwise(runs))
    bound = guaranteed_period(policy, len(column.articles), run_every)
    assert bound is not None
    first_check_by = runs[math.ceil(articles / policy.budget) - 1]
    for url, checks in column.checks.items():
        if start == "unchecked" and not url.rsplit("/", 1)[1].startswith("new-"):
            assert checks, f"{url} never checked"
            assert checks[0] <= first_check_by, f"{url} first checked {checks[0]}, after {first_check_by}"
        # The open gap at the end counts too: an article left waiting past the bound is late.
        for before, after in zip(checks, [*checks[1:], runs[-1]], strict=True):
            assert after - before <= bound, f"{url}: {after - before} between checks, bound {bound}"


@settings(max_examples=examples(100), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    articles=st.integers(0, 300),
    budget=st.integers(0, 50),
    ratio=st.sampled_from([0.05, 0.2, 0.5]),
)
def test_choose_takes_the_first_due_articles_by_the_rule(seed: int, articles: int, budget: int, ratio: float) -> None:
    """(b) At most the budget; exactly the due articles first in the rule's order: unchecked
    (by URL), then period-due (longest past its own period first), then ratio-due (highest
    ``gap / age`` first), ties by URL. Written here from the rule, against which
    :func:`choose` (one pass, a heap) must agree with a full sort."""
    rng = random.Random(seed)
    policy = RecheckPolicy(budget=budget, ratio=ratio)
    pool: list[Known] = []
    for i in range(articles):
        roll = rng.random()
        published = None if roll < 0.05 else "不详" if roll < 0.08 else (NOW - rng.uniform(0, 3650) * DAY).isoformat()
        checked = None if rng.random() < 0.05 else NOW - timedelta(seconds=rng.randrange(0, 90 * 86400))
        # A few share their time of check and their age: ties to be broken by URL.
        if rng.random() < 0.1 and pool:
            twin = pool[-1]
            pool.append(Known(f"/c/{i:04d}", None, twin.published_at, twin.checked))
            continue
        pool.append(known(published, checked, f"/c/{i:04d}"))
    rng.shuffle(pool)

    def key(article: Known) -> tuple[int, float, str]:
        reason = due(article, NOW, policy)
        if reason == "unchecked":
            return 0, 0.0, article.url
        gap = (NOW - datetime.fromisoformat(article.checked or "")) / DAY
        if reason == "period":
            return 1, -(gap - policy.period_of(article.url) / DAY), article.url
        age = max(1.0, (NOW - datetime.fromisoformat(article.published_at or "")) / DAY)
        return 2, -gap / age, article.url

    due_ones = [a for a in pool if due(a, NOW, policy) is not None]
    expected = sorted(due_ones, key=key)[:budget]
    chosen = choose(pool, NOW, policy)
    assert len(chosen) <= budget
    assert [a.url for a in chosen] == [a.url for a in expected]


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), others=st.integers(0, 3_000), daily_new=st.integers(0, 5))
def test_a_young_article_is_rechecked_more_often_than_an_old_one(seed: int, others: int, daily_new: int) -> None:
    """(c) Over 60 daily runs at the default policy, in a column of up to 3,000 other articles
    of any age, all first fetched the day before: an article a week old is re-checked more
    often than one ten years old (a fifth of its age between checks, against once or twice a
    period)."""
    rng = random.Random(seed)
    ages: list[timedelta | None] = [7 * DAY, 10 * YEAR]
    ages += [timedelta(days=rng.uniform(0, 3650)) for _ in range(others)]
    column = column_of(ages, [T0 - DAY] * len(ages), T0)
    young, old = list(column.articles)[:2]
    policy = RecheckPolicy()
    for now in daily_runs(60, rng, 0.5):
        run(column, now, policy, new=daily_new)
    assert len(column.checks[young]) > len(column.checks[old]), (column.checks[young], column.checks[old])


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    articles=st.integers(1, 400),
    min_hours=st.sampled_from([0.0, 6.0, 20.0, 47.5]),
    spacing_hours=st.lists(st.floats(0.25, 72.0), min_size=1, max_size=60),
)
def test_nothing_is_rechecked_sooner_than_the_minimal_interval(
    seed: int, articles: int, min_hours: float, spacing_hours: list[float]
) -> None:
    """(d) Runs at any spacing (a quarter of an hour to three days), articles of any age (a
    few hours to 10 years) and any last check: no article is re-checked sooner than
    ``min_interval`` after its last check."""
    rng = random.Random(seed)
    policy = RecheckPolicy(budget=rng.randint(1, 200), min_interval=timedelta(hours=min_hours))
    ages = [timedelta(hours=rng.uniform(1, 3650 * 24)) for _ in range(articles)]
    checked = [T0 - timedelta(hours=rng.uniform(0, 100)) for _ in range(articles)]
    column = column_of(ages, checked, T0)
    now = T0
    for hours in spacing_hours:
        now += timedelta(seconds=round(hours * 3600))
        for article in run(column, now, policy, new=rng.randint(0, 3)):
            before = column.checks[article.url][-2]
            assert now - before >= policy.min_interval, (article, now, before)
