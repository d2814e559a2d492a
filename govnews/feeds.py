"""Where feeds go and how they are written.

* ``GOVNEWS_OUTPUT_DIR`` (absolute) decides the directory; by default ``output/`` of the
  checkout the package runs from, else the user's data directory (:mod:`govnews.paths`):
  never the working directory, so a checkout and scrapyd agree.
* File names carry the spider, the run's start time and the job (scrapyd's job id, from
  its ``_job`` argument, or ``local-<pid>``), so no run overwrites another's file.
* Every line is written with one unbuffered write: a run killed at any moment leaves
  whole lines, at most the one being written cut short (and that one is repaired by the
  next incremental run, see :mod:`govnews.state`).
* A JSON Lines feed of an incremental run is journaled: its path goes into the state
  store's manifest when it opens (:meth:`govnews.incremental.IncrementalRun.feed_opened`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage

from govnews.paths import default_output_dir, directory_setting

_UNSAFE_CHARS_RE = re.compile(r"[^A-Za-z0-9_.-]+")
_JOURNALED_FORMATS = ("jsonlines", "jl")


def output_dir(setting: str | None) -> Path:
    """The feed directory from the ``GOVNEWS_OUTPUT_DIR`` setting (absolute) or the default."""
    return directory_setting("GOVNEWS_OUTPUT_DIR", setting, default_output_dir)


def job_id(spider: Spider | None = None) -> str:
    """scrapyd's job id (the spider argument ``_job``), else ``local-<pid>``."""
    job = getattr(spider, "scrapyd_job", None) or os.environ.get("SCRAPY_JOB") or f"local-{os.getpid()}"
    return _UNSAFE_CHARS_RE.sub("_", job)[:64]


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: adds ``output_dir`` and ``job`` to Scrapy's own parameters.

    Values come from settings and the environment, never from spider arguments, so
    no ``-a`` value can steer where a file is written.
    """
    directory = output_dir(spider.crawler.settings.get("GOVNEWS_OUTPUT_DIR"))
    return {**params, "output_dir": str(directory), "job": job_id(spider)}


class LineAtomicFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage, unbuffered: each exported line reaches the file in
    one ``write`` call, so a killed crawl never leaves half-buffered items behind. A
    JSON Lines file is handed to the run's state store as part of its journal."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.journaled = (feed_options or {}).get("format") in _JOURNALED_FORMATS

    def open(self, spider: Spider) -> IO[bytes]:
        path = Path(self.path).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        run = getattr(spider, "incremental_run", None)
        if self.journaled and run is not None:
            size = path.stat().st_size if self.write_mode == "ab" and path.exists() else 0
            run.feed_opened(path, size)
        return path.open(self.write_mode, buffering=0)
