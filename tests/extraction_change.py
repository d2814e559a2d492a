"""``python -m tests.extraction_change <scrapy arguments>``: Scrapy's command line with an
extraction change put in on purpose (test-only; nothing in ``govnews`` knows of it).

The change stands for an extractor fix shipped between a crawl and its replay: articles whose
document id is even gain a closing paragraph (:data:`ADDED`); the others read as before. A test
knows from the URL alone which articles must come out as new revisions.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from typing import Any

from scrapy.cmdline import execute

import govnews.crawl.spiders.wuhan as spider

ADDED = "（本文按新规则抽取。）"
_DOCID = re.compile(r"/t\d{8}_(\d+)\.shtml$")  # the first page only, not _1.shtml


def changed(url: str) -> bool:
    """True for the articles the change touches: an even document id."""
    match = _DOCID.search(url)
    return match is not None and int(match.group(1)) % 2 == 0


def plant() -> None:
    original = spider.parse_article_page

    def parse_article_page(root: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        page = original(root, url, *args, **kwargs)
        return replace(page, paragraphs=[*page.paragraphs, ADDED]) if changed(url) else page

    spider.parse_article_page = parse_article_page  # type: ignore[assignment]


if __name__ == "__main__":
    plant()
    execute(["scrapy", *sys.argv[1:]])
