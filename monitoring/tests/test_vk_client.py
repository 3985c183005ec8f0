"""VkClient against the simulator over real HTTP: what the sweep reads from VK."""

from __future__ import annotations

import math
import pickle
from datetime import timedelta, timezone

import pytest

from monitoring.clients import (
    ApiError,
    ConfigurationError,
    PageUnavailable,
    QuotaExhausted,
    RateLimited,
    RetryableError,
    TransportError,
    WallRequest,
)
from monitoring.clients.errors import next_moscow_midnight
from monitoring.tests.conftest import FAST_BACKOFF, NOW, SECRETS, VK_USER_TOKEN, no_wait


def add_group(scenario, **group):
    group.setdefault("posts", [])
    scenario["vk"]["groups"].append(group)
    return group


# --- communities -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["5.199", "5.131"])
def test_every_community_field_is_mapped_in_both_response_shapes(scenario, run_simulator, vk_client, version):
    handle = run_simulator(scenario)
    community = vk_client(handle, version=version).get_communities(["school5"])["school5"]

    assert community.network == "vk"
    assert community.external_id == "5"
    assert community.screen_name == "school5"
    assert community.name == " МБОУ СОШ №5 "  # as given: trimming is the rules' job
    assert community.description == "Официальная страница школы №5"
    assert community.address == "ул. Школьная, 5"
    assert community.emails == ("school5@example.ru",)
    assert community.phones == ("+7 861 000-00-03", "+7 (861) 000-00-01", "8 861 000-00-02")
    assert community.sites == ("https://school5.example.ru", "https://vk.com/uo_district",
                               "https://school5.example.ru/news")
    assert community.closed is False
    assert community.deactivated is False
    assert community.gov_mark is True
    assert community.wall_open_to_others is True
    assert community.contact_ids == ("77", "78")
    assert community.members_count == 321
    assert community.raw["trust_mark"] == 1


