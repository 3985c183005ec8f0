"""The notify step, apart from detection: turn a run's change events into one digest per
recipient, and the comments it found unanswered into one alert per staff member, and send each
once. A Notification row is written (unique per run, recipient and kind) before its e-mail goes
out, and sending claims the row, so a rerun after a crash never sends a digest twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.clients import ApiError
from monitoring.models import ChangeEvent, MaxAccount, Notification, PageComment, PageState, SweepRun
from monitoring.networks.max.bot import bot_client
from monitoring.rules import STATUS_SEVERITY
from monitoring.unanswered import unanswered_comments, unanswered_in_run
from organizations.models import Membership, Organization

logger = logging.getLogger(__name__)
# A member the portal can reach: by e-mail, or in MAX once linked.
REACHABLE = Q(user__email__gt="") | Q(user__max_account__isnull=False)


def notify_run(run: SweepRun) -> int:
    """Write the run's digests, then send what is unsent. Returns how many were sent."""
    _write_digests(run)
    _write_comment_alerts(run)
    sent = send_pending(run)
    SweepRun.objects.filter(pk=run.pk, notified_at=None).update(notified_at=timezone.now())
    return sent


def _write_digests(run: SweepRun) -> None:
    events = list(
        ChangeEvent.objects.filter(run=run).select_related("organization", "page").order_by("organization__short_name", "pk")
    )
    by_org: dict[int, list[ChangeEvent]] = defaultdict(list)
    for event in events:
        by_org[event.organization_id].append(event)
    site = settings.SITE_URL.rstrip("/")

    staff = Membership.objects.filter(
        role=Membership.Role.STAFF, organization_id__in=by_org, user__is_active=True
    ).filter(REACHABLE).select_related("user", "organization")
    for membership in staff:
        organization = membership.organization
        org_events = by_org[organization.pk]
        _digest(
            run, membership.user, Notification.Kind.STAFF_DIGEST,
            _("Госпаблики: изменения на страницах %(org)s") % {"org": organization.short_name},
            "monitoring/email/staff_digest.txt",
            {"organization": organization, "events": org_events, "url": site + reverse("organization-alerts", args=[organization.pk])},
        )

    if events:
        organizations = Organization.objects.filter(pk__in=by_org).select_related("district")
        methodologists = Membership.objects.filter(
            REACHABLE, role=Membership.Role.METHODOLOGIST, user__is_active=True
        ).select_related("user")
        for membership in methodologists:
            scope = [org for org in organizations if membership.district_id in (None, org.district_id)]
            if not scope:
                continue
            groups = [(org, by_org[org.pk]) for org in sorted(scope, key=lambda o: o.short_name)]
            _digest(
                run, membership.user, Notification.Kind.DISTRICT_DIGEST,
                _("Госпаблики: сводка ночной проверки, изменения у %(n)d организаций") % {"n": len(groups)},
                "monitoring/email/district_digest.txt",
                {"groups": groups, "summary": _summary(membership.district_id),
                 "unanswered": _unanswered(membership.district_id), "url": site + reverse("home")},
            )

    if run.config_errors:
        admins = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
        for admin in admins:
            _digest(
                run, admin, Notification.Kind.CONFIG_ALERT,
                _("Госпаблики: ночная проверка не смогла обратиться к API"),
                "monitoring/email/config_alert.txt",
                {"errors": run.config_errors},
                # Once a Moscow day per broken network set, however many runs meet it.
                period=f"{timezone.localdate(run.started_at):%Y-%m-%d}:{','.join(sorted(run.config_errors))}",
            )
    ChangeEvent.objects.filter(run=run, notified_at=None).update(notified_at=timezone.now())


def _write_comment_alerts(run: SweepRun) -> None:
    """Tell each organization's staff, once, of the people's comments this run found waiting
    more than a day for the community's answer (DESIGN §3.6): one message per staff member
    listing them all, its own kind, since the staff digest is written only for change events.

    A comment is claimed by the run (`alerted_run`) in the same transaction that writes the
    messages: a crash before the commit leaves both undone, a crash after it leaves messages
    that `send_pending` sends once. A run claims once; a rerun only writes what its claim
    already holds, so the messages keep the list they were first written with. Comments of an
    organization nobody of its staff can be reached at stay unclaimed, to be told once someone can."""
    reachable_staff = Membership.objects.filter(
        REACHABLE, role=Membership.Role.STAFF, user__is_active=True, organization=OuterRef("page__organization")
    )
    with transaction.atomic():
        if not PageComment.objects.filter(alerted_run=run).exists():
            due = unanswered_in_run(run).filter(Exists(reachable_staff)).values("pk")
            PageComment.objects.filter(pk__in=due, alerted_at=None).update(alerted_at=timezone.now(), alerted_run=run)
        claimed = PageComment.objects.filter(alerted_run=run).select_related("page__organization").order_by("written_at", "pk")
        by_org: dict[int, list[PageComment]] = defaultdict(list)
        for comment in claimed:
            by_org[comment.page.organization_id].append(comment)
        if not by_org:
            return
        now, site = timezone.now(), settings.SITE_URL.rstrip("/")
        staff = Membership.objects.filter(
            REACHABLE, role=Membership.Role.STAFF, user__is_active=True, organization_id__in=by_org
        ).select_related("user", "organization")
        for membership in staff:
            organization, comments = membership.organization, by_org[membership.organization_id]
            _digest(
                run, membership.user, Notification.Kind.COMMENTS_ALERT,
                _("Госпаблики: %(org)s — комментариев без ответа больше суток: %(n)d") % {
                    "org": organization.short_name, "n": len(comments)},
                "monitoring/email/comments_alert.txt",
                {"organization": organization, "comments": [(comment, age_words(now - comment.written_at)) for comment in comments],
                 "url": site + reverse("organization-detail", args=[organization.pk]) + "#unanswered"},
            )


