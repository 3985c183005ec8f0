"""Computed page data kept between requests (issue 14, item 6): the dashboard's rows and totals
cost a methodologist's request most of its time, and they change only when the data behind
them does. An entry is found by what it was computed from, never invalidated by hand:

- who looks: the scope (a district or the whole region), not the person, so no name, menu or
  CSRF token is ever kept — only data the page renders around them;
- what they asked: the filters and the page number, and the language the words are in;
- the data's version: the last finished sweep, today's date (due dates turn overdue at midnight),
  the checklist items and the rule settings the view reads anyway, and one query over the tables
  that change between sweeps (checklist entries, pages, page states, organizations) — every
  process sees the same version, so a review in one gunicorn worker is seen by the next request
  in any other, even when each keeps its own memory cache;
- a counter that a save of those models bumps: for what the query cannot see (a renamed
  organization), at once where the cache is shared (Redis), else within TIMEOUT;
- TIMEOUT bounds what no row records: comments turning «more than a day without an answer».

The same key names the HTML of a page's table (`{% cache %}` in its template): that part shows
data only, the same for everyone of the scope; the menu and the forms around it are rendered
for each request.

A page about one organization is keyed the same way with that organization's version instead
of the district's (`organization_version`), so that a change at one school does not drop every
other school's page. Its kept HTML has holes for what must never be shared or kept: the CSRF
token of each form (`CSRF_HOLE`, filled with the reader's own) and parts that move with the
clock (`hole`, kept apart a minute at most), filled on each request by `filled`.

A page a person opens again and again (their organization, «Мои задачи», the dashboard, the
checklist matrix) is also kept whole, menu and tokens and all, for that browser's session
(`keep_page`, `KeptPagesMiddleware`): the next look is one cache round trip (the page, the
counter and, with cached_db sessions, the session) and one query (`kept_versions`: the reader's
account and membership, and the data's versions), no view. It is found by the session, the CSRF
secret its forms' tokens are made of, the address and the language, and served while it is less
than PAGE_SECONDS old, the session holds the same login, the day and the counter are the same
and the versions read the same, so a changed password, a deactivation or a new role ends it at
the next look, whichever process or script wrote it. The checklist's items and the rule settings
are not read: their saves move the counter, and a bulk write to them shows within PAGE_SECONDS,
as does what moves with the clock. A page with a message for the reader is drawn anew and not
kept.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any, Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSession
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

TIMEOUT = 300
GENERATION_KEY = "reports:data-generation"


def generation() -> int:
    return cache.get(GENERATION_KEY) or 0


def bump_generation(**_kwargs) -> None:
    """A model the dashboard shows was saved or deleted: entries computed before are not used again."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet, or evicted: start it; a lost race only bumps it twice
        cache.add(GENERATION_KEY, 1, timeout=None)
        cache.incr(GENERATION_KEY)


