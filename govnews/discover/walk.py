"""Which pages a discovery asks for, in what order, and when it stops.

Pure: a state machine the Scrapy part feeds with what each page said (:mod:`govnews.discover.pages`)
and asks for the next requests; no Scrapy import, no I/O.

The walk starts at the home page (or the ``start`` paths) and follows the site's own
navigation breadth first: anchors, tab heads, script menus, "更多" links. It also tries,
one click further, the column of every article a page links to (a home page's block of
rows names its column) and the parent of every column it finds (a column index page
lists the sibling sub-columns). It never leaves the host: links to other hosts are noted,
those of the family's domains as candidate sites.

Rules that keep it bounded (the numbers are :class:`Limits`):

* **the budget**: requests in all (robots.txt included) never exceed ``budget``; a column's
  sample article goes before any further page, so every column found gets its sample;
* **the depth**: links on a page ``depth`` clicks from a start page are listed as
  unexplored, not followed;
* **no query strings**: TRS WCM publishes static files, so a link with a query
  (``?date=2026-02``, ``?page=3``, a search) is a calendar, a pager loop or a search page:
  counted, never followed;
* **no files**: only pages (``.shtml``, ``.html``, ``.htm``, or directories);
* **traps by shape**: a path's *shape* is the path with each number replaced by ``#``
  (``/rl/2026/02/`` → ``/rl/#/#/``). Of one shape with numbers, at most ``shape_queue`` links
  are taken until a page of that shape proves a list page; after ``shape_misses`` pages
  of it that are no list page, the shape is left. Paths of more than ``max_segments``
  segments, or repeating one segment three times, are not followed;
* **link farms**: of one page, at most ``links_per_page`` links, taken in turn from each
  shape so that a thousand links of one kind do not crowd out the one of another;
* **unsupported**: when none of the first ``first_look`` pages shows a mark of the
  publishing system (:attr:`PageReading.marks`), the walk stops: the host is reported as
  unsupported.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from govnews.discover.pages import ColumnList, NameCandidate, PageReading, choose_name, name_from_title
from govnews.discover.report import ColumnReport, DiscoveryReport, Estimate, HostLink, SkipNote, TableColumn
from govnews.sites.site import ARTICLE_PATH_RE, netloc_of

FetchKind = Literal["page", "sample"]

_INDEX_RE = re.compile(r"^(?:index|default)(?:_\d+)?\.s?html?$", re.I)
_PAGER_PAGE_RE = re.compile(r"^(?:index|default)_\d+\.s?html?$", re.I)
_PAGE_EXTENSIONS = ("", ".shtml", ".html", ".htm")
_DIGITS_RE = re.compile(r"\d+")
_EXAMPLES = 3
_TEXTS_PER_PAGE = 5
# Where a link came from, in the order the walk prefers at one depth.
_VIA_RANK = {"start": 0, "redirect": 0, "retry": 0, "a": 0, "attribute": 0, "script": 0, "article": 1, "parent": 2}
_HOME_TEXTS = frozenset({"首页", "网站首页", "主页", "返回首页", "home"})

# Why a link or page was not followed: the report's wording.
SKIP_REASONS = {
    "query": "links with a query string (calendars, ?page= loops, searches)",
    "file": "links to files (not pages)",
    "farm": "links of one repeated shape beyond the first few (a link farm or a calendar by path)",
    "trap": "queued pages of a shape whose pages were no list pages",
    "long_path": "paths too long or repeating a segment",
    "page_cap": "links beyond the first ones read on one page",
    "robots": "pages robots.txt disallows",
    "redirect_offsite": "redirects to another host",
    "other_host": "links to hosts outside the site's family",
}


@dataclass(frozen=True)
class Limits:
    budget: int
    """Requests in all, robots.txt included."""
    depth: int
    links_per_page: int = 300
    shape_queue: int = 8
    shape_misses: int = 3
    max_segments: int = 10
    first_look: int = 5


@dataclass(frozen=True)
class Fetch:
    url: str
    kind: FetchKind
    key: str
    """The page's key (its directory, or its path when it is no index page); for a sample,
    the column path."""
    depth: int


@dataclass
class _Target:
    key: str
    url: str
    depth: int
    via: str


@dataclass
class _Column:
    path: str
    url: str
    depth: int
    listing: ColumnList
    names: list[NameCandidate]
    title_parts: tuple[str, ...]
    sample_url: str | None
    sample: str = "not read"
    sample_container: str | None = None


@dataclass
class _Skip:
    count: int = 0
    examples: list[str] = field(default_factory=list)


def page_key(path: str) -> str:
    """One key per page: a directory and its index pages are one page (``/a/``,
    ``/a/index.shtml``, a pager page ``/a/index_3.shtml``); another file is itself.

    >>> [page_key(p) for p in ("/a/", "/a/index.shtml", "/a/index_3.shtml", "/a", "/a/b.shtml", "//a//b/")]
    ['/a/', '/a/', '/a/', '/a/', '/a/b.shtml', '/a/b/']
    """
    path = re.sub(r"/{2,}", "/", path or "/")
    if path.endswith("/"):
        return path
    head, _, last = path.rpartition("/")
    if _INDEX_RE.match(last):
        return head + "/"
    if "." in last:
        return path
    return path + "/"


def fetch_path(path: str) -> str:
    """What to ask for to read the page a link names: an index or other file as linked
    (a site may serve ``index.shtml`` but not the bare directory, or the reverse), a pager
    page's first page, a directory with its slash.

    >>> [fetch_path(p) for p in ("/a/index.shtml", "/a/index_3.shtml", "/a", "/a/b.html", "/a/")]
    ['/a/index.shtml', '/a/', '/a/', '/a/b.html', '/a/']
    """
    last = path.rsplit("/", 1)[-1]
    if _PAGER_PAGE_RE.match(last) or "." not in last:
        return page_key(path)
    return re.sub(r"/{2,}", "/", path)


def shape_of(key: str) -> str:
    """The path with every number as ``#``: pages of one shape are made by one template.

    >>> shape_of("/hdjl/hdrl/2026/02/"), shape_of("/zwgk/tzgg/")
    ('/hdjl/hdrl/#/#/', '/zwgk/tzgg/')
    """
    return _DIGITS_RE.sub("#", key)


def registrable_domain(host: str) -> str:
    """The domain a host belongs to: ``www.jianghan.gov.cn`` → ``jianghan.gov.cn``,
    ``tjj.wuhan.gov.cn`` → ``wuhan.gov.cn``, ``www.example.org`` → ``example.org``.

    >>> registrable_domain("tjj.wuhan.gov.cn"), registrable_domain("www.example.org"), registrable_domain("127.0.0.1")
    ('wuhan.gov.cn', 'example.org', '127.0.0.1')
    """
    labels = host.lower().split(".")
    if all(label.isdigit() for label in labels):
        return host
    keep = 3 if len(labels) >= 3 and labels[-2] in ("gov", "com", "org", "edu", "net", "ac") else 2
    return ".".join(labels[-keep:])


def _is_page_path(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    extension = last[last.rfind(".") :].lower() if "." in last else ""
    return extension in _PAGE_EXTENSIONS


def _bad_path(key: str, max_segments: int) -> bool:
    segments = [s for s in key.split("/") if s]
    return len(segments) > max_segments or any(n >= 3 for n in Counter(segments).values())


class Discovery:
    """One discovery of one host (see the module docstring).

    The Scrapy part calls :meth:`next_fetches` for requests, then for each answer one of
    :meth:`page_read`, :meth:`sample_read`, :meth:`redirected` or :meth:`failed`, and
    :meth:`report` at the end.
    """

    def __init__(
        self,
        base_url: str,
        netlocs: frozenset[str],
        limits: Limits,
        *,
        starts: tuple[str, ...] = ("/",),
        robots_requests: int = 0,
        family_domains: frozenset[str] = frozenset(),
        table_hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.netlocs = netlocs
        self.limits = limits
        self.starts = starts
        self.spent = robots_requests
        """Requests asked for so far (robots.txt included)."""
        self.in_flight = 0
        self.pages_read = 0
        self.stopped: str | None = None
        """Why the walk stopped before mapping anything (unsupported host, unreadable start)."""
        self.family_domains = family_domains
        self.table_hosts = dict(table_hosts or {})
        self.columns: dict[str, _Column] = {}
        self.site_names: set[str] = set()
        self.link_texts: dict[str, list[str]] = {}
        self.page_outcomes: dict[str, str] = {}
        self.skipped: dict[str, _Skip] = {}
        self.too_deep: dict[str, str] = {}
        self.candidates: dict[str, list[str]] = {}
        self.other_gov_hosts: dict[str, list[str]] = {}
        self._marks_seen = False
        self._pages_asked = 0
        self._heap: list[tuple[int, int, int, str]] = []
        self._targets: dict[str, _Target] = {}
        self._known: set[str] = set()
        self._samples: deque[Fetch] = deque()
        self._seq = itertools.count()
        self._shape_taken: Counter[str] = Counter()
        self._shape_hits: Counter[str] = Counter()
        self._shape_misses: Counter[str] = Counter()
        self._redirects: Counter[str] = Counter()
        self._retried: set[str] = set()
        base = urlsplit(base_url)
        self._scheme, self._netloc = base.scheme, base.netloc
        for path in starts:
            self._push(page_key(path), self._url(path), 0, "start")

    # -- asking --------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.in_flight == 0 and not self._next_ready()

    def _next_ready(self) -> bool:
        if self.stopped is not None or self.spent >= self.limits.budget:
            return False
        return bool(self._samples or self._targets)

    def next_fetches(self, slots: int) -> list[Fetch]:
        """Up to ``slots`` requests to make now: samples of found columns first, then pages
        by depth; none once the budget is spent or the walk stopped."""
        out: list[Fetch] = []
        while len(out) < slots and self.stopped is None and self.spent < self.limits.budget:
            if not self._marks_seen and self._pages_asked >= self.limits.first_look:
                break  # a first look at a host that may not be of the system: no more until judged
            fetch = self._pop()
            if fetch is None:
                break
            self.spent += 1
            self.in_flight += 1
            self._pages_asked += fetch.kind == "page"
            out.append(fetch)
        return out

    def _pop(self) -> Fetch | None:
        if self._samples:
            return self._samples.popleft()
        while self._heap:
            key = heapq.heappop(self._heap)[3]
            target = self._targets.pop(key, None)
            if target is None:
                continue
            if self._shape_left(shape_of(key)):
                self._skip("trap", key)
                continue
            self.page_outcomes[key] = "asked"
            return Fetch(target.url, "page", key, target.depth)
        return None

    def _url(self, path: str) -> str:
        return urlunsplit((self._scheme, self._netloc, path, "", ""))

    def _push(self, key: str, url: str, depth: int, via: str, *, again: bool = False) -> None:
        if key in self._known and not again:
            return
        self._known.add(key)
        self._targets[key] = _Target(key, url, depth, via)
        heapq.heappush(self._heap, (depth, _VIA_RANK.get(via, 1), next(self._seq), key))

    def _shape_left(self, shape: str) -> bool:
        return "#" in shape and not self._shape_hits[shape] and self._shape_misses[shape] >= self.limits.shape_misses

    def _skip(self, reason: str, example: str) -> None:
        note = self.skipped.setdefault(reason, _Skip())
        note.count += 1
        if len(note.examples) < _EXAMPLES and example not in note.examples:
            note.examples.append(example)

    # -- answers -------------------------------------------------------------------------

    def page_read(self, fetch: Fetch, reading: PageReading) -> None:
        """A page answered 200 and was read."""
        self.in_flight -= 1
        self.pages_read += 1
        if reading.marks:
            self._marks_seen = True
        if reading.site_name:
            self.site_names.add(reading.site_name)
        if fetch.depth == 0 and fetch.key == "/":
            # The home page's title is the site's name (or holds it: 首页 - 武汉市人民政府).
            self.site_names.update(reading.title_parts)
        shape = shape_of(fetch.key)
        listing = reading.listing
        if listing is not None and listing.path not in self.columns:
            self.page_outcomes[fetch.key] = "list page"
            self._shape_hits[shape] += 1
            self._column_found(fetch, reading, listing)
        else:
            self.page_outcomes[fetch.key] = f"no list page: {reading.not_a_list or 'a column already found'}"
            self._shape_misses[shape] += 1
        self._offer_links(fetch, reading)
        self._judge()

    def sample_read(self, fetch: Fetch, body_found: bool, container: str) -> None:
        """A column's sample article was read: its body found by a known container or not."""
        self.in_flight -= 1
        column = self.columns[fetch.key]
        column.sample = "containers" if body_found else "fallback"
        column.sample_container = container

    def redirected(self, fetch: Fetch, location: str) -> None:
        """A page answered with a redirect to ``location`` (absolute)."""
        self.in_flight -= 1
        parts = urlsplit(location)
        if parts.scheme not in ("http", "https") or netloc_of(location) not in self.netlocs:
            self._skip("redirect_offsite", f"{urlsplit(fetch.url).path} → {location}")
            self._note_outcome(fetch, "redirected to another host")
            return
        if parts.query:
            self._skip("query", f"{urlsplit(fetch.url).path} → {parts.path}?{parts.query}")
            self._note_outcome(fetch, "redirected to a query")
            return
        self._redirects[fetch.key] += 1
        if self._redirects[fetch.key] > 2:
            self._note_outcome(fetch, "redirect loop")
            return
        url = self._url(parts.path or "/")
        if fetch.kind == "sample":
            self._samples.appendleft(Fetch(url, "sample", fetch.key, fetch.depth))
            return
        key = page_key(parts.path or "/")
        self._push(key, url, fetch.depth, "redirect", again=key == fetch.key and url != fetch.url)
        self._judge()

    def failed(self, fetch: Fetch, reason: str) -> None:
        """A request failed: an HTTP error (``http_404``), robots.txt (``robots_txt``), the network."""
        self.in_flight -= 1
        if fetch.kind == "sample":
            self.columns[fetch.key].sample = f"failed: {reason}"
            return
        self.page_outcomes[fetch.key] = reason
        if reason == "robots_txt":
            self._skip("robots", fetch.key)
        self._shape_misses[shape_of(fetch.key)] += 1
        path = urlsplit(fetch.url).path
        if reason == "http_404" and path != fetch.key and fetch.key not in self._retried:
            # /a/index.html answers 404 where /a/ (its index.shtml) serves: ask for the directory.
            self._retried.add(fetch.key)
            self._push(fetch.key, self._url(fetch.key), fetch.depth, "retry", again=True)
        self._judge()

    def _note_outcome(self, fetch: Fetch, outcome: str) -> None:
        if fetch.kind == "sample":
            self.columns[fetch.key].sample = f"failed: {outcome}"
        else:
            self.page_outcomes[fetch.key] = outcome
        self._judge()

    def _judge(self) -> None:
        """Stop when the first pages show nothing of the publishing system."""
        if self._marks_seen or self.stopped is not None:
            return
        looked = self._pages_asked >= self.limits.first_look and self.in_flight == 0
        idle = looked or (self.in_flight == 0 and not self._targets and not self._samples)
        if idle and self.pages_read:
            self.stopped = (
                f"unsupported: {self.base_url} is not a site of the TRS WCM publishing system "
                f"(none of the {self.pages_read} pages read links to an article "
                "/<column>/YYYYMM/tYYYYMMDD_<docid>.shtml or shows its pager, classes or meta tags)"
            )
        elif idle:
            outcomes = ", ".join(sorted(set(self.page_outcomes.values()))) or "no answer"
            self.stopped = f"unreachable: no page of {self.base_url} could be read ({outcomes})"

    # -- what a page offers ------------------------------------------------------------

    def _column_found(self, fetch: Fetch, reading: PageReading, listing: ColumnList) -> None:
        dated = [row for row in listing.rows if row.date]
        newest = max(dated, key=lambda row: row.published_at or row.date or "") if dated else listing.rows[0]
        sample = self._url(urlsplit(newest.url).path) if listing.rows else None
        self.columns[listing.path] = _Column(
            listing.path,
            reading.url,
            fetch.depth,
            listing,
            list(reading.names),
            reading.title_parts,
            sample,
        )
        if sample is not None:
            self._samples.append(Fetch(sample, "sample", listing.path, fetch.depth + 1))
        parent = listing.path.rstrip("/").rsplit("/", 1)[0] + "/"
        if parent != "/":
            self._offer_page(parent, self._url(parent), None, "parent", fetch.depth + 1)

    def _offer_links(self, fetch: Fetch, reading: PageReading) -> None:
        depth = fetch.depth + 1
        offered: dict[str, tuple[str, str | None, str]] = {}
        for link in reading.links:
            parts = urlsplit(link.url)
            if parts.scheme not in ("http", "https"):
                continue
            if netloc_of(link.url) not in self.netlocs:
                # What a link to an article says is the article's title, not the host's name.
                text = None if ARTICLE_PATH_RE.match(parts.path) else link.text
                self._other_host(parts.hostname or "", text)
                continue
            path = parts.path or "/"
            if parts.query:
                self._skip("query", f"{path}?{parts.query}")
                continue
            if ARTICLE_PATH_RE.match(path):
                continue  # an article: its column is offered below
            if not _is_page_path(path):
                self._skip("file", path)
                continue
            key = page_key(path)
            url = self._url(fetch_path(path))
            if link.text and link.text.lower() not in _HOME_TEXTS:
                texts = self.link_texts.setdefault(key, [])
                if link.text not in texts and len(texts) < _TEXTS_PER_PAGE:
                    texts.append(link.text)
            offered.setdefault(key, (url, link.text, link.via))
        for url in reading.article_links:
            match = ARTICLE_PATH_RE.match(urlsplit(url).path)
            if match:
                section = match.group("section")
                offered.setdefault(section, (self._url(section), None, "article"))
        for key, (url, text, via) in self._capped(offered):
            self._offer_page(key, url, text, via, depth)

    def _capped(self, offered: dict[str, tuple[str, str | None, str]]) -> list[tuple[str, tuple[str, str | None, str]]]:
        """At most ``links_per_page`` of a page's links, taken in turn from each shape."""
        by_shape: dict[str, list[tuple[str, tuple[str, str | None, str]]]] = {}
        for key, value in offered.items():
            by_shape.setdefault(shape_of(key), []).append((key, value))
        taken: list[tuple[str, tuple[str, str | None, str]]] = []
        for round_ in itertools.zip_longest(*by_shape.values()):
            for item in round_:
                if item is None:
                    continue
                if len(taken) < self.limits.links_per_page:
                    taken.append(item)
                else:
                    self._skip("page_cap", item[0])
        order = {key: i for i, key in enumerate(offered)}
        return sorted(taken, key=lambda item: order[item[0]])

    def _offer_page(self, key: str, url: str, text: str | None, via: str, depth: int) -> None:
        if key in self._known or key in self.too_deep:
            return
        if _bad_path(key, self.limits.max_segments):
            self._skip("long_path", key)
            return
        if depth > self.limits.depth:
            self.too_deep[key] = url
            return
        shape = shape_of(key)
        if "#" in shape:
            allowed = self.limits.shape_queue * (10 if self._shape_hits[shape] else 1)
            if self._shape_left(shape) or self._shape_taken[shape] >= allowed:
                self._skip("farm", key)
                return
            self._shape_taken[shape] += 1
        self._push(key, url, depth, via)

    def _other_host(self, host: str, text: str | None) -> None:
        host = host.lower()
        family = host in self.table_hosts or any(
            host == domain or host.endswith("." + domain) for domain in self.family_domains
        )
        if family:
            texts = self.candidates.setdefault(host, [])
        elif host.endswith(".gov.cn"):
            texts = self.other_gov_hosts.setdefault(host, [])
        else:
            self._skip("other_host", host)
            return
        if text and text not in texts and len(texts) < _TEXTS_PER_PAGE:
            texts.append(text)

    # -- the report ---------------------------------------------------------------------

    def report(self, table: Mapping[str, TableColumn], *, site_label: str) -> DiscoveryReport:
        """What the walk found, for people and for code; ``table``: the site table's columns
        of this host by path (empty when the host is not a row)."""
        columns = [self._column_report(column, table) for column in sorted(self.columns.values(), key=lambda c: c.path)]
        found = {c.path for c in columns}
        unexplored = [target.url for target in sorted(self._targets.values(), key=lambda t: (t.depth, t.key))]
        unexplored += [fetch.url for fetch in self._samples]
        return DiscoveryReport(
            base_url=self.base_url,
            site_label=site_label,
            budget=self.limits.budget,
            depth=self.limits.depth,
            spent=self.spent,
            pages_read=self.pages_read,
            columns=tuple(columns),
            stopped=self.stopped,
            table_missing=tuple((path, c.name) for path, c in table.items() if path not in found),
            candidates=tuple(self._host_links(self.candidates)),
            other_gov_hosts=tuple(self._host_links(self.other_gov_hosts)),
            skipped=tuple(
                SkipNote(reason, SKIP_REASONS.get(reason, reason), note.count, tuple(note.examples))
                for reason, note in sorted(self.skipped.items(), key=lambda item: -item[1].count)
            ),
            unexplored=tuple(unexplored),
            too_deep=tuple(sorted(self.too_deep)),
            budget_spent=self.spent >= self.limits.budget and bool(unexplored),
            site_names=tuple(sorted(self.site_names)),
            title_suffixes=tuple(self._title_suffixes()),
        )

    def _host_links(self, hosts: dict[str, list[str]]) -> list[HostLink]:
        return [HostLink(host, tuple(texts), self.table_hosts.get(host)) for host, texts in sorted(hosts.items())]

    def _name(self, column: _Column) -> tuple[NameCandidate | None, dict[str, str]]:
        """The column's name (:func:`~govnews.discover.pages.choose_name` of what its pages and the
        links to it say), and what each source says."""
        candidates = [c for c in column.names if c.source != "title"]
        if titled := name_from_title(column.title_parts, self.site_names):
            candidates.append(NameCandidate("title", titled))
        candidates += [NameCandidate("link", text) for text in self.link_texts.get(column.path, [])]
        readings: dict[str, str] = {}
        for candidate in candidates:
            readings.setdefault(candidate.source, candidate.value)
        return choose_name(candidates), readings

    def _column_report(self, column: _Column, table: Mapping[str, TableColumn]) -> ColumnReport:
        listing = column.listing
        chosen, readings = self._name(column)
        dates = sorted(row.date for row in listing.rows if row.date)
        rows = len(listing.rows)
        pages = listing.pager.page_count
        estimate: Estimate
        if pages is None:
            estimate, articles = "at least", rows
        elif pages <= 1:
            estimate, articles = "exact", rows
        else:
            estimate, articles = "about", rows * pages
        known = table.get(column.path)
        return ColumnReport(
            path=column.path,
            name=chosen.value if chosen else None,
            name_from=chosen.source if chosen else None,
            names=readings,
            url=column.url,
            depth=column.depth,
            row_form=listing.row_form,
            pager=listing.pager.form,
            page_count=pages,
            rows=rows,
            newest=dates[-1] if dates else None,
            oldest=dates[0] if dates else None,
            articles=articles,
            articles_estimate=estimate,
            sample=column.sample_url,
            body=column.sample,
            body_container=column.sample_container,
            in_table=known is not None,
            table_name=known.name if known else None,
        )

    def _title_suffixes(self) -> list[str]:
        """What column pages' titles add to the column's name: the site's name as titles give it."""
        found: list[str] = []
        for column in self.columns.values():
            chosen, _ = self._name(column)
            for part in column.title_parts:
                if chosen is not None and part != chosen.value and part not in found:
                    found.append(part)
        return found
