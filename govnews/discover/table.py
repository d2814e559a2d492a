"""Which row of the site table a host is, and the ready entry for the table (``-a emit=table``).

Pure: no Scrapy import. The entry is Python source for the table's tuple of
:class:`~govnews.sites.site.Site` rows, written from the ``Site`` dataclass's own fields,
so that it carries whatever fields the table has (its ``backend`` included): fields
discovery knows are written, others keep their defaults.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from govnews.discover.report import DiscoveryReport, TableColumn
from govnews.discover.walk import registrable_domain
from govnews.sites.site import DEFAULT_BACKEND, Site

_KEY_DROP = frozenset({"www", "gov", "cn", "com", "org", "net", "edu"})
_SITE_SUFFIX_RE = re.compile(r"(?:门户网站|官方网站|官网)$")


@dataclass(frozen=True)
class SiteIdentity:
    """Who the host is: a row of the site table, a mirror of one, or a new site."""

    key: str
    name: str | None
    host: str
    scheme: str
    row: Site | None
    """The table's row of the host; for a mirror (a loopback or IP address), the row of the
    spider that runs the discovery."""
    mirror: bool = False

    def label(self) -> str:
        if self.row is None:
            return f"{self.host}, not in the site table"
        if self.mirror:
            return f"a mirror of {self.host}, row {self.key} of the site table"
        return f"{self.host}, row {self.key} of the site table"


def _is_local(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def key_for_host(host: str) -> str:
    """A spider name for a new host: its own label(s), without ``www`` and the domain's suffix.

    >>> key_for_host("www.hanyang.gov.cn"), key_for_host("fgw.wuhan.gov.cn"), key_for_host("news.example.org")
    ('hanyang', 'fgw', 'news_example')
    """
    labels = [label for label in host.lower().split(".") if label not in _KEY_DROP]
    if len(labels) > 1 and labels[-1] == "wuhan":
        labels = labels[:-1]  # a bureau of the city: fgw.wuhan.gov.cn is fgw
    key = re.sub(r"[^a-z0-9_]+", "_", "_".join(labels)).strip("_") or "site"
    return key if not key[0].isdigit() else f"site_{key}"


def site_identity(base_url: str, spider_site: Site, sites: Sequence[Site]) -> SiteIdentity:
    """The table's row of ``base_url``'s host; a loopback or IP host is a mirror of the
    spider's own site; any other host is a new site (its key from its name).

    >>> from govnews.sites.family import SITES, SITES_BY_KEY
    >>> site_identity("http://tjj.wuhan.gov.cn", SITES_BY_KEY["wuhan"], SITES).label()
    'tjj.wuhan.gov.cn, row tjj of the site table'
    >>> site_identity("http://127.0.0.1:8000", SITES_BY_KEY["jianghan"], SITES).label()
    'a mirror of www.jianghan.gov.cn, row jianghan of the site table'
    >>> site_identity("http://www.hanyang.gov.cn", SITES_BY_KEY["wuhan"], SITES).label()
    'www.hanyang.gov.cn, not in the site table'
    """
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    row = next((site for site in sites if site.is_real_host(host)), None)
    if row is not None:
        return SiteIdentity(row.key, row.name, row.host, row.scheme, row)
    if _is_local(host):
        return SiteIdentity(spider_site.key, spider_site.name, spider_site.host, spider_site.scheme, spider_site, True)
    return SiteIdentity(key_for_host(host), None, host, parts.scheme or "http", None)


def family_domains(sites: Sequence[Site], identity: SiteIdentity) -> frozenset[str]:
    """The domains of the family: every row's, and the discovered host's own."""
    return frozenset({registrable_domain(host) for site in sites for host in site.known_hosts}) | {
        registrable_domain(identity.host)
    }


def table_hosts(sites: Sequence[Site]) -> dict[str, str]:
    """Every host of the table, with its row's key."""
    return {host: site.key for site in sites for host in site.known_hosts}


def table_columns(identity: SiteIdentity) -> dict[str, TableColumn]:
    if identity.row is None:
        return {}
    return {c.path: TableColumn(c.name) for c in identity.row.columns}


