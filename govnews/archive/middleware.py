"""The archive's two downloader middlewares: one writes what the site answered, the other
answers from an archive instead of the site.

Both sit at 950, closer to the download handler than every middleware Scrapy enables (up to
850), so that:

* :class:`ArchiveMiddleware` sees the request as it leaves (User-Agent, Accept-Encoding and
  the conditional headers all set) and the response as it arrived, *before*
  ``HttpCompressionMiddleware`` (590) decompresses the body and before ``RedirectMiddleware``
  (600) and ``RetryMiddleware`` (550) turn a 3xx or a 5xx into another request: every answer,
  redirects and failed tries included, is archived as sent.
* :class:`ReplayMiddleware`'s answer, returned from ``process_request``, goes back through
  every ``process_response``: the archived gzip body is decompressed by Scrapy as a live one
  would be, redirects are followed (to the archived hop), robots.txt is read from the archive.
  Returning from ``process_request`` also means no request reaches the download handler, so
  none reaches the network; a request the archive cannot answer is refused (``IgnoreRequest``).

Why not scrapy-webarchive: it archives after Scrapy decompressed and normalised the body,
and writes no file downloaded by a files pipeline (docs/archive.md).

Stats: ``govnews/archive/records`` (response and revisit records written), ``…/revisits``,
``…/bytes``, ``…/files``, ``…/write_failed``, ``…/index_failed`` (the run's CDXJ index);
replay: ``govnews/archive/replay/answered``, ``…/missing``, ``…/records`` (records the archive
holds).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from govnews import settings as defaults
from govnews import stats_keys
from govnews.archive.index import CDXJ_SUFFIX, write_cdxj
from govnews.archive.reader import ArchiveIndex
from govnews.archive.writer import WARC_SUFFIX, Exchange, WarcFiles
from govnews.contract import RunArguments, contract_of
from govnews.feeds.storage import job_id, output_dir

logger = logging.getLogger(__name__)

ARCHIVE_META = "govnews_archive"
"""Request meta key: ``{"file", "offset", "record_id"}`` of the last answer archived for it."""
NOT_ARCHIVED = "not in the archive"
"""The message of a replayed request's ``IgnoreRequest`` when the archive has no answer for it."""


def _arguments(crawler: Crawler) -> RunArguments | None:
    contract = contract_of(crawler.spider)
    return contract.args if contract is not None else None


def archive_enabled(crawler: Crawler) -> bool:
    """``-a archive=1``/``0`` when given, else the setting ``GOVNEWS_ARCHIVE``; never in a replay
    or a probe."""
    args = _arguments(crawler)
    if args is not None and (args.from_archive or args.probe):
        return False
    if args is not None and args.archive is not None:
        return args.archive
    return crawler.settings.getbool("GOVNEWS_ARCHIVE", defaults.GOVNEWS_ARCHIVE)


def replay_source(crawler: Crawler) -> Path | None:
    """``-a from_archive=PATH``, or None for a crawl of the site."""
    args = _arguments(crawler)
    return Path(args.from_archive) if args is not None and args.from_archive else None


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]


