"""Feeds: how exported items are written.

* :mod:`.storage` — the local file storage of ``FEED_STORAGES`` (one write per line, synced
  to disk before the store records what it holds, a JSON Lines file journaled in the state
  store's manifest), the feed directory and file names;
* :mod:`.exporters` — the CSV exporter for spreadsheets (``FEED_EXPORTERS``).

May import :mod:`govnews.store` (the journal), :mod:`govnews.contract` (what the spider
offers) and :mod:`govnews.logs`; nothing of the crawl, the pipelines or the operators' tools.
"""

from __future__ import annotations

from govnews.feeds.storage import FeedFile, LineAtomicFileFeedStorage, job_id, output_dir, run_job_id, uri_params

__all__ = ["FeedFile", "LineAtomicFileFeedStorage", "job_id", "output_dir", "run_job_id", "uri_params"]
