"""The shared rate limit: at most N requests in any sliding second per token / app key.

Checked where it matters: in the simulator's log of arrivals, which is what VK would count.
How the limiter waits is checked on a fake clock, whose sleeps pass at once and are recorded:
what a request waited for, not how long a busy machine took.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from monitoring.clients import RateLimiter
from monitoring.clients.ratelimit import fingerprint
from monitoring.networks.vk.client import VkClient
from monitoring.simulator import max_in_window, token_hash
from monitoring.tests.conftest import OK_APP_KEY, VK_SERVICE_TOKEN, VK_USER_TOKEN


class FakeTime:
    """The limiter's clock and sleep. Sleeping moves the clock on at once, running on the way
    what a test set for a moment (another request finishing meanwhile)."""

    def __init__(self) -> None:
        self.start = self.now = 2.0**30  # binary fractions of a second add up exactly from here
        self.waits: list[float] = []
        self._events: list[tuple[float, Callable[[], None]]] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        until = self.now + seconds
        while self._events and self._events[0][0] <= until:
            when, action = self._events.pop(0)
            self.now = max(self.now, when)
            action()
        self.now = until

    def at(self, seconds: float, action: Callable[[], None]) -> None:
        """Run `action` when a sleep passes `seconds` after the start."""
        self._events = sorted([*self._events, (self.start + seconds, action)], key=lambda event: event[0])

    def pass_(self, seconds: float) -> None:
        """Time a request takes: it passes, but the limiter did not ask for it."""
        self.now += seconds

    def elapsed(self) -> float:
        return self.now - self.start


def strict_scenario(scenario):
    """The simulator enforces VK's 3 per second too: a slip would show as error 6."""
    scenario["vk"]["requests_per_second"] = 3
    return scenario


def test_a_burst_of_ten_never_puts_more_than_three_in_any_second(scenario, run_simulator):
    handle = run_simulator(strict_scenario(scenario), own_process=True)
    client = VkClient(handle.url_vk, "5.199", VK_SERVICE_TOKEN, "service", RateLimiter("3/second"), backoff=0.01)

    for _ in range(10):
        assert client.resolve_screen_name("school5").object_id == "5"

    records = handle.requests("vk")
    assert len(records) == 10
    assert all(r.outcome == "ok" for r in records)  # no error 6, so no hidden retries either
    assert handle.max_per_window("vk", token=token_hash(VK_SERVICE_TOKEN)) <= 3


def test_each_token_has_its_own_window(scenario, run_simulator):
    handle = run_simulator(strict_scenario(scenario))
    time = FakeTime()
    limiter = RateLimiter("3/second", sleep=time.sleep, clock=time.clock)
    clients = [VkClient(handle.url_vk, "5.199", token, kind, limiter)
               for token, kind in ((VK_SERVICE_TOKEN, "service"), (VK_USER_TOKEN, "user"))]

    for client in clients:
        for _ in range(3):
            client.resolve_screen_name("school5")

    assert time.waits == []  # three for each token: neither waited for the other's
    assert handle.count("vk") == 6


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.services)])
def limiter_at(request) -> Callable[[str, FakeTime], RateLimiter]:
    """Limiters on each storage the sweep uses: this process's memory, or Redis for every worker."""
    if request.param == "memory":
        return lambda rate, time: RateLimiter(rate, sleep=time.sleep, clock=time.clock)
    url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
    return lambda rate, time: RateLimiter(rate, url, key_prefix=prefix, sleep=time.sleep, clock=time.clock)


def test_the_limiter_lets_n_go_a_second_and_waits_for_the_window_to_free(limiter_at):
    time = FakeTime()
    limiter = limiter_at("2/second", time)
    went, waited = [], []
    for _ in range(5):
        with limiter.slot("vk", "some-token", hold=5) as seconds:
            went.append(time.elapsed())
            waited.append(seconds)
    assert went == pytest.approx([0, 0, 1, 1, 2])
    assert waited == pytest.approx([0, 0, 1, 0, 1])


