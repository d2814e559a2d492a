"""A site of the Wuhan government family as data: what one generic spider needs to know.

Every site of the family is served by the same TRS WCM instance, so they share the URL
shapes (``/<column>/YYYYMM/tYYYYMMDD_<docid>.shtml``, list pages ``index.shtml``,
``index_1.shtml`` …) and the page forms the extract rules read; what differs is the host,
the columns, and the site's own name in page titles. docs/site.md describes the forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

Confidence = Literal["confirmed", "inferred", "discovered", "unknown"]
"""What is known of a host or a name (docs/site.md, "The site family"): seen on the live site,
inferred (from a path, from the family's conventions), discovered (read from the site's own
pages by ``-a discover=1``, not yet checked by a person: govnews.discover), or not known."""

DEFAULT_BACKEND = "wuhan-trs"
"""The publishing instance every row of the family shares (one TRS WCM, one docid sequence)."""

# `/<section>/YYYYMM/tYYYYMMDD_<docid>.shtml`, and `_<n>` for later pages of a
# multi-page article (docs/site.md, "Columns"; the same on every site of the instance).
# The section is any depth of path segments (`/whyw/gqdt/`, `/2022/ggxw_68627/tz_68628/`).
ARTICLE_URL_RE = re.compile(r"/t\d{8}_\d+(?:_\d+)?\.s?html?(?:[?#]|$)")
ARTICLE_PATH_RE = re.compile(
    r"^(?P<section>/(?:[\w-]+/)+?)(?P<month>\d{6})/t(?P<date>\d{8})_(?P<docid>\d+)(?:_(?P<page>\d+))?\.s?html?$"
)


@dataclass(frozen=True)
class Column:
    path: str
    """``/sy/whyw/``: leading and trailing slash."""
    name: str
    name_confidence: Confidence = "confirmed"
    """``inferred`` where the name is read from the path, not seen on the site."""


def normalize_section(value: str) -> str:
    """``sy/whyw`` → ``/sy/whyw/`` (slashes optional on input)."""
    return "/" + value.strip().strip("/") + "/"


def netloc_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower-cased, without credentials or the scheme's default port.

    >>> netloc_of("HTTPS://WWW.wuhan.gov.cn:443/sy/"), netloc_of("http://127.0.0.1:8000/x")
    ('www.wuhan.gov.cn', '127.0.0.1:8000')
    """
    parts = urlsplit(url)
    host_port = parts.netloc.rsplit("@", 1)[-1].lower()
    default = {"http": ":80", "https": ":443"}.get(parts.scheme.lower(), "")
    return host_port[: -len(default)] if default and host_port.endswith(default) else host_port


