"""DESIGN §8: an outside-API fault never becomes a false «non-compliant».

Every case sweeps a clean world first, then injects one fault (an API error code or a
broken transport) into the simulator for the second night. The sweep must finish, the
page must read «unknown» with a Russian sentence saying why (or show the real finding),
what the first night learned must still be there, and retries must stay bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from checklist.models import ChecklistEntry, Verdict
from monitoring.compliance import compliance_export
from monitoring.models import ChangeEvent, PagePost, Snapshot, SweepRun
from monitoring.rules import POST_FIELDS, VERDICT_FIELDS
from monitoring.tests.sweeping import (
    CYRILLIC,
    OK_SECRET_KEY,
    PERSON_OK,
    PERSON_VK,
    SCHOOL_OK,
    SCHOOL_VK,
    VK_TOKEN,
    World,
    make_world,
    point_settings,
    register,
    run_sweep,
    sweep_exit_code,
)
from organizations.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ATTEMPTS = 3  # the clients' bounded retries
# A page whose read still failed is read once more after every other page of the run.
RETRIED = 2 * ATTEMPTS


@dataclass(frozen=True)
class Case:
    """One injected fault and what the second night must show for it."""

    network: str
    fault: dict[str, Any]
    reason: str  # words of the Russian `error` sentence
    max_requests: int = 1  # requests that met the fault: retried ones up to RETRIED
    stale: str = "weekly_posts"  # a field the first night read that this one could not
    neighbour_ok: bool = True  # the other school's page on the network is untouched

    @property
    def page(self) -> str:
        return f"school_{self.network}"

    @property
    def method(self) -> str | None:
        return self.fault.get("method")

    @property
    def outcome(self) -> str:
        if "transport" in self.fault:
            return f"fault:{self.fault['transport']}"
        return f"error:{self.fault['error_code']}"


def vk_wall(reason: str, max_requests: int = 1, neighbour_ok: bool = True, **fault: Any) -> Case:
    """A fault on the school's own VK wall read (wall.get filter=owner)."""
    return Case("vk", {"method": "wall.get", "owner_id": str(-SCHOOL_VK), "filter": "owner", **fault},
                reason, max_requests, "weekly_posts", neighbour_ok)


def ok_feed(reason: str, max_requests: int = 1, neighbour_ok: bool = True, **fault: Any) -> Case:
    """A fault on the school's OK group feed (mediatopic.getTopics)."""
    return Case("ok", {"method": "mediatopic.getTopics", "gid": SCHOOL_OK, **fault},
                reason, max_requests, "weekly_posts", neighbour_ok)


def vk_info(reason: str, max_requests: int = 1, **fault: Any) -> Case:
    """A fault on groups.getById: both schools are in the one request, both lose it."""
    return Case("vk", {"method": "groups.getById", "group_ids": str(SCHOOL_VK), **fault},
                reason, max_requests, "gov_mark", neighbour_ok=False)


def ok_info(reason: str, max_requests: int = 1, **fault: Any) -> Case:
    return Case("ok", {"method": "group.getInfo", "uids": SCHOOL_OK, **fault},
                reason, max_requests, "gov_mark", neighbour_ok=False)


