"""The sweep judges each page by its own district's thresholds (issue 14, item 2; DESIGN §2):
two districts read in one run, over real HTTP to the simulator."""

from __future__ import annotations

import pytest

from monitoring.models import RuleSettings
from monitoring.tests.sweeping import make_world, point_settings, run_sweep
from organizations.models import Organization
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db


def test_the_sweep_judges_each_page_by_its_districts_thresholds(db, settings, run_simulator):
    sweep_world = make_world()
    strict = DistrictFactory(name="Ейский район")
    Organization.objects.filter(pk=sweep_world.neighbour.pk).update(district=strict)
    # The neighbour's district asks for four posts a week over six weeks; the OK walls carry three.
    RuleSettings.objects.create(district=strict, weeks=6, posts_per_week_min=4, posts_per_week_target=4)
    point_settings(settings, run_simulator(sweep_world.scenario))

    run_sweep()

    school_ok, neighbour_ok = sweep_world.state("school_ok").verdict, sweep_world.state("neighbour_ok").verdict
    assert school_ok["regular"] is True and len(school_ok["weekly_posts"]) == 4
    assert neighbour_ok["regular"] is False and len(neighbour_ok["weekly_posts"]) == 6
