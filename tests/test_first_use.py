"""What a new user sees (issue 21): the result first and the log in a file, levels respected
beside the progress bars, stops that say what they do and take seconds, one line for a
mistyped column, a mirror that stays the same site, and no run that writes nothing in silence.

Real commands: ``make mirror-crawl`` (``make crawl``'s recipe without the look for the real
site, which a test must not reach) and ``scrapy crawl`` as subprocesses against the mirror
servers, on a pseudo-terminal where what the screen shows is the point (:class:`Terminal`:
Ctrl-C is the terminal's, a SIGINT to the foreground process group).
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, Terminal, crawl_command, make_command, run_command
from tests.mirror.family import SITES as FAMILY_SITES
from tests.mirror.family import FamilyMirror
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.scrapyd_harness import free_port

# The mirror's own pace (tests/mirror/crawl.py), without -s LOG_LEVEL: a user asks for no log.
QUICK = {k: v for k, v in FAST_SETTINGS.items() if k != "LOG_LEVEL"}
BANNER = "Scrapy 2.19"
STATS_DUMP = "Dumping Scrapy stats"
BAR = re.compile(r"list page/s|s/list page")


def settings_for(workdir: Path, **extra: str) -> dict[str, str]:
    return {**QUICK, "GOVNEWS_OUTPUT_DIR": str(workdir / "out"), "GOVNEWS_STATE_DIR": str(workdir / "state"), **extra}


def history(output: Path, spider: str = "wuhan") -> list[dict[str, Any]]:
    path = output / spider / "runs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def lines_of(screen: str) -> list[str]:
    """What the screen shows, less the progress bars' redraws."""
    return [line for line in screen.splitlines() if line.strip() and not BAR.search(line)]


def whole_lines(feed: Path) -> list[dict[str, Any]]:
    raw = feed.read_bytes()
    assert not raw or raw.endswith(b"\n"), f"{feed} ends in a cut line"
    return [json.loads(line) for line in raw.splitlines()]


def make_mirror_crawl(workdir: Path, port: int, *crawl_args: str) -> list[str]:
    args = " ".join(["--articles", "40", "--per-page", "5", "--output", str(workdir / "out"), *crawl_args])
    return make_command("mirror-crawl", MIRROR_PORT=str(port), CRAWL_ARGS=args)


# -- 1. the result first ------------------------------------------------------------------


def test_a_terminal_run_ends_with_the_result_and_keeps_the_log_in_a_file(tmp_path: Path) -> None:
    terminal = Terminal(make_mirror_crawl(tmp_path, free_port()))
    assert terminal.wait() == 0, terminal.screen[-3000:]
    shown = lines_of(terminal.screen)
    text = "\n".join(shown)
    # Scrapy's banner, settings, middlewares, spidermon's lines and the stats dump: in the file.
    for noise in (
        BANNER,
        "Overridden settings",
        "Enabled downloader middlewares",
        "[Spidermon]",
        STATS_DUMP,
        "SKIPPED",
    ):
        assert noise not in text, text
    # A passing run says nothing alarming: the mirror's dead links are said in words at the end.
    assert not [line for line in shown if line.startswith(("warning:", "error:"))], text
    (feed,) = (tmp_path / "out" / "wuhan").glob("wuhan-*.jsonl")
    block = shown[shown.index(next(line for line in shown if line.startswith("feed: "))) :]
    assert block[0] == f"feed: {feed} ({len(whole_lines(feed))} articles, {len(whole_lines(feed))} new)"
    assert re.fullmatch(r"verdict: passed \(\d+ checks\)", block[1])
    assert block[2].split() == ["new", "changed", "known", "column"]
    assert re.fullmatch(r"\s+\d+\s+0\s+0\s+/sy/whyw/ \(武汉要闻\)", block[3])
    assert any(re.fullmatch(r"skipped \d+ article pages?:", line) for line in block)
    assert any("dead link on the site (http_404)" in line for line in block)
    log = Path(block[-1].removeprefix("log: "))
    assert block[-1].startswith("log: ") and log.parent == tmp_path / "out" / "wuhan" / "logs"
    kept = log.read_text(encoding="utf-8")
    assert BANNER in kept and STATS_DUMP in kept and "govnews result: " in kept
    assert len(shown) < 25, text


