"""Settings per district (issue 14, item 2; DESIGN §2): thresholds, due dates, `max_required`, the
rating's weights and the report's letterhead are the region's until a district changes its own —
the thresholds, `max_required` and the weights value by value: a value the district did not set
follows the region's later changes; a district's methodologist changes only their district's,
the regional coordinator the region's defaults or any district's; each change is in the audit
log with who, when and old → new; and what a district set is what its organizations are judged
by: on the pages, in the sweep, in the rating and in its report."""

from __future__ import annotations

import datetime
import importlib
import io
import json
import re
import zipfile
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from checklist.models import MAX_ITEM, ChecklistEntry, ChecklistItem, WorkStatus
from monitoring.models import RuleSettings
from monitoring.rating import default_weights, rating_of
from organizations.models import Organization
from reports.cache import GENERATION_KEY
from reports.models import Letterhead
from reports.selectors import dashboard_queryset
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist, staff_of

pytestmark = pytest.mark.django_db

SETTINGS = reverse("rule-settings")


class Region:
    def __init__(self):
        self.ours, self.theirs = DistrictFactory(name="Кущевский район"), DistrictFactory(name="Ейский район")
        self.our_school = OrganizationFactory(short_name="СОШ №1", district=self.ours)
        self.their_school = OrganizationFactory(short_name="СОШ №1", district=self.theirs)
        self.our_methodologist = methodologist(district=self.ours, username="met-ours")
        self.their_methodologist = methodologist(district=self.theirs, username="met-theirs")
        self.coordinator = methodologist(username="coordinator")

    def client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def region(db):
    return Region()


def form_data(rules: dict | None = None, due: dict | None = None, *, district=None) -> dict:
    """What the settings page posts: the values it shows, changed by `rules` and `due`."""
    current = RuleSettings.for_district(district.pk if district else None)
    names = ["weeks", "posts_per_week_min", "posts_per_week_target", "posts_total_min", "max_required",
             *(f"rating_{code}" for code in default_weights())]
    data = {name: getattr(current, name) for name in names}
    if district is None:
        data["raw_retention_days"] = current.raw_retention_days
    data.update(rules or {})
    if not data["max_required"]:
        del data["max_required"]  # an unticked box is not posted
    letterhead = Letterhead.for_district(district.pk if district else None)
    data.update({f"letter-{name}": getattr(letterhead, name) or "" for name in (
        "body_name", "contacts", "addressee", "outgoing_number", "proposals_days", "proposals_responsible",
        "proposals", "signer_position", "signer_name", "executor_name", "executor_phone")})
    own = current.due_dates if district else {}
    for item in ChecklistItem.objects.filter(mode=ChecklistItem.Mode.MANUAL):
        value = (due or {}).get(item.code, own.get(item.code) or item.due_date)
        data[f"due-{item.code}"] = value.isoformat() if isinstance(value, datetime.date) else (value or "")
    if district is not None:
        data["district"] = district.pk
    return data


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return page_text_of(response.content.decode())


def page_text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def shown_value(html: str, name: str) -> tuple[str, str]:
    """What the settings page shows for a value: the number in its field, and whether it is
    marked as the district's own («own») or the region's («region»)."""
    found = re.search(rf'name="{name}" value="(\d+)".*?data-district-value="(\w+)"', html, re.S)
    assert found, name
    return found.group(1), found.group(2)


def test_a_district_methodologist_changes_their_districts_thresholds_and_not_the_regions(region):
    client = region.client(region.our_methodologist)

    response = client.post(SETTINGS, form_data({"posts_per_week_min": 2, "weeks": 6}, district=region.ours), follow=True)

    assert "Настройки сохранены" in page_text(response)
    ours = RuleSettings.for_district(region.ours.pk)
    assert (ours.district, ours.weeks, ours.posts_per_week_min) == (region.ours, 6, 2)
    region_rules = RuleSettings.load()
    assert (region_rules.weeks, region_rules.posts_per_week_min) == (4, 3)
    assert RuleSettings.for_district(region.theirs.pk) == region_rules  # inherits the region's
    html = client.get(SETTINGS).content.decode()
    page = page_text_of(html)
    assert "У района свои значения части настроек" in page
    assert "Своё значение района. В регионе — 4." in page and "Своё значение района. В регионе — 3." in page
    assert shown_value(html, "weeks") == ("6", "own") and shown_value(html, "posts_total_min") == ("2", "region")


