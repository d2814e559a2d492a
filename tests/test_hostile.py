"""The bad-input catalogue (docs/hostile-web.md): the mirror with ``faults=True`` serves
every case; one crawl meets them all. For each: the crawl goes on, no partial or
malformed item is exported, a log line names the URL and the reason, a ``govnews/``
counter records it."""

from __future__ import annotations

import itertools
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import CrawlResult, run_crawl
from tests.mirror.server import MirrorServer
from tests.mirror.site import OFFSITE_REDIRECT_ORIGIN, MirrorSite

SECTIONS = ("/sy/whyw/", "/zwgk/tzgg/", "/zjwh/whly/")
# Tight limits so slow, oversize and retried cases play out in seconds.
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "2",
    "DOWNLOAD_MAXSIZE": str(1024 * 1024),
    "DOWNLOAD_WARNSIZE": str(512 * 1024),
    "LOG_LEVEL": "DEBUG",
}

# case -> (stats counter that records it (alternatives separated by |), words of the log
# line that names it)
EXPECTED: dict[str, tuple[str, str]] = {
    "http_404": ("govnews/article/failed/http_404", "skipped: http_404"),
    "http_410": ("govnews/article/failed/http_410", "skipped: http_410"),
    "burst_503_recovers": ("downloader/response_status_count/503", "Retrying"),
    "burst_502_persists": ("govnews/article/failed/http_502", "skipped: http_502"),
    "slow": ("govnews/article/failed/DownloadTimeoutError", "skipped: DownloadTimeoutError"),
    "reset_mid_body": ("govnews/article/failed/ResponseDataLossError", "skipped: ResponseDataLossError"),
    "challenge_412": ("govnews/blocked/challenge", "with a JavaScript cookie challenge"),
    # A loop is cut by the duplicate filter, or (for a retried request, which skips the
    # filter) by REDIRECT_MAX_TIMES: either way the article is skipped and named.
    "redirect_loop": (
        "govnews/article/failed/redirect_loop|govnews/article/failed/redirect_limit",
        "skipped: redirect_",
    ),
    "redirect_offsite": ("govnews/security/offsite_blocked", "not a host of this crawl"),
    "empty_200": ("govnews/article/empty_response", "skipped: empty response body"),
    "no_body_container": ("govnews/extract/fallback", "no known body container"),
    "garbage_bytes": ("govnews/article/undecodable", "is not text"),
    "gbk_declared_utf8": ("govnews/extract/encoding_corrected", "declares utf-8 but is gb18030"),
    "utf8_declared_gbk": ("govnews/extract/encoding_corrected", "but is utf-8"),
    "oversize": ("govnews/article/failed/DownloadCancelledError", "skipped: DownloadCancelledError"),
    "malformed_date": ("govnews/extract/bad_date/unreadable", "unreadable date"),
    "future_date": ("govnews/extract/bad_date/future", "date in the future"),
    "missing_dates": ("govnews/extract/published_from/url", ""),
    "whitespace_title": ("govnews/validate/dropped/title", "Dropped: invalid article: $.title"),
}


@pytest.fixture(scope="module")
def site() -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0, faults=True)


@pytest.fixture(scope="module")
def server(site: MirrorSite) -> Iterator[MirrorServer]:
    with MirrorServer(site) as running:
        yield running


