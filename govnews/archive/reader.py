"""Reading an archive back: a folder of WARC files, one WARC file, or a WACZ.

:class:`ArchiveIndex` lists every ``response`` and ``revisit`` record by target URI, in the
order they were written (files by name: ``<spider>-<start>-<job>-<nnnnn>``, so runs in the
order they ran), and hands the k-th record of a URL to its k-th request. No Scrapy import.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

ARCHIVE_SUFFIXES = (".warc.gz", ".warc")
WACZ_SUFFIX = ".wacz"


class ArchiveError(ValueError):
    """A path that is not an archive replay can read; the message says what is allowed."""


@dataclass(frozen=True)
class Source:
    """One WARC file: on disk, or a member of a WACZ."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return self.member or self.path.name

    def open(self) -> IO[bytes]:
        if self.member is None:
            return open(self.path, "rb")
        # WACZ members are stored uncompressed (ZIP_STORED): seeking in them is cheap.
        return zipfile.ZipFile(self.path).open(self.member)


@dataclass(frozen=True)
class ArchivedResponse:
    """What the site answered, as archived: status, headers in order, the payload as sent."""

    url: str
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    record_id: str
    record_type: str


def sources(path: Path) -> list[Source]:
    """The WARC files of ``path`` (a folder, searched recursively; a ``.warc``/``.warc.gz`` file;
    or a ``.wacz``), in name order. :class:`ArchiveError` when there are none."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES))
        if not found:
            raise ArchiveError(f"{path} holds no WARC file; allowed: a folder of *.warc.gz / *.warc files")
        return [Source(p) for p in found]
    if path.is_file() and path.name.endswith(ARCHIVE_SUFFIXES):
        return [Source(path)]
    if path.is_file() and path.name.endswith(WACZ_SUFFIX):
        try:
            with zipfile.ZipFile(path) as wacz:
                members = sorted(
                    n for n in wacz.namelist() if n.startswith("archive/") and n.endswith(ARCHIVE_SUFFIXES)
                )
        except zipfile.BadZipFile:
            raise ArchiveError(f"{path} is not a WACZ (not a ZIP file)") from None
        if not members:
            raise ArchiveError(f"{path} holds no WARC file under archive/; not a WACZ")
        return [Source(path, m) for m in members]
    raise ArchiveError(
        f"{path} is not an archive; allowed: a folder of WARC files, a .warc.gz or .warc file, or a .wacz"
    )


@dataclass
class ArchiveIndex:
    """Every archived answer by URL, each URL's in the order written."""

    sources: list[Source]
    by_url: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    """URL → [(source number, offset of the record's gzip member)]."""
    asked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    records: int = 0
    _handles: dict[int, IO[bytes]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> ArchiveIndex:
        index = cls(sources(path))
        for number, source in enumerate(index.sources):
            with source.open() as stream:
                # Only the WARC headers are read here: the HTTP ones wait for the replay.
                for offset, record in _records(stream, parse_http=False):
                    if record.rec_type in ("response", "revisit"):
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        index.by_url[uri].append((number, offset))
                        index.records += 1
        return index

    def __len__(self) -> int:
        return self.records

    def next_for(self, url: str) -> ArchivedResponse | None:
        """The answer to the k-th request of ``url`` (its k-th archived answer); None when the
        archive holds fewer."""
        k = self.asked[url]
        found = self.by_url.get(url)
        if not found or k >= len(found):
            return None
        self.asked[url] = k + 1
        number, offset = found[k]
        return self.read(number, offset)

    def read(self, number: int, offset: int) -> ArchivedResponse:
        handle = self._handles.get(number)
        if handle is None:
            handle = self._handles[number] = self.sources[number].open()
        handle.seek(offset)
        return _one_record(handle)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


def to_response(record: Any) -> ArchivedResponse:
    """A warcio record as an :class:`ArchivedResponse`: the payload as stored (still
    content-encoded), never decoded here."""
    http = record.http_headers
    status = int(http.get_statuscode())
    body = record.raw_stream.read()
    return ArchivedResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=status,
        protocol=http.protocol or "HTTP/1.1",
        headers=list(http.headers),
        body=body,
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        record_type=record.rec_type,
    )


def _records(stream: IO[bytes], *, parse_http: bool = True) -> Iterator[tuple[int, Any]]:
    iterator = ArchiveIterator(stream, no_record_parse=not parse_http)
    for record in iterator:
        yield iterator.get_record_offset(), record


def read_record(output_dir: Path, file: str, offset: int) -> ArchivedResponse:
    """The record an item's ``archive`` points to (``file`` relative to ``output_dir``)."""
    with open(output_dir / file, "rb") as handle:
        handle.seek(offset)
        return _one_record(handle)


def _one_record(handle: IO[bytes]) -> ArchivedResponse:
    """The record that starts where ``handle`` stands. The iterator is closed at once: it holds
    a decompressor and buffers in a reference cycle (itself and its generator), freed otherwise
    only by the next full garbage collection."""
    iterator = ArchiveIterator(handle)
    try:
        return to_response(next(iterator))
    finally:
        iterator.close()
        iterator.the_iter.close()


def crawl_arguments(path: Path) -> dict[str, str]:
    """The crawl arguments the first ``warcinfo`` of the archive at ``path`` names ({} when it
    names none: an archive another tool wrote)."""
    first = sources(path)[0]
    with first.open() as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "warcinfo":
                return {}
            for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                name, _, value = line.partition(": ")
                if name == "crawl-arguments":
                    try:
                        found = json.loads(value)
                    except ValueError:
                        return {}
                    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
            return {}
    return {}