def test_the_log_stays_on_the_terminal_when_asked_for(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd = crawl_command(f"base_url={mirror.base_url}", "incremental=0", settings=settings_for(tmp_path))
    terminal = Terminal([*cmd, "-L", "INFO"])
    assert terminal.wait() == 0
    assert BANNER in terminal.screen and STATS_DUMP in terminal.screen
    assert "verdict: passed" in terminal.screen  # the block closes it all the same
    assert not (tmp_path / "out" / "wuhan" / "logs").exists()


def test_a_scrapyd_style_run_keeps_its_log_where_it_was(mirror: MirrorServer, tmp_path: Path) -> None:
    """No terminal (scrapyd, cron): Scrapy's log as it always was, the health block and the
    JSON result line at INFO; no log file of ours, no closing block."""
    cmd = crawl_command(f"base_url={mirror.base_url}", "incremental=0", settings=settings_for(tmp_path))
    result = run_command(cmd)
    assert result.returncode == 0
    assert BANNER in result.stderr and STATS_DUMP in result.stderr
    assert "INFO: Health checks PASSED" in result.stderr and "INFO: govnews result: {" in result.stderr
    assert "'log_count/ERROR': 0" in result.stderr
    assert "Error lines/test_stat_monitor... OK" in result.stderr  # judged, not SKIPPED
    assert "verdict: " not in result.stderr + result.stdout
    assert not (tmp_path / "out" / "wuhan" / "logs").exists()


# -- 2. levels respected beside the bars ----------------------------------------------------


def test_progress_bars_show_no_line_below_the_log_level(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=60, per_page=10, seed=31)
    with MirrorServer(site) as server:
        cmd = crawl_command(
            f"base_url={server.base_url}",
            settings=settings_for(tmp_path, DOWNLOAD_DELAY="0.05", CONCURRENT_REQUESTS_PER_DOMAIN="1"),
        )
        terminal = Terminal([*cmd, "-L", "INFO"])  # the log on the terminal, at INFO
        assert terminal.wait() == 0
    screen = terminal.screen
    assert BAR.search(screen) and "/min" in screen  # the bars were there
    assert "INFO: " in screen
    assert " DEBUG: " not in screen and "Crawled (200)" not in screen
    assert "Article(url=" not in screen


# -- 3. a stop that says what it does and takes seconds -------------------------------------


def slow_articles(server: MirrorServer, seconds: float, active: threading.Event) -> None:
    """Article pages answer ``seconds`` late while ``active`` is set (a slow site)."""

    def hook(path: str) -> None:
        if active.is_set() and re.search(r"/t\d{8}_", path):
            time.sleep(seconds)

    server.before_each_request(hook)


def expected_urls(server: MirrorServer, site: MirrorSite, sections: tuple[str, ...]) -> set[str]:
    return {server.url(p) for p, t in site.expected_articles().items() if t["section_path"] in sections}


DEFAULT_SECTIONS = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")


def test_ctrl_c_against_a_slow_site_says_what_it_cancels_and_stops_in_seconds(tmp_path: Path) -> None:
    """Downloads that would take 20 s each (DOWNLOAD_TIMEOUT 30): the first Ctrl-C says at once
    how many requests it cancels, the run ends within seconds (measured about 0.3 s; the
    bound is generous), and the next run exports what the stopped one owed, once."""
    site = MirrorSite(n_articles=30, per_page=5, seed=32)
    slow = threading.Event()
    slow.set()
    with MirrorServer(site) as server:
        slow_articles(server, 20.0, slow)
        settings = settings_for(
            tmp_path, DOWNLOAD_DELAY="0.2", DOWNLOAD_TIMEOUT="30", CONCURRENT_REQUESTS_PER_DOMAIN="2"
        )
        terminal = Terminal(crawl_command(f"base_url={server.base_url}", settings=settings))
        # Two article downloads on the wire, more requests queued behind them.
        terminal.read_until(lambda: sum(1 for p in server.requests if "/t20" in p) >= 2, timeout=60)
        stopped_at = time.monotonic()
        terminal.ctrl_c()
        terminal.read_until(lambda: "Ctrl-C: stopping: " in terminal.screen, timeout=5)
        code = terminal.wait(timeout=60)
        took = time.monotonic() - stopped_at
        assert code == 130, terminal.screen[-3000:]
        assert took < 10, f"the stop took {took:.1f} s"
        said = next(line for line in terminal.screen.splitlines() if "Ctrl-C: stopping: " in line)
        assert re.search(r"stopping: \d+ requests? in flight cancelled \(owed to the next run\)", said), said
        assert "verdict: stopped by Ctrl-C" in terminal.screen and "Traceback" not in terminal.screen
        output = tmp_path / "out"
        (first,) = history(output)
        assert first["verdict"] == "stopped"
        slow.clear()
        after = run_command(crawl_command(f"base_url={server.base_url}", settings=settings))
        assert after.returncode == 0, after.stderr[-3000:]
    urls = [item["url"] for feed in sorted((output / "wuhan").glob("wuhan-*.jsonl")) for item in whole_lines(feed)]
    assert len(urls) == len(set(urls)), "an article exported twice"
    assert set(urls) == expected_urls(server, site, DEFAULT_SECTIONS)


def test_a_second_ctrl_c_stops_now_and_loses_nothing(tmp_path: Path) -> None:
    site = MirrorSite(n_articles=200, per_page=10, seed=33)
    with MirrorServer(site) as server:
        settings = settings_for(tmp_path, DOWNLOAD_DELAY="0.01", CONCURRENT_REQUESTS_PER_DOMAIN="1")
        terminal = Terminal(crawl_command(f"base_url={server.base_url}", settings=settings))
        output = tmp_path / "out"
        terminal.read_until(lambda: len(list((output / "wuhan").glob("wuhan-*.jsonl"))) == 1, timeout=60)
        (feed,) = (output / "wuhan").glob("wuhan-*.jsonl")
        terminal.read_until(lambda: feed.read_bytes().count(b"\n") >= 5, timeout=60)
        terminal.ctrl_c()
        terminal.ctrl_c()
        assert terminal.wait(timeout=60) == 130
        assert "Traceback" not in terminal.screen
        whole_lines(feed)  # every line written is whole
        again = run_command(crawl_command(f"base_url={server.base_url}", settings=settings))
        assert again.returncode == 0, again.stderr[-3000:]
    urls = [item["url"] for feed in sorted((output / "wuhan").glob("wuhan-*.jsonl")) for item in whole_lines(feed)]
    assert len(urls) == len(set(urls)), "an article exported twice"
    assert set(urls) == expected_urls(server, site, DEFAULT_SECTIONS)


# -- 4. Ctrl-C at any moment of make crawl ----------------------------------------------------


@pytest.fixture(scope="module")
def make_crawl_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long a whole ``make mirror-crawl`` takes here, start to end."""
    full = Terminal(make_mirror_crawl(tmp_path_factory.mktemp("full"), free_port()))
    assert full.wait() == 0
    return time.monotonic() - full.started


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 1.05])
def test_ctrl_c_at_any_moment_of_make_crawl_ends_without_a_traceback(
    tmp_path: Path, fraction: float, make_crawl_seconds: float
) -> None:
    """Ctrl-C at a fraction of a whole run's time: during start-up, the mirror's building, the
    crawl, its close, the mirror's teardown."""
    terminal = Terminal(make_mirror_crawl(tmp_path, free_port()))
    deadline = terminal.started + fraction * make_crawl_seconds
    while time.monotonic() < deadline and terminal.read(0.01):
        pass
    terminal.ctrl_c()
    terminal.wait()
    screen = terminal.screen
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen, screen[-3000:]
    if "crawling the bundled mirror" in screen:
        # The crawl was under way: the result, or that it stopped before it began.
        assert "verdict: " in screen or "stopped before the crawl" in screen, screen[-3000:]


# -- 5. one line for a mistyped column ------------------------------------------------------


def test_a_mistyped_column_is_one_warning_then_one_error_line_and_exit_2(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd = crawl_command(f"base_url={mirror.base_url}", "sections=foo/bar", settings=settings_for(tmp_path))
    terminal = Terminal(cmd)
    assert terminal.wait() == 2
    shown = lines_of(terminal.screen)
    assert len(shown) == 2, shown
    assert shown[0].startswith("warning: sections: /foo/bar/ not a known column")
    assert shown[1].startswith("error: column /foo/bar/ does not exist: its first list page")
    assert "/sy/whyw/" in shown[1] and "/zjwh/whly/" in shown[1]  # the known ones
    # Without a terminal: the log has that one ERROR line, no spidermon failure, no traceback.
    logged = run_command(cmd)
    assert logged.returncode == 2
    errors = [line for line in logged.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "column /foo/bar/ does not exist" in errors[0], errors
    assert "Traceback" not in logged.stderr and "FAIL: " not in logged.stderr
    assert '"verdict": "bad_argument"' in logged.stderr


def test_each_site_reports_its_own_mistyped_column(family_mirror: FamilyMirror, tmp_path: Path) -> None:
    url = family_mirror.base_url("jianghan")
    cmd = crawl_command(f"base_url={url}", "sections=xwzx/nope", settings=settings_for(tmp_path), spider="jianghan")
    result = run_command(cmd)
    assert result.returncode == 2
    (error,) = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert "column /xwzx/nope/ does not exist" in error
    assert "/xwzx/tzgg/" in error and "/xwzx/jhyw/" in error and "/sy/whyw/" not in error


def test_every_column_the_readme_calls_known_on_the_mirror_passes(tmp_path: Path) -> None:
    """武汉旅游, listed as known, is served by the mirror users crawl (tests.mirror.server)."""
    site = MirrorSite(n_articles=40, per_page=5, seed=0, tourism=True)
    with MirrorServer(site) as server:
        cmd = crawl_command(f"base_url={server.base_url}", "sections=zjwh/whly", settings=settings_for(tmp_path))
        result = run_command(cmd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Health checks PASSED" in result.stderr and " WARNING: " not in result.stderr


# -- 6. a mirror that stays the same site ------------------------------------------------------


def test_a_second_make_crawl_is_incremental_and_says_nothing_new(tmp_path: Path) -> None:
    port = free_port()
    first = Terminal(make_mirror_crawl(tmp_path, port))
    assert first.wait() == 0
    second = Terminal(make_mirror_crawl(tmp_path, port))
    assert second.wait() == 0
    assert "no feed written: nothing new since the last run (incremental" in second.screen
    one, two = history(tmp_path / "out")
    assert one["new"] == one["items"] > 0
    assert two["items"] == two["new"] == 0 and two["feed"] is None and two["verdict"] == "passed"
    (feed,) = (tmp_path / "out" / "wuhan").glob("wuhan-*.jsonl")
    assert {item["url"].split("/")[2] for item in whole_lines(feed)} == {f"127.0.0.1:{port}"}


def test_a_taken_port_is_one_line_saying_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_command(make_mirror_crawl(tmp_path, port))
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()[:1]
    assert line.startswith(f"error: the mirror's port {port} is taken") and "MIRROR_PORT=" in line
    assert "Traceback" not in result.stderr


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports free now."""
    for _ in range(50):
        first = free_port()
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return first
    raise AssertionError(f"no {count} consecutive free ports")


def test_a_restarted_family_mirror_on_the_same_ports_is_the_same_sites(tmp_path: Path) -> None:
    first_port = free_ports(len(FAMILY_SITES))
    sites = ("jianghan", "tjj")

    def crawl_family() -> dict[str, dict[str, Any]]:
        mirror = FamilyMirror(first_port=first_port)
        with mirror:
            urls = {key: mirror.base_url(key) for key in sites}
            cmd = [sys.executable, "-m", "scrapy", "crawl", "family", "-a", f"sites={','.join(sites)}"]
            cmd += ["-a", "base_urls=" + ",".join(f"{k}={u}" for k, u in urls.items())]
            for key, value in settings_for(tmp_path).items():
                cmd += ["-s", f"{key}={value}"]
            result = run_command(cmd, timeout=180)
        assert result.returncode == 0, result.stderr[-3000:]
        return {key: history(tmp_path / "out", key)[-1] for key in sites}

    before = crawl_family()
    after = crawl_family()  # a new FamilyMirror: the servers restarted, on the same ports
    assert all(run["new"] > 0 for run in before.values())
    assert all(run["new"] == run["items"] == 0 for run in after.values()), after


# -- 7. nothing silent -------------------------------------------------------------------------


def test_an_incremental_csv_with_nothing_new_says_why_there_is_no_file(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd = crawl_command(f"base_url={mirror.base_url}", settings=settings_for(tmp_path))
    csv = tmp_path / "articles.csv"
    assert run_command([*cmd, "-o", str(csv)]).returncode == 0 and csv.exists()
    csv.unlink()
    again = run_command([*cmd, "-o", str(csv)])
    assert again.returncode == 0 and not csv.exists()
    said = [line for line in again.stderr.splitlines() if "no feed written" in line]
    assert len(said) == 1, said
    assert said[0].endswith(
        "no feed written: nothing new since the last run (incremental; -a incremental=0 exports everything)"
    )
    terminal = Terminal([*cmd, "-o", str(csv)])
    assert terminal.wait() == 0 and not csv.exists()
    assert "no feed written: nothing new since the last run" in terminal.screen


# -- the family on a terminal -------------------------------------------------------------------


def test_a_family_run_on_a_terminal_reports_once(family_mirror: FamilyMirror, tmp_path: Path) -> None:
    sites = ("tjj", "jianghan", "wuchang")  # started in this order, ending in another
    cmd = [sys.executable, "-m", "scrapy", "crawl", "family", "-a", f"sites={','.join(sites)}"]
    cmd += ["-a", "base_urls=" + ",".join(f"{k}={family_mirror.base_url(k)}" for k in sites)]
    for key, value in settings_for(tmp_path, DOWNLOAD_DELAY="0.02", GOVNEWS_FAMILY_SITES_AT_ONCE="2").items():
        cmd += ["-s", f"{key}={value}"]
    terminal = Terminal(cmd)
    assert terminal.wait(timeout=180) == 0
    assert terminal.screen.count("family: 3 sites: 3 passed, 0 failed") == 1, terminal.screen[-3000:]
    assert BANNER not in terminal.screen
    log = next(line for line in terminal.screen.splitlines() if line.startswith("log: "))
    assert "family: 3 sites" in Path(log.removeprefix("log: ")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def family_mirror() -> Any:
    with FamilyMirror() as family:
        yield family