def test_the_two_versions_really_get_different_shapes(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    assert isinstance(vk_client(handle, version="5.131").call("groups.getById", {"group_ids": "5"}), list)
    assert set(vk_client(handle).call("groups.getById", {"group_ids": "5"})) == {"groups", "profiles"}


def test_absent_gov_mark_is_unknown_and_a_false_one_is_false(scenario, run_simulator, vk_client):
    add_group(scenario, id=6, name="Без метки", wall=2)
    add_group(scenario, id=7, name="Метка снята", is_government_organization=False, wall=0)
    add_group(scenario, id=8, name="Закрытая", is_closed=1)
    add_group(scenario, id=9, name="Удалённая", deactivated="deleted", is_government_organization=True)
    handle = run_simulator(scenario)

    found = vk_client(handle).get_communities([6, "club7", "https://vk.com/public8", "9"])

    assert found["6"].gov_mark is None
    assert found["6"].wall_open_to_others is False  # wall 2: limited
    assert found["club7"].gov_mark is False
    assert found["club7"].wall_open_to_others is False  # wall 0: disabled
    assert found["https://vk.com/public8"].closed is True
    assert found["https://vk.com/public8"].wall_open_to_others is True  # field absent
    assert found["9"].deactivated is True
    assert found["9"].gov_mark is None  # VK sends only the base object of a deleted group


def test_unknown_communities_come_back_as_none(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    found = vk_client(handle).get_communities(["school5", "no_such_school", "424242"])
    assert found["school5"] is not None
    assert found["no_such_school"] is None
    assert found["424242"] is None


def test_only_unknown_ids_in_a_batch_give_none_not_an_error(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    assert vk_client(handle).get_communities(["ghost1", "ghost2"]) == {"ghost1": None, "ghost2": None}


def test_communities_are_asked_for_500_at_a_time(scenario, run_simulator, vk_client):
    for gid in range(100, 601):  # 501 more groups: 502 in all
        add_group(scenario, id=gid, name=f"Школа {gid}")
    handle = run_simulator(scenario)

    found = vk_client(handle).get_communities([5, *range(100, 601)])

    assert len(found) == 502 and all(found.values())
    calls = handle.requests("vk", "groups.getById")
    assert len(calls) == 2
    assert sorted(r.items for r in calls) == [2, 500]


# --- links -------------------------------------------------------------------------------


def test_numeric_links_resolve_without_a_request(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    client = vk_client(handle)

    assert client.resolve_link("https://vk.com/id77").kind == "user"
    assert client.resolve_link("https://vk.com/id77").is_community is False
    assert client.resolve_link("vk.com/club5").kind == "group"
    assert client.resolve_link("https://m.vk.com/public5").kind == "page"
    assert client.resolve_link("www.vk.ru/event5").is_community is True
    assert handle.count() == 0


def test_screen_names_resolve_to_communities_and_personal_profiles(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    client = vk_client(handle)

    school = client.resolve_link("https://vk.com/school5/")
    person = client.resolve_link("https://vk.com/ivan.petrov?w=wall77_1")

    assert (school.kind, school.object_id, school.is_community) == ("group", "5", True)
    assert (person.kind, person.object_id, person.is_community) == ("user", "77", False)
    assert client.resolve_screen_name("nobody_here") is None
    assert handle.count("vk", "utils.resolveScreenName") == 3


# --- walls -------------------------------------------------------------------------------


def test_wall_pages_past_100_posts_and_an_old_pinned_post_does_not_stop_it(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 400, "is_pinned": 1, "text": "Закреплённый"}]
    scenario["vk"]["groups"][0]["post_series"] = [{"count": 150, "start_days_ago": 0.25, "every_days": 0.5,
                                                  "text": "Новость {n}"}]
    handle = run_simulator(scenario)
    since = NOW - timedelta(days=60)

    total, posts = vk_client(handle).get_wall(-5, since)

    assert total == 151
    assert len(posts) == 120  # 0.25 .. 59.75 days ago
    assert all(p.date >= since for p in posts)
    assert not any(p.is_pinned for p in posts)
    assert len({p.external_id for p in posts}) == 120
    assert [p.date for p in posts] == sorted((p.date for p in posts), reverse=True)
    assert handle.count("vk", "wall.get") == 2


def test_a_short_window_costs_one_request(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["post_series"] = [{"count": 150, "every_days": 0.5}]
    handle = run_simulator(scenario)

    total, posts = vk_client(handle).get_wall(-5, NOW - timedelta(days=10))

    assert total == 150
    assert len(posts) == 21
    assert handle.count("vk", "wall.get") == 1


def test_a_recent_pinned_post_is_kept(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1, "is_pinned": 1}, {"days_ago": 2}, {"days_ago": 90}]
    handle = run_simulator(scenario)
    total, posts = vk_client(handle).get_wall(-5, NOW - timedelta(days=30))
    assert total == 3
    assert [p.is_pinned for p in posts] == [True, False]


def test_post_fields_are_mapped(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{
        "id": 42, "days_ago": 1, "text": "День знаний #школа5", "signer_id": 77,
        "attachments": [{"type": "photo", "width": 1280, "height": 960}, {"type": "photo", "width": 500, "height": 700},
                        "video", "link"],
        "likes": 12, "views": 340, "reposts": 3, "comments": 4,
    }]
    handle = run_simulator(scenario)

    _, [post] = vk_client(handle).get_wall(-5, NOW - timedelta(days=7))

    assert post.external_id == "-5_42"
    assert post.date == NOW - timedelta(days=1)
    assert post.date.tzinfo == timezone.utc
    assert post.from_community is True  # a signed post is still the community's
    assert post.author_id == "-5"
    assert post.attachment_kinds == ("photo", "video", "link")
    assert post.largest_photo_px == 1280
    assert (post.views, post.likes, post.reposts, post.comments) == (340, 12, 3, 4)
    assert post.hashtags == ("#школа5",)
    assert post.raw["signer_id"] == 77


def test_reposts_of_personal_pages_are_told_from_reposts_of_communities(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [
        {"id": 1, "days_ago": 1, "copy_history": [{"owner_id": 77, "id": 9, "text": "Новость со страницы"}]},
        {"id": 2, "days_ago": 2, "copy_history": [{"owner_id": -9, "id": 3}]},
        {"id": 3, "days_ago": 3},
    ]
    handle = run_simulator(scenario)

    _, posts = vk_client(handle).get_wall(-5, NOW - timedelta(days=7))
    by_id = {p.external_id: p for p in posts}

    assert (by_id["-5_1"].is_repost, by_id["-5_1"].repost_of_personal) == (True, True)
    assert (by_id["-5_2"].is_repost, by_id["-5_2"].repost_of_personal) == (True, False)
    assert (by_id["-5_3"].is_repost, by_id["-5_3"].repost_of_personal) == (False, False)


def test_posts_by_others_are_read_apart_from_community_posts(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [
        {"days_ago": 1}, {"days_ago": 2, "from_id": 77, "text": "Вопрос родителя"},
        {"days_ago": 3, "from_id": 78}, {"days_ago": 50, "from_id": 79},
    ]
    handle = run_simulator(scenario)
    client = vk_client(handle)
    since = NOW - timedelta(days=30)

    total, own = client.get_wall(-5, since)
    others = client.get_posts_by_others(-5, since)

    assert total == 1 and [p.from_community for p in own] == [True]
    assert [p.author_id for p in others] == ["77", "78"]
    assert not any(p.from_community for p in others)


def test_a_user_token_batches_wall_reads_25_to_an_execute(scenario, run_simulator, vk_client):
    for gid in range(100, 160):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}, {"days_ago": 2}, {"days_ago": 40}])
    handle = run_simulator(scenario)
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user")
    requests = [WallRequest.for_community(gid, NOW - timedelta(days=30)) for gid in range(100, 160)]

    results = client.get_walls(requests)

    assert [(r.total, len(r.posts)) for r in results] == [(3, 2)] * 60
    executes = handle.requests("vk", "execute")
    assert len(executes) == math.ceil(60 / 25)
    assert [r.calls for r in executes] == [25, 25, 10]
    assert handle.count("vk", "wall.get") == 0


def test_one_failing_page_in_an_execute_does_not_spoil_the_others(scenario, run_simulator, vk_client):
    for gid in (100, 101, 102):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    scenario["vk"]["groups"][-2]["is_closed"] = 1  # 101: a closed community
    handle = run_simulator(scenario)
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user")

    results = client.get_walls([WallRequest.for_community(g, NOW - timedelta(days=7)) for g in (100, 101, 102)])

    assert results[0].total == 1 and results[2].total == 1
    assert isinstance(results[1], PageUnavailable)
    assert (results[1].code, results[1].kind) == (15, "closed")
    assert handle.count("vk", "execute") == 1


def test_a_retryable_failure_inside_execute_is_retried_alone(scenario, run_simulator, vk_client):
    for gid in (100, 101):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": -101, "error_code": 10, "times": 1}]
    handle = run_simulator(scenario)
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user")

    results = client.get_walls([WallRequest.for_community(g, NOW - timedelta(days=7)) for g in (100, 101)])

    assert [r.total for r in results] == [1, 1]
    assert [r.calls for r in handle.requests("vk", "execute")] == [2, 1]


def test_walls_are_handed_over_as_soon_as_their_request_answers(scenario, run_simulator, vk_client):
    """The sweep stores the first 25 walls while the next execute is on the wire."""
    for gid in range(100, 130):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    handle = run_simulator(scenario)
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user")
    requests = [WallRequest.for_community(g, NOW - timedelta(days=7)) for g in range(100, 130)]

    walls = client.iter_walls(requests)
    first = [next(walls) for _ in range(25)]
    assert handle.count("vk", "execute") == 1  # the second execute is not sent yet
    rest = list(walls)

    assert sorted(index for index, _wall in first + rest) == list(range(30))
    assert all(wall.total == 1 for _index, wall in first + rest)
    assert handle.count("vk", "execute") == 2


def test_a_service_token_never_calls_execute(scenario, run_simulator, vk_client):
    for gid in range(100, 130):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    handle = run_simulator(scenario)

    results = vk_client(handle).get_walls([WallRequest.for_community(g, NOW - timedelta(days=7)) for g in range(100, 130)])

    assert all(r.total == 1 for r in results)
    assert handle.count("vk", "execute") == 0
    assert handle.count("vk", "wall.get") == 30


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_class", "kind"),
    [
        (5, ConfigurationError, None),
        (14, ConfigurationError, None),
        (28, ConfigurationError, None),
        (15, PageUnavailable, "closed"),
        (18, PageUnavailable, "deleted"),
        (30, PageUnavailable, "private"),
        (203, PageUnavailable, "private"),
        (29, QuotaExhausted, None),
        (100, ApiError, None),
    ],
)
def test_vk_error_codes_map_to_what_the_sweep_must_do(scenario, run_simulator, vk_client, code, error_class, kind):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": code}]
    handle = run_simulator(scenario)

    with pytest.raises(error_class) as caught:
        vk_client(handle).get_wall(-5, NOW - timedelta(days=7))

    assert type(caught.value) is error_class
    assert caught.value.code == code
    assert getattr(caught.value, "kind", None) == kind
    assert handle.count("vk", "wall.get") == 1  # none of these is worth a retry


@pytest.mark.parametrize("code", [1, 9, 10])
def test_retryable_vk_errors_are_retried_a_bounded_number_of_times(scenario, run_simulator, vk_client, code):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": code}]
    handle = run_simulator(scenario)
    slept: list[float] = []

    with pytest.raises(RetryableError) as caught:
        vk_client(handle, attempts=3, sleep=slept.append).get_wall(-5, NOW - timedelta(days=7))

    assert type(caught.value) is RetryableError
    assert caught.value.code == code
    assert caught.value.attempts == 3
    assert handle.count("vk", "wall.get") == 3
    assert slept == [FAST_BACKOFF, 2 * FAST_BACKOFF]  # growing pauses


def test_an_unknown_error_that_clears_is_survived(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1}]
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": 1, "times": 2}]
    handle = run_simulator(scenario)

    total, posts = vk_client(handle, attempts=3, sleep=no_wait).get_wall(-5, NOW - timedelta(days=7))

    assert (total, len(posts)) == (1, 1)
    assert handle.count("vk", "wall.get") == 3


# --- rate answers: a wait, not a fault (DESIGN §3.2) ------------------------------------


@pytest.mark.parametrize("fault", [{"error_code": 6}, {"transport": "http_429"}], ids=["error-6", "http-429"])
def test_rate_answers_are_waited_out_without_using_up_an_attempt(scenario, run_simulator, vk_client, fault):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1}]
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "times": 5, **fault}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = vk_client(handle, attempts=3, sleep=slept.append)

    total, posts = client.get_wall(-5, NOW - timedelta(days=7))

    assert (total, len(posts)) == (1, 1)
    assert handle.count("vk", "wall.get") == client.transport.requests_sent == 6
    assert slept == [client.transport.limiter.window] * 5  # the limiter's window each time


