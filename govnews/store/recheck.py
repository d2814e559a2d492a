"""The re-check rule, Scrapy-free: which known articles a run fetches again to see edits.

Government sites edit notices in silence and mark old policies 失效 years after they were
published; no list page shows it. So a run also re-fetches articles it already exported,
with a conditional request (an unchanged page costs a ``304`` and no body): young ones
often, old ones rarely, at most ``budget`` a run, and every article at least once within a
bounded time. This module only chooses; the store and the spider fetch and record.

The rule (diffengine's, ``Entry.stale``, with a budget and a period)
    An article is *due* when, ``gap`` being the time since it was last fetched (200 or 304)
    and ``age`` the time since it was published (at least one day; unknown counts as old):

    * **unchecked**: it was never fetched since the store knew it (``checked`` None, not a
      time, or later than now: a clock set back); always due, ahead of everything;
    * **period**: ``gap`` ≥ its own period, a fraction of ``period`` between a half and one,
      fixed for good by a hash of its URL (:meth:`RecheckPolicy.period_of`). Regardless of the
      ratio, then, every article is due once ``gap`` ≥ ``period``;
    * **ratio**: ``gap / age`` ≥ ``ratio``: an article a week old is due 1.4 days after its
      last check, one ten years old after two years (the period comes first);

    and never sooner than ``min_interval`` after its last check (20 h: a daily run that starts
    a few hours early still re-checks). A run takes at most ``budget`` due articles, the most
    overdue first: unchecked (by URL), then period-due (longest past its own period first),
    then ratio-due (``gap / age`` highest first); ties by URL, so the choice is deterministic.

Why each article has its own period, not ``period`` itself
    A column's first walk fetches thousands of old articles within hours. With one period
    they would all fall due on the same run, and again a period after the run that took them:
    ``articles / budget`` runs in a row, every period, spending the whole budget on them while
    young articles, ratio-due but behind them, wait. Measured on 10,000 articles at the
    defaults (``benchmarks/bench_recheck.py --one-period``): articles under 60 days old waited
    up to 31 days for a re-check, and 67 runs of 200 spent the whole budget. Own periods spread
    over the second half of ``period`` spread that crowd over 30 days from the start, and
    further at each round: articles under 60 days old then wait at most 13 days, and 29 runs of
    200 (in the first round) spend the whole budget. The guarantee below holds either way.

The guarantee (:func:`guaranteed_period`)
    With runs at most ``run_every`` apart, each choosing among the same ``articles`` articles,
    every article is re-checked less than ``period + ⌈articles / budget⌉ × run_every`` after
    its last check. Why: it falls due by the period at the first run where ``gap`` ≥ its own
    period, less than ``period + run_every`` after that check. From then on only articles due
    before it come before it (unchecked ones, and ones longer past their own period), each at
    most once (re-checked, an article next falls due later than this one did); a run takes
    ``budget`` of them, so its turn comes within ``⌈articles / budget⌉`` runs. What it needs:

    * the budget is a run's: pass :func:`choose` every known article of the run at once
      (``articles`` is then all of them, not one column's);
    * an article's first fetch (the walk that exported it) sets ``checked``, as every later
      200 or 304 does (an article never checked comes before all others);
    * a re-check that fails changes nothing, so the article keeps its place at the head: one
      that keeps failing (a dead link: leave it out of ``known``) takes a slot every run.

The defaults (``GOVNEWS_RECHECK_*``, :meth:`RecheckPolicy.from_settings`)
    * ``budget`` 400 re-checks a run (``GOVNEWS_RECHECK_BUDGET``; 0 turns re-checks off).
      At the project's ``DOWNLOAD_DELAY`` of 1 s, a floor between a response and the next
      request to the host (``govnews.crawl.politeness``; AutoThrottle only slows down from
      there): 400 × 1 s = 400 s, 6 min 40 s a run at most, plus each 304's latency (0.2 s:
      400 × 1.2 s = 8 min). An idle run of the 12 Wuhan columns: ``robots.txt``, 12 list pages
      and at most 400 re-checks, 413 requests, 413 s: about 7 minutes.
    * ``ratio`` 0.2, diffengine's (``GOVNEWS_RECHECK_RATIO``).
    * ``min_interval`` 20 hours (``GOVNEWS_RECHECK_MIN_HOURS``).
    * ``period`` 60 days (``GOVNEWS_RECHECK_PERIOD_DAYS``): own periods from 30 to 60 days.

    On 10,000 articles under a daily run, the guarantee: less than 60 + ⌈10,000 / 400⌉ = 85
    days between two checks of an article (90 days up to 12,000 articles). Simulated
    (``benchmarks/bench_recheck.py``: 200 daily runs ± 15 minutes, 10,000 articles published
    over 10 years, all first fetched the day before the first run, 3 new a day): the longest
    gap measured is 61 days; a run re-checks 252 articles on average (4.2 minutes at 1 s),
    400 at most (6.7 minutes).

:func:`choose` is O(n log budget) (one pass, :func:`heapq.nsmallest`): a few tens of
milliseconds for 20,000 articles.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal, NamedTuple

Due = Literal["unchecked", "period", "ratio"]
"""Why an article is due (:func:`due`)."""
_REASONS: tuple[Due, ...] = ("unchecked", "period", "ratio")
"""The reasons in the order a run takes them."""
_ORDER: dict[Due, int] = {reason: order for order, reason in enumerate(_REASONS)}

# The sites write times at +08:00 (govnews/schema/article.schema.json); a bare date is a
# Beijing date. The store may not import govnews.extract, whose BEIJING this is.
_SITE_ZONE = timezone(timedelta(hours=8))
_DAY = 86400.0


BUDGET = "GOVNEWS_RECHECK_BUDGET"
RATIO = "GOVNEWS_RECHECK_RATIO"
MIN_HOURS = "GOVNEWS_RECHECK_MIN_HOURS"
PERIOD_DAYS = "GOVNEWS_RECHECK_PERIOD_DAYS"

_Kind = Literal["budget", "ratio", "min", "period"]
_FIELDS: dict[_Kind, str] = {
    "budget": "budget",
    "ratio": "ratio",
    "min": "min_interval (hours)",
    "period": "period (days)",
}
_ALLOWS: dict[_Kind, Callable[[float], bool]] = {
    "budget": lambda v: 0 <= v < math.inf and float(v).is_integer(),
    "ratio": lambda v: 0 < v < math.inf,
    "min": lambda v: 0 <= v < math.inf,
    "period": lambda v: 0 < v < math.inf,
}
_ALLOWED: dict[_Kind | Literal["both"], str] = {
    "budget": "must be a whole number of re-checks a run, 0 or more (0 turns re-checks off)",
    "ratio": "must be a number above 0, the share of an article's age that may pass since its last check "
    "(0.2: a 10-day-old article is re-checked 2 days after)",
    "min": "must be a number of hours, 0 or more: no article is re-checked sooner after a check",
    "period": "must be a number of days above 0: every article is due again within it",
    "both": "the period must be at least twice the minimal interval (an article's own period, from half "
    "the period up, must not fall under it)",
}


@dataclass(frozen=True)
class Known:
    """An article the store knows, as the rule reads it.

    ``published_at``: an ISO date or date-time (a naive one at +08:00); None or unreadable:
    age unknown, taken as old (only the period makes it due). ``checked``: when its page was
    last fetched, 200 or 304, UTC as the store writes times (``utc_stamp``); None: never
    since the store knew it (due). ``column`` is carried for the caller (stats per column);
    the rule does not read it."""

    url: str
    column: str | None
    published_at: str | None
    checked: str | None


@dataclass(frozen=True)
class RecheckPolicy:
    """How many re-checks a run makes and when an article is due (the module's docstring has
    the rule). A bad value raises :class:`ValueError` saying what is allowed.

    >>> RecheckPolicy().period_of("https://www.wuhan.gov.cn/x.html") <= timedelta(days=60)
    True
    >>> RecheckPolicy(budget=-1)
    Traceback (most recent call last):
    ...
    ValueError: budget=-1: must be a whole number of re-checks a run, 0 or more (0 turns re-checks off)
    """

    budget: int = 400
    ratio: float = 0.2
    min_interval: timedelta = timedelta(hours=20)
    period: timedelta = timedelta(days=60)

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int):
            raise ValueError(f"budget={self.budget!r}: {_ALLOWED['budget']}")
        values: dict[_Kind, float] = {
            "budget": self.budget,
            "ratio": self.ratio,
            "min": self.min_interval / timedelta(hours=1),
            "period": self.period / timedelta(days=1),
        }
        for kind, value in values.items():
            if not _ALLOWS[kind](value):
                raise ValueError(f"{_FIELDS[kind]}={value!r}: {_ALLOWED[kind]}")
        if self.period < 2 * self.min_interval:
            raise ValueError(f"period={self.period} with min_interval={self.min_interval}: {_ALLOWED['both']}")

    @property
    def enabled(self) -> bool:
        """Re-checks are on (a budget above 0)."""
        return self.budget > 0

    def period_of(self, url: str) -> timedelta:
        """The article's own period: between half ``period`` (excluded) and ``period``, from a
        hash of its URL (the same on every run and every machine).

        >>> policy = RecheckPolicy(period=timedelta(days=60))
        >>> periods = [policy.period_of(f"/c/{i}.html") for i in range(1000)]
        >>> timedelta(days=30) < min(periods) and max(periods) <= timedelta(days=60)
        True
        >>> policy.period_of("/c/1.html") == policy.period_of("/c/1.html")
        True
        """
        return timedelta(seconds=_own_period(self.period.total_seconds(), url))

    @classmethod
    def from_settings(cls, get: Callable[[str], object]) -> RecheckPolicy:
        """The policy of ``GOVNEWS_RECHECK_BUDGET``, ``GOVNEWS_RECHECK_RATIO``,
        ``GOVNEWS_RECHECK_MIN_HOURS`` and ``GOVNEWS_RECHECK_PERIOD_DAYS`` read through ``get``
        (Scrapy's ``settings.get``: a value, a ``-s`` string, or None when unset); unset or
        empty, the default. A bad value raises :class:`ValueError` naming the setting.

        >>> settings = {"GOVNEWS_RECHECK_BUDGET": "100", "GOVNEWS_RECHECK_PERIOD_DAYS": 30}
        >>> policy = RecheckPolicy.from_settings(settings.get)
        >>> policy.budget, policy.ratio, policy.min_interval, policy.period.days
        (100, 0.2, datetime.timedelta(seconds=72000), 30)
        >>> RecheckPolicy.from_settings({"GOVNEWS_RECHECK_RATIO": "often"}.get)
        Traceback (most recent call last):
        ...
        ValueError: GOVNEWS_RECHECK_RATIO='often': must be a number above 0, the share of an article's age
        that may pass since its last check (0.2: a 10-day-old article is re-checked 2 days after)
        """
        default = cls()
        budget = _setting(get, BUDGET, "budget", default.budget)
        ratio = _setting(get, RATIO, "ratio", default.ratio)
        hours = _setting(get, MIN_HOURS, "min", default.min_interval / timedelta(hours=1))
        days = _setting(get, PERIOD_DAYS, "period", default.period / timedelta(days=1))
        if days * 24 < 2 * hours:
            raise ValueError(f"{PERIOD_DAYS}={days:g} with {MIN_HOURS}={hours:g}: {_ALLOWED['both']}")
        return cls(int(budget), ratio, timedelta(hours=hours), timedelta(days=days))


def _setting(get: Callable[[str], object], name: str, kind: _Kind, default: float) -> float:
    """Setting ``name`` as a number (``default`` when unset or empty), checked as ``kind``."""
    raw = get(name)
    if raw is None or raw == "":
        return default
    try:
        value = math.nan if isinstance(raw, bool) else float(str(raw))
    except ValueError:
        value = math.nan
    if not _ALLOWS[kind](value):
        raise ValueError(f"{name}={raw!r}: {_ALLOWED[kind]}")
    return value


@lru_cache(maxsize=1 << 16)
def _spread(url: str) -> float:
    """A number in [0, 1) from ``url``'s hash: the same for a URL everywhere (``hash()`` is
    salted per process)."""
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _own_period(period: float, url: str) -> float:
    """The article's own period in seconds, of ``period`` seconds: in (period / 2, period]."""
    return period * (1.0 - _spread(url) / 2.0)


