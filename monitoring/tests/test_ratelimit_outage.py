"""The shared limiter outlives a Redis restart: a request waits for Redis to come back
instead of failing the sweep's batch (issue: a 20-second restart left runs «running»)."""

from __future__ import annotations

import pytest

from monitoring.clients.ratelimit import RateLimiter
from tests.redis_server import RedisServer


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_a_request_waits_for_a_restarted_redis_and_then_goes(own_redis):
    waits = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # Redis comes back while the limiter waits for it
            own_redis.start()

    limiter = RateLimiter("3/second", f"{own_redis.url}/0", sleep=sleep)
    with limiter.slot("vk", "token", hold=1):
        pass
    own_redis.stop()

    with limiter.slot("vk", "token", hold=1) as waited:
        pass

    assert waits[:2] == [0.5, 1] and waited == 0.0
    assert limiter.parked_until("vk", "token", "wall.get") is None  # and the storage answers again


def test_a_redis_gone_for_good_fails_the_request_after_the_waits(own_redis):
    waits = []
    limiter = RateLimiter("3/second", f"{own_redis.url}/0", sleep=waits.append)
    own_redis.stop()

    with pytest.raises(Exception) as failure:
        with limiter.slot("vk", "token", hold=1):
            pass

    assert "Connection" in type(failure.value).__name__
    assert waits == [0.5, 1, 2, 4, 8, 16, 32]
