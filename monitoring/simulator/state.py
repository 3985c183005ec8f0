"""Mutable state the simulated APIs share: the request log, windows, quotas, faults.

Everything is guarded by one lock per object: the server is threaded, and a
test reads the log while requests are still arriving.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def token_hash(secret: str) -> str:
    """How the log names a token or application key: never the secret itself."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16] if secret else ""


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP request as the simulator saw it.

    ``at`` is ``time.monotonic()`` on arrival; ``outcome`` is "ok", "error:<code>"
    or "fault:<kind>"; ``items`` counts objects sent back (posts, groups, topics);
    ``calls`` is 1, or the number of API calls inside an ``execute``.
    """

    at: float
    network: str
    method: str
    token: str
    outcome: str
    items: int = 0
    calls: int = 1
    inner_methods: tuple[str, ...] = ()


def matching(records: list[RequestRecord], network: str | None, method: str | None) -> list[RequestRecord]:
    return [r for r in records if (network is None or r.network == network) and (method is None or r.method == method)]


class RequestLog:
    """Every request, in arrival order, for tests and the demo's numbers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self, network: str | None = None, method: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return matching(self._records, network, method)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals inside any half-open sliding window of ``window`` seconds."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class SlidingWindow:
    """At most ``limit`` arrivals per key in any sliding second; every arrival counts."""

    def __init__(self, limit: int | None, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._arrivals: dict[str, deque[float]] = defaultdict(deque)

    def admit(self, key: str, now: float | None = None) -> bool:
        """Record an arrival; False when it is one too many for the window."""
        if not self.limit:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            arrivals = self._arrivals[key]
            while arrivals and now - arrivals[0] >= self.window:
                arrivals.popleft()
            allowed = len(arrivals) < self.limit
            arrivals.append(now)
            return allowed


class DailyQuota:
    """Calls per key per Moscow day (VK's wall.get cap); resets at Moscow midnight."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def take(self, key: str) -> bool:
        if not self.limit:
            return True
        day = datetime.now(timezone.utc).astimezone(MOSCOW).date().isoformat()
        with self._lock:
            if self._counts[(key, day)] >= self.limit:
                return False
            self._counts[(key, day)] += 1
            return True


TRANSPORT_FAULTS = frozenset({"timeout", "http_500", "http_429", "truncated_json", "html", "reset"})
FAULT_KEYS = frozenset({"network", "method", "error_code", "error_msg", "transport", "times", "delay"})


@dataclass
class Fault:
    """One injected failure; see ``scenario`` for the format."""

    network: str
    method: str | None
    match: dict[str, str]
    error_code: int | None = None
    error_msg: str | None = None
    transport: str | None = None
    times: int | None = None
    delay: float = 2.0

    def matches(self, network: str, method: str, params: Mapping[str, Any]) -> bool:
        if self.network != network or (self.method and self.method != method):
            return False
        if self.times is not None and self.times <= 0:
            return False
        for key, expected in self.match.items():
            value = str(params.get(key, ""))
            # Comma lists (uids, group_ids) match when they hold the value.
            if value != expected and expected not in value.split(","):
                return False
        return True


class FaultBook:
    """Hands out injected faults, each at most ``times`` times (None: always)."""

    def __init__(self, faults: list[Fault]) -> None:
        self._faults = faults
        self._lock = threading.Lock()

    def take(self, network: str, method: str, params: Mapping[str, Any], *, transport: bool) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if (fault.transport is not None) != transport:
                    continue
                if fault.matches(network, method, params):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None
