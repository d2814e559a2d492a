"""Download each exported article's attachments and read their text (``-a attachments=1``).

:class:`AttachmentFilesPipeline` is Scrapy's ``FilesPipeline``, so the files go wherever
``FILES_STORE`` says (a directory, ``s3://``, ``gs://``, ``ftp://``; by default
``<GOVNEWS_OUTPUT_DIR>/<spider>/files/``) and every download is an ordinary request of the
crawl: the allowed hosts (the site's, and the family table's other hosts), robots.txt, the
per-host floor and the backend budget (:mod:`govnews.crawl.politeness`), Scrapy's retries,
the lease's fence. What it adds:

* **One download per file.** The store (:mod:`govnews.store`) remembers each file by URL:
  its validators, SHA-256 and text. A file the store knows is asked for with a conditional
  request (``If-None-Match``/``If-Modified-Since``); a 304 keeps the stored text, a 200 with
  the same bytes keeps it too. The pipeline runs after the incremental classification (600,
  after 500), so an article the store knows unchanged downloads nothing (a file replaced under
  its URL is found by the re-checks, which ask known files conditionally).
* **Text in worker processes.** Each file is read by :class:`govnews.documents.DocumentReader`
  in a pool of subprocesses under time and memory limits, awaited without blocking the
  reactor; a file over ``GOVNEWS_ATTACHMENT_MAX_SIZE`` is not downloaded at all (the
  request's ``download_maxsize``).
* **Fields.** Each attachment of the item gains ``path`` (in ``FILES_STORE``, named by the
  file's SHA-256), ``sha256``, ``size``, ``content_type``, ``kind`` (what the bytes really
  are), ``pages``, ``text`` (pages apart by form feeds, at most ``GOVNEWS_ATTACHMENT_MAX_TEXT``
  characters), ``reason`` (null when there is text; a :class:`govnews.documents.Reason`,
  or ``offsite``, ``robots_txt``, ``download_failed``), ``members`` (an archive's names,
  listed and never read), ``scanned_pages``, ``ocr_pages`` (with ``-a ocr=1``) and
  ``text_truncated``. ``content_hash`` then covers each file's SHA-256: a file replaced
  under the same URL is a new revision.
* **OCR on request.** ``-a ocr=1`` (or ``GOVNEWS_OCR``; it implies attachments) reads
  scanned pages by OCR in the same workers, a page a task under
  ``GOVNEWS_OCR_PAGE_TIME_LIMIT`` and ``GOVNEWS_OCR_MEMORY_LIMIT``. A file the store knows
  is read again (no conditional request) when its text was read in an older form
  (``govnews.documents.TEXT_FORM``) or has scanned pages OCR did not read and OCR is on.

Bad files never fail an item: each ends in a reason, is counted and logged once (WARNING
for a hostile file, INFO for one that has no text by nature: a scan, an archive).

Off (``NotConfigured``) unless ``-a attachments=1`` or ``GOVNEWS_ATTACHMENTS``: nothing is
downloaded, no worker started, no directory made.

Stats (``govnews/attachments/…``), each file once: ``requested``, ``downloaded``,
``not_modified`` (304), ``unchanged`` (200, same bytes), ``bytes``, ``read`` (text),
``reason/<reason>``, ``kind/<kind>``, ``store_failed``, ``scanned_pages`` and ``ocr_pages``
(pages), ``text_truncated``, ``read_again`` (known, asked for in full to be read anew);
each attachment of an exported
item: ``offsite`` (never fetched); per column (``govnews/column/<path>/…``, for the health
check): ``attachments`` (those a reader could read: archives and other hosts' files aside)
and ``attachments_read`` (those with text).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import threading
from concurrent.futures import Future
from dataclasses import replace
from io import BytesIO
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.defer import ensure_awaitable, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from govnews import settings as defaults
from govnews import stats_keys
from govnews.archive.middleware import ARCHIVE_META
from govnews.contract import contract_of
from govnews.documents import TEXT_FORM, DocumentReader, DocumentResult, ReadLimits, Reason
from govnews.feeds import output_dir
from govnews.logs import for_crawler
from govnews.pipelines._cleaning import rehash_with_files
from govnews.sites.site import netloc_of
from govnews.store import AttachmentRecord, utc_stamp

if TYPE_CHECKING:
    from os import PathLike

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from govnews.contract import RunArguments
    from govnews.store.run import IncrementalRun

logger = logging.getLogger(__name__)

ATTACHMENT_META = "govnews_attachment"
"""Request meta flag of an attachment's download (the allowed-hosts middleware reads it)."""
_KNOWN_META = "govnews_known_attachment"

