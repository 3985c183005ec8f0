"""The region's part of `make bench` (issue 14, item 5): 40 districts × 50 organizations. The
regional overview and a district's dashboard (the coordinator's drill-down) are computed (their
kept data dropped first) at 1, 10 and 40 districts: their queries must not grow with the districts, and the overview's time at
40 ÷ at 1 must stay ≤ 3. Runs last: it clears the organizations the other parts left."""

from __future__ import annotations

import statistics
import time

DISTRICTS = (1, 10, 40)
ORGANIZATIONS_PER_DISTRICT = 50
SAMPLES = 5


def _add_district(number: int) -> int:
    from checklist.services import entries_ensure
    from monitoring.models import PageState
    from monitoring.rules import community_status
    from organizations.models import District, OfficialPage, Organization

    district = District.objects.create(name=f"Район {number:02d}")
    organizations = Organization.objects.bulk_create([
        Organization(district=district, short_name=f"СОШ №{i + 1} · {number:02d}", name=f"МБОУ СОШ №{i + 1}", kind="school",
                     sort_name=f"сош №{i + 1:04d}", audience=600 + 10 * i)
        for i in range(ORGANIZATIONS_PER_DISTRICT)
    ])
    organizations = list(Organization.objects.filter(district=district))
    entries_ensure(organizations=organizations)
    pages = OfficialPage.objects.bulk_create([
        OfficialPage(organization=org, network="vk", url=f"https://vk.com/club{number * 1000 + i + 1}", link_kind="club",
                     link_value=str(number * 1000 + i + 1), external_id=str(number * 1000 + i + 1), external_kind="group")
        for i, org in enumerate(organizations)
    ])
    states = []
    for i, page in enumerate(OfficialPage.objects.filter(organization__district=district)):
        verdict = {"is_community": True, "gov_mark": i % 5 != 0, "posts_total": 40, "regular": i % 3 != 0,
                   "posts_not_from_community": 0, "reposts_from_personal_pages": 0, "missing_info": [],
                   "closed": False, "deactivated": False, "error": None, "subscribers": 300 + i,
                   "views_per_post": 80.0, "engagement_rate": 3.5, "comments_unanswered": 0, "comments_answered_share": None}
        verdict["status"] = community_status(verdict)
        states.append(PageState(page=page, status=verdict["status"], verdict=verdict))
    PageState.objects.bulk_create(states)
    return len(pages)


def _clear() -> None:
    from monitoring.models import ChangeEvent, PagePost, RatingSnapshot, Snapshot
    from organizations.models import District, Organization

    for history in (ChangeEvent, Snapshot, PagePost, RatingSnapshot):
        history.objects.all().delete()
    Organization.objects.all().delete()
    District.objects.all().delete()


def measure_region(results: dict) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from monitoring.rating import record_rating
    from organizations.models import District, Membership
    from tests.factories import UserFactory

    _clear()
    coordinator = UserFactory(username="bench-region")
    Membership.objects.create(user=coordinator, role=Membership.Role.METHODOLOGIST)
    client = Client(HTTP_HOST="localhost")
    client.force_login(coordinator)
    queries: dict[str, dict[str, int]] = {"overview": {}, "district_dashboard": {}}
    seconds: dict[str, float] = {}
    for size in DISTRICTS:
        while District.objects.count() < size:
            _add_district(District.objects.count() + 1)
        record_rating()  # the month's rows the overview averages, as a finished sweep writes them
        first = District.objects.order_by("pk").first()
        for name, url in (("overview", "/region/"), ("district_dashboard", f"/dashboard/?district={first.pk}")):
            client.get(url)  # warm
            cache.clear()  # the pages' computation is measured, not their kept data
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            queries[name][str(size)] = len(captured)
        samples = []
        for _ in range(SAMPLES):
            cache.clear()
            started = time.perf_counter()
            client.get("/region/")
            samples.append(time.perf_counter() - started)
        seconds[str(size)] = statistics.median(samples)
    results["region_queries"] = {"value": queries, "target": "equal at 1, 10 and 40 districts",
                                 "organizations_per_district": ORGANIZATIONS_PER_DISTRICT}
    results["region_overview_time_ratio"] = {
        "value": round(seconds["40"] / seconds["1"], 3), "target": "<= 3",
        "seconds": {k: round(v, 4) for k, v in seconds.items()}, "samples": SAMPLES,
    }
