"""The politeness budget of a backend (govnews/crawl/politeness.py): the hosts of one publishing
instance, together, are asked no faster than ``GOVNEWS_BACKEND_BUDGET`` times one host's
rate, on top of each host's floor; in one process, and across workers through Redis.

The proof is read where the site would read it, on the servers' access logs: four family
mirror hosts (one backend, ``wuhan-trs``, as in the family table) crawled by two workers on
one real redis-server, and by one process without Redis; every request any host saw,
merged in time order, is at least ``DOWNLOAD_DELAY / budget`` after the one before, and
each host's own requests are at least ``DOWNLOAD_DELAY`` apart. Two runs that take no lease
(``incremental=0``) on one host at once are spaced by Redis too. Timings are asserted only
as these floors, less the slack of the send jitter measured while the test ran
(``tests/timing.py``: the crawler spaces its turns, the reactor sends a little later).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from govnews.crawl.politeness import LocalTimes
from govnews.sites.family import SITES_BY_KEY
from govnews.store.keys import backend_key, host_key
from govnews.store.turns import SharedTimes
from tests.conftest import ROOT, crawl_command, family_crawl_command, init_redis_stores, run_command
from tests.mirror.family import SITES, FamilyMirror
from tests.redis_server import free_port
from tests.timing import SlackWindow

DELAY = 0.05
BUDGET = 2
INTERVAL = DELAY / BUDGET
FOUR = tuple(spec.key for spec in SITES[:4])


# -- the turns, as data --------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(st.sampled_from("abcd"), st.floats(min_value=0, max_value=0.2), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_turns_keep_the_backend_interval_and_each_host_floor(steps: list[tuple[str, float, bool]]) -> None:
    """Whatever the order hosts ask in, and whenever they answer: turns of the backend are
    an interval apart, turns of one host a floor apart, and none is before it was asked."""
    times, now = LocalTimes(), 0.0
    taken: list[tuple[str, float]] = []
    for host, later, answers in steps:
        now += later
        if answers:
            times.responded(host, now=now, floor=DELAY)
        turn = times.take(host, "trs", now=now, host_hold=DELAY, backend_hold=INTERVAL)
        assert turn.not_before >= now
        taken.append((host, turn.not_before))
    moments = sorted(at for _, at in taken)
    assert all(b - a >= INTERVAL - 1e-9 for a, b in itertools.pairwise(moments))
    for host in "abcd":
        mine = sorted(at for h, at in taken if h == host)
        assert all(b - a >= DELAY - 1e-9 for a, b in itertools.pairwise(mine))


def test_a_budget_of_zero_leaves_only_the_host_floors() -> None:
    times = LocalTimes()
    turns = [times.take(h, "trs", now=0.0, host_hold=DELAY, backend_hold=0.0) for h in "abcd"]
    assert {t.not_before for t in turns} == {0.0}


def test_every_site_of_the_family_shares_one_backend() -> None:
    assert {site.backend for site in SITES_BY_KEY.values()} == {"wuhan-trs"}


# -- the turns in Redis --------------------------------------------------------------------


def test_turns_taken_in_redis_by_two_workers_share_the_backend_and_expire(redis_url: str) -> None:
    """Two clients (two workers) take turns for four hosts at once: the server's clock
    spaces them, the host's response moves its next time, and every key expires."""

    async def scenario() -> None:
        workers = [SharedTimes(redis_url), SharedTimes(redis_url)]
        try:
            waits = [
                await worker.take(host, "wuhan-trs", not_before=0.0, host_hold=DELAY, backend_hold=INTERVAL)
                for worker, host in zip(itertools.cycle(workers), "abcd", strict=False)
            ]
            # Asked within a few ms: each turn one interval after the one before (less the
            # time that passed between the asks), the first at once.
            assert waits[0] == (0.0, None)
            assert [held for _, held in waits[1:]] == ["backend"] * 3
            assert all(INTERVAL - 0.01 < b - a <= INTERVAL + 1e-6 for (a, _), (b, _) in itertools.pairwise(waits))
            # Host a answered: its next turn is a floor after now, cluster-wide.
            await workers[1].responded("a", "wuhan-trs", floor=1.0)
            wait, held = await workers[0].take("a", "wuhan-trs", not_before=0.0, host_hold=DELAY, backend_hold=INTERVAL)
            assert held == "host" and 0.9 < wait <= 1.0
            # A process's own floor (not_before) is kept too.
            wait, held = await workers[0].take("e", "wuhan-trs", not_before=5.0, host_hold=DELAY, backend_hold=0.0)
            assert (wait, held) == (5.0, "host")
        finally:
            for worker in workers:
                await worker.close()

    asyncio.run(scenario())
    client = redis.Redis.from_url(redis_url)
    try:
        keys = [backend_key("wuhan-trs"), *(host_key("wuhan-trs", h) for h in "abcde")]
        ttls = [client.pttl(key) for key in keys]
        assert all(0 < ttl <= 7000 for ttl in ttls), dict(zip(keys, ttls, strict=True))
        assert set(client.keys("govnews:politeness:*")) == {key.encode() for key in keys}
    finally:
        client.close()