# Reasons of a file never read, besides the documents' own (govnews.documents.Reason).
OFFSITE = "offsite"
ROBOTS_TXT = "robots_txt"
DOWNLOAD_FAILED = "download_failed"
TOO_LARGE = Reason.TOO_LARGE.value
# No text, and nothing wrong: what the file is (a scan, an archive, an empty document).
BY_NATURE = frozenset(
    {Reason.NO_TEXT_LAYER, Reason.BLANK, Reason.ARCHIVE, Reason.UNSUPPORTED_KIND, OFFSITE, ROBOTS_TXT}
)
# Not counted in a column's share of attachments read: nothing to read by design, or not ours to fetch.
NOT_READABLE = frozenset({Reason.ARCHIVE.value, OFFSITE, ROBOTS_TXT})
FILE_FIELDS = (
    "path",
    "sha256",
    "size",
    "content_type",
    "kind",
    "pages",
    "text",
    "reason",
    "members",
    "scanned_pages",
    "ocr_pages",
    "text_truncated",
)
"""What each attachment of an item gains, in the feed's key order (after ``url`` and ``name``)."""


class AttachmentInfo(FileInfo, total=False):
    """What a file's download gave: Scrapy's ``FileInfo`` and the fields of :data:`FILE_FIELDS`."""

    sha256: str | None
    size: int | None
    content_type: str | None
    kind: str | None
    pages: int | None
    text: str | None
    reason: str | None
    members: list[str] | None
    scanned_pages: list[int] | None
    ocr_pages: list[int] | None
    text_truncated: bool
    detail: str | None
    archive: dict[str, Any]


def attachments_enabled(crawler: Crawler) -> bool:
    """``-a attachments=1``/``0`` when given, else the setting ``GOVNEWS_ATTACHMENTS``; on
    with OCR; never for a probe (it exports nothing)."""
    args = _args_of(crawler)
    if args is not None and args.probe:
        return False
    if args is not None and args.attachments is not None:
        return args.attachments
    return ocr_enabled(crawler) or crawler.settings.getbool("GOVNEWS_ATTACHMENTS", defaults.GOVNEWS_ATTACHMENTS)


def ocr_enabled(crawler: Crawler) -> bool:
    """``-a ocr=1``/``0`` when given, else the setting ``GOVNEWS_OCR`` (never for a probe)."""
    args = _args_of(crawler)
    if args is not None and (args.probe or args.attachments is False):
        return False
    if args is not None and args.ocr is not None:
        return args.ocr
    return crawler.settings.getbool("GOVNEWS_OCR", defaults.GOVNEWS_OCR)


def _args_of(crawler: Crawler) -> RunArguments | None:
    """The spider's arguments; None for a spider that is not ours (the settings decide)."""
    contract = contract_of(crawler.spider)
    return contract.args if contract is not None else None


def default_files_store(crawler: Crawler) -> str:
    """``<GOVNEWS_OUTPUT_DIR>/<spider>/files``: beside the spider's feeds."""
    spider = crawler.spider
    name = (spider.name if spider is not None else None) or getattr(crawler.spidercls, "name", None) or "files"
    return str(output_dir(crawler.settings.get("GOVNEWS_OUTPUT_DIR")) / name / "files")


_ReaderKey = tuple[int, float, int, ReadLimits]
"""Workers, time limit, memory limit and the other limits of a reader pool."""


