"""The page of changes in a real browser (issue 30): the mirror's story of edits, withdrawals and
a restore (``tests/changes_screenshot.py``, real crawls days apart), rendered by a real
``scrapy govnews-changes`` process and opened in headless Chromium (Debian's), where the DOM
must show each insertion and deletion, down to the characters, as the records say and as the
mirror's truth says; each withdrawn and restored article with its last title and link; and
nothing fetched, no script.

Skips where Chromium or libfaketime is not installed (``.ci/run`` installs both and sets
``GOVNEWS_REQUIRE_BROWSER`` and ``GOVNEWS_REQUIRE_FAKETIME``: there they must be)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests import browser, faketime
from tests.changes_screenshot import EDITS, mirror_changes, render
from tests.conftest import run_command
from tests.test_changes_e2e import assert_edit


def records_of(feeds: list[Path]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for feed in feeds:
        for line in feed.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out.setdefault(record["url"], []).append(record)
    return out


def texts(scope: WebElement, selector: str) -> list[str]:
    """The text of each element ``selector`` finds, as the DOM has it (a line break between the
    paragraphs of one operation is a ``<br>``: no character of its own)."""
    found = scope.find_elements(By.CSS_SELECTOR, selector)
    for element in found:
        assert element.is_displayed(), selector
    return [str(element.get_attribute("textContent")) for element in found]


def expected_marks(op: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What a paragraph operation must show as ``(inserted, deleted)`` pieces: whole paragraphs
    for an insert or a delete, the characters for a replace."""
    if op["op"] == "insert":
        return list(op["new"]), []
    if op["op"] == "delete":
        return [], list(op["old"])
    pieces = [p for p in op["chars"] if p["op"] != "equal"]
    flat = [(p["new"].replace("\n", ""), p["old"].replace("\n", "")) for p in pieces]
    return [new for new, _ in flat if new], [old for _, old in flat if old]


def section(driver: Any, url: str, kind: str) -> WebElement:
    found = driver.find_elements(By.CSS_SELECTOR, f'section.change[data-url="{url}"][data-kind="{kind}"]')
    assert len(found) == 1, (url, kind, len(found))
    element: WebElement = found[0]
    return element


def test_the_page_shows_each_change_of_the_mirror_down_to_the_characters(tmp_path: Path) -> None:
    faketime.require()
    browser.require()
    changes = mirror_changes(tmp_path)
    base = changes.base_url
    by_url = records_of(changes.feeds)
    # The records say what the mirror did, and only that (a re-check reads the page as the walk
    # did: no 发布时间 changed where the page shows a day and the row gave the time).
    for move in EDITS:
        path = changes.moved[move]
        (record,) = by_url[base + path]
        assert_edit(record, changes.truth[path], base)  # type: ignore[arg-type]
    assert [r["kind"] for r in by_url[base + changes.moved["withdraw"]]] == ["withdrawn"]
    assert [r["kind"] for r in by_url[base + changes.moved["restore"]]] == ["withdrawn", "restored"]
    assert len(by_url) == len(changes.moved)

    page = tmp_path / "changes.html"
    printed = render(changes.feeds, page)
    assert printed.strip() == f"{sum(map(len, by_url.values()))} change(s) from {len(changes.feeds)} feed(s): {page}"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "Content-Security-Policy" in html

    with browser.chromium() as driver:
        driver.get(page.as_uri())
        assert driver.execute_script("return document.scripts.length") == 0
        # Offline: the page asked for nothing (no font, no style, no image).
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        for url, found in by_url.items():
            path = url.removeprefix(base)
            for record in found:
                element = section(driver, url, record["kind"])
                link = element.find_element(By.CSS_SELECTOR, "h2 a")
                assert link.get_attribute("href") == url
                if record["kind"] != "edited":
                    assert link.text == changes.titles[path], "the last title a reader saw"
                    assert element.find_elements(By.CSS_SELECTOR, "ins, del") == []
                    continue
                for name in record["fields"]:
                    row = element.find_element(By.CSS_SELECTOR, f'tr[data-field="{name}"]')
                    assert texts(row, "del") and texts(row, "ins"), name
                for op in record["paragraphs"]:
                    block = element.find_element(By.CSS_SELECTOR, f'.op[data-op="{op["op"]}"][data-at="{op["at"]}"]')
                    inserted, deleted = expected_marks(op)
                    assert texts(block, "ins") == inserted and texts(block, "del") == deleted, op
                    for mark, decoration in (("ins", "underline"), ("del", "line-through")):
                        for piece in block.find_elements(By.CSS_SELECTOR, mark):
                            assert decoration in piece.value_of_css_property("text-decoration-line")

        # And as the mirror's truth says, mark by mark.
        for move in EDITS:
            path = changes.moved[move]
            truth: dict[str, Any] = changes.truth[path]  # type: ignore[assignment]
            element = section(driver, base + path, "edited")
            for name, values in truth["fields"].items():
                if name == "document.in_force":
                    continue
                row = element.find_element(By.CSS_SELECTOR, f'tr[data-field="{name}"]')
                assert (texts(row, "del"), texts(row, "ins")) == ([values["old"]], [values["new"]]), name
            for op in truth["paragraphs"] or ():
                block = element.find_element(By.CSS_SELECTOR, f'.op[data-op="{op["op"]}"][data-at="{op["at"]}"]')
                if op["op"] == "insert":
                    assert texts(block, "ins") == op["new"]
                elif op["op"] == "delete":
                    assert texts(block, "del") == op["old"]
            for pair in truth["wording"]:
                assert pair["old"] in texts(element, ".op del") and pair["new"] in texts(element, ".op ins")