def title_suffix_re(*names: str) -> re.Pattern[str]:
    """``<title>{标题} - {site name}</title>``: the separator and any of the site's names at
    the end of a page title."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"\s*[-_|–—]+\s*(?:{alternatives})\s*$")


@dataclass(frozen=True)
class Site:
    """One host of the family: the spider ``key`` crawls it."""

    key: str
    """The spider's name (``wuhan``, ``jianghan``)."""
    name: str
    """The site's name as its pages give it (``江汉区``)."""
    host: str
    """The canonical host, which the item's ``site`` field carries."""
    scheme: Literal["http", "https"]
    columns: tuple[Column, ...]
    title_suffix: re.Pattern[str]
    """The site's names as page titles end with them: names the title rule knows the site by
    (govnews.extract.title; docs/site.md, "Title"), in any of their forms."""
    default_sections: tuple[str, ...] = ()
    """Columns crawled without ``sections``: all of them unless given."""
    aliases: frozenset[str] = field(default_factory=frozenset)
    """Other hosts serving the same paths (a mobile mirror); their URLs fold to ``host``."""
    host_confidence: Confidence = "confirmed"
    columns_confidence: Confidence = "confirmed"
    backend: str = DEFAULT_BACKEND
    """Which publishing instance serves the host: hosts of one backend share its politeness
    budget. Every row so far is ``wuhan-trs``."""

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def known_hosts(self) -> frozenset[str]:
        return frozenset({self.host}) | self.aliases

    @cached_property
    def columns_by_path(self) -> dict[str, Column]:
        return {c.path: c for c in self.columns}

    @property
    def sections(self) -> tuple[str, ...]:
        return self.default_sections or tuple(c.path for c in self.columns)

    def is_real_host(self, host: str) -> bool:
        return host.lower() in self.known_hosts

    def allowed_netlocs(self, base_url: str) -> frozenset[str]:
        """Hosts (``host[:port]``) a crawl from ``base_url`` may request: the site's hosts
        when the base is the real site; a mirror crawl never leaves its own host and port.

        >>> from govnews.sites.wuhan import SITE
        >>> sorted(SITE.allowed_netlocs("https://www.wuhan.gov.cn")), SITE.allowed_netlocs("http://127.0.0.1:8000")
        (['3g.wuhan.gov.cn', 'wuhan.gov.cn', 'www.wuhan.gov.cn'], frozenset({'127.0.0.1:8000'}))
        """
        netloc = netloc_of(base_url)
        return self.known_hosts if self.is_real_host(netloc) else frozenset({netloc})

    def canonical_url(self, url: str) -> str:
        """One article, one URL: on the real site every host and scheme folds to
        :attr:`base_url`; on a mirror the URL keeps the mirror's origin. Query and
        fragment are dropped.

        >>> from govnews.sites.wuhan import SITE
        >>> SITE.canonical_url("http://3g.wuhan.gov.cn/sy/whyw/202205/t20220527_1.shtml?x=1#a")
        'https://www.wuhan.gov.cn/sy/whyw/202205/t20220527_1.shtml'
        >>> SITE.canonical_url("http://127.0.0.1:8000/sy/whyw/")
        'http://127.0.0.1:8000/sy/whyw/'
        """
        parts = urlsplit(url)
        if self.is_real_host((parts.hostname or "").lower()):
            return urlunsplit((self.scheme, self.host, parts.path or "/", "", ""))
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def request_url(url: str, base_url: str) -> str:
    """Where to fetch ``url`` from: the same path on ``base_url``'s origin, so that a link
    to another host or scheme of the same site is fetched once, from the host the user chose.

    >>> request_url("http://3g.wuhan.gov.cn/sy/whyw/index_1.shtml#x", "https://www.wuhan.gov.cn")
    'https://www.wuhan.gov.cn/sy/whyw/index_1.shtml'
    """
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, urlsplit(url).path or "/", "", ""))


def list_page_path(column_path: str, page_index: int) -> str:
    """Page 1 is ``index.shtml``, page k+1 is ``index_k.shtml`` (docs/site.md, "List pages and their pager"; the
    bureau sub-sites answer 404 for ``index.html`` but serve ``index.shtml``)."""
    return f"{column_path}index.shtml" if page_index == 0 else f"{column_path}index_{page_index}.shtml"


_LIST_PAGE_NAME_RE = re.compile(r"^index(?:_(\d+))?\.s?html?$")


def list_page_index(column_path: str, path: str) -> int | None:
    """Which list page of ``column_path`` the URL path ``path`` is (0 for page 1, which is also
    the column's own path), or None when it is none of them: :func:`list_page_path` inverted.

    >>> list_page_index("/sy/whyw/", "/sy/whyw/index_3.shtml"), list_page_index("/sy/whyw/", "/sy/whyw/")
    (3, 0)
    >>> list_page_index("/sy/whyw/", "/sy/kwh/index_3.shtml") is None
    True
    """
    if path == column_path:
        return 0
    if not path.startswith(column_path) or "/" in path[len(column_path) :]:
        return None
    match = _LIST_PAGE_NAME_RE.match(path[len(column_path) :])
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) else 0
