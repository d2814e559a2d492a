"""Replay speed and the archive's disk cost (issue 32), in one run:

1. the mirror of ``--articles`` articles (every column; gzip in chunks with ``--gzip``) is
   crawled once with ``-a archive=1 -a incremental=0``, a real ``scrapy crawl`` subprocess;
2. the mirror is stopped, and ``scrapy crawl wuhan -a from_archive=… -a incremental=0`` replays
   the archive end to end (spider, every pipeline, the JSONL feed): pages a second (every
   archived answer replayed, articles among them) from its wall time, its CPU and peak RSS;
   its feed is compared with the live feed (every field but ``crawled_at`` and ``archive``):
   the F1 of the replay's items against the live ones;
3. trafilatura re-extracts the same archived article pages (read from the same WARC files,
   decompressed) in a plain loop in this process: pages a second;
4. extraction alone on the same pages, in this process: ``parse_html`` and
   ``parse_article_page`` (govnews.extract) against ``lxml.html.document_fromstring``: ms a
   page and the ratio (median of ``--rounds``);
5. the archive's disk cost: all its bytes per exported article, and an article page's own
   request and response records (gzip members) on average.

Figures are goals, not gates (issue 32: replay ≥ 4× trafilatura's pages a second; extraction
≤ 5× a bare parse). ``python benchmarks/bench_replay.py [--articles 2000] [--gzip] [--profile]``

Needs trafilatura (the ``bench`` extra); without it, step 3 is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html
from warcio.archiveiterator import ArchiveIterator

from benchmarks.harness import FAST_SETTINGS, RenderedOnce, Run, run_measured, sections_of
from govnews.extract.article import parse_article_page
from govnews.extract.html import parse_html
from govnews.sites import wuhan
from tests.mirror.server import MirrorServer

try:
    import trafilatura
    from pyinstrument.session import Session
except ImportError:  # the bench extra is not installed
    trafilatura = None


def crawl_command(*args: str, output: Path, feed: Path) -> list[str]:
    settings = {**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(output), "GOVNEWS_STATE_DIR": str(output / "state")}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "wuhan", "-a", "incremental=0"]
    for arg in args:
        cmd += ["-a", arg]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return [*cmd, "-O", str(feed)]


def items(feed: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for line in feed.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        item.pop("crawled_at", None)
        item.pop("archive", None)
        # Of a repost pair the copy exported later names the other: export order is the
        # downloader's, so the pair counts, not which copy names it.
        if item.get("duplicate_of"):
            item["duplicate_of"] = " ".join(sorted((item["url"], item["duplicate_of"])))
        found[item["url"]] = item
    return pair_duplicates(found)


def pair_duplicates(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each copy of a repost pair marked with the pair, whichever copy named the other."""
    for item in list(found.values()):
        if pair := item.get("duplicate_of"):
            for url in pair.split(" "):
                if url in found:
                    found[url]["duplicate_of"] = pair
    return found


def f1(replayed: dict[str, dict[str, Any]], live: dict[str, dict[str, Any]]) -> float:
    """Items equal to the live crawl's (all fields but crawled_at and archive) count as hits."""
    hits = sum(1 for url, item in replayed.items() if live.get(url) == item)
    if not hits:
        return 0.0
    precision, recall = hits / len(replayed), hits / len(live)
    return 2 * precision * recall / (precision + recall)


def article_records(archive: Path) -> tuple[list[tuple[str, bytes]], int]:
    """(url, decoded HTML) of every archived 200 article page, and the bytes their request and
    response records take (their gzip members)."""
    pages: list[tuple[str, bytes]] = []
    member_bytes = 0
    for path in sorted(archive.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream)
            previous_offset, previous_is_article = 0, False
            for record in iterator:
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                is_article = bool(wuhan.ARTICLE_URL_RE.search(url)) and record.rec_type in ("response", "request")
                ok = record.rec_type == "response" and is_article and record.http_headers.get_statuscode() == "200"
                # Non-empty pages only: an empty body is no page to extract (nor to parse).
                if ok and (body := record.content_stream().read()):
                    pages.append((url, body))
                # After the content: warcio reads the record to its end to know where it began.
                offset = iterator.get_record_offset()
                if previous_is_article:
                    member_bytes += offset - previous_offset
                previous_offset, previous_is_article = offset, is_article
            if previous_is_article:
                member_bytes += path.stat().st_size - previous_offset
    return pages, member_bytes


