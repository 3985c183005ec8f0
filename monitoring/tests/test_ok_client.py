"""OkClient against the simulator over real HTTP: signing, groups, topics, errors."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import requests

from monitoring.clients import (
    ApiError,
    ConfigurationError,
    PageUnavailable,
    QuotaExhausted,
    RateLimited,
    RetryableError,
    TransportError,
)
from monitoring.networks.ok.client import ok_signature
from monitoring.tests.conftest import (
    FAST_BACKOFF,
    NOW,
    OK_ACCESS_TOKEN,
    OK_APP_KEY,
    OK_EXPIRED_TOKEN,
    OK_SECRET_KEY,
)

SIGNED_PARAMS = {
    "application_key": OK_APP_KEY,
    "method": "group.getInfo",
    "format": "json",
    "uids": "5100,5200",
    "fields": "uid,name,gos_org",
}


def add_group(scenario, **group):
    scenario["ok"]["groups"].append(group)
    return group


# --- signature ---------------------------------------------------------------------------


def test_signature_matches_a_hand_computed_md5():
    # By hand: md5(token + secret) is the session secret; the params sorted by key,
    # written key=value without separators, then the session secret, md5 again.
    session_secret = hashlib.md5((OK_ACCESS_TOKEN + OK_SECRET_KEY).encode()).hexdigest()
    assert session_secret == "fc879a779d0ffbda7932635e70bce415"
    text = ("application_key=CBAFJIICABABABABA" "fields=uid,name,gos_org" "format=json"
            "method=group.getInfo" "uids=5100,5200")

    assert ok_signature(SIGNED_PARAMS, OK_SECRET_KEY, OK_ACCESS_TOKEN) == "43fbd99f71513ce9c7625453e557c483"
    assert hashlib.md5((text + session_secret).encode()).hexdigest() == "43fbd99f71513ce9c7625453e557c483"


def test_signature_without_a_session_uses_the_application_secret():
    assert ok_signature(SIGNED_PARAMS, OK_SECRET_KEY) == "8dabf67c543914031e97faa8bd012d44"


def test_signature_ignores_the_token_sig_and_session_key_params():
    noisy = dict(SIGNED_PARAMS, access_token="anything", session_key="x", sig="y")
    assert ok_signature(noisy, OK_SECRET_KEY, OK_ACCESS_TOKEN) == "43fbd99f71513ce9c7625453e557c483"


def test_the_simulator_refuses_a_wrong_signature_with_104(scenario, run_simulator, ok_client):
    handle = run_simulator(scenario)
    params = dict(SIGNED_PARAMS, access_token=OK_ACCESS_TOKEN)
    params["sig"] = ok_signature(SIGNED_PARAMS, OK_SECRET_KEY, OK_ACCESS_TOKEN)
    assert "error_code" not in requests.post(handle.url_ok, data=params, timeout=5).json()

    params["uids"] = "5100"  # tampered after signing
    assert requests.post(handle.url_ok, data=params, timeout=5).json()["error_code"] == 104

    with pytest.raises(ConfigurationError) as caught:
        ok_client(handle, application_secret_key="WRONG-SECRET-0000000000000").get_communities(["5100"])
    assert caught.value.code == 104


@pytest.mark.parametrize(
    ("options", "code"),
    [({"application_key": "CBAUNKNOWNKEYXXX"}, 101), ({"access_token": OK_EXPIRED_TOKEN}, 102)],
)
def test_bad_application_settings_are_configuration_errors(scenario, run_simulator, ok_client, options, code):
    handle = run_simulator(scenario)
    with pytest.raises(ConfigurationError) as caught:
        ok_client(handle, **options).get_counters("5100").themes
    assert caught.value.code == code
    assert handle.count("ok") == 1


# --- groups ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["groups", "list"])
def test_every_group_field_is_mapped_in_both_response_shapes(scenario, run_simulator, ok_client, shape):
    scenario["ok"]["getinfo_shape"] = shape
    handle = run_simulator(scenario)

    community = ok_client(handle).get_communities(["5100"])["5100"]

    assert community.network == "ok"
    assert community.external_id == "5100"
    assert community.screen_name == "school5"
    assert community.name == "МБОУ СОШ №5"
    assert community.description == "Официальная группа школы"
    assert community.address == "ул. Школьная, 5"
    assert community.phones == ("+7 861 000-00-03",)
    assert community.sites == ("https://school5.example.ru",)
    assert community.emails == ()
    assert community.closed is False
    assert community.deactivated is False
    assert community.gov_mark is True
    assert community.wall_open_to_others is True
    assert community.contact_ids == ("600",)
    assert community.members_count == 120


def test_closed_groups_and_absent_gov_marks(scenario, run_simulator, ok_client):
    add_group(scenario, uid="5200", name="Закрытая", access_type="CLOSED", gos_org=False)
    add_group(scenario, uid="5300", name="Без поля")
    handle = run_simulator(scenario)

    found = ok_client(handle).get_communities(["5200", "5300"])

    assert (found["5200"].closed, found["5200"].gov_mark) == (True, False)
    assert (found["5300"].closed, found["5300"].gov_mark) == (False, None)


def test_a_group_missing_from_the_answer_is_deactivated(scenario, run_simulator, ok_client):
    add_group(scenario, uid="5200", name="Удалена", deactivated=True)
    handle = run_simulator(scenario)

    found = ok_client(handle).get_communities(["5100", "5200", "5999"])

    assert found["5100"].deactivated is False
    assert found["5200"].deactivated is True
    assert found["5999"].deactivated is True
    assert handle.count("ok", "group.getInfo") == 1


def test_error_300_marks_only_the_missing_group_deactivated(scenario, run_simulator, ok_client):
    add_group(scenario, uid="5200", name="Вторая")
    scenario["faults"] = [{"network": "ok", "method": "group.getInfo", "uids": "5200", "error_code": 300}]
    handle = run_simulator(scenario)

    found = ok_client(handle).get_communities(["5100", "5200"])

    assert found["5100"].deactivated is False and found["5100"].name == "МБОУ СОШ №5"
    assert found["5200"].deactivated is True


def test_groups_are_asked_for_100_at_a_time(scenario, run_simulator, ok_client):
    for n in range(150):
        add_group(scenario, uid=str(6000 + n), name=f"Сад {n}")
    handle = run_simulator(scenario)

    found = ok_client(handle).get_communities([str(6000 + n) for n in range(150)])

    assert not any(c.deactivated for c in found.values())
    assert sorted(r.items for r in handle.requests("ok", "group.getInfo")) == [50, 100]


# --- links and counters ------------------------------------------------------------------


def test_links_resolve_to_groups_and_personal_profiles(scenario, run_simulator, ok_client):
    handle = run_simulator(scenario)
    client = ok_client(handle)

    assert client.resolve_link("https://ok.ru/group/5100").object_id == "5100"
    assert client.resolve_link("ok.ru/group5100/").kind == "group"
    assert client.resolve_link("https://m.ok.ru/profile/600").kind == "user"
    assert handle.count("ok") == 0  # numeric links need no request

    school = client.resolve_link("https://ok.ru/school5")
    person = client.resolve_link("https://ok.ru/ivan.petrov")
    assert (school.kind, school.object_id, school.is_community) == ("group", "5100", True)
    assert (person.kind, person.object_id, person.is_community) == ("user", "600", False)
    assert client.resolve_link("https://ok.ru/nobody") is None
    assert handle.count("ok", "url.getInfo") == 3


def test_topics_count_comes_from_the_group_counters(scenario, run_simulator, ok_client):
    scenario["ok"]["groups"][0]["topics_count"] = 1234
    handle = run_simulator(scenario)
    assert ok_client(handle).get_counters("5100").themes == 1234


def test_members_come_from_the_group_counters_in_the_same_request(scenario, run_simulator, ok_client):
    scenario["ok"]["groups"][0]["members_count"] = 777
    handle = run_simulator(scenario)

    counters = ok_client(handle).get_counters("5100")

    assert counters.members == 777
    assert handle.count("ok", "group.getCounters") == 1


# --- topics ------------------------------------------------------------------------------


def test_topics_page_by_anchor_until_older_than_since(scenario, run_simulator, ok_client):
    group = scenario["ok"]["groups"][0]
    group["topic_series"] = [{"count": 130, "start_days_ago": 0.1, "every_days": 0.25, "text": "Новость {n}",
                              "attachments": ["photo"]}]
    group["topics"] = [{"id": "9001", "days_ago": 0.05, "author_ref": "user:600", "text": "Не от группы"}]
    handle = run_simulator(scenario)
    since = NOW - timedelta(days=30)

    posts = ok_client(handle, page_size=50).get_topics("5100", since)

    assert len(posts) == 121  # the user's topic and 120 of the series (0.1 .. 29.85 days ago)
    assert all(p.date >= since for p in posts)
    assert len({p.external_id for p in posts}) == len(posts)
    assert handle.count("ok", "mediatopic.getTopics") == 3
    first = posts[0]
    assert (first.external_id, first.from_community, first.author_id) == ("9001", False, "user:600")
    assert posts[1].from_community is True
    assert posts[1].text.startswith("Новость")
    assert posts[1].attachment_kinds == ("photo",)


def test_topics_stop_when_has_more_is_false(scenario, run_simulator, ok_client):
    scenario["ok"]["groups"][0]["topics"] = [{"days_ago": 1, "text": "a"}, {"days_ago": 2, "text": "b"}]
    handle = run_simulator(scenario)
    posts = ok_client(handle).get_topics("5100", NOW - timedelta(days=365))
    assert [p.text for p in posts] == ["a", "b"]
    assert handle.count("ok", "mediatopic.getTopics") == 1


def test_closed_and_deleted_groups_are_findings(scenario, run_simulator, ok_client):
    add_group(scenario, uid="5200", access_type="CLOSED")
    add_group(scenario, uid="5300", deactivated=True)
    handle = run_simulator(scenario)
    client = ok_client(handle)

    with pytest.raises(PageUnavailable) as closed:
        client.get_topics("5200", NOW - timedelta(days=7))
    with pytest.raises(PageUnavailable) as gone:
        client.get_topics("5300", NOW - timedelta(days=7))

    assert (closed.value.code, closed.value.kind) == (456, "closed")
    assert (gone.value.code, gone.value.kind) == (300, "not_found")


@pytest.mark.parametrize(
    ("code", "error_class", "kind"),
    [
        (11, QuotaExhausted, None),
        (101, ConfigurationError, None),
        (102, ConfigurationError, None),
        (103, ConfigurationError, None),
        (104, ConfigurationError, None),
        (300, PageUnavailable, "not_found"),
        (456, PageUnavailable, "closed"),
        (458, PageUnavailable, "private"),
        (100, ApiError, None),
    ],
)
def test_ok_error_codes_map_to_what_the_sweep_must_do(scenario, run_simulator, ok_client, code, error_class, kind):
    scenario["faults"] = [{"network": "ok", "method": "mediatopic.getTopics", "error_code": code}]
    handle = run_simulator(scenario)

    with pytest.raises(error_class) as caught:
        ok_client(handle).get_topics("5100", NOW - timedelta(days=7))

    assert type(caught.value) is error_class
    assert caught.value.code == code
    assert getattr(caught.value, "kind", None) == kind
    assert handle.count("ok") == 1


def test_a_service_error_is_retried_a_bounded_number_of_times(scenario, run_simulator, ok_client):
    scenario["faults"] = [{"network": "ok", "method": "group.getCounters", "error_code": 2}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    with pytest.raises(RetryableError) as caught:
        ok_client(handle, attempts=4, sleep=slept.append).get_counters("5100").themes
    assert type(caught.value) is RetryableError and caught.value.code == 2
    assert caught.value.attempts == 4
    assert handle.count("ok", "group.getCounters") == 4
    assert slept == [FAST_BACKOFF, 2 * FAST_BACKOFF, 4 * FAST_BACKOFF]


RATE_ANSWERS = {"error-8-flood-blocked": {"error_code": 8}, "http-429": {"transport": "http_429"}}


@pytest.mark.parametrize("fault", RATE_ANSWERS.values(), ids=RATE_ANSWERS.keys())
def test_rate_answers_are_waited_out_without_using_up_an_attempt(scenario, run_simulator, ok_client, fault):
    scenario["faults"] = [{"network": "ok", "method": "group.getCounters", "times": 5, **fault}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = ok_client(handle, attempts=3, sleep=slept.append)

    assert client.get_counters("5100").themes == 0

    assert handle.count("ok", "group.getCounters") == client.transport.requests_sent == 6
    assert slept == [client.transport.limiter.window] * 5


@pytest.mark.parametrize("fault", RATE_ANSWERS.values(), ids=RATE_ANSWERS.keys())
def test_a_rate_answer_that_never_clears_gives_up_after_ten_waits(scenario, run_simulator, ok_client, fault):
    scenario["faults"] = [{"network": "ok", "method": "group.getCounters", **fault}]
    handle = run_simulator(scenario)
    slept: list[float] = []
    client = ok_client(handle, attempts=3, sleep=slept.append)

    with pytest.raises(RateLimited) as caught:
        client.get_counters("5100").themes

    assert caught.value.code == fault.get("error_code")
    assert handle.count("ok", "group.getCounters") == client.transport.requests_sent == 11
    assert slept == [client.transport.limiter.window] * 10


def test_a_limit_reached_rests_the_method(scenario, run_simulator, ok_client):
    scenario["faults"] = [{"network": "ok", "method": "mediatopic.getTopics", "error_code": 11, "times": 1}]
    handle = run_simulator(scenario)
    client = ok_client(handle)
    for _ in range(2):
        with pytest.raises(QuotaExhausted):
            client.get_topics("5100", NOW - timedelta(days=7))
    assert handle.count("ok", "mediatopic.getTopics") == 1
    assert client.get_counters("5100").themes == 0


@pytest.mark.parametrize("fault", ["timeout", "http_500", "truncated_json", "html", "reset"])
def test_ok_transport_faults_are_retried_then_raised(scenario, run_simulator, ok_client, fault):
    scenario["faults"] = [{"network": "ok", "transport": fault, "delay": 0.6}]
    handle = run_simulator(scenario)
    with pytest.raises(TransportError) as caught:
        ok_client(handle, timeout=0.3, attempts=2).get_communities(["5100"])
    assert caught.value.attempts == 2
    assert handle.count("ok") == 2


@pytest.mark.parametrize("fault", [{"error_code": 104}, {"error_code": 456}, {"transport": "reset"}])
def test_no_secret_ever_appears_in_an_error(scenario, run_simulator, ok_client, caplog, fault):
    scenario["faults"] = [{"network": "ok", **fault}]
    handle = run_simulator(scenario)
    with pytest.raises(ApiError) as caught:
        ok_client(handle, attempts=2).get_topics("5100", NOW - timedelta(days=7))
    texts = [str(caught.value), repr(caught.value), *map(str, caught.value.args)]
    for secret in (OK_ACCESS_TOKEN, OK_SECRET_KEY):
        assert not any(secret in text for text in texts)
        assert secret not in caplog.text
