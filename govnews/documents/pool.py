"""Reading in worker subprocesses under limits: :class:`DocumentReader`.

A hostile or merely odd file can make a reader library loop, allocate without end or
crash. So no file is read in the crawler's process: each read runs in a worker of a
`pebble <https://pypi.org/project/Pebble/>`_ process pool (LGPL-3.0, used as a library),
which kills the worker when a read passes ``time_limit`` (reason ``timeout``) and starts
a new one. Pebble is used rather than :class:`concurrent.futures.ProcessPoolExecutor`
because the latter can neither time a task out nor kill its worker, and a broken worker
breaks the whole executor.

Each worker runs under ``RLIMIT_AS`` (``memory_limit`` bytes of address space: a read
that needs more gets ``memory_limit``, or ``crashed`` if a C library aborts on a failed
allocation), ``RLIMIT_CPU`` re-armed per read (a backstop for the wall-clock limit: the
kernel kills a worker that spins past it) and ``RLIMIT_CORE`` 0. Workers are started by
the ``forkserver`` method, never forked from the crawler's threads, and replaced after
``max_tasks_per_worker`` reads so that no heap grows without bound.

The futures are :class:`concurrent.futures.Future` and always end in a
:class:`DocumentResult`, never an exception. From asyncio: ``await
asyncio.wrap_future(reader.submit(...))``; from Twisted (Scrapy's asyncio reactor):
``Deferred.fromFuture(asyncio.wrap_future(future))``.

Bytes passed to :meth:`DocumentReader.submit` stay in memory until a worker takes them;
for many large files pass paths, or keep :attr:`DocumentReader.pending` low.

OCR (``ReadLimits.ocr``): a read first finds the scanned pages, then each of them is read
by OCR in a task of its own (``ocr.py``), with a time limit a page
(``ReadLimits.ocr_page_time_limit``: a page over it stays unread and the rest go on) and a
memory cap of its own (``ReadLimits.ocr_memory_limit``, the worker's ``RLIMIT_AS`` raised
for the page and lowered again). The file goes to those tasks as a temporary file, removed
when they are done. The text cap applies once the pages are in.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import threading
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import replace
from pathlib import Path
from types import TracebackType

import pebble

from .read import HEAD_BYTES, OCR_KINDS, capped, ocr_page, read_document, read_path, with_ocr
from .result import MIB, DocumentResult, Kind, ReadLimits, Reason
from .sniff import sniff

__all__ = ["DocumentReader"]

Source = bytes | str | os.PathLike[str]


class DocumentReader:
    """A pool of ``max_workers`` reader subprocesses.

    ``time_limit``: seconds one read may take in a worker (the clock starts when a worker
    takes the file); ``memory_limit``: bytes of address space a worker may map;
    ``size_cap``: files over this are not read (``too_large``, answered at once);
    ``limits``: the other :class:`ReadLimits` (bomb thresholds).
    """

    def __init__(
        self,
        max_workers: int = 2,
        time_limit: float = 30.0,
        memory_limit: int = 1024 * MIB,
        size_cap: int = 50 * MIB,
        *,
        limits: ReadLimits | None = None,
        max_tasks_per_worker: int = 200,
    ) -> None:
        if max_workers < 1 or time_limit <= 0 or memory_limit <= 0 or size_cap < 0:
            raise ValueError("max_workers, time_limit and memory_limit must be positive, size_cap not negative")
        self.limits = replace(limits or ReadLimits(), size_cap=size_cap, time_limit=time_limit)
        self.memory_limit = memory_limit
        # The kernel's CPU limit is a backstop: the wall clock (pebble) should always win.
        self._cpu_seconds = math.ceil(2 * time_limit) + 1
        self._ocr_cpu_seconds = math.ceil(2 * self.limits.ocr_page_time_limit) + 1
        # The hard limit leaves room for an OCR page's cap on top of a read's.
        hard = memory_limit + self.limits.ocr_memory_limit if self.limits.ocr else memory_limit
        self._pool = pebble.ProcessPool(
            max_workers=max_workers,
            max_tasks=max_tasks_per_worker,
            initializer=_limit_worker,
            initargs=(memory_limit, hard),
            context=multiprocessing.get_context("forkserver"),
        )
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Reads submitted and not finished yet."""
        return self._pending

    def submit(self, source: Source, name: str = "", content_type: str | None = None) -> Future[DocumentResult]:
        """Read ``source`` (the file's bytes, or a path to it) in a worker. ``name`` is the
        file name or URL, ``content_type`` the HTTP header: both only break ties between
        kinds the bytes leave open. Never blocks on the read; the future never raises."""
        outer: Future[DocumentResult] = Future()
        early = self._answer_at_once(source, name, content_type)
        if isinstance(early, DocumentResult):
            outer.set_result(early)
            return outer
        with self._lock:
            self._pending += 1
        source = source if isinstance(source, bytes) else os.fspath(source)
        # With OCR, the first read finds the scans; the cap waits for their text.
        first = replace(self.limits, ocr=False, max_text=sys.maxsize) if self.limits.ocr else self.limits
        inner = self._pool.schedule(
            _read_in_worker,
            args=(source, name, content_type, first, self._cpu_seconds, self.memory_limit),
            timeout=self.limits.time_limit,
        )
        outer.add_done_callback(lambda done: inner.cancel() if done.cancelled() else None)  # type: ignore[no-untyped-call]
        inner.add_done_callback(lambda done: self._settle(outer, done, early, source))
        return outer

    def close(self, *, cancel: bool = False) -> None:
        """Stop the pool: let submitted reads finish, or with ``cancel`` kill them now."""
        if cancel:
            self._pool.stop()  # type: ignore[no-untyped-call]
        else:
            self._pool.close()  # type: ignore[no-untyped-call]
        self._pool.join()

    def __enter__(self) -> DocumentReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close(cancel=exc is not None)

    def _answer_at_once(self, source: Source, name: str, content_type: str | None) -> DocumentResult | Kind:
        """A result that needs no worker (empty, over the cap, unreadable), else the kind
        the head of the file suggests, for a result made without the worker (timeout)."""
        try:
            if isinstance(source, bytes):
                size, head = len(source), source[:HEAD_BYTES]
            else:
                path = Path(source)
                name = name or path.name
                size = path.stat().st_size
                with path.open("rb") as file:
                    head = file.read(HEAD_BYTES)
            kind = sniff(head, name, content_type)
        except OSError as exc:
            return DocumentResult.without_text(Kind.UNKNOWN, Reason.CORRUPT, detail=f"cannot read: {exc}")
        except Exception as exc:  # the sniffer looks into containers: never let it escape here
            return DocumentResult.without_text(Kind.UNKNOWN, Reason.CORRUPT, detail=f"sniff: {exc!r}")
        if size == 0:
            return DocumentResult.without_text(Kind.UNKNOWN, Reason.EMPTY)
        if size > self.limits.size_cap:
            return DocumentResult.without_text(kind, Reason.TOO_LARGE, detail=f"{size} bytes")
        return kind

    def _settle(
        self, outer: Future[DocumentResult], inner: Future[DocumentResult], kind: Kind, source: bytes | str
    ) -> None:
        try:
            result = inner.result()
        except CancelledError:
            self._done()
            return
        except FutureTimeoutError:
            result = DocumentResult.without_text(kind, Reason.TIMEOUT, detail=f"over {self.limits.time_limit} s")
        except pebble.ProcessExpired as exc:
            result = _expired(kind, exc.exitcode)
        except Exception as exc:  # the worker could not run or return the read
            result = DocumentResult.without_text(kind, Reason.CRASHED, detail=f"{type(exc).__name__}: {exc}"[:300])
        if self.limits.ocr and result.scanned_pages and result.kind in OCR_KINDS and not outer.done():
            try:
                self._read_scans(outer, result, source)
                return
            except RuntimeError:  # the pool was closed meanwhile: the text as it is
                pass
        self._finish(outer, result)

    def _finish(self, outer: Future[DocumentResult], result: DocumentResult) -> None:
        self._done()
        if not outer.done():
            outer.set_result(capped(result, self.limits.max_text, ocr=self.limits.ocr))

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    def _read_scans(self, outer: Future[DocumentResult], result: DocumentResult, source: bytes | str) -> None:
        """A task a scanned page, each under the OCR limits; ``outer`` gets the merged text
        once all are done (a page that timed out, crashed or found no engine stays unread)."""
        path, temporary = source, None
        if isinstance(source, bytes):
            handle, temporary = tempfile.mkstemp(prefix="govnews-ocr-")
            with os.fdopen(handle, "wb") as file:
                file.write(source)
            path = temporary
        pages = list(result.scanned_pages or ())
        texts: dict[int, str] = {}
        failures: list[str] = []
        left = [len(pages)]
        lock = threading.Lock()

        def page_done(number: int, done: Future[str]) -> None:
            try:
                texts[number] = done.result()
            except CancelledError:
                failures.append(f"page {number}: cancelled")
            except FutureTimeoutError:
                failures.append(f"page {number}: OCR over {self.limits.ocr_page_time_limit} s")
            except Exception as exc:  # a crash, the memory cap, no engine: this page stays unread
                failures.append(f"page {number}: {type(exc).__name__}: {exc}"[:200])
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                if temporary is not None:
                    os.unlink(temporary)
                detail = "; ".join(sorted(failures)) or None
                missing = not texts and any("OcrUnavailable" in failure for failure in failures)
                merged = with_ocr(result, texts, detail) if texts else replace(result, detail=detail)
                if missing and merged.text is None:
                    merged = replace(merged, reason=Reason.TOOL_MISSING)
                self._finish(outer, merged)

        for number in pages:
            task = self._pool.schedule(
                _ocr_in_worker,
                args=(path, result.kind, number - 1, self.limits.ocr_memory_limit, self._ocr_cpu_seconds),
                timeout=self.limits.ocr_page_time_limit,
            )
            task.add_done_callback(functools.partial(page_done, number))