class ArchiveMiddleware:
    """Writes each request and its response into ``<GOVNEWS_OUTPUT_DIR>/<spider>/archive/``
    and notes where the response record is in the request's meta (:data:`ARCHIVE_META`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.files: WarcFiles | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        return cls(crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats_keys.ARCHIVE(key), count)

    def spider_opened(self, spider: Spider) -> None:
        if not archive_enabled(self.crawler):
            return
        settings = self.crawler.settings
        root = output_dir(settings.get("GOVNEWS_OUTPUT_DIR"))
        args = _arguments(self.crawler)
        arguments = {
            k: ",".join(map(str, v)) if isinstance(v, tuple) else str(v)
            for k, v in (vars(args) if args else {}).items()
            if v not in (None, (), False)
        }
        self.files = WarcFiles(
            root / spider.name / "archive",
            prefix=spider.name,
            job=job_id(spider),
            max_size=settings.getint("GOVNEWS_ARCHIVE_MAX_FILE_SIZE", defaults.GOVNEWS_ARCHIVE_MAX_FILE_SIZE),
            info={
                "spider": spider.name,
                "job": job_id(spider),
                "crawl-arguments": arguments,
                "http-header-user-agent": settings.get("USER_AGENT"),
            },
            relative_to=root,
        )
        logger.info("archive: every response written as WARC/1.1 under %s", self.files.directory)

    def spider_closed(self, spider: Spider) -> None:
        if self.files is None:
            return
        self.files.close()
        self._inc("files", len(self.files.files))
        if self.files.files:
            # The run's index beside its files, as replay tools (pywb) read it.
            run_name = self.files.files[0].name.removesuffix("-00001" + WARC_SUFFIX)
            index = self.files.directory / f"{run_name}{CDXJ_SUFFIX}"
            try:
                write_cdxj(self.files.files, index)
            except Exception as error:  # the WARC files stand without it; `python -m govnews.archive.index` redoes it
                self._inc("index_failed")
                logger.error("archive: the CDXJ index %s was not written (%s: %s)", index, type(error).__name__, error)
        logger.info(
            "archive: %d records in %d file(s), %d bytes, under %s",
            self.files.records,
            len(self.files.files),
            self.files.bytes,
            self.files.directory,
        )

    def process_response(self, request: Request, response: Response) -> Response:
        if self.files is None:
            return response
        netloc = urlsplit(request.url).netloc
        request_headers = [("Host", netloc), *_pairs(request.headers)]
        exchange = Exchange(
            url=request.url,
            method=request.method,
            request_headers=request_headers,
            request_body=request.body,
            status=response.status,
            protocol=response.protocol or "HTTP/1.1",
            response_headers=_pairs(response.headers),
            body=response.body,
            ip_address=str(response.ip_address) if response.ip_address is not None else None,
        )
        before = self.files.bytes
        try:
            ref = self.files.write(exchange)
        except OSError as error:  # a full disk: the crawl goes on, the gap is counted and said
            self._inc("write_failed")
            logger.error("archive: %s not archived (%s: %s)", request.url, type(error).__name__, error)
            return response
        self._inc("records")
        if response.status == 304:
            self._inc("revisits")
        self._inc("bytes", self.files.bytes - before)
        request.meta[ARCHIVE_META] = ref.as_dict()
        return response


class ReplayMiddleware:
    """Answers every request from the archive of ``-a from_archive=PATH``; a request it
    cannot answer is counted and refused, never sent."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.index: ArchiveIndex | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        return cls(crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats_keys.ARCHIVE("replay", key), count)

    def spider_opened(self, spider: Spider) -> None:
        if (path := replay_source(self.crawler)) is None:
            return
        self.index = ArchiveIndex.open(path)
        self._inc("records", len(self.index))
        logger.info(
            "replay: %d archived answers of %d URLs from %s; nothing is sent to the network",
            len(self.index),
            len(self.index.by_url),
            path,
        )

    def spider_closed(self, spider: Spider) -> None:
        if self.index is not None:
            self.index.close()

    def process_request(self, request: Request) -> Response | None:
        if self.index is None:
            return None
        found = self.index.next_for(request.url) if request.method == "GET" else None
        if found is None:
            self._inc("missing")
            logger.info("replay: %s %s skipped: %s", request.method, request.url, NOT_ARCHIVED)
            raise IgnoreRequest(f"{request.url}: {NOT_ARCHIVED}")
        self._inc("answered")
        headers = Headers()
        for name, value in found.headers:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url)
        return cls(
            url=request.url,
            status=found.status,
            headers=headers,
            body=found.body,
            request=request,
            protocol=found.protocol,
            flags=["replayed"],
        )
