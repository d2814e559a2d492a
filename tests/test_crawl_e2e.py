"""End to end: ``scrapy crawl wuhan -a base_url=<mirror> -O out.jsonl`` as a real subprocess
against the mirror server, every item checked against the mirror's known truth."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from govnews.items import Article
from govnews.sites.wuhan import DEFAULT_SECTIONS
from govnews.text import normalize_for_comparison
from tests.conftest import CrawlResult, run_crawl
from tests.mirror.columns import COLUMNS
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

ALL_COLUMNS = ",".join(c.path.strip("/") for c in COLUMNS)
# The page seed-example.txt was scraped from, as the mirror reproduces it.
SEED_PATH = "/sy/whyw/202205/t20220527_1979424.shtml"
_REQUESTED_RE = re.compile(r"(?:Crawled \(\d+\)|Error downloading|Gave up retrying) <GET (\S+)>")


@pytest.fixture(scope="module")
def full_crawl(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, list[str]]:
    mirror.clear_requests()
    out = tmp_path_factory.mktemp("crawl") / "out.jsonl"
    result = run_crawl(
        f"base_url={mirror.base_url}", f"sections={ALL_COLUMNS}", output=out, settings={"LOG_LEVEL": "DEBUG"}
    )
    assert result.returncode == 0, result.log[-3000:]
    return result, list(mirror.requests)


def expected_for(site: MirrorSite, base_url: str, sections: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """The mirror's truth, as the crawler must export it (absolute URLs on the mirror)."""
    expected: dict[str, dict[str, Any]] = {}
    for path, truth in site.expected_articles().items():
        if sections is not None and truth["section_path"] not in sections:
            continue
        # duplicate_pair is no item field: the repost test checks duplicate_of from it.
        item: dict[str, Any] = {k: v for k, v in truth.items() if k not in ("path", "duplicate_pair")}
        item["url"] = base_url + path
        item["images"] = [{"url": base_url + i["path"], "alt": i["alt"]} for i in truth["images"]]
        item["attachments"] = [
            {"url": a["path"] if "://" in a["path"] else base_url + a["path"], "name": a["name"]}
            for a in truth["attachments"]
        ]
        expected[item["url"]] = item
    return expected


def test_every_article_exported_once_and_exactly_as_the_truth(
    full_crawl: tuple[CrawlResult, list[str]], mirror: MirrorServer, mirror_site: MirrorSite
) -> None:
    result, _ = full_crawl
    urls = Counter(item["url"] for item in result.items)
    assert [u for u, n in urls.items() if n > 1] == []
    expected = expected_for(mirror_site, mirror.base_url)
    assert sorted(urls) == sorted(expected)
    for item in result.items:
        truth = expected[item["url"]]
        for key, value in truth.items():
            assert item[key] == value, f"{item['url']}: {key}"
        assert item["site"] == "www.wuhan.gov.cn"


def test_a_repost_names_its_first_copy_and_nothing_else_is_a_duplicate(
    full_crawl: tuple[CrawlResult, list[str]], mirror: MirrorServer, mirror_site: MirrorSite
) -> None:
    """The later-exported copy of a repost pair names the earlier one; no other item has duplicate_of."""
    result, _ = full_crawl
    by_url = {item["url"]: item for item in result.items}
    pairs = mirror_site.repost_pairs()
    assert pairs
    in_pairs: set[str] = set()
    for first, repost in pairs:
        a, b = mirror.base_url + first, mirror.base_url + repost
        in_pairs |= {a, b}
        marks = sorted([by_url[a].get("duplicate_of") or "", by_url[b].get("duplicate_of") or ""])
        assert marks in (["", a], ["", b]), (first, repost, marks)
        later, earlier = (b, a) if by_url[b].get("duplicate_of") else (a, b)
        assert by_url[later]["duplicate_of"] == earlier
    assert [u for u, item in by_url.items() if item.get("duplicate_of") and u not in in_pairs] == []


def test_items_have_the_documented_keys_in_order(full_crawl: tuple[CrawlResult, list[str]]) -> None:
    result, _ = full_crawl
    order = [f.name for f in fields(Article)]
    for line in result.feed_lines:
        keys = list(json.loads(line))
        assert keys == [k for k in order if k in keys]
        assert keys[:14] == order[:14]
        assert "\\u" not in line  # UTF-8, Chinese unescaped


