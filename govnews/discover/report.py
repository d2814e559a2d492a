"""What a discovery found: a table for people, a JSON list for code.

Pure: data in, text out; no Scrapy import. The walk (:mod:`govnews.discover.walk`) builds a
:class:`DiscoveryReport`; :func:`render_text` prints it on the terminal and
:func:`columns_json` is what ``-O columns.json`` writes (one object per column).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

Estimate = Literal["exact", "about", "at least"]


@dataclass(frozen=True)
class TableColumn:
    """A column as the site table has it."""

    name: str


@dataclass(frozen=True)
class ColumnReport:
    path: str
    name: str | None
    name_from: str | None
    """Which source named it: ``ColumnName``, ``breadcrumb``, ``title`` or ``link`` (the
    text of a tab, menu entry or "更多" block that leads to it)."""
    names: dict[str, str]
    """What each source says, for a person to compare."""
    url: str
    """The list page read (page 1)."""
    depth: int
    row_form: str
    pager: str
    page_count: int | None
    rows: int
    """The column's rows on page 1."""
    newest: str | None
    oldest: str | None
    articles: int
    articles_estimate: Estimate
    """``exact`` (one page), ``about`` (rows of page 1 × the pager's page count), ``at least``
    (no pager: page 1's rows)."""
    sample: str | None
    body: str
    """The sampled article's body: found by the known ``containers``, by the ``fallback``,
    ``not read`` (the budget ran out) or ``failed: <reason>``."""
    body_container: str | None
    in_table: bool
    table_name: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "name_from": self.name_from,
            "names": self.names,
            "url": self.url,
            "depth": self.depth,
            "row_form": self.row_form,
            "pager": self.pager,
            "page_count": self.page_count,
            "rows_on_page_1": self.rows,
            "newest": self.newest,
            "oldest": self.oldest,
            "articles": self.articles,
            "articles_estimate": self.articles_estimate,
            "sample": self.sample,
            "body": self.body,
            "body_container": self.body_container,
            "in_table": self.in_table,
            "table_name": self.table_name,
        }


@dataclass(frozen=True)
class HostLink:
    host: str
    texts: tuple[str, ...]
    """What the links to it say (市发改委)."""
    table_key: str | None
    """The site table's row of that host, when it has one."""


@dataclass(frozen=True)
class SkipNote:
    reason: str
    wording: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class DiscoveryReport:
    base_url: str
    site_label: str
    """``www.wuhan.gov.cn, row wuhan of the site table`` or ``a host not in the site table``."""
    budget: int
    depth: int
    spent: int
    pages_read: int
    columns: tuple[ColumnReport, ...]
    stopped: str | None
    """The one line that ends a discovery that mapped nothing (``unsupported: …``)."""
    table_missing: tuple[tuple[str, str], ...]
    """Columns of the site's table row that were not found: (path, name)."""
    candidates: tuple[HostLink, ...]
    other_gov_hosts: tuple[HostLink, ...]
    skipped: tuple[SkipNote, ...]
    unexplored: tuple[str, ...]
    """Pages found but not read when the budget ran out (URLs, shallowest first)."""
    too_deep: tuple[str, ...]
    """Pages linked from pages at the depth limit (paths)."""
    budget_spent: bool
    site_names: tuple[str, ...]
    """The site's names as its pages give them (SiteName, the home page's title)."""
    title_suffixes: tuple[str, ...]
    """What column pages' titles add to the column's name (the site's name as titles end)."""


def columns_json(report: DiscoveryReport) -> list[dict[str, Any]]:
    """``-O columns.json``: one object per column, at least ``path`` and ``name``."""
    return [column.as_json() for column in report.columns]


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (CJK) character.

    >>> display_width("武汉要闻"), display_width("li")
    (8, 2)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _count(n: int, noun: str) -> str:
    """``1 column``, ``2 columns``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _articles(column: ColumnReport) -> str:
    prefix = {"exact": "", "about": "~", "at least": "≥"}[column.articles_estimate]
    return f"{prefix}{column.articles}"


def _in_table(column: ColumnReport) -> str:
    if not column.in_table:
        return "no"
    if column.table_name and column.name and column.table_name != column.name:
        return f"yes, as {column.table_name}"
    return "yes"


def _examples(values: tuple[str, ...], count: int) -> str:
    more = " …" if count > len(values) else ""
    return ", ".join(values) + more


def _hosts(links: tuple[HostLink, ...]) -> str:
    parts = []
    for link in links:
        notes = list(link.texts[:2])
        if link.table_key:
            notes.append(f"row {link.table_key}")
        parts.append(f"{link.host} ({'; '.join(notes)})" if notes else link.host)
    return ", ".join(parts)


def render_text(report: DiscoveryReport) -> str:
    """The report for a terminal: one line when the walk stopped, else a table of the
    columns and what was left aside."""
    if report.stopped is not None:
        return f"govnews discover of {report.base_url}: {report.stopped}"
    head = (
        f"govnews discover of {report.base_url} ({report.site_label}): {_count(len(report.columns), 'column')}; "
        f"{report.spent} of {report.budget} requests, depth {report.depth} (nothing exported)"
    )
    lines = [head]
    if report.columns:
        rows = [
            ["path", "name", "named by", "rows", "pager", "pages", "newest", "oldest", "articles", "body", "in table"]
        ]
        for c in report.columns:
            rows.append(
                [
                    c.path,
                    c.name or "?",
                    c.name_from or "-",
                    c.row_form,
                    c.pager,
                    str(c.page_count) if c.page_count is not None else "?",
                    c.newest or "-",
                    c.oldest or "-",
                    _articles(c),
                    c.body,
                    _in_table(c),
                ]
            )
        lines += _table(rows, right=frozenset({5, 8}))
    else:
        lines.append("  no column found: no page read had rows of articles of its own directory")
    if report.table_missing:
        missing = ", ".join(f"{path} {name}" for path, name in report.table_missing)
        lines.append(f"  in the table but not found: {missing}")
    if report.candidates:
        lines.append(
            f"  candidate sites (other hosts of the family's domains, not followed): {_hosts(report.candidates)}"
        )
    if report.other_gov_hosts:
        lines.append(f"  other government sites linked (not followed): {_hosts(report.other_gov_hosts)}")
    for i, note in enumerate(report.skipped):
        label = "skipped:" if i == 0 else "        "
        lines.append(f"  {label} {note.wording}: {note.count} ({_examples(note.examples, note.count)})")
    lines += _unexplored(report)
    return "\n".join(lines)


def _unexplored(report: DiscoveryReport) -> list[str]:
    lines = []
    if report.budget_spent:
        paths = tuple(urlsplit(url).path or "/" for url in report.unexplored)
        lines.append(
            f"  unexplored: the budget of {report.budget} requests ran out with {len(paths)} pages left "
            f"({_examples(paths[:3], len(paths))}); to go on: -a budget={min(2 * report.budget, 2000)}, "
            f"or -a start={paths[0]}"
        )
    if report.too_deep:
        lines.append(
            f"  deeper than depth {report.depth}: {len(report.too_deep)} pages "
            f"({_examples(report.too_deep[:3], len(report.too_deep))}); -a depth={report.depth + 1} follows them"
        )
    if not lines:
        lines.append(f"  unexplored: nothing; every page found within depth {report.depth} was read")
    return lines
