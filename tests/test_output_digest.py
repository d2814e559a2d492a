"""Regression lock: every byte the crawl exports from the whole mirror stays the same.

Each mirror below (every column, every list and article form, the fault catalogue, the
health variants that change what the extractors meet) is crawled in process
(:mod:`tests.offline_crawl`: the spider's callbacks and every item pipeline, the state
store included, ``crawled_at`` fixed); the SHA-256 of the exported JSON Lines and the drop
reasons must equal the one in ``tests/fixtures/mirror_output.json``.

Unlike every other expected value in the tests, these digests were *generated* from the
code, as it stood before the fast extraction path (issue 12): they say "the output did not
change", not "the output is right" (the truth-based tests say that). A change that means
to alter the output regenerates them with ``python -m tests.test_output_digest`` and says
why in its commit; ``counts`` beside each digest show at a glance what moved.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.mirror.site import MirrorSite
from tests.offline_crawl import OfflineCrawl

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mirror_output.json"
SITES: dict[str, dict[str, Any]] = {
    # Every column in both list and article forms, the noise, the specials, the multi-page
    # article, the fault catalogue and 武汉旅游's huge pager.
    "faults": {"n_articles": 200, "per_page": 10, "seed": 5, "faults": True},
    # Every body found by the density fallback.
    "renamed_body": {"n_articles": 40, "per_page": 5, "seed": 0, "variant": "renamed_body"},
    # 通知公告 without a date on its pages or rows.
    "no_dates": {"n_articles": 40, "per_page": 5, "seed": 0, "variant": "no_dates"},
    # Placeholders inside prose after a <span> run rather than in the <p>'s own text.
    "spanned_residue": {"n_articles": 40, "per_page": 5, "seed": 1, "bare_residue": False},
}


def crawl(name: str, state_dir: Path) -> OfflineCrawl:
    return OfflineCrawl(MirrorSite(**SITES[name]), state_dir=state_dir).run()


def summary(result: OfflineCrawl) -> dict[str, Any]:
    return {"sha256": result.digest(), "counts": result.counts()}


@pytest.mark.parametrize("name", SITES)
def test_the_mirror_exports_the_same_bytes(name: str, tmp_path: Path) -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["sites"][name]
    assert summary(crawl(name, tmp_path)) == expected


def main() -> None:  # pragma: no cover - regenerates the fixture, by hand only
    sites = {}
    for name in SITES:
        with tempfile.TemporaryDirectory() as state_dir:
            sites[name] = summary(crawl(name, Path(state_dir)))
    document = {"generated_by": "python -m tests.test_output_digest", "sites": sites}
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {FIXTURE}\n")


if __name__ == "__main__":
    main()
