"""Writes people make to what the sweep found."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone

from monitoring.models import ChangeEvent


@transaction.atomic
def alert_acknowledge(*, event: ChangeEvent, user) -> bool:
    """Mark an alert as taken note of, once: the first to press wins, a second press changes
    nothing. Returns whether this call acknowledged it.

    The claim is a conditional UPDATE (two people pressing at once cannot both win), which
    django-auditlog does not see; so the audit row, old → new with the person, is written here.
    Events are not registered with auditlog: the sweep writes thousands, no person does."""
    now = timezone.now()
    claimed = ChangeEvent.objects.filter(pk=event.pk, acknowledged_at=None).update(acknowledged_at=now, acknowledged_by=user)
    if not claimed:
        return False
    event.acknowledged_at, event.acknowledged_by = now, user
    LogEntry.objects.log_create(
        event,
        action=LogEntry.Action.UPDATE,
        changes={"acknowledged_at": ["None", str(now)], "acknowledged_by": ["None", str(user)]},
        actor=user,
        object_repr=event.message.split("\n")[0][:200],
    )
    return True


def max_requirement_apply() -> None:
    """The districts' `max_required` takes effect at once (§3.5): «Канал в MAX» joins or leaves
    the checklists of each district that changed it, judged from the channels' stored verdicts,
    without waiting for a sweep."""
    from checklist.services import max_item_sync
    from monitoring.compliance import update_checklists
    from monitoring.models import RuleSettings
    from organizations.models import Organization

    book = RuleSettings.book()
    with transaction.atomic():
        gained = max_item_sync(required=book.max_required_q() if book.any_max_required() else None)
        if gained:
            update_checklists(Organization.objects.filter(pk__in=gained), book=book)
