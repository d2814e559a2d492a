"""Scrapy's command line with the site table read from another file: what a user has after
pasting a row into ``govnews/sites/family.py``, without touching the checkout.

    python -m tests.with_site_table PATCHED_FAMILY_PY crawl jianghan -a base_url=… -O out.jsonl

The file takes the place of the module ``govnews.sites.family`` before anything imports
it, so the spiders (one per row) are built from its rows.
"""

from __future__ import annotations

import importlib.util
import sys

import govnews.sites


def main(argv: list[str]) -> None:
    table_file, *scrapy_args = argv
    spec = importlib.util.spec_from_file_location("govnews.sites.family", table_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["govnews.sites.family"] = module
    spec.loader.exec_module(module)
    govnews.sites.family = module  # type: ignore[attr-defined]

    from scrapy.cmdline import execute  # noqa: PLC0415 - after the table is in place

    execute(["scrapy", *scrapy_args])


if __name__ == "__main__":
    main(sys.argv[1:])
