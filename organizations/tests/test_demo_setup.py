"""`manage.py demo_setup`: the briefing's district and one user per role, safe to run twice."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from checklist.models import ChecklistEntry
from organizations.models import District, Membership, OfficialPage, Organization

DEMO_LOGINS = {
    # username: (password, role, organization)
    "admin": ("admin-demo-2026", None, None),
    "metodist": ("metodist-demo-2026", "methodologist", None),
    "sosh9": ("sosh9-demo-2026", "staff", "СОШ №9"),
    "sosh26": ("sosh26-demo-2026", "staff", "СОШ №26"),
    "ds10": ("ds10-demo-2026", "staff", "д/с №10"),
}


def demo_setup() -> str:
    out = io.StringIO()
    call_command("demo_setup", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "districts": District.objects.count(),
        "organizations": Organization.objects.count(),
        "pages": OfficialPage.objects.count(),
        "entries": ChecklistEntry.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
    }


@pytest.fixture
def demo(db):
    return demo_setup()


def test_the_demo_district_has_the_briefings_52_organizations(demo):
    assert District.objects.get().name == "Кущевский район"
    assert Organization.objects.count() == 52
    assert Counter(Organization.objects.values_list("kind", flat=True)) == {
        "school": 21,
        "kindergarten": 24,
        "additional": 3,
        "other": 4,
    }
    assert Organization.objects.filter(short_name__in=["СОШ №9", "СОШ №26", "д/с №10", "«Юниор»"]).count() == 4
    assert ChecklistEntry.objects.count() == 52 * 11


def test_every_demo_organization_has_a_vk_and_an_ok_page(demo):
    assert OfficialPage.objects.filter(network="vk").count() == 52
    assert OfficialPage.objects.filter(network="ok").count() == 52
    assert not OfficialPage.objects.exclude(url__startswith="https://vk.com/").filter(network="vk").exists()
    assert not OfficialPage.objects.exclude(url__startswith="https://ok.ru/").filter(network="ok").exists()


def test_the_demo_users_have_their_roles_and_printed_passwords(demo):
    for username, (password, role, organization) in DEMO_LOGINS.items():
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password), username
        assert f"{username}" in demo and password in demo
        if role is None:
            assert user.is_superuser and user.is_staff
            continue
        assert user.membership.role == role
        assert getattr(user.membership.organization, "short_name", None) == organization


def test_a_demo_staff_login_leads_to_their_school(demo, client):
    response = client.post(reverse("login"), {"username": "sosh26", "password": "sosh26-demo-2026"}, follow=True)

    school = Organization.objects.get(short_name="СОШ №26")
    assert response.redirect_chain[-1][0] == reverse("organization-detail", args=[school.pk])
    assert "СОШ №26" in response.content.decode()


def test_running_the_demo_setup_twice_duplicates_nothing(demo):
    before = counts()

    demo_setup()

    assert counts() == before
    assert before["organizations"] == 52 and before["users"] == 5 and before["memberships"] == 4
    assert get_user_model().objects.get(username="metodist").check_password("metodist-demo-2026")


@pytest.mark.parametrize("command", ["demo_setup", "demo_paperwork"])
def test_a_secure_install_refuses_the_demo_data_and_its_published_passwords(db, settings, command):
    settings.SECURE = True

    with pytest.raises(CommandError, match="Демонстрационные данные не создаются при SECURE=1"):
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())

    assert not get_user_model().objects.filter(username="admin").exists()
