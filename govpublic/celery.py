"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in the calling process
(CELERY_TASK_ALWAYS_EAGER), so the embedded demo needs no broker."""

import os

from celery import Celery

from govpublic.env import exit_on_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govpublic.settings")

app = Celery("govpublic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _stop_on_bad_settings(**_kwargs) -> None:
    """`celery worker` and `celery beat` read the settings here, while parsing their options:
    a bad setting stops them with its one-line message instead of a traceback."""
    exit_on_bad_settings()
