"""Every ``govnews/...`` crawl stats key, built here and nowhere else.

A key is ``govnews/<component>/<event>``: the component that counts, then what it counted.
Each component is one :class:`Component` below; per-column counters have their own function,
:func:`column`, since the column's path sits between the component and the event. The
writers (the spider, the pipelines, the middlewares) and the readers (the health checks, the
summary, the terminal's block, the family's report) import the same names, so a key cannot
drift between the two. docs/health.md and the docstrings of each writer list the keys.

Pure: no import, so every part of the package may import it (like :mod:`govnews.settings`).

>>> STATE("new"), COLUMN_PREFIX, column("/sy/whyw/", "items"), column("/sy/whyw/", "field", "title")
('govnews/state/new', 'govnews/column/', 'govnews/column/sy/whyw/items', 'govnews/column/sy/whyw/field/title')
>>> ARTICLE("failed", "http_404"), ARTICLE.prefix_of("failed"), key("list/pages")
('govnews/article/failed/http_404', 'govnews/article/failed/', 'govnews/list/pages')
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "govnews"


def key(*parts: str) -> str:
    """``govnews/<parts joined by />``: ``key("state", "new")`` → ``govnews/state/new``."""
    return "/".join((ROOT, *parts))


@dataclass(frozen=True)
class Component:
    """The counters of one component: ``Component("state")("new")`` → ``govnews/state/new``."""

    name: str

    def __call__(self, *event: str) -> str:
        return key(self.name, *event)

    @property
    def prefix(self) -> str:
        """``govnews/<component>/``: what every key of the component starts with."""
        return self.prefix_of()

    def prefix_of(self, *event: str) -> str:
        """What the keys under ``event`` start with: ``ARTICLE.prefix_of("failed")`` →
        ``govnews/article/failed/`` (the reasons follow)."""
        return key(self.name, *event, "")


# -- the crawl (govnews.crawl) ---------------------------------------------------------------
LIST = Component("list")
"""List pages: read, empty, failed by reason, their pager and row forms."""
ARTICLE = Component("article")
"""Article pages: failed or skipped, by reason."""
EXTRACT = Component("extract")
"""What the extractors met: the body's fallback, where ``published_at`` came from …"""
AUDIT = Component("audit")
"""An audit walk: its list pages and what it found."""
DISCOVER = Component("discover")
"""The discover mode of the probe: links, pages, columns."""
ARCHIVE = Component("archive")
"""The WARC archive (govnews.archive): records written, revisits, bytes, files, failed writes;
a replay's ``replay/answered``, ``replay/missing`` and ``replay/records``."""
POLITENESS = Component("politeness")
"""The download handler: waits, turns, the shared budget."""
FENCE = Component("fence")
"""The lease's fence: requests refused, connections aborted, items withheld."""
SECURITY = Component("security")
"""Requests refused for their host."""
BLOCKED = Component("blocked")
"""Answers that say the crawl is blocked (412, 429, a challenge page)."""
STOP = Component("stop")
"""A stop: requests cancelled in flight."""

# -- the pipelines (govnews.pipelines), in the order they run ---------------------------------
TEXT_HYGIENE = Component("text_hygiene")
TEMPLATE_RESIDUE = Component("template_residue")
PARAGRAPH_DEDUP = Component("paragraph_dedup")
VALIDATE = Component("validate")
ARTICLE_DEDUP = Component("article_dedup")
STATE = Component("state")
"""The store's side of a run: new, changed, unchanged, recorded, the store's own events."""
ATTACHMENTS = Component("attachments")
CHANGES = Component("changes")
"""Change records (issue 29): per kind (``edited``, ``withdrawn``, ``unlisted``,
``restored``), lines ``written`` and the changes ``feed``, ``owed_written`` (committed by a run
that died before writing them), ``no_previous_fields`` (a revision of an article kept by an
older release: no record), ``second_looks``, ``row_changed``."""

# -- the feeds and the verdict ---------------------------------------------------------------
FEED = Component("feed")
"""Feed writes that failed, lines cut; ``atom_status_entries`` (entries of withdrawn, unlisted
and restored articles added to the Atom feeds at the run's end)."""
HEALTH = Component("health")
"""The end-of-run verdict (govnews.ops.health)."""

COLUMN = Component("column")
COLUMN_PREFIX = COLUMN.prefix
"""``govnews/column/``: every per-column counter starts with it."""


def column_prefix(path: str) -> str:
    """The keys of one column, ``/sy/whyw/`` → ``govnews/column/sy/whyw`` (its path without the
    slashes at its ends)."""
    return COLUMN(path.strip("/"))


def column(path: str, *event: str) -> str:
    """A per-column counter: ``govnews/column/<path without end slashes>/<event>``, read by the
    end-of-run health checks, the summary and the terminal's closing block."""
    return "/".join((column_prefix(path), *event))
