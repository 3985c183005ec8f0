"""At most N requests in any sliding one-second window, per VK token / OK application key.

VK counts requests per token (3/s for user and service tokens) and answers error 6
beyond that; OK's figure is unknown, so the same rule is applied per application
key. Celery's own ``rate_limit`` is per worker, so the window lives in Redis when
a URL is given, shared by every worker; without one it lives in this process.

The server counts a request when it *arrives*, which the client never sees: a request
may wait in its thread, in a connection's set-up or on a slow hop after the limiter let
it go. What the client does know is that the request had arrived once its answer began
to come back (or it failed). So a request holds its place in the window from the moment
it is let go until one second after it *finished* (the ``with`` block of ``slot`` ends;
the transport ends it when the answer's headers are in): a request goes only when fewer
than N requests finished less than a second ago or are still under way. Then N + 1
arrivals in one second cannot happen, however late each arrived: the last of them was
let go less than a second after the others arrived, and they had not yet finished a
second before it. (A window of sending times alone let 21 through at 20/s on a loaded
machine, and padding it only made that rarer.) ``margin`` widens the second for workers
on machines whose clocks differ by that much.

A request under way counts as finishing at the latest ``hold`` seconds after it was let
go (its timeouts), so a worker killed mid-request cannot keep a slot for ever. The window
is a sorted set of requests by when each leaves it, checked by a small Lua script in
Redis; ``limits`` parses the rate and stores the parked quotas.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TypeVar

from limits import parse
from limits.storage import storage_from_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")
STORAGE_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 16, 32)

# KEYS[1]: the window, request ids scored by when each finished (or at the latest will).
# ARGV: now, limit, window (s), hold (s), request id, ttl (whole s). Returns "0" when the
# request may go (and records it as under way), else the seconds to wait at least.
ACQUIRE_LUA = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
if redis.call('zcard', KEYS[1]) >= limit then
  local oldest = tonumber(redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')[2])
  return tostring(math.min(oldest, now) + window - now)
end
redis.call('zadd', KEYS[1], now + tonumber(ARGV[4]), ARGV[5])
redis.call('expire', KEYS[1], tonumber(ARGV[6]))
return '0'
"""

DEFAULT_RATE = "3/second"


def fingerprint(secret: str) -> str:
    """A stable, non-reversible name for a token: what Redis keys and logs may show."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


class RateLimiter:
    """Lets each request go when it fits into the moving window (see the module docstring).

    One instance may serve several clients: the window is keyed by ``scope``
    ("vk"/"ok") and the fingerprint of the secret, never by the secret itself.
    ``clock`` and ``sleep`` are the time it goes by (tests pass a fake pair).
    """

    def __init__(
        self,
        rate: str = DEFAULT_RATE,
        storage_url: str | None = None,
        *,
        key_prefix: str = "govpublic-ratelimit",
        margin: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = rate
        self.item = parse(rate)
        url = storage_url or "memory://"
        options: dict[str, str] = {}
        if url.split(":", 1)[0] in {"redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster"}:
            options["key_prefix"] = key_prefix
        self.storage = storage_from_string(url, **options)
        self.window = self.item.get_expiry() + margin
        self._key_prefix = key_prefix
        self._sleep = sleep
        self._clock = clock
        self._redis = None
        if "key_prefix" in options:
            self._redis = self.storage.get_connection()
            self._redis_acquire = self._redis.register_script(ACQUIRE_LUA)
        self._local: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def _patiently(self, call: Callable[[], T]) -> T:
        """A Redis call, again after a lost connection: a Redis that restarts is back within
        seconds, and a sweep should wait for it rather than fail (0.5 + 1 + … + 32 s)."""
        for delay in STORAGE_RETRY_DELAYS:
            try:
                return call()
            except (RedisConnectionError, RedisTimeoutError) as error:
                log.warning("rate limiter storage unavailable (%s); trying again in %s s", type(error).__name__, delay)
                self._sleep(delay)
        return call()

    @contextmanager
    def slot(self, scope: str, secret: str, *, hold: float) -> Iterator[float]:
        """Wait until one request for ``secret`` in ``scope`` may go, and hold its place in
        the window until a second after the ``with`` block ends. Yields the seconds waited.
        ``hold``: how long the request can take at most."""
        key = f"{self._key_prefix}/window/{scope}/{fingerprint(secret)}"
        request_id = uuid.uuid4().hex
        waited = 0.0
        while (delay := self._try(key, request_id, hold)) > 0:
            self._sleep(delay)
            waited += delay
        try:
            yield waited
        finally:
            self._finish(key, request_id)

    def _try(self, key: str, request_id: str, hold: float) -> float:
        """Record a request under way and return 0, or return how long to wait at least."""
        now = self._clock()
        limit = self.item.amount
        if self._redis is not None:
            ttl = math.ceil(self.window + hold) + 1
            args = [repr(now), limit, repr(self.window), repr(hold), request_id, ttl]
            return float(self._patiently(lambda: self._redis_acquire(keys=[key], args=args)))
        with self._lock:
            leaves = self._local.setdefault(key, {})
            for other in [other for other, at in leaves.items() if at <= now - self.window]:
                del leaves[other]
            if len(leaves) >= limit:
                return min(min(leaves.values()), now) + self.window - now
            leaves[request_id] = now + hold
            return 0.0

    def _finish(self, key: str, request_id: str) -> None:
        """The request is over: it leaves the window a second from now (if still in it)."""
        now = self._clock()
        if self._redis is not None:
            try:
                self._patiently(lambda: self._redis.zadd(key, {request_id: now}, xx=True))
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("rate limiter storage unavailable: the request leaves the window after its hold")
            return
        with self._lock:
            leaves = self._local.get(key, {})
            if request_id in leaves:
                leaves[request_id] = now

    # --- daily quotas ----------------------------------------------------------------------
    # A method whose daily quota is spent (VK 29, OK 11) rests until the quota comes back.
    # The rest is kept in the same storage as the window, so every worker and every later
    # run of the same day sees it, not only the client that was refused.

    def park(self, scope: str, secret: str, method: str, until: datetime) -> None:
        key = self._park_key(scope, secret, method)
        seconds = max(int(until.timestamp() - self._clock()) + 1, 1)
        self._patiently(lambda: self.storage.clear(key))
        self._patiently(lambda: self.storage.incr(key, seconds, amount=int(until.timestamp())))

    def parked_until(self, scope: str, secret: str, method: str) -> datetime | None:
        resume = self._patiently(lambda: self.storage.get(self._park_key(scope, secret, method)))
        if not resume or resume <= self._clock():
            return None
        return datetime.fromtimestamp(resume, tz=timezone.utc)

    @staticmethod
    def _park_key(scope: str, secret: str, method: str) -> str:
        return f"parked/{scope}/{fingerprint(secret)}/{method}"

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r}, storage={type(self.storage).__name__})"
