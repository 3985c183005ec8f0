"""Load: 50 concurrent logged-in users on the dashboard and organization pages, against
gunicorn + PostgreSQL on loopback.

The bench process already has Django set up on its own database, so everything here runs
in subprocesses: a fresh PostgreSQL database (govpublic_bench_load, or BENCH_LOAD_DB) is created, migrated and
filled with the demo district (demo_setup, demo_paperwork, a sweep through the built-in
simulator) plus the load users; gunicorn serves it; plain `requests` sessions in threads
play the users (log in through the form with CSRF, then loop over the pages a person uses,
no think time: the closed loop is the harshest 50 users can be). gunicorn is stopped and the
database dropped whatever happens.

PostgreSQL: the server of DATABASE_URL when that is a postgres URL, else 127.0.0.1:5432 as
postgres. The load database is always a separate one, so the figure does not depend on
what the other measurements left behind; BENCH_LOAD_DB names another one, so that two runs on
one server do not drop each other's. BENCH_LOAD_SECONDS shortens the run (default 60).

After the page mix, the same gunicorn serves the same number of clients asking only for
`/healthz` (no database, no session, no template) for BENCH_LOAD_HEALTHZ_SECONDS (default a
third of the mix's, at least 10): `portal_rps_ratio` is the mix's requests a second divided by
that ceiling, so the figure says how far the pages are from what this machine, this server and
this client can do at all, whatever else shares the machine at the time.

`python -m bench.load` runs this part alone and prints its entries.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_LOAD_DB") or "govpublic_bench_load"
USERS = 50
METHODOLOGISTS = 10  # the rest are staff, one per organization
WORKERS, THREADS = 2, 4
TIMEOUT_SECONDS = 30  # a request slower than gunicorn's own worker timeout counts as an error
PASSWORD = "load-bench-" + secrets.token_hex(8)
MARKER = "LOAD-USERS-JSON:"

# Run inside `manage.py shell -c` on the load database: the load users and the organizations.
USERS_SCRIPT = r"""
import json, os
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from organizations.management.commands.demo_setup import DEMO_DISTRICT
from organizations.models import District, Membership, Organization

users, methodologists = int(os.environ["LOAD_USERS"]), int(os.environ["LOAD_METHODOLOGISTS"])
district = District.objects.get(name=DEMO_DISTRICT)
organizations = list(Organization.objects.filter(district=district).order_by("pk").values_list("pk", flat=True))
assert len(organizations) >= users - methodologists, (len(organizations), users - methodologists)
password = make_password(os.environ["LOAD_PASSWORD"])  # one hash: 50 PBKDF2 runs would only cost time
User = get_user_model()
made = []
with transaction.atomic():
    for n in range(users):
        user = User.objects.create(username=f"load{n:02d}", password=password, first_name="Нагрузка", last_name=str(n))
        if n < methodologists:
            # half scoped to the demo district, half to the whole region
            Membership.objects.create(user=user, role=Membership.Role.METHODOLOGIST,
                                      district=district if n % 2 == 0 else None)
            made.append({"username": user.username, "role": "methodologist" if n % 2 == 0 else "coordinator",
                         "organization": None})
        else:
            organization = organizations[n - methodologists]
            Membership.objects.create(user=user, role=Membership.Role.STAFF, organization_id=organization)
            made.append({"username": user.username, "role": "staff", "organization": organization})
