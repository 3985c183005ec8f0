"""`manage.py demo_region` (issue 14, item 7): three small districts beside the demo one, a
methodologist each and a regional coordinator, their pages swept through the simulator, so the
overview of districts has something to show."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from checklist.models import ChecklistEntry
from monitoring.models import PageState, RuleSettings
from organizations.models import District, Membership, Organization

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_region_is_added_swept_and_seen_by_its_coordinator():
    out = io.StringIO()

    call_command("demo_region", stdout=out)

    assert set(District.objects.values_list("name", flat=True)) == {"Ейский район", "Староминский район",
                                                                    "Щербиновский район"}
    assert Organization.objects.filter(short_name="СОШ №1").count() == 1
    assert Organization.objects.count() == 18
    assert PageState.objects.filter(page__organization__district__name="Ейский район").count() == 12
    printed = out.getvalue()
    assert "koordinator" in printed and "koordinator-demo-2026" in printed
    assert Membership.objects.get(user__username="metodist-ejsk").district.name == "Ейский район"
    # One district with settings of its own, judged by them: six weeks in its pages' verdicts.
    own = RuleSettings.objects.get(district__name="Щербиновский район")
    assert (own.max_required, own.weeks) == (True, 6)
    shcherb = PageState.objects.filter(page__organization__district__name="Щербиновский район", page__network="vk")
    assert {len(state.verdict["weekly_posts"]) for state in shcherb} == {6}
    assert ChecklistEntry.objects.filter(item__code="max_channel", organization__district=own.district).exists()
    assert not ChecklistEntry.objects.filter(item__code="max_channel").exclude(organization__district=own.district).exists()
    client = Client()
    login = client.post(reverse("login"), {"username": "koordinator", "password": "koordinator-demo-2026"})
    assert login.status_code == 302  # the printed password works
    page = client.get(reverse("region-overview")).content.decode()
    assert len(re.findall(r'<tr data-district="', page)) == 3
    client.force_login(Membership.objects.get(user__username="metodist-ejsk").user)
    assert client.get(reverse("region-overview")).status_code == 404
