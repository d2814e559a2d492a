"""The cluster's turns: when a host, and the backend behind it, may be asked next, kept in
Redis for every worker (:mod:`govnews.crawl.politeness` takes them, and says why).

Each turn is taken by a Lua script on the server's own clock (``TIME``: the workers' clocks
never meet), which keeps a next-free time per backend and per host (:func:`govnews.store.keys.backend_key`,
:func:`~govnews.store.keys.host_key`). The crawl asks through :class:`SharedTimes`: ``take``,
``responded``, ``close``; what it does when Redis fails is the crawl's own business. Redis is
imported only when a :class:`SharedTimes` is made (``REDIS_URL`` set). No Scrapy import.
"""

from __future__ import annotations

from typing import Literal

from govnews.store.keys import backend_key, host_key

Held = Literal["host", "backend"] | None
"""What pushed a turn's moment past now: the host's floor, the backend's budget, or nothing."""


# Times are microseconds of the server's clock, written with %.0f: Lua's own number-to-string
# keeps 14 digits, too few for a microsecond timestamp. A key lives until its moment has
# passed (plus a second): an expired key and a past moment mean the same, a free host.
_TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = now + tonumber(ARGV[1])
local held = 0
if tonumber(ARGV[1]) > 0 then held = 1 end
local host_free = tonumber(redis.call('GET', KEYS[2]) or '0')
if host_free > at then at = host_free; held = 1 end
local backend_hold = tonumber(ARGV[3])
if backend_hold > 0 then
    local backend_free = tonumber(redis.call('GET', KEYS[1]) or '0')
    if backend_free > at then at = backend_free; held = 2 end
end
local function keep(key, free)
    local ttl = math.ceil((free - now) / 1000) + 1000
    redis.call('SET', key, string.format('%.0f', free), 'PX', string.format('%.0f', ttl))
end
keep(KEYS[2], at + tonumber(ARGV[2]))
if backend_hold > 0 then keep(KEYS[1], at + backend_hold) end
return {string.format('%.0f', at - now), held}
"""
_RESPONDED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local free = now + tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < free then
    local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
    redis.call('SET', KEYS[1], string.format('%.0f', free), 'PX', string.format('%.0f', ttl))
end
return 1
"""


def _micros(seconds: float) -> int:
    return max(0, round(seconds * 1_000_000))


class SharedTimes:
    """Turns taken in Redis, on the reactor's asyncio loop.

    Not the blocking client from a thread: each hand-over between the thread and the
    reactor waits for the GIL, which a busy reactor keeps for up to 5 ms (Python's switch
    interval); measured on the family mirror, a thread made each request 17 ms later, the
    asyncio client a fraction of a millisecond. Same timeouts as every other Redis client
    of govnews (:mod:`govnews.store.connection`)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio  # noqa: PLC0415 - only in distributed mode

        from govnews.store.connection import CONNECT_TIMEOUT, READ_TIMEOUT, redacted  # noqa: PLC0415

        self.url = url
        self.where = redacted(url)
        """The server's URL without its password, for messages."""
        self._client = redis.asyncio.Redis.from_url(
            url, decode_responses=True, socket_timeout=READ_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT
        )
        self._take_turn = self._client.register_script(_TAKE_TURN)
        self._responded = self._client.register_script(_RESPONDED)

    async def take(
        self, host: str, backend: str, *, not_before: float, host_hold: float, backend_hold: float
    ) -> tuple[float, Held]:
        """``(seconds from the server's now, what held it)`` of a turn of ``host`` no earlier
        than ``not_before`` seconds from now; holds the host and the backend as
        :class:`govnews.crawl.politeness.LocalTimes` does."""
        keys = [backend_key(backend), host_key(backend, host)]
        args = [_micros(not_before), _micros(host_hold), _micros(backend_hold)]
        wait, held = await self._take_turn(keys=keys, args=args)
        held_by: Held = "host" if int(held) == 1 else "backend" if int(held) == 2 else None
        return int(wait) / 1_000_000, held_by

    async def responded(self, host: str, backend: str, *, floor: float) -> None:
        """The host answered now: no turn on it before the floor has passed, cluster-wide."""
        await self._responded(keys=[host_key(backend, host)], args=[_micros(floor)])

    async def close(self) -> None:
        await self._client.aclose()