def test_a_request_keeps_its_place_until_a_second_after_it_finished(limiter_at):
    # The server counts a request when it arrives, which may be as late as its answer: a
    # request that took 0.375 s may have arrived 0.375 s after it left. The one N later must
    # not land within a second of that arrival.
    time = FakeTime()
    limiter = limiter_at("2/second", time)
    went = []
    for takes in (0.375, 0, 0):
        with limiter.slot("vk", "some-token", hold=5):
            went.append(time.elapsed())
            time.pass_(takes)
    assert went == pytest.approx([0, 0.375, 1.375])


def test_a_request_never_finished_holds_its_place_no_longer_than_it_can_take(limiter_at):
    # A worker killed in the middle of a request never says it finished.
    time = FakeTime()
    limiter = limiter_at("1/second", time)
    abandoned = limiter.slot("vk", "some-token", hold=0.25)
    abandoned.__enter__()  # and never __exit__ (kept referenced: collecting it would close it)
    with limiter.slot("vk", "some-token", hold=5):
        second = time.elapsed()
    assert second == pytest.approx(1.25)
    del abandoned


def test_a_request_under_way_in_another_thread_keeps_the_next_one_waiting(limiter_at):
    time = FakeTime()
    limiter = limiter_at("1/second", time)
    entered, release = threading.Event(), threading.Event()

    def slow_request() -> None:
        with limiter.slot("vk", "some-token", hold=5):
            entered.set()
            release.wait(timeout=60)

    thread = threading.Thread(target=slow_request)
    thread.start()
    assert entered.wait(timeout=60)
    # Half a second in, the other thread's request ends (its answer came back).
    time.at(0.5, lambda: (release.set(), thread.join(timeout=60)))
    with limiter.slot("vk", "some-token", hold=5):
        second = time.elapsed()
    assert not thread.is_alive()
    assert second == pytest.approx(1.5)  # a second after the other finished, not after it left


def test_the_ok_limit_is_kept_per_application_key(scenario, run_simulator):
    from monitoring.networks.ok.client import OkClient
    from monitoring.tests.conftest import OK_ACCESS_TOKEN, OK_SECRET_KEY

    scenario["ok"]["requests_per_second"] = 3
    handle = run_simulator(scenario, own_process=True)
    client = OkClient(handle.url_ok, OK_APP_KEY, OK_SECRET_KEY, OK_ACCESS_TOKEN, RateLimiter("3/second"))
    for _ in range(5):
        client.get_counters("5100").themes
    assert all(r.outcome == "ok" for r in handle.requests("ok"))
    assert handle.max_per_window("ok") <= 3


def test_max_in_window_counts_a_sliding_not_a_fixed_window():
    # Three in each calendar second, six in the second from 0.6 to 1.6.
    assert max_in_window([0.6, 0.7, 0.8, 1.1, 1.2, 1.3]) == 6
    assert max_in_window([0.0, 0.99, 1.0]) == 2  # 1.0 is already outside [0.0, 1.0)
    assert max_in_window([]) == 0


@pytest.mark.services
def test_two_workers_sharing_redis_keep_the_limit_together(scenario, run_simulator, redis_url, redis_prefix):
    handle = run_simulator(strict_scenario(scenario), own_process=True)
    workers = [RateLimiter("3/second", redis_url, key_prefix=redis_prefix) for _ in range(2)]
    clients = [VkClient(handle.url_vk, "5.199", VK_SERVICE_TOKEN, "service", limiter, backoff=0.01)
               for limiter in workers]
    errors: list[BaseException] = []

    def work(client: VkClient) -> None:
        try:
            for _ in range(5):
                client.resolve_screen_name("school5")
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    records = handle.requests("vk")
    assert len(records) == 10 and all(r.outcome == "ok" for r in records)
    assert handle.max_per_window("vk") <= 3

    import redis

    keys = [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(f"{redis_prefix}*")]
    assert keys, "the window must live in Redis"
    assert all(VK_SERVICE_TOKEN not in key for key in keys)
    assert any(fingerprint(VK_SERVICE_TOKEN) in key for key in keys)
