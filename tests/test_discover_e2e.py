"""``scrapy crawl <site>_probe -a discover=1`` end to end: real subprocesses against the
mirrors' real HTTP servers (``tests/mirror/``).

Proof the issue asks for: discovery finds every real column of www and of two family
sites and nothing else, within the budget, naming at least 90 % of them right (truth:
the mirrors' ``real_columns()``, from their models); the emitted table entry, pasted into
the table, crawls the site to the mirror's truth; a hostile home page ends within the
budget; a site of another publishing system is unsupported, in one line.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import govnews.sites.family
from tests.conftest import FAST_SETTINGS, crawl_command, run_command
from tests.mirror.family import FamilyMirror
from tests.mirror.other_sites import HostileSite, PlainSite
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

BUDGET = 150  # the default
MIN_NAMED_RIGHT = 0.9
COMPARED_FIELDS = ("title", "published_at", "source", "paragraphs", "section", "section_path")


@pytest.fixture(scope="module")
def family() -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=0, navigation=True) as mirror:
        yield mirror


def discover(
    tmp_path: Path,
    base_url: str,
    *args: str,
    spider: str = "wuhan_probe",
    output: bool = True,
    settings: dict[str, str] | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """The discovery's process and the columns it wrote with ``-O`` (``settings`` over the fast ones)."""
    settings = {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(tmp_path / "out"),
        "GOVNEWS_STATE_DIR": str(tmp_path / "st"),
        **(settings or {}),
    }
    cmd = crawl_command(f"base_url={base_url}", "discover=1", *args, settings=settings, spider=spider)
    columns_file = tmp_path / f"{spider}-columns.json"
    if output:
        cmd += ["-O", str(columns_file)]
    proc = run_command(cmd, env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"})
    columns = json.loads(columns_file.read_text(encoding="utf-8")) if columns_file.exists() else []
    return proc, columns


def assert_found_exactly(columns: list[dict[str, Any]], truth: list[tuple[str, str]]) -> None:
    """Every real column and nothing else; the name right on at least 90 % of them."""
    assert sorted(c["path"] for c in columns) == sorted(path for path, _ in truth)
    names = dict(truth)
    right = sum(1 for c in columns if c["name"] == names[c["path"]])
    assert right >= MIN_NAMED_RIGHT * len(truth), [(c["path"], c["name"], names[c["path"]]) for c in columns]


def test_discovery_maps_www_on_the_mirror(mirror: MirrorServer, mirror_site: MirrorSite, tmp_path: Path) -> None:
    mirror.clear_requests()
    proc, columns = discover(tmp_path, mirror.base_url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_found_exactly(columns, mirror_site.real_columns())
    assert {
        "path",
        "name",
        "row_form",
        "pager",
        "page_count",
        "newest",
        "oldest",
        "articles",
        "body",
        "in_table",
    } <= set(columns[0])
    by_path = {c["path"]: c for c in columns}
    assert by_path["/sy/bmdt/"]["in_table"] is False and by_path["/sy/whyw/"]["in_table"] is True
    assert by_path["/zwgk/xxgk/ghjh/"]["body"] == "fallback"
    assert by_path["/sy/whyw/"]["page_count"] == len(mirror_site.column("/sy/whyw/").list_pages)

    requests = mirror.requests
    assert len(requests) <= BUDGET
    assert requests[0] == "/robots.txt"
    assert not [p for p in requests if "?" in p or p.startswith("/private/")]  # no calendar, no search; robots.txt
    assert max(Counter(requests).values()) == 1  # nothing asked twice

    report = proc.stdout
    assert report.startswith(f"govnews discover of {mirror.base_url} (a mirror of www.wuhan.gov.cn")
    assert "市政府办公厅文件" in report and "unexplored: nothing" in report
    assert "candidate sites (other hosts of the family's domains, not followed): fgw.wuhan.gov.cn" in report


@pytest.mark.parametrize("key", ["jianghan", "tjj"])
def test_discovery_maps_the_family_sites(family: FamilyMirror, key: str, tmp_path: Path) -> None:
    server = family.servers[key]
    server.clear_access_log()
    proc, columns = discover(tmp_path, server.base_url, spider=f"{key}_probe")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_found_exactly(columns, family.model.real_columns(key))
    requested = [path for _, path in server.access_log]
    assert len(requested) <= BUDGET
    assert not [p for p in requested if "?" in p]  # tjj's release calendar is never walked
    known = {c.path for c in govnews.sites.family.SITES_BY_KEY[key].columns}
    assert {c["path"] for c in columns if c["in_table"]} == known


def test_discovery_keeps_the_per_host_floor_and_obeys_robots(family: FamilyMirror, tmp_path: Path) -> None:
    """Discovery's requests go through the crawl's own politeness: robots.txt first, then one
    request at a time, DOWNLOAD_DELAY apart at least (the server's kernel clock), as a crawl's."""
    delay = 0.15
    server = family.servers["jianghan"]
    server.clear_access_log()
    polite = {"DOWNLOAD_DELAY": str(delay), "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "RANDOMIZE_DOWNLOAD_DELAY": "False"}
    proc, columns = discover(tmp_path, server.base_url, spider="jianghan_probe", settings=polite)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert columns
    arrivals = server.arrival_log
    assert arrivals[0][1] == "/robots.txt"
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrivals)]
    assert len(gaps) >= 10
    assert min(gaps) >= delay * 0.95, sorted(gaps)[:5]


# -- the table entry, pasted and crawled ---------------------------------------------


def paste_row(source: str, key: str, row: str) -> str:
    """``source`` (the table's module) with ``row`` in place of the row ``key`` of ``SITES``,
    or appended to it when no row has that key: what a user does by hand."""
    tree = ast.parse(source)
    sites = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "SITES"
    )
    assert isinstance(sites, ast.Tuple) and sites.end_lineno is not None
    lines = source.splitlines(keepends=True)
    for element in sites.elts:
        if isinstance(element, ast.Call) and _call_key(element) == key and element.end_lineno is not None:
            return "".join(lines[: element.lineno - 1]) + row + "\n" + "".join(lines[element.end_lineno :])
    return "".join(lines[: sites.end_lineno - 1]) + row + "\n" + "".join(lines[sites.end_lineno - 1 :])