def median_ms(function: Any, pages: list[tuple[str, bytes]], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        for url, body in pages:
            function(url, body)
        times.append((time.process_time() - started) / len(pages) * 1000)
    return statistics.median(times)


def govnews_extract(url: str, body: bytes) -> None:
    parse_article_page(parse_html(body.decode("utf-8", "replace"), url), url, wuhan.SITE.title_suffix)


def lxml_parse(url: str, body: bytes) -> None:
    lxml.html.document_fromstring(body)


# Where a replay's time goes: the time of each function (the topmost frames of it, with all they
# call) as a share of the whole; the groups do not overlap, but extraction is inside the article
# pages' callback.
PROFILE_GROUPS = (
    ("article pages: the spider's callback", "WuhanSpider.parse_article"),
    ("  of which extraction (parse_article_page)", "parse_article_page"),
    ("list pages: the spider's callback", "WuhanSpider.parse_list"),
    ("archive: the index, at the start", "ReplayMiddleware.spider_opened"),
    ("archive: each record read", "ReplayMiddleware.process_request"),
    ("item pipelines", "ItemPipelineManager._process_chain"),
    ("feed export", "FeedExporter.item_scraped"),
)


def _time_in(frame: Any, function: str) -> float:
    """The time of the topmost frames of ``function`` (``Class.method`` or a function's name)
    under ``frame``."""
    cls, _, name = function.rpartition(".")
    if frame.function == name and (not cls or frame.class_name == cls):
        return float(frame.time)
    return sum(_time_in(child, function) for child in frame.children)


def print_profile(replay_cmd: list[str], server: MirrorServer, work: Path) -> None:
    """The replay once more under pyinstrument (its times are the profiler's, about twice the
    plain run's): the share of each of :data:`PROFILE_GROUPS`."""
    if trafilatura is None:
        print("profile: needs the bench extra (pip install -e '.[bench]')")
        return
    session = work / "replay.pyisession"
    profiled = [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(session), *replay_cmd[1:]]
    run = run_measured(profiled, server)
    if run.returncode != 0:
        print(f"the profiled replay failed (exit {run.returncode}): {run.stderr[-2000:]}")
        return
    root = Session.load(str(session)).root_frame()
    assert root is not None
    total = float(root.time)
    print(f"profile of the replay (pyinstrument, {total:.1f} s profiled):")
    shares = {label: _time_in(root, function) / total for label, function in PROFILE_GROUPS}
    for label, share in shares.items():
        print(f"  {share:6.1%}  {label}")
    rest = 1 - sum(share for label, share in shares.items() if not label.startswith(" "))
    print(f"  {rest:6.1%}  the rest: Scrapy's engine, middlewares and signals, the start-up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000, help="articles of the mirror (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the extraction timing (median)")
    parser.add_argument("--gzip", action="store_true", help="the mirror serves gzip in chunks")
    parser.add_argument(
        "--replay-only", action="store_true", help="the replay alone (memory at scale: --articles 20000)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then replay once more under pyinstrument and print where its time goes (the bench extra)",
    )
    args = parser.parse_args()

    site = RenderedOnce(n_articles=args.articles, per_page=20, seed=args.seed)
    sections = sections_of(site)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = MirrorServer(site, gzip_chunked=args.gzip).start()
        try:
            live_feed = work / "live.jsonl"
            cmd = crawl_command(
                f"base_url={server.base_url}", f"sections={sections}", "archive=1", output=work / "live", feed=live_feed
            )
            live: Run = run_measured(cmd, server)
        finally:
            server.stop()
        if live.returncode != 0:
            sys.exit(f"the archiving crawl failed (exit {live.returncode}):\n{live.stderr[-3000:]}")
        archive = work / "live" / "wuhan" / "archive"
        archive_bytes = sum(p.stat().st_size for p in archive.glob("*.warc.gz"))
        live_items = items(live_feed)
        print(f"mirror of {args.articles} articles{' (gzip, chunked)' if args.gzip else ''}: ", end="")
        print(
            f"the archiving crawl asked {live.pages} pages, exported {len(live_items)} items in {live.wall:.1f} s "
            f"(peak RSS {live.max_rss_mib:.0f} MiB)"
        )

        replay_feed = work / "replay.jsonl"
        # The server is stopped: nothing answers on its port (a request would fail, and show).
        # The replay takes base_url and sections from the archive's warcinfo.
        replay_cmd = crawl_command(f"from_archive={archive}", output=work / "replay", feed=replay_feed)
        replay = run_measured(replay_cmd, server)
        if replay.returncode != 0:
            sys.exit(f"the replay failed (exit {replay.returncode}):\n{replay.stderr[-3000:]}")
        replayed = items(replay_feed)
        score = f1(replayed, live_items)
        for url in sorted(set(replayed) | set(live_items)):
            a, b = replayed.get(url), live_items.get(url)
            if a != b:
                keys = sorted(k for k in set(a or {}) | set(b or {}) if (a or {}).get(k) != (b or {}).get(k))
                print(f"  differs from the live item: {url}: {', '.join(keys) if a and b else 'missing on one side'}")
        pages, member_bytes = article_records(archive)
        crawling = float(replay.stderr.split("'elapsed_time_seconds': ")[1].split(",")[0])
        print(
            f"replay, end to end: {live.pages} archived answers ({len(pages)} article pages) in {replay.wall:.1f} s "
            f"({crawling:.1f} s from the spider's opening to its close: "
            f"{len(pages) / crawling:.0f} article pages/s without Scrapy's start-up): "
            f"{live.pages / replay.wall:.0f} pages/s ({len(pages) / replay.wall:.0f} article pages/s); "
            f"CPU {replay.cpu:.1f} s, peak RSS {replay.max_rss_mib:.0f} MiB; F1 against the live feed {score:.3f}"
        )

        if args.profile:
            print_profile(replay_cmd, server, work)
        if args.replay_only:
            pass
        elif trafilatura is not None:
            started, cpu_started = time.perf_counter(), time.process_time()
            for url, body in pages:
                trafilatura.extract(body, url=url, output_format="json", with_metadata=True)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            rate = len(pages) / wall
            print(
                f"trafilatura, the same {len(pages)} archived article pages in a plain loop: {wall:.1f} s "
                f"(CPU {cpu:.1f} s), {rate:.0f} pages/s; replay / trafilatura, article pages a second: "
                f"{len(pages) / replay.wall / rate:.2f}x wall, {cpu / replay.cpu:.2f}x a CPU second "
                "(the replay's CPU with Scrapy's start-up; goal >= 4x)"
            )
        else:
            print("trafilatura: not installed (pip install -e '.[bench]'); skipped")

        if not args.replay_only:
            extract_ms = median_ms(govnews_extract, pages, args.rounds)
            lxml_ms = median_ms(lxml_parse, pages, args.rounds)
            print(
                f"extraction alone: govnews {extract_ms:.3f} ms a page, a bare lxml parse {lxml_ms:.3f} ms: "
                f"{extract_ms / lxml_ms:.1f}x (goal <= 5x)"
            )
        print(
            f"disk: {archive_bytes / 1024 / 1024:.1f} MiB of WARC for {len(live_items)} articles: "
            f"{archive_bytes / max(1, len(live_items)) / 1024:.1f} KiB an article, list pages, robots.txt and "
            f"warcinfo included; an article page's own request + response records: "
            f"{member_bytes / max(1, len(pages)) / 1024:.1f} KiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
