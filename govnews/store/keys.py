"""Every Redis key govnews reads or writes, named here and nowhere else.

The texts are persisted (a store's layout is 5, ``tests/fixtures/redis-layout-*.json`` keep
the older ones): a key's text never changes without a new layout and its upgrade. No Redis
import: the names are plain strings, read by the store (:mod:`govnews.store.redis`), the
lease (:mod:`govnews.store.lease`), the cluster's turns (:mod:`govnews.store.turns`), the
family (:mod:`govnews.family.crawl`) and the operators' tools.

Per site, every key under one prefix whose ``{<site>}`` is a Redis Cluster hash tag (every
key of a site lives in one slot, so a write is one ``MULTI``/``EXEC`` transaction):

>>> keys = SiteKeys("www.wuhan.gov.cn")
>>> keys.articles, keys.lock
('govnews:{www.wuhan.gov.cn}:articles', 'govnews:{www.wuhan.gov.cn}:lock')
>>> keys.covered("/sy/whyw/")
'govnews:{www.wuhan.gov.cn}:covered:/sy/whyw/'
>>> keys.pattern
'govnews:\\\\{www.wuhan.gov.cn\\\\}:*'
>>> site_of_schema_key(keys.schema)
'www.wuhan.gov.cn'

Per backend of the family (politeness across the cluster), under the backend's hash tag:

>>> backend_key("wuhan-trs"), host_key("wuhan-trs", "www.jianghan.gov.cn")
('govnews:politeness:{wuhan-trs}:backend', 'govnews:politeness:{wuhan-trs}:host:www.jianghan.gov.cn')
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_PREFIX = "govnews"
POLITENESS_PREFIX = f"{KEY_PREFIX}:politeness"
SCHEMA_PATTERN = f"{KEY_PREFIX}:{{*}}:schema"
"""``SCAN`` pattern of every site's layout key: one per store that exists."""
KEPT_BY_A_NEW_STORE = (":lock", ":family_done", ":runs")
"""Ends of the keys a store created anew leaves as they are: the lease, the round mark and the
run history (the record of what happened). Every other key of the site is the store's."""
LOCK_END = ":lock"


def site_prefix(site_key: str) -> str:
    """``govnews:{<site>}:``, the prefix of every key of a site.

    >>> site_prefix("www.wuhan.gov.cn")
    'govnews:{www.wuhan.gov.cn}:'
    """
    return f"{KEY_PREFIX}:{{{site_key}}}:"


def site_of_schema_key(key: str) -> str:
    """The site of a key :data:`SCHEMA_PATTERN` found."""
    return key[len(f"{KEY_PREFIX}:{{") : -len("}:schema")]


@dataclass(frozen=True)
class SiteKeys:
    """The keys of the site ``site`` (:func:`govnews.sites.family.site_key`); docs/distributed.md
    gives each one's type and content."""

    site: str

    @property
    def prefix(self) -> str:
        return site_prefix(self.site)

    @property
    def pattern(self) -> str:
        """``SCAN`` pattern of every key of the site."""
        return _glob(self.prefix)

    def covered(self, column: str) -> str:
        """The set of rows complete walks of ``column`` listed."""
        return self.covered_prefix + column

    @property
    def covered_prefix(self) -> str:
        return self.prefix + "covered:"

    @property
    def covered_pattern(self) -> str:
        """``SCAN`` pattern of every column's covered set."""
        return _glob(self.covered_prefix)

    @property
    def articles(self) -> str:
        return self.prefix + "articles"

    @property
    def contents(self) -> str:
        return self.prefix + "contents"

    @property
    def walks(self) -> str:
        return self.prefix + "walks"

    @property
    def pending(self) -> str:
        return self.prefix + "pending"

    @property
    def manifest(self) -> str:
        return self.prefix + "manifest"

    @property
    def gaps(self) -> str:
        return self.prefix + "gaps"

    @property
    def colstate(self) -> str:
        return self.prefix + "colstate"

    @property
    def dead(self) -> str:
        return self.prefix + "dead"

    @property
    def attachments(self) -> str:
        return self.prefix + "attachments"

    @property
    def outbox(self) -> str:
        """The change records committed and not yet delivered to their feed: key -> JSON
        :class:`govnews.store.ChangeEntry` (layout 5)."""
        return self.prefix + "outbox"

    @property
    def outbox_order(self) -> str:
        """The outbox's order: its keys in a sorted set, scored by the order they were committed in."""
        return self.prefix + "outbox_order"

    @property
    def meta(self) -> str:
        return self.prefix + "meta"

    @property
    def runs(self) -> str:
        """The run history every host shares (a list, newest first)."""
        return self.prefix + "runs"

    @property
    def schema(self) -> str:
        """The layout's version; a site without it has no store."""
        return self.prefix + "schema"

    @property
    def lock(self) -> str:
        """The lease (:mod:`govnews.store.lease`)."""
        return self.prefix + LOCK_END[1:]

    @property
    def family_done(self) -> str:
        """The round mark: when a worker of the family last finished the site (:mod:`govnews.family.crawl`)."""
        return self.prefix + "family_done"


def _glob(prefix: str) -> str:
    """A ``SCAN`` pattern of the keys starting with ``prefix`` (a hash tag's braces escaped)."""
    return prefix.replace("{", "\\{").replace("}", "\\}") + "*"


def backend_key(backend: str) -> str:
    """The Redis key of a backend's next free moment. ``{backend}`` is a Redis Cluster hash
    tag: a backend's keys and its hosts' live in one slot, so one script touches both."""
    return f"{POLITENESS_PREFIX}:{{{backend}}}:backend"


def host_key(backend: str, host: str) -> str:
    """The Redis key of a host's next free moment (in its backend's slot)."""
    return f"{POLITENESS_PREFIX}:{{{backend}}}:host:{host}"
