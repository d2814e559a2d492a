"""Spider arguments, parsed once, before any request, with errors that say what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from govnews.sites import wuhan
from govnews.sites.family import SITES, SITES_BY_KEY
from govnews.sites.site import ARTICLE_PATH_RE, Site, netloc_of, normalize_section


class ArgumentError(ValueError):
    """A spider argument with a value that is not allowed; the message says what is."""


_SECTION_RE = re.compile(r"^/(?:[A-Za-z0-9_-]+/)+$")
MAX_PAGES_LIMIT = 100_000


@dataclass(frozen=True)
class CrawlArguments:
    base_url: str = wuhan.DEFAULT_BASE_URL
    sections: tuple[str, ...] = wuhan.DEFAULT_SECTIONS
    max_pages: int | None = None
    since: date | None = None
    urls: tuple[str, ...] = ()
    incremental: bool = True
    refresh_days: int = 0
    probe: bool = False
    audit: bool | None = None
    """``audit=1``: read every list page of each column (an audit walk); ``audit=0``: not this
    run; unset: when one is due (``GOVNEWS_AUDIT_DAYS``)."""
    new_store: bool = False
    """``new_store=1``: start with a new state store: with SQLite, accept one other than the
    one this host's earlier runs used (it was deleted or replaced); with Redis, create the
    site's store when it does not exist (never created, or wiped). Every article is exported
    again. On a store that exists and is in use, it changes nothing."""
    discover: DiscoverArguments | None = None
    """``-a discover=1``: map the site's columns (the probe spider's discover mode); None otherwise."""
    attachments: bool | None = None
    """``attachments=1``: download each article's files and read their text; ``0``: not;
    unset: the setting ``GOVNEWS_ATTACHMENTS`` decides (off by default)."""
    ocr: bool | None = None
    """``ocr=1``: read the scanned pages of the files by OCR (implies ``attachments=1``);
    ``0``: not; unset: the setting ``GOVNEWS_OCR`` decides (off by default)."""
    archive: bool | None = None
    """``archive=1``: write every response into WARC files (govnews.archive); ``0``: not;
    unset: the setting ``GOVNEWS_ARCHIVE`` decides (off by default)."""
    from_archive: str | None = None
    """``from_archive=PATH``: answer every request from this archive (a folder of WARC files,
    one WARC file, or a WACZ), none from the network; every archived list page is read."""

    @property
    def replaying(self) -> bool:
        """A replay (``from_archive``): the walk reads on where an incremental walk would stop."""
        return self.from_archive is not None

    @property
    def takes_lease(self) -> bool:
        """A run that reads and writes its site's state store holds the store's lock (a Redis
        lease with ``REDIS_URL``) for its whole life: an incremental run that is no probe. The
        one rule the crawl command, the family and the state pipeline follow."""
        return self.incremental and not self.probe

    KNOWN = (
        "base_url",
        "sections",
        "max_pages",
        "since",
        "urls",
        "incremental",
        "refresh_days",
        "probe",
        "audit",
        "new_store",
        "attachments",
        "ocr",
        "archive",
        "from_archive",
        "discover",
        "budget",
        "depth",
        "start",
        "emit",
    )
    # Arguments scrapyd passes to every job, accepted and ignored.
    IGNORED = ("_job", "_version")

    @classmethod
    def parse(cls, kwargs: dict[str, object], site: Site = wuhan.SITE) -> CrawlArguments:
        """The arguments of a crawl of ``site`` (its base URL and columns are the defaults)."""
        unknown = sorted(k for k in kwargs if k not in cls.KNOWN and k not in cls.IGNORED)
        if unknown:
            raise ArgumentError(f"unknown spider argument(s) {', '.join(unknown)}; allowed: {', '.join(cls.KNOWN)}")
        values = {k: str(v) for k, v in kwargs.items() if k in cls.KNOWN and v is not None}
        if "from_archive" in values:
            # A replay asks for the URLs the archived crawl asked for: its base URL and
            # columns by default (its first warcinfo names them).
            archived = archived_arguments(values["from_archive"])
            values = {**{k: archived[k] for k in ("base_url", "sections") if k in archived}, **values}
        base_url = parse_base_url(values.get("base_url", site.base_url))
        if (discover := DiscoverArguments.parse(values)) is not None:
            return cls(base_url=base_url, sections=site.sections, incremental=False, probe=True, discover=discover)
        return cls(
            base_url=base_url,
            sections=parse_sections(values["sections"], site) if "sections" in values else site.sections,
            max_pages=parse_max_pages(values["max_pages"]) if "max_pages" in values else None,
            since=parse_since(values["since"]) if "since" in values else None,
            urls=parse_urls(values["urls"], base_url, site) if "urls" in values else (),
            incremental=parse_flag("incremental", values["incremental"]) if "incremental" in values else True,
            refresh_days=parse_refresh_days(values["refresh_days"]) if "refresh_days" in values else 0,
            probe=parse_flag("probe", values["probe"]) if "probe" in values else False,
            audit=parse_flag("audit", values["audit"]) if "audit" in values else None,
            new_store=parse_flag("new_store", values["new_store"]) if "new_store" in values else False,
            attachments=parse_flag("attachments", values["attachments"]) if "attachments" in values else None,
            ocr=parse_flag("ocr", values["ocr"]) if "ocr" in values else None,
            archive=parse_flag("archive", values["archive"]) if "archive" in values else None,
            from_archive=parse_from_archive(values["from_archive"]) if "from_archive" in values else None,
        )._checked()

    def _checked(self) -> CrawlArguments:
        if self.ocr and self.attachments is False:
            raise ArgumentError(
                "ocr=1 reads the scanned pages of downloaded files, and attachments=0 downloads none; allowed: "
                "ocr=1 alone (it implies attachments=1) or with attachments=1"
            )
        if self.ocr and self.probe:
            raise ArgumentError("ocr=1 reads downloaded files, and a probe downloads none; allowed: ocr=1 with a crawl")
        if self.attachments and self.probe:
            raise ArgumentError(
                "attachments=1 downloads the files of exported articles, and a probe exports nothing; allowed: "
                "attachments=1 with a crawl, probe=1 without it (the probe names the attachment kinds it meets)"
            )
        if self.audit and not self.incremental:
            raise ArgumentError(
                "audit=1 needs the state store (it fetches only what no run exported); allowed: audit=1 "
                "with incremental=1, or incremental=0 alone (a full crawl fetches everything anyway)"
            )
        if self.archive and self.from_archive:
            raise ArgumentError(
                "archive=1 writes what the site answers, and from_archive replays an archive without asking "
                "the site; allowed: one of them"
            )
        if self.from_archive and self.probe:
            raise ArgumentError(
                "from_archive replays a crawl, and a probe exports nothing; allowed: from_archive alone"
            )
        if self.audit and self.urls:
            raise ArgumentError("audit=1 walks the columns' lists; allowed: audit=1 with sections, not with urls")
        return self


def parse_base_url(value: str) -> str:
    """An http(s) root: scheme and host (and port), nothing else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArgumentError(
            f"base_url={value!r} is not an http(s) URL; allowed: a site root such as "
            f"{wuhan.DEFAULT_BASE_URL} or http://127.0.0.1:8000"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ArgumentError(
            f"base_url={value!r} has a path, query or credentials; allowed: a site root "
            f"(scheme://host[:port]) such as {wuhan.DEFAULT_BASE_URL}"
        )
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ArgumentError(f"base_url={value!r} has an invalid port; allowed: 1-65535") from None
    return urlunsplit((parts.scheme, parts.netloc.lower(), "", "", ""))


def parse_sections(value: str, site: Site = wuhan.SITE) -> tuple[str, ...]:
    sections: list[str] = []
    for raw in value.split(","):
        if not raw.strip():
            continue
        section = normalize_section(raw)
        if not _SECTION_RE.match(section) or ".." in section:
            raise ArgumentError(
                f"sections: {raw.strip()!r} is not a column path; allowed: comma-separated paths of "
                f"letters, digits, _ and -, slashes optional, e.g. sy/whyw,zwgk/tzgg "
                f"(known: {', '.join(c.path.strip('/') for c in site.columns)})"
            )
        if section not in sections:
            sections.append(section)
    if not sections:
        raise ArgumentError("sections is empty; allowed: comma-separated column paths, e.g. sy/whyw,zwgk/tzgg")
    return tuple(sections)


def parse_from_archive(value: str) -> str:
    """A folder of WARC files, a ``.warc.gz``/``.warc`` file or a ``.wacz`` that exists (read
    through once more when the spider opens it)."""
    from govnews.archive.reader import ArchiveError, sources  # noqa: PLC0415 - warcio only when asked

    path = Path(value.strip()).expanduser()
    try:
        sources(path)
    except ArchiveError as error:
        raise ArgumentError(f"from_archive={value!r}: {error}") from None
    return str(path.resolve())


def archived_arguments(value: str) -> dict[str, str]:
    """The crawl arguments the archive's first ``warcinfo`` names ({} if none)."""
    from govnews.archive.reader import ArchiveError, crawl_arguments  # noqa: PLC0415 - warcio only when asked

    try:
        found = crawl_arguments(Path(value.strip()).expanduser())
    except ArchiveError:
        return {}  # parse_from_archive says what is wrong
    for name, parse in (("base_url", parse_base_url), ("sections", parse_sections)):
        try:
            parse(found[name]) if name in found else None
        except ArgumentError:
            del found[name]  # not in our form (another tool's archive): the defaults stand
    return found


def parse_max_pages(value: str) -> int:
    try:
        pages = int(value.strip())
    except ValueError:
        pages = 0
    if not 1 <= pages <= MAX_PAGES_LIMIT:
        raise ArgumentError(f"max_pages={value!r} is not allowed; allowed: an integer from 1 to {MAX_PAGES_LIMIT}")
    return pages


def parse_flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ArgumentError(f"{name}={value!r} is not allowed; allowed: 1 or 0 (also true/false, yes/no, on/off)")


REFRESH_DAYS_LIMIT = 3660


def parse_refresh_days(value: str) -> int:
    try:
        days = int(value.strip())
    except ValueError:
        days = -1
    if not 0 <= days <= REFRESH_DAYS_LIMIT:
        raise ArgumentError(
            f"refresh_days={value!r} is not allowed; allowed: an integer from 0 to {REFRESH_DAYS_LIMIT} (days)"
        )
    return days


def parse_since(value: str) -> date:
    try:
        return (
            date.fromisoformat(value.strip())
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip())
            else _bad_since(value)
        )
    except ValueError:
        return _bad_since(value)


