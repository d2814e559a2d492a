"""Spider arguments: parsed once, bad values refused before any request with one clear line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govnews.crawl.arguments import ArgumentError, CrawlArguments
from tests.conftest import FAST_SETTINGS, crawl_command, run_command
from tests.mirror.server import MirrorServer


def test_defaults_are_the_four_news_columns_of_the_real_site() -> None:
    args = CrawlArguments.parse({})
    assert args.base_url == "https://www.wuhan.gov.cn"
    assert args.sections == ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")
    assert args.max_pages is None and args.since is None and args.urls == ()


def test_values_are_normalised() -> None:
    args = CrawlArguments.parse(
        {
            "base_url": "HTTP://127.0.0.1:8000/",
            "sections": "sy/whyw, /zwgk/tzgg/ ,sy/whyw",
            "max_pages": "3",
            "since": "2024-01-31",
            "_job": "abc123",
        }
    )
    assert args.base_url == "http://127.0.0.1:8000"
    assert args.sections == ("/sy/whyw/", "/zwgk/tzgg/")
    assert args.max_pages == 3
    assert args.since == date(2024, 1, 31)


def test_urls_fold_to_canonical_on_the_real_site() -> None:
    args = CrawlArguments.parse({"urls": "http://3g.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424.shtml"})
    assert args.urls == ("https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1979424.shtml",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://example.org"}, "base_url='ftp://example.org' is not an http(s) URL"),
        ({"base_url": "http://127.0.0.1:8000/sy/"}, "has a path"),
        ({"base_url": "http://127.0.0.1:99999"}, "invalid port"),
        ({"sections": "sy/../etc"}, "is not a column path"),
        ({"sections": " , "}, "sections is empty"),
        ({"max_pages": "0"}, "allowed: an integer from 1 to"),
        ({"max_pages": "many"}, "max_pages='many' is not allowed"),
        ({"since": "2024/01/31"}, "allowed: YYYY-MM-DD"),
        ({"since": "2024-02-30"}, "since='2024-02-30' is not a date"),
        ({"urls": "https://evil.example/sy/whyw/202205/t20220527_1.shtml"}, "not an http(s) URL on an allowed host"),
        ({"urls": "https://www.wuhan.gov.cn/sy/whyw/"}, "is not an article URL"),
        ({"colour": "red"}, "unknown spider argument(s) colour; allowed: base_url"),
    ],
)
def test_bad_values_say_what_is_allowed(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ArgumentError, match=r"allowed|empty|not") as error:
        CrawlArguments.parse(kwargs)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("max_pages=abc", "max_pages='abc' is not allowed; allowed: an integer from 1 to 100000"),
        ("since=yesterday", "since='yesterday' is not a date; allowed: YYYY-MM-DD"),
        ("sections=sy/whyw;rm -rf", "is not a column path"),
    ],
)
def test_scrapy_crawl_refuses_a_bad_argument_before_any_request(mirror: MirrorServer, arg: str, message: str) -> None:
    mirror.clear_requests()
    proc = run_command(crawl_command(f"base_url={mirror.base_url}", arg))
    assert proc.returncode == 2
    error_lines = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(error_lines) == 1, proc.stderr
    assert message in error_lines[0]
    assert "Traceback" not in proc.stderr
    assert mirror.requests == []


def test_an_unknown_column_warns_once_and_a_missing_one_stops_the_run_after_one_request(
    mirror: MirrorServer, tmp_path: Path
) -> None:
    cmd = crawl_command(
        f"base_url={mirror.base_url}",
        "sections=sy/whyww,sy/whyw",
        "incremental=0",
        settings={**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(tmp_path / "out"), "CONCURRENT_REQUESTS": "1"},
    )
    mirror.clear_requests()
    proc = run_command(cmd)
    warnings = [line for line in proc.stderr.splitlines() if "not a known column" in line]
    assert len(warnings) == 1
    assert "/sy/whyww/" in warnings[0] and "/sy/whyw/ 武汉要闻" in warnings[0]
    errors = [line for line in proc.stderr.splitlines() if "does not exist" in line]
    assert len(errors) == 1 and "column /sy/whyww/ does not exist" in errors[0] and "404" in errors[0]
    assert "'finish_reason': 'unknown_column'" in proc.stderr
    assert [p for p in mirror.requests if p.startswith("/sy/whyww/")] == ["/sy/whyww/index.shtml"]


def test_a_known_column_gives_no_warning(mirror: MirrorServer, tmp_path: Path) -> None:
    cmd = crawl_command(
        f"base_url={mirror.base_url}",
        "sections=zwgk/xxgk/zfwj/gfxwj,whyw/gqdt",
        "max_pages=1",
        "incremental=0",
        settings={**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(tmp_path / "out")},
    )
    proc = run_command(cmd)
    assert "not a known column" not in proc.stderr
