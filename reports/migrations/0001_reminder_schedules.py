"""Reminder schedules (Europe/Moscow), editable in the admin: staff every morning,
methodologists on Monday, the mid-week nudge on Thursday morning after the night sweep."""

from django.db import migrations

SCHEDULES = [
    ("Напоминания о сроках (сотрудникам)", "reports.staff_reminders", "0", "8", "1-5"),
    ("Еженедельная сводка (методистам)", "reports.district_weekly", "0", "9", "1"),
    ("Середина недели: мало публикаций", "reports.midweek_nudges", "0", "10", "4"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in SCHEDULES:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone="Europe/Moscow",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": schedule})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
