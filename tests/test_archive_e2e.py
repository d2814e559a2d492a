"""The archive end to end (issue 32, docs/archive.md): ``scrapy crawl wuhan -a archive=1`` as a
real subprocess against the mirror serving gzip in chunks (as nginx with gzip on), then the
mirror stopped and ``-a from_archive=…`` replayed from what was written.

The reference for "the bytes as the site sent them" is the mirror's own log of the body
bytes it put on the wire (``MirrorServer.sent_bodies``), never what govnews read back.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import socket
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from warcio.archiveiterator import ArchiveIterator

from govnews.archive.reader import read_record
from govnews.pipelines.validate import article_schema
from tests.conftest import CrawlResult, run_crawl
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

# Small enough that the run's archive spans several files (each with its warcinfo first).
MAX_FILE_SIZE = 60_000
# The mirror's files are not documents (no doc tools here): their text share is not judged.
QUIET = {"GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE": "0"}
WARC_DATE_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@dataclass
class Live:
    result: CrawlResult
    output: Path
    base_url: str
    port: int
    requests: list[str]
    sent: dict[str, list[bytes]]
    workdir: Path

    @property
    def archive_dir(self) -> Path:
        return self.output / "wuhan" / "archive"

    def warc_files(self) -> list[Path]:
        return sorted(self.archive_dir.glob("*.warc.gz"))


def records(path: Path) -> Iterator[tuple[int, Any, bytes]]:
    """(offset, record, raw payload) of every record of a WARC file."""
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            payload = record.raw_stream.read()
            yield iterator.get_record_offset(), record, payload


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Live:
    """One crawl with archive=1 (and attachments) of a mirror serving gzip in chunks; the mirror
    is stopped before any test runs."""
    workdir = tmp_path_factory.mktemp("archive")
    site = MirrorSite(n_articles=30, per_page=5, seed=11)
    server = MirrorServer(site, gzip_chunked=True).start()
    try:
        output = workdir / "output"
        result = run_crawl(
            f"base_url={server.base_url}",
            "archive=1",
            "incremental=0",
            "attachments=1",
            output=workdir / "live.jsonl",
            settings={"GOVNEWS_OUTPUT_DIR": str(output), "GOVNEWS_ARCHIVE_MAX_FILE_SIZE": str(MAX_FILE_SIZE), **QUIET},
        )
        requests = server.requests
        sent = {path: server.sent_bodies(path) for path in set(requests)}
    finally:
        server.stop()
    assert result.returncode == 0, result.log[-3000:]
    assert result.items, "the live crawl exported nothing"
    return Live(result, output, server.base_url, server.port, requests, sent, workdir)


def test_every_file_passes_warcio_check_and_opens_with_its_warcinfo(live: Live) -> None:
    files = live.warc_files()
    assert len(files) >= 2, f"GOVNEWS_ARCHIVE_MAX_FILE_SIZE={MAX_FILE_SIZE} should rotate: {files}"
    for path in files:
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "digest pass" in check.stdout
        first = next(records(path))
        offset, record, payload = first
        assert (offset, record.rec_type) == (0, "warcinfo"), path.name
        assert record.rec_headers.get_header("WARC-Filename") == path.name
        info = dict(line.split(": ", 1) for line in payload.decode("utf-8").splitlines())
        assert info["software"].startswith("govnews/")
        assert json.loads(info["crawl-arguments"])["base_url"] == live.base_url
        assert info["job"].startswith("local-")
        kinds = [r.rec_type for _, r, _ in records(path)]
        assert kinds.count("warcinfo") == 1
        assert path.stat().st_size < MAX_FILE_SIZE + 200_000  # rotated after the record that crossed it


def test_every_request_the_mirror_answered_is_archived_as_sent(live: Live) -> None:
    """robots.txt, list pages, article pages and attachments: each answer the mirror gave is a
    response record whose payload is the mirror's bytes (gzip, de-chunked), with
    Content-Encoding kept and Transfer-Encoding dropped, and a request record beside it."""
    answers: dict[str, list[bytes]] = defaultdict(list)
    requests_for: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    for path in live.warc_files():
        for _, record, payload in records(path):
            headers = record.rec_headers
            if record.rec_type == "warcinfo":
                continue
            assert WARC_DATE_MS.match(headers.get_header("WARC-Date")), headers.get_header("WARC-Date")
            url = headers.get_header("WARC-Target-URI")
            if record.rec_type == "request":
                requests_for[headers.get_header("WARC-Concurrent-To")] = record.http_headers.protocol
                continue
            assert record.rec_type == "response"
            answers[path_of(url)].append(payload)
            http = record.http_headers
            assert http.get_header("Transfer-Encoding") is None
            digest = "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()
            assert headers.get_header("WARC-Payload-Digest") == digest
            if http.get_statuscode() == "200":
                assert http.get_header("Content-Encoding") == "gzip", url
            kind = "robots" if url.endswith("/robots.txt") else "list" if "index" in url else "other"
            kinds["attachment" if "/P0" in url else kind] += 1
    assert Counter(live.requests) == Counter({p: len(v) for p, v in answers.items()})
    for path, archived in answers.items():
        assert archived == live.sent[path], f"{path}: the archived payload is not what the mirror sent"
    assert kinds["robots"] == 1 and kinds["list"] >= 4 and kinds["attachment"] >= 1 and kinds["other"] >= 20
    # Every response has its request record (WARC-Concurrent-To names it).
    ids = {r.rec_headers.get_header("WARC-Record-ID") for p in live.warc_files() for _, r, _ in records(p)}
    assert set(requests_for) <= ids and len(requests_for) == sum(len(v) for v in answers.values())


def test_every_item_and_attachment_points_to_its_response_record(live: Live) -> None:
    validator = Draft202012Validator(article_schema())
    downloaded = 0
    for item in live.result.items:
        assert not list(validator.iter_errors(item)), item["url"]
        evidence = item["archive"]
        assert set(evidence) == {"file", "offset", "record_id"}
        assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", evidence["record_id"])
        found = read_record(live.output, evidence["file"], evidence["offset"])
        assert (found.record_id, found.record_type, found.status) == (evidence["record_id"], "response", 200)
        assert found.url == item["url"]
        assert found.body in live.sent[path_of(item["url"])]
        for attachment in item["attachments"]:
            if attachment["sha256"] is None:
                assert "archive" not in attachment
                continue
            downloaded += 1
            ref = attachment["archive"]
            found = read_record(live.output, ref["file"], ref["offset"])
            assert found.record_id == ref["record_id"] and found.url == attachment["url"]
            assert found.body in live.sent[path_of(attachment["url"])]
            body = gzip.decompress(found.body) if dict(found.headers).get("Content-Encoding") == "gzip" else found.body
            assert hashlib.sha256(body).hexdigest() == attachment["sha256"]
    assert downloaded >= 1


def without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


def comparable(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The items but ``crawled_at`` and ``archive``; ``duplicate_of`` as the pairs it makes: of a
    repost pair, the copy exported later names the other, and export order is the downloader's
    (the mirror's truth, tests/mirror/site.py), in a live crawl and in a replay alike."""
    pairs = {frozenset((i["url"], i["duplicate_of"])) for i in items if i["duplicate_of"]}
    return {
        "items": {
            i["url"]: {
                **without(i, "crawled_at", "archive", "duplicate_of"),
                "attachments": [without(a, "archive") for a in i["attachments"]],
            }
            for i in items
        },
        "duplicate_pairs": pairs,
    }


