"""Every write to the checklist. Each transition is claimed with a conditional UPDATE so
two people acting at once cannot both succeed, and writes an EntryEvent row."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checklist.models import MAX_ITEM, ChecklistEntry, ChecklistItem, EntryEvent, EvidenceRevision, Verdict, WorkStatus
from checklist.uploads import check_upload
from organizations.models import Organization


def max_item_sync(*, required: Q | None) -> list[int]:
    """«Канал в MAX» on the checklists of the organizations `required` selects (those whose
    district requires MAX channels, §3.5) and on no other; the item exists while any district
    requires them (None: none does). Returns the organizations that gained it."""
    item = ChecklistItem.objects.filter(code=MAX_ITEM["code"]).first()
    if required is None:
        if item is not None:
            ChecklistEntry.objects.filter(item=item).delete()  # entries protect their item; its events go with them
            item.delete()
        return []
    had = set(ChecklistEntry.objects.filter(item=item, organization__in=Organization.objects.filter(required))
              .values_list("organization_id", flat=True)) if item else set()
    item = item or ChecklistItem.objects.create(**MAX_ITEM)  # its creation gives it its entries (checklist.signals)
    ChecklistEntry.objects.filter(item=item).exclude(organization__in=Organization.objects.filter(required)).delete()
    entries_ensure(organizations=list(Organization.objects.filter(required).only("pk")), item=item)
    return sorted(set(ChecklistEntry.objects.filter(item=item).values_list("organization_id", flat=True)) - had)


def entries_ensure(*, organizations: list[Organization] | None = None, item: ChecklistItem | None = None) -> int:
    """Create the missing entries (one per organization per item; by default for every
    organization), «Канал в MAX» only where the organization's district requires it (§3.5).
    Returns how many."""
    from monitoring.models import RuleSettings  # monitoring judges checklists: it imports this module

    organizations = organizations if organizations is not None else list(Organization.objects.only("pk"))
    items = [item] if item else list(ChecklistItem.objects.only("pk", "code"))
    requiring: set[int] = set()
    if any(it.code == MAX_ITEM["code"] for it in items):
        requiring = set(
            Organization.objects.filter(RuleSettings.book().max_required_q(), pk__in=[org.pk for org in organizations])
            .values_list("pk", flat=True)
        )
    existing = set(
        ChecklistEntry.objects.filter(
            organization__in=organizations, item__in=items
        ).values_list("organization_id", "item_id")
    )
    missing = [
        ChecklistEntry(organization_id=org.pk, item_id=it.pk)
        for org in organizations
        for it in items
        if (org.pk, it.pk) not in existing and (it.code != MAX_ITEM["code"] or org.pk in requiring)
    ]
    ChecklistEntry.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        due_dates_apply(organization_ids=sorted({entry.organization_id for entry in missing}))
    return len(missing)


def due_dates_apply(*, organization_ids: list[int] | None = None, district_id: int | None = None) -> None:
    """Write onto the entries (of these organizations, or this district's, or all) the due
    dates their district set for itself (DESIGN §2); the others get none, so the item's — the
    region's — date counts. Every list reads `ChecklistEntry.effective_due_date` or its SQL
    twin, so this is where a district's dates reach them all."""
    from monitoring.models import RuleSettings  # monitoring judges checklists: it imports this module

    entries = ChecklistEntry.objects.filter(item__mode=ChecklistItem.Mode.MANUAL)
    own = RuleSettings.objects.exclude(district=None).exclude(due_dates={})
    if organization_ids is not None:
        entries = entries.filter(organization_id__in=organization_ids)
    if district_id is not None:
        entries, own = entries.filter(organization__district_id=district_id), own.filter(district_id=district_id)
    now = timezone.now()  # `updated_at` moves too: the dashboard's cache sees the change
    with transaction.atomic():
        entries.exclude(due_date=None).update(due_date=None, updated_at=now)
        for district, dates in own.values_list("district_id", "due_dates"):
            for code, value in dates.items():
                entries.filter(organization__district_id=district, item__code=code).update(due_date=value, updated_at=now)


def _transition(
    *,
    entry: ChecklistEntry,
    allowed_from: tuple[str, ...],
    to_status: str,
    to_verdict: str,
    actor,
    comment: str = "",
    revision: EvidenceRevision | None = None,
) -> EntryEvent:
    current = ChecklistEntry.objects.select_for_update().get(pk=entry.pk)
    if current.status not in allowed_from:
        raise ValidationError(
            _("Действие уже невозможно: пункт сейчас в состоянии «%(status)s». Обновите страницу.")
            % {"status": current.get_status_display()}
        )
    event = EntryEvent(
        entry=current,
        actor=actor,
        from_status=current.status,
        to_status=to_status,
        from_verdict=current.verdict,
        to_verdict=to_verdict,
        comment=comment,
        revision=revision,
    )
    event.full_clean()
    current.status = to_status
    current.verdict = to_verdict
    current.full_clean()
    current.save(update_fields=["status", "verdict", "updated_at"])
    event.save()
    entry.status, entry.verdict = current.status, current.verdict
    return event


def evidence_submit(
    *,
    entry: ChecklistEntry,
    upload: UploadedFile,
    user,
    document_number: str = "",
    document_date: datetime.date | None = None,
    note: str = "",
) -> EvidenceRevision:
    """Store a new revision of the entry's document and send it for review.

    The file is checked before anything is written; if any later step fails the
    transaction rolls back and the stored file is removed, so nothing half-written stays.
    """
    if not entry.item.is_manual:
        raise ValidationError(_("Этот пункт проверяется автоматически, документ для него не нужен."))
    # Refusals name their field, so that the form shows each one where it was made.
    try:
        checked = check_upload(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    document_number = document_number.strip()
    if entry.item.needs_document_details and (not document_number or not document_date):
        raise ValidationError(
            {name: _("Укажите номер и дату приказа.")
             for name, value in (("document_number", document_number), ("document_date", document_date)) if not value}
        )
    # "Today" is the portal's day (Europe/Moscow), not the server clock's: a district far
    # east of UTC would otherwise be refused today's order for hours after midnight.
    if document_date and document_date > timezone.localdate():
        raise ValidationError({"document_date": _("Дата документа не может быть в будущем.")})

    revision: EvidenceRevision | None = None
    try:
        with transaction.atomic():
            locked = ChecklistEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.revisions.count() >= settings.EVIDENCE_MAX_REVISIONS:
                raise ValidationError(
                    _("По этому пункту загружено предельное число версий документа (%(count)d): больше загрузить "
                      "нельзя. Если нужна ещё одна, обратитесь к администратору портала.")
                    % {"count": settings.EVIDENCE_MAX_REVISIONS}
                )
            version = (locked.revisions.aggregate(n=Max("version"))["n"] or 0) + 1
            upload.name = f"upload.{checked.extension}"
            revision = EvidenceRevision(
                entry=locked,
                version=version,
                file=upload,
                original_name=checked.original_name,
                size=checked.size,
                sha256=checked.sha256,
                content_type=checked.content_type,
                document_number=document_number,
                document_date=document_date,
                note=note.strip(),
                uploaded_by=user,
            )
            revision.full_clean()
            revision.save()
            _transition(
                entry=locked,
                allowed_from=tuple(WorkStatus.values),
                to_status=WorkStatus.SUBMITTED,
                to_verdict=Verdict.UNKNOWN,
                actor=user,
                comment=_("Загружена версия %(version)d: %(name)s") % {"version": version, "name": checked.original_name},
                revision=revision,
            )
    except Exception:
        if revision is not None and revision.file:
            revision.file.storage.delete(revision.file.name)
        raise
    entry.refresh_from_db()
    return revision


@transaction.atomic
def entry_approve(*, entry: ChecklistEntry, user, comment: str = "") -> EntryEvent:
    return _transition(
        entry=entry,
        allowed_from=(WorkStatus.SUBMITTED,),
        to_status=WorkStatus.APPROVED,
        to_verdict=Verdict.COMPLIANT,
        actor=user,
        comment=comment.strip(),
    )


@transaction.atomic
def entry_return(*, entry: ChecklistEntry, user, comment: str) -> EntryEvent:
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Напишите, что нужно исправить: без комментария вернуть нельзя."))
    return _transition(
        entry=entry,
        allowed_from=(WorkStatus.SUBMITTED, WorkStatus.APPROVED),
        to_status=WorkStatus.RETURNED,
        to_verdict=Verdict.NON_COMPLIANT,
        actor=user,
        comment=comment,
    )


@transaction.atomic
def entry_set_verdict(*, entry: ChecklistEntry, verdict: str, note: str) -> EntryEvent | None:
    """Record what the sweep found for one automatic item; an event only when it changes."""
    events = entries_set_verdicts(verdicts={entry.pk: (verdict, note)})
    entry.refresh_from_db(fields=["verdict", "verdict_note"])
    return events[0] if events else None


# Ids per query: well under SQLite's limit of bound parameters, at any registry size.
IDS_PER_QUERY = 5000


@transaction.atomic
def entries_set_verdicts(*, verdicts: dict[int, tuple[str, str]]) -> list[EntryEvent]:
    """The sweep's verdicts for many automatic items at once (entry id → verdict, note).

    Only entries whose verdict or note changes are written: one UPDATE per distinct
    (verdict, note), as most entries of a night share theirs; a changed verdict also gets
    its event row. Returns the events written."""
    valid = set(Verdict.values)
    ids = list(verdicts)
    changed: dict[tuple[str, str], list[int]] = {}
    events: list[EntryEvent] = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        entries = ChecklistEntry.objects.select_for_update().filter(pk__in=ids[start : start + IDS_PER_QUERY])
        for pk, old_verdict, old_note in entries.values_list("pk", "verdict", "verdict_note"):
            verdict, note = verdicts[pk]
            if verdict not in valid:
                raise ValidationError(f"unknown verdict {verdict!r}")
            note = note[:500]
            if (old_verdict, old_note) == (verdict, note):
                continue
            if old_verdict != verdict:
                events.append(EntryEvent(entry_id=pk, actor=None, from_verdict=old_verdict, to_verdict=verdict, comment=note))
            changed.setdefault((verdict, note), []).append(pk)
    now = timezone.now()
    for (verdict, note), pks in changed.items():
        for start in range(0, len(pks), IDS_PER_QUERY):
            ChecklistEntry.objects.filter(pk__in=pks[start : start + IDS_PER_QUERY]).update(
                verdict=verdict, verdict_note=note, updated_at=now
            )
    return EntryEvent.objects.bulk_create(events, batch_size=500)