print("LOAD-USERS-JSON:" + json.dumps({"users": made, "organizations": organizations}))
"""


def postgres_server() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        parts = urlsplit(url)
        return {"host": parts.hostname or "127.0.0.1", "port": parts.port or 5432, "user": parts.username or "postgres",
                "password": parts.password or ""}
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}


def postgres_admin(server: dict, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", host=server["host"], port=server["port"], user=server["user"],
                                  password=server["password"] or None, connect_timeout=10)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def database_url(server: dict, name: str) -> str:
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgres://{auth}@{server['host']}:{server['port']}/{name}"


def _child_env(database_url: str, workdir: Path) -> dict:
    env = dict(os.environ)
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECURE_SSL_REDIRECT", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "govpublic.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE": "0",
        "DEBUG": "0",
        "AXES_FAILURE_LIMIT": "1000",
        "RATE_LIMIT_STORAGE_URL": "",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        "PYTHONUNBUFFERED": "1",
    })
    env.setdefault("DB_CONN_MAX_AGE", "60")  # the settings' default, written out so the results can name it
    # As the README deploys a portal of more than one worker: Redis shared by the workers (kept
    # pages, sessions). BENCH_LOAD_CACHE_URL names another one; "none" measures each process's
    # own memory instead.
    cache_url = os.environ.get("BENCH_LOAD_CACHE_URL", "redis://127.0.0.1:6379/13")
    env.pop("CACHE_URL", None)
    if cache_url != "none":
        env["CACHE_URL"] = cache_url
    return env


def _manage(env: dict, *args: str) -> str:
    completed = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:1])} failed ({completed.returncode}):\n"
                           f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
    return completed.stdout


def _prepare(env: dict) -> dict:
    if env.get("CACHE_URL"):  # nothing kept by an earlier run (the Redis database is the bench's own)
        _manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()")
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "demo_setup")
    _manage(env, "demo_paperwork")
    _manage(env, "rundemo", "--no-serve")
    out = _manage(env | {"LOAD_USERS": str(USERS), "LOAD_METHODOLOGISTS": str(METHODOLOGISTS),
                         "LOAD_PASSWORD": PASSWORD}, "shell", "-c", USERS_SCRIPT)
    line = next(line for line in out.splitlines() if line.startswith(MARKER))
    return json.loads(line[len(MARKER):])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    import requests

    port = _free_port()
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "govpublic.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         "--threads", str(THREADS), "--timeout", str(TIMEOUT_SECONDS), "--graceful-timeout", "10"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            if requests.get(f"{url}/accounts/login/", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    _stop_gunicorn(process)
    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log_path.read_text(errors='replace')[-4000:]}")


def _stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the master stops its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers only
        process.wait(timeout=10)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.examples: list[str] = []
        self.keepalive_retries = 0

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.examples) < 10:
                self.examples.append(f"{kind}: {what}")


def _login(session, url: str, username: str, tally: Tally) -> bool:
    import requests

    started = time.perf_counter()
    try:
        form = session.get(f"{url}/accounts/login/", timeout=TIMEOUT_SECONDS)
        match = CSRF_INPUT.search(form.text)
        if form.status_code != 200 or not match:
            tally.error("login", f"{username}: login form {form.status_code}")
            return False
        response = session.post(f"{url}/accounts/login/", timeout=TIMEOUT_SECONDS, allow_redirects=False,
                                data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)})
    except requests.RequestException as exc:
        tally.error("login", f"{username}: {type(exc).__name__}: {exc}")
        return False
    if response.status_code != 302 or "login" in response.headers.get("Location", "") or "sessionid" not in session.cookies:
        tally.error("login", f"{username}: POST {response.status_code} → {response.headers.get('Location')}")
        return False
    tally.ok("login", time.perf_counter() - started)
    return True


def _pages(user: dict, organizations: list[int], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, path) in the order a person goes through them; a methodologist opens a random
    organization, the region's coordinator also the districts side by side."""
    if user["role"] == "staff":
        return [("org_own", f"/org/{user['organization']}/"), ("tasks", "/tasks/")]
    pages = [("dashboard", "/dashboard/"), ("dashboard_vk_regular", "/dashboard/?criterion=vk_regular"),
             ("org", f"/org/{rng.choice(organizations)}/"), ("matrix", "/matrix/")]
    return pages + [("region", "/region/")] if user["role"] == "coordinator" else pages


def _get(session, url: str, tally: Tally):
    """GET without redirects (a lost session would land on a 200 login page). As browsers do
    (RFC 9112 §9.3.1), a GET whose kept-alive connection the server closed or reset before any
    answer is sent once more, on a new connection: gunicorn's gthread worker closes an idle
    connection when its keep-alive runs out even if the next request has just arrived (a reset
    when its bytes are unread), which a loaded 2-core machine makes likely. Each such retry is
    counted in the results; the time of both attempts counts in the latency."""
    import requests

    try:
        response = session.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.ConnectionError as exc:
        if "RemoteDisconnected" not in str(exc) and "Connection reset by peer" not in str(exc):
            raise
        with tally.lock:
            tally.keepalive_retries += 1
        response = session.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    response.content
    return response


