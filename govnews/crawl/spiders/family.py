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
from govnews.sites.family import SITES
from govnews.sites.site import Site


def _class_name(site: Site, suffix: str) -> str:
    return f"{site.key.capitalize()}{suffix}"


def _spider_classes() -> dict[str, type[WuhanSpider]]:
    classes: dict[str, type[WuhanSpider]] = {}
    for site in SITES:
        if site.key == WuhanSpider.name:
            continue  # www keeps its own module
        probe_name = f"{site.key}_probe"
        attrs = {"__module__": __name__, "name": site.key, "site": site, "probe_spider": probe_name}
        doc = f"The spider of {site.name} ({site.host}), a row of govnews.sites.family."
        spider_name = _class_name(site, "Spider")
        classes[spider_name] = type(spider_name, (WuhanSpider,), attrs | {"__doc__": doc})
        probe_attrs = {"__module__": __name__, "name": probe_name, "site": site, "probe_spider": probe_name}
        probe_doc = f"The probe of {site.name} ({site.host}): see govnews.crawl.spiders.probe."
        classes[_class_name(site, "ProbeSpider")] = type(
            _class_name(site, "ProbeSpider"), (WuhanProbeSpider,), probe_attrs | {"__doc__": probe_doc}
        )
    return classes


# Module-level names, as Scrapy's spider loader finds spider classes.
globals().update(_spider_classes())


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
