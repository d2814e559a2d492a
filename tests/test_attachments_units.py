"""The attachments' pieces without a crawl: the argument, the hosts files may come from, the
store's checksums in the incremental classification, the requests the pipeline makes and the
reason each failed download gets. The real thing end to end: tests/test_attachments_e2e.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DropItem, IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from govnews.crawl.allowed_hosts import AllowedHostsMiddleware
from govnews.crawl.arguments import ArgumentError, CrawlArguments
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.documents import TEXT_FORM
from govnews.items import Article
from govnews.pipelines.attachments import AttachmentFilesPipeline
from govnews.pipelines.incremental_state import IncrementalStatePipeline
from govnews.store import AttachmentRecord, Record
from govnews.text import article_content_hash

BASE = "https://www.wuhan.gov.cn"
ARTICLE_URL = f"{BASE}/zwgk/tzgg/202605/t20260514_2801234.shtml"
FILE_URL = f"{BASE}/zwgk/tzgg/202605/P020260514123456.pdf"
OTHER_HOST_FILE = "https://www.jianghan.gov.cn/xwzx/tzgg/202605/P020260514654321.docx"
FOREIGN_FILE = "https://pan.example.com/s/abc.pdf"


def test_the_argument_is_a_flag_and_a_probe_takes_none() -> None:
    assert CrawlArguments.parse({}).attachments is None
    assert CrawlArguments.parse({"attachments": "1"}).attachments is True
    assert CrawlArguments.parse({"attachments": "off"}).attachments is False
    with pytest.raises(ArgumentError, match=r"attachments='some' is not allowed; allowed: 1 or 0"):
        CrawlArguments.parse({"attachments": "some"})
    with pytest.raises(ArgumentError, match="a probe exports nothing"):
        CrawlArguments.parse({"attachments": "1", "probe": "1"})
    with pytest.raises(ArgumentError, match="attachments is not used by discover=1"):
        CrawlArguments.parse({"attachments": "1", "discover": "1"})


def crawler_for(tmp_path: Path, **spider_args: str) -> Crawler:
    settings = {
        "GOVNEWS_STATE_DIR": str(tmp_path / "state"),
        "GOVNEWS_OUTPUT_DIR": str(tmp_path / "output"),
        "LOG_LEVEL": "WARNING",
    }
    crawler = get_crawler(WuhanSpider, settings_dict=settings)
    crawler.spider = WuhanSpider.from_crawler(crawler, base_url=BASE, **spider_args)
    return crawler


def test_files_may_come_from_the_family_hosts_pages_only_from_the_sites(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    middleware = AllowedHostsMiddleware(crawler)
    for url in (FILE_URL, OTHER_HOST_FILE):
        middleware.process_request(Request(url, meta={"govnews_attachment": True}))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(OTHER_HOST_FILE))  # a page there: not this crawl's
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(FOREIGN_FILE, meta={"govnews_attachment": True}))


def test_off_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        AttachmentFilesPipeline.from_crawler(crawler_for(tmp_path))
    with pytest.raises(NotConfigured):
        AttachmentFilesPipeline.from_crawler(crawler_for(tmp_path, attachments="0"))
    assert not (tmp_path / "output").exists(), "no files directory for a run without attachments"


# -- the store's checksums in the classification ---------------------------------------------


def article(**changes: Any) -> Article:
    fields: dict[str, Any] = {
        "url": ARTICLE_URL,
        "site": "www.wuhan.gov.cn",
        "section": "通知公告",
        "section_path": "/zwgk/tzgg/",
        "title": "关于开展安全生产专项整治的通知",
        "published_at": "2026-05-14",
        "source": None,
        "author": None,
        "editor": None,
        "paragraphs": ["详见附件。"],
        "images": [],
        "attachments": [{"url": FILE_URL, "name": "通知.pdf"}],
        "meta": {},
        "document": None,
        "crawled_at": "2026-05-15T00:00:00Z",
    }
    fields.update(changes)
    item = Article(**fields)
    item.content_hash = article_content_hash(item.title, item.paragraphs, item.attachments, item.images)
    return item


def with_checksum(sha256: str) -> str:
    return article_content_hash(
        "关于开展安全生产专项整治的通知", ["详见附件。"], [{"url": FILE_URL, "name": "通知.pdf", "sha256": sha256}]
    )


@pytest.fixture
def state(tmp_path: Path) -> Iterator[IncrementalStatePipeline]:
    crawler = crawler_for(tmp_path)
    pipeline = IncrementalStatePipeline.from_crawler(crawler)
    pipeline.open_spider()
    yield pipeline
    pipeline.spider_closed(crawler.spider, "finished")  # type: ignore[arg-type]


def test_an_article_whose_page_and_files_are_as_known_is_unchanged(state: IncrementalStatePipeline) -> None:
    assert state.run is not None and state.run.store is not None
    state.run.store.record([Record(ARTICLE_URL, with_checksum("1" * 64), 1, "2026-05-14")])
    state.run.store.record_attachments([AttachmentRecord(FILE_URL, "1" * 64, 10, "11/1.pdf")])
    item = article()
    with pytest.raises(DropItem, match="unchanged since its last export"):
        state.process_item(item)
    assert item.content_hash == with_checksum("1" * 64)


def test_a_file_the_store_learnt_anew_makes_its_article_changed(state: IncrementalStatePipeline) -> None:
    # Exported with the file's first version; since then another article's download of the
    # same URL found other bytes.
    assert state.run is not None and state.run.store is not None
    state.run.store.record([Record(ARTICLE_URL, with_checksum("1" * 64), 1, "2026-05-14")])
    state.run.store.record_attachments([AttachmentRecord(FILE_URL, "2" * 64, 12, "22/2.pdf")])
    item = state.process_item(article())
    assert (item.revision, item.content_hash) == (2, with_checksum("2" * 64))


def test_an_article_exported_without_attachments_stays_unchanged_with_them(state: IncrementalStatePipeline) -> None:
    # A store written by runs without -a attachments=1 knows no checksum: the hashes match.
    assert state.run is not None and state.run.store is not None
    plain = article().content_hash
    assert plain is not None
    state.run.store.record([Record(ARTICLE_URL, plain, 1, "2026-05-14")])
    with pytest.raises(DropItem, match="unchanged"):
        state.process_item(article())


# -- the pipeline's requests and the reasons of failed downloads ------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Iterator[tuple[AttachmentFilesPipeline, IncrementalStatePipeline]]:
    crawler = crawler_for(tmp_path, attachments="1")
    state = IncrementalStatePipeline.from_crawler(crawler)
    state.open_spider()
    pipeline = AttachmentFilesPipeline.from_crawler(crawler)
    pipeline.open_spider()
    yield pipeline, state
    pipeline.close_spider()
    state.spider_closed(crawler.spider, "finished")  # type: ignore[arg-type]


def test_requests_stop_at_the_size_cap_and_ask_conditionally_for_known_files(
    files: tuple[AttachmentFilesPipeline, IncrementalStatePipeline], tmp_path: Path
) -> None:
    pipeline, state = files
    assert state.run is not None and state.run.store is not None
    known = AttachmentRecord(FILE_URL, "1" * 64, 10, "11/1.pdf", etag='"v1"', text_form=TEXT_FORM)
    state.run.store.record_attachments([known])
    item = article(attachments=[{"url": FILE_URL, "name": "通知.pdf"}, {"url": FOREIGN_FILE, "name": "网盘.pdf"}])
    (request,) = pipeline.get_media_requests(item, pipeline.spiderinfo)
    assert request.url == FILE_URL
    assert request.headers.get("If-None-Match") == b'"v1"'
    assert request.meta["download_maxsize"] == 50 * 1024 * 1024
    assert request.meta["govnews_attachment"] is True
    assert (tmp_path / "output" / "wuhan" / "files").is_dir(), "FILES_STORE defaults to beside the feeds"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            DownloadCancelledError("Expected to receive 60000000 bytes which is larger than download max size"),
            "too_large",
        ),
        (
            IgnoreRequest("Ignored response because its body (90000000 bytes) is larger than the download max size"),
            "too_large",
        ),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_txt"),
        (ConnectionRefusedError(), "download_failed"),
    ],
)
def test_each_failed_download_ends_in_its_reason_and_the_item_goes_on(
    files: tuple[AttachmentFilesPipeline, IncrementalStatePipeline], error: Exception, reason: str
) -> None:
    pipeline, _ = files
    two = [{"url": FILE_URL, "name": "通知.pdf"}, {"url": FOREIGN_FILE, "name": "网盘.pdf"}]
    item, page_hash = article(attachments=two), article(attachments=two).content_hash
    (request,) = pipeline.get_media_requests(item, pipeline.spiderinfo)
    assert pipeline.media_failed(Failure(error), request, pipeline.spiderinfo) is None
    done = pipeline.item_completed([(True, None)], item, pipeline.spiderinfo)
    assert [(a["reason"], a["text"], a["sha256"]) for a in done.attachments] == [
        (reason, None, None),
        ("offsite", None, None),
    ]
    assert done.content_hash == page_hash, "no checksum known: the hash is the page's"


@pytest.mark.parametrize(
    ("known", "ocr", "conditional"),
    [
        (AttachmentRecord(FILE_URL, "1" * 64, 10, "11/1.pdf", etag='"v1"'), False, False),  # an older release's text
        (AttachmentRecord(FILE_URL, "1" * 64, 10, "11/1.pdf", etag='"v1"', text_form=TEXT_FORM), False, True),
        (
            AttachmentRecord(FILE_URL, "1" * 64, 10, "11/1.pdf", etag='"v1"', text_form=TEXT_FORM, scanned_pages=(2,)),
            True,
            False,  # scans OCR never read, and OCR is on now
        ),
        (
            AttachmentRecord(
                FILE_URL, "1" * 64, 10, "11/1.pdf", etag='"v1"', text_form=TEXT_FORM, scanned_pages=(2,), ocr_pages=(2,)
            ),
            True,
            True,
        ),
    ],
)
def test_a_known_file_is_read_again_when_its_text_is_of_an_older_form_or_lacks_ocr(
    tmp_path: Path, known: AttachmentRecord, ocr: bool, conditional: bool
) -> None:
    crawler = crawler_for(tmp_path, attachments="1", ocr="1" if ocr else "0")
    state = IncrementalStatePipeline.from_crawler(crawler)
    state.open_spider()
    pipeline = AttachmentFilesPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        assert state.run is not None and state.run.store is not None
        state.run.store.record_attachments([known])
        (request,) = pipeline.get_media_requests(article(), pipeline.spiderinfo)
        assert (request.headers.get("If-None-Match") == b'"v1"') is conditional
        reused = request.meta["govnews_known_attachment"]
        assert (reused is not None and reused.sha256 == known.sha256) is conditional
    finally:
        pipeline.close_spider()
        state.spider_closed(crawler.spider, "finished")  # type: ignore[arg-type]


def test_ocr_implies_attachments_and_is_refused_where_nothing_is_downloaded(tmp_path: Path) -> None:
    assert CrawlArguments.parse({"ocr": "1"}).ocr is True
    with pytest.raises(ArgumentError, match="ocr=1 reads the scanned pages of downloaded files"):
        CrawlArguments.parse({"ocr": "1", "attachments": "0"})
    with pytest.raises(ArgumentError, match="a probe downloads none"):
        CrawlArguments.parse({"ocr": "1", "probe": "1"})
    pipeline = AttachmentFilesPipeline.from_crawler(crawler_for(tmp_path, ocr="1"))
    assert pipeline.ocr is True
    assert pipeline._reader_key[3].ocr is True


def test_a_cut_text_is_counted_and_logged_once(
    files: tuple[AttachmentFilesPipeline, IncrementalStatePipeline], caplog: pytest.LogCaptureFixture
) -> None:
    pipeline, _ = files
    found = {"url": FILE_URL, "kind": "xlsx", "text": "一" * 10, "reason": None, "text_truncated": True,
             "scanned_pages": [], "ocr_pages": None}  # fmt: skip
    for _ in range(2):
        pipeline._count(FILE_URL, found, ARTICLE_URL)  # type: ignore[arg-type]
    stats = pipeline.crawler.stats
    assert stats is not None and stats.get_value("govnews/attachments/text_truncated") == 1
    assert caplog.text.count("text cut at 10 characters") == 1
