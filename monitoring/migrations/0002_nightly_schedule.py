"""The nightly sweep at 03:00 Moscow time, editable in the admin (Periodic tasks)."""

from django.db import migrations


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.get_or_create(
        name="Ночная проверка госпабликов",
        defaults={"task": "monitoring.sweep_nightly", "crontab": schedule},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Ночная проверка госпабликов").delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