def _user(url: str, user: dict, organizations: list[int], start: threading.Barrier, window: list[float],
          tally: Tally, seed: int) -> int:
    import requests

    rng = random.Random(seed)
    with requests.Session() as session:
        logged_in = _login(session, url, user["username"], tally)
        start.wait()  # everyone logged in (or failed to): the measured window starts together
        if not logged_in:
            return 0
        done = 0
        while time.monotonic() < window[0]:
            for kind, path in _pages(user, organizations, rng):
                if time.monotonic() >= window[0]:
                    break
                started = time.perf_counter()
                try:
                    response = _get(session, url + path, tally)
                except requests.RequestException as exc:
                    tally.error(kind, f"{path}: {type(exc).__name__}: {exc}")
                else:
                    if response.status_code == 200:
                        tally.ok(kind, time.perf_counter() - started)
                    else:
                        tally.error(kind, f"{path}: HTTP {response.status_code} {response.headers.get('Location', '')}")
                done += 1
        return done


def _healthz_client(url: str, start: threading.Barrier, window: list[float], tally: Tally) -> int:
    """A client of the trivial page: no login, so not even the session is read for it."""
    import requests

    with requests.Session() as session:
        start.wait()
        done = 0
        while time.monotonic() < window[0]:
            started = time.perf_counter()
            try:
                response = _get(session, url + "/healthz", tally)
            except requests.RequestException as exc:
                tally.error("healthz", f"{type(exc).__name__}: {exc}")
            else:
                if response.status_code == 200:
                    tally.ok("healthz", time.perf_counter() - started)
                else:
                    tally.error("healthz", f"HTTP {response.status_code}")
            done += 1
        return done


def _starting_line(clients: int, seconds: int) -> tuple[threading.Barrier, list[float], list[float]]:
    """A barrier the clients wait at, and the measured window it opens when the last arrives:
    (barrier, [end of the window], [its start])."""
    window = [float("inf")]
    started: list[float] = []

    def open_window():
        started.append(time.monotonic())
        window[0] = started[0] + seconds

    return threading.Barrier(clients, action=open_window), window, started


def _run_healthz(url: str, clients: int, seconds: int) -> dict:
    tally = Tally()
    barrier, window, started = _starting_line(clients, seconds)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        counts = list(pool.map(lambda _n: _healthz_client(url, barrier, window, tally), range(clients)))
    return {"tally": tally, "requests": sum(counts), "elapsed": time.monotonic() - started[0]}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]  # nearest rank


def _run(url: str, prepared: dict, seconds: int) -> dict:
    users, organizations = prepared["users"], prepared["organizations"]
    tally = Tally()
    barrier, window, started = _starting_line(len(users), seconds)
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        futures = [pool.submit(_user, url, user, organizations, barrier, window, tally, n)
                   for n, user in enumerate(users)]
        counts = [future.result() for future in futures]
    elapsed = time.monotonic() - started[0]
    return {"tally": tally, "requests": sum(counts), "elapsed": elapsed}


