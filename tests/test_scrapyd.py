"""End to end under a real scrapyd: ``scrapyd-deploy`` builds and uploads the project's egg,
``python -m govnews.ops.schedule`` schedules ``wuhan`` against the mirror, and the feed lands in
the directory given by ``GOVNEWS_OUTPUT_DIR``; with ``--wait`` it waits for the run and
exits with its verdict. One scrapyd without and one with basic authentication, each shared
by the tests of its group (see tests/scrapyd_harness.py).
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.scrapyd_harness import (
    FAST_SETTINGS,
    PROJECT,
    PROJECT_ROOT,
    SPIDER,
    Scrapyd,
    build_egg,
    clean_environ,
    free_port,
    start_scrapyd,
)

DEFAULT_SECTIONS = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")
JOB_TIMEOUT = 120
# A --wait command: the run, plus the command's own polling.
WAIT_TIMEOUT = JOB_TIMEOUT + 60
SCHEMA_IN_EGG = "govnews/schema/article.schema.json"
# Distinctive, and with the characters configuration files treat specially (% and $).
USERNAME = f"deployer-{secrets.token_hex(4)}"
PASSWORD = f"pw-{secrets.token_hex(12)}-%-$x"


def run_settings(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Settings for one scheduled run: fast, and every path absolute (scrapyd's cwd is its own)."""
    return {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(tmp_path / "output"),
        # A fresh incremental state per run, so every run exports every article.
        "GOVNEWS_STATE_DIR": str(tmp_path / "state"),
        **overrides,
    }


def expected_urls(site: MirrorSite, base_url: str) -> set[str]:
    return {
        base_url + path for path, truth in site.expected_articles().items() if truth["section_path"] in DEFAULT_SECTIONS
    }


# www and the family's sites of SITE.md, each with its probe, and the family run.
_SITES = ("wuhan", "jianghan", "wuchang", "jiangan", "qiaokou", "hongshan", "wehdz", "tjj")
EGG_SPIDERS = sorted(["family", *_SITES, *(f"{s}_probe" for s in _SITES)])


