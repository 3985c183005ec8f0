"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in the calling process
(CELERY_TASK_ALWAYS_EAGER), so the embedded demo needs no broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govpublic.settings")

app = Celery("govpublic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