def _user_saved(update_fields=None, **kwargs) -> None:
    """A name shown in an organization's history changed. A login only writes `last_login`,
    which no page shows: it must not drop every kept page."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_generation()


def connect_signals() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(forget_prepared, weak=False, dispatch_uid="reports.cache.forget_prepared")

    from checklist.models import ChecklistEntry, ChecklistItem
    from monitoring.models import PageState, RuleSettings
    from organizations.models import District, OfficialPage, Organization

    for model in (ChecklistEntry, ChecklistItem, RuleSettings, PageState, OfficialPage, Organization, District):
        for signal in (post_save, post_delete):
            signal.connect(bump_generation, sender=model, weak=False, dispatch_uid=f"reports.cache.{model.__name__}.{signal}")
    user = get_user_model()
    post_save.connect(_user_saved, sender=user, weak=False, dispatch_uid="reports.cache.user.post_save")
    post_delete.connect(bump_generation, sender=user, weak=False, dispatch_uid="reports.cache.user.post_delete")


def _rows_version_columns() -> list[str]:
    from checklist.models import ChecklistEntry
    from monitoring.models import PageState, SweepRun
    from organizations.models import OfficialPage, Organization

    entries, pages = ChecklistEntry._meta.db_table, OfficialPage._meta.db_table
    states, organizations = PageState._meta.db_table, Organization._meta.db_table
    runs = SweepRun._meta.db_table
    return [
        f"(SELECT COUNT(*) FROM {entries})", f"(SELECT MAX(updated_at) FROM {entries})",
        f"(SELECT COUNT(*) FROM {pages})", f"(SELECT MAX(updated_at) FROM {pages})",
        f"(SELECT COUNT(*) FROM {states})", f"(SELECT MAX(checked_at) FROM {states})",
        f"(SELECT COUNT(*) FROM {organizations})", f"(SELECT MAX(id) FROM {organizations})",
        f"(SELECT COUNT(*) FROM {runs})", f"(SELECT MAX(finished_at) FROM {runs})",
    ]


def rows_version() -> tuple:
    """Counts and latest changes of the rows a dashboard is computed from, in one query. A count
    catches a deletion, a latest date an edit (entries and pages carry `updated_at`; a sweep
    writes `checked_at` on the page states it reads, also in bulk where no signal fires), and
    the sweep runs: a dashboard names the last one."""
    return tuple(_select_rows("rows_version", "SELECT " + ", ".join(_rows_version_columns()), [])[0])


def _organization_version_parts() -> list[tuple[int, list[str], str]]:
    """(section, columns, FROM … WHERE with one parameter: the organization) of `organization_version`."""
    from checklist.models import ChecklistEntry, EntryEvent, EvidenceRevision
    from monitoring.models import ChangeEvent, PageComment, PagePost, Snapshot
    from organizations.models import OfficialPage

    entries, pages = ChecklistEntry._meta.db_table, OfficialPage._meta.db_table
    revisions, events = EvidenceRevision._meta.db_table, EntryEvent._meta.db_table
    changes, posts, snapshots = ChangeEvent._meta.db_table, PagePost._meta.db_table, Snapshot._meta.db_table
    comments = PageComment._meta.db_table
    of_entries = f"JOIN {entries} e ON e.id = t.entry_id WHERE e.organization_id = %s"
    of_pages = f"JOIN {pages} p ON p.id = t.page_id WHERE p.organization_id = %s"
    counted = ["COUNT(*)", "MAX(t.id)"]
    return [
        (1, [*counted, "MAX(t.updated_at)", "0"], f"FROM {entries} t WHERE t.organization_id = %s"),
        (2, [*counted, "NULL", "0"], f"FROM {revisions} t {of_entries}"),
        (3, [*counted, "NULL", "0"], f"FROM {events} t {of_entries}"),
        (4, [*counted, "MAX(t.acknowledged_at)", "COUNT(t.acknowledged_at)"], f"FROM {changes} t WHERE t.organization_id = %s"),
        (5, [*counted, "MAX(t.updated_at)", "0"], f"FROM {posts} t {of_pages}"),
        (6, [*counted, "NULL", "0"], f"FROM {snapshots} t {of_pages}"),
        (7, [*counted, "NULL", "COUNT(CASE WHEN t.answered THEN 1 END)"], f"FROM {comments} t {of_pages}"),
    ]


def organization_version(organization_id: int) -> tuple:
    """`rows_version` for one organization, in one query: per table, the count, the latest id
    and the latest change of what its page is made of beyond the rows the view reads anyway
    (the organization, its pages and their states): checklist entries, their documents and
    events, change events and their acknowledgement, and its pages' posts, snapshots and people's
    comments (of detached pages too: their history is shown). A row added, changed or removed at another
    organization leaves it as it is."""
    parts = _organization_version_parts()
    sql = " UNION ALL ".join(f"SELECT {n}, {', '.join(columns)} {rest}" for n, columns, rest in parts)
    return tuple(sorted(_select_rows("organization_version", sql, [organization_id] * len(parts))))


def key(name: str, *parts: Any, version: Callable[[], tuple] = rows_version) -> str:
    """The cache key of `name` for these parts, plus the language, the date, the counter and the
    rows' version (json.dumps with str for dates and model-free values); `version` reads another
    version than the whole district's rows (`organization_version`)."""
    identity = json.dumps([*parts, get_language(), timezone.localdate(), generation(), version()], default=str)
    return f"reports:{name}:{hashlib.sha256(identity.encode()).hexdigest()}"


def computed(cache_key: str, compute: Callable[[], Any]) -> Any:
    """The value `compute` returns for the key (of `key`), from the cache when it was computed already."""
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, TIMEOUT)
    return value


# A value the `{% csrf_token %}` tag writes as is; `filled` puts the reader's own token in its place.
CSRF_HOLE = "kept-csrf-token"


def hole(name: str) -> SafeString:
    """Where kept HTML leaves room for a part rendered on each request. Escaped data cannot
    spell it (it starts with «<»), so only the template's own hole is filled."""
    return mark_safe(f"<!--kept-hole:{name}-->")


def filled(html: str, request, **parts: str) -> SafeString:
    """Kept HTML made this request's: each form gets the reader's CSRF token (every form of a
    page may carry the same one), each hole its part."""
    html = html.replace(f'name="csrfmiddlewaretoken" value="{CSRF_HOLE}"',
                        f'name="csrfmiddlewaretoken" value="{get_token(request)}"')
    for name, part in parts.items():
        html = html.replace(hole(name), part)
    return mark_safe(html)


