"""Thin Celery tasks for reminders; the schedules live in django-celery-beat (admin)."""

from celery import shared_task

from reports import reminders


@shared_task(name="reports.staff_reminders")
def staff_reminders() -> int:
    return reminders.send_staff_reminders()


@shared_task(name="reports.district_weekly")
def district_weekly() -> int:
    return reminders.send_district_weekly()


@shared_task(name="reports.midweek_nudges")
def midweek_nudges() -> int:
    return reminders.send_midweek_nudges()
