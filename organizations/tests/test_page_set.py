"""Staff register their organization's VK and OK page links on the organization page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organizations import services
from organizations.links import parse_page_link
from organizations.models import OfficialPage


def url(organization, network: str) -> str:
    return reverse("page-set", args=[organization.pk, network])


def page_url(organization, network: str) -> str | None:
    page = OfficialPage.objects.filter(organization=organization, network=network).first()
    return page.url if page else None


@pytest.mark.parametrize(
    ("network", "typed", "stored", "kind", "value"),
    [
        ("vk", "https://m.vk.com/Club123/?from=search", "https://vk.com/club123", "club", "123"),
        ("vk", "  vk.ru/School9  ", "https://vk.com/school9", "screen_name", "school9"),
        ("ok", "ok.ru/group53202816140587", "https://ok.ru/group/53202816140587", "group", "53202816140587"),
    ],
)
def test_staff_register_a_link_and_it_is_stored_in_canonical_form(actors, network, typed, stored, kind, value):
    response = actors.client_for(actors.staff_a).post(url(actors.org_a, network), {"url": typed}, follow=True)

    assert response.redirect_chain == [(reverse("organization-detail", args=[actors.org_a.pk]) + "#pages", 302)]
    page = OfficialPage.objects.get(organization=actors.org_a, network=network)
    assert (page.url, page.link_kind, page.link_value) == (stored, kind, value)
    assert f"сохранена ссылка {stored}" in response.content.decode()


def test_a_bad_link_is_refused_with_a_russian_message_and_the_old_one_kept(actors):
    client = actors.client_for(actors.staff_a)
    client.post(url(actors.org_a, "vk"), {"url": "vk.com/club123"})

    response = client.post(url(actors.org_a, "vk"), {"url": "https://vk.com/wall-123_45"}, follow=True)

    content = response.content.decode()
    assert "ВКонтакте: Это ссылка не на главную страницу сообщества" in content
    assert page_url(actors.org_a, "vk") == "https://vk.com/club123"


def test_a_link_to_the_wrong_network_is_refused(actors):
    response = actors.client_for(actors.staff_a).post(url(actors.org_a, "ok"), {"url": "https://vk.com/club1"}, follow=True)

    assert "Это ссылка на ВКонтакте, а здесь нужна ссылка на Одноклассники." in response.content.decode()
    assert page_url(actors.org_a, "ok") is None


def test_an_empty_link_removes_the_page(actors):
    client = actors.client_for(actors.staff_a)
    client.post(url(actors.org_a, "ok"), {"url": "ok.ru/group/1"})

    response = client.post(url(actors.org_a, "ok"), {"url": "  "}, follow=True)

    assert page_url(actors.org_a, "ok") is None
    assert "Одноклассники: ссылка удалена." in response.content.decode()


def test_changing_the_link_forgets_the_resolved_id(actors):
    client = actors.client_for(actors.staff_a)
    client.post(url(actors.org_a, "vk"), {"url": "vk.com/school9"})
    OfficialPage.objects.filter(organization=actors.org_a).update(external_id="777")

    client.post(url(actors.org_a, "vk"), {"url": "vk.com/club555"})

    page = OfficialPage.objects.get(organization=actors.org_a, network="vk")
    assert (page.url, page.external_id) == ("https://vk.com/club555", "")


def test_saving_the_same_link_again_keeps_the_resolved_id(actors):
    client = actors.client_for(actors.staff_a)
    client.post(url(actors.org_a, "vk"), {"url": "vk.com/school9"})
    OfficialPage.objects.filter(organization=actors.org_a).update(external_id="777")

    client.post(url(actors.org_a, "vk"), {"url": "https://VK.com/School9/"})

    assert OfficialPage.objects.get(organization=actors.org_a, network="vk").external_id == "777"


def test_a_link_registered_by_another_organization_is_refused(actors):
    services.page_set(organization=actors.org_b, network="vk", link=parse_page_link("vk", "vk.com/club123"))

    response = actors.client_for(actors.staff_a).post(url(actors.org_a, "vk"), {"url": "https://vk.com/club123"}, follow=True)

    assert "ВКонтакте: Эта страница уже зарегистрирована за организацией «д/с №10»." in response.content.decode()
    assert page_url(actors.org_a, "vk") is None
    assert page_url(actors.org_b, "vk") == "https://vk.com/club123"


def test_staff_cannot_set_another_organizations_link(actors):
    response = actors.client_for(actors.staff_a).post(url(actors.org_b, "vk"), {"url": "vk.com/club9"})

    assert response.status_code == 404
    assert page_url(actors.org_b, "vk") is None


def test_methodologist_cannot_set_an_organizations_link(actors):
    response = actors.client_for(actors.methodologist).post(url(actors.org_a, "vk"), {"url": "vk.com/club9"})

    assert response.status_code == 403
    assert page_url(actors.org_a, "vk") is None


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).post(url(actors.org_a, "vk"), {"url": "vk.com/club9"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert page_url(actors.org_a, "vk") is None


def test_an_unknown_network_is_not_found(actors):
    response = actors.client_for(actors.staff_a).post(url(actors.org_a, "fb"), {"url": "facebook.com/x"})

    assert response.status_code == 404


def test_the_link_endpoint_answers_only_post(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_a, "vk"))

    assert response.status_code == 405


def test_the_vk_and_ok_link_fields_have_distinct_ids_for_screen_readers(actors):
    content = actors.client_for(actors.staff_a).get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode()

    assert content.count('id="id_vk_url"') == 1
    assert content.count('id="id_ok_url"') == 1
    assert 'for="id_vk_url"' in content and 'for="id_ok_url"' in content