# --- whole pages, kept for their reader -------------------------------------------------------

PAGE_SECONDS = 60  # a kept page is a minute old at most: ages and «ждёт N часов» move with the clock


def _select_rows(name: str, sql: str, params: list) -> list[tuple]:
    """The rows of one of the versions read on every look at a kept page. On PostgreSQL the
    statement is prepared once per connection (`name`): planning the version of an organization
    cost twice what running it does. A prepared statement outlives a rolled-back transaction and
    ends with its connection, when Django's `connection_created` starts a new list."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchall()
        # The thread's own connection, not the proxy `connection` that every thread shares.
        prepared = connections[DEFAULT_DB_ALIAS].__dict__.setdefault("govpublic_prepared", set())
        statement = f"govpublic_{name}"
        if statement not in prepared:
            numbered = iter(range(1, len(params) + 1))
            cursor.execute(f"PREPARE {statement} AS " + re.sub("%s", lambda _m: f"${next(numbered)}", sql))
            prepared.add(statement)
        cursor.execute(f"EXECUTE {statement}" + (f"({', '.join(['%s'] * len(params))})" if params else ""), params)
        return cursor.fetchall()


def forget_prepared(sender, connection, **kwargs) -> None:
    """A new database connection has no prepared statements (`_select_rows`)."""
    connection.__dict__["govpublic_prepared"] = set()


def _row_stamp(model, alias: str, *, leave_out: tuple[str, ...] = ()) -> list[str]:
    """What tells a row's every change: on PostgreSQL its id and where and by which transaction
    this version of it was written (`ctid`, `xmin`: every UPDATE, a bulk one too, writes a new
    version, at a new place even within one transaction; casting a wide row to text cost most of
    a kept page's query), elsewhere all its columns but `leave_out`."""
    if connection.vendor == "postgresql":
        return [f"{alias}.{model._meta.pk.column}", f"{alias}.xmin", f"{alias}.ctid"]
    return [f"{alias}.{field.column}" for field in model._meta.concrete_fields if field.name not in leave_out]


def _as_text(columns: list[str]) -> str:
    """Columns as one text, NULL spelt apart from any value: one shape for every part of `_kept_sql`."""
    return " || '|' || ".join(f"COALESCE(CAST({column} AS TEXT), '~')" for column in columns)


@functools.cache
def _kept_sql(kinds: tuple[str, ...]) -> tuple[str, int]:
    """One statement for everything a kept page is checked against (`kept_versions`), as rows of
    (part, order, text), and how many parameters each kind takes after the reader's one."""
    from monitoring.models import PageState, SweepRun
    from organizations.models import Membership, OfficialPage, Organization

    user = get_user_model()
    # On PostgreSQL a login's `last_login` makes a new version of the user's row: one more draw.
    reader = _row_stamp(user, "u", leave_out=("last_login",)) + _row_stamp(Membership, "m")
    selects = [f"SELECT 0, m.id, {_as_text(reader)} FROM {user._meta.db_table} u"
               f" LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id WHERE u.id = %s"]
    for number, kind in enumerate(kinds, start=1):
        if kind == "organization":
            rows = (_row_stamp(Organization, "o") + _row_stamp(OfficialPage, "p") + _row_stamp(PageState, "s")
                    + _row_stamp(SweepRun, "r"))
            selects.append(
                f"SELECT {number}, p.id, {_as_text(rows)} FROM {Organization._meta.db_table} o"
                f" LEFT JOIN {OfficialPage._meta.db_table} p ON p.organization_id = o.id"
                f" LEFT JOIN {PageState._meta.db_table} s ON s.page_id = p.id"
                f" LEFT JOIN {SweepRun._meta.db_table} r ON r.id = s.last_run_id WHERE o.id = %s")
            selects += [f"SELECT {number}, {-section}, {_as_text(columns)} {rest}"
                        for section, columns, rest in _organization_version_parts()]
        elif kind == "install":
            selects.append(f"SELECT {number}, 0, {_as_text(_rows_version_columns())}")
        else:
            raise ValueError(kind)
    return " UNION ALL ".join(selects) + " ORDER BY 1, 2", {"organization": 8, "install": 0}


def kept_versions(user_id, versions: list[tuple]) -> list[tuple]:
    """In one query: the reader's account and membership as stored (a login's `last_login` aside),
    and what each of `versions` reads — ("organization", pk): the organization, its pages, their
    states and the runs that last read them as stored (a sweep writes states in bulk, where no
    signal fires), and `organization_version`; ("install",): `rows_version`."""
    kinds = tuple(name for name, *_args in versions)
    sql, arity = _kept_sql(kinds)
    params = [get_user_model()._meta.pk.to_python(user_id)]
    for _name, *args in versions:
        params += args * arity[_name]
    return _select_rows("kept_" + "_".join(kinds), sql, params)


def keep_page(request, *versions: tuple) -> None:
    """Keep this GET's page whole for its reader (`KeptPagesMiddleware`) while their rows and
    `versions` read the same: ("organization", pk) — everything of that organization;
    ("install",) — the rows of every organization and the sweeps, which a methodologist's menu
    count and dashboard are drawn from. To be called before the view reads what it shows: a
    change made after this read makes the kept page's versions differ."""
    marked = getattr(request, "kept_page", None)
    if marked is None or request.method != "GET":  # not seen by the middleware, or not a GET
        return
    marked.update(versions=list(versions), values=kept_versions(request.user.pk, list(versions)))


def menu_versions(request) -> list[tuple]:
    """What the menu is drawn from beyond the reader's own rows: a methodologist's count of
    documents waiting for a decision, over every organization they see."""
    from organizations.access import is_methodologist

    return [("install",)] if is_methodologist(request.user) else []


def _session_data(request) -> dict | None:
    """The session as stored, read with the kept page where sessions live in the same cache
    (cached_db): one round trip for both. None: no session to speak of."""
    store = request.session
    if store.session_key is None:
        return None
    if isinstance(store, CachedDbSession) and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS:
        return {"cache_key": store.cache_key_prefix + store.session_key}
    return dict(store.items())


def _page_key(request) -> str:
    """Which session, which CSRF secret (the page's forms carry tokens of it), which address, in
    which language, drawn with which of the install's settings."""
    identity = json.dumps([request.session.session_key, request.META.get("CSRF_COOKIE"), request.get_full_path(),
                           get_language(), settings.MAX_BOT_TOKEN != "", settings.UPLOAD_MAX_MB])
    return f"reports:page:2:{hashlib.sha256(identity.encode()).hexdigest()}"  # :2: the shape of what is kept


def _login_of(session: dict) -> list:
    return [session.get(SESSION_KEY), session.get(HASH_SESSION_KEY), session.get(BACKEND_SESSION_KEY)]


class KeptPagesMiddleware:
    """Serves a page kept by `keep_page` for the same session, or lets the view draw it and keeps
    it. Stands after the session, CSRF, messages and authentication middleware, and before
    anything that loads the user: a kept page costs one cache round trip (the page, the counter
    and, with cached_db, the session itself) and one query (`kept_versions`), no user or
    membership object; the view runs, with Django's own check of the session, whenever anything
    differs. A page is kept only for a request that brings its CSRF cookie, so its forms' tokens
    stay good for whoever is served it: the same browser, the same session."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        session = _session_data(request) if request.method == "GET" else None
        if session is None or CookieStorage.cookie_name in request.COOKIES or not request.META.get("CSRF_COOKIE"):
            return self.get_response(request)
        page_key, now = _page_key(request), timezone.now()
        found = cache.get_many([GENERATION_KEY, page_key, *([session["cache_key"]] if "cache_key" in session else [])])
        if "cache_key" in session:
            session = found.get(session["cache_key"]) or {}
        counter, kept = found.get(GENERATION_KEY) or 0, found.get(page_key)
        login = _login_of(session)
        if login[0] is None or SessionStorage.session_key in session:  # no one logged in, or a message waits
            return self.get_response(request)
        if (kept is not None and kept["login"] == login and kept["generation"] == counter
                and timezone.localdate(now) == kept["date"] and 0 <= (now - kept["drawn_at"]).total_seconds() < PAGE_SECONDS
                and kept["values"] == kept_versions(login[0], kept["versions"])):
            response = HttpResponse(kept["content"], content_type=kept["content_type"])
            patch_vary_headers(response, ("Cookie",))  # as the session middleware says of a page that read the session
            return response
        csrf_secret, request.kept_page = request.META["CSRF_COOKIE"], {}
        response = self.get_response(request)
        marked = request.kept_page
        if ("values" in marked and response.status_code == 200 and not response.streaming
                and str(request.user.pk) == str(login[0]) and request.META.get("CSRF_COOKIE") == csrf_secret):
            cache.set(page_key, {"content": response.content, "content_type": response["Content-Type"], "login": login,
                                 "generation": counter, "drawn_at": now, "date": timezone.localdate(now), **marked},
                      PAGE_SECONDS)
        return response
