"""The sweep survives its own services failing (issue 9): Redis and PostgreSQL restarting
in the middle of a run, and «Проверить сейчас» pressed twice at once on gunicorn. Each time
the run ends by itself, every event and e-mail exists once, and no verdict is false."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from bench.load import CSRF_INPUT, _start_gunicorn, _stop_gunicorn
from conftest import service_unavailable
from govpublic.celery import app as celery_app
from monitoring import tasks
from monitoring.models import ChangeEvent, Notification, Snapshot, SweepRun
from monitoring.simulator import SimulatorProcess
from organizations.models import OfficialPage
from tests.factories import methodologist
from tests.redis_server import RedisServer
from tests.services.briefing import briefing_picture
from tests.services.helpers import (
    BROKER,
    Worker,
    first_night_then_school_9_renamed,
    forget_connections,
    wait_for,
    watchdog_every,
    worker_env,
)
from tests.services.test_celery_sweep import latest_run, sent_messages

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class PostgreSQL:
    """The cluster the tests run on, stopped and started as its administrator would."""

    def __init__(self):
        tool = shutil.which("pg_ctlcluster")
        clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if tool is None or not clusters or connection.settings_dict["HOST"] not in ("127.0.0.1", "localhost", ""):
            service_unavailable("a local PostgreSQL cluster that pg_ctlcluster can restart")
        self.version = clusters[0]

    def _ctl(self, action: str, *extra: str) -> None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, "main", action, *extra],
                       check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        connection.close()
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("start")
        wait_for(lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0, 60, "PostgreSQL")
        connection.close()


def test_redis_and_postgresql_restarting_mid_run_leave_a_run_that_ends_by_itself_once(services, tmp_path, settings):
    changed = first_night_then_school_9_renamed(settings)
    postgresql = PostgreSQL()
    own_redis = RedisServer(tmp_path)
    simulator = SimulatorProcess(changed)
    mail_dir = tmp_path / "mail"
    env = worker_env(simulator, mail_dir, batch_size=5) | {
        "CELERY_BROKER_URL": f"{own_redis.url}/0",
        "RATE_LIMIT_STORAGE_URL": f"{own_redis.url}/1",
        "SWEEP_STALL_SECONDS": "5",
        # Slow enough that the run is still going through both restarts.
        "VK_RATE_LIMIT": "3/second",
        "OK_RATE_LIMIT": "3/second",
    }
    watchdog_every(2)
    celery_app.conf.update(broker_url=f"{own_redis.url}/0")
    forget_connections()
    worker = Worker(env, tmp_path / "worker.log", beat=True)
    try:
        wait_for(worker.ready, 60, "the worker")
        tasks.sweep_nightly.delay()
        wait_for(lambda: (run := latest_run()) is not None and run.trigger == "schedule" and run.pages_done >= 10,
                 120, "the sweep to get going")

        own_redis.stop()
        wait_for(lambda: worker.said("rate limiter storage unavailable"), 60, "the worker to meet Redis gone")
        own_redis.start()
        run = latest_run()
        assert run.finished_at is None, "the run ended before Redis went away"
        done = run.pages_done
        wait_for(lambda: latest_run().pages_done > done, 120, "the run to go on after Redis came back")

        postgresql.stop()
        wait_for(lambda: worker.said("database unavailable"), 60, "the worker to meet PostgreSQL gone")
        postgresql.start()
        wait_for(lambda: SweepRun.objects.get(pk=run.pk).notified_at is not None, 300, "the run to end and notify")
    finally:
        worker.stop()
        simulator.stop()
        own_redis.stop()
        celery_app.conf.update(broker_url=BROKER)
        forget_connections()

    run.refresh_from_db()
    pages = OfficialPage.objects.filter(network__in=("vk", "ok")).count()
    assert run.status == SweepRun.Status.FINISHED
    assert run.pages_done == run.pages_total == pages
    assert Snapshot.objects.filter(run=run).count() == pages
    picture = briefing_picture()
    assert picture["errors"] == []  # no page left unknown by the outages
    assert picture["vk_marks"] == 51 and picture["few_posts"] == {"СОШ №26"}
    events = ChangeEvent.objects.filter(run=run)
    assert {"gov_mark_lost", "renamed"} <= set(events.values_list("kind", flat=True))
    assert events.count() == events.values("page_id", "kind").distinct().count()
    messages = sent_messages(mail_dir)
    assert len([m for m in messages if "sosh9@kush.edu.example" in m]) == 1
    assert len([m for m in messages if "metodist@kush.edu.example" in m]) == 1
    assert Notification.objects.filter(run=run).count() == len(messages)


def login(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=30)
    token = CSRF_INPUT.search(page.text).group(1)
    answer = session.post(f"{url}/accounts/login/", data={"username": username, "password": password,
                          "csrfmiddlewaretoken": token}, headers={"Referer": f"{url}/accounts/login/"}, timeout=30)
    assert answer.ok and "accounts/login" not in answer.url, answer.url
    return session


def test_check_now_pressed_twice_at_once_on_gunicorn_starts_one_run(services, tmp_path):
    password = "Метод-пароль-2026"
    user = methodologist(username="metodist")
    hasher = PBKDF2PasswordHasher()  # gunicorn runs with the production hashers, not the tests' fast one
    user.password = hasher.encode(password, hasher.salt())
    user.save()
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}", "CELERY_BROKER_URL": BROKER, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server, url = _start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        sessions = [login(url, "metodist", password) for _ in range(2)]
        for attempt in range(6):
            tokens = [CSRF_INPUT.search(session.get(f"{url}/", timeout=30).text).group(1) for session in sessions]
            start = threading.Barrier(2)
            answers: list = [None, None]

            def press(index: int) -> None:
                start.wait()
                answers[index] = sessions[index].post(
                    f"{url}/sweeps/start/", data={"csrfmiddlewaretoken": tokens[index]},
                    headers={"Referer": f"{url}/"}, allow_redirects=False, timeout=60,
                )

            threads = [threading.Thread(target=press, args=(index,)) for index in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            unfinished = SweepRun.objects.filter(finished_at=None)
            assert unfinished.count() == 1, f"try {attempt + 1}: two runs started"
            run = unfinished.get()
            assert [answer.status_code for answer in answers] == [302, 302]
            assert {answer.headers["Location"] for answer in answers} == {f"/sweeps/{run.pk}/"}
            SweepRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), status=SweepRun.Status.FINISHED)
    finally:
        _stop_gunicorn(server)
    assert SweepRun.objects.count() == 6