def test_a_district_methodologist_cannot_change_another_districts_settings_by_naming_it(region):
    client = region.client(region.our_methodologist)

    client.post(SETTINGS, form_data({"posts_per_week_min": 1}, district=region.theirs))

    assert RuleSettings.for_district(region.theirs.pk).posts_per_week_min == 3
    assert RuleSettings.for_district(region.ours.pk).posts_per_week_min == 1  # the page is always their own
    assert "Ейский район" not in client.get(SETTINGS, {"district": region.theirs.pk}).content.decode()


def test_saving_the_regions_values_unchanged_gives_a_district_no_settings_of_its_own(region):
    region.client(region.our_methodologist).post(SETTINGS, form_data(district=region.ours))

    assert not RuleSettings.objects.filter(district=region.ours).exists()
    assert not Letterhead.objects.filter(district=region.ours).exists()


def test_the_first_change_of_a_district_is_in_the_audit_log_old_to_new_with_who_made_it(region):
    region.client(region.our_methodologist).post(
        SETTINGS, form_data({"posts_per_week_min": 2, "max_required": True}, district=region.ours))

    ours = RuleSettings.for_district(region.ours.pk)
    entries = list(LogEntry.objects.get_for_object(ours).order_by("pk"))
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert all(entry.actor == region.our_methodologist for entry in entries)
    changes = dict(entries[1].changes_dict)
    assert json.loads(changes.pop("own")[1]) == ["posts_per_week_min", "max_required"]  # the bookkeeping
    assert changes == {"posts_per_week_min": ["3", "2"], "max_required": ["False", "True"]}
    page = page_text(region.client(region.our_methodologist).get(SETTINGS))
    assert "Журнал изменений" in page
    assert "минимум публикаций в неделю: 3 → 2" in page and "канал в MAX обязателен: нет → да" in page
    assert "свои значения района" not in page and "posts_per_week_min" not in page


def test_the_regions_later_change_reaches_a_district_in_every_value_it_did_not_set_itself(region):
    region.client(region.our_methodologist).post(SETTINGS, form_data({"weeks": 6}, district=region.ours))
    client = region.client(region.coordinator)
    page = client.get(SETTINGS).content.decode()
    assert "data-district-picker" in page and "data-region-defaults" in page
    assert "Кущевский район — свои настройки" in page and "Ейский район — свои настройки" not in page

    client.post(SETTINGS, form_data({"posts_per_week_min": 2, "weeks": 5, "rating_views": 30}))

    book = RuleSettings.book()
    ours, theirs = book.of(region.ours.pk), book.of(region.theirs.pk)
    assert (ours.weeks, ours.posts_per_week_min, ours.rating_views) == (6, 2, 30)  # its own weeks, the region's rest
    assert (theirs.weeks, theirs.posts_per_week_min, theirs.rating_views) == (5, 2, 30)
    assert ours.thresholds().weeks == 6 and ours.thresholds().posts_per_week_min == 2
    assert RuleSettings.for_district(region.ours.pk).posts_per_week_min == 2
    html = region.client(region.our_methodologist).get(SETTINGS).content.decode()
    assert shown_value(html, "weeks") == ("6", "own") and "Своё значение района. В регионе — 5." in page_text_of(html)
    assert shown_value(html, "posts_per_week_min") == ("2", "region")
    assert shown_value(html, "rating_views") == ("30", "region")


def test_a_value_set_back_to_the_regions_follows_the_region_again(region):
    client = region.client(region.our_methodologist)
    client.post(SETTINGS, form_data({"weeks": 6, "posts_total_min": 5}, district=region.ours))

    response = client.post(SETTINGS, form_data({"weeks": 4}, district=region.ours), follow=True)  # the region's 4

    html = response.content.decode()
    assert "Настройки сохранены" in page_text_of(html)
    assert shown_value(html, "weeks") == ("4", "region") and shown_value(html, "posts_total_min") == ("5", "own")
    region.client(region.coordinator).post(SETTINGS, form_data({"weeks": 8, "posts_total_min": 1}))
    ours = RuleSettings.book().of(region.ours.pk)
    assert (ours.weeks, ours.posts_total_min) == (8, 5)
    client.post(SETTINGS, form_data({"posts_total_min": 1}, district=region.ours))  # the last own value back
    assert "Кущевский район — свои настройки" not in region.client(region.coordinator).get(SETTINGS).content.decode()


