"""The re-check policy (govnews.store.recheck) simulated: a column under daily runs.

A column of ``--articles`` articles published over 10 years, every one first fetched by the
walk of the day before the first run (a column's first walk: the worst start, every check at
once); each run, ``--daily-new`` articles are published and fetched by its walk, then the run
re-checks what :func:`~govnews.store.recheck.choose` gives it at the default policy (each
re-check answered: its ``checked`` is the run's time). Runs are a day apart, each starting up
to ``--jitter-minutes`` early or late. Printed: re-checks a run (mean, max, runs that spent the
whole budget), the longest gap between two checks of one article (the measured period; the
first fetch counts as a check, and so does the end of the simulation for an article still
waiting) against :func:`~govnews.store.recheck.guaranteed_period`, the longest gap of an
article under 60 days old, minutes a run at the project's ``DOWNLOAD_DELAY``, and the time
:func:`choose` takes. ``--one-period`` gives every article the full period (no spread), for
comparison. Pure CPU, no network.

    python benchmarks/bench_recheck.py [--articles 10000] [--runs 200] [--daily-new 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govnews import settings as project
from govnews.store import recheck, utc_stamp
from govnews.store.recheck import Known, RecheckPolicy, choose, guaranteed_period

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)
YOUNG = 60 * DAY


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--daily-new", type=int, default=3)
    parser.add_argument("--jitter-minutes", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one-period", action="store_true", help="every article's period the full period")
    args = parser.parse_args()
    if args.one_period:
        recheck._spread = lambda url: 0.0  # type: ignore[assignment]
    rng = random.Random(args.seed)
    policy = RecheckPolicy()

    articles: dict[str, Known] = {}
    published: dict[str, datetime] = {}
    checks: dict[str, list[datetime]] = {}

    def add(url: str, at: datetime, fetched: datetime) -> None:
        articles[url] = Known(url, "/c/", at.isoformat(timespec="seconds"), utc_stamp(fetched))
        published[url], checks[url] = at, [fetched]

    for i in range(args.articles):
        add(f"https://www.wuhan.gov.cn/c/{i:05d}.shtml", T0 - timedelta(days=rng.uniform(0, 3650)), T0 - DAY)

    per_run: list[int] = []
    seconds: list[float] = []
    now = T0
    for day in range(args.runs):
        now = T0 + day * DAY + timedelta(seconds=round(rng.uniform(-1, 1) * args.jitter_minutes * 60))
        for _ in range(args.daily_new):
            add(
                f"https://www.wuhan.gov.cn/c/new-{len(articles):05d}.shtml",
                now - timedelta(hours=rng.uniform(1, 20)),
                now,
            )
        started = time.perf_counter()
        chosen = choose(articles.values(), now, policy)
        seconds.append(time.perf_counter() - started)
        for article in chosen:
            articles[article.url] = replace(article, checked=utc_stamp(now))
            checks[article.url].append(now)
        per_run.append(len(chosen))

    longest, young = timedelta(0), timedelta(0)
    for url, times in checks.items():
        for before, after in zip(times, [*times[1:], now], strict=True):
            longest = max(longest, after - before)
            if after - published[url] <= YOUNG:
                young = max(young, after - before)
    delay = float(project.DOWNLOAD_DELAY)
    stated = guaranteed_period(policy, len(articles))
    mean, most = statistics.fmean(per_run), max(per_run)
    full = sum(1 for n in per_run if n == policy.budget)

    many = [
        Known(f"https://www.wuhan.gov.cn/c/{i}.shtml", "/c/", (now - rng.uniform(0, 3650) * DAY).isoformat(), None)
        for i in range(20_000)
    ]
    many = [replace(a, checked=utc_stamp(now - timedelta(days=rng.uniform(0, 70)))) for a in many]
    choose(many, now, policy)  # the caches warm, as on every run after a store's first
    started = time.perf_counter()
    choose(many, now, policy)
    twenty_thousand = time.perf_counter() - started

    print(
        f"policy: budget {policy.budget}, ratio {policy.ratio}, min_interval {policy.min_interval}, "
        f"period {policy.period.days} days{' (one period for all: --one-period)' if args.one_period else ''}"
    )
    print(
        f"column: {args.articles} articles over 10 years, first fetched the day before run 1, "
        f"{args.daily_new} new a day ({len(articles)} after {args.runs} runs), "
        f"runs a day apart ± {args.jitter_minutes:g} min"
    )
    print(f"re-checks a run: mean {mean:.1f}, max {most}; runs that spent the whole budget: {full} of {args.runs}")
    print(f"longest gap between two checks of an article: {_days(longest)} (guaranteed: {_days(stated)})")
    print(f"longest gap of an article under {YOUNG.days} days old: {_days(young)}")
    print(
        f"minutes a run at DOWNLOAD_DELAY {delay:g} s (a floor; + each 304's latency): "
        f"mean {mean * delay / 60:.1f}, max {most * delay / 60:.1f}"
    )
    print(
        f"choose(): {statistics.fmean(seconds) * 1000:.1f} ms a run on {len(articles)} articles (mean), "
        f"{twenty_thousand * 1000:.1f} ms on 20,000"
    )
    return 0


def _days(span: timedelta | None) -> str:
    return "none (re-checks off)" if span is None else f"{span / DAY:.1f} days"


if __name__ == "__main__":
    sys.exit(main())