def age_words(age: timedelta) -> str:
    """How long a comment has waited, as a message says it: «30 ч назад» within two days,
    then «2 сут. назад»."""
    hours = int(age.total_seconds() // 3600)
    if hours < 48:
        return _("%(n)d ч назад") % {"n": hours}
    return _("%(n)d сут. назад") % {"n": hours // 24}


def _summary(district_id: int | None) -> dict[str, int]:
    """Pages per status, worst first, in the methodologist's district (None: the region)."""
    states = PageState.objects.filter(page__detached_at=None)
    if district_id is not None:
        states = states.filter(page__organization__district_id=district_id)
    counts: dict[str, int] = defaultdict(int)
    for status in states.values_list("status", flat=True):
        counts[status] += 1
    return {status: counts[status] for status in STATUS_SEVERITY if counts[status]}


def _unanswered(district_id: int | None) -> dict[str, int]:
    """Comments waiting more than a day for an answer, and at how many organizations, in the
    methodologist's district: what the dashboard's tile counts."""
    comments = unanswered_comments()
    if district_id is not None:
        comments = comments.filter(page__organization__district_id=district_id)
    organizations = list(comments.values_list("page__organization_id", flat=True))
    return {"comments": len(organizations), "organizations": len(set(organizations))}


def _digest(run: SweepRun, user, kind: str, subject: str, template: str, context: dict, period: str = "") -> None:
    queue_message(recipient=user, kind=kind, subject=subject, template=template, context=context, run=run, period=period)


def queue_message(
    *, recipient, kind: str, subject: str, template: str, context: dict, run: SweepRun | None = None, period: str = ""
) -> Notification:
    """Write a message once: per period (a date, an ISO week) when one is given, else per run."""
    body = render_to_string(template, {**context, "run": run, "user": recipient})
    key = {"period": period} if period else {"run": run}
    notification, _created = Notification.objects.get_or_create(
        recipient=recipient, kind=kind, **key, defaults={"subject": subject[:300], "body": body, "run": run}
    )
    return notification


def send_pending(run: SweepRun | None = None) -> int:
    """Send what is unsent, each message exactly once on each way the person chose (e-mail,
    MAX, or both): a way is claimed before its message goes, so of two workers, or a run and
    its rerun after a crash, only one sends it. Returns how many messages went out."""
    pending = Notification.objects.select_related("recipient", "recipient__max_account")
    if run is not None:
        pending = pending.filter(run=run)
    sent = 0
    for notification in pending.filter(sent_at=None, error=""):
        if not _claim(notification, "sent_at"):
            continue
        if not notification.recipient.email or not _wants(notification.recipient, MaxAccount.Deliver.EMAIL):
            continue  # no address, or the person chose MAX alone: the e-mail way is settled unsent
        try:
            send_mail(notification.subject, notification.body, None, [notification.recipient.email])
        except Exception as error:  # SMTP errors are many; the row keeps the reason
            logger.warning("notification %s not sent: %s", notification.pk, type(error).__name__)
            Notification.objects.filter(pk=notification.pk).update(error=str(error)[:500])
            continue
        sent += 1
    by_max = pending.filter(
        max_sent_at=None, max_error="", recipient__max_account__isnull=False,
        recipient__max_account__deliver__in=(MaxAccount.Deliver.MAX, MaxAccount.Deliver.BOTH),
        created_at__gte=F("recipient__max_account__linked_at"),  # nothing from before the link
    )
    client = bot_client() if by_max.exists() else None
    for notification in by_max if client else ():
        if not _claim(notification, "max_sent_at"):
            continue
        try:
            client.send_message(user_id=notification.recipient.max_account.max_user_id,
                                text=f"{notification.subject}\n\n{notification.body}")
        except ApiError as error:  # blocked by the person (403), or MAX down: the row says which
            logger.warning("notification %s not sent to MAX: %s", notification.pk, type(error).__name__)
            Notification.objects.filter(pk=notification.pk).update(max_error=str(error)[:500])
            continue
        sent += 1
    return sent


def _claim(notification: Notification, field: str) -> bool:
    return bool(Notification.objects.filter(pk=notification.pk, **{field: None}).update(**{field: timezone.now()}))


def _wants(user, way: str) -> bool:
    account = getattr(user, "max_account", None)
    if account is None:
        return way == MaxAccount.Deliver.EMAIL
    return account.deliver in (way, MaxAccount.Deliver.BOTH)
