"""What the service tests share: real `celery worker` processes on the test database,
their environment (pointed at the VK/OK simulator), and waiting for them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from govpublic.celery import app as celery_app
from monitoring.demo import build_scenario, demo_settings
from monitoring.simulator import start_simulator
from organizations.models import Membership

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("GOVPUBLIC_CELERY_TEST_BROKER", "redis://127.0.0.1:6379/13")


def forget_connections() -> None:
    """Celery caches its connection pool from the first use in
    the process; an earlier eager test may have made them for the default broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    """A real `celery worker` process on the test database."""

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 2, beat: bool = False):
        """`beat`: the worker runs the beat scheduler too (django-celery-beat's, from the database)."""
        self.log_path = log
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "govpublic", "worker", "--pool=prefork", f"--concurrency={concurrency}",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO", "-n", f"w{time.time_ns()}@%h",
             *(["--beat", "--schedule", str(log.with_suffix(".beat"))] if beat else [])],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def ready(self) -> bool:
        """The worker said it is ready to take tasks (or died: wait_for then fails on the log)."""
        self.log.flush()
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}: see {self.log_path}")
        return b" ready." in self.log_path.read_bytes()

    def said(self, text: str) -> bool:
        """The worker (or its beat) logged `text`."""
        self.log.flush()
        return text.encode() in self.log_path.read_bytes()

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def worker_env(simulator, mail_dir: Path, batch_size: int) -> dict[str, str]:
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VK_", "OK_"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER,
        RATE_LIMIT_STORAGE_URL=BROKER.rsplit("/", 1)[0] + "/12",
        SWEEP_BATCH_SIZE=str(batch_size),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        MEDIA_ROOT=str(mail_dir.parent / "media"),
    )
    for name, value in demo_settings(simulator.url_vk, simulator.url_ok).items():
        env[name] = ",".join(value) if isinstance(value, list) else value
    return env


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def watchdog_every(seconds: int) -> None:
    """The watchdog's beat entry ticking every `seconds` (production: every 3 minutes), and no
    other periodic task, so a test's beat runs only what the test is about."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    PeriodicTask.objects.all().delete()
    every, _created = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="Сторож ночной проверки", task="monitoring.sweep_watchdog", interval=every)


def first_night_then_school_9_renamed(settings) -> dict:
    """Sweep the demo once in this process (the "before"), then give the scenario of a night
    on which СОШ №9's VK community was renamed and lost its mark."""
    call_command("demo_setup", stdout=open(os.devnull, "w"))
    for membership in Membership.objects.select_related("user"):
        membership.user.email = f"{membership.user.username}@kush.edu.example"
        membership.user.save()
    simulator = start_simulator(build_scenario())
    for name, value in demo_settings(simulator.url_vk, simulator.url_ok).items():
        setattr(settings, name, value)
    call_command("sweep", stdout=open(os.devnull, "w"))
    simulator.stop()
    changed = build_scenario()
    school = next(row for row in changed["vk"]["groups"] if "№ 9" in row["name"] and "Полевого" in row["name"])
    school["name"] = "Школа 9 — новости"
    school["is_government_organization"] = False
    return changed
