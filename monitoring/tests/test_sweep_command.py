"""`manage.py sweep` as an operator runs it (DESIGN §5): exit 0 when it ran, exit 2 on a
configuration error with nothing half-written, and `--org` / `--network` / `--district` narrowing it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from checklist.models import ChecklistEntry, Verdict
from checklist.services import entries_ensure
from monitoring.models import ChangeEvent, PagePost, PageState, Snapshot, SweepBatch, SweepRun
from monitoring.sweep import pending_batches, sweep_batch, sweep_start
from monitoring.tests.sweeping import make_world, point_settings, run_sweep
from organizations.models import OfficialPage, Organization
from tests.factories import DistrictFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings, run_simulator):
    world = make_world()
    world.simulator = run_simulator(world.scenario)
    point_settings(settings, world.simulator)
    return world


def assert_nothing_written() -> None:
    for model in (SweepRun, SweepBatch, Snapshot, PageState, PagePost, ChangeEvent):
        assert not model.objects.exists(), model.__name__


def test_sweep_reports_what_it_did_and_exits_0(world):
    out = io.StringIO()

    call_command("sweep", stdout=out, stderr=io.StringIO())

    text = out.getvalue()
    assert "страниц — 4" in text
    assert "проверено 4 из 4" in text and "сбоев API — 0" in text
    assert PageState.objects.filter(status="ok").count() == 4


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"VK_ACCESS_TOKENS": []}, "VK_ACCESS_TOKEN"),
        ({"OK_APPLICATION_KEY": ""}, "OK_APPLICATION_KEY"),
        ({"OK_APPLICATION_SECRET_KEY": "", "VK_ACCESS_TOKENS": []}, "VK_ACCESS_TOKEN"),
    ],
    ids=["no-vk-token", "no-ok-key", "neither"],
)
def test_sweep_without_api_keys_exits_2_and_writes_nothing(world, settings, missing, message):
    for name, value in missing.items():
        setattr(settings, name, value)

    with pytest.raises(CommandError) as raised:
        call_command("sweep", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2
    assert message in str(raised.value)
    assert_nothing_written()
    assert world.simulator.count() == 0


def test_sweep_of_one_network_needs_only_that_networks_keys(world, settings):
    settings.VK_ACCESS_TOKENS = []

    run = run_sweep("--network", "ok")

    assert run.networks == ["ok"] and run.pages_done == run.pages_total == 2
    assert world.simulator.count("vk") == 0 and world.simulator.count("ok") > 0
    assert set(PageState.objects.values_list("page__network", flat=True)) == {"ok"}
    vk_mark = ChecklistEntry.objects.get(organization=world.school, item__code="vk_gov_mark")
    ok_mark = ChecklistEntry.objects.get(organization=world.school, item__code="ok_gov_mark")
    assert ok_mark.verdict == Verdict.COMPLIANT
    assert vk_mark.verdict == Verdict.UNKNOWN  # VK has not been read yet: unknown, not a failure


def test_sweep_of_one_organization_reads_only_its_pages(world):
    run = run_sweep("--org", "СОШ №101")

    assert run.pages_done == run.pages_total == 2
    assert run.organization_ids == [world.school.pk]
    swept = set(PageState.objects.values_list("page_id", flat=True))
    assert swept == {world.pages["school_vk"].pk, world.pages["school_ok"].pk}
    # The neighbour's checklist is left as it was, not judged from pages never read.
    neighbour = ChecklistEntry.objects.get(organization=world.neighbour, item__code="vk_gov_mark")
    assert neighbour.verdict == Verdict.UNKNOWN and neighbour.verdict_note == ""
    school = ChecklistEntry.objects.get(organization=world.school, item__code="vk_gov_mark")
    assert school.verdict == Verdict.COMPLIANT
    assert world.simulator.count("vk", "wall.get") == 2  # the school's own wall and its posts by others


def test_sweep_takes_several_organizations_and_one_network_together(world):
    run = run_sweep("--org", "СОШ №101", "--org", "СОШ №102", "--network", "vk")

    assert run.pages_total == 2
    assert set(PageState.objects.values_list("page__network", flat=True)) == {"vk"}


def test_sweep_of_an_unknown_organization_exits_2_and_names_it(world):
    with pytest.raises(CommandError) as raised:
        call_command("sweep", "--org", "СОШ №101", "--org", "СОШ №999", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2
    assert "СОШ №999" in str(raised.value) and "СОШ №101" not in str(raised.value)
    assert_nothing_written()
    assert world.simulator.count() == 0


def move_to_another_district(organization: Organization, name: str = "Ейский район") -> None:
    organization.district = DistrictFactory(name=name)
    organization.save(update_fields=["district"])


def test_sweep_of_a_district_reads_only_its_organizations_pages(world):
    move_to_another_district(world.neighbour)

    out = io.StringIO()
    call_command("sweep", "--district", "ейский  район", stdout=out, stderr=io.StringIO())

    run = SweepRun.objects.get()
    assert "Район: Ейский район" in out.getvalue()
    assert run.pages_done == run.pages_total == 2
    assert run.scope == f"district:{world.neighbour.district_id}"  # the district's «Проверить сейчас» scope
    swept = set(PageState.objects.values_list("page_id", flat=True))
    assert swept == {world.pages["neighbour_vk"].pk, world.pages["neighbour_ok"].pk}
    school = ChecklistEntry.objects.get(organization=world.school, item__code="vk_gov_mark")
    assert school.verdict == Verdict.UNKNOWN and school.verdict_note == ""  # the other district is not judged


def test_sweep_of_an_unknown_district_exits_2_naming_the_districts_there_are(world):
    with pytest.raises(CommandError) as raised:
        call_command("sweep", "--district", "Ейский район", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2
    assert str(raised.value) == "Нет района «Ейский район». Районы: Кущевский район."
    assert_nothing_written()
    assert world.simulator.count() == 0


def test_sweep_of_a_short_name_two_districts_have_is_refused_until_the_district_is_named(world):
    namesake = OrganizationFactory(short_name="СОШ №101", district=DistrictFactory(name="Ейский район"))

    with pytest.raises(CommandError) as raised:
        call_command("sweep", "--org", "СОШ №101", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2
    assert "«СОШ №101» — Ейский район, Кущевский район" in str(raised.value)
    assert "Укажите район параметром --district" in str(raised.value)
    assert_nothing_written()
    assert world.simulator.count() == 0

    run = run_sweep("--org", "СОШ №101", "--district", "Кущевский район")

    assert run.organization_ids == [world.school.pk] and namesake.pk not in run.organization_ids
    assert run.pages_done == run.pages_total == 2


def test_sweep_of_a_short_name_not_in_the_named_district_exits_2(world):
    move_to_another_district(world.neighbour)

    with pytest.raises(CommandError) as raised:
        call_command(
            "sweep", "--org", "СОШ №101", "--district", "Ейский район", stdout=io.StringIO(), stderr=io.StringIO()
        )

    assert raised.value.returncode == 2
    assert str(raised.value) == "В районе «Ейский район» нет организаций с кратким названием: СОШ №101"
    assert_nothing_written()


@pytest.mark.parametrize(
    ("setting", "value", "network"),
    [
        ("VK_ACCESS_TOKENS", ["vk1.a.REVOKEDtokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"], "vk"),
        ("OK_APPLICATION_SECRET_KEY", "NOTtheSECRETkey000000000000000", "ok"),
        ("OK_ACCESS_TOKEN", "tkn1EXPIREDtokenzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "ok"),
    ],
    ids=["revoked-vk-token", "wrong-ok-secret", "unknown-ok-session"],
)
def test_sweep_with_a_key_the_api_refuses_exits_2_after_judging_nothing_wrongly(
    world, settings, setting, value, network
):
    setattr(settings, setting, value)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("sweep", stdout=out, stderr=err)

    assert raised.value.returncode == 2
    run = SweepRun.objects.get()
    assert run.finished_at is not None and set(run.config_errors) == {network}
    assert network in err.getvalue()
    assert str(value) not in out.getvalue() + err.getvalue() + str(run.config_errors)
    states = PageState.objects.filter(page__network=network)
    assert states.count() == 2 and set(states.values_list("status", flat=True)) == {"unknown"}
    other = PageState.objects.exclude(page__network=network)
    assert set(other.values_list("status", flat=True)) == {"ok"}


def test_sweep_against_a_wrong_api_address_exits_2(world, settings):
    settings.VK_API_URL = world.simulator.url + "/no-such-api"

    with pytest.raises(CommandError) as raised:
        call_command("sweep", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2
    assert set(SweepRun.objects.get().config_errors) == {"vk"}


def test_sweep_shares_the_pages_among_several_vk_tokens(db, settings, run_simulator):
    world = make_world()
    second = "vk1.a.SECONDtokenSECRETzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
    world.scenario["vk"]["tokens"][second] = "service"
    simulator = run_simulator(world.scenario)
    point_settings(settings, simulator)
    settings.VK_ACCESS_TOKENS = [*settings.VK_ACCESS_TOKENS, second]

    run = run_sweep("--network", "vk")

    assert run.faults == 0
    assert set(PageState.objects.values_list("status", flat=True)) == {"ok"}
    assert len({r.token for r in simulator.requests("vk", "wall.get")}) == 2


def test_sweep_with_a_user_token_batches_walls_through_execute_and_judges_the_same(db, settings, run_simulator):
    world = make_world()
    world.scenario["vk"]["tokens"] = {token: "user" for token in world.scenario["vk"]["tokens"]}
    simulator = run_simulator(world.scenario)
    point_settings(settings, simulator, VK_TOKEN_TYPE="user")

    run_sweep("--network", "vk")
    first = {key: world.state(key).verdict for key in ("school_vk", "neighbour_vk")}
    second = run_sweep("--network", "vk")

    assert second.faults == 0
    assert first["school_vk"]["status"] == first["neighbour_vk"]["status"] == "ok"
    assert {key: world.state(key).verdict for key in first} == first
    assert simulator.count("vk", "wall.get") == 0
    assert simulator.count("vk", "execute") == 2  # one a night: three walls in one request


def test_sweep_rejects_an_unknown_network():
    with pytest.raises(CommandError):
        call_command("sweep", "--network", "fb", stdout=io.StringIO(), stderr=io.StringIO())


def test_checklist_items_are_judged_as_each_batch_is_stored_before_the_run_ends(world):
    run, _started = sweep_start(trigger=SweepRun.Trigger.COMMAND, networks=["vk"], batch_size=1)
    first = pending_batches(run).first()
    judged = OfficialPage.objects.get(pk__in=first.page_ids).organization

    sweep_batch(first)

    run.refresh_from_db()
    assert run.finished_at is None and run.pages_done == 1
    marks = dict(ChecklistEntry.objects.filter(item__code="vk_gov_mark").values_list("organization", "verdict"))
    # The organization whose page was just stored is judged; the other one's page is not read yet.
    assert marks == {
        judged.pk: Verdict.COMPLIANT,
        ({world.school.pk, world.neighbour.pk} - {judged.pk}).pop(): Verdict.UNKNOWN,
    }


def test_an_organization_with_no_page_is_told_so_when_the_run_ends(world):
    bare = OrganizationFactory(short_name="СОШ №103")
    entries_ensure()

    run_sweep()

    mark = ChecklistEntry.objects.get(organization=bare, item__code="vk_gov_mark")
    assert mark.verdict == Verdict.NON_COMPLIANT and "страница не зарегистрирована" in mark.verdict_note


def test_storing_a_chunk_of_pages_costs_the_same_queries_for_one_page_as_for_three(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring.sweep import FETCHED, fetch_batch, persist_pages, prepare_batch

    run, _started = sweep_start(trigger=SweepRun.Trigger.COMMAND, batch_size=10)
    reads, works = {}, {}
    for batch in pending_batches(run):
        work = works[batch.network] = prepare_batch(batch, None, holder="test")
        fetch_batch(work)
        while (arrival := work.arrivals.get())[1] is not FETCHED:
            reads[arrival[1]] = arrival[2]
    pages = world.pages

    def store(*names: str) -> tuple[int, int, int]:
        """(queries apart from writing posts, statements writing posts, posts)"""
        chosen = [(pages[name], reads[pages[name].pk]) for name in names]
        with CaptureQueriesContext(connection) as queries:
            persist_pages(run=run, pages=chosen, window=works["vk"].window, book=works["vk"].book)
        posts = sum(len(read.posts) for _page, read in chosen)
        writes = sum('INSERT INTO "monitoring_pagepost"' in query["sql"] for query in queries.captured_queries)
        return len(queries) - writes, writes, posts

    one, one_writes, one_posts = store("school_vk")
    three, three_writes, three_posts = store("neighbour_vk", "school_ok", "neighbour_ok")

    assert one == three <= 10
    # Posts go in statements of as many rows as the database takes parameters for (SQLite: 999).
    columns = len(PagePost._meta.concrete_fields) - 2  # all but the id and comments_read (kept when comments are read)
    rows_per_statement = (connection.features.max_query_params or 10_000) // columns
    assert one_writes == -(-one_posts // rows_per_statement) and three_writes == -(-three_posts // rows_per_statement)
    assert PageState.objects.count() == Snapshot.objects.filter(run=run).count() == 4
    assert PageState.objects.filter(status="ok").count() == 4  # the world's pages all comply
    assert list(PageState.objects.values_list("last_snapshot__run", flat=True)) == [run.pk] * 4
