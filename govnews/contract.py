"""What the rest of the crawl reads from a running govnews spider: its contract, as a type.

The pipelines, the feed storage, the downloader middlewares, the download handler, the
extensions and the operators' tools all act on what the spider of the run offers: its parsed
arguments, its site, its run's view of the state store, the hosts it may ask, and the lease's
fence. They reach it through :func:`contract_of` (or :func:`fence_of`, for the fence alone),
never by reading an attribute by name: mypy checks every reader against
:class:`SpiderContract`, and the spiders against it where they are made
(:mod:`govnews.crawl.spiders.wuhan`).

A spider that is not ours (a user's spider run with our pipelines and middlewares) offers no
contract: :func:`contract_of` returns ``None`` and each reader does what it did for such a
spider before (no state, no fence, no host limit beyond Scrapy's own).

May import :mod:`govnews.store` (the run's view of it) and :mod:`govnews.sites`; the feeds,
the crawl, the pipelines, the family and the operators' tools import it.
"""

from __future__ import annotations

from typing import Protocol, TypeGuard, runtime_checkable

from govnews.sites.site import Site
from govnews.store.run import IncrementalRun


class RunArguments(Protocol):
    """The spider's arguments as the other parts read them (parsed once, by
    :class:`govnews.crawl.arguments.CrawlArguments`)."""

    @property
    def base_url(self) -> str: ...
    @property
    def sections(self) -> tuple[str, ...]: ...
    @property
    def urls(self) -> tuple[str, ...]: ...
    @property
    def incremental(self) -> bool: ...
    @property
    def probe(self) -> bool: ...
    @property
    def new_store(self) -> bool: ...
    @property
    def attachments(self) -> bool | None: ...
    @property
    def ocr(self) -> bool | None: ...
    @property
    def archive(self) -> bool | None:
        """``-a archive=1``/``0``; None: the setting ``GOVNEWS_ARCHIVE`` decides (govnews.archive)."""
        ...

    @property
    def from_archive(self) -> str | None:
        """``-a from_archive=PATH``: the run is a replay of that archive; None otherwise."""
        ...

    @property
    def discover(self) -> object | None:
        """``-a discover=1``: the run maps the site's columns (its options); None otherwise."""
        ...

    @property
    def takes_lease(self) -> bool:
        """The run reads and writes its site's state store, under its lock or lease."""
        ...


@runtime_checkable
class LeaseFenced(Protocol):
    """A spider whose requests and feed lines are made on a lease's authority."""

    def lease_fence(self, *, confirm: bool = False) -> bool:
        """True while the run may act for its site; ``confirm``: the lease's server is asked too."""
        ...


@runtime_checkable
class SpiderContract(LeaseFenced, Protocol):
    """A govnews spider, as the rest of the crawl sees it while it runs."""

    @property
    def args(self) -> RunArguments: ...
    @property
    def site(self) -> Site:
        """The site of the family this spider crawls (its backend: the politeness budget)."""
        ...

    @property
    def incremental_run(self) -> IncrementalRun:
        """The run's view of the state store: which rows are new, the feeds' journal, the lease."""
        ...

    @property
    def allowed_netlocs(self) -> frozenset[str]:
        """The hosts (``host[:port]``) its requests may go to."""
        ...

    @property
    def attachment_netlocs(self) -> frozenset[str]:
        """The hosts an attachment may be downloaded from (the family's, on the real sites)."""
        ...

    @property
    def scrapyd_job(self) -> str | None:
        """scrapyd's job id (the spider argument ``_job``), None outside scrapyd."""
        ...


def members(protocol: type) -> tuple[str, ...]:
    """The public names a protocol declares, its bases' included: what ``isinstance`` against
    it (runtime-checkable) looks for.

    >>> members(SpiderContract)
    ('allowed_netlocs', 'args', 'attachment_netlocs', 'incremental_run', 'lease_fence', 'scrapyd_job', 'site')
    """
    names: set[str] = set()
    # Every class before Protocol in a protocol's MRO is a protocol.
    for base in protocol.__mro__[: protocol.__mro__.index(Protocol)]:
        names.update(name for name in (*vars(base), *base.__annotations__) if not name.startswith("_"))
    return tuple(sorted(names))


# isinstance() against a runtime-checkable protocol costs ~45 µs on Python 3.11 (it gathers the
# members each time), and the fence and the hosts' check ask on every request: the same test
# on members gathered once costs ~1 µs.
_CONTRACT = members(SpiderContract)
_FENCED = members(LeaseFenced)


def _offers(spider: object, names: tuple[str, ...]) -> bool:
    return all(hasattr(spider, name) for name in names)


def _is_contract(spider: object) -> TypeGuard[SpiderContract]:
    return _offers(spider, _CONTRACT)


def _is_fenced(spider: object) -> TypeGuard[LeaseFenced]:
    return _offers(spider, _FENCED)


def contract_of(spider: object) -> SpiderContract | None:
    """The running spider's contract, or None for a spider that offers none (not ours).

    >>> contract_of(object()) is None
    True
    """
    return spider if _is_contract(spider) else None


def fence_of(spider: object) -> LeaseFenced | None:
    """The spider's lease fence, or None for a spider that works on no lease's authority."""
    return spider if _is_fenced(spider) else None