@pytest.mark.parametrize("fault", [{"error_code": 6}, {"transport": "http_429"}], ids=["error-6", "http-429"])
def test_a_rate_answer_that_never_clears_gives_up_after_ten_waits(scenario, run_simulator, vk_client, fault):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", **fault}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = vk_client(handle, attempts=3, sleep=slept.append)

    with pytest.raises(RateLimited) as caught:
        client.get_wall(-5, NOW - timedelta(days=7))

    assert caught.value.code == fault.get("error_code")
    assert handle.count("vk", "wall.get") == client.transport.requests_sent == 11
    assert slept == [client.transport.limiter.window] * 10


def test_rate_waits_and_fault_retries_interleave_and_the_read_succeeds(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1}]
    wall = {"network": "vk", "method": "wall.get"}
    scenario["faults"] = [{**wall, "error_code": 6, "times": 1}, {**wall, "error_code": 10, "times": 1},
                          {**wall, "error_code": 6, "times": 2}, {**wall, "error_code": 10, "times": 1}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = vk_client(handle, attempts=3, sleep=slept.append)

    total, posts = client.get_wall(-5, NOW - timedelta(days=7))

    assert (total, len(posts)) == (1, 1)
    outcomes = [r.outcome for r in handle.requests("vk", "wall.get")]
    assert outcomes == ["error:6", "error:10", "error:6", "error:6", "error:10", "ok"]
    window = client.transport.limiter.window
    assert slept == [window, FAST_BACKOFF, window, window, 2 * FAST_BACKOFF]


def test_a_rate_answer_inside_execute_is_sent_again_without_using_up_an_attempt(scenario, run_simulator, vk_client):
    for gid in (100, 101):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": -101, "error_code": 6, "times": 5}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user", attempts=3, sleep=slept.append)

    results = client.get_walls([WallRequest.for_community(g, NOW - timedelta(days=7)) for g in (100, 101)])

    assert [r.total for r in results] == [1, 1]
    assert [r.calls for r in handle.requests("vk", "execute")] == [2, 1, 1, 1, 1, 1]
    assert slept == [client.transport.limiter.window] * 5