# Cached: every run reads every article's two times, and many are shared (a column's articles
# share their dates; the checks of a run share their seconds).
@lru_cache(maxsize=1 << 16)
def _seconds(text: str | None, zone: timezone) -> float | None:
    """``text``, an ISO date or date-time (naive: in ``zone``), as POSIX seconds; None when it
    reads as no time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


class _Limits(NamedTuple):
    """A policy's times in seconds, worked out once a run, and the moment of the run."""

    now: float
    min_interval: float
    period: float
    ratio: float

    @classmethod
    def of(cls, policy: RecheckPolicy, now: datetime) -> _Limits:
        if now.tzinfo is None:
            raise ValueError(f"now={now.isoformat()}: a time with its time zone (datetime.now(UTC)), not a naive one")
        return cls(now.timestamp(), policy.min_interval.total_seconds(), policy.period.total_seconds(), policy.ratio)


def _rank(article: Known, limits: _Limits) -> tuple[int, float] | None:
    """``(order of its reason, minus how overdue)`` when ``article`` is due, else None: the
    smallest comes first."""
    now = limits.now
    checked = _seconds(article.checked, UTC)
    if checked is None or checked > now:
        return _ORDER["unchecked"], 0.0
    gap = now - checked
    if gap < limits.min_interval:
        return None
    # Below half the period no article's own period has come: its hash is not needed.
    if gap * 2 >= limits.period and gap >= (own := _own_period(limits.period, article.url)):
        return _ORDER["period"], -(gap - own)
    published = _seconds(article.published_at, _SITE_ZONE)
    if published is None:
        return None
    share = gap / max(_DAY, now - published)
    if share >= limits.ratio:
        return _ORDER["ratio"], -share
    return None