def _site_name(identity: SiteIdentity, report: DiscoveryReport) -> str | None:
    if identity.name:
        return identity.name
    names = sorted((_SITE_SUFFIX_RE.sub("", name) for name in report.site_names if name), key=len)
    return names[0] if names else None


def _title_names(identity: SiteIdentity, report: DiscoveryReport) -> list[str]:
    names: list[str] = []
    for name in (identity.name, *report.title_suffixes, *report.site_names):
        if name and name not in names:
            names.append(name)
    return names


def _py(value: str) -> str:
    """A Python string literal in the project's style (double quotes, Chinese as is)."""
    return json.dumps(value, ensure_ascii=False)


def _column_lines(identity: SiteIdentity, path: str, name: str | None, note: str) -> tuple[list[str], bool]:
    """``Column(...)`` for a found column under a comment saying what it looks like, and
    whether it is new to the table (or renamed)."""
    known = identity.row.columns_by_path.get(path) if identity.row is not None else None
    if name is None:
        name, note = path.strip("/").rsplit("/", 1)[-1], f"{note}; no name found on the site"
        confidence = "inferred"
    elif known is not None and known.name == name and known.name_confidence == "confirmed":
        confidence = known.name_confidence
    else:
        # Read from the site's own pages: better evidence than a name inferred from the path.
        confidence = "discovered"
    return [f"# {note}", f"Column({_py(path)}, {_py(name)}, {_py(confidence)}),"], confidence == "discovered"


def render_site_row(report: DiscoveryReport, identity: SiteIdentity, *, table_file: str, discovered_on: str) -> str:
    """The ready entry for the site table (see the module docstring), indented as a row of
    the table's tuple, with comments that say where it goes and what each column looks like.
    Pasted into the table, it passes ``ruff format --check`` and ``ruff check``."""
    key = identity.key
    place = f"in place of the row {_py(key)}" if identity.row is not None else "as a new row"
    lines = [
        f"# Discovered from {report.base_url} on {discovered_on} ({len(report.columns)} columns).",
        f"# Paste into SITES in {table_file}, {place},",
        f"# then: scrapy crawl {key}_probe; scrapy crawl {key}",
    ]
    columns: list[str] = []
    new = False
    for column in report.columns:
        count = column.page_count
        pages = "" if count is None else f", {count} page{'' if count == 1 else 's'}"
        note = f"{column.row_form}; {column.pager}{pages}; {column.articles_estimate} {column.articles} articles"
        note += f"; body: {column.body}"
        found_lines, discovered = _column_lines(identity, column.path, column.name, note)
        columns += found_lines
        new = new or discovered
    found = {column.path for column in report.columns}
    columns += [f"# not found by discovery: Column({_py(path)}, {_py(name)})," for path, name in report.table_missing]
    row = identity.row
    values: dict[str, list[str]] = {
        "key": [_py(key)],
        "name": [_py(_site_name(identity, report) or key)],
        "host": [_py(identity.host)],
        "scheme": [_py(identity.scheme)],
        "columns": ["(", *(f"    {line}" for line in columns), ")"],
        "title_suffix": [f"title_suffix_re({', '.join(_py(n) for n in _title_names(identity, report))})"],
        "host_confidence": [_py(row.host_confidence if row is not None else "discovered")],
        "columns_confidence": [_py("discovered" if new or row is None else row.columns_confidence)],
        "backend": [_py(row.backend if row is not None else DEFAULT_BACKEND)],
    }
    if row is not None and row.default_sections and all(path in found for path in row.default_sections):
        values["default_sections"] = ["(" + ", ".join(_py(path) for path in row.default_sections) + ")"]
    if row is not None and row.aliases:
        values["aliases"] = ["frozenset({" + ", ".join(_py(host) for host in sorted(row.aliases)) + "})"]
    lines.append("Site(")
    for field in dataclasses.fields(Site):
        if field.name in values:
            first, *rest = values[field.name]
            lines.append(f"    {field.name}={first}")
            lines += [f"    {line}" for line in rest]
            lines[-1] += ","
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            lines.append(f"    {field.name}=...,  # not known to discovery: fill in")
    lines.append("),")
    return "\n".join(f"    {line}" for line in lines)
