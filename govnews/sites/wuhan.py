"""www.wuhan.gov.cn as data: hosts, columns, article URL shape, canonical-URL rule.

Everything here is what docs/site.md says of the real site; the spider
reads it (as :data:`SITE`, a row of the family's table) and nothing else about the site.
"""

from __future__ import annotations

import re

from govnews.sites.site import (
    ARTICLE_PATH_RE,
    ARTICLE_URL_RE,
    Column,
    Site,
    list_page_index,
    list_page_path,
    netloc_of,
    normalize_section,
    request_url,
)

__all__ = [
    "ARTICLE_PATH_RE",
    "ARTICLE_URL_RE",
    "COLUMNS",
    "DEFAULT_BASE_URL",
    "DEFAULT_SECTIONS",
    "KNOWN_HOSTS",
    "SITE",
    "SITE_DOMAIN",
    "TITLE_SUFFIX_RE",
    "Column",
    "list_page_index",
    "list_page_path",
    "netloc_of",
    "normalize_section",
    "request_url",
]

SITE_DOMAIN = "www.wuhan.gov.cn"
DEFAULT_BASE_URL = "https://www.wuhan.gov.cn"

# docs/site.md, "Hosts": 3g. is a mobile copy with the same paths; http and https both serve.
KNOWN_HOSTS = frozenset({"www.wuhan.gov.cn", "3g.wuhan.gov.cn", "wuhan.gov.cn"})

# `<title>{标题} - 武汉市人民政府门户网站</title>` (docs/site.md, "Title").
TITLE_SUFFIX_RE = re.compile(r"\s*[-_|–—]+\s*武汉市人民政府(门户网站)?\s*$")

COLUMNS: tuple[Column, ...] = (
    Column("/sy/whyw/", "武汉要闻"),
    Column("/sy/kwh/", "媒体看武汉", "inferred"),
    Column("/whyw/gqdt/", "各区动态", "inferred"),  # not under /sy/ (docs/site.md, "Columns")
    Column("/zwgk/tzgg/", "通知公告"),
    Column("/zwgk/xxgk/zcjd/", "政策解读"),
    Column("/zwgk/xxgk/zfwj/szfwj/", "市政府文件"),
    Column("/zwgk/xxgk/zfwj/gfxwj/", "规范性文件"),  # script rows as 市政府文件 (docs/site.md, "Columns")
    Column("/zwgk/xxgk/zfwj/bgtwj/", "市政府办公厅文件", "inferred"),
    Column("/zwgk/xxgk/zfgz_new/", "政府规章"),
    Column("/zjwh/whly/", "武汉旅游", "inferred"),
    Column("/zjwh/whrw/", "武汉人物", "inferred"),
    Column("/zjwh/whgk/", "武汉概况", "inferred"),
)
DEFAULT_SECTIONS: tuple[str, ...] = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")

SITE = Site(
    key="wuhan",
    name="武汉市人民政府",
    host=SITE_DOMAIN,
    scheme="https",
    columns=COLUMNS,
    title_suffix=TITLE_SUFFIX_RE,
    default_sections=DEFAULT_SECTIONS,
    aliases=KNOWN_HOSTS - {SITE_DOMAIN},
)
"""www.wuhan.gov.cn, the family's first row (govnews.sites.family)."""