class Listener:
    """A socket listening where the mirror was: counts every connection a replay would make."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_server(("127.0.0.1", port))
        self.socket.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def replay(live: Live, source: Path, name: str, *args: str) -> CrawlResult:
    listener = Listener(live.port)
    try:
        result = run_crawl(
            f"from_archive={source}",
            *args,
            output=live.workdir / f"{name}.jsonl",
            settings={**QUIET, "GOVNEWS_OUTPUT_DIR": str(live.workdir / f"{name}-out")},
        )
    finally:
        listener.close()
    assert listener.connections == 0, "the replay connected to the site"
    return result


def test_a_replay_with_the_site_gone_sends_nothing_and_equals_the_live_feed(live: Live) -> None:
    """No base_url given: the replay takes the archived crawl's from its warcinfo."""
    result = replay(live, live.archive_dir, "replay", "incremental=0", "attachments=1")
    assert result.returncode == 0, result.log[-3000:]
    assert comparable(result.items) == comparable(live.result.items)
    assert all("archive" not in i for i in result.items), "a replay writes no archive: the key is absent"
    assert result.stats.get("govnews/archive/replay/missing", 0) == 0
    assert result.stats["govnews/archive/replay/answered"] == len(live.requests)
    assert not any(k.startswith("downloader/exception") for k in result.stats)