def test_a_call_inside_execute_refused_for_the_rate_every_time_gives_up_alone(scenario, run_simulator, vk_client):
    for gid in (100, 101):
        add_group(scenario, id=gid, posts=[{"days_ago": 1}])
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": -101, "error_code": 6}]
    handle = run_simulator(scenario)
    client = vk_client(handle, token=VK_USER_TOKEN, token_type="user", attempts=3, sleep=no_wait)

    results = client.get_walls([WallRequest.for_community(g, NOW - timedelta(days=7)) for g in (100, 101)])

    assert results[0].total == 1
    assert isinstance(results[1], RateLimited) and results[1].code == 6
    assert handle.count("vk", "execute") == 11


def test_real_refusals_are_classified_too(scenario, run_simulator, vk_client):
    add_group(scenario, id=8, is_closed=1)
    add_group(scenario, id=9, is_closed=2)
    add_group(scenario, id=10, deactivated="banned")
    handle = run_simulator(scenario)
    since = NOW - timedelta(days=7)
    results = vk_client(handle).get_walls([WallRequest.for_community(g, since) for g in (8, 9, 10)])

    assert [(r.code, r.kind) for r in results] == [(15, "closed"), (203, "private"), (15, "closed")]
    with pytest.raises(ConfigurationError) as caught:
        vk_client(handle, token="vk1.a.NOT-A-REAL-TOKEN-xxxxxxxxxxxxxxxxxx").get_communities(["school5"])
    assert caught.value.code == 5


