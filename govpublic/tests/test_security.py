"""A public install is safe by default: every HTML page carries a Content-Security-Policy that
allows only the portal's own scripts, styles and images, and no page needs an inline script."""

from __future__ import annotations

import re

from auditlog.models import LogEntry
from django.urls import reverse

from monitoring.models import SweepRun


def test_the_login_page_allows_only_the_portals_own_scripts(db, client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_the_sweep_progress_page_runs_without_inline_script_or_style(actors):
    run = SweepRun.objects.create(started_at=actors.org_a.created_at, trigger=SweepRun.Trigger.MANUAL, pages_total=4)

    response = actors.client_for(actors.methodologist).get(reverse("sweep-detail", args=[run.pk]))

    content = response.content.decode()
    assert "Content-Security-Policy" in response.headers
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)
    assert "style=" not in content


def test_the_audit_log_records_the_proxys_client_not_an_address_the_client_wrote(actors, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = actors.client_for(actors.staff_a)

    client.post(reverse("password_change"),
                {"old_password": "pass-1234-word", "new_password1": "Новый-пароль-2026",
                 "new_password2": "Новый-пароль-2026"},
                REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.5")

    entry = LogEntry.objects.get(object_pk=str(actors.staff_a.pk), changes__has_key="password")
    assert entry.remote_addr == "203.0.113.5"