def test_a_replay_of_one_file_counts_and_skips_what_it_lacks(live: Live) -> None:
    """The first file alone: robots.txt and the first pages answer, the rest is counted as
    missing and skipped, never fetched."""
    first = live.warc_files()[0]
    result = replay(live, first, "one-file", "incremental=0", f"base_url={live.base_url}")
    missing = result.stats.get("govnews/archive/replay/missing", 0)
    assert missing >= 1
    # At most what the file holds: a page archived after one the file lacks is never asked for
    # (the walk ends at the missing page), and which pages the first file holds is the
    # downloader's order.
    held = sum(1 for _, r, _ in records(first) if r.rec_type == "response")
    assert 1 <= result.stats["govnews/archive/replay/answered"] <= held
    assert len(result.items) < len(live.result.items)
    assert "not_archived" in result.log


def test_the_run_leaves_a_sorted_cdxj_index_of_every_response(live: Live) -> None:
    (index,) = live.archive_dir.glob("*.cdxj")
    lines = index.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    indexed = set()
    for line in lines:
        key, timestamp, block = line.split(" ", 2)
        entry = json.loads(block)
        assert re.fullmatch(r"\d{14}", timestamp) and ")/" in key  # SURT: host reversed, then the path
        indexed.add((entry["filename"], int(entry["offset"]), entry["url"]))
    responses = {
        (path.name, offset, r.rec_headers.get_header("WARC-Target-URI"))
        for path in live.warc_files()
        for offset, r, _ in records(path)
        if r.rec_type == "response"
    }
    assert responses <= indexed


def test_a_wacz_of_the_run_validates_and_replays_like_the_folder(live: Live) -> None:
    wacz = live.workdir / "run.wacz"
    made = subprocess.run(
        [sys.executable, "-m", "govnews.archive.index", str(live.archive_dir), "--wacz", str(wacz)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    check = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(wacz)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0 and "Validation succeeded" in check.stdout + check.stderr, check.stdout + check.stderr
    result = replay(live, wacz, "wacz-replay", "incremental=0", "attachments=1")
    assert result.returncode == 0, result.log[-3000:]
    assert comparable(result.items) == comparable(live.result.items)


def test_the_family_archives_each_site_in_its_own_folder_and_each_replays(tmp_path: Path) -> None:
    """``scrapy crawl family -a archive=1``: ``<output>/<site>/archive/`` for each site; each
    site's spider replays its own folder with the family's mirror stopped."""
    from tests.conftest import family_crawl_command, run_command  # noqa: PLC0415 - this test only
    from tests.mirror.family import FamilyMirror  # noqa: PLC0415 - this test only

    output = tmp_path / "family"
    with FamilyMirror(seed=2) as mirror:
        urls = dict(list(mirror.base_urls.items())[:2])
        cmd = family_crawl_command(mirror, output, "-a", "archive=1", "-a", "incremental=0", delay=0, urls=urls)
        proc = run_command(cmd, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for key in urls:
        (feed,) = (output / key).glob(f"{key}-*.jsonl")
        live = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
        assert live and all(i["archive"]["file"].startswith(f"{key}/archive/") for i in live)
        replayed = run_crawl(
            f"from_archive={output / key / 'archive'}",
            "incremental=0",
            output=tmp_path / f"{key}-replay.jsonl",
            spider=key,
        )
        assert replayed.returncode == 0, replayed.log[-3000:]
        assert replayed.stats.get("govnews/archive/replay/missing", 0) == 0
        assert comparable(replayed.items) == comparable(live)
