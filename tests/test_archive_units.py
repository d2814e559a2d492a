"""The archive's pieces without a crawl: files written by :class:`WarcFiles`, read back by
:class:`ArchiveIndex`; the spider arguments ``archive`` and ``from_archive``."""

from __future__ import annotations

import errno
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from govnews.archive.reader import ArchiveIndex, read_record
from govnews.archive.writer import Exchange, WarcFiles
from govnews.crawl.arguments import ArgumentError, CrawlArguments

URL = "http://127.0.0.1:8000/sy/whyw/index.shtml"


def exchange(body: bytes, url: str = URL, status: int = 200) -> Exchange:
    return Exchange(
        url=url,
        method="GET",
        request_headers=[("Host", "127.0.0.1:8000"), ("Accept-Encoding", "gzip")],
        request_body=b"",
        status=status,
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
        body=body,
    )


def files_in(tmp_path: Path, max_size: int = 10**9) -> WarcFiles:
    return WarcFiles(
        tmp_path / "wuhan" / "archive",
        prefix="wuhan",
        job="t1",
        max_size=max_size,
        info={"crawl-arguments": {"base_url": "http://127.0.0.1:8000"}},
        relative_to=tmp_path,
    )


def test_a_url_archived_k_times_answers_its_kth_request_with_its_kth_response(tmp_path: Path) -> None:
    files = files_in(tmp_path)
    for body in (b"first", b"second", b"third"):
        files.write(exchange(body))
    files.write(exchange(b"other", url=URL + "?x=1"))
    files.close()
    index = ArchiveIndex.open(tmp_path / "wuhan" / "archive")
    assert [index.next_for(URL).body for _ in range(3)] == [b"first", b"second", b"third"]  # type: ignore[union-attr]
    assert index.next_for(URL) is None
    assert index.next_for(URL + "?x=1").body == b"other"  # type: ignore[union-attr]
    assert index.next_for("http://127.0.0.1:8000/never") is None
    index.close()


def test_files_rotate_by_size_each_opening_with_warcinfo_and_refs_resolve(tmp_path: Path) -> None:
    files = files_in(tmp_path, max_size=3000)
    # Incompressible bodies of 2,000 bytes: a file holds one or two exchanges.
    refs = [files.write(exchange(random.Random(n).randbytes(2000) + str(n).encode())) for n in range(6)]
    files.close()
    assert len(files.files) >= 3
    for path in files.files:
        with open(path, "rb") as stream:
            kinds = [r.rec_type for r in ArchiveIterator(stream)]
        assert kinds[0] == "warcinfo" and kinds.count("warcinfo") == 1
        assert kinds[1:] == ["response", "request"] * ((len(kinds) - 1) // 2)
    for n, ref in enumerate(refs):
        found = read_record(tmp_path, ref.file, ref.offset)
        assert found.record_id == ref.record_id
        assert found.body.endswith(str(n).encode())
        assert ("Transfer-Encoding", "chunked") not in found.headers


def test_a_304_is_a_revisit_record(tmp_path: Path) -> None:
    files = files_in(tmp_path)
    ref = files.write(exchange(b"", status=304))
    files.close()
    found = read_record(tmp_path, ref.file, ref.offset)
    assert (found.record_type, found.status, found.body) == ("revisit", 304, b"")


def test_archive_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="allowed: a folder of WARC files"):
        CrawlArguments.parse({"from_archive": str(tmp_path / "nothing.txt")})
    with pytest.raises(ArgumentError, match="holds no WARC file"):
        CrawlArguments.parse({"from_archive": str(tmp_path)})
    files = files_in(tmp_path)
    files.write(exchange(b"x"))
    files.close()
    with pytest.raises(ArgumentError, match=r"archive=1 .* allowed: one of them"):
        CrawlArguments.parse({"from_archive": str(tmp_path), "archive": "1"})
    with pytest.raises(ArgumentError, match="archive='maybe'"):
        CrawlArguments.parse({"archive": "maybe"})
    args = CrawlArguments.parse({"from_archive": str(tmp_path)})
    assert args.replaying and args.base_url == "http://127.0.0.1:8000"  # from the warcinfo
    assert CrawlArguments.parse({"from_archive": str(tmp_path), "base_url": "http://h:1"}).base_url == "http://h:1"


class FullDisk:
    """Test-only: the file under warcio's writer, failing (ENOSPC) once it has taken
    ``room`` more bytes, after writing what fitted: a disk that fills mid-record."""

    def __init__(self, file: Any, room: int) -> None:
        self.file, self.room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.file.write(data[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return int(self.file.write(data))

    def flush(self) -> None:
        self.file.flush()


def test_a_write_that_fails_midway_leaves_the_file_whole(tmp_path: Path) -> None:
    files = files_in(tmp_path)
    kept = files.write(exchange(b"kept"))
    real = files._file
    assert files._writer is not None and real is not None
    files._writer.out = FullDisk(real, room=100)
    with pytest.raises(OSError, match="No space"):
        files.write(exchange(random.Random(1).randbytes(5000)))
    files._writer.out = real  # the disk has room again
    after = files.write(exchange(b"after"))
    files.close()
    (path,) = files.files
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with open(path, "rb") as stream:
        kinds = [r.rec_type for r in ArchiveIterator(stream)]
    assert kinds == ["warcinfo", "response", "request", "response", "request"]
    assert read_record(tmp_path, after.file, after.offset).body == b"after"
    assert read_record(tmp_path, kept.file, kept.offset).body == b"kept"
