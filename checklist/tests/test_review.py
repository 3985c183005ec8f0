"""Approve and return: only a methodologist in scope decides, never the organization itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checklist.models import EntryEvent, Verdict, WorkStatus


def approve_url(entry) -> str:
    return reverse("entry-approve", args=[entry.pk])


def return_url(entry) -> str:
    return reverse("entry-return", args=[entry.pk])


def status_of(entry) -> str:
    entry.refresh_from_db()
    return entry.status


def test_methodologist_approves_a_submitted_document(actors, submitted_a):
    response = actors.client_for(actors.methodologist).post(approve_url(submitted_a), follow=True)

    assert response.redirect_chain == [(reverse("organization-detail", args=[actors.org_a.pk]) + "#item-instruction", 302)]
    assert "СОШ №9, «Инструкция»: Утверждено." in response.content.decode()
    submitted_a.refresh_from_db()
    assert (submitted_a.status, submitted_a.verdict) == (WorkStatus.APPROVED, Verdict.COMPLIANT)
    assert EntryEvent.objects.filter(entry=submitted_a, actor=actors.methodologist, to_status=WorkStatus.APPROVED).exists()


def test_methodologist_returns_a_document_with_a_comment(actors, submitted_a):
    response = actors.client_for(actors.methodologist).post(
        return_url(submitted_a), {"comment": "Нет подписи директора"}, follow=True
    )

    assert "Возвращено на доработку" in response.content.decode()
    assert status_of(submitted_a) == WorkStatus.RETURNED
    event = EntryEvent.objects.filter(entry=submitted_a).first()
    assert (event.actor, event.comment) == (actors.methodologist, "Нет подписи директора")


def test_returning_without_a_comment_is_refused_with_a_message(actors, submitted_a):
    response = actors.client_for(actors.methodologist).post(return_url(submitted_a), {"comment": "  "}, follow=True)

    assert "Напишите, что нужно исправить: без комментария вернуть нельзя." in response.content.decode()
    assert status_of(submitted_a) == WorkStatus.SUBMITTED


def test_a_second_approval_is_refused_with_a_russian_message(actors, submitted_a):
    client = actors.client_for(actors.methodologist)
    client.post(approve_url(submitted_a))

    response = client.post(approve_url(submitted_a), follow=True)

    assert "Действие уже невозможно: пункт сейчас в состоянии «Утверждено». Обновите страницу." in response.content.decode()
    assert EntryEvent.objects.filter(entry=submitted_a, to_status=WorkStatus.APPROVED).count() == 1


def test_a_decision_from_the_queue_leads_back_to_the_queue(actors, submitted_a):
    response = actors.client_for(actors.methodologist).post(approve_url(submitted_a), {"next": "queue"})

    assert response["Location"] == reverse("review-queue")


def test_a_foreign_next_address_is_ignored(actors, submitted_a):
    response = actors.client_for(actors.methodologist).post(approve_url(submitted_a), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("organization-detail", args=[actors.org_a.pk]) + "#item-instruction"


def test_district_methodologist_approves_in_their_district(actors, submitted_a, district_methodologist):
    actors.client_for(district_methodologist).post(approve_url(submitted_a))

    assert status_of(submitted_a) == WorkStatus.APPROVED


@pytest.mark.parametrize("action", [approve_url, return_url], ids=["approve", "return"])
def test_staff_cannot_review_their_own_organizations_document(actors, submitted_a, action):
    response = actors.client_for(actors.staff_a).post(action(submitted_a), {"comment": "ок"})

    assert response.status_code == 403
    assert status_of(submitted_a) == WorkStatus.SUBMITTED


@pytest.mark.parametrize("action", [approve_url, return_url], ids=["approve", "return"])
def test_staff_cannot_review_another_organizations_document(actors, submitted_b, action):
    response = actors.client_for(actors.staff_a).post(action(submitted_b), {"comment": "ок"})

    assert response.status_code == 404
    assert status_of(submitted_b) == WorkStatus.SUBMITTED


@pytest.mark.parametrize("action", [approve_url, return_url], ids=["approve", "return"])
def test_methodologist_of_another_district_gets_not_found(actors, submitted_a, outside_methodologist, action):
    response = actors.client_for(outside_methodologist).post(action(submitted_a), {"comment": "ок"})

    assert response.status_code == 404
    assert status_of(submitted_a) == WorkStatus.SUBMITTED


@pytest.mark.parametrize("action", [approve_url, return_url], ids=["approve", "return"])
def test_anonymous_visitor_is_sent_to_the_login_page(actors, submitted_a, action):
    response = actors.client_for(None).post(action(submitted_a), {"comment": "ок"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert status_of(submitted_a) == WorkStatus.SUBMITTED


@pytest.mark.parametrize("action", [approve_url, return_url], ids=["approve", "return"])
def test_review_endpoints_answer_only_post(actors, submitted_a, action):
    response = actors.client_for(actors.methodologist).get(action(submitted_a))

    assert response.status_code == 405
    assert status_of(submitted_a) == WorkStatus.SUBMITTED