@pytest.fixture(scope="module")
def crawl(site: MirrorSite, server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    out = tmp_path_factory.mktemp("hostile") / "out.jsonl"
    sections = ",".join(s.strip("/") for s in SECTIONS)
    result = run_crawl(f"base_url={server.base_url}", f"sections={sections}", output=out, settings=SETTINGS)
    # The crawl finishes; its health verdict fails, as it should for a page without a title.
    assert "Spider closed (finished)" in result.log, result.log[-3000:]
    lines = result.log.splitlines()
    # The only tracebacks are spidermon's reports of the failed monitor, not crashes.
    crashes = [after for line, after in itertools.pairwise(lines) if "Traceback" in line]
    crashes = [after for after in crashes if "govnews/ops/health/monitors.py" not in after]
    assert crashes == []
    summary = json.loads(out.with_name(out.name + ".summary.json").read_text(encoding="utf-8"))
    failed = [check["message"] for check in summary["checks"] if not check["passed"]]
    # Every expected 武汉要闻 article has its title; the one page without a title has none.
    titled = sum(t["section_path"] == "/sy/whyw/" for t in site.expected_articles().values())
    assert failed == [
        f"column /sy/whyw/ (武汉要闻): title on {titled} of {titled + 1} items "
        f"({100 * titled / (titled + 1):.1f}% < 100%); 1 of them dropped as invalid"
    ]
    assert result.returncode == 1
    return result


def test_the_catalogue_is_complete(site: MirrorSite) -> None:
    assert set(site.fault_cases) == set(EXPECTED)


def test_exactly_the_truth_is_exported(crawl: CrawlResult, site: MirrorSite, server: MirrorServer) -> None:
    expected = {server.base_url + p: t for p, t in site.expected_articles().items() if t["section_path"] in SECTIONS}
    got = {item["url"]: item for item in crawl.items}
    assert sorted(got) == sorted(expected)
    for url, truth in expected.items():
        for key in ("title", "published_at", "source", "paragraphs", "section_path"):
            assert got[url][key] == truth[key], f"{url}: {key}"


def test_every_line_is_whole_valid_json_matching_the_schema(crawl: CrawlResult) -> None:
    data = pkgutil.get_data("govnews", "schema/article.schema.json")
    assert data is not None
    validator = Draft202012Validator(json.loads(data))
    for line in crawl.feed_lines:
        item: dict[str, Any] = json.loads(line)
        assert list(validator.iter_errors(item)) == []


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_case_is_counted_and_logged_with_its_url(
    crawl: CrawlResult, site: MirrorSite, server: MirrorServer, case: str
) -> None:
    fault = site.fault_cases[case]
    counter, words = EXPECTED[case]
    assert any(crawl.stats.get(key, 0) >= 1 for key in counter.split("|")), f"{case}: {counter} not counted"
    url = server.base_url + fault.path
    exported = [item for item in crawl.items if item["url"] == url]
    assert len(exported) == (1 if fault.yields_item else 0)
    if words:
        assert any(url in line and words in line for line in crawl.log.splitlines()) or (
            # Scrapy's own lines name the URL and the reason on separate lines for these.
            case in ("burst_503_recovers", "whitespace_title") and any(words in line for line in crawl.log.splitlines())
        ), f"{case}: no log line naming {url} and {words!r}"


def test_blocked_answers_are_never_retried_into_a_loop(crawl: CrawlResult, site: MirrorSite) -> None:
    assert site.fault_requests("challenge_412") == 1
    assert crawl.stats["govnews/blocked/412"] == 1


def test_nothing_goes_to_another_host(crawl: CrawlResult) -> None:
    requested = [line for line in crawl.log.splitlines() if "<GET " in line and ("Crawled" in line or "Error" in line)]
    assert requested
    assert not [line for line in requested if OFFSITE_REDIRECT_ORIGIN in line]


def test_a_pager_claiming_99999_pages_is_walked_to_its_real_end(crawl: CrawlResult, site: MirrorSite) -> None:
    assert site.huge_pager_column == "/zjwh/whly/"
    assert crawl.stats["govnews/column/zjwh/whly/list_pages"] == 2
    assert crawl.stats["govnews/list/end_404"] >= 1


def test_the_list_page_cap_holds_whatever_the_pager_claims(server: MirrorServer, tmp_path: Path) -> None:
    server.clear_requests()
    result = run_crawl(
        f"base_url={server.base_url}",
        "sections=zjwh/whly",
        output=tmp_path / "cap.jsonl",
        settings={"GOVNEWS_MAX_LIST_PAGES": "1"},
    )
    assert result.returncode == 0
    assert [p for p in server.requests if "/index" in p] == ["/zjwh/whly/index.shtml"]
    assert result.stats["govnews/list/stopped_at_max_pages"] == 1
    assert len(result.items) == 3