def measure_load(results: dict) -> None:
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    healthz_seconds = int(os.environ.get("BENCH_LOAD_HEALTHZ_SECONDS", "0") or 0) or max(10, seconds // 3)
    server = postgres_server()
    workdir = Path(tempfile.mkdtemp(prefix="govpublic-load-"))
    env = _child_env(database_url(server, DB_NAME), workdir)
    gunicorn = None
    created = False
    print(f"load: preparing {DB_NAME} on {server['host']}:{server['port']} …", flush=True)
    try:
        postgres_admin(server, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')  # left over by a killed run
        postgres_admin(server, f'CREATE DATABASE "{DB_NAME}"')
        created = True
        prepared = _prepare(env)
        gunicorn, url = _start_gunicorn(env, workdir / "gunicorn.log")
        print(f"load: {len(prepared['users'])} users for {seconds} s against {url} …", flush=True)
        load_before = os.getloadavg()[0]  # other work on the machine shares the CPUs with the server
        outcome = _run(url, prepared, seconds)
        load_after = os.getloadavg()[0]
        print(f"load: {len(prepared['users'])} clients of /healthz for {healthz_seconds} s …", flush=True)
        healthz = _run_healthz(url, len(prepared["users"]), healthz_seconds)
        server_log = (workdir / "gunicorn.log").read_text(errors="replace")
    finally:
        if gunicorn is not None:
            _stop_gunicorn(gunicorn)
        if created:
            postgres_admin(server, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)

    tally: Tally = outcome["tally"]
    page_latencies = [v for kind, values in tally.latencies.items() if kind != "login" for v in values]
    errors = sum(tally.errors.values())
    page_errors = sum(n for kind, n in tally.errors.items() if kind != "login")
    inputs = {
        "requests": outcome["requests"], "users": len(prepared["users"]), "seconds": seconds,
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads, PostgreSQL",
        "think_ms": 0, "db_conn_max_age": int(env["DB_CONN_MAX_AGE"] or 60),
        "cache": env.get("CACHE_URL") or "each process's memory",
    }
    mix = {
        "mix": f"{METHODOLOGISTS} methodologists, half the district's, half the region's coordinators (/dashboard/, "
               f"/dashboard/?criterion=vk_regular, /org/<random>/, /matrix/, and /region/ for coordinators), "
               f"{USERS - METHODOLOGISTS} staff (/org/<own>/, /tasks/)",
        "client": "requests.Session per user in threads, same host", "cpus": os.cpu_count(),
        "loadavg_1min_before_after": f"{load_before:.2f}/{load_after:.2f}",
    }
    if not page_latencies:
        raise RuntimeError(f"load: no successful page request; errors: {tally.errors}; {tally.examples}")
    p = {kind: (round(1000 * statistics.median(values), 1), round(1000 * _percentile(values, 0.95), 1))
         for kind, values in sorted(tally.latencies.items())}
    healthz_tally: Tally = healthz["tally"]
    healthz_latencies = healthz_tally.latencies.get("healthz", [])
    if not healthz_latencies:
        raise RuntimeError(f"load: no successful /healthz request; errors: {healthz_tally.errors}; {healthz_tally.examples}")
    errors += sum(healthz_tally.errors.values())
    mix_rps = outcome["requests"] / outcome["elapsed"]
    healthz_rps = healthz["requests"] / healthz["elapsed"]
    results["load_errors"] = {"value": errors, "target": "0", **inputs, **mix, "logins": len(tally.latencies.get("login", [])),
                              "page_errors": page_errors, "by_kind": {**tally.errors, **healthz_tally.errors},
                              "examples": tally.examples + healthz_tally.examples,
                              "server_log_tracebacks": server_log.count("Traceback"),
                              "keepalive_retries": tally.keepalive_retries + healthz_tally.keepalive_retries}
    results["load_p50_ms"] = {"value": round(1000 * statistics.median(page_latencies), 1), **inputs}
    results["load_p95_ms"] = {"value": round(1000 * _percentile(page_latencies, 0.95), 1), **inputs,
                              "p50_p95_ms_by_page": p}
    for kind, values in sorted(tally.latencies.items()):
        if kind != "login":
            results[f"load_p95_ms_{kind}"] = {"value": p[kind][1], "p50_ms": p[kind][0], "requests": len(values),
                                              "seconds": seconds, "db_conn_max_age": inputs["db_conn_max_age"]}
    results["load_requests_per_second"] = {"value": round(mix_rps, 1), **inputs,
                                           "elapsed_s": round(outcome["elapsed"], 2)}
    results["load_p95_ms_healthz"] = {
        "value": round(1000 * _percentile(healthz_latencies, 0.95), 1),
        "p50_ms": round(1000 * statistics.median(healthz_latencies), 1), "requests": healthz["requests"],
        "seconds": healthz_seconds, "clients": len(prepared["users"]),
    }
    results["load_healthz_requests_per_second"] = {
        "value": round(healthz_rps, 1), "requests": healthz["requests"], "clients": len(prepared["users"]),
        "seconds": healthz_seconds, "elapsed_s": round(healthz["elapsed"], 2), "page": "/healthz (no database, no session)",
        "server": inputs["server"], "after": "the page mix, same gunicorn",
    }
    results["portal_rps_ratio"] = {
        "value": round(mix_rps / healthz_rps, 3), "target": ">= 0.5", "mix_rps": round(mix_rps, 1),
        "healthz_rps": round(healthz_rps, 1), "users": len(prepared["users"]),
        "db_conn_max_age": inputs["db_conn_max_age"], "cpus": os.cpu_count(),
    }
    if errors:
        print(f"load: {errors} errors: {tally.errors}; e.g. {tally.examples[:3]}", flush=True)
        print("load: gunicorn log (tail):\n" + server_log[-8000:], flush=True)


if __name__ == "__main__":
    # This part alone: `python -m bench.load` (BENCH_LOAD_DB, BENCH_LOAD_SECONDS as above).
    alone: dict = {}
    measure_load(alone)
    for key, entry in alone.items():
        rest = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("value", "target"))
        print(f"{key}: {entry['value']} {entry.get('target', '')}  ({rest})")
