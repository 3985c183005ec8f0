"""The simulator speaks VK and OK as the reference describes, to any HTTP client.

These tests use plain ``requests``, not our clients: the simulator must hold up
on its own, since other clients will be pointed at it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from monitoring.simulator import ScenarioError, SimulatorProcess, load_scenario, token_hash
from monitoring.networks.ok.simulator import expected_signature
from monitoring.simulator.state import MOSCOW
from monitoring.tests.conftest import (
    NOW,
    OK_ACCESS_TOKEN,
    OK_APP_KEY,
    OK_SECRET_KEY,
    VK_COMMUNITY_TOKEN,
    VK_SERVICE_TOKEN,
    VK_USER_TOKEN,
)


def vk(handle, method, token=VK_SERVICE_TOKEN, v="5.199", **params):
    data = {"access_token": token, "v": v, **params}
    response = requests.post(f"{handle.url_vk}/{method}", data=data, timeout=5)
    assert response.status_code == 200
    return response.json()


def ok(handle, method, token=OK_ACCESS_TOKEN, **params):
    data = {"application_key": OK_APP_KEY, "method": method, "format": "json", **params}
    if token:
        data["access_token"] = token
    data["sig"] = expected_signature(data, OK_SECRET_KEY)
    return requests.get(handle.url_ok, params=data, timeout=5).json()


# --- VK ------------------------------------------------------------------------------------


def test_groups_get_by_id_shape_follows_the_version(scenario, run_simulator):
    handle = run_simulator(scenario)
    legacy = vk(handle, "groups.getById", v="5.131", group_ids="school5")["response"]
    current = vk(handle, "groups.getById", group_ids="school5")["response"]
    assert isinstance(legacy, list) and legacy[0]["id"] == 5
    assert current["groups"][0]["id"] == 5 and current["profiles"] == []


def test_fields_are_sent_only_when_asked_for(scenario, run_simulator):
    handle = run_simulator(scenario)
    bare = vk(handle, "groups.getById", group_id="5")["response"]["groups"][0]
    full = vk(handle, "groups.getById", group_id="5", fields="is_government_organization,contacts")["response"]
    assert "is_government_organization" not in bare and "contacts" not in bare
    assert set(bare) >= {"id", "name", "screen_name", "is_closed", "type"}
    assert full["groups"][0]["is_government_organization"] is True
    assert "description" not in full["groups"][0]


def test_errors_use_the_vk_envelope_and_echo_every_parameter(scenario, run_simulator):
    handle = run_simulator(scenario)
    body = vk(handle, "wall.get", token="wrong-token", owner_id="-5")
    error = body["error"]
    assert error["error_code"] == 5
    assert {"key": "owner_id", "value": "-5"} in error["request_params"]
    # The real envelope may echo the token: clients must strip it, so this one does echo it.
    assert {"key": "access_token", "value": "wrong-token"} in error["request_params"]


def test_bearer_header_and_get_are_accepted(scenario, run_simulator):
    handle = run_simulator(scenario)
    response = requests.get(f"{handle.url_vk}/utils.resolveScreenName", params={"v": "5.199", "screen_name": "school5"},
                            headers={"Authorization": f"Bearer {VK_SERVICE_TOKEN}"}, timeout=5)
    assert response.json()["response"] == {"object_id": 5, "type": "group"}


def test_multipart_bodies_are_read_and_json_bodies_are_not(scenario, run_simulator):
    handle = run_simulator(scenario)
    files = {"access_token": (None, VK_SERVICE_TOKEN), "v": (None, "5.199"), "screen_name": (None, "ivan.petrov")}
    assert requests.post(f"{handle.url_vk}/utils.resolveScreenName", files=files, timeout=5).json()["response"] == {
        "object_id": 77, "type": "user"}
    as_json = requests.post(f"{handle.url_vk}/utils.resolveScreenName", timeout=5,
                            json={"access_token": VK_SERVICE_TOKEN, "v": "5.199", "screen_name": "school5"})
    assert as_json.json()["error"]["error_code"] == 5


def test_missing_version_and_unknown_methods_are_refused(scenario, run_simulator):
    handle = run_simulator(scenario)
    no_version = requests.post(f"{handle.url_vk}/groups.getById", data={"access_token": VK_SERVICE_TOKEN}, timeout=5)
    assert no_version.json()["error"]["error_code"] == 8
    assert vk(handle, "wall.post", owner_id="-5")["error"]["error_code"] == 3


def test_resolve_screen_name_answers_an_empty_list_for_unknown_names(scenario, run_simulator):
    handle = run_simulator(scenario)
    assert vk(handle, "utils.resolveScreenName", screen_name="nobody")["response"] == []


def test_wall_get_orders_filters_and_limits(scenario, run_simulator):
    scenario["vk"]["groups"][0]["posts"] = [
        {"id": 1, "days_ago": 300, "is_pinned": 1}, {"id": 2, "days_ago": 1},
        {"id": 3, "days_ago": 2, "from_id": 77}, {"id": 4, "days_ago": 3, "signer_id": 77},
    ]
    handle = run_simulator(scenario)

    everything = vk(handle, "wall.get", owner_id="-5")["response"]
    owner = vk(handle, "wall.get", domain="school5", filter="owner", count="1")["response"]
    others = vk(handle, "wall.get", owner_id="-5", filter="others")["response"]

    assert [p["id"] for p in everything["items"]] == [1, 2, 3, 4]  # pinned first
    assert (owner["count"], [p["id"] for p in owner["items"]]) == (3, [1])
    assert [p["from_id"] for p in others["items"]] == [77]
    assert everything["items"][3]["signer_id"] == 77
    assert vk(handle, "wall.get", owner_id="-5", count="101")["error"]["error_code"] == 100


def test_wall_get_extended_adds_profiles_and_groups(scenario, run_simulator):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 1, "from_id": 77}]
    handle = run_simulator(scenario)
    answer = vk(handle, "wall.get", owner_id="-5", extended="1")["response"]
    assert [p["id"] for p in answer["profiles"]] == [77]
    assert [g["id"] for g in answer["groups"]] == [5]


def test_closed_private_and_deleted_walls(scenario, run_simulator):
    scenario["vk"]["groups"] += [{"id": 8, "is_closed": 1}, {"id": 9, "is_closed": 2},
                                 {"id": 10, "deactivated": "deleted"}]
    scenario["vk"]["users"] += [{"id": 80, "deactivated": "banned"}, {"id": 81, "is_closed": True}]
    handle = run_simulator(scenario)
    codes = [vk(handle, "wall.get", owner_id=str(owner))["error"]["error_code"] for owner in (-8, -9, -10, 80, 81)]
    assert codes == [15, 203, 15, 18, 30]


def test_token_types_are_enforced(scenario, run_simulator):
    handle = run_simulator(scenario)
    code = "return [API.wall.get({\"owner_id\":-5,\"count\":1})];"
    assert vk(handle, "execute", code=code)["error"]["error_code"] == 28  # service token
    assert vk(handle, "wall.get", token=VK_COMMUNITY_TOKEN, owner_id="-5")["error"]["error_code"] == 27
    assert vk(handle, "execute", token=VK_USER_TOKEN, code=code)["response"][0]["count"] == 0


def test_execute_reports_failed_calls_in_execute_errors(scenario, run_simulator):
    scenario["vk"]["groups"] += [{"id": 8, "is_closed": 1, "posts": []}]
    handle = run_simulator(scenario)
    code = 'return [API.wall.get({"owner_id":-5}), API.wall.get({"owner_id":-8}), API.utils.resolveScreenName({"screen_name":"school5"})];'
    body = vk(handle, "execute", token=VK_USER_TOKEN, code=code)
    assert body["response"][0] == {"count": 0, "items": []}
    assert body["response"][1] is False
    assert body["response"][2] == {"object_id": 5, "type": "group"}
    assert body["execute_errors"] == [{"method": "wall.get", "error_code": 15,
                                       "error_msg": "Access denied: this wall available only for community members"}]
    assert handle.requests("vk", "execute")[0].calls == 3


def test_execute_refuses_what_it_cannot_parse_or_too_many_calls(scenario, run_simulator):
    handle = run_simulator(scenario)
    assert vk(handle, "execute", token=VK_USER_TOKEN, code="var a = 1; return a;")["error"]["error_code"] == 12
    many = "return [" + ",".join(['API.wall.get({"owner_id":-5})'] * 26) + "];"
    assert vk(handle, "execute", token=VK_USER_TOKEN, code=many)["error"]["error_code"] == 13


def test_per_token_rate_limit_answers_error_6(scenario, run_simulator):
    scenario["vk"]["requests_per_second"] = 3
    handle = run_simulator(scenario)
    codes = [vk(handle, "utils.resolveScreenName", screen_name="school5").get("error", {}).get("error_code")
             for _ in range(4)]
    other = vk(handle, "utils.resolveScreenName", token=VK_USER_TOKEN, screen_name="school5")
    assert codes == [None, None, None, 6]
    assert "response" in other


def test_daily_wall_get_quota_counts_calls_inside_execute(scenario, run_simulator):
    scenario["vk"]["wall_get_daily_limit"] = 3
    handle = run_simulator(scenario)
    assert "response" in vk(handle, "wall.get", token=VK_USER_TOKEN, owner_id="-5")
    code = "return [" + ",".join(['API.wall.get({"owner_id":-5})'] * 3) + "];"
    body = vk(handle, "execute", token=VK_USER_TOKEN, code=code)
    assert body["response"][2] is False
    assert body["execute_errors"][0]["error_code"] == 29
    assert vk(handle, "wall.get", token=VK_USER_TOKEN, owner_id="-5")["error"]["error_code"] == 29
    assert "response" in vk(handle, "wall.get", token=VK_SERVICE_TOKEN, owner_id="-5")  # per token


@pytest.mark.parametrize("code", [5, 6, 9, 10, 14, 15, 18, 29, 30, 100, 203])
def test_any_vk_error_can_be_injected(scenario, run_simulator, code):
    scenario["faults"] = [{"network": "vk", "method": "groups.getById", "error_code": code, "times": 1}]
    handle = run_simulator(scenario)
    assert vk(handle, "groups.getById", group_id="5")["error"]["error_code"] == code
    assert "response" in vk(handle, "groups.getById", group_id="5")  # times: 1


@pytest.mark.parametrize(("fault", "status"), [("http_500", 500), ("http_429", 429), ("html", 200)])
def test_html_faults_answer_html(scenario, run_simulator, fault, status):
    scenario["faults"] = [{"network": "vk", "transport": fault}]
    handle = run_simulator(scenario)
    response = requests.post(f"{handle.url_vk}/groups.getById", data={"v": "5.199"}, timeout=5)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")


def test_truncated_json_is_cut_and_reset_drops_the_connection(scenario, run_simulator):
    scenario["faults"] = [{"network": "vk", "transport": "truncated_json", "times": 1},
                          {"network": "vk", "transport": "reset", "times": 1}]
    handle = run_simulator(scenario)
    cut = requests.post(f"{handle.url_vk}/groups.getById",
                        data={"access_token": VK_SERVICE_TOKEN, "v": "5.199", "group_id": "5"}, timeout=5)
    with pytest.raises(ValueError):
        cut.json()
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{handle.url_vk}/groups.getById", data={"v": "5.199"}, timeout=5)
    assert [r.outcome for r in handle.requests()] == ["fault:truncated_json", "fault:reset"]


def test_the_log_names_tokens_by_hash_only(scenario, run_simulator):
    handle = run_simulator(scenario)
    vk(handle, "groups.getById", group_id="5")
    [record] = handle.requests("vk")
    assert record.token and record.token not in VK_SERVICE_TOKEN and VK_SERVICE_TOKEN not in repr(record)
    assert (record.method, record.outcome, record.items) == ("groups.getById", "ok", 1)


# --- OK ------------------------------------------------------------------------------------


def test_ok_checks_key_then_signature_then_session(scenario, run_simulator):
    handle = run_simulator(scenario)
    unknown_key = requests.get(handle.url_ok, params={"method": "group.getInfo", "application_key": "NOPE"}, timeout=5)
    assert unknown_key.status_code == 200
    assert unknown_key.json() == {"error_code": 101, "error_msg": unknown_key.json()["error_msg"], "error_data": None}
    unsigned = requests.get(handle.url_ok, params={"method": "group.getInfo", "application_key": OK_APP_KEY}, timeout=5)
    assert unsigned.json()["error_code"] == 104
    assert ok(handle, "group.getCounters", token="not-a-session", group_id="5100",
              counterTypes="themes")["error_code"] == 102
    assert ok(handle, "group.getCounters", token="", group_id="5100", counterTypes="themes") == {
        "counters": {"themes": 0}}


def test_ok_group_info_sends_requested_fields_and_gos_org_only_when_asked(scenario, run_simulator):
    handle = run_simulator(scenario)
    plain = ok(handle, "group.getInfo", uids="5100", fields="name,ACCESS_TYPE")
    marked = ok(handle, "group.getInfo", uids="5100,5999", fields="group.name,gos_org")
    assert plain == {"groups": [{"uid": "5100", "name": "МБОУ СОШ №5", "access_type": "OPEN"}]}
    assert marked == {"groups": [{"uid": "5100", "name": "МБОУ СОШ №5", "gos_org": True}]}
    assert ok(handle, "group.getInfo", uids="5100")["error_code"] == 100  # fields are required


def test_ok_group_info_can_answer_a_bare_list(scenario, run_simulator):
    scenario["ok"]["getinfo_shape"] = "list"
    handle = run_simulator(scenario)
    assert ok(handle, "group.getInfo", uids="5100", fields="uid") == [{"uid": "5100"}]


def test_ok_rest_style_path_is_served(scenario, run_simulator):
    handle = run_simulator(scenario)
    # The method is in the path, so only the parameters sent are signed.
    data = {"application_key": OK_APP_KEY, "format": "json", "url": "https://ok.ru/school5"}
    data["sig"] = expected_signature(data, OK_SECRET_KEY)
    answer = requests.post(f"{handle.url}/api/url/getInfo", data=data, timeout=5).json()
    assert answer == {"type": "GROUP", "objectId": 5100}


def test_ok_topics_page_with_an_opaque_anchor(scenario, run_simulator):
    scenario["ok"]["groups"][0]["topic_series"] = [{"count": 5, "every_days": 1, "text": "t{n}"}]
    handle = run_simulator(scenario)
    first = ok(handle, "mediatopic.getTopics", gid="5100", count="2")
    second = ok(handle, "mediatopic.getTopics", gid="5100", count="2", anchor=first["anchor"], direction="FORWARD")
    last = ok(handle, "mediatopic.getTopics", gid="5100", count="2", anchor=second["anchor"], direction="FORWARD")
    texts = [t["media"][0]["text"] for page in (first, second, last) for t in page["media_topics"]]
    assert texts == ["t5", "t4", "t3", "t2", "t1"]
    assert [first["has_more"], second["has_more"], last["has_more"]] == [True, True, False]
    assert first["media_topics"][0]["author_ref"] == "group:5100"
    assert isinstance(first["media_topics"][0]["id"], str)
    assert ok(handle, "mediatopic.getTopics", gid="5100", anchor="garbage!")["error_code"] == 100


def test_ok_rate_limit_answers_flood_blocked(scenario, run_simulator):
    scenario["ok"]["requests_per_second"] = 2
    handle = run_simulator(scenario)
    codes = [ok(handle, "group.getCounters", group_id="5100", counterTypes="themes").get("error_code")
             for _ in range(3)]
    assert codes == [None, None, 8]


@pytest.mark.parametrize("code", [2, 8, 11, 300, 456, 458])
def test_any_ok_error_can_be_injected(scenario, run_simulator, code):
    scenario["faults"] = [{"network": "ok", "method": "url.getInfo", "error_code": code}]
    handle = run_simulator(scenario)
    assert ok(handle, "url.getInfo", url="https://ok.ru/school5")["error_code"] == code


# --- scenario ------------------------------------------------------------------------------


def test_relative_dates_are_fixed_by_the_anchor():
    data = {"now": NOW.isoformat(), "vk": {"groups": [{"id": 1, "posts": [
        {"days_ago": 3}, {"week": -1, "weekday": 5, "time": "18:30"}, {"date": "2025-03-01T12:00:00"},
    ]}]}}
    posts = load_scenario(data).vk.groups[1].posts
    assert [p["id"] for p in posts] == [1, 2, 3]  # numbered oldest first
    dates = sorted(datetime.fromtimestamp(p["date"], MOSCOW) for p in posts)
    assert dates == [datetime(2025, 3, 1, 12, 0, tzinfo=MOSCOW),
                     datetime(2025, 3, 7, 18, 30, tzinfo=MOSCOW),  # Friday of last week
                     (NOW - timedelta(days=3)).astimezone(MOSCOW)]
    assert load_scenario(data).vk.groups[1].posts == posts


def test_a_deleted_post_or_topic_is_gone_from_lists_and_counts_and_the_others_keep_their_ids(scenario, run_simulator):
    scenario["vk"]["groups"][0]["posts"] = [{"days_ago": 3}, {"days_ago": 2, "deleted": True}, {"days_ago": 1}]
    scenario["ok"]["groups"][0]["topics"] = [{"days_ago": 3}, {"days_ago": 2, "deleted": True}, {"days_ago": 1}]
    handle = run_simulator(scenario)

    wall = vk(handle, "wall.get", owner_id="-5", filter="owner")["response"]
    topics = ok(handle, "mediatopic.getTopics", gid="5100", count="10")["media_topics"]
    counters = ok(handle, "group.getCounters", group_id="5100", counterTypes="themes")["counters"]

    assert (wall["count"], [p["id"] for p in wall["items"]]) == (2, [3, 1])
    assert [t["id"] for t in topics] == ["510000003", "510000001"]
    assert counters["themes"] == 2


def test_per_week_series_never_run_past_now():
    data = {"now": NOW.isoformat(), "ok": {"groups": [{"uid": "1", "topic_series": [
        {"per_week": [3, 4, 7], "first_week": -2}]}]}}
    topics = load_scenario(data).ok.groups["1"].topics
    # Week -2: 3 topics, week -1: 4, the current week (Wednesday 09:00): Monday and Tuesday only.
    assert len(topics) == 3 + 4 + 2
    assert max(t["created_ms"] for t in topics) <= NOW.timestamp() * 1000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"faults": [{"network": "telegram", "error_code": 5}]}, "faults[0].network"),
        ({"faults": [{"network": "vk"}]}, "faults[0]"),
        ({"faults": [{"network": "vk", "transport": "smoke"}]}, "faults[0].transport"),
        ({"vk": {"groups": [{"id": "x"}]}}, "vk.groups[0].id"),
        ({"vk": {"groups": [{"id": 1, "posts": [{"text": "no date"}]}]}}, "vk.groups[0].posts[0]"),
        ({"vk": {"groups": [{"id": 1, "posts": [{"days_ago": 1, "colour": "red"}]}]}}, "unknown keys"),
        ({"ok": {"groups": [{"uid": "school"}]}}, "ok.groups[0].uid"),
    ],
)
def test_bad_scenarios_are_refused_with_the_path(data, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_scenario(data)


def test_a_simulator_in_its_own_process_serves_and_shows_its_log(scenario):
    """`python -m monitoring.simulator` behind SimulatorProcess: the log travels back."""
    with SimulatorProcess(scenario) as handle:
        answer = requests.post(f"{handle.url_vk}/utils.resolveScreenName", timeout=5,
                               data={"access_token": VK_SERVICE_TOKEN, "v": "5.199", "screen_name": "school5"})
        assert answer.json() == {"response": {"object_id": 5, "type": "group"}}
        [record] = handle.requests("vk")
        assert (record.method, record.token, record.outcome) == ("utils.resolveScreenName", token_hash(VK_SERVICE_TOKEN), "ok")
        assert handle.count("ok") == 0 and handle.max_per_window("vk") == 1
        handle.clear_log()
        assert handle.requests() == []
        requests.post(f"{handle.url_vk}/utils.resolveScreenName", timeout=5, data={"v": "5.199", "screen_name": "x"})
    assert handle._process.poll() is not None  # stopped with the block, its log kept
    assert [record.outcome for record in handle.requests("vk")] == ["error:5"]


def test_a_simulator_process_refuses_a_bad_scenario_before_it_starts(scenario):
    scenario["vk"]["requests_per_second"] = "fast"
    with pytest.raises(ScenarioError):
        SimulatorProcess(scenario)