# -- the handler: the lease's fence, Redis failing -------------------------------------------


@pytest.fixture(scope="module")
def one_host() -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=5, sites=SITES[:1]) as mirror:
        yield mirror


def ask_in_turn(mirror: FamilyMirror, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """``tests/politeness_crawl.py`` asking /a, /b, /c of the mirror's host: its stats."""
    server = next(iter(mirror.servers.values()))
    server.clear_access_log()
    urls = [f"{server.base_url}/{name}" for name in "abc"]
    proc = run_command([sys.executable, "-m", "tests.politeness_crawl", *urls, *args], env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    stats["_log"] = proc.stderr
    return stats


def paths_seen(mirror: FamilyMirror) -> list[str]:
    return [path for _, path in next(iter(mirror.servers.values())).access_log]


@pytest.mark.parametrize(
    ("fence", "delay", "seen"),
    [
        ("open", "0", ["/a", "/b", "/c"]),
        ("closed", "0", []),
        ("closed", "0.1", []),
        # The lease ends while /b waits for its turn (0.3 s after /a's response): checked
        # after the wait, /b is not made.
        ("ends-while-waiting", "0.3", ["/a"]),
        ("open", "0.3", ["/a", "/b", "/c"]),
    ],
)
def test_a_request_is_made_only_while_the_lease_fence_holds(
    one_host: FamilyMirror, fence: str, delay: str, seen: list[str]
) -> None:
    stats = ask_in_turn(one_host, "--fence", fence, "-s", f"DOWNLOAD_DELAY={delay}", "-s", "AUTOTHROTTLE_ENABLED=0")
    assert paths_seen(one_host) == seen
    # Refused once, as it entered the downloader (the fence middleware) or after its wait (the handler).
    assert stats.get("govnews/fence/requests_refused", 0) == (0 if fence == "open" else 1)
    assert stats.get("downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0) == (fence != "open")
    if fence == "ends-while-waiting":
        assert stats["govnews/politeness/waited"] == 1  # /b waited its turn, then found the lease gone


def test_a_redis_that_does_not_answer_leaves_the_spacing_to_the_process(
    one_host: FamilyMirror, clock_slack: SlackWindow
) -> None:
    """Nothing listens at REDIS_URL: every request is made, spaced by the process's own
    floor, each failure counted and the trouble logged once."""
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    stats = ask_in_turn(one_host, "-s", f"DOWNLOAD_DELAY={DELAY}", "-s", "AUTOTHROTTLE_ENABLED=0", env=env)
    assert paths_seen(one_host) == ["/a", "/b", "/c"]
    clock_slack.slack().assert_spaced(next(iter(one_host.servers.values())).spacing(), DELAY)
    # Each request's turn and its response: the first call fails, the others skip Redis a while.
    # A turn woken later than its margin (a busy machine) is taken again: one more call.
    assert stats["govnews/politeness/redis_fallbacks"] == 6 + int(stats.get("govnews/politeness/taken_again", 0))
    assert "govnews/politeness/redis_turns" not in stats
    log = str(stats["_log"])
    assert len(re.findall(r"WARNING: politeness: Redis at redis://127\.0\.0\.1:\d+/0 failed", log)) == 1, log


# -- the proof on the servers' access logs -----------------------------------------------------


@pytest.fixture
def four_hosts() -> Iterator[FamilyMirror]:
    """Four sites of the family mirror: four hosts of one backend."""
    with FamilyMirror(seed=13, sites=SITES[:4]) as mirror:
        yield mirror


def merged_log(mirror: FamilyMirror) -> list[tuple[float, str, str]]:
    """``(moment, site, path)`` of every request every host saw, in time order (robots.txt
    included: it is a request to the backend like any other). The moments are the kernel's
    (``arrival_log``): a server thread of this process that waits for the CPU would log two
    hosts' requests as if they had come together."""
    return sorted((t, key, path) for key, server in mirror.servers.items() for t, path in server.arrival_log)


def backend_spacing(mirror: FamilyMirror) -> list[float]:
    return [b[0] - a[0] for a, b in itertools.pairwise(merged_log(mirror))]


def host_spacing(mirror: FamilyMirror) -> dict[str, list[float]]:
    return {
        key: [b - a for (a, _), (b, _) in itertools.pairwise(server.arrival_log)]
        for key, server in mirror.servers.items()
    }


def assert_within_budget(mirror: FamilyMirror, clock_slack: SlackWindow) -> None:
    """The backend's rate never above its budget, and no host's spacing under its floor."""
    slack = clock_slack.slack()
    spacing = backend_spacing(mirror)
    assert len(spacing) > 100, "too few requests to judge"
    closest = sorted(range(len(spacing)), key=spacing.__getitem__)[:3]
    log = merged_log(mirror)
    slack.assert_spaced(spacing, INTERVAL, f"the backend {[(log[i][1:], log[i + 1][1:]) for i in closest]}")
    for key, gaps in host_spacing(mirror).items():
        assert gaps, f"{key} saw fewer than two requests"
        slack.assert_spaced(gaps, DELAY, key)


def overlapping(mirror: FamilyMirror, keys: set[str]) -> bool:
    """At one moment every host of ``keys`` was being crawled."""
    spans = [(s.arrival_log[0][0], s.arrival_log[-1][0]) for k, s in mirror.servers.items() if k in keys]
    return max(first for first, _ in spans) < min(last for _, last in spans)


def test_one_process_crawling_four_hosts_at_once_keeps_the_backend_budget(
    four_hosts: FamilyMirror, tmp_path: Path, clock_slack: SlackWindow
) -> None:
    proc = run_command(family_crawl_command(four_hosts, tmp_path, delay=DELAY), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"INFO: family: 4 sites: 4 passed, 0 failed$", proc.stderr, re.MULTILINE)
    assert overlapping(four_hosts, set(FOUR))
    assert_within_budget(four_hosts, clock_slack)
    # The budget, not the floors, held the requests back: four hosts at their floors would
    # ask twice as fast as it allows.
    assert sum(int(n) for n in re.findall(r"'govnews/politeness/waited_for_backend': (\d+)", proc.stderr)) > 50


def test_two_workers_on_redis_keep_the_backend_budget(
    four_hosts: FamilyMirror, redis_url: str, tmp_path: Path, clock_slack: SlackWindow
) -> None:
    init_redis_stores(redis_url, four_hosts.base_urls.values())
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONWARNINGS": "error::DeprecationWarning"}
    workers = {}
    for name in ("w1", "w2"):
        output = tmp_path / name
        output.mkdir()
        cmd = family_crawl_command(four_hosts, output, delay=DELAY, GOVNEWS_FAMILY_SITES_AT_ONCE=2)
        with (output / "crawl.log").open("w") as log:
            workers[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    logs = {}
    for name, proc in workers.items():
        code = proc.wait(timeout=300)
        logs[name] = (tmp_path / name / "crawl.log").read_text(encoding="utf-8")
        assert code == 0, f"worker {name} exited {code}:\n{logs[name][-3000:]}"
    crawled = {name: set(re.findall(r"site (\w+) \(.*\): crawl starts", log)) for name, log in logs.items()}
    # Both workers at work, on hosts of one backend, at the same time.
    assert all(crawled.values()) and set.union(*crawled.values()) == set(FOUR), crawled
    assert overlapping(four_hosts, {next(iter(sites)) for sites in crawled.values()})
    assert_within_budget(four_hosts, clock_slack)
    for log in logs.values():
        assert "redis_turns" in log and "redis_fallbacks" not in log


def test_two_runs_without_a_lease_on_one_host_are_spaced_through_redis(
    four_hosts: FamilyMirror, redis_url: str, tmp_path: Path, clock_slack: SlackWindow
) -> None:
    """``incremental=0`` takes no lease: two such runs of one site at once, in two
    processes, are spaced by the host's floor in Redis."""
    env = {**os.environ, "REDIS_URL": redis_url}
    server = four_hosts.servers["jianghan"]
    runs = []
    for name in ("r1", "r2"):
        settings = {
            "DOWNLOAD_DELAY": str(DELAY),
            "AUTOTHROTTLE_ENABLED": "False",
            "GOVNEWS_END_CONFIRM_PAUSE": "0",
            "GOVNEWS_OUTPUT_DIR": str(tmp_path / name),
            "GOVNEWS_STATE_DIR": str(tmp_path / name / "state"),
            "USER_AGENT": f"govnews-test-{name}",  # the access log tells the runs apart
        }
        cmd = crawl_command(f"base_url={server.base_url}", "incremental=0", settings=settings, spider="jianghan")
        runs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True))
    for proc in runs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr[-3000:]
    moments = {
        agent: [t for (t, _), a in zip(server.arrival_log, server.access_agents, strict=True) if a == agent]
        for agent in ("govnews-test-r1", "govnews-test-r2")
    }
    # Both runs asked for every page, at the same time...
    assert all(len(m) > 20 for m in moments.values()), {a: len(m) for a, m in moments.items()}
    assert max(m[0] for m in moments.values()) < min(m[-1] for m in moments.values())
    # ...and the host never saw two requests closer than the floor.
    gaps = host_spacing(four_hosts)["jianghan"]
    clock_slack.slack().assert_spaced(gaps, DELAY, "jianghan")
