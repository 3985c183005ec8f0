"""Checklist services: evidence revisions, review transitions and their event rows,
entries for every organization × item, and the items the data migration loads."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklist import services
from checklist.models import ChecklistEntry, ChecklistItem, EntryEvent, EvidenceRevision, Verdict, WorkStatus
from checklist.tests.documents import entry_of, pdf_bytes, pdf_upload, stored_files, submit
from tests.factories import OrganizationFactory

DESIGN_CODES = {
    # DESIGN §3.1: the briefing's eight checklist items ...
    "order_responsible": "manual",
    "instruction": "manual",
    "password_policy": "manual",
    "familiarization_journal": "manual",
    "vk_gov_mark": "automatic",
    "ok_gov_mark": "automatic",
    "min_two_posts": "automatic",
    "qr_codes": "manual",
    # ... and the automatic criteria of «Требования к ведению сообществ» / «Обязательная информация».
    "regular_posting": "automatic",
    "posts_from_community": "automatic",
    "mandatory_info": "automatic",
}


# --- evidence_submit ---------------------------------------------------------------------------


def test_each_upload_is_a_new_revision_and_the_earlier_file_stays_readable(actors):
    entry = entry_of(actors.org_a, "instruction")

    first = services.evidence_submit(entry=entry, upload=pdf_upload("v1.pdf", "first"), user=actors.staff_a)
    second = services.evidence_submit(entry=entry, upload=pdf_upload("v2.pdf", "second"), user=actors.staff_a)

    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    first.refresh_from_db()
    with first.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("first")
    with second.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("second")
    assert list(entry.revisions.values_list("version", "original_name")) == [(2, "v2.pdf"), (1, "v1.pdf")]


def test_an_upload_sends_the_item_for_review_and_records_who_did_it(actors):
    entry = entry_of(actors.org_a, "instruction")

    revision = submit(entry, actors.staff_a)

    entry.refresh_from_db()
    assert entry.status == WorkStatus.SUBMITTED
    event = EntryEvent.objects.get(entry=entry)
    assert event.actor == actors.staff_a
    assert (event.from_status, event.to_status) == (WorkStatus.NOT_STARTED, WorkStatus.SUBMITTED)
    assert event.revision == revision
    assert "версия 1" in event.comment


def test_a_new_version_after_a_return_goes_back_for_review(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи директора")

    submit(entry, actors.staff_a, text="v2")

    entry.refresh_from_db()
    assert entry.status == WorkStatus.SUBMITTED
    latest = EntryEvent.objects.filter(entry=entry).first()
    assert (latest.from_status, latest.to_status) == (WorkStatus.RETURNED, WorkStatus.SUBMITTED)


def test_an_order_with_its_number_and_date_is_stored_with_them(actors):
    entry = entry_of(actors.org_a, "order_responsible")

    revision = services.evidence_submit(
        entry=entry,
        upload=pdf_upload(),
        user=actors.staff_a,
        document_number=" 131-р ",
        document_date=datetime.date(2023, 4, 13),
    )

    revision.refresh_from_db()
    assert (revision.document_number, revision.document_date) == ("131-р", datetime.date(2023, 4, 13))


@pytest.mark.parametrize(
    ("number", "date"),
    [("", datetime.date(2023, 4, 13)), ("   ", datetime.date(2023, 4, 13)), ("131-р", None), ("", None)],
    ids=["no-number", "blank-number", "no-date", "neither"],
)
def test_an_order_without_its_number_or_date_is_refused_and_nothing_stored(actors, settings, number, date):
    entry = entry_of(actors.org_a, "order_responsible")

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(
            entry=entry, upload=pdf_upload(), user=actors.staff_a, document_number=number, document_date=date
        )

    assert "Укажите номер и дату приказа" in " ".join(refused.value.messages)
    entry.refresh_from_db()
    assert entry.status == WorkStatus.NOT_STARTED
    assert not EvidenceRevision.objects.exists() and not EntryEvent.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_document_dated_in_the_future_is_refused(actors, settings):
    entry = entry_of(actors.org_a, "order_responsible")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(
            entry=entry, upload=pdf_upload(), user=actors.staff_a, document_number="1", document_date=tomorrow
        )

    assert "не может быть в будущем" in " ".join(refused.value.messages)
    assert not EvidenceRevision.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_document_dated_today_in_moscow_is_accepted_on_a_server_whose_clock_runs_in_utc(actors):
    # 01:30 in Moscow on 2 September is still 1 September in UTC (time-machine also switches
    # the process time zone to UTC here): "today" is the portal's day, not the process's.
    entry = entry_of(actors.org_a, "order_responsible")
    with time_machine.travel(datetime.datetime(2024, 9, 1, 22, 30, tzinfo=datetime.UTC), tick=False):
        revision = services.evidence_submit(
            entry=entry,
            upload=pdf_upload(),
            user=actors.staff_a,
            document_number="15-р",
            document_date=datetime.date(2024, 9, 2),
        )

    assert revision.document_date == datetime.date(2024, 9, 2)


def test_an_automatic_item_takes_no_document(actors, settings):
    entry = entry_of(actors.org_a, "vk_gov_mark")

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=pdf_upload(), user=actors.staff_a)

    assert "проверяется автоматически" in " ".join(refused.value.messages)
    assert stored_files(settings.MEDIA_ROOT) == []


# --- entry_approve / entry_return ------------------------------------------------------------------


def test_approving_a_submitted_document_makes_the_entry_compliant_and_writes_an_event(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)

    event = services.entry_approve(entry=entry, user=actors.methodologist, comment="  Всё верно ")

    entry.refresh_from_db()
    assert (entry.status, entry.verdict) == (WorkStatus.APPROVED, Verdict.COMPLIANT)
    assert event.actor == actors.methodologist
    assert (event.from_status, event.to_status) == (WorkStatus.SUBMITTED, WorkStatus.APPROVED)
    assert event.comment == "Всё верно"


@pytest.mark.parametrize("status", [WorkStatus.NOT_STARTED, WorkStatus.RETURNED])
def test_only_a_submitted_document_can_be_approved(actors, status):
    entry = entry_of(actors.org_a, "instruction")
    ChecklistEntry.objects.filter(pk=entry.pk).update(status=status)

    with pytest.raises(ValidationError) as refused:
        services.entry_approve(entry=entry, user=actors.methodologist)

    assert "Действие уже невозможно" in " ".join(refused.value.messages)
    entry.refresh_from_db()
    assert entry.status == status
    assert not EntryEvent.objects.exists()


def test_a_second_approval_of_an_approved_entry_is_refused_in_russian(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)
    services.entry_approve(entry=entry, user=actors.methodologist)
    stale = entry_of(actors.org_a, "instruction")  # another methodologist's page, loaded earlier
    stale.status = WorkStatus.SUBMITTED

    with pytest.raises(ValidationError) as refused:
        services.entry_approve(entry=stale, user=actors.methodologist)

    assert " ".join(refused.value.messages) == (
        "Действие уже невозможно: пункт сейчас в состоянии «Утверждено». Обновите страницу."
    )
    assert EntryEvent.objects.filter(to_status=WorkStatus.APPROVED).count() == 1


def test_returning_a_document_needs_a_comment(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)

    with pytest.raises(ValidationError) as refused:
        services.entry_return(entry=entry, user=actors.methodologist, comment="   ")

    assert "без комментария вернуть нельзя" in " ".join(refused.value.messages)
    entry.refresh_from_db()
    assert entry.status == WorkStatus.SUBMITTED


def test_returning_a_document_keeps_the_comment_for_staff(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)

    event = services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи директора")

    entry.refresh_from_db()
    assert (entry.status, entry.verdict) == (WorkStatus.RETURNED, Verdict.NON_COMPLIANT)
    assert (event.from_status, event.to_status, event.comment) == (
        WorkStatus.SUBMITTED,
        WorkStatus.RETURNED,
        "Нет подписи директора",
    )
    assert event.actor == actors.methodologist


def test_a_document_that_was_never_submitted_cannot_be_returned(actors):
    entry = entry_of(actors.org_a, "instruction")

    with pytest.raises(ValidationError):
        services.entry_return(entry=entry, user=actors.methodologist, comment="Нет документа")

    assert not EntryEvent.objects.exists()


# --- entries for every organization × item --------------------------------------------------------


def test_a_new_organization_gets_an_entry_for_every_item(db):
    organization = OrganizationFactory()

    codes = set(ChecklistEntry.objects.filter(organization=organization).values_list("item__code", flat=True))
    assert codes == set(DESIGN_CODES)
    assert ChecklistEntry.objects.filter(organization=organization).count() == 11
    assert set(ChecklistEntry.objects.filter(organization=organization).values_list("status", flat=True)) == {
        WorkStatus.NOT_STARTED
    }


def test_a_new_checklist_item_gets_an_entry_in_every_organization(actors):
    third = OrganizationFactory()

    item = ChecklistItem.objects.create(code="site_link", title="Ссылка на сайт", short_title="Сайт", mode="manual")

    assert set(ChecklistEntry.objects.filter(item=item).values_list("organization_id", flat=True)) == {
        actors.org_a.pk,
        actors.org_b.pk,
        third.pk,
    }


def test_saving_an_existing_organization_again_creates_no_duplicate_entries(actors):
    actors.org_a.name = "Новое название"
    actors.org_a.save()

    assert services.entries_ensure() == 0
    assert ChecklistEntry.objects.filter(organization=actors.org_a).count() == 11


# --- the data migration ----------------------------------------------------------------------------


def test_the_data_migration_loaded_the_eleven_items_of_the_design(db):
    items = {item.code: item for item in ChecklistItem.objects.all()}

    assert {code: item.mode for code, item in items.items()} == DESIGN_CODES
    assert all(item.title and item.short_title for item in items.values())
    # Only the order carries a number and a date.
    assert [code for code, item in items.items() if item.needs_document_details] == ["order_responsible"]
    assert [item.code for item in ChecklistItem.objects.order_by("position")][:4] == [
        "order_responsible",
        "instruction",
        "password_policy",
        "familiarization_journal",
    ]


def _gov_mark_entries(count: int) -> list[ChecklistEntry]:
    organizations = OrganizationFactory.create_batch(count)
    return [entry_of(organization, "vk_gov_mark") for organization in organizations]


def test_the_sweeps_verdicts_are_written_once_each_with_an_event_per_changed_verdict(db):
    entries = _gov_mark_entries(3)
    compliant = {entry.pk: (Verdict.COMPLIANT, "ВКонтакте: метка «Госорганизация» есть") for entry in entries}

    events = services.entries_set_verdicts(verdicts=compliant)

    assert sorted(event.entry_id for event in events) == sorted(entry.pk for entry in entries)
    assert {(e.verdict, e.verdict_note) for e in ChecklistEntry.objects.filter(pk__in=compliant)} == {
        (Verdict.COMPLIANT, "ВКонтакте: метка «Госорганизация» есть")
    }
    # The same night again: nothing changes, no event.
    assert services.entries_set_verdicts(verdicts=compliant) == []
    # A new note with the same verdict is written, without an event.
    reworded = {entries[0].pk: (Verdict.COMPLIANT, "ВКонтакте: метка есть")}
    assert services.entries_set_verdicts(verdicts=reworded) == []
    entries[0].refresh_from_db()
    assert entries[0].verdict_note == "ВКонтакте: метка есть"
    assert EntryEvent.objects.filter(entry__in=entries).count() == 3


def test_writing_the_sweeps_verdicts_costs_the_same_queries_for_many_entries_as_for_few(db):
    few, many = _gov_mark_entries(2), _gov_mark_entries(60)
    with CaptureQueriesContext(connection) as for_few:
        services.entries_set_verdicts(verdicts={e.pk: (Verdict.NON_COMPLIANT, "метки нет") for e in few})
    with CaptureQueriesContext(connection) as for_many:
        services.entries_set_verdicts(verdicts={e.pk: (Verdict.NON_COMPLIANT, "метки нет") for e in many})
    assert len(for_many) == len(for_few)
    assert ChecklistEntry.objects.filter(pk__in=[e.pk for e in many], verdict=Verdict.NON_COMPLIANT).count() == 60


def test_an_unknown_verdict_from_the_sweep_is_refused_and_nothing_is_written(db):
    entries = _gov_mark_entries(2)
    with pytest.raises(ValidationError):
        services.entries_set_verdicts(verdicts={entries[0].pk: (Verdict.COMPLIANT, "ok"), entries[1].pk: ("maybe", "?")})
    assert not ChecklistEntry.objects.filter(pk__in=[e.pk for e in entries], verdict=Verdict.COMPLIANT).exists()