def changes_command(output: Path, *args: str) -> Any:
    cmd = [sys.executable, "-m", "scrapy", "govnews-changes", *args, "-s", f"GOVNEWS_OUTPUT_DIR={output}"]
    return run_command(cmd, timeout=120)


def record(url: str, detected_at: str, kind: str = "withdrawn") -> str:
    line = {
        "kind": kind,
        "url": url,
        "site": "www.wuhan.gov.cn",
        "section_path": "/zwgk/tzgg/",
        "title": "关于<b>开展</b>专项检查的公告",
        "revision": 1,
        "previous_revision": None,
        "detected_at": detected_at,
        "summary": "已撤下（页面不再可访问）",
        "fields": {},
        "attachments": {"added": [], "removed": [], "replaced": [], "renamed": []},
        "paragraphs": [],
    }
    return json.dumps(line, ensure_ascii=False)


def test_the_command_takes_the_last_days_and_skips_a_cut_line(tmp_path: Path) -> None:
    """``--days N`` reads every changes feed of the spider and keeps what was found in the period;
    a line a killed run cut short is skipped and said; no feed named and no ``--days`` is a usage
    error (exit 2), as is a feed that is not there."""
    folder = tmp_path / "wuhan" / "changes"
    folder.mkdir(parents=True)
    now = datetime.now(UTC)
    recent = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = folder / "wuhan-a.jsonl"
    feed.write_text(
        "\n".join([record("https://x/old", old), record("https://x/new", recent), '{"kind": "edi']) + "\n",
        encoding="utf-8",
    )
    proc = changes_command(tmp_path, "--days", "7")
    assert proc.returncode == 0, proc.stderr
    page = folder / "changes-last-7-days.html"
    assert proc.stdout.strip() == f"1 change(s) from 1 feed(s): {page}"
    assert f"skipped {feed}:3: not JSON" in proc.stderr
    html = page.read_text(encoding="utf-8")
    assert "https://x/new" in html and "https://x/old" not in html
    assert "关于&lt;b&gt;开展&lt;/b&gt;专项检查的公告" in html and "<b>" not in html

    proc = changes_command(tmp_path, str(feed), "-o", str(tmp_path / "run.html"))
    assert proc.returncode == 0 and "2 change(s)" in proc.stdout
    assert changes_command(tmp_path).returncode == 2
    assert changes_command(tmp_path, str(tmp_path / "missing.jsonl")).returncode == 2
