"""Playwright against Debian's chromium (never `playwright install`), over pytest-django's
live_server. Screenshots go to $SCREENSHOT_DIR (CI keeps them), else test-artifacts/."""

import importlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import service_unavailable

# live_server runs Django in a thread while Playwright's sync API owns an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "vendor" / "axe.min.js"


@pytest.fixture(autouse=True)
def _rows_of_data_migrations(transactional_db):
    """A transactional test that ran before this one flushed every table, and with them the
    rows the data migrations loaded: the checklist items. Put them back (the load is
    idempotent). `serialized_rollback` cannot do it here: the flush re-creates content types
    under new ids, and restoring the serialized ones then collides with them."""
    from django.apps import apps

    importlib.import_module("checklist.migrations.0002_checklist_items").load(apps, None)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    executable = shutil.which("chromium")
    if executable is None:
        service_unavailable("Debian chromium is not installed (apt-get install chromium)")
    return {
        "executable_path": executable,
        "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow",
            "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(autouse=True)
def no_content_security_policy_violation(request):
    """Every page a browser test opens runs under the portal's Content-Security-Policy: any
    script, style or image it refuses is reported on the console, and fails the test."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield
    assert not refused, refused


@pytest.fixture
def screenshot(page):
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def assert_accessible(page):
    """axe-core (vendored from npm) on the current page: no serious or critical
    WCAG 2.1 AA violation (ГОСТ Р 52872-2019 holds public-sector sites to it)."""

    def check(label: str) -> None:
        # Evaluated over the DevTools protocol: the page's Content-Security-Policy rightly
        # refuses a script tag injected with inline content.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        serious = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{label}: " + json.dumps(serious, ensure_ascii=False)

    return check


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state("networkidle")


def logout(page) -> None:
    page.locator("[data-user-menu]").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_load_state("networkidle")