def history_of(html: str) -> str:
    return page_text_of(html.split("data-settings-history", 1)[1])


def test_the_history_tells_who_changed_which_value_old_to_new_and_nothing_of_what_the_district_follows(region):
    client = region.client(region.our_methodologist)
    client.post(SETTINGS, form_data({"weeks": 6}, district=region.ours))
    region.client(region.coordinator).post(SETTINGS, form_data({"posts_per_week_min": 2}))  # the district follows

    client.post(SETTINGS, form_data({"posts_total_min": 5}, district=region.ours))
    client.post(SETTINGS, form_data({"weeks": 4}, district=region.ours))

    ours = RuleSettings.for_district(region.ours.pk)
    updates = LogEntry.objects.get_for_object(ours).filter(action=LogEntry.Action.UPDATE).order_by("pk")
    assert [{name: change for name, change in entry.changes_dict.items() if name != "own"} for entry in updates] == [
        {"weeks": ["4", "6"]}, {"posts_total_min": ["2", "5"]}, {"weeks": ["6", "4"]}]
    assert {entry.actor for entry in updates} == {region.our_methodologist}
    history = history_of(client.get(SETTINGS).content.decode())
    assert "Пороги правил: Кущевский район: недель в окне: 6 → 4 (как в регионе)" in history
    assert "Пороги правил: Кущевский район: минимум публикаций всего: 2 → 5 " in history
    assert "Пороги правил: Кущевский район: недель в окне: 4 → 6 " in history
    assert "минимум публикаций в неделю" not in history and "свои значения района" not in history


def test_a_district_row_saved_elsewhere_keeps_what_it_left_as_read_following_the_region(region):
    """As the admin saves it: a value changed there becomes the district's own; the others stay
    the region's, even where the stored row missed a write no signal saw."""
    region.client(region.our_methodologist).post(SETTINGS, form_data({"weeks": 6}, district=region.ours))
    RuleSettings.objects.filter(district=None).update(posts_per_week_min=2)
    row = RuleSettings.objects.get(district=region.ours)  # still stored with the region's old 3

    row.posts_total_min = 5
    row.save()
    region_rules = RuleSettings.load()
    region_rules.posts_per_week_min = 1
    region_rules.save()

    ours = RuleSettings.for_district(region.ours.pk)
    assert (ours.weeks, ours.posts_total_min, ours.posts_per_week_min) == (6, 5, 1)
    assert RuleSettings.objects.get(district=region.ours).posts_per_week_min == 1  # stored as it holds


def test_the_migration_makes_a_districts_own_the_values_that_differ_from_the_regions(region):
    migration = importlib.import_module("monitoring.migrations.0016_rulesettings_own")
    regions = {name: getattr(RuleSettings.load(), name) for name in migration.DISTRICT_VALUES}
    assert migration.own_values({**regions, "weeks": 6, "max_required": True}, regions) == ["weeks", "max_required"]
    assert migration.own_values(regions, regions) == []
    row = RuleSettings.objects.create(district=region.ours)
    RuleSettings.objects.filter(pk=row.pk).update(weeks=6, max_required=True, own=[])  # as a row stood before

    migration.mark_own(apps, None)

    assert RuleSettings.objects.get(pk=row.pk).own == ["weeks", "max_required"]
    region.client(region.coordinator).post(SETTINGS, form_data({"posts_per_week_min": 2, "weeks": 5}))
    ours = RuleSettings.for_district(region.ours.pk)
    assert (ours.weeks, ours.max_required, ours.posts_per_week_min) == (6, True, 2)


