"""The `services` fixture: PostgreSQL and Redis, or a skip (a failure when
GOVPUBLIC_REQUIRE_SERVICES=1); Celery pointed at the test broker meanwhile."""

import pytest
from django.db import connection

from conftest import service_unavailable
from govpublic.celery import app as celery_app
from tests.services.helpers import BROKER, forget_connections


@pytest.fixture
def services(tmp_path):
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (run with DATABASE_URL=postgres://...)")
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        service_unavailable(f"Redis at {BROKER}")
    client.flushdb()
    old = {"broker_url": celery_app.conf.broker_url, "task_always_eager": celery_app.conf.task_always_eager}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    forget_connections()
    yield client
    client.flushdb()
    celery_app.conf.update(**old)
    forget_connections()
