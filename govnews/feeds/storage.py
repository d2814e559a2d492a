"""Where feeds go and how they are written.

* ``GOVNEWS_OUTPUT_DIR`` (absolute) decides the directory; by default ``output/`` of the
  checkout the package runs from, else the user's data directory (:mod:`govnews.store.paths`):
  never the working directory, so a checkout and scrapyd agree.
* File names carry the spider, the run's start time and the job (scrapyd's job id, from
  its ``_job`` argument, or ``local-<pid>``), so no run overwrites another's file.
* Every line is written with one unbuffered write: a run killed at any moment leaves
  whole lines, at most the one being written cut short (and that one is repaired by the
  next incremental run, see :mod:`govnews.store`).
* A JSON Lines feed of an incremental run is journaled: its path goes into the state
  store's manifest when it opens (:meth:`govnews.store.run.IncrementalRun.feed_opened`).
* **Exported means durable.** Every local feed file (JSON Lines, CSV …) is synced to disk
  (``fsync``) before the store records the items it holds (per batch, and when it closes),
  so an article the store knows as exported survives a power cut. A write that fails (a full
  disk, a file size limit) is undone to the last whole line, counted and logged as an ERROR
  by the state pipeline, and the item is not recorded: it stays owed to the next run.
  Remote feed storages (S3, FTP …) upload the file when the run ends: they are outside
  this promise (their items are recorded as written to the local temporary file).
* **A document is published whole.** A format whose file is one document, not lines (Atom:
  its exporter is a :class:`DocumentExporter`), is written to a file beside its target and
  published when the run stores it: combined with the file in place (merged into it with
  ``-o``, replacing it with ``-O``), then renamed over it. A reader of the feed (a feed reader
  polling it) sees the one before or the one after, never a feed cut short; a killed run
  leaves the one before.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.misc import load_object

from govnews.contract import contract_of, fence_of
from govnews.store.journal import fsync_file
from govnews.store.paths import default_output_dir, directory_setting
from govnews.store.run import IncrementalRun

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_UNSAFE_CHARS_RE = re.compile(r"[^A-Za-z0-9_.-]+")
_JOURNALED_FORMATS = ("jsonlines", "jl")


def output_dir(setting: str | None) -> Path:
    """The feed directory from the ``GOVNEWS_OUTPUT_DIR`` setting (absolute) or the default."""
    return directory_setting("GOVNEWS_OUTPUT_DIR", setting, default_output_dir)


def job_id(spider: Spider | None = None) -> str:
    """scrapyd's job id (the spider argument ``_job``), else ``local-<pid>``."""
    contract = contract_of(spider)
    return run_job_id(contract.scrapyd_job if contract is not None else None)