class _SharedReader:
    """One reader pool per process and configuration, however many crawlers (``scrapy
    crawl family`` runs one a site): workers are started once, closed with the last user."""

    _lock = threading.Lock()
    _pools: dict[_ReaderKey, tuple[DocumentReader, int]] = {}  # noqa: RUF012

    @classmethod
    def acquire(cls, key: _ReaderKey) -> DocumentReader:
        with cls._lock:
            reader, users = cls._pools.get(key) or (None, 0)
            if reader is None:
                workers, time_limit, memory_limit, limits = key
                reader = DocumentReader(workers, time_limit, memory_limit, limits.size_cap, limits=limits)
            cls._pools[key] = (reader, users + 1)
            return reader

    @classmethod
    def release(cls, key: _ReaderKey) -> None:
        with cls._lock:
            reader, users = cls._pools[key]
            if users > 1:
                cls._pools[key] = (reader, users - 1)
                return
            del cls._pools[key]
        # Every item waited for its reads before the spider closed; a read still running is
        # one a forced stop left behind: its worker is killed rather than waited for.
        reader.close(cancel=reader.pending > 0)


async def _result_of(future: Future[DocumentResult]) -> DocumentResult:
    """Wait for a read without blocking the reactor (its future completes in a thread)."""
    if is_asyncio_available():
        return await asyncio.wrap_future(future)
    from twisted.internet import reactor  # noqa: PLC0415 - the installed reactor

    waiting: Deferred[DocumentResult] = Deferred()
    future.add_done_callback(lambda done: reactor.callFromThread(waiting.callback, done.result()))
    return await maybe_deferred_to_future(waiting)


