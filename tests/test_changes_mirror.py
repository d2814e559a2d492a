"""The mirror's moves, read by the real spider callback and pipelines, diffed by govnews.changes:
each move gives exactly the change the mirror's truth says (``MirrorSite.expected_change``).

In process: an article page is rendered before and after a move, each through the ``wuhan``
spider's article callback and every item pipeline (``tests/offline_crawl.py``); the two items'
revision fields are diffed. Files are "downloaded" by taking the SHA-256 of the bytes the
mirror serves, as the attachments pipeline would. Paths of the truth become URLs under the
offline crawl's base URL.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from govnews.changes import diff, revision_fields
from tests.mirror.site import MirrorSite
from tests.offline_crawl import BASE_URL, OfflineCrawl


def item_of(site: MirrorSite, path: str) -> dict[str, Any]:
    """The exported item of one article page, its files' SHA-256 filled in."""
    crawl = OfflineCrawl(site)
    crawl.open()
    url = BASE_URL + path
    rendered = site.render(path)
    request = crawl.spider._article_request(url, row=None)
    crawl.handle(request, HtmlResponse(url, body=rendered.body, headers=rendered.headers, request=Request(url)))
    crawl.close()
    (line,) = crawl.lines
    item: dict[str, Any] = json.loads(line)
    for attachment in item["attachments"]:
        if attachment["url"].startswith(BASE_URL):
            served = site.render(attachment["url"].removeprefix(BASE_URL))
            attachment["sha256"] = hashlib.sha256(served.body).hexdigest() if served.status == 200 else None
    return item


def urls(paths: list[str]) -> list[str]:
    return [BASE_URL + p if p.startswith("/") else p for p in paths]


def check(site: MirrorSite, path: str, move: str) -> None:
    before = revision_fields(item_of(site, path))
    getattr(site, move)(path)
    after = revision_fields(item_of(site, path))
    expected = site.expected_change(path)
    found = diff(before, after)
    if expected is None:
        assert found is None, (move, path, found)
        return
    assert expected["kind"] == "edited"
    assert found is not None, (move, path)
    wanted_fields = {
        name: ({"old": urls(v["old"]), "new": urls(v["new"])} if name == "images" else v)
        for name, v in expected["fields"].items()
    }
    assert found.fields == wanted_fields, (move, path)
    assert {key: [a["url"] for a in found.attachments[key]] for key in ("added", "removed", "replaced")} == {
        key: urls(expected["attachments"][key]) for key in ("added", "removed", "replaced")
    }
    assert [a["url"] for a in found.attachments["renamed"]] == urls(expected["attachments"]["renamed"])
    ops = [{k: op[k] for k in ("op", "at", "old", "new")} for op in found.paragraphs]
    assert ops == expected["paragraphs"], (move, path)
    for pair in expected["wording"]:
        (op,) = found.paragraphs
        assert [c for c in op["chars"] if c["op"] != "equal"] == [{"op": "replace", **pair}]


MOVES = [
    "edit_wording",
    "add_paragraph",
    "remove_paragraph",
    "retitle",
    "replace_attachment",
    "set_validity",
    "chrome_change",
]


@pytest.mark.parametrize("move", MOVES)
def test_each_move_read_by_the_crawler_gives_its_truth(move: str) -> None:
    """Three articles a move (other forms each), on a fresh site each."""
    site = MirrorSite(60, per_page=5, seed=3)
    paths = site.move_candidates(move)
    assert len(paths) >= 3
    for path in paths[:: max(1, len(paths) // 3)][:3]:
        check(site, path, move)
        site.checkpoint()
