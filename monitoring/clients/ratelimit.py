"""At most N requests in any sliding one-second window, per VK token / OK application key.

VK counts requests per token (3/s for user and service tokens) and answers error 6
beyond that; OK's figure is unknown, so the same rule is applied per application
key. Celery's own ``rate_limit`` is per worker, so the window lives in Redis when
a URL is given, shared by every worker; without one it lives in this process.

``limits``' moving window is exact (it keeps each hit's time stamp), unlike a
fixed window that lets 2N requests through across a boundary.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
import time
from collections.abc import Callable

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

DEFAULT_RATE = "3/second"


def fingerprint(secret: str) -> str:
    """A stable, non-reversible name for a token: what Redis keys and logs may show."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


class RateLimiter:
    """Blocks each caller until its request fits into the moving window.

    One instance may serve several clients: the window is keyed by ``scope``
    ("vk"/"ok") and the fingerprint of the secret, never by the secret itself.
    ``margin`` is added to every wait: the server counts by the time a request
    *arrives*, and a request sent exactly when the window frees can arrive a hair
    inside the old window.
    """

    def __init__(
        self,
        rate: str = DEFAULT_RATE,
        storage_url: str | None = None,
        *,
        key_prefix: str = "govpublic-ratelimit",
        margin: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.item = parse(rate)
        url = storage_url or "memory://"
        options: dict[str, str] = {}
        if url.split(":", 1)[0] in {"redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster"}:
            options["key_prefix"] = key_prefix
        self.storage = storage_from_string(url, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.margin = margin
        self._sleep = sleep

    def acquire(self, scope: str, secret: str) -> float:
        """Take one slot for ``secret`` in ``scope``; wait as long as needed. Returns the wait."""
        key = fingerprint(secret)
        waited = 0.0
        while not self.strategy.hit(self.item, scope, key):
            reset_at, _remaining = self.strategy.get_window_stats(self.item, scope, key)
            delay = max(reset_at - time.time(), 0.0) + self.margin
            self._sleep(delay)
            waited += delay
        return waited

    # --- daily quotas ----------------------------------------------------------------------
    # A method whose daily quota is spent (VK 29, OK 11) rests until the quota comes back.
    # The rest is kept in the same storage as the window, so every worker and every later
    # run of the same day sees it, not only the client that was refused.

    def park(self, scope: str, secret: str, method: str, until: datetime) -> None:
        key = self._park_key(scope, secret, method)
        seconds = max(int(until.timestamp() - time.time()) + 1, 1)
        self.storage.clear(key)
        self.storage.incr(key, seconds, amount=int(until.timestamp()))

    def parked_until(self, scope: str, secret: str, method: str) -> datetime | None:
        resume = self.storage.get(self._park_key(scope, secret, method))
        if not resume or resume <= time.time():
            return None
        return datetime.fromtimestamp(resume, tz=timezone.utc)

    @staticmethod
    def _park_key(scope: str, secret: str, method: str) -> str:
        return f"parked/{scope}/{fingerprint(secret)}/{method}"

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r}, storage={type(self.storage).__name__})"