class AttachmentFilesPipeline(FilesPipeline):
    """See the module docstring: the files of exported articles, downloaded once and read
    into text, every bad file a named reason."""

    def __init__(self, store_uri: str | PathLike[str], download_func: None = None, *, crawler: Crawler) -> None:
        # FILES_STORE empty (the project's default): beside the spider's feeds.
        super().__init__(store_uri or default_files_store(crawler), download_func, crawler=crawler)
        settings = crawler.settings
        self.size_cap = settings.getint("GOVNEWS_ATTACHMENT_MAX_SIZE", defaults.GOVNEWS_ATTACHMENT_MAX_SIZE)
        self.ocr = ocr_enabled(crawler)
        time_limit = settings.getfloat("GOVNEWS_ATTACHMENT_TIME_LIMIT", defaults.GOVNEWS_ATTACHMENT_TIME_LIMIT)
        limits = ReadLimits(
            size_cap=self.size_cap,
            time_limit=time_limit,
            max_text=settings.getint("GOVNEWS_ATTACHMENT_MAX_TEXT", defaults.GOVNEWS_ATTACHMENT_MAX_TEXT),
            ocr=self.ocr,
            ocr_page_time_limit=settings.getfloat("GOVNEWS_OCR_PAGE_TIME_LIMIT", defaults.GOVNEWS_OCR_PAGE_TIME_LIMIT),
            ocr_memory_limit=settings.getint("GOVNEWS_OCR_MEMORY_LIMIT", defaults.GOVNEWS_OCR_MEMORY_LIMIT),
        )
        self._reader_key: _ReaderKey = (
            settings.getint("GOVNEWS_ATTACHMENT_WORKERS", defaults.GOVNEWS_ATTACHMENT_WORKERS),
            time_limit,
            settings.getint("GOVNEWS_ATTACHMENT_MEMORY_LIMIT", defaults.GOVNEWS_ATTACHMENT_MEMORY_LIMIT),
            limits,
        )
        self._reader: DocumentReader | None = None
        self._logger = for_crawler(logger, crawler)
        self._plans: dict[int, list[Request | None]] = {}
        """Per item being processed: its attachments' requests, None for a file not fetched."""
        self._failed: dict[str, tuple[str, str]] = {}
        """Downloads that failed this run: URL -> (reason, detail)."""
        self._seen: set[str] = set()
        """Files counted and logged this run (each once)."""
        self._by_hash: dict[str, str] = {}
        """Content hashes (with the files' checksums) this run exported -> the first URL."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentFilesPipeline:
        if not attachments_enabled(crawler):
            # Without a message: Scrapy logs "Disabled …: <message>" at WARNING, and a run
            # that did not ask for attachments has nothing to be warned of.
            raise NotConfigured
        pipeline: AttachmentFilesPipeline = super().from_crawler(crawler)
        return pipeline

    # -- the run ---------------------------------------------------------------------

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider()
        self._logger.info(
            "attachments: downloaded to %s, read by %d worker processes (at most %d MB a file)%s",
            getattr(self.store, "basedir", None) or "FILES_STORE",
            self._reader_key[0],
            self.size_cap // (1024 * 1024),
            ", scanned pages by OCR" if self.ocr else "",
        )

    def close_spider(self, spider: Any = None) -> None:
        if self._reader is not None:
            self._reader = None
            _SharedReader.release(self._reader_key)

    def _run(self) -> IncrementalRun | None:
        contract = contract_of(self.crawler.spider)
        return contract.incremental_run if contract is not None else None

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats_keys.ATTACHMENTS(key), count)

    def _may_fetch(self, url: str) -> bool:
        parts = urlsplit(url)
        contract = contract_of(self.crawler.spider)
        allowed = contract.attachment_netlocs if contract is not None else None
        if parts.scheme not in ("http", "https"):
            return False
        return allowed is None or netloc_of(url) in allowed

    # -- requests ----------------------------------------------------------------------

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        """One request per attachment on an allowed host (the others are never fetched); a
        conditional one for a file the store knows."""
        run = self._run()
        timeout = max(self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180), 120.0)
        plan: list[Request | None] = []
        for attachment in ItemAdapter(item).get("attachments") or []:
            url = str(attachment.get("url") or "")
            if not self._may_fetch(url):
                plan.append(None)
                continue
            known = run.known_attachment(url) if run is not None else None
            if known is not None and not self._reusable(known):
                known = None  # read anew: no conditional request, and the same bytes are read again
                self._inc("read_again")
            headers: dict[str, str] = {}
            if known is not None and known.etag:
                headers["If-None-Match"] = known.etag
            if known is not None and known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta = {
                ATTACHMENT_META: True,
                _KNOWN_META: known,
                # The download itself stops at the cap (Scrapy's DOWNLOAD_MAXSIZE, per request);
                # no size warning below it: big scans are expected.
                "download_maxsize": self.size_cap,
                "download_warnsize": 0,
                # A file may take longer than a page to come.
                "download_timeout": timeout,
            }
            plan.append(Request(url, callback=NO_CALLBACK, headers=headers or None, meta=meta))
        self._plans[id(item)] = plan
        return [request for request in plan if request is not None]

    def _reusable(self, known: AttachmentRecord) -> bool:
        """Whether what the store read of a file stands: read in today's text form, and, with
        OCR on, no scanned page left that OCR did not read."""
        if known.text_form != TEXT_FORM:
            return False
        return not (self.ocr and known.scanned_pages and known.ocr_pages is None)

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> Deferred[FileInfo | None] | None:
        """Always ask the site: whether a file is new is the conditional request's answer,
        not the age of a copy in ``FILES_STORE`` (which may be a bucket we cannot stat)."""
        return None

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """``<first two hex digits>/<sha256><extension>``: a file's name is its content, so a
        file replaced under the same URL keeps its old version, and one file linked from two
        articles is stored once."""
        if response is None:
            return super().file_path(request, response, info, item=item)
        digest = hashlib.sha256(response.body).hexdigest()
        return f"{digest[:2]}/{digest}{_extension(request.url, _header(response, b'Content-Type'))}"

    # -- answers ----------------------------------------------------------------------

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> AttachmentInfo:
        """A 304 keeps what the store knows; a 200 is stored and read (unless its bytes are
        the known ones); any other status is ``download_failed``. Never raises."""
        self._inc("requested")
        known: AttachmentRecord | None = request.meta.get(_KNOWN_META)
        if response.status == 304 and known is not None:
            self._inc("not_modified")
            self.inc_stats("uptodate")
            return _info_of(known, status="not_modified")
        if response.status != 200:
            return _failure(request.url, DOWNLOAD_FAILED, f"HTTP {response.status}")
        self.inc_stats("downloaded")
        self._inc("downloaded")
        body = response.body
        self._inc("bytes", len(body))
        digest = hashlib.sha256(body).hexdigest()
        content_type = _header(response, b"Content-Type")
        path: str | None = self.file_path(request, response=response, info=info, item=item)
        try:
            await ensure_awaitable(self.store.persist_file(path, BytesIO(body), info))  # type: ignore[arg-type]
        except Exception as error:  # a full disk, a bucket that refuses: the text is still read
            self._inc("store_failed")
            self._logger.warning(
                "attachment %s: not stored in FILES_STORE (%s: %s)", request.url, type(error).__name__, error
            )
            path = None
        detail: str | None = None
        if known is not None and known.sha256 == digest:
            # The same bytes (a server without validators): what was read of them stands.
            self._inc("unchanged")
            record = replace(known, path=path or known.path)
        else:
            result = await _result_of(self._document_reader().submit(body, request.url, content_type))
            record = AttachmentRecord(
                url=request.url,
                sha256=digest,
                size=len(body),
                path=path,
                content_type=content_type,
                kind=result.kind.value,
                pages=result.pages,
                text=result.text,
                reason=result.reason.value if result.reason is not None else None,
                members=result.members,
                fetched=utc_stamp(),
                scanned_pages=result.scanned_pages,
                ocr_pages=result.ocr_pages,
                text_truncated=result.text_truncated,
                text_form=TEXT_FORM,
            )
            detail = result.detail
        record = replace(record, etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"))
        run = self._run()
        if run is not None:
            run.remember_attachments([record])
        found = _info_of(record, status="downloaded")
        found["detail"] = detail
        if (evidence := request.meta.get(ARCHIVE_META)) is not None:
            found["archive"] = evidence
        return found

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> None:  # type: ignore[override]
        """A download that raised (refused, over the size cap, a network error after the
        retries): remembered by URL for :meth:`item_completed`; nothing raised, so Scrapy
        logs no error for it (the pipeline logs one line)."""
        self._inc("requested")
        error = failure.value
        message = str(error)
        if isinstance(error, DownloadCancelledError) and ("max size" in message or not message):
            reason = TOO_LARGE
        elif isinstance(error, IgnoreRequest) and "max size" in message:
            reason = TOO_LARGE  # the body inflated past the cap (HttpCompressionMiddleware)
        elif isinstance(error, IgnoreRequest) and "robots.txt" in message.lower():
            reason = ROBOTS_TXT
        elif isinstance(error, IgnoreRequest) and message.startswith("offsite"):
            reason = OFFSITE
        else:
            reason = DOWNLOAD_FAILED
        self._failed[request.url] = (reason, f"{type(error).__name__}: {message}"[:300])

    def _document_reader(self) -> DocumentReader:
        if self._reader is None:
            self._reader = _SharedReader.acquire(self._reader_key)
        return self._reader

    # -- the item ----------------------------------------------------------------------

    def item_completed(self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        """Each attachment with its file fields, counted (each file once) and logged once;
        ``content_hash`` with the files' checksums; ``duplicate_of`` when those make the
        article equal to one exported under another URL."""
        adapter = ItemAdapter(item)
        plan = self._plans.pop(id(item), [])
        answers = iter(results)
        column = str(adapter.get("section_path") or "/").strip("/")
        article = str(adapter.get("url"))
        completed: list[dict[str, Any]] = []
        for number, attachment in enumerate(adapter.get("attachments") or []):
            url = str(attachment.get("url"))
            request = plan[number] if number < len(plan) else None
            if request is None and self._may_fetch(url):
                found: AttachmentInfo = _failure(url, DOWNLOAD_FAILED, "not asked for")
            elif request is None:
                found = _failure(url, OFFSITE, "not a host of this crawl or of the site table")
            else:
                ok, value = next(answers, (False, None))
                if ok and value:
                    found = cast(AttachmentInfo, value)
                else:
                    reason, detail = self._failed.get(url, (DOWNLOAD_FAILED, str(getattr(value, "value", value))))
                    found = _failure(url, reason, detail)
            self._count(url, found, article)
            if found.get("reason") not in NOT_READABLE:
                self._inc_column(column, "attachments")
                if found.get("text") is not None:
                    self._inc_column(column, "attachments_read")
            fields = {k: found.get(k) for k in FILE_FIELDS}
            fields["path"] = fields["path"] or None  # FileInfo's "" for a file not stored
            entry = {"url": attachment.get("url"), "name": attachment.get("name"), **fields}
            if (evidence := found.get("archive")) is not None:
                entry["archive"] = evidence  # -a archive=1: where the download's response is
            completed.append(entry)
        if not completed:
            return item
        adapter["attachments"] = completed
        digest = rehash_with_files(adapter, completed)
        self._mark_duplicate(adapter, article, digest)
        return item

    def _mark_duplicate(self, adapter: ItemAdapter, url: str, digest: str) -> None:
        """An article whose files make it equal to one exported under another URL (a repost
        across runs: the store's hashes hold the checksums) says so, as the dedup pipeline
        does for pages alone."""
        first = self._by_hash.setdefault(digest, url)
        if adapter.get("duplicate_of") is None:
            run = self._run()
            earlier = run.first_url(digest) if run is not None else None
            other = earlier or first
            if other != url:
                adapter["duplicate_of"] = other
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value(stats_keys.ARTICLE_DEDUP("marked_duplicate_of"))

    def _inc_column(self, column: str, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats_keys.column(column, key))

    def _count(self, url: str, found: AttachmentInfo, article: str) -> None:
        """Each file once a run: its kind, its text or its reason, one log line when it has none."""
        if url in self._seen:
            return
        self._seen.add(url)
        reason = found.get("reason")
        if found.get("kind"):
            self._inc(f"kind/{found.get('kind')}")
        if scanned := found.get("scanned_pages"):
            self._inc("scanned_pages", len(scanned))
        if read_by_ocr := found.get("ocr_pages"):
            self._inc("ocr_pages", len(read_by_ocr))
        if found.get("text_truncated"):
            self._inc("text_truncated")
            cut = len(found.get("text") or "")
            self._logger.warning("attachment %s of %s: text cut at %d characters", url, article, cut)
        if reason is None:
            self._inc("read")
            return
        self._inc(f"reason/{reason}")
        detail = found.get("detail")
        level = logging.INFO if reason in BY_NATURE else logging.WARNING
        self._logger.log(
            level, "attachment %s of %s: no text (%s%s)", url, article, reason, f": {detail}" if detail else ""
        )


def _info_of(record: AttachmentRecord, *, status: str) -> AttachmentInfo:
    return {
        "url": record.url,
        "path": record.path or "",
        "checksum": record.sha256,
        "status": status,
        "sha256": record.sha256,
        "size": record.size,
        "content_type": record.content_type,
        "kind": record.kind,
        "pages": record.pages,
        "text": record.text,
        "reason": record.reason,
        "members": list(record.members) if record.members is not None else None,
        "scanned_pages": list(record.scanned_pages) if record.scanned_pages is not None else None,
        "ocr_pages": list(record.ocr_pages) if record.ocr_pages is not None else None,
        "text_truncated": record.text_truncated,
        "detail": None,
    }


def _failure(url: str, reason: str, detail: str | None) -> AttachmentInfo:
    """A file with no bytes to show: never fetched, or its download failed."""
    return {
        "url": url,
        "path": "",
        "checksum": None,
        "status": "failed",
        "sha256": None,
        "size": None,
        "content_type": None,
        "kind": None,
        "pages": None,
        "text": None,
        "reason": reason,
        "members": None,
        "scanned_pages": None,
        "ocr_pages": None,
        "text_truncated": False,
        "detail": detail,
    }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _extension(url: str, content_type: str | None) -> str:
    """The file name's extension (``.pdf``), else one for its content type, else none.

    >>> _extension("https://www.wuhan.gov.cn/a/P020240526123456.PDF", None), _extension("https://x/f?id=7", "image/png")
    ('.pdf', '.png')
    >>> _extension("https://x/download.jsp?id=1", None), _extension("https://x/a.b/c", "application/x-unknown")
    ('', '')
    """
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
    if 1 < len(suffix) <= 6 and suffix[1:].isalnum() and suffix not in (".jsp", ".php", ".asp", ".aspx", ".do"):
        return suffix
    if content_type:
        return mimetypes.guess_extension(content_type.split(";", 1)[0].strip()) or ""
    return ""
