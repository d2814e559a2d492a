"""Attachments end to end: ``scrapy crawl wuhan -a attachments=1`` as a real subprocess
against the mirror serving the generator's real files (tests/mirror/files.py), every
attachment compared with the generator's truth, every document with the mirror's; the
store's side over several runs, read from the mirror's request and response logs.

The files need the CJK font and the Debian tools (LibreOffice and 7z to make them, catdoc to
read DOC and WPS): without them these tests skip with the apt-get line, unless
GOVNEWS_REQUIRE_DOC_TOOLS is set (CI), where they fail.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from govnews.documents.result import MIB
from govnews.pipelines.validate import article_schema
from tests.conftest import CrawlResult, run_crawl
from tests.doc_tools import lines_of, missing, require_catdoc
from tests.mirror.documents import MissingTool
from tests.mirror.files import Shelf, build_shelf
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_crawl_e2e import expected_for

SIZE_CAP = 4 * MIB  # the bombs are ~3 MB; the oversize file is one byte over this
TIME_LIMIT = 2.0  # slow.pdf takes ~10 s to read; every other file milliseconds
ALL_COLUMNS = (
    "sy/whyw,sy/kwh,zwgk/tzgg,zwgk/xxgk/zcjd,zwgk/xxgk/zfwj/szfwj,zwgk/xxgk/zfwj/gfxwj,zwgk/xxgk/zfgz_new,whyw/gqdt"
)
POLICY_COLUMNS = "zwgk/xxgk/zcjd,zwgk/xxgk/zfwj/szfwj,zwgk/xxgk/zfwj/gfxwj,zwgk/xxgk/zfgz_new"
HOSTILE_REASONS = {
    "truncated",
    "encrypted",
    "corrupt",
    "not_a_document",
    "empty",
    "decompression_bomb",
    "too_large",
    "timeout",
}


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Shelf:
    require_catdoc()
    try:
        return build_shelf(tmp_path_factory.mktemp("files"), size_cap=SIZE_CAP)
    except MissingTool as exc:
        missing(str(exc))
        raise


def settings_for(directory: Path, **more: Any) -> dict[str, str]:
    """Quick and quiet, the size cap and time limit the shelf's hostile files are made for,
    feeds, files and state under ``directory``."""
    return {
        "GOVNEWS_ATTACHMENT_MAX_SIZE": str(SIZE_CAP),
        "GOVNEWS_ATTACHMENT_TIME_LIMIT": str(TIME_LIMIT),
        "GOVNEWS_OUTPUT_DIR": str(directory / "output"),
        "GOVNEWS_STATE_DIR": str(directory / "state"),
        **{key: str(value) for key, value in more.items()},
    }


def crawl(server: MirrorServer, directory: Path, run: str, *args: str, **settings: Any) -> CrawlResult:
    result = run_crawl(
        f"base_url={server.base_url}",
        *args,
        output=directory / f"{run}.jsonl",
        settings=settings_for(directory, **settings),
    )
    assert result.returncode == 0, result.log[-4000:]
    return result


def file_requests(server: MirrorServer) -> list[str]:
    """The attachment downloads the server saw (``…/P0<digits>.<ext>``)."""
    return [path for path in server.requests if "/P0" in path]


def check_attachment(attachment: dict[str, Any], site: MirrorSite, files_dir: Path) -> None:
    """``attachment`` of an item is what the mirror served at its URL, as the generator's
    truth says: its bytes (stored under FILES_STORE), kind, pages, members, text or reason."""
    url = str(attachment["url"])
    served = site.served_file(urlsplit(url).path) if url.startswith("http://127.0.0.1") else None
    if served is None:  # a file on another host: never fetched
        assert attachment["reason"] == "offsite", url
        assert all(attachment[k] is None for k in ("path", "sha256", "size", "kind", "text")), url
        return
    if served.reason == "too_large":
        # Stopped by DOWNLOAD_MAXSIZE before any byte of the body was kept.
        assert (attachment["reason"], attachment["sha256"], attachment["text"]) == ("too_large", None, None), url
        return
    assert attachment["sha256"] == hashlib.sha256(served.data).hexdigest(), url
    assert attachment["size"] == len(served.data), url
    assert (files_dir / attachment["path"]).read_bytes() == served.data, url
    assert attachment["content_type"] == served.content_type, url
    assert (attachment["kind"], attachment["reason"], attachment["pages"]) == (
        served.kind,
        served.reason,
        served.pages,
    ), url
    assert attachment["members"] == (list(served.members) if served.members is not None else None), url
    assert attachment["scanned_pages"] == (list(served.scanned_pages) if served.scanned_pages is not None else None), (
        url
    )
    assert (attachment["ocr_pages"], attachment["text_truncated"]) == (None, False), url
    if served.text is None:
        assert attachment["text"] is None, url
    else:
        assert attachment["text"] is not None, url
        assert lines_of(attachment["text"]) == lines_of(served.text), url


# -- one crawl, every file -------------------------------------------------------------------


@pytest.fixture(scope="module")
def files_site(shelf: Shelf) -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0, files=shelf)


@pytest.fixture(scope="module")
def files_server(files_site: MirrorSite) -> Iterator[MirrorServer]:
    with MirrorServer(files_site) as server:
        yield server


@pytest.fixture(scope="module")
def first_run(files_server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, Path]:
    directory = tmp_path_factory.mktemp("attachments")
    files_server.clear_requests()
    result = crawl(files_server, directory, "run1", f"sections={ALL_COLUMNS}", "attachments=1")
    return result, directory


def test_every_attachment_is_downloaded_once_and_reads_as_the_generators_truth(
    first_run: tuple[CrawlResult, Path], files_server: MirrorServer, files_site: MirrorSite
) -> None:
    result, directory = first_run
    files_dir = directory / "output" / "wuhan" / "files"
    attachments = [a for item in result.items for a in item["attachments"]]
    served = {urlsplit(a["url"]).path for a in attachments if a["url"].startswith(files_server.base_url)}
    assert len(attachments) >= 40
    for attachment in attachments:
        check_attachment(attachment, files_site, files_dir)
    # Every file of the site was asked for once (the shared one too: once for two articles).
    downloads = Counter(file_requests(files_server))
    assert set(downloads) == served
    assert max(downloads.values()) == 1
    # Every kind the generator writes, every hostile file with its reason.
    reasons = Counter(a["reason"] for a in attachments)
    assert set(reasons) >= HOSTILE_REASONS, reasons
    assert set(reasons) >= {"no_text_layer", "archive", "blank", "offsite"}
    kinds = {a["kind"] for a in attachments}
    assert {"pdf", "docx", "xlsx", "xls", "doc", "wps", "ofd", "zip", "rar", "7z", "image", "html"} <= kinds
    texts = [a for a in attachments if a["text"] is not None]
    assert len(texts) >= 20 and all(a["reason"] is None for a in texts)
    # Counted under govnews/attachments/, each file once, and logged once when it has no text.
    for reason in HOSTILE_REASONS:
        assert result.stats[f"govnews/attachments/reason/{reason}"] >= 1, reason
        urls = {a["url"] for a in attachments if a["reason"] == reason}
        for url in urls:
            assert result.log.count(f"attachment {url} of ") == 1, url
    assert result.stats["govnews/attachments/read"] == len({a["url"] for a in texts})
    # The file on another host was never asked for, not even refused at the downloader.
    assert result.stats.get("govnews/security/offsite_blocked", 0) == 0
    assert not [p for p in files_server.requests if "example.net" in p]


def test_every_item_and_document_equals_the_truth_on_every_header_form(
    first_run: tuple[CrawlResult, Path], files_server: MirrorServer, files_site: MirrorSite
) -> None:
    result, _ = first_run
    expected = expected_for(files_site, files_server.base_url)
    assert sorted(i["url"] for i in result.items) == sorted(expected)
    validator = Draft202012Validator(article_schema())
    forms: Counter[str] = Counter()
    for item in result.items:
        assert not list(validator.iter_errors(item)), item["url"]
        truth = expected[item["url"]]
        for key, value in truth.items():
            if key == "attachments":
                assert [{"url": a["url"], "name": a["name"]} for a in item[key]] == value, item["url"]
            else:
                assert item[key] == value, f"{item['url']}: {key}"
        if item["document"] is not None and item["attachments"]:
            path = urlsplit(item["url"]).path
            forms[files_site.policy_header_form(path)] += 1
    # Policy documents with files, their header in every form: div.sub, table, list, lines, meta tags.
    assert {"sub", "table", "ul", "lines", "meta"} <= set(forms), forms
    documents = [i["document"] for i in result.items if i["document"]]
    assert {d["in_force"] for d in documents} == {True, False, None}


def test_the_crawls_health_passes_with_the_attachment_share_judged(first_run: tuple[CrawlResult, Path]) -> None:
    result, directory = first_run
    summary = json.loads((directory / "run1.jsonl.summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "passed", summary
    shares = [c for c in summary["checks"] if c["name"] == "attachment_text_share"]
    assert len(shares) >= 4 and all(c["passed"] for c in shares)
    assert not re.findall(r"\] ERROR: .*", result.log), "no ERROR line: every bad file is a WARNING"


def test_a_second_run_downloads_nothing_for_unchanged_articles(
    first_run: tuple[CrawlResult, Path], files_server: MirrorServer, files_site: MirrorSite
) -> None:
    """Every article page fetched again (``urls``: no conditional request, every page
    answers 200 and goes through the pipelines): the store knows each one unchanged, files
    included, so not one file is asked for."""
    result, directory = first_run
    urls = sorted(item["url"] for item in result.items)
    files_server.clear_requests()
    second = crawl(files_server, directory, "run2", f"urls={','.join(urls)}", "attachments=1")
    pages = {files_server.url(p) for p in files_server.requests if "/t20" in p}
    assert pages >= set(urls), "every article page was fetched again"
    assert file_requests(files_server) == []
    assert second.items == []
    assert second.stats["govnews/state/unchanged"] == len(urls)
    assert "govnews/attachments/requested" not in second.stats


def test_without_the_argument_nothing_is_downloaded(shelf: Shelf, tmp_path: Path) -> None:
    site = MirrorSite(n_articles=20, per_page=5, seed=0, files=shelf)
    with MirrorServer(site) as server:
        result = crawl(server, tmp_path, "off", f"sections={POLICY_COLUMNS}")
        assert file_requests(server) == []
    attachments = [a for item in result.items for a in item["attachments"]]
    assert attachments and all(set(a) == {"url", "name"} for a in attachments)
    assert not (tmp_path / "output" / "wuhan" / "files").exists()
    assert not [key for key in result.stats if key.startswith("govnews/attachments/")]


# -- the store's side over runs ----------------------------------------------------------------


def test_a_file_replaced_under_its_url_is_a_new_revision_and_a_304_keeps_the_text(shelf: Shelf, tmp_path: Path) -> None:
    """Run 1 reads every file. Then article A is edited and two of its files replaced under
    the same URL, one of them the file A shares with article B. Run 2 (A again) asks for A's
    files with conditional requests: the replaced ones answer 200 and give their new text,
    the others 304 and keep theirs. Run 3 (B, whose page did not change, and C, which shares
    nothing) exports B again, as revision 2: its shared file's checksum changed; C is
    unchanged and not one of its files is asked for."""
    site = MirrorSite(n_articles=40, per_page=5, seed=0, files=shelf)
    assert site.shared_file is not None
    shared, (a_path, b_path) = site.shared_file
    extra = site.extra_files()
    with MirrorServer(site) as server:
        first = crawl(server, tmp_path, "run1", f"sections={ALL_COLUMNS}", "attachments=1")
        by_url = {item["url"]: item for item in first.items}
        a_url, b_url = server.url(a_path), server.url(b_path)
        a_files = [
            urlsplit(x["url"]).path for x in by_url[a_url]["attachments"] if x["url"].startswith(server.base_url)
        ]
        replaceable = [p for p in a_files if p != shared and p.endswith((".pdf", ".docx")) and p in extra[a_path]]
        replaced = {replaceable[0], shared}
        c_path = next(
            p
            for p in extra
            if p not in (a_path, b_path)
            and not {shared} & set(extra[p])
            and len(by_url[server.url(p)]["attachments"]) > 1
        )
        site.edit(a_path)
        for path in replaced:
            new = site.replace_file(path)
            assert new.text is not None

        server.clear_requests()
        second = crawl(server, tmp_path, "run2", f"urls={a_url}", "attachments=1")
        ((a2,),) = [second.items]
        assert a2["revision"] == 2
        answers = {path: status for path, status in server.responses if "/P0" in path}
        # The known files were asked for with their validators: replaced ones 200, the rest 304.
        assert set(answers) == set(a_files)
        assert {p for p, status in answers.items() if status == 200} == replaced
        assert {p for p, status in answers.items() if status == 304} == set(a_files) - replaced
        before = {x["url"]: x for x in by_url[a_url]["attachments"]}
        files_dir = tmp_path / "output" / "wuhan" / "files"
        for attachment in a2["attachments"]:
            check_attachment(attachment, site, files_dir)
            path = urlsplit(attachment["url"]).path
            if path in replaced:
                assert attachment["sha256"] != before[attachment["url"]]["sha256"]
            elif attachment["url"] in before:
                # 304: the text, checksum and path stored in run 1.
                kept = before[attachment["url"]]
                assert {k: attachment[k] for k in ("sha256", "path", "text", "reason")} == {
                    k: kept[k] for k in ("sha256", "path", "text", "reason")
                }
        assert second.stats["govnews/attachments/not_modified"] == len(a_files) - len(replaced)

        server.clear_requests()
        third = crawl(server, tmp_path, "run3", f"urls={b_url},{server.url(c_path)}", "attachments=1")
        assert [item["url"] for item in third.items] == [b_url], "B is a new revision, C is unchanged"
        (b2,) = third.items
        assert b2["revision"] == 2
        assert b2["content_hash"] != by_url[b_url]["content_hash"]
        shared_now = next(x for x in b2["attachments"] if urlsplit(x["url"]).path == shared)
        check_attachment(shared_now, site, files_dir)
        # C's files: not one asked for; B's: each with a conditional request, each 304.
        asked = {path: status for path, status in server.responses if "/P0" in path}
        assert not set(extra[c_path]) & set(asked)
        assert asked and set(asked.values()) == {304}
        assert third.stats["govnews/state/unchanged"] == 1


def test_downloads_keep_the_hosts_floor_and_scrapys_retries(shelf: Shelf, tmp_path: Path) -> None:
    """Files go through the crawl's downloader: one request at a time to the host, each at
    least DOWNLOAD_DELAY after the previous answer (govnews.crawl.politeness), pages and files
    alike; a file answering 503 once is retried and read."""
    delay = 0.2
    site = MirrorSite(n_articles=20, per_page=5, seed=0, files=shelf)
    flaky = next(p for paths in site.extra_files().values() for p in paths if p.endswith(".docx"))
    site.fail(flaky, 503, times=1)
    with MirrorServer(site) as server:
        result = crawl(
            server,
            tmp_path,
            "polite",
            f"sections={POLICY_COLUMNS}",
            "attachments=1",
            DOWNLOAD_DELAY=delay,
            CONCURRENT_REQUESTS_PER_DOMAIN=1,
        )
        arrivals = server.arrivals
    files = [path for _, path in arrivals if "/P0" in path]
    assert len(files) >= 15 and files.count(flaky) == 2
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.9 * delay, sorted(gaps)[:5]
    assert result.stats["retry/count"] >= 1
    read = [a for item in result.items for a in item["attachments"] if urlsplit(a["url"]).path == flaky]
    assert read and all(a["text"] for a in read)
    for attachment in read:
        check_attachment(attachment, site, tmp_path / "output" / "wuhan" / "files")


def test_with_ocr_the_scans_are_read_in_their_pages(shelf: Shelf, tmp_path: Path) -> None:
    """``-a ocr=1`` on the policy articles carrying the scans: each scanned PDF and image is
    read by OCR (``ocr_pages`` equals ``scanned_pages``, reason null), typed pages keep their
    text layer, every other file reads as without OCR; the pages are counted."""
    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        missing("the OCR engine is not installed: pip install -e '.[ocr]'")
    site = MirrorSite(n_articles=20, per_page=5, seed=0, files=shelf)
    with_scans = [
        article
        for article, files in site.extra_files().items()
        if any((served := site.served_file(path)) is not None and served.scanned_pages for path in files)
    ]
    with MirrorServer(site) as server:
        urls = ",".join(server.url(path) for path in with_scans)
        result = crawl(server, tmp_path, "ocr", f"urls={urls}", "ocr=1", GOVNEWS_OCR_PAGE_TIME_LIMIT=120)
    files_dir = tmp_path / "output" / "wuhan" / "files"
    scanned = 0
    for attachment in [a for item in result.items for a in item["attachments"]]:
        served = site.served_file(urlsplit(attachment["url"]).path) if "/P0" in attachment["url"] else None
        if served is None or not served.scanned_pages:
            if served is not None and served.reason != "too_large":
                check_attachment({**attachment, "ocr_pages": None}, site, files_dir)
            continue
        scanned += len(served.scanned_pages)
        assert attachment["scanned_pages"] == list(served.scanned_pages), served.name
        assert (attachment["ocr_pages"], attachment["reason"]) == (list(served.scanned_pages), None), served.name
        assert attachment["text"].count("\f") == served.pages - 1, served.name
        if served.text is not None:  # typed pages around a scan: their text layer, line by line
            read, truth = attachment["text"].split("\f"), served.text.split("\f")
            for number in set(range(1, served.pages + 1)) - set(served.scanned_pages):
                assert lines_of(read[number - 1]) == lines_of(truth[number - 1]), served.name
    assert scanned >= 6
    assert result.stats["govnews/attachments/ocr_pages"] == result.stats["govnews/attachments/scanned_pages"] == scanned
