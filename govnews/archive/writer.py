"""WARC/1.1 files of one crawl: gzip per record, rotated by size, a ``warcinfo`` record first
in every file.

The writing itself is warcio's (record building, block and payload digests, gzip members);
this module decides the files: their names, when one is full, what the ``warcinfo`` says,
and where each record starts (the offset an item points to). No Scrapy import: the
downloader middleware (:mod:`govnews.archive.middleware`) hands it plain bytes and headers.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govnews import __version__

SOFTWARE = f"govnews/{__version__} (warcio)"
WARC_SUFFIX = ".warc.gz"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Hop-by-hop framing the payload no longer carries: the body is stored de-chunked.
DROPPED_RESPONSE_HEADERS = ("transfer-encoding",)


@dataclass(frozen=True)
class RecordRef:
    """Where a response record is: ``file`` relative to the output directory, ``offset`` the
    first byte of its gzip member, ``record_id`` its ``WARC-Record-ID`` verbatim."""

    file: str
    offset: int
    record_id: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id}


@dataclass(frozen=True)
class Exchange:
    """One request and the answer the site gave, as the downloader saw them."""

    url: str
    method: str
    request_headers: Sequence[tuple[str, str]]
    request_body: bytes
    status: int
    protocol: str
    response_headers: Sequence[tuple[str, str]]
    body: bytes
    """The body as received: still content-encoded (gzip …), already de-chunked."""
    ip_address: str | None = None


def warc_date(moment: datetime | None = None) -> str:
    """A WARC-Date with millisecond precision (WARC/1.1 allows any fraction of a second).

    >>> warc_date(datetime(2026, 12, 7, 12, 0, 1, 234567, tzinfo=UTC))
    '2026-12-07T12:00:01.234Z'
    """
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def status_line(status: int) -> str:
    """``200 OK``: Scrapy keeps no reason phrase, so the standard one stands in (docs/archive.md).

    >>> status_line(304), status_line(299)
    ('304 Not Modified', '299 ')
    """
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} "


class WarcFiles:
    """The WARC files of one spider's run under ``directory``, named
    ``<prefix>-<start>-<job>-<nnnnn>.warc.gz``; a new file once one reaches ``max_size`` bytes.

    ``relative_to`` is the output directory the items' ``archive.file`` is relative to.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str,
        job: str,
        max_size: int,
        info: Mapping[str, Any],
        relative_to: Path,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.job = job
        self.max_size = max_size
        self.info = dict(info)
        self.relative_to = relative_to
        self.started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self._serial = 0
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self.files: list[Path] = []
        self.records = 0
        self.bytes = 0

    # -- files ----------------------------------------------------------------------

    def _open(self) -> WARCWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        name = f"{self.prefix}-{self.started}-{self.job}-{self._serial:05d}{WARC_SUFFIX}"
        self._path = self.directory / name
        # "xb": a file of another run is never appended to, whatever the clock says.
        self._file = open(self._path, "xb")  # noqa: SIM115 - closed in _close
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self.files.append(self._path)
        info = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **{k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in self.info.items()},
        }
        record = self._writer.create_warcinfo_record(name, info)
        record.rec_headers.replace_header("WARC-Date", warc_date())
        self._write(record)
        return self._writer

    def _close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        self._file = self._writer = self._path = None

    def close(self) -> None:
        self._close()

    def _current(self) -> WARCWriter:
        if self._file is not None and self._file.tell() >= self.max_size:
            self._close()
        return self._writer if self._writer is not None else self._open()

    def _write(self, record: Any) -> int:
        assert self._writer is not None and self._file is not None
        offset = self._file.tell()
        self._writer.write_record(record)
        self.records += 1
        self.bytes += self._file.tell() - offset
        return offset

    # -- records ---------------------------------------------------------------------

    def write(self, exchange: Exchange, *, moment: datetime | None = None) -> RecordRef:
        """The exchange as a ``response`` (or, for a 304, a ``revisit``) record and the
        ``request`` record concurrent to it; where the response record starts.

        Both records or neither: a write that fails (a full disk) is cut off the file, which
        ends at its last whole exchange, and the error raised; a file that cannot be cut is
        left as it is and the next exchange opens a new one."""
        writer = self._current()
        assert self._file is not None
        start = self._file.tell()
        try:
            return self._write_exchange(writer, exchange, moment)
        except OSError:
            self._cut(start)
            raise

    def _cut(self, start: int) -> None:
        assert self._file is not None
        try:
            self._file.seek(start)
            self._file.truncate(start)
        except OSError:
            file, self._file, self._writer, self._path = self._file, None, None, None
            with contextlib.suppress(OSError):
                file.close()

    def _write_exchange(self, writer: WARCWriter, exchange: Exchange, moment: datetime | None) -> RecordRef:
        date = warc_date(moment)
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
        http_headers = StatusAndHeaders(status_line(exchange.status), headers, protocol=exchange.protocol)
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.status == 304:
            # Not modified: the server sent no payload; nothing here to refer to but the URI.
            warc_headers["WARC-Profile"] = REVISIT_PROFILE
            warc_headers["WARC-Refers-To-Target-URI"] = exchange.url
            response = writer.create_warc_record(
                exchange.url,
                "revisit",
                payload=BytesIO(b""),
                length=0,
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        else:
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        record_id: str = response.rec_headers.get_header("WARC-Record-ID")
        assert self._path is not None
        path = self._path
        offset = self._write(response)
        request_line = f"{exchange.method} {_request_target(exchange.url)}"
        request_headers = StatusAndHeaders(
            request_line, list(exchange.request_headers), protocol=exchange.protocol, is_http_request=True
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=request_headers,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        self._write(request)
        return RecordRef(str(path.relative_to(self.relative_to)), offset, record_id)


def _request_target(url: str) -> str:
    """The request line's target: path and query, as an HTTP/1.1 client sends it.

    >>> _request_target("http://127.0.0.1:8000/sy/whyw/index_1.shtml?a=1#x")
    '/sy/whyw/index_1.shtml?a=1'
    """
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