# The delay is twice the timeout the case sets: a busy machine cannot turn a neighbour's slow
# answer into a timeout, nor the fault's into an answer.
TIMEOUT = {"transport": "timeout", "delay": 6.0}
PAGE_FAULTS = {
    # VK error codes (reference §1, vk_ok_api.md): retried ones, findings, quota, others.
    # Rate answers (VK 6, OK 8) are waits, not faults (test_rate_answers_are_waited_out_and_…).
    "vk-1-unknown-error": vk_wall("ошибка API 1", RETRIED, error_code=1),
    "vk-9-flood-control": vk_wall("ошибка API 9", RETRIED, error_code=9),
    "vk-10-internal-error": vk_wall("ошибка API 10", RETRIED, error_code=10),
    "vk-15-access-denied": vk_wall("доступ закрыт", error_code=15),
    "vk-18-deleted": vk_wall("удалена или заблокирована", error_code=18),
    # The quota is the token's, not the page's: every later wall waits for tomorrow.
    "vk-29-daily-limit": vk_wall("дневной лимит", neighbour_ok=False, error_code=29),
    "vk-30-private-profile": vk_wall("приватная", error_code=30),
    "vk-100-bad-parameter": vk_wall("ошибка API 100", 2, error_code=100),  # a fault: read once more at the end
    "vk-203-group-private": vk_wall("приватная", error_code=203),
    "vk-10-on-group-info": vk_info("ошибка API 10", RETRIED, error_code=10),
    # OK error codes.
    "ok-2-service": ok_feed("ошибка API 2", RETRIED, error_code=2),
    "ok-11-limit-reached": ok_feed("дневной лимит", neighbour_ok=False, error_code=11),
    "ok-456-group-restriction": ok_feed("доступ закрыт", error_code=456),
    "ok-458-privacy-restriction": ok_feed("приватная", error_code=458),
    "ok-2-on-group-info": ok_info("ошибка API 2", RETRIED, error_code=2),
    # Broken transport on either network.
    "vk-timeout": vk_wall("не ответил вовремя", RETRIED, **TIMEOUT),
    "vk-reset": vk_wall("нет соединения", RETRIED, transport="reset"),
    "vk-http-500": vk_wall("некорректный ответ", RETRIED, transport="http_500"),
    "vk-truncated-json": vk_wall("некорректный ответ", RETRIED, transport="truncated_json"),
    "vk-html": vk_wall("некорректный ответ", RETRIED, transport="html"),
    "vk-reset-on-group-info": vk_info("нет соединения", RETRIED, transport="reset"),
    "ok-timeout": ok_feed("не ответил вовремя", RETRIED, **TIMEOUT),
    "ok-reset": ok_feed("нет соединения", RETRIED, transport="reset"),
    "ok-http-500": ok_feed("некорректный ответ", RETRIED, transport="http_500"),
    "ok-truncated-json": ok_feed("некорректный ответ", RETRIED, transport="truncated_json"),
    "ok-html": ok_feed("некорректный ответ", RETRIED, transport="html"),
    "ok-truncated-json-on-group-info": ok_info("некорректный ответ", RETRIED, transport="truncated_json"),
}
CONFIG_FAULTS = {
    "vk-5-bad-token": ("vk", 5),
    "vk-14-captcha": ("vk", 14),
    "vk-28-wrong-token-type": ("vk", 28),
    "ok-102-session-expired": ("ok", 102),
    "ok-104-bad-signature": ("ok", 104),
}


@dataclass
class Night:
    """The world after a clean first night: what it learned, to compare the second with."""

    world: World
    first: SweepRun
    verdicts: dict[str, dict] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def night(db, settings, run_simulator) -> Night:
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    first = run_sweep()
    night = Night(world, first)
    for key, page in world.pages.items():
        state = world.state(key)
        assert state.status == "ok", (key, state.verdict)
        night.verdicts[key] = state.verdict
        night.posts[key] = PagePost.objects.filter(page=page).count()
        assert night.posts[key] > 0
    return night


@pytest.fixture
def second_night(night, settings, run_simulator):
    """Serve the same world with `faults` (and `edit` applied) and sweep it again."""

    def sweep(faults: list[dict[str, Any]] = (), edit=None, **setting_overrides: Any):
        scenario = night.world.scenario_copy()
        scenario["faults"] = list(faults)
        if edit is not None:
            edit(scenario)
        simulator = run_simulator(scenario)
        point_settings(settings, simulator, **setting_overrides)
        code = sweep_exit_code()
        return simulator, code, SweepRun.objects.order_by("-pk").first()

    return sweep


def assert_earlier_data_kept(night: Night, key: str) -> None:
    page = night.world.pages[key]
    assert PagePost.objects.filter(page=page).count() >= night.posts[key]
    assert Snapshot.objects.get(run=night.first, page=page).verdict == night.verdicts[key]


