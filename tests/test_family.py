"""The site family: the table of sites, one spider per site, ``scrapy crawl family`` in one
process, and workers sharing the family through a real redis-server.

Expected values come from SITE.md's "Site family" table (hosts and columns, copied here by
hand) and from the family mirror's model (``tests/mirror/family.py``, which knows nothing of
govnews): every article of every site, field by field. The promises are checked as
invariants on what the workers wrote and what the mirror's servers saw:

* every article of every site is exported exactly once over all workers' feeds (whole
  lines), also when a worker is killed mid-site and the family is run again;
* no host ever saw two requests closer together than the configured delay, whatever the
  number of workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from govnews.crawl.spiders import family as family_spiders
from govnews.crawl.spiders.probe import WuhanProbeSpider
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.sites.family import SITES, SITES_BY_KEY
from tests.conftest import ROOT, family_crawl_command, init_redis_stores, run_command
from tests.mirror.family import FamilyMirror
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.redis_server import free_port
from tests.scrapyd_harness import start_scrapyd
from tests.timing import SlackWindow

SHARED = ROOT.parent / "shared"

# SITE.md, "Site family": the hosts and columns a 2026 crawler used, read by eye.
SITE_MD_FAMILY = {
    "jianghan": ("www.jianghan.gov.cn", ("/xwzx/tzgg/", "/xwzx/jhyw/")),
    "wuchang": ("www.wuchang.gov.cn", ("/zwgk_37/zc/gsgg/", "/zwgk_37/zc/gfxwj/")),
    "jiangan": ("www.jiangan.gov.cn", ("/jaxxw/zfxxgk/zc_41333/qtzdgkwj/gsgg/",)),
    "qiaokou": ("www.qiaokou.gov.cn", ("/xxgk/zc/zcfg/zfwj/", "/qkxw/tzgg/")),
    "hongshan": ("www.hongshan.gov.cn", ("/tzgg/",)),
    "wehdz": ("www.wehdz.gov.cn", ("/2022/ggxw_68627/ggxw_68629/", "/2022/ggxw_68627/tz_68628/")),
    "tjj": ("tjj.wuhan.gov.cn", ("/xwzx/sjyw/",)),
}
FAMILY = tuple(SITE_MD_FAMILY)
DELAY = 0.05
COMPARED_FIELDS = ("title", "published_at", "source", "paragraphs", "section", "section_path")


# -- the table and the spiders -----------------------------------------------------------


def test_scrapy_list_shows_a_spider_and_a_probe_for_every_site() -> None:
    proc = run_command([sys.executable, "-m", "scrapy", "list"])
    assert proc.returncode == 0, proc.stderr
    names = set(proc.stdout.split())
    sites = ("wuhan", *FAMILY)
    assert {*sites, *(f"{s}_probe" for s in sites), "family"} == names


def test_each_row_of_the_table_has_its_spider_and_probe_class_written_out() -> None:
    """The classes are statements in govnews/crawl/spiders/family.py (a search for
    ``JianghanSpider`` finds it); the table is the one list, and they may not part from it."""
    written = {
        name: cls
        for name, cls in vars(family_spiders).items()
        if isinstance(cls, type) and issubclass(cls, WuhanSpider) and cls.__module__ == family_spiders.__name__
    }
    rows = [site for site in SITES if site.key != WuhanSpider.name]
    expected = {f"{site.key.capitalize()}{kind}" for site in rows for kind in ("Spider", "ProbeSpider")}
    missing = "\n\n".join(
        f"class {site.key.capitalize()}Spider(WuhanSpider):\n    name = {site.key!r}\n"
        f"    site = SITES_BY_KEY[name]\n    probe_spider = {site.key + '_probe'!r}\n\n"
        f"class {site.key.capitalize()}ProbeSpider(WuhanProbeSpider):\n    name = probe_spider = "
        f"{site.key + '_probe'!r}\n    site = SITES_BY_KEY[{site.key!r}]"
        for site in rows
        if f"{site.key.capitalize()}Spider" not in written
    )
    assert set(written) - {"FamilySpider"} == expected, f"add to govnews/crawl/spiders/family.py:\n{missing}"
    for site in rows:
        spider, probe = written[f"{site.key.capitalize()}Spider"], written[f"{site.key.capitalize()}ProbeSpider"]
        assert (spider.name, spider.site, spider.probe_spider) == (site.key, site, f"{site.key}_probe")
        assert issubclass(probe, WuhanProbeSpider)
        assert (probe.name, probe.site, probe.probe_spider) == (f"{site.key}_probe", site, f"{site.key}_probe")


def test_the_table_holds_the_hosts_and_columns_site_md_gives() -> None:
    for key, (host, columns) in SITE_MD_FAMILY.items():
        site = SITES_BY_KEY[key]
        assert (site.host, site.scheme) == (host, "http")
        assert tuple(c.path for c in site.columns) == columns
        assert all(c.name_confidence == "inferred" for c in site.columns)  # names are read from paths
    assert SITES_BY_KEY["wuhan"].host == "www.wuhan.gov.cn"


@pytest.mark.skipif(not (SHARED / "SITE.md").exists(), reason="../shared/SITE.md is absent (CI has it)")
def test_the_hand_copy_above_is_site_md_s_table() -> None:
    text = (SHARED / "SITE.md").read_text(encoding="utf-8")
    section = text.split("## Site family", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|[^|]+\|\s*`([^`]+)`\s*\|(.+)\|\s*$", section, re.MULTILINE)
    from_site_md = {host: tuple(re.findall(r"`([^`]+)`", columns)) for host, columns in rows}
    assert from_site_md == {host: columns for host, columns in SITE_MD_FAMILY.values() if host in from_site_md}
    assert len(from_site_md) == 6  # the districts; tjj is described in the prose below the table
    assert "`tjj.wuhan.gov.cn`" in section and "`/xwzx/sjyw/index.shtml`" in section


# -- one process -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def family_mirror() -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=3) as mirror:
        yield mirror


def family_command(mirror: FamilyMirror, output: Path, *args: str, **settings: Any) -> list[str]:
    return family_crawl_command(mirror, output, *args, delay=DELAY, **settings)


def whole_lines(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """``(feed file, item)`` for every whole line of every feed under ``directory``."""
    found = []
    for feed in sorted(directory.rglob("*.jsonl")):
        if feed.name == "runs.jsonl":
            continue
        for line in feed.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.endswith("\n"):
                found.append((str(feed), json.loads(line)))
    return found


def key_of(mirror: FamilyMirror, item: dict[str, Any]) -> tuple[str, str]:
    parts = urlsplit(item["url"])
    return mirror.key_of_port(int(parts.port or 0)), parts.path


def assert_every_article_once(mirror: FamilyMirror, lines: list[tuple[str, dict[str, Any]]]) -> None:
    """The invariant: every article of every site in exactly one line, equal to its truth."""
    truth = mirror.model.expected_articles()
    counts = Counter(key_of(mirror, item) for _, item in lines)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == set(truth), (sorted(set(truth) - set(counts))[:5], sorted(set(counts) - set(truth))[:5])
    for _, item in lines:
        expected = truth[key_of(mirror, item)]
        assert {f: item[f] for f in COMPARED_FIELDS} == {f: expected[f] for f in COMPARED_FIELDS}
        assert item["site"] == expected["host"]


def assert_polite(mirror: FamilyMirror, clock_slack: SlackWindow, delay: float = DELAY) -> None:
    """No host saw two requests closer together than the delay (robots.txt aside), less the
    slack of the send jitter measured while the test ran (``tests/timing.py``)."""
    slack = clock_slack.slack()
    for key, server in mirror.servers.items():
        spacing = server.spacing()
        assert spacing, f"{key} saw fewer than two requests"
        slack.assert_spaced(spacing, delay, key)


def test_family_crawls_every_site_in_one_process_each_at_its_own_rate(
    family_mirror: FamilyMirror, tmp_path: Path, clock_slack: SlackWindow
) -> None:
    for server in family_mirror.servers.values():
        server.clear_access_log()
    proc = run_command(family_command(family_mirror, tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_every_article_once(family_mirror, whole_lines(tmp_path))
    assert_polite(family_mirror, clock_slack)
    # Side by side, not one after another: at one moment every host was being crawled.
    spans = [(log[0][0], log[-1][0]) for log in (s.access_log for s in family_mirror.servers.values())]
    assert max(first for first, _ in spans) < min(last for _, last in spans)
    # One feed per site, each in the site spider's directory.
    assert {Path(feed).parent.name for feed, _ in whole_lines(tmp_path)} == set(FAMILY)
    assert re.search(r"INFO: family: 7 sites: 7 passed, 0 failed$", proc.stderr, re.MULTILINE)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "sites=jianghan,nowhere"], "sites: nowhere not a site of the family; allowed:"),
        (["-a", "sections=xwzx/tzgg"], "sections is an argument of one site's spider"),
        (["-a", "base_urls=nowhere=http://127.0.0.1:1"], "base_urls: 'nowhere=http://127.0.0.1:1' is not"),
        (["-a", "max_pages=0"], "max_pages='0' is not allowed"),
        (["-O", "{tmp}/one-file.jsonl"], "would be one file for every site"),
    ],
)
def test_family_arguments_are_checked_before_anything_starts(args: list[str], message: str, tmp_path: Path) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    cmd = [sys.executable, "-m", "scrapy", "crawl", "family", *args, "-s", f"GOVNEWS_OUTPUT_DIR={tmp_path}"]
    proc = run_command(cmd, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], proc.stderr[-2000:]
    assert not any(tmp_path.rglob("*.jsonl"))


# -- many workers, one Redis -------------------------------------------------------------


def start_workers(
    mirror: FamilyMirror, root: Path, redis_url: str, names: list[str], *, at_once: int = 1
) -> dict[str, subprocess.Popen[str]]:
    init_redis_stores(redis_url, mirror.base_urls.values())  # once for the cluster (a store that exists stays)
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONWARNINGS": "error::DeprecationWarning"}
    workers = {}
    for name in names:
        output = root / name
        output.mkdir(parents=True, exist_ok=True)
        cmd = family_command(mirror, output, GOVNEWS_FAMILY_SITES_AT_ONCE=at_once, GOVNEWS_REDIS_LOCK_TTL=2)
        with (output / "crawl.log").open("w") as log:  # the child keeps its own descriptor
            workers[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    return workers


def wait_all(workers: dict[str, subprocess.Popen[str]], root: Path, timeout: float = 300) -> None:
    for name, proc in workers.items():
        code = proc.wait(timeout=timeout)
        log = (root / name / "crawl.log").read_text(encoding="utf-8")
        assert code in (0, -signal.SIGKILL), f"worker {name} exited {code}:\n{log[-3000:]}"


def exported_by(lines: list[tuple[str, dict[str, Any]]], root: Path) -> Counter[str]:
    return Counter(Path(feed).relative_to(root).parts[0] for feed, _ in lines)


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_sharing_one_redis_export_every_article_exactly_once_and_stay_polite(
    workers: int, family_mirror: FamilyMirror, redis_url: str, tmp_path: Path, clock_slack: SlackWindow
) -> None:
    for server in family_mirror.servers.values():
        server.clear_access_log()
    names = [f"worker{i}" for i in range(workers)]
    wait_all(start_workers(family_mirror, tmp_path, redis_url, names), tmp_path)
    lines = whole_lines(tmp_path)
    assert_every_article_once(family_mirror, lines)  # hence no item in two workers' feeds
    assert_polite(family_mirror, clock_slack)
    by_worker = exported_by(lines, tmp_path)
    assert len(by_worker) >= 2, by_worker  # the work was shared
    # Each site by one worker: its articles all in one worker's feeds.
    owners: dict[str, set[str]] = {}
    for feed, _ in lines:
        owners.setdefault(Path(feed).parent.name, set()).add(Path(feed).relative_to(tmp_path).parts[0])
    assert all(len(o) == 1 for o in owners.values()), owners


def test_a_worker_killed_mid_site_loses_nothing_and_doubles_nothing(redis_url: str, tmp_path: Path) -> None:
    with FamilyMirror(seed=11) as mirror:
        wait_all(start_workers(mirror, tmp_path / "round1", redis_url, ["a", "b"]), tmp_path / "round1")
        for key in FAMILY:
            mirror.model.publish(key, mirror.model.spec(key).columns[0].path, k=6)
        # Round 2: three workers; one is killed once it has written some of a site.
        round2 = tmp_path / "round2"
        workers = start_workers(mirror, round2, redis_url, ["a", "b", "victim"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(whole_lines(round2 / "victim")) < 3:
            time.sleep(0.02)
        assert len(whole_lines(round2 / "victim")) >= 3, "the victim exported nothing to kill it in"
        workers["victim"].send_signal(signal.SIGKILL)
        wait_all(workers, round2)
        time.sleep(2.5)  # the victim's lease lapses (GOVNEWS_REDIS_LOCK_TTL=2)
        # Round 3: two workers on the same machine (its feeds are read back) finish the job.
        wait_all(start_workers(mirror, tmp_path / "round3", redis_url, ["a", "b"]), tmp_path / "round3")
        assert_every_article_once(mirror, whole_lines(tmp_path))


def test_govnews_state_lists_and_resets_the_redis_stores(
    family_mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    from govnews.store.lease import acquire_redis_lock  # noqa: PLC0415 - redis tests only

    wait_all(start_workers(family_mirror, tmp_path, redis_url, ["w"], at_once=0), tmp_path)
    env = {**os.environ, "REDIS_URL": redis_url}
    # The reset writes its line to the run history: under this test's output, not the checkout's.
    state = [sys.executable, "-m", "scrapy", "govnews-state", "-s", f"GOVNEWS_OUTPUT_DIR={tmp_path / 'output'}"]
    listing = run_command(state, env=env)
    assert listing.returncode == 0, listing.stderr
    per_site = Counter(key for key, _ in family_mirror.model.expected_articles())
    for key, count in per_site.items():
        site = urlsplit(family_mirror.base_url(key)).netloc
        assert f"(site {site}): {count} articles known" in listing.stdout
    jianghan = family_mirror.base_url("jianghan")
    lock = acquire_redis_lock(redis_url, urlsplit(jianghan).netloc)
    try:
        refused = run_command([*state, "--site", jianghan, "--reset-store"], env=env)
    finally:
        lock.release()
    assert refused.returncode == 3 and "is in use by another run" in refused.stderr
    reset = run_command([*state, "--site", jianghan, "--reset-store"], env=env)
    assert reset.returncode == 0 and "the next run exports every article again" in reset.stdout
    # Cluster-wide, and the store stays created: empty, with a new id, for every worker.
    after = run_command(state, env=env)
    assert f"(site {urlsplit(jianghan).netloc}): 0 articles known" in after.stdout
    assert after.stdout.count("articles known") == len(per_site)
    assert "history: at " in after.stdout and "event reset" in after.stdout
    assert not (tmp_path / "output" / "govnews-state").exists(), "the judge is Redis: no local history line"


def test_two_scrapyd_nodes_sharing_one_redis_split_the_family(
    family_mirror: FamilyMirror, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """docs/distributed.md's two nodes, for real: two scrapyd servers whose jobs see one
    REDIS_URL, the egg deployed to both, ``family`` scheduled on both at once."""
    base = tmp_path_factory.mktemp("nodes")
    init_redis_stores(redis_url, family_mirror.base_urls.values())
    base_urls = ",".join(f"{key}={url}" for key, url in family_mirror.base_urls.items())
    args = {"sites": ",".join(FAMILY), "base_urls": base_urls}
    with contextlib.ExitStack() as stack:
        nodes = {
            name: stack.enter_context(start_scrapyd(base / name, env={"REDIS_URL": redis_url}))
            for name in ("node-a", "node-b")
        }
        jobs = {}
        for node in nodes.values():
            deployed = node.deploy()
            assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        for name, node in nodes.items():
            output = base / name / "output"
            settings = {
                "DOWNLOAD_DELAY": str(DELAY),
                "AUTOTHROTTLE_ENABLED": "False",
                "GOVNEWS_FAMILY_SITES_AT_ONCE": "2",
                "GOVNEWS_OUTPUT_DIR": str(output),
                "GOVNEWS_STATE_DIR": str(output / "state"),
                "LOG_LEVEL": "INFO",
            }
            jobs[name] = node.schedule(spider="family", args=args, settings=settings)
        for name, node in nodes.items():
            node.wait_for_job(jobs[name], timeout=300)
            log = node.job_log(jobs[name], spider="family")
            assert "family: 7 sites" in log and "Health checks FAILED" not in log, log[-3000:]
        lines = [(feed, item) for feed, item in whole_lines(base) if "/output/" in feed]
        assert_every_article_once(family_mirror, lines)
        per_node = Counter(Path(feed).relative_to(base).parts[0] for feed, _ in lines)
        assert set(per_node) == {"node-a", "node-b"}, per_node  # both nodes took a share


# -- one site's trouble stays its own ------------------------------------------------------


def down_url() -> str:
    """A loopback address nothing listens on: a host that is down (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


def verdicts_of(report: str) -> dict[str, str]:
    """Each site's verdict in the family report's block (``  <site>  <verdict>: …``)."""
    found = {}
    for line in report.splitlines():
        match = re.match(r"^\s{2}(\w+)\s+(passed|failed|stopped|no verdict)\b", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_two_sites_down_fail_alone_and_six_sites_up_pass(family_mirror: FamilyMirror, tmp_path: Path) -> None:
    """www (the main mirror) and the seven family sites; two family hosts do not answer."""
    www = MirrorSite(n_articles=40, per_page=5, seed=7)
    down = ("wuchang", "hongshan")
    with MirrorServer(www) as www_server:
        urls = {**family_mirror.base_urls, "wuhan": www_server.base_url, **{key: down_url() for key in down}}
        cmd = family_crawl_command(family_mirror, tmp_path, delay=DELAY, urls=urls, RETRY_TIMES=1)
        proc = run_command(cmd, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = proc.stderr[proc.stderr.index("family: 8 sites: 6 passed, 2 failed") :]
    assert verdicts_of(report) == {key: ("failed" if key in down else "passed") for key in urls}
    assert "failed: wuchang, hongshan" in report
    # Each site's summary and history line are its own: the six up name no ERROR line.
    for key in urls:
        history = [json.loads(line) for line in (tmp_path / key / "runs.jsonl").read_text("utf-8").splitlines()]
        assert [h["verdict"] for h in history] == ["failed" if key in down else "passed"], key
    for summary in tmp_path.rglob("*.summary.json"):
        data = json.loads(summary.read_text("utf-8"))
        assert data["verdict"] == "passed", summary
        assert not [c for c in data["checks"] if c["name"] == "error_lines" and not c["passed"]]


def test_a_site_down_fails_alone_with_two_workers_on_redis(
    family_mirror: FamilyMirror, redis_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "REDIS_URL": redis_url}
    urls = {**family_mirror.base_urls, "jiangan": down_url()}
    init_redis_stores(redis_url, urls.values())
    workers = {}
    for name in ("w1", "w2"):
        output = tmp_path / name
        output.mkdir()
        cmd = family_crawl_command(
            family_mirror, output, delay=DELAY, urls=urls, RETRY_TIMES=1, GOVNEWS_FAMILY_SITES_AT_ONCE=2
        )
        workers[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    verdicts: dict[str, str] = {}
    for proc in workers.values():
        _, stderr = proc.communicate(timeout=300)
        report = stderr[stderr.index("family: ") :]
        mine = verdicts_of(report)
        assert not set(mine) & set(verdicts), "each site crawled by one worker"
        verdicts.update(mine)
        assert proc.returncode == (1 if "jiangan" in mine else 0), report
    assert verdicts == {key: ("failed" if key == "jiangan" else "passed") for key in urls}