def assert_deployed(proc_stdout: str, proc_stderr: str, returncode: int) -> None:
    assert returncode == 0, proc_stdout + proc_stderr
    answer = json.loads(proc_stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok"
    assert answer["project"] == PROJECT
    assert answer["spiders"] == len(EGG_SPIDERS)


# -- scrapyd without authentication ---------------------------------------------------


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """A scrapyd with the project deployed by ``scrapyd-deploy``."""
    with start_scrapyd(tmp_path_factory.mktemp("scrapyd")) as server:
        proc = server.deploy()
        assert_deployed(proc.stdout, proc.stderr, proc.returncode)
        yield server


@pytest.fixture(scope="module")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The egg ``scrapyd-deploy`` builds, built with deploy credentials in the environment."""
    directory = tmp_path_factory.mktemp("egg")
    path = directory / "govnews.egg"
    home = directory / "home"
    home.mkdir()
    credentials = {"SCRAPYD_URL": "http://127.0.0.1:9/", "SCRAPYD_USERNAME": USERNAME, "SCRAPYD_PASSWORD": PASSWORD}
    proc = build_egg(path, home, env=credentials)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(path) as archive:
        yield archive


def test_scrapyd_deploy_uploads_the_egg_with_its_spider(scrapyd: Scrapyd) -> None:
    assert scrapyd.api("listprojects.json")["projects"] == [PROJECT]
    assert scrapyd.api("listspiders.json", {"project": PROJECT})["spiders"] == EGG_SPIDERS
    assert len(scrapyd.api("listversions.json", {"project": PROJECT})["versions"]) == 1


def test_scheduled_run_writes_one_jsonl_named_by_the_job(
    scrapyd: Scrapyd, mirror: MirrorServer, mirror_site: MirrorSite, tmp_path: Path
) -> None:
    job = scrapyd.schedule(args={"base_url": mirror.base_url}, settings=run_settings(tmp_path))
    scrapyd.wait_for_job(job, timeout=JOB_TIMEOUT)

    log = scrapyd.job_log(job)
    assert "Spider closed (finished)" in log, log[-3000:]
    assert "'log_count/ERROR': 0," in log, log[-3000:]  # the stats dump counts no ERROR line
    output = tmp_path / "output"
    feeds = sorted(output.rglob(f"{SPIDER}-*.jsonl"))
    assert len(feeds) == 1, feeds
    feed = feeds[0]
    assert feed.parent == output / SPIDER
    # scrapyd 1.6 passes its job id only as the spider argument `_job` (no SCRAPY_JOB variable).
    assert feed.name.startswith(f"{SPIDER}-"), feed.name
    assert feed.name.endswith(f"-{job}.jsonl"), f"{feed.name}: not named by scrapyd's job id {job}"
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    urls = [item["url"] for item in items]
    assert all(url.startswith(mirror.base_url + "/") for url in urls)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(mirror_site, mirror.base_url)


def feed_items(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_second_scheduled_run_emits_only_new_and_changed_articles(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """Two scheduled runs sharing one state store, as a daily schedule does."""
    site = MirrorSite(n_articles=40, per_page=5, seed=7)
    with MirrorServer(site) as server:
        settings = run_settings(tmp_path)
        first_job = scrapyd.schedule(args={"base_url": server.base_url}, settings=settings)
        scrapyd.wait_for_job(first_job, timeout=JOB_TIMEOUT)
        (first_feed,) = (tmp_path / "output" / SPIDER).glob(f"*-{first_job}.jsonl")
        assert {i["url"] for i in feed_items(first_feed)} == expected_urls(site, server.base_url)

        newest = next(p for p, t in site.expected_articles().items() if t["section_path"] == "/sy/whyw/")
        site.edit(newest)
        new_paths = site.publish(2, "/sy/whyw/")
        published = date.fromisoformat(site.expected_article(newest)["published_at"][:10])
        refresh_days = (date.today() - published).days + 1
        server.clear_requests()

        second_job = scrapyd.schedule(
            args={"base_url": server.base_url, "refresh_days": str(refresh_days)}, settings=settings
        )
        scrapyd.wait_for_job(second_job, timeout=JOB_TIMEOUT)
        (second_feed,) = (tmp_path / "output" / SPIDER).glob(f"*-{second_job}.jsonl")
        emitted = sorted((str(i["url"]), i["revision"]) for i in feed_items(second_feed))
        assert emitted == sorted([(server.base_url + p, 1) for p in new_paths] + [(server.base_url + newest, 2)])
        # No unchanged article page was downloaded: refreshed ones answered 304.
        downloaded = sorted(p for p, status in server.responses if "/t20" in p and status == 200)
        assert downloaded == sorted([*new_paths, newest])


def test_schedule_command_skips_while_a_run_of_the_spider_is_active(
    scrapyd: Scrapyd, mirror: MirrorServer, tmp_path: Path
) -> None:
    # Polite settings make this run last minutes: long enough to overlap.
    slow = run_settings(tmp_path, DOWNLOAD_DELAY="2", CONCURRENT_REQUESTS_PER_DOMAIN="1")
    finished_before = len(scrapyd.jobs()["finished"])
    job = scrapyd.schedule(args={"base_url": mirror.base_url}, settings=slow)
    try:
        scrapyd.wait_for_job(job, state="running", timeout=30)

        second = scrapyd.run_schedule_command(args={"base_url": mirror.base_url}, settings=run_settings(tmp_path))

        assert second.returncode == 0, second.stdout + second.stderr
        assert second.stdout.startswith("skipped:"), second.stdout
        assert f"running job {job}" in second.stdout
        assert len(second.stdout.strip().splitlines()) == 1
        jobs = scrapyd.jobs()
        assert [entry["id"] for entry in jobs["pending"] + jobs["running"]] == [job]
        assert len(jobs["finished"]) == finished_before
    finally:
        scrapyd.api("cancel.json", post=[("project", PROJECT), ("job", job)])
        scrapyd.wait_for_job(job, timeout=60)


def test_schedule_command_reports_scrapyd_errors(scrapyd: Scrapyd) -> None:
    proc = scrapyd.run_schedule_command(spider="no_such_spider", args={"base_url": "http://127.0.0.1:9"})
    assert proc.returncode == 1
    assert "spider 'no_such_spider' not found" in proc.stderr
    assert proc.stdout == ""


def test_schedule_command_fails_clearly_when_scrapyd_is_unreachable(tmp_path: Path) -> None:
    env = clean_environ(tmp_path, {"SCRAPYD_URL": f"http://127.0.0.1:{free_port()}/"})
    proc = subprocess.run(
        [sys.executable, "-m", "govnews.ops.schedule", "-a", "base_url=http://127.0.0.1:9"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3
    assert "is unreachable" in proc.stderr
    assert proc.stdout == ""


# -- --wait: the run's verdict as the exit status ------------------------------------------

_SCHEDULED_RE = re.compile(rf"^scheduled: {PROJECT}/{SPIDER} job (\S+) on ")


def schedule_and_wait(
    scrapyd: Scrapyd, args: dict[str, str], settings: dict[str, str], *options: str
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """``python -m govnews.ops.schedule --wait …``: the finished command, the job and its verdict line."""
    proc = scrapyd.run_schedule_command(
        args=args, settings=settings, options=["--wait", *options], timeout=WAIT_TIMEOUT
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, proc.stdout + proc.stderr
    scheduled = _SCHEDULED_RE.match(lines[0])
    assert scheduled is not None, lines[0]
    return proc, scheduled.group(1), lines[1]


def test_wait_exits_0_with_the_verdict_of_a_run_that_passed(
    scrapyd: Scrapyd, mirror: MirrorServer, tmp_path: Path
) -> None:
    proc, job, verdict = schedule_and_wait(scrapyd, {"base_url": mirror.base_url}, run_settings(tmp_path))

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert verdict.startswith(f"passed: {PROJECT}/{SPIDER} job {job}: Health checks PASSED: "), verdict
    assert f"/logs/{PROJECT}/{SPIDER}/{job}.log" in verdict
    assert scrapyd.job_state(job) == "finished"
    (feed,) = (tmp_path / "output" / SPIDER).glob(f"*-{job}.jsonl")
    summary = json.loads(feed.with_name(feed.name + ".summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "passed"


def test_wait_exits_5_when_the_site_is_unreachable(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """Offline, or a wrong base_url: scrapyd lists the job as finished, the verdict is failed."""
    nobody = f"http://127.0.0.1:{free_port()}"
    proc, job, verdict = schedule_and_wait(scrapyd, {"base_url": nobody}, run_settings(tmp_path))

    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert verdict.startswith(f"failed: {PROJECT}/{SPIDER} job {job}: Health checks FAILED: "), verdict
    assert scrapyd.job_state(job) == "finished"
    # Each failed check on a line of stderr, as the log has it.
    assert "Health check list_pages failed: column /sy/whyw/" in proc.stderr, proc.stderr


def test_wait_exits_5_when_the_site_changed_and_a_health_check_fails(scrapyd: Scrapyd, tmp_path: Path) -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=0, variant="empty_list")
    with MirrorServer(site) as server:
        proc, job, verdict = schedule_and_wait(scrapyd, {"base_url": server.base_url}, run_settings(tmp_path))

    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert verdict.startswith(f"failed: {PROJECT}/{SPIDER} job {job}: Health checks FAILED: "), verdict
    assert "/sy/kwh/" in proc.stderr, proc.stderr


def test_wait_exits_5_when_the_crawl_dies_before_its_checks(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """A bad argument ends the crawl before its log begins; scrapyd still lists the job as finished."""
    args = {"base_url": "http://127.0.0.1:9", "max_pages": "zero"}
    proc, job, verdict = schedule_and_wait(scrapyd, args, run_settings(tmp_path))

    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert verdict.startswith(f"died: {PROJECT}/{SPIDER} job {job} "), verdict
    assert scrapyd.job_state(job) == "finished"


def test_wait_reports_a_cancelled_run_as_stopped_and_exits_0(
    scrapyd: Scrapyd, mirror: MirrorServer, tmp_path: Path
) -> None:
    slow = run_settings(tmp_path, DOWNLOAD_DELAY="1", CONCURRENT_REQUESTS_PER_DOMAIN="1")
    cmd = [sys.executable, "-m", "govnews.ops.schedule", "--wait", "-a", f"base_url={mirror.base_url}"]
    cmd += [arg for key, value in slow.items() for arg in ("-s", f"{key}={value}")]
    with subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env=scrapyd.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as waiting:
        try:
            assert waiting.stdout is not None
            scheduled = _SCHEDULED_RE.match(waiting.stdout.readline())
            assert scheduled is not None
            job = scheduled.group(1)
            scrapyd.wait_for_job(job, state="running", timeout=30)
            # A crawl stopped while Python still imports dies of the KeyboardInterrupt (verdict
            # "died"): stop it once it crawls, as a user's stop finds it.
            deadline = time.monotonic() + 30
            while "Spider opened" not in scrapyd.job_log(job) and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)
            scrapyd.api("cancel.json", post=[("project", PROJECT), ("job", job)])
            rest, stderr = waiting.communicate(timeout=WAIT_TIMEOUT)
        finally:
            if waiting.poll() is None:
                waiting.kill()
            scrapyd.cancel_all()

    assert waiting.returncode == 0, rest + stderr
    assert rest.startswith(f"stopped: {PROJECT}/{SPIDER} job {job}: Health checks STOPPED"), rest
    assert len(rest.splitlines()) == 1


def test_wait_timeout_exits_6_and_leaves_the_job_running(
    scrapyd: Scrapyd, mirror: MirrorServer, tmp_path: Path
) -> None:
    slow = run_settings(tmp_path, DOWNLOAD_DELAY="2", CONCURRENT_REQUESTS_PER_DOMAIN="1")
    try:
        proc, job, verdict = schedule_and_wait(scrapyd, {"base_url": mirror.base_url}, slow, "--wait-timeout", "3")
        assert proc.returncode == 6, proc.stdout + proc.stderr
        assert verdict.startswith(f"timeout: {PROJECT}/{SPIDER} job {job} not finished after 3 s"), verdict
        assert scrapyd.job_state(job) in ("pending", "running")
    finally:
        scrapyd.cancel_all()


def test_wait_timeout_without_wait_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "govnews.ops.schedule", "--wait-timeout", "5"],
        cwd=PROJECT_ROOT,
        env=clean_environ(tmp_path, {"SCRAPYD_URL": f"http://127.0.0.1:{free_port()}/"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--wait-timeout needs --wait" in proc.stderr
    assert proc.stdout == ""


def test_crawl_imports_the_project_from_the_egg_not_the_checkout(scrapyd: Scrapyd) -> None:
    origin = Path(scrapyd.egg_import_origin())
    assert origin.is_relative_to(scrapyd.workdir / "eggs" / PROJECT), origin
    assert not origin.is_relative_to(PROJECT_ROOT), origin


def test_egg_ships_the_schema_the_validator_loads(egg: zipfile.ZipFile) -> None:
    assert SCHEMA_IN_EGG in egg.namelist()
    checkout = json.loads((PROJECT_ROOT / SCHEMA_IN_EGG).read_text(encoding="utf-8"))
    assert json.loads(egg.read(SCHEMA_IN_EGG)) == checkout


def test_egg_holds_no_credential_and_no_scrapy_cfg(egg: zipfile.ZipFile) -> None:
    names = egg.namelist()
    assert [name for name in names if Path(name).name == "scrapy.cfg"] == []
    for name in names:
        data = egg.read(name)
        assert PASSWORD.encode() not in data, name
        assert USERNAME.encode() not in data, name


# -- scrapyd with basic authentication ---------------------------------------------------


@pytest.fixture(scope="module")
def scrapyd_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    with start_scrapyd(tmp_path_factory.mktemp("scrapyd-auth"), username=USERNAME, password=PASSWORD) as server:
        yield server


def test_unauthenticated_requests_are_refused(scrapyd_auth: Scrapyd) -> None:
    for endpoint in ("listjobs.json", "daemonstatus.json", "schedule.json"):
        status, _ = scrapyd_auth.request(endpoint, {"project": PROJECT}, credentials=False)
        assert status == 401, endpoint


def test_deploy_and_schedule_without_credentials_are_refused(scrapyd_auth: Scrapyd) -> None:
    deploy = scrapyd_auth.deploy(credentials=False)
    assert deploy.returncode != 0
    assert "Deploy failed (401)" in deploy.stderr
    schedule = scrapyd_auth.run_schedule_command(args={"base_url": "http://127.0.0.1:9"}, credentials=False)
    assert schedule.returncode == 4, schedule.stdout + schedule.stderr
    assert "refused authentication (HTTP 401)" in schedule.stderr
    assert schedule.stdout == ""


def test_deploy_and_schedule_with_credentials_from_the_environment(
    scrapyd_auth: Scrapyd, mirror: MirrorServer, tmp_path: Path
) -> None:
    deploy = scrapyd_auth.deploy()
    assert_deployed(deploy.stdout, deploy.stderr, deploy.returncode)
    assert PASSWORD not in deploy.stdout + deploy.stderr

    job = scrapyd_auth.schedule(args={"base_url": mirror.base_url}, settings=run_settings(tmp_path))
    scrapyd_auth.wait_for_job(job, timeout=JOB_TIMEOUT)

    assert "Spider closed (finished)" in scrapyd_auth.job_log(job)
    assert len(list((tmp_path / "output" / SPIDER).glob(f"*-{job}.jsonl"))) == 1
