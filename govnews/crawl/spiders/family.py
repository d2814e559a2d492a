"""One spider per site of the family table (:mod:`govnews.sites.family`), and its probe.

``scrapy list`` shows them: ``wuchang``, ``wuchang_probe`` … beside ``wuhan`` and
``wuhan_probe``. Each is the generic spider (:class:`~govnews.crawl.spiders.wuhan.WuhanSpider`)
with its site's row, so it takes the same arguments (``base_url``, ``sections``,
``since``, ``max_pages``, ``urls``, ``probe`` …), applies the same extract rules and
yields the same item shape, ``site`` naming its host. ``scrapy crawl family`` crawls
several of them in one process (:mod:`govnews.family.crawl`).
"""

from __future__ import annotations

from typing import Any

from govnews.crawl.arguments import ArgumentError, FamilyArguments
from govnews.crawl.spiders.probe import WuhanProbeSpider
from govnews.crawl.spiders.wuhan import WuhanSpider
from govnews.sites.family import SITES_BY_KEY


# One spider and one probe per row of the table but www's (govnews.crawl.spiders.wuhan and .probe),
# written out so that a search for a class's name finds it; adding a row is adding its two classes
# here (tests/test_family.py fails, with the two to add, while one is missing).
class JianghanSpider(WuhanSpider):
    """The spider of 江汉区 (www.jianghan.gov.cn)."""

    name = "jianghan"
    site = SITES_BY_KEY[name]
    probe_spider = "jianghan_probe"


class JianghanProbeSpider(WuhanProbeSpider):
    """The probe of 江汉区 (www.jianghan.gov.cn)."""

    name = probe_spider = "jianghan_probe"
    site = SITES_BY_KEY["jianghan"]


class WuchangSpider(WuhanSpider):
    """The spider of 武昌区 (www.wuchang.gov.cn)."""

    name = "wuchang"
    site = SITES_BY_KEY[name]
    probe_spider = "wuchang_probe"


class WuchangProbeSpider(WuhanProbeSpider):
    """The probe of 武昌区 (www.wuchang.gov.cn)."""

    name = probe_spider = "wuchang_probe"
    site = SITES_BY_KEY["wuchang"]


class JianganSpider(WuhanSpider):
    """The spider of 江岸区 (www.jiangan.gov.cn)."""

    name = "jiangan"
    site = SITES_BY_KEY[name]
    probe_spider = "jiangan_probe"


class JianganProbeSpider(WuhanProbeSpider):
    """The probe of 江岸区 (www.jiangan.gov.cn)."""

    name = probe_spider = "jiangan_probe"
    site = SITES_BY_KEY["jiangan"]


class QiaokouSpider(WuhanSpider):
    """The spider of 硚口区 (www.qiaokou.gov.cn)."""

    name = "qiaokou"
    site = SITES_BY_KEY[name]
    probe_spider = "qiaokou_probe"


class QiaokouProbeSpider(WuhanProbeSpider):
    """The probe of 硚口区 (www.qiaokou.gov.cn)."""

    name = probe_spider = "qiaokou_probe"
    site = SITES_BY_KEY["qiaokou"]


class HongshanSpider(WuhanSpider):
    """The spider of 洪山区 (www.hongshan.gov.cn)."""

    name = "hongshan"
    site = SITES_BY_KEY[name]
    probe_spider = "hongshan_probe"


class HongshanProbeSpider(WuhanProbeSpider):
    """The probe of 洪山区 (www.hongshan.gov.cn)."""

    name = probe_spider = "hongshan_probe"
    site = SITES_BY_KEY["hongshan"]


class WehdzSpider(WuhanSpider):
    """The spider of 东湖高新区 (www.wehdz.gov.cn)."""

    name = "wehdz"
    site = SITES_BY_KEY[name]
    probe_spider = "wehdz_probe"


class WehdzProbeSpider(WuhanProbeSpider):
    """The probe of 东湖高新区 (www.wehdz.gov.cn)."""

    name = probe_spider = "wehdz_probe"
    site = SITES_BY_KEY["wehdz"]


class TjjSpider(WuhanSpider):
    """The spider of 武汉市统计局 (tjj.wuhan.gov.cn)."""

    name = "tjj"
    site = SITES_BY_KEY[name]
    probe_spider = "tjj_probe"


class TjjProbeSpider(WuhanProbeSpider):
    """The probe of 武汉市统计局 (tjj.wuhan.gov.cn)."""

    name = probe_spider = "tjj_probe"
    site = SITES_BY_KEY["tjj"]


class FamilySpider(WuhanSpider):
    """``scrapy crawl family``: every site of the table (or ``-a sites=…``), each by its
    own spider, in one process (:mod:`govnews.family.crawl`). Listed so that scrapyd can
    schedule it; the crawl command runs the sites' spiders in its place."""

    name = "family"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ArgumentError("the family spider is run by scrapy crawl family, which starts one spider per site")

    @classmethod
    def validate_arguments(cls, kwargs: dict[str, Any]) -> None:
        FamilyArguments.parse(kwargs)