def assert_never_falsely_non_compliant(organization: Organization) -> None:
    entries = ChecklistEntry.objects.filter(organization=organization, item__mode="automatic")
    assert entries.exists()
    wrong = {e.item.code: e.verdict_note for e in entries if e.verdict == Verdict.NON_COMPLIANT}
    assert not wrong, wrong


@pytest.mark.parametrize("case", PAGE_FAULTS.values(), ids=PAGE_FAULTS.keys())
def test_a_fault_on_the_second_night_leaves_the_page_unknown_with_its_last_known_values(night, second_night, case):
    extra = {"API_TIMEOUT_SECONDS": 3} if case.fault.get("transport") == "timeout" else {}

    simulator, code, run = second_night([{"network": case.network, **case.fault}], **extra)

    assert code == 0
    assert run.status == SweepRun.Status.FINISHED and run.pages_done == run.pages_total == 4
    state = night.world.state(case.page)
    verdict, before = state.verdict, night.verdicts[case.page]
    assert state.status == verdict["status"] == "unknown", verdict
    assert CYRILLIC.search(verdict["error"]) and case.reason in verdict["error"], verdict["error"]
    # What the first night read is still shown, dated by that night.
    for name in ("is_community", "gov_mark", "posts_total", "weekly_posts", "regular", "missing_info", "closed"):
        assert verdict[name] == before[name], name
    assert state.field_dates[case.stale] == night.first.started_at.isoformat()
    assert state.checked_at is not None
    assert_earlier_data_kept(night, case.page)
    assert_never_falsely_non_compliant(night.world.school)
    exported = next(
        c for org in compliance_export(Organization.objects.all())["organizations"] if org["short_name"] == "СОШ №101"
        for c in org["communities"] if c["network"] == case.network
    )
    assert exported["status"] == "unknown" and exported["gov_mark"] is True and exported["error"] == verdict["error"]
    # The other network, and (unless the fault is the token's) the other school, read fine.
    other = "ok" if case.network == "vk" else "vk"
    assert night.world.state(f"school_{other}").status == "ok"
    if case.neighbour_ok:
        assert night.world.state(f"neighbour_{case.network}").status == "ok"
    # Bounded: a fault that may pass is tried at most ATTEMPTS times a read, read twice; a finding once.
    met = [r for r in simulator.requests(case.network, case.method) if r.outcome == case.outcome]
    assert 1 <= len(met) <= case.max_requests, [r.outcome for r in simulator.requests(case.network)]
    # A gap is not a change: no «renamed», «mark lost» or «became irregular» out of a fault.
    assert not ChangeEvent.objects.filter(run=run).exists()


def test_rate_answers_are_waited_out_and_leave_every_attempt_to_the_faults(night, second_night):
    """DESIGN §3.2: one «too many requests» among two server errors used to spend the third
    attempt and leave the page «unknown»; a rate answer is a wait, so the page is read."""
    vk, ok = PAGE_FAULTS["vk-10-internal-error"].fault, PAGE_FAULTS["ok-2-service"].fault
    faults = [{"network": "vk", **vk, "error_code": 6, "times": 1}, {"network": "vk", **vk, "times": 2},
              {"network": "ok", **ok, "error_code": 8, "times": 1}, {"network": "ok", **ok, "times": 2}]

    simulator, code, run = second_night(faults)

    assert code == 0 and run.faults == 0
    for key in ("school_vk", "school_ok"):
        state = night.world.state(key)
        assert state.status == "ok" and state.verdict["error"] is None, state.verdict
        assert state.verdict["weekly_posts"] == night.verdicts[key]["weekly_posts"]
    vk_wall_reads = [r.outcome for r in simulator.requests("vk", "wall.get") if r.outcome != "ok"]
    ok_feed_reads = [r.outcome for r in simulator.requests("ok", "mediatopic.getTopics") if r.outcome != "ok"]
    assert vk_wall_reads == ["error:6", "error:10", "error:10"]
    assert ok_feed_reads == ["error:8", "error:2", "error:2"]


