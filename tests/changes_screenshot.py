"""The mirror's changes, as a page and its picture: ``docs/changes-page.png`` is made by this
script, never by hand::

    .venv/bin/python -m tests.changes_screenshot              # writes docs/changes-page.png
    .venv/bin/python -m tests.changes_screenshot --out /tmp/changes.png --keep /tmp/changes

:func:`mirror_changes` is the story (tests/test_changes_page.py tells it too): the mirror
serves two columns; real ``scrapy crawl`` runs, days apart (libfaketime), see the site lapse a
policy (有效性 → 失效), fix a word, add and remove paragraphs, retitle a notice, withdraw two
articles and bring one back. ``scrapy govnews-changes`` renders every change feed of those runs
as one page, which headless Chromium (Debian's) shows, as a reader's browser would.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests import browser, faketime
from tests.conftest import ROOT, run_command
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite
from tests.test_changes_e2e import RECHECK_ALL
from tests.test_incremental import crawl_cmd

PICTURE = ROOT / "docs" / "changes-page.png"
SECTIONS = ("/zwgk/xxgk/zfwj/szfwj/", "/sy/whyw/")
EDITS = {
    "set_validity": "/zwgk/xxgk/zfwj/szfwj/",
    "edit_wording": "/zwgk/xxgk/zfwj/szfwj/",
    "retitle": "/sy/whyw/",
    "add_paragraph": "/sy/whyw/",
    "remove_paragraph": "/sy/whyw/",
}
"""Each edit the site makes, and the column of its article."""


@dataclass
class MirrorChanges:
    """What :func:`mirror_changes` leaves: the site (its truth), where it was served, which article
    each move took, the truth before the moves, and the runs' changes feeds."""

    site: MirrorSite
    base_url: str
    moved: dict[str, str]
    """Move (``set_validity`` …, ``withdraw``, ``restore``) → the article's path."""
    truth: dict[str, dict[str, object] | None]
    """Path → ``expected_change`` right after the moves (before any run looked)."""
    titles: dict[str, str]
    """Path → its title before the moves (what a reader last saw)."""
    feeds: list[Path]


def _crawl(server: MirrorServer, workdir: Path, *args: str, days: float) -> None:
    sections = "sections=" + ",".join(s.strip("/") for s in SECTIONS)
    cmd = crawl_cmd(server.base_url, workdir, "attachments=1", sections, *args, settings=RECHECK_ALL)
    proc = run_command(faketime.command(cmd, days) if days else cmd, timeout=300)
    if proc.returncode != 0 or '"finish_reason": "finished"' not in proc.stderr:
        raise RuntimeError(f"crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def mirror_changes(workdir: Path, *, port: int = 0) -> MirrorChanges:
    """Four runs of the mirror's two columns, the site changing between them (needs libfaketime):

    1. the first run exports every article;
    2. the site makes each edit of :data:`EDITS` and withdraws two articles; a run 90 days later
       (an audit) reports the edits, and finds the two pages gone (candidates);
    3. a run 90 days after that confirms both withdrawals;
    4. one of the two comes back; a run 90 days later reports it restored.
    """
    site = MirrorSite(n_articles=80, per_page=10, seed=30)
    with MirrorServer(site, port=port) as server:
        _crawl(server, workdir, days=0)
        site.checkpoint()
        taken: set[str] = set()
        moved: dict[str, str] = {}
        for move, column in (*EDITS.items(), ("withdraw", "/sy/whyw/"), ("withdraw_too", "/sy/whyw/")):
            kind = move.removesuffix("_too")
            path = next(p for p in site.move_candidates(kind, column) if p not in taken)
            taken.add(path)
            moved[move] = path
        titles = {path: site.expected_article(path)["title"] for path in moved.values()}
        for move, path in moved.items():
            getattr(site, move.removesuffix("_too"))(path)
        truth = {path: site.expected_change(path) for path in moved.values()}
        _crawl(server, workdir, "audit=1", days=90)
        _crawl(server, workdir, "audit=1", days=180)
        site.checkpoint()
        site.restore(moved["withdraw_too"])
        moved["restore"] = moved.pop("withdraw_too")
        _crawl(server, workdir, days=270)
        base_url = server.base_url
    feeds = sorted((workdir / "output" / "wuhan" / "changes").glob("wuhan-*.jsonl"))
    return MirrorChanges(site, base_url, moved, truth, titles, feeds)


def render(feeds: list[Path], page: Path) -> str:
    """``scrapy govnews-changes`` over ``feeds``, the page at ``page``: what it printed."""
    cmd = [sys.executable, "-m", "scrapy", "govnews-changes", *map(str, feeds), "-o", str(page)]
    proc = run_command(cmd, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"govnews-changes failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PICTURE, help=f"the PNG (default {PICTURE.relative_to(ROOT)})")
    parser.add_argument("--port", type=int, default=0, help="serve the mirror on this port (default: a free one)")
    parser.add_argument("--keep", type=Path, help="keep the runs' output and the page in this folder")
    args = parser.parse_args(argv)
    if browser.binaries() is None or faketime.library() is None:
        print(
            f"needs {browser.INSTALL_HINT.split(': ')[1]} and {faketime.INSTALL_HINT.split(': ')[1]}", file=sys.stderr
        )
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="govnews-changes-")) if args.keep is None else args.keep
    try:
        changes = mirror_changes(workdir, port=args.port)
        page = workdir / "changes.html"
        print(render(changes.feeds, page), end="")
        with browser.chromium() as driver:
            driver.get(page.as_uri())
            browser.screenshot(driver, args.out)
        print(f"screenshot: {args.out}")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
