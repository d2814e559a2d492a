"""What changed between two revisions of an article, as data: pure functions, no I/O.

* :mod:`.diff` — the fields a user diffs (:func:`~.diff.revision_fields`), their digest
  (:func:`~.diff.revision_digest`), the change between two revisions (:func:`~.diff.diff`:
  changed fields, attachments added, removed or replaced, paragraph operations with a
  character-level view, a one-line summary) and one line of the changes feed
  (:func:`~.diff.change_record`, validated by ``govnews/schema/change.schema.json``);
* :mod:`.pack` — a revision's fields compressed for the store (:func:`~.pack.pack`,
  :func:`~.pack.unpack`);
* :mod:`.render` — a record as HTML a person reads (``<ins>``/``<del>`` down to the
  character), for the Atom feeds and the page of changes;
* :mod:`.page` — records as one static, self-contained HTML page (``scrapy govnews-changes``).

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.text` besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import none of Scrapy, Twisted and
Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.pipelines`, :mod:`govnews.feeds` and
:mod:`govnews.store`, which it never imports.
"""

from __future__ import annotations

from .diff import (
    CHANGE_KINDS,
    Diff,
    change_record,
    change_schema,
    diff,
    revision_digest,
    revision_fields,
)
from .pack import pack, unpack

__all__ = [
    "CHANGE_KINDS",
    "Diff",
    "change_record",
    "change_schema",
    "diff",
    "pack",
    "revision_digest",
    "revision_fields",
    "unpack",
]
