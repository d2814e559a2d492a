"""The Wuhan government site family as a table: one row a site, one spider a row.

One TRS WCM instance serves www.wuhan.gov.cn, its district sites and its bureau
sub-sites, with one site-wide docid sequence and the same URL shapes and page forms
(docs/site.md, "The site family"). Each row here has a spider of its own name and a probe, written
out in :mod:`govnews.crawl.spiders.family`: adding a site is adding a row and its two classes.

What is known, tagged as docs/site.md ("The site family") tags it: every host and column below was crawled
by a 2026 crawler [confirmed], over http; the column names are read from their paths
[inferred], except www's (see :mod:`govnews.sites.wuhan`). The other districts (汉阳,
青山, 东西湖, 蔡甸, 江夏, 黄陂, 新洲) and the other bureaus have hosts nobody has
confirmed: they are not rows until someone has seen them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from govnews.sites import wuhan
from govnews.sites.site import Column, Site, netloc_of, title_suffix_re


def _district(key: str, name: str, host: str, columns: tuple[Column, ...], *, full_name: str) -> Site:
    return Site(
        key=key,
        name=name,
        host=host,
        scheme="http",
        columns=columns,
        # 「{标题}-江汉区」, 「{标题} - 武汉市江汉区人民政府」
        title_suffix=title_suffix_re(name, full_name, f"{full_name}门户网站", f"{name}人民政府门户网站"),
    )


SITES: tuple[Site, ...] = (
    wuhan.SITE,
    _district(
        "jianghan",
        "江汉区",
        "www.jianghan.gov.cn",
        (Column("/xwzx/tzgg/", "通知公告", "inferred"), Column("/xwzx/jhyw/", "江汉要闻", "inferred")),
        full_name="武汉市江汉区人民政府",
    ),
    _district(
        "wuchang",
        "武昌区",
        "www.wuchang.gov.cn",
        (Column("/zwgk_37/zc/gsgg/", "公示公告", "inferred"), Column("/zwgk_37/zc/gfxwj/", "规范性文件", "inferred")),
        full_name="武汉市武昌区人民政府",
    ),
    _district(
        "jiangan",
        "江岸区",
        "www.jiangan.gov.cn",
        (Column("/jaxxw/zfxxgk/zc_41333/qtzdgkwj/gsgg/", "公示公告", "inferred"),),
        full_name="武汉市江岸区人民政府",
    ),
    _district(
        "qiaokou",
        "硚口区",
        "www.qiaokou.gov.cn",
        (Column("/xxgk/zc/zcfg/zfwj/", "政府文件", "inferred"), Column("/qkxw/tzgg/", "通知公告", "inferred")),
        full_name="武汉市硚口区人民政府",
    ),
    _district(
        "hongshan",
        "洪山区",
        "www.hongshan.gov.cn",
        (Column("/tzgg/", "通知公告", "inferred"),),
        full_name="武汉市洪山区人民政府",
    ),
    _district(
        "wehdz",
        "东湖高新区",
        "www.wehdz.gov.cn",
        (
            Column("/2022/ggxw_68627/ggxw_68629/", "光谷新闻", "inferred"),
            Column("/2022/ggxw_68627/tz_68628/", "通知", "inferred"),
        ),
        full_name="武汉东湖新技术开发区管委会",
    ),
    Site(
        key="tjj",
        name="武汉市统计局",
        host="tjj.wuhan.gov.cn",
        scheme="http",
        # docs/site.md, "The site family": /xwzx/sjyw/index.shtml serves (index.html answers 404); bare
        # trs_editor_view body.
        columns=(Column("/xwzx/sjyw/", "数据要闻", "inferred"),),
        title_suffix=title_suffix_re("武汉市统计局", "统计局"),
    ),
)
SITES_BY_KEY: dict[str, Site] = {site.key: site for site in SITES}


def site_of_host(host: str) -> Site | None:
    """The row whose real hosts (its host and aliases) include ``host``; None for a mirror.

    >>> site_of_host("3g.wuhan.gov.cn").key, site_of_host("tjj.wuhan.gov.cn").key, site_of_host("127.0.0.1")
    ('wuhan', 'tjj', None)
    """
    return next((site for site in SITES if site.is_real_host(host)), None)


def site_key(base_url: str) -> str:
    """One key per site (its state store, its lease, its round mark): a real site's schemes,
    ports and hosts fold to its host in the table (``www.wuhan.gov.cn`` for ``3g.``); a mirror
    keeps ``host:port``.

    >>> site_key("http://3g.wuhan.gov.cn:80"), site_key("https://www.wuhan.gov.cn:443")
    ('www.wuhan.gov.cn', 'www.wuhan.gov.cn')
    >>> site_key("http://www.jianghan.gov.cn"), site_key("http://127.0.0.1:8000")
    ('www.jianghan.gov.cn', '127.0.0.1:8000')
    """
    site = site_of_host(urlsplit(base_url).hostname or "")
    return site.host if site is not None else netloc_of(base_url)


def column_name(path: str) -> str | None:
    """The name of column ``path`` on whichever site of the table has it (health labels)."""
    return next((site.columns_by_path[path].name for site in SITES if path in site.columns_by_path), None)


FAMILY_HOSTS: frozenset[str] = frozenset().union(*(site.known_hosts for site in SITES))
"""Every real host of the table's sites (their aliases included)."""


def attachment_netlocs(allowed_netlocs: frozenset[str]) -> frozenset[str]:
    """The hosts (``host[:port]``) a crawl that may request ``allowed_netlocs`` may download
    attachments from: its own, and every host of the family table when it crawls a real
    host of the table (district pages link their files on the city's hosts, and back). A
    mirror crawl keeps to its own host and port.

    >>> sorted(attachment_netlocs(frozenset({"www.jianghan.gov.cn"})))[:3]
    ['3g.wuhan.gov.cn', 'tjj.wuhan.gov.cn', 'wuhan.gov.cn']
    >>> attachment_netlocs(frozenset({"127.0.0.1:8000"}))
    frozenset({'127.0.0.1:8000'})
    """
    if any(netloc in FAMILY_HOSTS for netloc in allowed_netlocs):
        return allowed_netlocs | FAMILY_HOSTS
    return allowed_netlocs
