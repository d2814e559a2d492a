"""Feeds: how exported items are written.

* :mod:`.storage` — the local file storage of ``FEED_STORAGES`` (one write per line, synced
  to disk before the store records what it holds, a JSON Lines file journaled in the state
  store's manifest), the feed directory and file names;
* :mod:`.exporters` — the CSV exporter for spreadsheets (``FEED_EXPORTERS``);
* :mod:`.atom` — the Atom exporter (``-o column.atom``: full text, the policy header as
  categories, files as enclosures, each article's change), and the entries of articles
  withdrawn, unlisted or restored added at the run's end;
* :mod:`.filters` — ``item_filter`` by column, for a feed of each column.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import :mod:`govnews.contract`, :mod:`govnews.store`, :mod:`govnews.changes`,
:mod:`govnews.logs` and :mod:`govnews.text` besides what every part reads
(:mod:`govnews.settings`, :mod:`govnews.stats_keys` and ``govnews.__version__``); may import
Scrapy and Twisted, not Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.pipelines`,
:mod:`govnews.crawl` and :mod:`govnews.archive`, which it never imports.
"""

from __future__ import annotations

from govnews.feeds.storage import FeedFile, LineAtomicFileFeedStorage, job_id, output_dir, run_job_id, uri_params

__all__ = ["FeedFile", "LineAtomicFileFeedStorage", "job_id", "output_dir", "run_job_id", "uri_params"]
