"""`make bench`: the sweep's API budget and speed, and the dashboard at scale, measured in
one run against the built-in simulator. Writes bench/results.md and bench/results.json;
every figure has its inputs beside it.

Runs on its own SQLite file (bench/tmp/) unless DATABASE_URL is set (PostgreSQL gives the
figures a region would see). Scale with BENCH_PAGES (default 2000)."""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from bench.commentbench import measure_comments  # noqa: E402  (ROOT must be on sys.path first)
from bench.load import measure_load  # noqa: E402
from bench.maxbench import add_max_pages, max_section, measure_max, use_max  # noqa: E402
from bench.regionbench import measure_region  # noqa: E402
from bench.workers import measure_workers  # noqa: E402

TMP = BENCH / "tmp"
PAGES = int(os.environ.get("BENCH_PAGES", "2000"))
OPEN_SHARE = 0.25  # share of walls open to others' posts (wall == 1)
LATENCY_MS = 20
# Dashboard timings per size, of which the median counts: five let one slow moment of a shared
# 2-core machine move the 10,000 ÷ 52 ratio between 2.3 and 3.4 in two runs of the same code.
DASHBOARD_SAMPLES = 15
# The mixed sweep: schools with a page on each network, the rates set so that each network
# alone takes about the same time (VK ≈ 1 request a page at 3/s, OK ≈ 2 at 6/s, MAX ≈ 2 — a
# Chat and a page of messages — at 6/s), which is where reading one network after the other
# costs most: three times the time.
MIXED_PAGES = 60
MIXED_RATES = {"vk": 3, "ok": 6, "max": 6}
MANUAL_SAMPLES = 3


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govpublic.settings")
    if "DATABASE_URL" not in os.environ:
        shutil.rmtree(TMP, ignore_errors=True)
        TMP.mkdir(parents=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
    os.environ["RATE_LIMIT_STORAGE_URL"] = ""
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    # The benchmarks sweep the same registry several times a "day" to measure the pipeline;
    # the daily-quota planner (measured in monitoring/tests/test_daily_quota.py) would defer pages.
    os.environ.setdefault("VK_DAILY_WALL_CALLS", "1000000")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "sqlite" not in os.environ["DATABASE_URL"]:
        call_command("flush", interactive=False, verbosity=0)  # a PostgreSQL database given by the caller
        call_command("migrate", verbosity=0)  # the flush emptied the rows the data migrations load


def registry(n: int, offset: int = 0) -> list[dict]:
    return [
        {
            "short_name": f"ОО №{offset + i + 1}",
            "vk_id": 300_000_000 + offset + i,
            "ok_id": str(80_000_000_000_000 + offset + i),
            "open": (i % round(1 / OPEN_SHARE)) == 0,
        }
        for i in range(n)
    ]


def scenario(rows: list[dict], *, token: str, token_type: str, rate: int, latency_ms: int = 0) -> dict:
    groups = []
    for row in rows:
        groups.append(
            {
                "id": row["vk_id"],
                "name": row["short_name"],
                "is_government_organization": True,
                "wall": 1 if row["open"] else 2,
                "description": "Школа. 352030, ст. Кущёвская. +7 (86168) 1-23-45, shkola@example.org, https://school.example.org",
                "post_series": [
                    {"per_week": [3, 4, 3, 4, 3, 3, 4, 3, 4, 3, 4, 3], "first_week": -12, "text": "Новость {n} #школа",
                     "attachments": [{"type": "photo", "width": 1280, "height": 960}], "likes": 5, "views": 100},
                ],
                "posts": [{"week": 0, "weekday": 1, "time": "00:00", "text": "Новость недели"}],
            }
        )
    return {"vk": {"tokens": [{"token": token, "type": token_type}], "requests_per_second": rate, "groups": groups},
            "latency_ms": latency_ms}


def load_registry(rows: list[dict]) -> None:
    from checklist.services import entries_ensure
    from organizations.models import District, OfficialPage, Organization

    district, _ = District.objects.get_or_create(name="Бенчмарк")
    organizations = Organization.objects.bulk_create(
        [Organization(district=district, short_name=row["short_name"], name=row["short_name"], kind="school",
                      sort_name=row["short_name"]) for row in rows]
    )
    by_name = {org.short_name: org for org in Organization.objects.filter(district=district)}
    OfficialPage.objects.bulk_create(
        [OfficialPage(organization=by_name[row["short_name"]], network="vk", url=f"https://vk.com/club{row['vk_id']}",
                      link_kind="club", link_value=str(row["vk_id"])) for row in rows]
    )
    entries_ensure()
    return organizations


def timed_sweep(sim, networks: list[str], organizations=None, trigger: str = "command") -> tuple[float, object]:
    """One sweep of `networks` as `manage.py sweep` runs it (or «Проверить сейчас», with
    `trigger="manual"`), with fresh limiters and log."""
    from monitoring.sweep import _limiters, sweep_run_inline, sweep_start

    _limiters.clear()
    sim.clear_log()
    started = time.monotonic()
    run, _started = sweep_start(trigger=trigger, networks=networks, organizations=organizations)
    sweep_run_inline(run)
    return time.monotonic() - started, run


def vk_sweep(sim, token: str, token_type: str, rate: int, trigger: str = "command") -> tuple[float, object]:
    from django.conf import settings

    settings.VK_API_URL = sim.url_vk
    settings.VK_ACCESS_TOKENS = [token]
    settings.VK_TOKEN_TYPE = token_type
    settings.VK_RATE_LIMIT = f"{rate}/second"
    return timed_sweep(sim, ["vk"], trigger=trigger)


def bound(pages: int, open_walls: int, token_type: str) -> int:
    calls = pages + open_walls
    if token_type == "user":
        return math.ceil(calls / 25) + math.ceil(pages / 500)
    return calls + math.ceil(pages / 500)


def reset_monitoring() -> None:
    from monitoring.models import PageComment, PagePost, PageState, Snapshot, SweepRun
    from organizations.models import OfficialPage

    SweepRun.objects.all().delete()
    PageComment.objects.all().delete()
    Snapshot.objects.all().delete()
    PagePost.objects.all().delete()
    PageState.objects.all().delete()
    OfficialPage.objects.update(external_id="", external_kind="")


def measure_sweeps(results: dict) -> None:
    from monitoring.simulator import SimulatorProcess

    rows = registry(PAGES)
    load_registry(rows)
    open_walls = sum(row["open"] for row in rows)

    for token_type, rate in (("service", 200), ("user", 200)):
        reset_monitoring()
        token = f"bench-{token_type}"
        sim = SimulatorProcess(scenario(rows, token=token, token_type=token_type, rate=rate))
        try:
            _seconds, run = vk_sweep(sim, token, token_type, rate)
            requests = sim.count("vk")
            first_items = sum(record.items for record in sim.requests("vk") if record.method in ("wall.get", "execute"))
            expected = bound(PAGES, open_walls, token_type)
            results[f"vk_requests_over_bound_{token_type}"] = {
                "value": round(requests / expected, 4), "target": "<= 1.05", "requests": requests, "bound": expected,
                "pages": PAGES, "open_walls": open_walls, "simulator_rate": rate, "faults": run.faults,
            }
            results[f"vk_requests_per_page_{token_type}"] = {"value": round(requests / PAGES, 4), "pages": PAGES}
            if token_type == "service":
                _seconds, _run = vk_sweep(sim, token, token_type, rate)
                second_items = sum(r.items for r in sim.requests("vk") if r.method in ("wall.get", "execute"))
                # The second night asks for what is new and, since §3.6, the reply window's posts
                # again (their comments.count tells which have new comments): 14 days of a wall of
                # four posts a week is 8 of the first night's 42 items a page. Target restated from
                # 0.90 (before §3.6) to what that leaves: ≥ 0.75.
                results["incremental_item_reduction"] = {
                    "value": round(1 - second_items / max(first_items, 1), 4), "target": ">= 0.75",
                    "first_sweep_items": first_items, "second_sweep_items": second_items, "pages": PAGES,
                    "second_night": "new posts + the 14-day reply window re-read for comments.count (§3.6)",
                }
        finally:
            sim.stop()

    # Time: the real VK rate (3/s) with 20 ms on the wire; a user token keeps the run short.
    reset_monitoring()
    rate = 3
    sim = SimulatorProcess(scenario(rows, token="bench-time", token_type="user", rate=rate, latency_ms=LATENCY_MS))
    try:
        seconds, run = vk_sweep(sim, "bench-time", "user", rate)
        ended = time.monotonic()  # CLOCK_MONOTONIC: the simulator's arrival stamps share it
        log = sim.requests("vk")
        requests = len(log)
        results["sweep_time_over_bound"] = {
            "value": round(seconds / (requests / rate), 4), "target": "<= 1.10", "seconds": round(seconds, 2),
            "requests": requests, "rate_per_second": rate, "latency_ms": LATENCY_MS, "pages": PAGES,
            "token": "user (execute)", "max_requests_in_any_second": sim.max_per_window("vk"),
            "simulator": "own process, as the API is", "seconds_first_to_last_request": round(log[-1].at - log[0].at, 2),
            "seconds_after_last_request": round(ended - log[-1].at, 2),
        }
    finally:
        sim.stop()


def measure_manual(results: dict) -> None:
    """«Проверить сейчас» stores in chunks sized to move its bar every second
    (`monitoring.sweep.batch.ChunkSize`): what that costs a first sweep whose reading
    outruns storing, against the nightly chunks. Medians of interleaved runs."""
    from monitoring.simulator import SimulatorProcess

    rows = registry(PAGES)
    sim = SimulatorProcess(scenario(rows, token="bench-manual", token_type="service", rate=200))
    seconds: dict[str, list[float]] = {"command": [], "manual": []}
    try:
        for trigger in ("command", "manual") * MANUAL_SAMPLES:
            reset_monitoring()
            elapsed, _run = vk_sweep(sim, "bench-manual", "service", 200, trigger=trigger)
            seconds[trigger].append(round(elapsed, 2))
    finally:
        sim.stop()
    nightly, manual = statistics.median(seconds["command"]), statistics.median(seconds["manual"])
    results["manual_sweep_time_over_nightly"] = {
        "value": round(manual / nightly, 3), "target": "<= 1.15", "seconds_nightly": seconds["command"],
        "seconds_manual": seconds["manual"], "pages": PAGES, "simulator_rate": 200, "token": "service",
    }


OK_KEY, OK_SECRET, OK_TOKEN = "BENCHOKKEY", "bench-ok-secret", "bench-ok-token"


def ok_bound(pages: int) -> int:
    """OK has no `execute` for these methods: one group.getInfo per 100 groups, then per open
    group one group.getCounters (the total) and one mediatopic.getTopics (the window's topics
    fit one page of 50 at 3–4 a week; later nights ask for 3)."""
    return 2 * pages + math.ceil(pages / 100)


def add_ok_pages(rows: list[dict]) -> None:
    from organizations.models import OfficialPage, Organization

    by_name = {org.short_name: org for org in Organization.objects.filter(short_name__in=[r["short_name"] for r in rows])}
    OfficialPage.objects.bulk_create(
        [OfficialPage(organization=by_name[row["short_name"]], network="ok", url=f"https://ok.ru/group/{row['ok_id']}",
                      link_kind="group", link_value=row["ok_id"]) for row in rows]
    )


def ok_scenario(rows: list[dict], rate: int) -> dict:
    """Open groups posting 3–4 topics a week, one application."""
    groups = [
        {"uid": row["ok_id"], "name": row["short_name"], "access_type": "OPEN", "gos_org": True,
         "description": "Школа. 352030, ст. Кущёвская. +7 (86168) 1-23-45, shkola@example.org",
         "topic_series": [{"per_week": [3, 4, 3, 4, 3, 3, 4, 3, 4, 3, 4, 3], "first_week": -12, "text": "Новость #школа"}]}
        for row in rows
    ]
    return {"applications": [{"application_key": OK_KEY, "application_secret_key": OK_SECRET, "access_tokens": [OK_TOKEN]}],
            "requests_per_second": rate, "groups": groups}


def use_ok(sim, rate: int) -> None:
    from django.conf import settings

    settings.OK_API_URL, settings.OK_RATE_LIMIT = sim.url_ok, f"{rate}/second"
    settings.OK_APPLICATION_KEY, settings.OK_APPLICATION_SECRET_KEY, settings.OK_ACCESS_TOKEN = OK_KEY, OK_SECRET, OK_TOKEN


def measure_ok(results: dict) -> None:
    from monitoring.simulator import SimulatorProcess

    rows = registry(PAGES)
    add_ok_pages(rows)
    rate = 200
    sim = SimulatorProcess({"ok": ok_scenario(rows, rate)})
    try:
        use_ok(sim, rate)
        _seconds, run = timed_sweep(sim, ["ok"])
        requests, expected = sim.count("ok"), ok_bound(PAGES)
        by_method = {method: sim.count("ok", method) for method in ("group.getInfo", "group.getCounters", "mediatopic.getTopics")}
        results["ok_requests_over_bound"] = {
            "value": round(requests / expected, 4), "target": "the bound this design reaches", "requests": requests,
            "bound": expected, "bound_formula": "2 × pages + ceil(pages / 100)", "by_method": by_method, "pages": PAGES,
            "simulator_rate": rate, "faults": run.faults,
        }
        results["ok_requests_per_page"] = {"value": round(requests / PAGES, 4), "pages": PAGES}
    finally:
        sim.stop()


def measure_mixed(results: dict) -> None:
    """A sweep of the three networks at their pace, timed against the slowest network alone:
    read at the same time, each under its own limiter, they take no longer than it does."""
    from django.conf import settings

    from monitoring.simulator import SimulatorProcess
    from organizations.models import Organization

    rows = registry(MIXED_PAGES, offset=20_000_000)
    for row in rows:
        row["open"] = False  # one wall.get a VK page: the VK count is the pages, as OK's is twice them
    load_registry(rows)
    add_ok_pages(rows)
    add_max_pages(rows)
    organizations = list(Organization.objects.filter(short_name__in=[row["short_name"] for row in rows]))
    vk_rate, ok_rate, max_rate = MIXED_RATES["vk"], MIXED_RATES["ok"], MIXED_RATES["max"]
    world = scenario(rows, token="bench-mixed", token_type="service", rate=vk_rate, latency_ms=LATENCY_MS)
    sim = SimulatorProcess({**world, "ok": ok_scenario(rows, ok_rate), "max": max_section(rows, max_rate)})
    try:
        settings.VK_API_URL, settings.VK_ACCESS_TOKENS = sim.url_vk, ["bench-mixed"]
        settings.VK_TOKEN_TYPE, settings.VK_RATE_LIMIT = "service", f"{vk_rate}/second"
        use_ok(sim, ok_rate)
        use_max(sim, max_rate)
        seconds, run = timed_sweep(sim, list(MIXED_RATES), organizations)
        requests = {network: sim.count(network) for network in MIXED_RATES}
        alone = {network: requests[network] / MIXED_RATES[network] for network in requests}
        results["sweep_time_over_slowest_network"] = {
            "value": round(seconds / max(alone.values()), 4), "target": "<= 1.10", "seconds": round(seconds, 2),
            "requests": requests, "rate_per_second": MIXED_RATES,
            "seconds_at_rate": {network: round(value, 2) for network, value in alone.items()},
            "max_requests_in_any_second": {network: sim.max_per_window(network) for network in requests},
            "pages_per_network": MIXED_PAGES, "latency_ms": LATENCY_MS, "token": "service", "faults": run.faults,
            "simulator": "own process, as the APIs are",
        }
    finally:
        sim.stop()


def measure_dashboard(results: dict) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.crypto import get_random_string

    from monitoring.models import ChangeEvent, PagePost, Snapshot
    from organizations.models import Membership, Organization
    from tests.factories import UserFactory

    user = UserFactory(username="bench-metodist")
    Membership.objects.create(user=user, role=Membership.Role.METHODOLOGIST)
    client = Client(HTTP_HOST="localhost")  # ALLOWED_HOSTS names only this computer by default (3898ffd)
    client.force_login(user)
    queries: dict[str, int] = {}
    times: dict[str, float] = {}
    for size in (52, 1000, 10000):
        have = Organization.objects.count()
        if have < size:
            load_registry(registry(size - have, offset=have + 10_000_000))
        elif have > size:  # the sweep benchmarks left more than the first size wants
            extra = list(Organization.objects.order_by("-pk").values_list("pk", flat=True)[: have - size])
            # A page's history keeps its page (PROTECT, since 67acc02): the sweeps' history goes first.
            for history in (ChangeEvent, Snapshot, PagePost):
                history.objects.filter(page__organization__in=extra).delete()
            Organization.objects.filter(pk__in=extra).delete()
        client.get("/dashboard/")  # warm caches
        # The computation is what scales with the district: the rows kept between looks
        # (reports.cache) are dropped before each measured one.
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/dashboard/")
        assert response.status_code == 200
        queries[str(size)] = len(captured)
        samples = []
        for _ in range(DASHBOARD_SAMPLES):
            cache.clear()
            started = time.perf_counter()
            client.get("/dashboard/")
            samples.append(time.perf_counter() - started)
        times[str(size)] = statistics.median(samples)
    results["dashboard_queries"] = {"value": queries, "target": "equal at every size", "page_size": 100}
    results["dashboard_time_ratio"] = {
        "value": round(times["10000"] / times["52"], 3), "target": "<= 3", "seconds": {k: round(v, 4) for k, v in times.items()},
        "samples_per_size": DASHBOARD_SAMPLES,
    }
    organization = Organization.objects.order_by("pk").first()
    # A browser after the login form has its CSRF cookie: a page is kept whole only for one (reports.cache).
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/org/{organization.pk}/")
    with CaptureQueriesContext(connection) as kept:
        client.get(f"/org/{organization.pk}/")
    # 15 until §3.6 added the audience history and the comments waiting for an answer, 17 until the
    # page was kept whole for its reader, which reads their rows and the versions first (the same
    # limit as reports/tests/test_organization_page.py); a second look is served the kept page.
    results["organization_page_queries"] = {"value": len(captured), "target": "<= 21", "kept_page_queries": len(kept)}


def measure_storage(results: dict) -> None:
    from django.db import connection

    from monitoring.models import PagePost, Snapshot

    posts = PagePost.objects.count()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('monitoring_pagepost'), pg_total_relation_size('monitoring_snapshot')")
            post_bytes, snapshot_bytes = cursor.fetchone()
        else:
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'monitoring_pagepost%'")
            post_bytes = cursor.fetchone()[0] or 0
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'monitoring_snapshot%'")
            snapshot_bytes = cursor.fetchone()[0] or 0
    snapshots = max(Snapshot.objects.count(), 1)
    per_post = post_bytes / max(posts, 1)
    per_snapshot = snapshot_bytes / snapshots
    # A page-year: 365 nightly snapshots and ~4 posts a week.
    results["storage_bytes_per_page_year"] = {
        "value": round(365 * per_snapshot + 52 * 4 * per_post),
        "bytes_per_post": round(per_post), "bytes_per_snapshot_with_raw": round(per_snapshot),
        "assumes": "365 snapshots and 208 posts per page-year; raw JSON pruned after RuleSettings.raw_retention_days",
    }


def write(results: dict) -> None:
    results["_machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "database": os.environ["DATABASE_URL"].split(":", 1)[0]}
    (BENCH / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = ["# Benchmark results", "", f"Pages: {PAGES}; database: {results['_machine']['database']}; "
             f"CPUs: {results['_machine']['cpus']}.", "", "| figure | value | target | inputs |", "|---|---|---|---|"]
    for key, entry in results.items():
        if key.startswith("_"):
            continue
        inputs = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("value", "target"))
        lines.append(f"| `{key}` | {entry['value']} | {entry.get('target', '')} | {inputs} |")
    (BENCH / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    setup_django()
    results: dict = {}
    measure_sweeps(results)
    measure_storage(results)
    measure_manual(results)
    measure_comments(results, registry(PAGES), scenario=scenario, sweep=vk_sweep, reset=reset_monitoring)
    measure_ok(results)
    measure_max(results, registry(PAGES), timed_sweep)
    measure_mixed(results)
    measure_workers(results)
    measure_dashboard(results)
    measure_load(results)
    measure_region(results)  # last: it clears what the others left
    write(results)


if __name__ == "__main__":
    main()
