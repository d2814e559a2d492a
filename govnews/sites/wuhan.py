"""www.wuhan.gov.cn as data: hosts, columns, article URL shape, canonical-URL rule.

Everything here is what ``../shared/SITE.md`` says of the real site; the spider
reads it and nothing else about the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

SITE_DOMAIN = "www.wuhan.gov.cn"
DEFAULT_BASE_URL = "https://www.wuhan.gov.cn"

# SITE.md "Hosts": 3g. is a mobile mirror with the same paths; http and https both serve.
KNOWN_HOSTS = frozenset({"www.wuhan.gov.cn", "3g.wuhan.gov.cn", "wuhan.gov.cn"})

# `<title>{标题} - 武汉市人民政府门户网站</title>` (SITE.md "Article pages").
TITLE_SUFFIX_RE = re.compile(r"\s*[-_|–—]+\s*武汉市人民政府(门户网站)?\s*$")


@dataclass(frozen=True)
class Column:
    path: str
    """``/sy/whyw/``: leading and trailing slash."""
    name: str


COLUMNS: tuple[Column, ...] = (
    Column("/sy/whyw/", "武汉要闻"),
    Column("/sy/kwh/", "媒体看武汉"),  # name inferred (SITE.md)
    Column("/whyw/gqdt/", "各区动态"),  # not under /sy/; path confirmed, name inferred (SITE.md)
    Column("/zwgk/tzgg/", "通知公告"),
    Column("/zwgk/xxgk/zcjd/", "政策解读"),
    Column("/zwgk/xxgk/zfwj/szfwj/", "市政府文件"),
    Column("/zwgk/xxgk/zfwj/gfxwj/", "规范性文件"),  # script rows as 市政府文件 (SITE.md, 2026)
    Column("/zwgk/xxgk/zfwj/bgtwj/", "市政府办公厅文件"),  # name inferred
    Column("/zwgk/xxgk/zfgz_new/", "政府规章"),
    Column("/zjwh/whly/", "武汉旅游"),  # name inferred
    Column("/zjwh/whrw/", "武汉人物"),  # name inferred
    Column("/zjwh/whgk/", "武汉概况"),  # name inferred
)
COLUMNS_BY_PATH = {c.path: c for c in COLUMNS}
DEFAULT_SECTIONS: tuple[str, ...] = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")

# `/<section>/YYYYMM/tYYYYMMDD_<docid>.shtml`, and `_<n>` for later pages of a
# multi-page article (SITE.md "Article pages"). The section is any depth of path
# segments (`/whyw/gqdt/`, `/zwgk/xxgk/zfwj/gfxwj/`).
ARTICLE_URL_RE = re.compile(r"/t\d{8}_\d+(?:_\d+)?\.s?html?(?:[?#]|$)")
ARTICLE_PATH_RE = re.compile(
    r"^(?P<section>/(?:[\w-]+/)+?)(?P<month>\d{6})/t(?P<date>\d{8})_(?P<docid>\d+)(?:_(?P<page>\d+))?\.s?html?$"
)


def normalize_section(value: str) -> str:
    """``sy/whyw`` → ``/sy/whyw/`` (slashes optional on input)."""
    return "/" + value.strip().strip("/") + "/"


def is_real_site_host(host: str) -> bool:
    return host.lower() in KNOWN_HOSTS


def netloc_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower-cased, without credentials or the scheme's default port.

    >>> netloc_of("HTTPS://WWW.wuhan.gov.cn:443/sy/"), netloc_of("http://127.0.0.1:8000/x")
    ('www.wuhan.gov.cn', '127.0.0.1:8000')
    """
    parts = urlsplit(url)
    host_port = parts.netloc.rsplit("@", 1)[-1].lower()
    default = {"http": ":80", "https": ":443"}.get(parts.scheme.lower(), "")
    return host_port[: -len(default)] if default and host_port.endswith(default) else host_port


def allowed_netlocs(base_url: str) -> frozenset[str]:
    """Hosts (``host[:port]``) a crawl from ``base_url`` may request: the base host, plus
    the site's known mirrors when the base is the real site. A mirror crawl never leaves
    its own host and port."""
    netloc = netloc_of(base_url)
    return KNOWN_HOSTS if is_real_site_host(netloc) else frozenset({netloc})


def canonical_url(url: str, base_url: str) -> str:
    """One article, one URL.

    On the real site every host and scheme folds to ``https://www.wuhan.gov.cn``; on a
    mirror the URL keeps the mirror's origin. Query and fragment are dropped.

    >>> canonical_url("http://3g.wuhan.gov.cn/sy/whyw/202205/t20220527_1.shtml?x=1#a", "https://www.wuhan.gov.cn")
    'https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1.shtml'
    >>> canonical_url("http://127.0.0.1:8000/sy/whyw/", "http://127.0.0.1:8000")
    'http://127.0.0.1:8000/sy/whyw/'
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if is_real_site_host(host):
        return urlunsplit(("https", SITE_DOMAIN, parts.path or "/", "", ""))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def request_url(url: str, base_url: str) -> str:
    """Where to fetch ``url`` from: the same path on ``base_url``'s origin, so that a
    3g. or http link of the real site is fetched once, from the host the user chose.

    >>> request_url("http://3g.wuhan.gov.cn/sy/whyw/index_1.shtml#x", "https://www.wuhan.gov.cn")
    'https://www.wuhan.gov.cn/sy/whyw/index_1.shtml'
    """
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, urlsplit(url).path or "/", "", ""))


def list_page_path(column_path: str, page_index: int) -> str:
    """Page 1 is ``index.shtml``, page k+1 is ``index_k.shtml`` (SITE.md "List pages")."""
    return f"{column_path}index.shtml" if page_index == 0 else f"{column_path}index_{page_index}.shtml"