def _bad_since(value: str) -> date:
    raise ArgumentError(f"since={value!r} is not a date; allowed: YYYY-MM-DD, e.g. 2024-01-31")


def parse_urls(value: str, base_url: str, site: Site = wuhan.SITE) -> tuple[str, ...]:
    hosts = site.allowed_netlocs(base_url)
    urls: list[str] = []
    for item in value.split(","):
        raw = item.strip()
        if not raw:
            continue
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or netloc_of(raw) not in hosts:
            raise ArgumentError(
                f"urls: {raw!r} is not an http(s) URL on an allowed host; allowed hosts for "
                f"base_url={base_url}: {', '.join(sorted(hosts))}"
            )
        if not ARTICLE_PATH_RE.match(parts.path):
            raise ArgumentError(
                f"urls: {raw!r} is not an article URL; allowed: /<column>/YYYYMM/tYYYYMMDD_<docid>.shtml"
            )
        url = site.canonical_url(raw)
        if url not in urls:
            urls.append(url)
    if not urls:
        raise ArgumentError("urls is empty; allowed: comma-separated article URLs")
    return tuple(urls)


# -- discover=1 ----------------------------------------------------------------------

DISCOVER_BUDGET_DEFAULT = 150
DISCOVER_BUDGET_LIMIT = 2000
DISCOVER_DEPTH_DEFAULT = 4
DISCOVER_DEPTH_LIMIT = 10
EmitForm = Literal["report", "table"]
_START_RE = re.compile(r"^/(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class DiscoverArguments:
    """``-a discover=1`` and the arguments only it takes (govnews.discover)."""

    budget: int = DISCOVER_BUDGET_DEFAULT
    """Requests in all, robots.txt included: never exceeded."""
    depth: int = DISCOVER_DEPTH_DEFAULT
    """Clicks from a start page: links on a page at this depth are listed, not followed."""
    starts: tuple[str, ...] = ("/",)
    emit: EmitForm = "report"

    ONLY_WITH_DISCOVER = ("budget", "depth", "start", "emit")
    # A discovery maps the site itself: these say what to crawl, which it does not.
    NOT_WITH_DISCOVER = (
        "sections",
        "max_pages",
        "since",
        "urls",
        "refresh_days",
        "audit",
        "attachments",
        "ocr",
        "archive",
        "from_archive",
    )

    @classmethod
    def parse(cls, values: dict[str, str]) -> DiscoverArguments | None:
        """The discovery's arguments, or None without ``discover=1`` (then none of its own
        arguments is allowed).

        >>> DiscoverArguments.parse({"discover": "1", "budget": "40", "start": "zwgk,/sy/whyw/"})
        DiscoverArguments(budget=40, depth=4, starts=('/zwgk', '/sy/whyw/'), emit='report')
        >>> DiscoverArguments.parse({"depth": "3"})
        Traceback (most recent call last):
        ...
        govnews.crawl.arguments.ArgumentError: depth is an argument of discover=1; allowed: -a discover=1 -a depth=3
        """
        on = parse_flag("discover", values["discover"]) if "discover" in values else False
        if not on:
            if given := [name for name in cls.ONLY_WITH_DISCOVER if name in values]:
                name = given[0]
                raise ArgumentError(
                    f"{name} is an argument of discover=1; allowed: -a discover=1 -a {name}={values[name]}"
                )
            return None
        if clash := [name for name in cls.NOT_WITH_DISCOVER if name in values]:
            raise ArgumentError(
                f"{clash[0]} is not used by discover=1, which maps the site's columns itself; "
                f"allowed with discover=1: base_url, {', '.join(cls.ONLY_WITH_DISCOVER)}"
            )
        if "probe" in values and not parse_flag("probe", values["probe"]):
            raise ArgumentError("probe=0 and discover=1 contradict each other; discover=1 is a mode of the probe")
        return cls(
            budget=_bounded_int("budget", values.get("budget"), DISCOVER_BUDGET_DEFAULT, 2, DISCOVER_BUDGET_LIMIT),
            depth=_bounded_int("depth", values.get("depth"), DISCOVER_DEPTH_DEFAULT, 1, DISCOVER_DEPTH_LIMIT),
            starts=parse_starts(values["start"]) if "start" in values else ("/",),
            emit=parse_emit(values.get("emit", "report")),
        )


def _bounded_int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ArgumentError(f"{name}={value!r} is not allowed; allowed: an integer from {low} to {high}")
    return number


def parse_starts(value: str) -> tuple[str, ...]:
    """``start``: comma-separated paths on the host (a leading slash optional), where the
    discovery starts instead of the home page.

    >>> parse_starts("zwgk/xxgk/, /sy/whyw/index.shtml")
    ('/zwgk/xxgk/', '/sy/whyw/index.shtml')
    """
    starts: list[str] = []
    for raw in value.split(","):
        path = "/" + raw.strip().lstrip("/") if raw.strip() else ""
        if not path:
            continue
        if not _START_RE.match(path) or ".." in path:
            raise ArgumentError(
                f"start: {raw.strip()!r} is not a path on the host; allowed: comma-separated paths such as "
                "/zwgk/xxgk/ or /sy/whyw/index.shtml (letters, digits, _ - . and slashes; no query, no host)"
            )
        if path not in starts:
            starts.append(path)
    if not starts:
        raise ArgumentError("start is empty; allowed: comma-separated paths on the host, e.g. /zwgk/xxgk/")
    return tuple(starts)


def parse_emit(value: str) -> EmitForm:
    lowered = value.strip().lower()
    if lowered == "table":
        return "table"
    if lowered == "report":
        return "report"
    raise ArgumentError(
        f"emit={value!r} is not allowed; allowed: table (a ready entry for the site table) or report (the default)"
    )


# -- the family's arguments (scrapy crawl family) --------------------------------------------

# Arguments passed on to every site's spider; the others are per site.
SHARED_ARGUMENTS = (
    "since",
    "max_pages",
    "incremental",
    "refresh_days",
    "audit",
    "new_store",
    "attachments",
    "ocr",
    "archive",
)
PER_SITE_ARGUMENTS = ("sections", "urls", "probe")


@dataclass(frozen=True)
class FamilyArguments:
    sites: tuple[Site, ...]
    base_urls: dict[str, str] = field(default_factory=dict)
    """Per site key, the base URL to crawl it at (a mirror); else the site's own."""
    shared: dict[str, str] = field(default_factory=dict)
    incremental: bool = True

    @property
    def takes_lease(self) -> bool:
        """Each site's run takes its site's lease (:attr:`CrawlArguments.takes_lease`)."""
        return self.incremental

    @property
    def new_store(self) -> bool:
        """``new_store=1``: a site whose Redis store does not exist gets a new one (see
        :attr:`CrawlArguments.new_store`)."""
        return "new_store" in self.shared and parse_flag("new_store", self.shared["new_store"])

    KNOWN = ("sites", "base_urls", *SHARED_ARGUMENTS)
    IGNORED = CrawlArguments.IGNORED

    @classmethod
    def parse(cls, kwargs: dict[str, Any]) -> FamilyArguments:
        for name in kwargs:
            if name in PER_SITE_ARGUMENTS:
                raise ArgumentError(
                    f"{name} is an argument of one site's spider, not of the family; "
                    f"allowed: {', '.join(cls.KNOWN)} (or scrapy crawl <site> -a {name}=…)"
                )
            if name not in cls.KNOWN and name not in cls.IGNORED:
                raise ArgumentError(f"unknown argument {name}; allowed: {', '.join(cls.KNOWN)}")
        values = {k: str(v) for k, v in kwargs.items() if v is not None}
        sites = parse_sites(values["sites"]) if "sites" in values else SITES
        base_urls = parse_base_urls(values.get("base_urls", ""), sites)
        shared = {k: values[k] for k in SHARED_ARGUMENTS if k in values}
        # The shared arguments, checked as each site's spider will check them.
        checked = [CrawlArguments.parse({**shared, "base_url": base_urls.get(s.key, s.base_url)}, s) for s in sites]
        return cls(sites=sites, base_urls=base_urls, shared=shared, incremental=checked[0].incremental)

    def base_url(self, site: Site) -> str:
        return self.base_urls.get(site.key, site.base_url)

    def spider_arguments(self, site: Site, job: str | None) -> dict[str, str]:
        arguments = {**self.shared, "base_url": self.base_url(site)}
        if job:
            arguments["_job"] = f"{job}-{site.key}"
        return arguments


def parse_sites(value: str) -> tuple[Site, ...]:
    """``jianghan,wuchang`` → their rows of the table, in the order given, each once."""
    keys = list(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    unknown = [k for k in keys if k not in SITES_BY_KEY]
    if unknown or not keys:
        raise ArgumentError(
            f"sites: {', '.join(unknown) or 'empty'} not a site of the family; "
            f"allowed: comma-separated names of {', '.join(SITES_BY_KEY)}"
        )
    return tuple(SITES_BY_KEY[k] for k in keys)


def parse_base_urls(value: str, sites: tuple[Site, ...]) -> dict[str, str]:
    """``jianghan=http://127.0.0.1:8101,wuchang=…`` → ``{"jianghan": "http://127.0.0.1:8101", …}``."""
    wanted = {s.key for s in sites}
    base_urls: dict[str, str] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        key, sep, url = item.partition("=")
        key = key.strip()
        if not sep or key not in wanted:
            raise ArgumentError(
                f"base_urls: {item.strip()!r} is not <site>=<url> for a site of this run; "
                f"allowed sites: {', '.join(sorted(wanted))}"
            )
        base_urls[key] = parse_base_url(url)
    return base_urls
