"""How long personal data is kept (152-ФЗ, DESIGN §8): the nightly prune.

Each kind has its own setting, in days. What goes is only what identifies a person or
what they wrote; every row a figure counts stays:

* audit log entries (AUDITLOG_RETENTION_DAYS) and login records of django-axes — attempts,
  lockouts, successful logins, failures (LOGIN_RECORDS_RETENTION_DAYS) — are deleted;
* posts by other people on a page (OTHERS_POSTS_RETENTION_DAYS, by the post's date) keep
  their row, date and counts, so «публикации не от имени сообщества» still adds up, but lose
  their text and author. A period shorter than the sweep's first read (12 weeks) is filled in
  again by the next full read of a wall;
* contacts a page showed in the past (CONTACTS_RETENTION_DAYS): e-mails, phones and the
  address of a snapshot older than that are blanked, unless a change is still measured from
  it — the page's latest snapshot that read the information; so are the old and new values an
  older change event of a phone, e-mail, address or contact list keeps (its message, which
  names no phone or e-mail, stays).

Running it twice changes nothing the second time (the counts it returns are then zero).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from monitoring.changes import ADDRESS_CHANGED, CONTACTS_CHANGED, EMAIL_CHANGED, PHONE_CHANGED
from monitoring.models import ChangeEvent, PagePost, Snapshot

logger = logging.getLogger(__name__)
CONTACT_CHANGES = (ADDRESS_CHANGED, CONTACTS_CHANGED, EMAIL_CHANGED, PHONE_CHANGED)


def retention_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Prune what is past its retention; returns how many rows each step touched."""
    now = now or timezone.now()

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    login_cutoff = before(settings.LOGIN_RECORDS_RETENTION_DAYS)
    pruned = {
        "audit_entries": LogEntry.objects.filter(timestamp__lt=before(settings.AUDITLOG_RETENTION_DAYS)).delete()[0],
        "login_records": sum(
            model.objects.filter(attempt_time__lt=login_cutoff).delete()[0]
            for model in (AccessAttempt, AccessLog, AccessFailureLog)
        ),
        "others_posts": (
            PagePost.objects.filter(from_community=False, date__lt=before(settings.OTHERS_POSTS_RETENTION_DAYS))
            .exclude(text="", author_id="")
            .update(text="", author_id="")
        ),
        "contacts": _blank_past_contacts(before(settings.CONTACTS_RETENTION_DAYS)),
        "contact_changes": (
            ChangeEvent.objects.filter(kind__in=CONTACT_CHANGES, created_at__lt=before(settings.CONTACTS_RETENTION_DAYS))
            .exclude(old=None, new=None)
            .update(old=None, new=None)
        ),
    }
    logger.info("retention: %s", ", ".join(f"{name} {count}" for name, count in pruned.items()))
    return pruned


def _blank_past_contacts(cutoff: datetime) -> int:
    # Kept: a snapshot no later snapshot of its page read the information after — the one the
    # next sweep compares contacts with (monitoring.sweep.store._previous_snapshots).
    read_later = Snapshot.objects.filter(page=OuterRef("page"), info_read=True).filter(
        Q(taken_at__gt=OuterRef("taken_at")) | Q(taken_at=OuterRef("taken_at"), pk__gt=OuterRef("pk"))
    )
    past = (
        Snapshot.objects.filter(taken_at__lt=cutoff)
        .filter(~Q(address="") | ~Q(emails=[]) | ~Q(phones=[]))
        .filter(Exists(read_later))
    )
    return Snapshot.objects.filter(pk__in=past.values("pk")).update(address="", emails=[], phones=[])