def test_the_regions_change_reaches_the_kept_pages_of_a_district_that_inherits_it(region):
    """A district's pages are kept until their data changes (reports.cache): the region's change
    of a value the district did not set is such a change — at once where the save moves the
    counter, and by the pages' keys (the values that hold) in another worker that missed it."""
    world.compliant(region.our_school)
    methodologist_client = region.client(region.our_methodologist)
    methodologist_client.post(SETTINGS, form_data({"weeks": 6}, district=region.ours))  # its own weeks
    staff = region.client(staff_of(region.our_school, username="staff-ours"))
    page, dashboard = reverse("organization-detail", args=[region.our_school.pk]), reverse("dashboard")
    for _look in range(2):  # the second look is a kept page
        assert "норма 3–4 в неделю" in page_text(staff.get(page))
        assert "Канал MAX" not in methodologist_client.get(dashboard).content.decode()

    region.client(region.coordinator).post(SETTINGS, form_data({"posts_per_week_min": 2, "max_required": True}))

    assert "норма 2–4 в неделю" in page_text(staff.get(page))
    assert "Канал MAX" in methodologist_client.get(dashboard).content.decode()

    generation = cache.get(GENERATION_KEY)
    region.client(region.coordinator).post(SETTINGS, form_data({"posts_per_week_min": 1}))
    cache.set(GENERATION_KEY, generation)  # as another worker's own memory still says

    assert "норма 1–4 в неделю" in page_text(region.client(staff_of(region.our_school, username="staff-2")).get(page))


def test_the_coordinator_changes_a_districts_settings_and_the_district_goes_back_to_the_regions(region):
    client = region.client(region.coordinator)
    client.post(SETTINGS, form_data({"posts_total_min": 5}, {"instruction": datetime.date(2020, 1, 1)},
                                    district=region.theirs))
    assert RuleSettings.for_district(region.theirs.pk).posts_total_min == 5
    their_entry = ChecklistEntry.objects.get(organization=region.their_school, item__code="instruction")
    assert their_entry.effective_due_date == datetime.date(2020, 1, 1)

    response = client.post(SETTINGS, {"district": region.theirs.pk, "action": "reset"}, follow=True)

    assert "Район снова пользуется настройками региона" in page_text(response)
    assert RuleSettings.for_district(region.theirs.pk) == RuleSettings.load()
    their_entry.refresh_from_db()
    assert their_entry.effective_due_date == ChecklistItem.objects.get(code="instruction").due_date
    history = page_text(client.get(SETTINGS, {"district": region.theirs.pk}))
    assert "район вернулся к настройкам региона" in history and "минимум публикаций всего: 2 → 5" in history


def test_a_districts_due_date_makes_its_paperwork_overdue_and_no_one_elses(region):
    world.item_due("instruction", datetime.date(2099, 1, 1))
    for school in (region.our_school, region.their_school):
        world.compliant(school)
        world.paperwork(school, WorkStatus.NOT_STARTED, codes=["instruction"])
    region.client(region.our_methodologist).post(
        SETTINGS, form_data(due={"instruction": datetime.date(2020, 1, 1)}, district=region.ours))

    ours = region.client(region.our_methodologist).get(reverse("dashboard"), {"status": "fail"}).content.decode()
    theirs = region.client(region.their_methodologist).get(reverse("dashboard"), {"status": "fail"}).content.decode()
    assert 'data-org="СОШ №1"' in ours
    assert 'data-org="СОШ №1"' not in theirs
    # An organization added to the district later gets the district's date too.
    late = OrganizationFactory(short_name="СОШ №2", district=region.ours)
    assert ChecklistEntry.objects.get(organization=late, item__code="instruction").effective_due_date == datetime.date(2020, 1, 1)
    assert ChecklistEntry.objects.get(organization=region.their_school, item__code="instruction").effective_due_date == datetime.date(2099, 1, 1)


def test_kept_pages_show_the_districts_new_due_date_on_the_next_look(region):
    """The dashboard and the organization page are kept until their data changes (reports.cache),
    also in another worker that missed the settings' save: a district's new due dates are written
    onto its entries, which moves the rows' version every worker reads."""
    world.compliant(region.our_school)
    world.paperwork(region.our_school, WorkStatus.NOT_STARTED, codes=["instruction"])
    world.item_due("instruction", datetime.date(2099, 1, 1))
    methodologist_client = region.client(region.our_methodologist)
    methodologist_client.post(SETTINGS, form_data({"weeks": 5}, district=region.ours))  # the district's row exists
    staff = region.client(staff_of(region.our_school, username="staff-ours"))
    page = reverse("organization-detail", args=[region.our_school.pk])
    assert 'data-org="СОШ №1"' not in methodologist_client.get(reverse("dashboard"), {"status": "fail"}).content.decode()
    assert "01.01.2020" not in page_text(staff.get(page))
    generation = cache.get(GENERATION_KEY)

    methodologist_client.post(SETTINGS, form_data(due={"instruction": datetime.date(2020, 1, 1)}, district=region.ours))
    cache.set(GENERATION_KEY, generation)  # as another worker's own memory still says: only the rows tell

    assert 'data-org="СОШ №1"' in methodologist_client.get(reverse("dashboard"), {"status": "fail"}).content.decode()
    assert "01.01.2020" in page_text(staff.get(page))
    assert "01.01.2020" in page_text(staff.get(reverse("my-tasks")))