@pytest.mark.parametrize("batch_size", [500, 1], ids=["one-batch", "a-batch-a-page"])
@pytest.mark.parametrize(("network", "code"), CONFIG_FAULTS.values(), ids=CONFIG_FAULTS.keys())
def test_a_configuration_error_stops_the_network_keeps_its_data_and_exits_2(night, second_night, network, code, batch_size):
    """With a batch a page, the next batch is already queued when the first is refused: it
    must not send a request of its own."""
    fault = {"network": network, "error_code": code}

    simulator, exit_code, run = second_night([fault], SWEEP_BATCH_SIZE=batch_size)

    assert exit_code == 2
    assert run.finished_at is not None and run.pages_done == run.pages_total == 4
    assert set(run.config_errors) == {network}
    assert VK_TOKEN not in str(run.config_errors) and OK_SECRET_KEY not in str(run.config_errors)
    # One refused request is enough to stop the network: no hammering with a bad key.
    assert simulator.count(network) == 1
    for key in (f"school_{network}", f"neighbour_{network}"):
        state = night.world.state(key)
        assert state.status == "unknown"
        assert "настройки API" in state.verdict["error"]
        for name in ("gov_mark", "posts_total", "weekly_posts", "regular", "missing_info"):
            assert state.verdict[name] == night.verdicts[key][name], name
        assert_earlier_data_kept(night, key)
    other = "ok" if network == "vk" else "vk"
    assert night.world.state(f"school_{other}").status == "ok"
    assert night.world.state(f"neighbour_{other}").status == "ok"
    assert_never_falsely_non_compliant(night.world.school)


def test_ok_answering_300_for_a_group_shows_it_deactivated_and_keeps_its_posts(night, second_night):
    fault = {"network": "ok", "method": "group.getInfo", "uids": SCHOOL_OK, "error_code": 300}

    simulator, code, run = second_night([fault])

    assert code == 0
    state = night.world.state("school_ok")
    assert state.status == "fail"
    assert state.verdict["deactivated"] is True and state.verdict["is_community"] is True
    kept = ("status", "is_community", "deactivated")
    assert all(state.verdict[name] is None for name in VERDICT_FIELDS if name not in kept)
    assert ChangeEvent.objects.filter(run=run, page=night.world.pages["school_ok"], kind="deactivated").exists()
    assert night.world.state("neighbour_ok").status == "ok"
    assert_earlier_data_kept(night, "school_ok")
    met = [r for r in simulator.requests("ok", "group.getInfo") if r.outcome == "error:300"]
    assert 1 <= len(met) <= 2  # the batch, then the page alone


def _vk_group(scenario: dict, gid: int) -> dict:
    return next(g for g in scenario["vk"]["groups"] if g["id"] == gid)


def _ok_group(scenario: dict, uid: str) -> dict:
    return next(g for g in scenario["ok"]["groups"] if g["uid"] == uid)


FINDINGS = {
    "vk-closed": ("vk", lambda s: _vk_group(s, SCHOOL_VK).update(is_closed=1), "closed", "closed"),
    "vk-private": ("vk", lambda s: _vk_group(s, SCHOOL_VK).update(is_closed=2), "closed", "closed"),
    "vk-deleted": ("vk", lambda s: _vk_group(s, SCHOOL_VK).update(deactivated="deleted"), "deactivated", "deactivated"),
    "vk-banned": ("vk", lambda s: _vk_group(s, SCHOOL_VK).update(deactivated="banned"), "deactivated", "deactivated"),
    "ok-closed": ("ok", lambda s: _ok_group(s, SCHOOL_OK).update(access_type="CLOSED"), "closed", "closed"),
    "ok-secret": ("ok", lambda s: _ok_group(s, SCHOOL_OK).update(access_type="SECRET"), "closed", "closed"),
    "ok-gone": ("ok", lambda s: _ok_group(s, SCHOOL_OK).update(deactivated=True), "deactivated", "deactivated"),
}


