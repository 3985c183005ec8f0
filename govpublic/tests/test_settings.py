"""Settings are checked at start-up: a bad one stops every entry point (manage.py, Celery
worker and beat, gunicorn) with one line of Russian per bad setting and exit status 2, before
anything runs with it; secrets are never shown. Each start is a real subprocess, as an
administrator would start it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from govpublic import env

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
VARIABLES = re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE)
RATE = "ожидается «N/second» (или N/minute, N/hour, N/day) с целым N ≥ 1"


def start(*command: str, **variables: str) -> subprocess.CompletedProcess:
    """`command` run from the project folder with only `variables` set among the settings."""
    environment = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    environment.update(variables, DJANGO_SETTINGS_MODULE="govpublic.settings")
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def manage_check(**variables: str) -> subprocess.CompletedProcess:
    return start(sys.executable, "manage.py", "check", **variables)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"VK_RATE_LIMIT": "0/second"}, f"VK_RATE_LIMIT: {RATE}, получено «0/second»"),
        ({"OK_RATE_LIMIT": "3/sec"}, f"OK_RATE_LIMIT: {RATE}, получено «3/sec»"),
        ({"VK_RATE_LIMIT": "3/second;10/minute"}, f"VK_RATE_LIMIT: {RATE}, получено «3/second;10/minute»"),
        ({"API_THROTTLE_RATE": "600/час"}, f"API_THROTTLE_RATE: {RATE}, получено «600/час»"),
        ({"API_RETRY_BACKOFF_SECONDS": "-1"},
         "API_RETRY_BACKOFF_SECONDS: ожидается число (с точкой) от 0 до 60, получено «-1»"),
        ({"API_RETRY_BACKOFF_SECONDS": "0,5"},
         "API_RETRY_BACKOFF_SECONDS: ожидается число (с точкой) от 0 до 60, получено «0,5»"),
        ({"API_TIMEOUT_SECONDS": "0"}, "API_TIMEOUT_SECONDS: ожидается целое число от 1 до 300, получено «0»"),
        ({"SWEEP_BATCH_SIZE": "много"}, "SWEEP_BATCH_SIZE: ожидается целое число от 1 до 10000, получено «много»"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT: ожидается целое число от 1 до 65535, получено «70000»"),
        ({"VK_DAILY_WALL_CALLS": "0"}, "VK_DAILY_WALL_CALLS: ожидается целое число не меньше 1, получено «0»"),
        ({"VK_TOKEN_TYPE": "group"}, "VK_TOKEN_TYPE: ожидается одно из: service, user, получено «group»"),
        ({"VK_API_VERSION": "latest"}, "VK_API_VERSION: ожидается номер версии вида 5.199, получено «latest»"),
        ({"LOG_LEVEL": "verbose"},
         "LOG_LEVEL: ожидается одно из: DEBUG, INFO, WARNING, ERROR, CRITICAL, получено «verbose»"),
        ({"DEBUG": "maybe"}, "DEBUG: ожидается 1 или 0 (также true/false, yes/no, on/off), получено «maybe»"),
        ({"VK_API_URL": "api.vk.com/method"},
         "VK_API_URL: ожидается адрес вида https://api.vk.com/method (схема http://, https://), "
         "получено «api.vk.com/method»"),
        ({"CELERY_BROKER_URL": "127.0.0.1:6379"},
         "CELERY_BROKER_URL: ожидается адрес вида redis://127.0.0.1:6379/0, получено «127.0.0.1:6379»"),
        ({"RATE_LIMIT_STORAGE_URL": "memcached://127.0.0.1:11211"},
         "RATE_LIMIT_STORAGE_URL: ожидается адрес вида redis://127.0.0.1:6379/0 (схема redis://, rediss://, "
         "redis+unix://, redis+sentinel://, redis+cluster://), получено «memcached://127.0.0.1:11211»"),
        ({"CSRF_TRUSTED_ORIGINS": "portal.example.org"},
         "CSRF_TRUSTED_ORIGINS: ожидается список адресов через запятую вида https://portal.example.org, "
         "получено «portal.example.org»"),
        ({"ALLOWED_HOSTS": "https://portal.example.org"},
         "ALLOWED_HOSTS: ожидается список имён хостов через запятую, без схемы и пути (portal.example.org), "
         "получено «https://portal.example.org»"),
        ({"MEDIA_ROOT": "media"}, "MEDIA_ROOT: ожидается абсолютный путь (начинается с /), получено «media»"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.smpt.EmailBackend"},
         "EMAIL_BACKEND: ожидается путь к классу установленного модуля (пакет.модуль.Класс), "
         "получено «django.core.mail.backends.smpt.EmailBackend»"),
        ({"DEFAULT_FROM_EMAIL": "govpublic"},
         "DEFAULT_FROM_EMAIL: ожидается адрес e-mail (govpublic@example.org или «Имя <govpublic@example.org>»), "
         "получено «govpublic»"),
        ({"SECURE": "1"}, "SECRET_KEY: обязателен при SECURE=1 (длинная случайная строка)"),
        ({"ALLOWED_HOSTS": "portal.example.org"},
         "SECRET_KEY: обязателен, когда ALLOWED_HOSTS называет не только этот компьютер (localhost, 127.0.0.1, ::1): "
         "демонстрационный ключ известен всем"),
        ({"ALLOWED_HOSTS": "localhost,*"},
         "SECRET_KEY: обязателен, когда ALLOWED_HOSTS называет не только этот компьютер (localhost, 127.0.0.1, ::1): "
         "демонстрационный ключ известен всем"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT: ожидается целое число от 0 до 10, получено «-1»"),
        ({"OK_APPLICATION_KEY": "CBAFJIICABABABABA"},
         "OK_APPLICATION_SECRET_KEY: не задан, а без него запросы к Одноклассникам не подписать"),
    ],
)
def test_a_bad_setting_stops_manage_py_with_one_russian_line(variables, message):
    result = manage_check(**variables)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert result.stdout == ""


def test_every_bad_setting_is_named_at_once_in_reading_order():
    result = manage_check(VK_RATE_LIMIT="0/second", API_RETRY_BACKOFF_SECONDS="-0.5", SWEEP_STALL_SECONDS="0")

    assert result.returncode == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == [
        "VK_RATE_LIMIT", "API_RETRY_BACKOFF_SECONDS", "SWEEP_STALL_SECONDS",
    ]


def test_a_bad_token_is_named_but_never_shown():
    token = "vk1.a.Secret-Token-Value"
    result = manage_check(VK_ACCESS_TOKENS=f'"{token}", vk1.a.second', OK_APPLICATION_SECRET_KEY=f"{token} x")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "VK_ACCESS_TOKENS: ожидается список токенов через запятую из латинских букв, цифр и знаков, "
        "без пробелов и кавычек (значение не показывается)",
        "OK_APPLICATION_SECRET_KEY: ожидается ключ из латинских букв, цифр и знаков, без пробелов, кавычек "
        "и запятых (значение не показывается)",
    ]
    assert "Secret" not in result.stderr


def test_the_password_in_a_bad_url_is_not_shown():
    result = manage_check(DATABASE_URL="mysql://govpublic:s3cret-pass@db.example.org/govpublic")

    assert result.returncode == 2
    assert "s3cret-pass" not in result.stderr
    assert "получено «mysql://govpublic:***@db.example.org/govpublic»" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("-m", "celery", "-A", "govpublic", "worker", "--pool=solo"),
        ("-m", "celery", "-A", "govpublic", "beat"),
        ("-m", "gunicorn", "govpublic.wsgi", "--bind", "127.0.0.1:0"),
        ("manage.py", "migrate"),
    ],
    ids=["celery worker", "celery beat", "gunicorn", "manage.py migrate"],
)
def test_a_bad_setting_stops_every_service_before_it_starts(command, tmp_path):
    # The database is this test's own, should a service start after all.
    result = start(sys.executable, *command, VK_RATE_LIMIT="0/second", API_RETRY_BACKOFF_SECONDS="-1",
                   DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [
        f"VK_RATE_LIMIT: {RATE}, получено «0/second»",
        "API_RETRY_BACKOFF_SECONDS: ожидается число (с точкой) от 0 до 60, получено «-1»",
    ]


def test_the_demo_key_serves_every_loopback_name():
    result = manage_check(ALLOWED_HOSTS="localhost,127.0.0.1,::1,[::1]")

    assert result.returncode == 0, result.stderr


def test_the_defaults_start():
    result = manage_check()

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_the_values_in_env_example_start():
    """Every value .env.example shows is accepted (and blank ones mean the default)."""
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE))

    result = manage_check(**example)

    assert result.returncode == 0, result.stderr


def test_a_blank_variable_means_its_default(monkeypatch, tmp_path):
    # .env.example lists most variables empty; an empty MEDIA_ROOT used to mean the folder
    # each process happened to start in.
    monkeypatch.setenv("MEDIA_ROOT", " ")
    monkeypatch.setenv("SECURE_SSL_REDIRECT", "")

    assert env.env_path("MEDIA_ROOT", tmp_path) == tmp_path
    assert env.env_bool("SECURE_SSL_REDIRECT", True) is True
    env.raise_bad_settings()  # nothing was noted