def due(article: Known, now: datetime, policy: RecheckPolicy) -> Due | None:
    """Why ``article`` is due at ``now`` (``unchecked``, ``period``, ``ratio``); None when it
    is not. Budget aside: :func:`choose` takes the due articles a run re-checks.

    >>> now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    >>> policy = RecheckPolicy()
    >>> due(Known("/a", None, "2026-11-21", None), now, policy)
    'unchecked'
    >>> due(Known("/a", None, "2026-11-20T11:00:00+08:00", "2026-11-28T12:00:00Z"), now, policy)
    'ratio'
    >>> due(Known("/a", None, "2016-12-01", "2026-11-28T12:00:00Z"), now, policy) is None
    True
    >>> due(Known("/a", None, "2016-12-01", "2026-09-30T03:00:00Z"), now, policy)
    'period'
    """
    rank = _rank(article, _Limits.of(policy, now))
    return None if rank is None else _REASONS[rank[0]]


def choose(known: Iterable[Known], now: datetime, policy: RecheckPolicy) -> list[Known]:
    """The articles a run at ``now`` re-checks, in the order to fetch them: at most
    ``policy.budget`` due articles, unchecked first, then period-due (longest past its own
    period first), then ratio-due (``gap / age`` highest first), ties by URL. One pass over
    ``known`` and a heap of ``budget`` (O(n log budget)).

    >>> now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    >>> known = [
    ...     Known("/old", "/c/", "2016-12-01", "2026-09-01T03:00:00Z"),  # 91 days: past any period
    ...     Known("/week", "/c/", "2026-11-24", "2026-11-29T03:00:00Z"),  # 2 days / 7.46: 0.27
    ...     Known("/new", "/c/", "2026-11-30", None),  # never checked
    ...     Known("/month", "/c/", "2026-11-01", "2026-11-29T03:00:00Z"),  # 2 days / 30.46: 0.07
    ... ]
    >>> [a.url for a in choose(known, now, RecheckPolicy())]
    ['/new', '/old', '/week']
    >>> [a.url for a in choose(known, now, RecheckPolicy(budget=2))]
    ['/new', '/old']
    """
    if not policy.enabled:
        return []
    limits = _Limits.of(policy, now)
    ranked = (
        (rank[0], rank[1], article.url, index, article)
        for index, article in enumerate(known)
        if (rank := _rank(article, limits)) is not None
    )
    return [entry[-1] for entry in heapq.nsmallest(policy.budget, ranked)]


def guaranteed_period(
    policy: RecheckPolicy, articles: int, run_every: timedelta = timedelta(days=1)
) -> timedelta | None:
    """The longest an article waits between two checks, when runs come at most ``run_every``
    apart and each chooses among ``articles`` articles (the module's docstring says why):
    ``period + ⌈articles / budget⌉ × run_every``, an upper bound never reached. None when
    re-checks are off.

    >>> guaranteed_period(RecheckPolicy(), 10_000)          # 60 days + 25 daily runs
    datetime.timedelta(days=85)
    >>> guaranteed_period(RecheckPolicy(), 12_000), guaranteed_period(RecheckPolicy(), 10)
    (datetime.timedelta(days=90), datetime.timedelta(days=61))
    >>> guaranteed_period(RecheckPolicy(budget=0), 10) is None
    True
    """
    if not policy.enabled:
        return None
    runs = max(1, math.ceil(articles / policy.budget))
    return policy.period + runs * run_every
