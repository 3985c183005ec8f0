"""The review queue: the submitted documents a methodologist has to decide on."""

from __future__ import annotations

import datetime
import re

import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklist import services
from checklist.tests.documents import entry_of, submit
from tests.factories import DistrictFactory, OrganizationFactory, staff_of

URL = reverse("review-queue")


def test_methodologist_sees_every_submitted_document_with_its_file_and_buttons(actors, submitted_a, submitted_b):
    response = actors.client_for(actors.methodologist).get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "instrukciya_A.pdf" in content and "instrukciya_B.pdf" in content
    for entry in (submitted_a, submitted_b):
        assert reverse("entry-approve", args=[entry.pk]) in content
        assert reverse("entry-return", args=[entry.pk]) in content
    assert reverse("evidence-download", args=[submitted_a.revisions.get().pk]) in content


def test_the_oldest_submission_comes_first(actors, submitted_b, submitted_a):
    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert content.index("instrukciya_B.pdf") < content.index("instrukciya_A.pdf")


def test_a_decided_document_leaves_the_queue(actors, submitted_a, submitted_b):
    services.entry_approve(entry=submitted_a, user=actors.methodologist)

    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert "instrukciya_A.pdf" not in content
    assert "instrukciya_B.pdf" in content


def test_an_empty_queue_says_so(actors):
    response = actors.client_for(actors.methodologist).get(URL)

    assert "Новых документов нет." in response.content.decode()


def test_district_methodologist_sees_only_their_districts_documents(actors, submitted_a, district_methodologist):
    elsewhere = OrganizationFactory(district=DistrictFactory(name="Ейский район"), short_name="СОШ №1 Ейск")
    submit(entry_of(elsewhere, "instruction"), staff_of(elsewhere), name="eysk.pdf")

    content = actors.client_for(district_methodologist).get(URL).content.decode()

    assert "instrukciya_A.pdf" in content
    assert "eysk.pdf" not in content and "СОШ №1 Ейск" not in content


def test_staff_cannot_open_the_review_queue(actors, submitted_a):
    response = actors.client_for(actors.staff_a).get(URL)

    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_the_queue_answers_only_get(actors):
    response = actors.client_for(actors.methodologist).post(URL)

    assert response.status_code == 405


def test_the_queue_is_built_in_the_same_number_of_queries_however_long_it_is(actors, submitted_a):
    client = actors.client_for(actors.methodologist)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    with_one = queries()
    for number in range(6):
        organization = OrganizationFactory()
        submit(entry_of(organization, "instruction"), staff_of(organization))
    assert queries() == with_one


def test_documents_are_grouped_by_organization_and_say_how_long_they_wait(actors, submitted_a):
    second = entry_of(actors.org_a, "password_policy")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        submit(entry_of(actors.org_b, "instruction"), actors.staff_b, name="old_B.pdf")
    submit(second, actors.staff_a, name="prikaz_A.pdf")

    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    # B's document has waited three days: B's group comes first, and A's two documents stand together.
    assert "ждёт 3\xa0дня" in content
    b, a = content.index(f'id="org-{actors.org_b.pk}"'), content.index(f'id="org-{actors.org_a.pk}"')
    assert b < a < content.index("instrukciya_A.pdf") < content.index("prikaz_A.pdf")
    assert content.count('class="queue-group"') == 2


def test_each_document_shows_its_first_page_and_the_keyboard_hint(actors, submitted_a):
    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert reverse("evidence-preview", args=[submitted_a.revisions.get().pk]) in content
    assert "<kbd>J</kbd>" in content and "<kbd>A</kbd>" in content and "<kbd>R</kbd>" in content


def test_approving_from_the_queue_lands_on_the_next_document(actors, submitted_a, submitted_b):
    client = actors.client_for(actors.methodologist)

    response = client.post(
        reverse("entry-approve", args=[submitted_a.pk]), {"next": "queue", "following": str(submitted_b.pk)}
    )

    assert response["Location"] == f"{URL}#entry-{submitted_b.pk}"
    content = client.get(URL).content.decode()
    assert "instrukciya_A.pdf" not in content and "Утверждено" in content


def test_returning_without_a_comment_stays_on_the_same_document_and_says_why(actors, submitted_a, submitted_b):
    client = actors.client_for(actors.methodologist)

    response = client.post(
        reverse("entry-return", args=[submitted_a.pk]),
        {"next": "queue", "following": str(submitted_b.pk), "comment": "  "},
    )

    assert response["Location"] == f"{URL}#entry-{submitted_a.pk}"
    content = client.get(URL).content.decode()
    assert "без комментария вернуть нельзя" in content and "instrukciya_A.pdf" in content


def test_the_menu_counts_the_waiting_documents_for_methodologists_only(actors, submitted_a, submitted_b):
    methodologist_page = actors.client_for(actors.methodologist).get(reverse("my-tasks")).content.decode()
    staff_page = actors.client_for(actors.staff_a).get(reverse("my-tasks")).content.decode()

    assert re.search(r"Документы на проверке <span[^>]*data-review-waiting>2<", methodologist_page)
    assert "data-review-waiting" not in staff_page


def test_the_menu_count_is_one_query(actors, submitted_a):
    client = actors.client_for(actors.methodologist)
    client.get(reverse("checklist-matrix"))
    cache.clear()  # the page drawn, not the one kept for its reader (reports.cache)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("checklist-matrix"))

    # Of the documents waiting (the page's own data version, reports.cache, counts all entries).
    counts = [query["sql"] for query in captured
              if "COUNT(" in query["sql"] and "checklist_checklistentry" in query["sql"] and "submitted" in query["sql"]]
    assert len(counts) == 1
