"""``scrapy govnews-changes``: the changes of a run, or of the last N days, as one HTML page.

An entry point in ``pyproject.toml``, as ``govnews-state`` (``COMMANDS_MODULE`` names a command
by its module, and a module's name cannot hold a hyphen).

::

    scrapy govnews-changes output/wuhan/changes/wuhan-2026-12-07T01-02-03+00-00-local-1.jsonl
    scrapy govnews-changes --days 7                 # every change found in the last 7 days
    scrapy govnews-changes --days 30 --spider wuhan -o changes.html

It reads changes feeds (:mod:`govnews.changes`, one record a line): the files named, or, with
``--days``, every file of ``<GOVNEWS_OUTPUT_DIR>/<spider>/changes/`` written in the period, of
which it keeps the records found in it (``detected_at``). It writes one self-contained page
(:func:`govnews.changes.page.render_page`: no script, nothing fetched) beside the feed (its
name with ``.html``), or for ``--days`` as ``changes-last-<N>-days.html`` in that folder, or at
``-o``, and prints its path. A line that is not a change record (the last line of a run killed
while writing it) is skipped and said on stderr. Exit code 2 for a bad use (no feed, a file
that is not there).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from govnews.changes import change_schema
from govnews.changes.page import render_page
from govnews.feeds import output_dir
from govnews.feeds.storage import replace_file
from govnews.sites.family import SITES

EXIT_USAGE = 2


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def read_records(paths: Iterable[Path], *, since: datetime | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The change records of ``paths`` (those found at ``since`` or later), and what was skipped:
    a line that is not JSON or not a record, each said ``<file>:<line>: why``."""
    validator = jsonschema.Draft202012Validator(change_schema())
    records: list[dict[str, Any]] = []
    skipped: list[str] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                skipped.append(f"{path}:{number}: not JSON (a line cut by a killed run?)")
                continue
            error = jsonschema.exceptions.best_match(validator.iter_errors(record))
            if error is not None:
                skipped.append(f"{path}:{number}: not a change record ({error.message})")
                continue
            if since is None or _moment(record["detected_at"]) >= since:
                records.append(record)
    return records, skipped


def column_names() -> dict[str, str]:
    """Every known column's name by its path, from the family's table."""
    return {column.path: column.name for site in SITES for column in site.columns}


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[CHANGES_FEED.jsonl …] [--days N] [--spider NAME] [-o PAGE.html]"

    def short_desc(self) -> str:
        return "Render the changes of a run, or of the last N days, as one HTML page"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--days", type=int, metavar="N", help="every change found in the last N days")
        parser.add_argument("--spider", default="wuhan", help="with --days: whose changes feeds (default: wuhan)")
        parser.add_argument("-o", "--output", metavar="PAGE", help="where to write the page")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if bool(args) == (opts.days is not None):
            raise UsageError("name a run's changes feed, or give --days N (one of the two)")
        now = datetime.now(UTC)
        if opts.days is not None:
            if opts.days < 1:
                raise UsageError(f"--days must be 1 or more, got {opts.days}")
            folder = output_dir(self.settings.get("GOVNEWS_OUTPUT_DIR")) / opts.spider / "changes"
            since = now - timedelta(days=opts.days)
            # A file last written before the period holds nothing found in it.
            paths = sorted(p for p in folder.glob("*.jsonl") if p.stat().st_mtime >= since.timestamp())
            period = f"{opts.spider}：最近 {opts.days} 天（{since:%Y-%m-%d %H:%M} UTC 起）发现的变化"
            default = folder / f"changes-last-{opts.days}-days.html"
        else:
            paths = [Path(a) for a in args]
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                print(f"error: no such changes feed: {', '.join(missing)}", file=sys.stderr)
                self.exitcode = EXIT_USAGE
                return
            since = None
            period = "、".join(p.name for p in paths)
            default = paths[0].with_suffix(".html")
        records, skipped = read_records(paths, since=since)
        for why in skipped:
            print(f"skipped {why}", file=sys.stderr)
        page = render_page(
            records,
            title="govnews · 变化",
            period=period,
            column_names=column_names(),
            generated_at=f"{now:%Y-%m-%d %H:%M} UTC",
        )
        target = Path(opts.output) if opts.output else default
        replace_file(target.resolve(), page.encode("utf-8"))
        print(f"{len(records)} change(s) from {len(paths)} feed(s): {target}")