def test_a_quota_hit_parks_the_method_until_moscow_midnight(scenario, run_simulator, vk_client):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": 29, "times": 1}]
    handle = run_simulator(scenario)
    client = vk_client(handle)

    with pytest.raises(QuotaExhausted) as caught:
        client.get_wall(-5, NOW - timedelta(days=7))
    results = client.get_walls([WallRequest(-5, NOW - timedelta(days=7))] * 3)

    assert caught.value.resume_at == next_moscow_midnight()
    assert all(isinstance(r, QuotaExhausted) for r in results)
    assert handle.count("vk", "wall.get") == 1  # parked: nothing more was sent
    assert client.get_communities(["school5"])["school5"] is not None  # other methods still work


def test_a_bad_token_in_execute_stops_the_whole_read(scenario, run_simulator, vk_client):
    handle = run_simulator(scenario)
    client = vk_client(handle, token="vk1.a.UNKNOWN-user-token-yyyyyyyyyyyyyy", token_type="user")
    with pytest.raises(ConfigurationError):
        client.get_walls([WallRequest(-5, NOW - timedelta(days=7))])


@pytest.mark.parametrize("fault", ["timeout", "http_500", "truncated_json", "html", "reset"])
def test_transport_faults_are_retried_then_raised(scenario, run_simulator, vk_client, fault):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "transport": fault, "delay": 0.6}]
    handle = run_simulator(scenario)
    slept: list[float] = []

    with pytest.raises(TransportError) as caught:
        vk_client(handle, timeout=0.3, attempts=3, backoff=0.01, sleep=slept.append).get_wall(
            -5, NOW - timedelta(days=7)
        )

    assert caught.value.attempts == 3
    assert handle.count("vk", "wall.get") == 3
    assert slept == [0.01, 0.02]  # exponential backoff between the attempts


