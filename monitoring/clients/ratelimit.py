"""At most N requests in any sliding one-second window, per VK token / OK application key.

VK counts requests per token (3/s for user and service tokens) and answers error 6
beyond that; OK's figure is unknown, so the same rule is applied per application
key. Celery's own ``rate_limit`` is per worker, so the window lives in Redis when
a URL is given, shared by every worker; without one it lives in this process.

The window is a moving one (each request's time stamp is kept), unlike a fixed
window that lets 2N requests through across a boundary, and it is *padded*: a
request goes only when the N-th request before it is more than one second plus
``margin`` old. The server counts by arrival time; without the pad a request sent
the instant a slot frees can overtake a delayed earlier one and make N + 1 arrive
within a second (seen on a loaded machine). ``limits``' own moving window can't be
padded (its Redis EXPIRE takes whole seconds), so the window check is a small Lua
script here; ``limits`` still parses the rate and stores the parked quotas.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone

from limits import parse
from limits.storage import storage_from_string

# KEYS[1]: the time stamps, newest first. ARGV: now, limit, window (s), ttl (whole s).
# Returns "0" when the request may go (and records it), else the seconds to wait.
ACQUIRE_LUA = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local oldest = redis.call('lindex', KEYS[1], limit - 1)
if oldest and tonumber(oldest) > now - window then
  return tostring(tonumber(oldest) + window - now)
end
redis.call('lpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], 0, limit - 1)
redis.call('expire', KEYS[1], tonumber(ARGV[4]))
return '0'
"""

DEFAULT_RATE = "3/second"


def fingerprint(secret: str) -> str:
    """A stable, non-reversible name for a token: what Redis keys and logs may show."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


class RateLimiter:
    """Blocks each caller until its request fits into the moving window.

    One instance may serve several clients: the window is keyed by ``scope``
    ("vk"/"ok") and the fingerprint of the secret, never by the secret itself.
    Every request keeps ``margin`` seconds beyond the window from the N-th request
    before it (see the module docstring).
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
        self.margin = margin
        self.window = self.item.get_expiry() + margin
        self._key_prefix = key_prefix
        self._sleep = sleep
        self._redis_acquire = None
        if "key_prefix" in options:
            self._redis_acquire = self.storage.get_connection().register_script(ACQUIRE_LUA)
        self._local: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, scope: str, secret: str) -> float:
        """Take one slot for ``secret`` in ``scope``; wait as long as needed. Returns the wait."""
        key = f"{self._key_prefix}/window/{scope}/{fingerprint(secret)}"
        waited = 0.0
        while True:
            delay = self._try(key)
            if delay <= 0:
                return waited
            self._sleep(delay)
            waited += delay

    def _try(self, key: str) -> float:
        """Record a request now and return 0, or return how long until one may go."""
        now = time.time()
        limit = self.item.amount
        if self._redis_acquire is not None:
            ttl = math.ceil(self.window) + 1
            return float(self._redis_acquire(keys=[key], args=[repr(now), limit, repr(self.window), ttl]))
        with self._lock:
            stamps = self._local.setdefault(key, deque(maxlen=limit))
            if len(stamps) == limit and stamps[0] > now - self.window:
                return stamps[0] + self.window - now
            stamps.append(now)
            return 0.0

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