@pytest.mark.parametrize(("network", "edit", "field_name", "event"), FINDINGS.values(), ids=FINDINGS.keys())
def test_a_page_really_closed_or_deleted_fails_with_the_finding_not_an_error(
    night, second_night, network, edit, field_name, event
):
    _simulator, code, run = second_night(edit=edit)

    assert code == 0
    state = night.world.state(f"school_{network}")
    assert state.status == "fail"
    assert state.verdict[field_name] is True
    assert state.verdict["error"] is None
    if field_name == "closed":  # its info is still judged; its posts are not
        assert isinstance(state.verdict["missing_info"], list)
        assert all(state.verdict[name] is None for name in POST_FIELDS)
    else:
        assert all(state.verdict[name] is None for name in VERDICT_FIELDS
                   if name not in ("status", "is_community", "deactivated"))
    assert ChangeEvent.objects.filter(run=run, page=night.world.pages[f"school_{network}"], kind=event).exists()
    assert_earlier_data_kept(night, f"school_{network}")


def test_a_mark_read_as_false_outranks_a_wall_fault(night, second_night):
    fault = {"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "error_code": 10}
    edit = lambda s: _vk_group(s, SCHOOL_VK).update(is_government_organization=False)  # noqa: E731

    _simulator, code, _run = second_night([fault], edit=edit)

    assert code == 0
    state = night.world.state("school_vk")
    assert state.status == "fail"
    assert state.verdict["gov_mark"] is False
    assert "Не удалось прочитать стену" in state.verdict["error"]
    assert ChecklistEntry.objects.get(organization=night.world.school, item__code="vk_gov_mark").verdict == (
        Verdict.NON_COMPLIANT
    )


def test_a_first_night_with_a_wall_fault_leaves_the_post_fields_empty_not_zero(db, settings, run_simulator):
    world = make_world()
    world.scenario["faults"] = [{"network": "ok", "method": "mediatopic.getTopics", "gid": SCHOOL_OK, "error_code": 2}]
    point_settings(settings, run_simulator(world.scenario))

    run_sweep()

    verdict = world.state("school_ok").verdict
    assert verdict["status"] == "unknown"
    assert verdict["gov_mark"] is True and verdict["missing_info"] == []
    assert verdict["weekly_posts"] is None and verdict["regular"] is None and verdict["current_week"] is None
    assert "ленту группы" in verdict["error"]
    regular = ChecklistEntry.objects.get(organization=world.school, item__code="regular_posting")
    assert regular.verdict == Verdict.UNKNOWN


PERSONAL = {
    "vk-id-link": ("vk", "https://vk.com/id123", str(PERSON_VK)),
    "vk-screen-name-of-a-person": ("vk", "https://vk.com/ivan.petrov.school", str(PERSON_VK)),
    "ok-profile-link": ("ok", f"https://ok.ru/profile/{PERSON_OK}", PERSON_OK),
}


@pytest.mark.parametrize(("network", "link", "external_id"), PERSONAL.values(), ids=PERSONAL.keys())
def test_a_personal_profile_registered_as_the_official_page_fails_with_nothing_else_judged(
    db, settings, run_simulator, network, link, external_id
):
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    person = OrganizationFactory(short_name="д/с №110", kind="kindergarten")
    page = register(person, network, link)

    run = run_sweep()

    assert run.faults == 0
    page.refresh_from_db()
    assert (page.external_id, page.external_kind) == (external_id, "user")
    entry = next(
        c for org in compliance_export(Organization.objects.all())["organizations"] if org["short_name"] == "д/с №110"
        for c in org["communities"] if c["network"] == network
    )
    assert entry["status"] == "fail" and entry["is_community"] is False
    assert entry["url"] == page.url and entry["external_id"] == external_id and entry["checked_at"]
    assert all(entry[name] is None for name in VERDICT_FIELDS if name not in ("status", "is_community")), entry
    mark = ChecklistEntry.objects.get(organization=person, item__code=f"{network}_gov_mark")
    assert mark.verdict == Verdict.NON_COMPLIANT and "личная страница" in mark.verdict_note
    # The real schools in the same batch are not dragged down with it.
    assert world.state("school_vk").status == world.state("school_ok").status == "ok"


def test_a_mark_seen_and_then_gone_raises_a_mark_lost_event(night, second_night):
    _simulator, _code, run = second_night(edit=lambda s: _vk_group(s, SCHOOL_VK).update(
        is_government_organization=False
    ))

    state = night.world.state("school_vk")
    assert state.status == "fail" and state.verdict["gov_mark"] is False
    event = ChangeEvent.objects.get(run=run, page=night.world.pages["school_vk"], kind="gov_mark_lost")
    assert event.severity == "critical" and "Госуслуги" in event.message
    entry = ChecklistEntry.objects.get(organization=night.world.school, item__code="vk_gov_mark")
    assert entry.verdict == Verdict.NON_COMPLIANT


def test_a_mark_never_reported_and_then_false_raises_no_mark_lost_event(db, settings, run_simulator):
    world = make_world()
    del _vk_group(world.scenario, SCHOOL_VK)["is_government_organization"]
    point_settings(settings, run_simulator(world.scenario))
    run_sweep()
    first = world.state("school_vk")
    assert first.verdict["gov_mark"] is None and first.status == "ok"  # unknown never fails
    scenario = world.scenario_copy()
    _vk_group(scenario, SCHOOL_VK)["is_government_organization"] = False
    point_settings(settings, run_simulator(scenario))

    run = run_sweep()

    assert world.state("school_vk").status == "fail"
    assert not ChangeEvent.objects.filter(run=run, kind="gov_mark_lost").exists()


def test_a_night_without_page_info_and_the_night_after_raise_no_change_events(night, second_night):
    faults = [{"network": "vk", "method": "groups.getById", "error_code": 10},
              {"network": "ok", "method": "group.getInfo", "error_code": 10}]

    _simulator, code, faulty = second_night(faults)
    unknown = {key: night.world.state(key).status for key in night.world.pages}
    _simulator, _code, readable = second_night()

    assert code == 0
    assert set(unknown.values()) == {"unknown"}
    assert all(night.world.state(key).status == "ok" for key in night.world.pages)
    assert not ChangeEvent.objects.filter(run__in=[faulty, readable]).exists()


EXECUTE_FAULTS = {
    "vk-10-inside-execute": (10, "ошибка API 10", RETRIED),
    "vk-15-inside-execute": (15, "доступ закрыт", 1),
    "vk-29-inside-execute": (29, "дневной лимит", 1),
}


@pytest.mark.parametrize(("code", "reason", "executes"), EXECUTE_FAULTS.values(), ids=EXECUTE_FAULTS.keys())
def test_a_fault_inside_an_execute_batch_costs_only_its_own_page(db, settings, run_simulator, code, reason, executes):
    """With a user token the walls travel 25 to an `execute`; one failing call must not
    sink the others, and a call that may pass is retried a bounded number of times."""
    world = make_world()
    world.scenario["vk"]["tokens"] = {VK_TOKEN: "user"}
    point_settings(settings, run_simulator(world.scenario), VK_TOKEN_TYPE="user")
    run_sweep("--network", "vk")
    before = world.state("school_vk").verdict
    scenario = world.scenario_copy()
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "filter": "owner",
                           "error_code": code}]
    simulator = run_simulator(scenario)
    point_settings(settings, simulator, VK_TOKEN_TYPE="user")

    run_sweep("--network", "vk")

    state = world.state("school_vk")
    assert state.status == "unknown" and reason in state.verdict["error"]
    assert state.verdict["posts_total"] == before["posts_total"] and state.verdict["gov_mark"] is True
    assert world.state("neighbour_vk").status == "ok"
    assert 1 <= simulator.count("vk", "execute") <= executes
    assert simulator.count("vk", "wall.get") == 0