def _call_key(call: ast.Call) -> object:
    keyword = next((k.value for k in call.keywords if k.arg == "key"), None)
    node = keyword if keyword is not None else (call.args[0] if call.args else None)
    return node.value if isinstance(node, ast.Constant) else None


def test_the_emitted_entry_fed_back_into_the_table_crawls_the_site(family: FamilyMirror, tmp_path: Path) -> None:
    server = family.servers["jianghan"]
    proc, _ = discover(tmp_path, server.base_url, "emit=table", spider="jianghan_probe", output=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = proc.stdout.rstrip("\n")
    assert row.lstrip().startswith("# Discovered from") and 'backend="wuhan-trs"' in row

    table_file = Path(inspect.getsourcefile(govnews.sites.family) or "")
    pasted = tmp_path / "family.py"
    pasted.write_text(paste_row(table_file.read_text(encoding="utf-8"), "jianghan", row), encoding="utf-8")
    config = str(table_file.parents[2] / "pyproject.toml")
    for lint in (["check"], ["format", "--check"]):
        checked = run_command([sys.executable, "-m", "ruff", *lint, "--no-cache", "--config", config, str(pasted)])
        assert checked.returncode == 0, checked.stdout + checked.stderr

    output = tmp_path / "items.jsonl"
    settings = {**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(tmp_path / "out"), "GOVNEWS_STATE_DIR": str(tmp_path / "st")}
    crawl = crawl_command(f"base_url={server.base_url}", "incremental=0", settings=settings, spider="jianghan")
    cmd = [sys.executable, "-m", "tests.with_site_table", str(pasted), *crawl[3:], "-O", str(output)]
    result = run_command(cmd, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    truth = family.model.expected_articles("jianghan")
    got = {("jianghan", urlsplit(item["url"]).path): item for item in items}
    assert len(got) == len(items)
    assert set(got) == set(truth)
    assert {c for _, c in family.model.real_columns("jianghan")} >= {item["section"] for item in items}
    for key, item in got.items():
        assert {f: item[f] for f in COMPARED_FIELDS} == {f: truth[key][f] for f in COMPARED_FIELDS}


# -- hostile, unsupported, short of budget, bad arguments ------------------------------


def test_a_hostile_home_page_ends_within_the_budget_and_says_what_it_skipped(tmp_path: Path) -> None:
    with MirrorServer(HostileSite()) as server:  # type: ignore[arg-type] # a site of its own
        proc, columns = discover(tmp_path, server.base_url, "budget=40")
        requests = server.requests
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(requests) <= 40
    assert [c["path"] for c in columns] == ["/news/"]
    assert "skipped: " in proc.stdout and "links with a query string" in proc.stdout
    assert "link farm" in proc.stdout


def test_a_site_of_another_publishing_system_is_unsupported_in_one_line(tmp_path: Path) -> None:
    with MirrorServer(PlainSite()) as server:  # type: ignore[arg-type] # a site of its own
        proc, columns = discover(tmp_path, server.base_url)
        requests = server.requests
    assert proc.returncode == 1
    assert proc.stdout.count("\n") == 1 and "unsupported:" in proc.stdout
    assert columns == []
    assert len(requests) <= 1 + 5  # robots.txt and a first look


def test_scrapy_crawl_wuhan_discover_runs_the_probe_and_says_how_to_go_on(mirror: MirrorServer, tmp_path: Path) -> None:
    mirror.clear_requests()
    proc, columns = discover(tmp_path, mirror.base_url, "budget=10", spider="wuhan")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(mirror.requests) <= 10
    assert columns
    assert "the budget of 10 requests ran out" in proc.stdout
    assert "to go on: -a budget=20, or -a start=/" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["discover=1", "budget=0"], "budget='0' is not allowed; allowed: an integer from 2 to 2000"),
        (["discover=1", "emit=xml"], "emit='xml' is not allowed"),
        (["discover=1", "sections=sy/whyw"], "sections is not used by discover=1"),
        (["depth=3"], "depth is an argument of discover=1"),
    ],
)
def test_bad_discover_arguments_stop_the_command_with_one_line(args: list[str], message: str) -> None:
    proc = run_command(crawl_command(*args, spider="wuhan_probe"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: spider wuhan_probe: ")
    assert message in proc.stderr