def test_requests_stay_on_the_mirror_and_never_go_past_the_last_page(
    full_crawl: tuple[CrawlResult, list[str]], mirror: MirrorServer, mirror_site: MirrorSite
) -> None:
    result, requests = full_crawl
    requested_urls = _REQUESTED_RE.findall(result.log)
    assert requested_urls, "the DEBUG log names every request"
    assert [u for u in requested_urls if not u.startswith(mirror.base_url + "/")] == []
    assert result.stats.get("govnews/links/offsite", 0) > 0
    paths = [urlsplit(r).path for r in requests]
    for column in mirror_site.columns:
        if column.path.strip("/") not in ALL_COLUMNS.split(","):
            continue
        allowed = set(mirror_site.list_page_paths(column.path)) | mirror_site.terminal_paths(column.path)
        listed = [p for p in paths if p.startswith(column.path) and "/index" in p]
        assert set(listed) <= allowed, column.path
        assert set(mirror_site.list_page_paths(column.path)) <= set(listed) | {column.path}
    article_requests = Counter(p for p in paths if re.search(r"/t\d{8}_\d+", p))
    assert [p for p, n in article_requests.items() if n > 1] == []
    assert not set(paths) & set(mirror_site.robots_disallowed_paths)


def test_stats_name_what_happened(full_crawl: tuple[CrawlResult, list[str]]) -> None:
    stats = full_crawl[0].stats
    assert stats["govnews/list/pager/createPageHTML"] > 0
    assert stats["govnews/list/pager/countPage"] > 0
    assert stats["govnews/list/pager/none"] > 0
    assert stats["govnews/list/end_404"] >= 1  # 通知公告 ends with a 404
    assert stats["govnews/list/empty_page"] >= 1  # 媒体看武汉 ends with an empty page
    assert stats["govnews/list/rows_from/script"] >= 1
    assert stats["govnews/article/failed/http_404"] >= 1  # the dead rows
    assert stats["govnews/article/multi_page"] >= 1


def test_default_sections_max_pages_and_since(mirror: MirrorServer, mirror_site: MirrorSite, tmp_path: Path) -> None:
    mirror.clear_requests()
    result = run_crawl(f"base_url={mirror.base_url}", "max_pages=1", output=tmp_path / "one.jsonl")
    assert result.returncode == 0
    list_paths = {urlsplit(r).path for r in mirror.requests if "/index" in r}
    assert list_paths == {f"{s}index.shtml" for s in DEFAULT_SECTIONS}
    assert {item["section_path"] for item in result.items} <= set(DEFAULT_SECTIONS)

    dates = sorted(t["published_at"][:10] for t in mirror_site.expected_articles().values())
    since = dates[len(dates) // 2]
    result = run_crawl(f"base_url={mirror.base_url}", f"since={since}", output=tmp_path / "since.jsonl")
    assert result.returncode == 0
    assert result.items
    assert all(item["published_at"][:10] >= since for item in result.items)
    assert result.stats.get("govnews/links/older_than_since", 0) > 0


def test_urls_fetches_articles_directly(mirror: MirrorServer, mirror_site: MirrorSite, tmp_path: Path) -> None:
    paths = sorted(mirror_site.expected_articles())[:2]
    mirror.clear_requests()
    urls = ",".join(mirror.base_url + p for p in paths)
    result = run_crawl(f"base_url={mirror.base_url}", f"urls={urls}", output=tmp_path / "urls.jsonl")
    assert result.returncode == 0
    assert sorted(item["url"] for item in result.items) == [mirror.base_url + p for p in paths]
    assert not [r for r in mirror.requests if "/index" in r]


def test_noisy_pages_come_out_clean(full_crawl: tuple[CrawlResult, list[str]], mirror: MirrorServer) -> None:
    """Bodies printed twice, hot lists inside the body, template residue: none of it is exported."""
    result, _ = full_crawl
    seed = next(i for i in result.items if i["url"] == mirror.base_url + SEED_PATH)
    assert len(seed["paragraphs"]) == 6
    assert seed["cleaning"]["duplicate_paragraphs"] >= 5
    for item in result.items:
        text = "\n".join([item["title"], *item["paragraphs"]])
        assert not re.search(r"\{\{|\}\}|<%|%>|\$\{|\{%|%\}", text), item["url"]
        assert "一周热门" not in item["paragraphs"], item["url"]
        normalised = [normalize_for_comparison(p) for p in item["paragraphs"]]
        assert len(normalised) == len(set(normalised)), item["url"]
        assert normalize_for_comparison(item["title"]) not in normalised, item["url"]
    assert result.stats["govnews/paragraph_dedup/duplicates_removed"] > 0