def run_job_id(scrapyd_job: str | None) -> str:
    """``scrapyd_job`` (scrapyd's job id), else ``SCRAPY_JOB``, else ``local-<pid>``, safe in a file name.

    >>> run_job_id("6487/a b")
    '6487_a_b'
    """
    job = scrapyd_job or os.environ.get("SCRAPY_JOB") or f"local-{os.getpid()}"
    return _UNSAFE_CHARS_RE.sub("_", job)[:64]


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: adds ``output_dir`` and ``job`` to Scrapy's own parameters.

    Values come from settings and the environment, never from spider arguments, so
    no ``-a`` value can steer where a file is written.
    """
    directory = output_dir(spider.crawler.settings.get("GOVNEWS_OUTPUT_DIR"))
    return {**params, "output_dir": str(directory), "job": job_id(spider)}


class FeedFile(io.FileIO):
    """An unbuffered feed file whose writes are whole or nothing: a write that fails (or
    writes part of its line) is cut back to where it began and raises; ``failed_writes``
    counts them, for the state pipeline to keep such items owed."""

    failed_writes = 0
    fence: Callable[[], bool] | None = None
    path: Path

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self.fence is not None and not self.fence():
            # Past its lease's deadline a run writes no line: nothing written, nothing
            # recorded (the store refuses it too); the item stays owed to the site's holder.
            return len(view)
        start = os.fstat(self.fileno()).st_size
        done = 0
        try:
            while done < len(view):
                written = super().write(view[done:])
                if not written:
                    raise OSError(f"no byte of the line could be written to {self.name}")
                done += written
        except OSError:
            self.failed_writes += 1
            # Back to the last whole line (else the next run's reconciliation cuts it).
            with contextlib.suppress(OSError):
                os.ftruncate(self.fileno(), start)
            raise
        return done


@runtime_checkable
class DocumentExporter(Protocol):
    """An item exporter whose file is one document, not lines (:class:`govnews.feeds.atom.AtomItemExporter`):
    :class:`LineAtomicFileFeedStorage` publishes its file whole, combined with the one in place."""

    @staticmethod
    def combine(previous: bytes | None, new: bytes, *, merge: bool, max_entries: int | None) -> bytes:
        """The document to publish from the one in place (None: none) and the run's; ``merge``:
        keep the entries in place too, at most ``max_entries`` in all (None: no limit)."""
        ...


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the file before or the whole new one, and a
    power cut leaves one of the two: a file beside it, synced, renamed over it, the directory synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # 0o666 less the umask, as Scrapy's own feed files.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class LineAtomicFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage, unbuffered: each exported line reaches the file in
    one ``write`` call (:class:`FeedFile`), so a killed crawl never leaves half-buffered
    items behind. A JSON Lines file is handed to the run's state store as part of its
    journal; every file is synced to disk before the store records what it holds."""

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        document: DocumentExporter | None = None,
        max_entries: int | None = None,
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.journaled = (feed_options or {}).get("format") in _JOURNALED_FORMATS
        self.appends = self.write_mode == "ab"
        """``-o`` (Scrapy's append mode), not ``-O``."""
        self.document = document
        """The exporter's way to combine documents, for a format whose file is one (Atom)."""
        self.max_entries = max_entries
        self._run: IncrementalRun | None = None
        self._part: Path | None = None

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> LineAtomicFileFeedStorage:
        exporters = crawler.settings.getwithbase("FEED_EXPORTERS")
        name = exporters.get((feed_options or {}).get("format") or "")
        exporter = load_object(name) if name else None
        return cls(
            uri,
            feed_options=feed_options,
            document=exporter if isinstance(exporter, DocumentExporter) else None,
            max_entries=crawler.settings.getint("GOVNEWS_FEED_MAX_ENTRIES") or None,
        )

    def open(self, spider: Spider) -> IO[bytes]:
        path = Path(self.path).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size if self.write_mode == "ab" and path.exists() else 0
        if self.document is not None:
            # A document is written beside its target, and published whole at store().
            self._part = path = path.with_name(f".{path.name}.{os.getpid()}.part")
            file = FeedFile(path, "w")
            size = 0
        else:
            file = FeedFile(path, self.write_mode.replace("b", ""))
        file.path = path
        fenced = fence_of(spider)
        file.fence = fenced.lease_fence if fenced is not None else None
        contract = contract_of(spider)
        self._run = contract.incremental_run if contract is not None else None
        if self._run is not None:
            self._run.feed_opened(path, size, file, journaled=self.journaled)
        return file

    def store(self, file: IO[bytes]) -> None:
        if not file.closed:
            file.flush()
            fsync_file(file)
        if self._run is not None:
            self._run.feed_closed(file)
        file.close()
        part, self._part = self._part, None
        if part is None:
            return
        try:
            if isinstance(file, FeedFile) and file.fence is not None and not file.fence():
                return  # past its lease's deadline a run publishes nothing (another run may hold the site)
            self.publish(part.read_bytes(), merge=self.appends)
        finally:
            part.unlink(missing_ok=True)

    def publish(self, document: bytes, *, merge: bool) -> None:
        """Publish ``document`` (of a :class:`DocumentExporter`'s format) at the feed's path,
        combined with the file in place: ``merge`` keeps its entries too, at most
        ``max_entries`` in all with ``-o``. ValueError when the file in place is not such a
        document: it is left as it is."""
        assert self.document is not None, "publish() is for a format whose file is one document"
        path = Path(self.path).resolve()
        previous = path.read_bytes() if path.is_file() else None
        max_entries = self.max_entries if self.appends else None
        replace_file(path, self.document.combine(previous, document, merge=merge, max_entries=max_entries))
