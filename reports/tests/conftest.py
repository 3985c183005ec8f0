"""What the tests of the kept pages share (test_organization_cache, test_kept_pages)."""

import pytest

from checklist.models import WorkStatus
from reports.tests import world


@pytest.fixture
def page_a(actors):
    """Organization A, judged compliant, with its instruction not started."""
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["instruction"])
    return actors.org_a
