"""End to end on every form of the mirror: ``scrapy crawl wuhan`` in a subprocess against a
mirror whose columns each show two list forms and two article forms (SITE.md), every item
checked field by field against the mirror's truth, and ``since`` proven to stop paging on
script rows and on table rows.

The mirror records which form each list page and article has (``list_page_forms``,
``article_form``) and logs every request (``MirrorServer.requests`` / ``responses``); the
expected values are its truth, written from its model, never from the crawler's output.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import CrawlResult, run_crawl
from tests.mirror.columns import COLUMNS
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

# 60 articles, 3 rows a page: every paged column has two list pages or more, so each shows
# its current form on page 1 and its older form after; every column has older articles.
N_ARTICLES, PER_PAGE, SEED = 60, 3, 0
SECTIONS = ",".join(c.path.strip("/") for c in COLUMNS)
# Fields of the item compared with the truth (all of them but the truth's own bookkeeping).
FIELDS = (
    "section",
    "section_path",
    "title",
    "published_at",
    "source",
    "author",
    "editor",
    "paragraphs",
    "images",
    "attachments",
    "meta",
)


@dataclass
class Crawl:
    site: MirrorSite
    base_url: str
    result: CrawlResult
    responses: list[tuple[str, int]]
    """(request path, status) in the order the mirror answered them."""

    @property
    def items(self) -> dict[str, dict[str, Any]]:
        return {urlsplit(item["url"]).path: item for item in self.result.items}


def crawl_site(site: MirrorSite, output: Path, *args: str) -> Crawl:
    with MirrorServer(site) as server:
        result = run_crawl(f"base_url={server.base_url}", *args, output=output)
        return Crawl(site, server.base_url, result, server.responses)


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    site = MirrorSite(n_articles=N_ARTICLES, per_page=PER_PAGE, seed=SEED)
    return crawl_site(site, tmp_path_factory.mktemp("forms") / "out.jsonl", f"sections={SECTIONS}")


def test_the_crawl_ends_well(forms: Crawl) -> None:
    assert forms.result.returncode == 0, forms.result.log[-3000:]


def _list_page(path: str) -> str:
    """``/<col>/`` is ``/<col>/index.shtml``."""
    return path + "index.shtml" if path.endswith("/") else path


@pytest.mark.parametrize("column", [c.path for c in COLUMNS])
def test_every_column_was_crawled_in_both_of_its_list_forms_and_article_forms(forms: Crawl, column: str) -> None:
    info = forms.site.column(column)
    answered = {_list_page(urlsplit(p).path) for p, status in forms.responses if status == 200}
    listed = [page for page in info.list_pages if page in answered]
    shown = set().union(set(), *(forms.site.list_page_forms(page) for page in listed))
    assert shown == set(info.list_forms), f"{column}: list pages fetched {listed}"
    exported = [path for path in forms.items if path.startswith(column)]
    written = {forms.site.article_form(path) for path in exported}
    missing = {
        form: [p for p in forms.site.article_paths(column) if forms.site.article_form(p) == form]
        for form in set(info.article_forms) - written
    }
    assert not missing, f"{column}: no article exported in form(s) {missing}"


@pytest.mark.parametrize("column", [c.path for c in COLUMNS])
def test_every_item_equals_its_truth_field_by_field(forms: Crawl, column: str) -> None:
    """Each expected article of the column is exported once, each field as the truth says."""
    truths = {p: t for p, t in forms.site.expected_articles().items() if t["section_path"] == column}
    assert truths
    urls = [urlsplit(item["url"]).path for item in forms.result.items]
    assert [p for p in set(urls) if urls.count(p) > 1] == []
    items = forms.items
    missing = sorted(set(truths) - set(items))
    extra = sorted(p for p, item in items.items() if item["section_path"] == column and p not in truths)
    mismatches: list[str] = []
    for path, truth in truths.items():
        item = items.get(path)
        if item is None:
            continue
        expected: dict[str, Any] = {
            **truth,
            "images": [{"url": forms.base_url + i["path"], "alt": i["alt"]} for i in truth["images"]],
            "attachments": [{"url": forms.base_url + a["path"], "name": a["name"]} for a in truth["attachments"]],
        }
        for field in FIELDS:
            if item.get(field) != expected[field]:
                form = forms.site.article_form(path)
                mismatches.append(f"{path} [{form}] {field}: expected {expected[field]!r}, got {item.get(field)!r}")
    assert (missing, extra, mismatches) == ([], [], [])


def test_of_a_repost_the_later_exported_copy_names_the_earlier(forms: Crawl) -> None:
    order = [urlsplit(item["url"]).path for item in forms.result.items]
    items = forms.items
    pairs = forms.site.repost_pairs()
    assert pairs
    for first, repost in pairs:
        assert first in items and repost in items
        earlier, later = sorted((first, repost), key=order.index)
        assert items[later]["duplicate_of"] == forms.base_url + earlier
        assert items[earlier]["duplicate_of"] is None
    in_pairs = {p for pair in pairs for p in pair}
    assert [p for p, item in items.items() if item.get("duplicate_of") and p not in in_pairs] == []


# --------------------------------------------------------------------------- since


@dataclass(frozen=True)
class SinceCase:
    column: str
    form: str
    """The list form of the first page holding a row older than ``since``."""
    publish: int
    """Articles published into the column before the crawl (pushing the current form down)."""


SINCE_CASES = (
    SinceCase("/zwgk/xxgk/zfwj/szfwj/", "script_2026", publish=PER_PAGE),
    SinceCase("/sy/whyw/", "script_2021", publish=0),
    SinceCase("/zwgk/tzgg/", "table", publish=0),
)


@dataclass
class SinceRun:
    case: SinceCase
    since: str
    stop_page: int
    """0-based index of the first list page holding a row older than ``since``."""
    crawl: Crawl


def _since_setup(case: SinceCase) -> tuple[MirrorSite, str, int]:
    """The site, ``since`` = the date of a row on page 2, and the first page holding an older row."""
    site = MirrorSite(n_articles=N_ARTICLES, per_page=PER_PAGE, seed=SEED)
    if case.publish:
        site.publish(case.publish, case.column)
    pages = site.column(case.column).list_pages
    second = [row["date"] for row in site.list_rows(pages[1]) if row["path"] and row["date"]]
    since = max(second)
    stop = next(k for k, page in enumerate(pages) if any(r["date"] and r["date"] < since for r in site.list_rows(page)))
    return site, since, stop


@pytest.fixture(scope="module")
def since_runs(tmp_path_factory: pytest.TempPathFactory) -> list[SinceRun]:
    def run(case: SinceCase) -> SinceRun:
        site, since, stop = _since_setup(case)
        out = tmp_path_factory.mktemp("since") / "out.jsonl"
        crawl = crawl_site(site, out, f"sections={case.column.strip('/')}", f"since={since}")
        return SinceRun(case, since, stop, crawl)

    with ThreadPoolExecutor(max_workers=len(SINCE_CASES)) as pool:
        return list(pool.map(run, SINCE_CASES))


def test_since_cases_are_what_they_claim() -> None:
    """Each case stops on a page of its form, with pages left after it: a walk past it shows."""
    for case in SINCE_CASES:
        site, since, stop = _since_setup(case)
        pages = site.column(case.column).list_pages
        assert site.list_page_forms(pages[stop]) == {case.form}, case
        assert stop + 1 < len(pages), case
        assert any(r["date"] == since for r in site.list_rows(pages[1])), case


@pytest.mark.parametrize("case", SINCE_CASES, ids=[f"{c.form}-{c.column.strip('/')}" for c in SINCE_CASES])
def test_since_stops_paging_at_the_first_page_holding_an_older_row(since_runs: list[SinceRun], case: SinceCase) -> None:
    run = next(r for r in since_runs if r.case == case)
    crawl = run.crawl
    assert crawl.result.returncode == 0, crawl.result.log[-3000:]
    pages = crawl.site.column(case.column).list_pages
    requested = {_list_page(urlsplit(path).path) for path, _ in crawl.responses}
    walked = [k for k, page in enumerate(pages) if page in requested]
    assert walked == list(range(run.stop_page + 1)), f"since={run.since}: pages {walked}, stop at {run.stop_page}"


@pytest.mark.parametrize("case", SINCE_CASES, ids=[f"{c.form}-{c.column.strip('/')}" for c in SINCE_CASES])
def test_since_exports_the_column_from_that_date_on(since_runs: list[SinceRun], case: SinceCase) -> None:
    run = next(r for r in since_runs if r.case == case)
    truths = run.crawl.site.expected_articles()
    wanted = {p for p, t in truths.items() if t["section_path"] == case.column and t["published_at"][:10] >= run.since}
    assert wanted
    assert sorted(run.crawl.items) == sorted(wanted), f"since={run.since}"
