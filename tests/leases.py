"""A lease holder that dies, played in process (test-only: production never drops a lease
without freeing it; a process that dies does).
"""

from __future__ import annotations

from govnews.store.lease import RedisLock


def abandon(lock: RedisLock) -> None:
    """Stop renewing ``lock`` without freeing the site, as a process that dies does: the lease
    ends one TTL after its last renewal, and this process no longer holds it."""
    lock._stop_renewing()
    lock._client.close()
