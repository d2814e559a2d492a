"""The spider's contract (govnews.contract): our spiders offer it, a user's spider does not and
still runs with our middlewares, feeds and pipelines, and the quick test of the contract agrees
with Python's own ``isinstance`` against the protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy import Request
from scrapy.utils.test import get_crawler

from govnews.contract import LeaseFenced, SpiderContract, contract_of, fence_of, members
from govnews.crawl.allowed_hosts import AllowedHostsMiddleware
from govnews.crawl.spiders.family import FamilySpider, JianghanProbeSpider, JianghanSpider
from govnews.crawl.spiders.probe import WuhanProbeSpider
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.feeds import LineAtomicFileFeedStorage, job_id
from govnews.ops.health.monitors import run_shape


class UsersSpider(scrapy.Spider):
    """A spider that is not ours, run with the project's settings."""

    name = "users"


@pytest.mark.parametrize("spider_cls", [WuhanSpider, WuhanProbeSpider, JianghanSpider, JianghanProbeSpider])
def test_our_spiders_offer_the_contract(spider_cls: type[WuhanSpider]) -> None:
    spider = spider_cls(_job="job-1")
    assert contract_of(spider) is spider
    assert fence_of(spider) is spider
    assert isinstance(spider, SpiderContract)
    assert job_id(spider) == "job-1"


def test_the_family_spider_is_ours_too() -> None:
    assert issubclass(FamilySpider, WuhanSpider)


def test_a_users_spider_offers_none_and_is_left_alone(tmp_path: Path) -> None:
    spider = UsersSpider()
    assert contract_of(spider) is None and fence_of(spider) is None
    crawler = get_crawler(UsersSpider)
    crawler.spider = spider
    # No host limit of ours: Scrapy's OffsiteMiddleware is the rule for it.
    assert AllowedHostsMiddleware(crawler).process_request(Request("https://example.org/x")) is None
    assert job_id(spider) == job_id()  # SCRAPY_JOB, else local-<pid>: no job of its own
    assert run_shape(spider, crawler.settings).sections == ()
    storage = LineAtomicFileFeedStorage(str(tmp_path / "out.jsonl"), feed_options={"format": "jsonlines"})
    file = storage.open(spider)
    assert file.fence is None  # type: ignore[attr-defined]
    storage.store(file)


def test_a_spider_with_a_fence_alone_is_fenced_but_offers_no_contract() -> None:
    class Fenced(UsersSpider):
        def lease_fence(self, *, confirm: bool = False) -> bool:
            return False

    spider = Fenced()
    assert fence_of(spider) is spider and contract_of(spider) is None


@pytest.mark.parametrize("missing", members(SpiderContract))
def test_the_quick_check_agrees_with_isinstance(missing: str) -> None:
    """A stand-in lacking any one member is no contract, by either test; with all, both say yes."""
    values: dict[str, Any] = {name: object() for name in members(SpiderContract)}
    values["lease_fence"] = lambda *, confirm=False: True
    whole = type("Whole", (), values)()
    assert isinstance(whole, SpiderContract) and contract_of(whole) is whole
    lacking = type("Lacking", (), {k: v for k, v in values.items() if k != missing})()
    assert not isinstance(lacking, SpiderContract)
    assert contract_of(lacking) is None
    assert (fence_of(lacking) is None) == (missing == "lease_fence") == (not isinstance(lacking, LeaseFenced))
