"""Workers: how much sooner two Celery worker processes with two VK tokens sweep 1,000 pages
than one process does, on PostgreSQL and Redis (the set-up of tests/services/scale.py, whose
test checks the behaviour: the work shared, every page once, neither token above its rate).

The bench process has Django set up on its own database, so the sweeps run in a child
(`python -m bench.workers`) on a fresh PostgreSQL database (govpublic_bench_workers, dropped
whatever happens) with its own Redis databases, so a service test running meanwhile is not
disturbed. Without PostgreSQL or Redis the figure is recorded as not measured, with why.

One process reads a batch's two shards one after the other, so it only ever draws on one
token's budget: ≈1,020 requests (1,000 wall.get, 20 groups.getById) at ≤ 20/s plus storing,
≈ 53 s. Two processes take batches of opposite parity, whose shards start on opposite tokens,
so they mostly draw on both budgets at once: the physics allows about half (≈ 0.5), measured
0.54–0.59 on a 2-core machine running both workers, PostgreSQL and the simulator. 0.75 leaves
room for the processes meeting on one token now and then and the last batch having one worker
to itself, while one process could never reach it (it never has more than the rate of one
token), nor could two processes on one token.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.load import database_url, postgres_admin, postgres_server

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "govpublic_bench_workers"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
BROKER = f"{REDIS}/10"  # the limiter's window goes to /12 (tests.services.helpers.worker_env)
TARGET = "<= 0.75"
MARKER = "BENCH-WORKERS-JSON:"


def _unreachable(server: dict) -> str:
    """Why the services are missing, or "" when both answer."""
    import redis

    try:
        postgres_admin(server, "SELECT 1")
    except Exception as exc:  # noqa: BLE001 (any failure means "no PostgreSQL here")
        return f"PostgreSQL unreachable at {server['host']}:{server['port']}: {type(exc).__name__}"
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 (any failure means "no Redis here")
        return f"Redis unreachable at {BROKER}: {type(exc).__name__}"
    return ""


def measure_workers(results: dict) -> None:
    from tests.services.scale import BATCH_SIZE, LATENCY_MS, PAGES, RATE, TOKENS

    server = postgres_server()
    if reason := _unreachable(server):
        print(f"workers: not measured ({reason})", flush=True)
        results["workers_two_over_one"] = {"value": "not measured", "target": TARGET, "reason": reason}
        return
    env = {name: value for name, value in os.environ.items() if not name.startswith("CELERY_")}
    env.update(DJANGO_SETTINGS_MODULE="govpublic.settings", DATABASE_URL=database_url(server, DB_NAME),
               CELERY_BROKER_URL=BROKER, GOVPUBLIC_CELERY_TEST_BROKER=BROKER, LOG_LEVEL="WARNING")
    print(f"workers: one, then two worker processes sweeping {PAGES} pages on {DB_NAME} …", flush=True)
    postgres_admin(server, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')  # left over by a killed run
    postgres_admin(server, f'CREATE DATABASE "{DB_NAME}"')
    try:
        completed = subprocess.run([sys.executable, "-m", "bench.workers"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=1800)
    finally:
        postgres_admin(server, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    line = next((line for line in completed.stdout.splitlines() if line.startswith(MARKER)), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"bench.workers failed ({completed.returncode}):\n{completed.stdout[-2000:]}\n"
                           f"{completed.stderr[-4000:]}")
    one, two = json.loads(line[len(MARKER):])
    results["workers_two_over_one"] = {
        "value": round(two["seconds"] / one["seconds"], 3), "target": TARGET,
        "seconds": [one["seconds"], two["seconds"]], "requests": [one["requests"], two["requests"]],
        "pages": PAGES, "tokens": len(TOKENS), "rate_per_token": RATE, "latency_ms": LATENCY_MS,
        "batch_size": BATCH_SIZE, "batches_per_worker": two["batches_per_worker"],
        "max_requests_in_any_second_per_token": two["peaks"], "faults": [one["faults"], two["faults"]],
        "server": "celery prefork, concurrency 1 per process, Redis broker and limiter, PostgreSQL",
        "timed": "from dispatch to the run's notifications, workers already started",
    }


def _sweeps() -> list[dict]:
    """In the child: the same registry swept by one, then by two worker processes."""
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from monitoring.simulator import token_hash
    from tests.services.scale import TOKENS, batches_done, build_registry, reset_monitoring, sweep_with_workers

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(BROKER).flushdb()  # tasks a killed run left queued
    build_registry()
    folder = Path(tempfile.mkdtemp(prefix="govpublic-bench-workers-"))
    figures = []
    try:
        for processes in (1, 2):
            reset_monitoring()
            run, seconds, simulator, workers = sweep_with_workers(processes, folder, f"{processes}-workers")
            figures.append({
                "seconds": round(seconds, 2), "requests": simulator.count("vk"), "faults": run.faults,
                "peaks": [simulator.max_per_window("vk", token=token_hash(token)) for token in TOKENS],
                "batches_per_worker": [batches_done(worker) for worker in workers],
            })
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        redis.Redis.from_url(BROKER).flushdb()
    return figures


if __name__ == "__main__":
    print(MARKER + json.dumps(_sweeps()), flush=True)
