import pytest

from checklist.tests.documents import entry_of, submit
from tests.factories import DistrictFactory, methodologist


@pytest.fixture
def outside_methodologist(actors):
    """A methodologist whose scope is another district than the actors' organizations."""
    return methodologist(district=DistrictFactory(name="Ейский район"), username="metodist_eysk")


@pytest.fixture
def district_methodologist(actors):
    """A methodologist scoped to the actors' own district."""
    return methodologist(district=actors.org_a.district, username="metodist_kush")


@pytest.fixture
def submitted_a(actors):
    """Organization A's instruction, uploaded by its staff and waiting for review."""
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a, name="instrukciya_A.pdf", text="A")
    entry.refresh_from_db()
    return entry


@pytest.fixture
def submitted_b(actors):
    """Organization B's instruction, uploaded by its staff and waiting for review."""
    entry = entry_of(actors.org_b, "instruction")
    submit(entry, actors.staff_b, name="instrukciya_B.pdf", text="B")
    entry.refresh_from_db()
    return entry