def test_a_transport_fault_that_clears_is_survived(scenario, run_simulator, vk_client):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1}]
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "transport": "reset", "times": 2}]
    handle = run_simulator(scenario)

    total, posts = vk_client(handle, attempts=3).get_wall(-5, NOW - timedelta(days=7))

    assert (total, len(posts)) == (1, 1)
    assert handle.count("vk", "wall.get") == 3


def test_a_refused_connection_is_retried_then_raised(vk_client, fast_limiter):
    import socket

    from monitoring.networks.vk.client import VkClient

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = VkClient(f"http://127.0.0.1:{port}/method", "5.199", SECRETS[0], "service", fast_limiter,
                      backoff=0.0, attempts=2)
    with pytest.raises(TransportError) as caught:
        client.get_communities(["school5"])
    assert caught.value.fault == "connection"
    assert client.transport.requests_sent == 2


@pytest.mark.parametrize("fault", [{"error_code": 15}, {"error_code": 5}, {"error_code": 6},
                                   {"transport": "reset"}, {"transport": "truncated_json"}])
def test_no_token_ever_appears_in_an_error(scenario, run_simulator, vk_client, caplog, fault):
    scenario["faults"] = [{"network": "vk", **fault}]
    handle = run_simulator(scenario)
    for token, kind in ((SECRETS[0], "service"), (VK_USER_TOKEN, "user")):
        # No real waits: error 6 is waited out ten times before it is raised.
        client = vk_client(handle, token=token, token_type=kind, attempts=2, sleep=no_wait)
        for read in (lambda: client.get_communities(["school5"]), lambda: client.get_wall(-5, NOW)):
            with pytest.raises(ApiError) as caught:
                read()
            exc = caught.value
            texts = [str(exc), repr(exc), *map(str, exc.args), repr(exc.request_params)]
            assert not any(token in text for text in texts)
            assert exc.__cause__ is None or token not in repr(exc.__cause__)
    assert not any(secret in caplog.text for secret in SECRETS)


def test_errors_survive_pickling_for_celery(scenario, run_simulator, vk_client):
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": 18}]
    handle = run_simulator(scenario)
    with pytest.raises(PageUnavailable) as caught:
        vk_client(handle).get_wall(-5, NOW)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), copy.kind, copy.code, str(copy)) == (PageUnavailable, "deleted", 18, str(caught.value))


def test_a_parked_quota_holds_for_every_client_sharing_the_limiter(scenario, run_simulator, vk_client):
    # Two workers, one token: once VK says 29 to one, the other sends nothing either.
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "error_code": 29, "times": 1}]
    handle = run_simulator(scenario)
    first, second = vk_client(handle), vk_client(handle)

    with pytest.raises(QuotaExhausted):
        first.get_wall(-5, NOW - timedelta(days=7))
    with pytest.raises(QuotaExhausted) as caught:
        second.get_wall(-5, NOW - timedelta(days=7))

    assert handle.count("vk", "wall.get") == 1
    assert caught.value.resume_at >= next_moscow_midnight() - timedelta(seconds=1)