def test_a_district_that_requires_max_channels_gets_the_item_and_the_other_does_not(region):
    for school in (region.our_school, region.their_school):
        world.compliant(school)
        world.paperwork(school)
    region.client(region.our_methodologist).post(SETTINGS, form_data({"max_required": True}, district=region.ours))

    assert ChecklistEntry.objects.filter(item__code=MAX_ITEM["code"], organization=region.our_school).exists()
    assert not ChecklistEntry.objects.filter(item__code=MAX_ITEM["code"], organization=region.their_school).exists()
    ours = region.client(region.our_methodologist).get(reverse("dashboard")).content.decode()
    theirs = region.client(region.their_methodologist).get(reverse("dashboard")).content.decode()
    assert "Канал MAX" in ours and "Канал MAX" not in theirs
    # Without a channel, only the school whose district requires one falls short.
    rows = {row.district_id: row.status for row in dashboard_queryset(Organization.objects.all(), [], world.today())}
    assert rows == {region.ours.pk: "fail", region.theirs.pk: "ok"}
    everyone = region.client(region.coordinator).get(reverse("dashboard"), {"status": "fail"}).content.decode()
    assert f'href="/org/{region.our_school.pk}/"' in everyone
    assert f'href="/org/{region.their_school.pk}/"' not in everyone

    region.client(region.our_methodologist).post(SETTINGS, {"district": region.ours.pk, "action": "reset"})
    assert not ChecklistItem.objects.filter(code=MAX_ITEM["code"]).exists()


def test_each_organization_is_rated_by_its_districts_weights(region):
    for school in (region.our_school, region.their_school):
        world.compliant(school, gov_mark=False)  # the mark missing on VK: half the mark component
    weights = {f"rating_{code}": 0 for code in default_weights()}
    region.client(region.our_methodologist).post(SETTINGS, form_data({**weights, "rating_mark": 10}, district=region.ours))

    scores = {row.organization.district_id: row.score for row in rating_of(Organization.objects.all())}

    assert scores[region.ours.pk] == 50  # the mark alone: on one page of two
    assert scores[region.theirs.pk] > 50  # every component, by the region's weights
    page = page_text(region.client(region.our_methodologist).get(reverse("rating")))
    assert "50" in page


def test_the_district_report_is_headed_by_the_districts_letterhead(region):
    region.client(region.our_methodologist).post(
        SETTINGS, {**form_data(district=region.ours), "letter-body_name": "Управление образования Кущёвского района"})

    ours = region.client(region.our_methodologist).get(reverse("district-report-docx"))
    theirs = region.client(region.their_methodologist).get(reverse("district-report-docx"))

    def words(response) -> str:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return archive.read("word/document.xml").decode()

    assert "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ КУЩЁВСКОГО РАЙОНА" in words(ours)  # the letterhead prints it in capitals
    assert "КУЩЁВСКОГО" not in words(theirs) and "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ" in words(theirs)
    assert Letterhead.load().body_name == "Управление образования"


def test_one_district_installs_edit_the_regions_settings_without_naming_a_district(db):
    school = OrganizationFactory(short_name="СОШ №1")
    user = methodologist(district=school.district, username="met")
    client = Client()
    client.force_login(user)

    page = client.get(SETTINGS).content.decode()
    client.post(SETTINGS, form_data({"posts_per_week_min": 2}))

    assert "data-district-settings" not in page and "data-district-picker" not in page
    assert RuleSettings.load().posts_per_week_min == 2
    assert not RuleSettings.objects.exclude(district=None).exists()
