"""The connection to a Redis server, as every part of the store makes it: a client with
timeouts (a dead Redis is an error, not a hang), its failures as one line that names the URL
without its password, and the check the crawl command makes before anything starts.

The store (:mod:`govnews.store.redis`), the lease (:mod:`govnews.store.lease`), the cluster's
turns (:mod:`govnews.store.turns`) and the family's round marks connect here. Imported only
when ``REDIS_URL`` is set. No Scrapy import.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis

from govnews.store.base import StoreUnavailable


def redacted(url: str) -> str:
    """A Redis URL without its password, for messages.

    >>> redacted("redis://:s3cret@redis.internal:6379/0")
    'redis://redis.internal:6379/0'
    """
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


CONNECT_TIMEOUT = 5.0
"""Seconds to reach the server: an address that does not answer is an error, not a hang."""
READ_TIMEOUT = 10.0
"""Seconds a reply may take: a server that stopped answering stops the run (store_unavailable)."""


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that answers ``str``, with connect and read timeouts (a dead Redis
    is an error, not a hang)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=READ_TIMEOUT,
        socket_connect_timeout=CONNECT_TIMEOUT,
        health_check_interval=30,
    )


def unavailable(url: str, error: BaseException) -> StoreUnavailable:
    """The error a Redis failure is to a run: one line, the URL without its password, the reason."""
    if isinstance(error, redis.AuthenticationError | redis.exceptions.AuthorizationError):
        reason = "it refused the credentials (check the password in REDIS_URL)"
    elif isinstance(error, redis.TimeoutError):
        reason = f"it did not answer in time ({error})"
    elif isinstance(error, redis.ConnectionError):
        reason = f"it cannot be reached ({str(error).rstrip('.')})"
    else:
        reason = f"{type(error).__name__}: {error}"
    return StoreUnavailable(f"the state store's Redis at {redacted(url)} is unavailable: {reason}")


def check_reachable(url: str) -> str | None:
    """Raise :class:`govnews.store.StoreUnavailable` unless the Redis at ``url`` answers a PING
    with these credentials and keeps every key it is given (the crawl command asks before
    anything starts; exit code 7).

    A server with a memory limit (``maxmemory``) and any ``maxmemory-policy`` but
    ``noeviction`` may evict a lease (``volatile-*``: the lease key has a TTL) or the records
    (``allkeys-*``): either breaks exactly-once, so it is refused with one line naming the
    setting to change. A server that refuses ``CONFIG GET`` (a managed Redis) cannot be
    checked: the returned warning says what could not be checked (None: all checked)."""
    client = connect(url)
    try:
        client.ping()
        try:
            limit = int(client.config_get("maxmemory").get("maxmemory") or 0)
            policy = str(client.config_get("maxmemory-policy").get("maxmemory-policy") or "")
        except redis.ResponseError as error:
            return (
                f"the state store's Redis at {redacted(url)} refuses CONFIG GET ({error}): its maxmemory and "
                "maxmemory-policy could not be checked; keys it evicts (the lease, the records) break "
                "exactly-once: make sure it runs with maxmemory-policy noeviction"
            )
    except redis.RedisError as error:
        raise unavailable(url, error) from None
    finally:
        client.close()
    if limit and policy != "noeviction":
        raise StoreUnavailable(
            f"the state store's Redis at {redacted(url)} may evict keys (maxmemory {limit}, maxmemory-policy "
            f"{policy}): an evicted lease or record breaks exactly-once; set maxmemory-policy noeviction "
            "(or maxmemory 0) in its configuration"
        )
    return None


def describe(url: str, site_key: str) -> str:
    """How messages name a Redis store: ``redis://host:port/db (site www.wuhan.gov.cn)``."""
    return f"{redacted(url)} (site {site_key})"