def _expired(kind: Kind, exitcode: int | None) -> DocumentResult:
    """The result for a worker that died: SIGXCPU is the CPU limit, anything else a crash."""
    if exitcode is not None and exitcode < 0:
        signal_name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        if -exitcode == signal.SIGXCPU:
            return DocumentResult.without_text(kind, Reason.TIMEOUT, detail="CPU time limit")
        return DocumentResult.without_text(kind, Reason.CRASHED, detail=f"worker killed by {signal_name}")
    return DocumentResult.without_text(kind, Reason.CRASHED, detail=f"worker exited with {exitcode}")


def _limit_worker(memory_limit: int, hard_limit: int) -> None:
    """Worker initializer: cap the address space (a read runs under ``memory_limit``; an OCR
    page may raise it up to ``hard_limit``), and write no core file on a crash."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _mapped() -> int:
    """Bytes of address space this process maps now."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _allow(budget: int) -> None:
    """Let this task map ``budget`` bytes more than the worker maps already (within the hard
    limit): the OCR engine a worker loaded stays mapped, and must not eat a read's room."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = _mapped() + budget
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _arm_cpu_limit(cpu_seconds: int) -> None:
    """The CPU limit re-armed from what the worker used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + cpu_seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _hard_memory() -> int:
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    return sys.maxsize if hard == resource.RLIM_INFINITY else hard


def _ocr_in_worker(path: str, kind: Kind, index: int, memory_limit: int, cpu_seconds: int) -> str:
    """One page read by OCR in a worker, under the OCR memory cap."""
    _arm_cpu_limit(cpu_seconds)
    _allow(memory_limit)
    return ocr_page(path, kind, index)


def _read_in_worker(  # noqa: PLR0917 - pebble passes a task's arguments by position
    source: bytes | str, name: str, content_type: str | None, limits: ReadLimits, cpu_seconds: int, memory_limit: int
) -> DocumentResult:
    """One read in a worker, with the CPU limit re-armed from what the worker used so far."""
    _arm_cpu_limit(cpu_seconds)
    if memory_limit < _hard_memory():  # a pool with OCR: room above what the engine holds
        _allow(memory_limit)
    try:
        if isinstance(source, bytes):
            return read_document(source, name, content_type, limits)
        return read_path(source, name, content_type, limits)
    except MemoryError:
        return DocumentResult.without_text(Kind.UNKNOWN, Reason.MEMORY_LIMIT)
