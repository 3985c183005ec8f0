"""DESIGN §3.3: what in a new snapshot may cost a page its «Госорганизация» mark."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from monitoring.changes import Change, detect_changes
from monitoring.rules import Thresholds
from monitoring.types import OK, VK, Community

MAY_BE_WITHDRAWN = "метка «Госорганизация» может быть снята"
RECONFIRM = "«Основная информация» → «Подтвердить статус через Госуслуги»"

PAGE = Community(
    network=VK,
    external_id="101",
    name="МБОУ СОШ №9",
    description="Официальная страница школы.",
    address="352030, ст. Кущевская, ул. Школьная, 1",
    emails=("school9@example.ru",),
    phones=("+7 (861) 681-23-45",),
    sites=("https://school9.example.ru", "https://vk.com/school9"),
    gov_mark=True,
    contact_ids=("501", "502"),
)
VERDICT: dict[str, Any] = {
    "status": "ok",
    "is_community": True,
    "gov_mark": True,
    "posts_total": 120,
    "regular": True,
    "posts_not_from_community": 0,
    "closed": False,
    "deactivated": False,
}


def kinds(changes: list[Change]) -> list[str]:
    return [change.kind for change in changes]


def test_nothing_is_raised_on_the_first_observation() -> None:
    assert detect_changes(None, PAGE, None, VERDICT) == []


def test_an_unchanged_page_raises_nothing() -> None:
    assert detect_changes(PAGE, replace(PAGE), VERDICT, dict(VERDICT)) == []


def test_an_observed_loss_of_the_mark_tells_how_to_reconfirm_it() -> None:
    [change] = detect_changes(PAGE, replace(PAGE, gov_mark=False), VERDICT, VERDICT)
    assert (change.kind, change.severity, change.old, change.new) == (
        "gov_mark_lost",
        "critical",
        True,
        False,
    )
    assert "Госуслуги" in change.message
    assert RECONFIRM in change.message


@pytest.mark.parametrize(
    ("before", "after"),
    [(None, False), (True, None), (None, None), (False, False), (False, None)],
)
def test_only_an_observed_true_to_false_is_a_lost_mark(
    before: bool | None, after: bool | None
) -> None:
    changes = detect_changes(
        replace(PAGE, gov_mark=before), replace(PAGE, gov_mark=after), VERDICT, VERDICT
    )
    assert "gov_mark_lost" not in kinds(changes)


def test_a_mark_gained_is_reported() -> None:
    [change] = detect_changes(replace(PAGE, gov_mark=False), PAGE, VERDICT, VERDICT)
    assert (change.kind, change.severity) == ("gov_mark_gained", "info")


def test_a_mark_first_seen_is_not_reported_as_gained() -> None:
    assert detect_changes(replace(PAGE, gov_mark=None), PAGE, VERDICT, VERDICT) == []


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({"name": "МАОУ СОШ №9"}, "renamed"),
        ({"description": "Новое описание."}, "description_changed"),
        ({"sites": ("https://school9.ru",)}, "site_changed"),
        ({"address": "352031, ст. Кущевская"}, "address_changed"),
        ({"phones": ("8-861-681-00-00",)}, "phone_changed"),
        ({"emails": ("director@example.ru",)}, "email_changed"),
        ({"contact_ids": ("501", "777")}, "contacts_changed"),
    ],
)
def test_a_change_while_the_mark_is_on_warns_it_may_be_withdrawn(
    overrides: dict[str, Any], kind: str
) -> None:
    [change] = detect_changes(PAGE, replace(PAGE, **overrides), VERDICT, VERDICT)
    assert change.kind == kind
    assert change.severity == "warning"
    assert MAY_BE_WITHDRAWN in change.message


@pytest.mark.parametrize("mark", [None, False])
def test_a_change_without_the_mark_on_is_only_information(mark: bool | None) -> None:
    before, after = replace(PAGE, gov_mark=mark), replace(PAGE, gov_mark=mark, name="Школа №9")
    [change] = detect_changes(before, after, VERDICT, VERDICT)
    assert (change.kind, change.severity) == ("renamed", "info")
    assert MAY_BE_WITHDRAWN not in change.message
    assert (change.old, change.new) == ("МБОУ СОШ №9", "Школа №9")


def test_a_rename_that_cost_the_mark_is_named_in_the_loss_message() -> None:
    after = replace(PAGE, name="Школа №9", gov_mark=False)
    changes = detect_changes(PAGE, after, VERDICT, VERDICT)
    assert kinds(changes) == ["gov_mark_lost", "renamed"]
    assert "название" in changes[0].message
    assert changes[1].severity == "info"


def test_personal_contacts_stay_out_of_the_message_but_in_the_event() -> None:
    after = replace(PAGE, phones=("+7 918 000-11-22",), emails=("ivanova@example.ru",))
    changes = {c.kind: c for c in detect_changes(PAGE, after, VERDICT, VERDICT)}
    assert "918" not in changes["phone_changed"].message
    assert "ivanova" not in changes["email_changed"].message
    assert changes["email_changed"].new == ("ivanova@example.ru",)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({}, {"name": "  МБОУ СОШ №9 "}),
        ({}, {"sites": ("https://vk.com/school9", "https://school9.example.ru")}),
        ({}, {"emails": ("School9@Example.ru",)}),
        ({"emails": ("School9@Example.RU",)}, {}),
        ({}, {"phones": ("+7 (861) 681-23-45", " ")}),
        ({}, {"members_count": 900}),
    ],
)
def test_trimming_reordering_and_letter_case_are_not_changes(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert detect_changes(replace(PAGE, **before), replace(PAGE, **after), VERDICT, VERDICT) == []


def test_another_community_registered_in_place_of_the_old_is_not_compared() -> None:
    other = replace(PAGE, external_id="202", name="Другая школа", gov_mark=False)
    assert detect_changes(PAGE, other, VERDICT, VERDICT) == []


def test_a_deactivated_page_raises_one_event_not_a_list_of_emptied_fields() -> None:
    emptied = replace(PAGE, name="DELETED", description="", sites=(), deactivated=True)
    verdict = {"status": "fail", "is_community": True, "deactivated": True}
    changes = detect_changes(PAGE, emptied, VERDICT, verdict)
    assert kinds(changes) == ["deactivated"]
    assert changes[0].severity == "critical"


def test_an_ok_group_no_longer_returned_is_reported_deactivated() -> None:
    page = replace(PAGE, network=OK)
    verdict = {"status": "fail", "is_community": True, "deactivated": True}
    assert kinds(detect_changes(page, None, VERDICT, verdict)) == ["deactivated"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            {"closed": False},
            {
                "closed": True,
                "posts_total": None,
                "regular": None,
                "posts_not_from_community": None,
            },
            ["closed"],
        ),
        ({"closed": None}, {"closed": True}, []),
        ({"deactivated": True}, {"deactivated": True}, []),
        ({"deactivated": None}, {"deactivated": True}, []),
        (
            {"posts_not_from_community": 0},
            {"posts_not_from_community": 2},
            ["others_posts_appeared"],
        ),
        ({"posts_not_from_community": None}, {"posts_not_from_community": 2}, []),
        ({"posts_not_from_community": 1}, {"posts_not_from_community": 3}, []),
        ({"regular": True}, {"regular": False}, ["became_irregular"]),
        ({"regular": None}, {"regular": False}, []),
        ({"posts_total": 5}, {"posts_total": 1}, ["became_empty"]),
        ({"posts_total": 2}, {"posts_total": 1}, ["became_empty"]),
        ({"posts_total": 1}, {"posts_total": 0}, []),
        ({"posts_total": None}, {"posts_total": 0}, []),
        ({"posts_total": 5}, {"posts_total": None}, []),
    ],
)
def test_verdict_transitions_raise_events_only_when_observed(
    before: dict[str, Any], after: dict[str, Any], expected: list[str]
) -> None:
    changes = detect_changes(PAGE, PAGE, {**VERDICT, **before}, {**VERDICT, **after})
    assert kinds(changes) == expected


def test_posts_by_others_appearing_is_a_warning_with_their_number() -> None:
    [change] = detect_changes(None, None, VERDICT, {**VERDICT, "posts_not_from_community": 4})
    assert (change.severity, change.old, change.new) == ("warning", 0, 4)
    assert "4" in change.message


def test_the_empty_page_threshold_follows_the_settings() -> None:
    before, after = {**VERDICT, "posts_total": 5}, {**VERDICT, "posts_total": 4}
    assert detect_changes(PAGE, PAGE, before, after) == []
    changes = detect_changes(PAGE, PAGE, before, after, thresholds=Thresholds(posts_total_min=5))
    assert kinds(changes) == ["became_empty"]
