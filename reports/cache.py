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

A page about one organization is keyed the same way with that organization's version instead
of the district's (`organization_version`), so that a change at one school does not drop every
other school's page. Its kept HTML has holes for what must never be shared or kept: the CSRF
token of each form (`CSRF_HOLE`, filled with the reader's own) and parts that move with the
clock (`hole`, kept apart a minute at most), filled on each request by `filled`.

A page a person opens again and again (their organization, «Мои задачи», the dashboard, the
checklist matrix) is also kept whole, menu and all, for that reader (`keep_page`,
`KeptPagesMiddleware`): the next look is one query of the reader's own rows and one or two of
the data's versions, no view. It is found by the session's login (user, password hash,
backend), the address and the language, and served while it is less than PAGE_SECONDS old, the
day and the counter are the same and the versions read the same: those of the reader's account
and membership among them, so a changed password, a deactivation or a new role ends it at the
next look, whichever process or script wrote it. The checklist's items and the rule
settings are not read: their saves move the counter, and a bulk write to them shows within
PAGE_SECONDS. Only its CSRF holes are left; what moves with
the clock is at most PAGE_SECONDS older than on a page drawn anew. A page with a message for
the reader is drawn anew and not kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
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


def rows_version() -> tuple:
    """Counts and latest changes of the rows a dashboard is computed from, in one query. A count
    catches a deletion, a latest date an edit (entries and pages carry `updated_at`; a sweep
    writes `checked_at` on the page states it reads, also in bulk where no signal fires), and
    the sweep runs: a dashboard names the last one."""
    from checklist.models import ChecklistEntry
    from monitoring.models import PageState, SweepRun
    from organizations.models import OfficialPage, Organization

    entries, pages = ChecklistEntry._meta.db_table, OfficialPage._meta.db_table
    states, organizations = PageState._meta.db_table, Organization._meta.db_table
    runs = SweepRun._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {entries}), (SELECT MAX(updated_at) FROM {entries}),"
        f" (SELECT COUNT(*) FROM {pages}), (SELECT MAX(updated_at) FROM {pages}),"
        f" (SELECT COUNT(*) FROM {states}), (SELECT MAX(checked_at) FROM {states}),"
        f" (SELECT COUNT(*) FROM {organizations}), (SELECT MAX(id) FROM {organizations}),"
        f" (SELECT COUNT(*) FROM {runs}), (SELECT MAX(finished_at) FROM {runs})"
    )
    return tuple(_select_rows("rows_version", sql, [])[0])


def organization_version(organization_id: int) -> tuple:
    """`rows_version` for one organization, in one query: per table, the count, the latest id
    and the latest change of what its page is made of beyond the rows the view reads anyway
    (the organization, its pages and their states): checklist entries, their documents and
    events, change events and their acknowledgement, and its pages' posts, snapshots and people's
    comments (of detached pages too: their history is shown). A row added, changed or removed at another
    organization leaves it as it is."""
    from checklist.models import ChecklistEntry, EntryEvent, EvidenceRevision
    from monitoring.models import ChangeEvent, PageComment, PagePost, Snapshot
    from organizations.models import OfficialPage

    entries, pages = ChecklistEntry._meta.db_table, OfficialPage._meta.db_table
    revisions, events = EvidenceRevision._meta.db_table, EntryEvent._meta.db_table
    changes, posts, snapshots = ChangeEvent._meta.db_table, PagePost._meta.db_table, Snapshot._meta.db_table
    comments = PageComment._meta.db_table
    of_entries = f"JOIN {entries} e ON e.id = t.entry_id WHERE e.organization_id = %s"
    of_pages = f"JOIN {pages} p ON p.id = t.page_id WHERE p.organization_id = %s"
    sql = " UNION ALL ".join([
        f"SELECT 1, COUNT(*), MAX(t.id), MAX(t.updated_at), 0 FROM {entries} t WHERE t.organization_id = %s",
        f"SELECT 2, COUNT(*), MAX(t.id), NULL, 0 FROM {revisions} t {of_entries}",
        f"SELECT 3, COUNT(*), MAX(t.id), NULL, 0 FROM {events} t {of_entries}",
        f"SELECT 4, COUNT(*), MAX(t.id), MAX(t.acknowledged_at), COUNT(t.acknowledged_at) FROM {changes} t"
        " WHERE t.organization_id = %s",
        f"SELECT 5, COUNT(*), MAX(t.id), MAX(t.updated_at), 0 FROM {posts} t {of_pages}",
        f"SELECT 6, COUNT(*), MAX(t.id), NULL, 0 FROM {snapshots} t {of_pages}",
        f"SELECT 7, COUNT(*), MAX(t.id), NULL, COUNT(CASE WHEN t.answered THEN 1 END) FROM {comments} t {of_pages}",
    ])
    return tuple(sorted(_select_rows("organization_version", sql, [organization_id] * 7)))


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
    if not _keeping(request):  # else the whole page is kept with its holes, filled as it leaves
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


def _columns(model, alias: str, *, leave_out: tuple[str, ...] = ()) -> str:
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields if field.name not in leave_out)


def reader_version(user_id) -> list[tuple]:
    """The reader's account and membership as stored (a login's `last_login` aside), in one query."""
    from organizations.models import Membership

    user = get_user_model()
    return _select_rows(
        "reader_version", f"SELECT {_columns(user, 'u', leave_out=('last_login',))}, {_columns(Membership, 'm')}"
        f" FROM {user._meta.db_table} u LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id WHERE u.id = %s",
        [user_id],
    )


def organization_rows(organization_id: int) -> list[tuple]:
    """The rows a page about one organization reads before anything else — the organization, its
    pages, their states and the runs that last read them — as stored, in one query: a sweep
    writes states in bulk, where no signal fires."""
    from monitoring.models import PageState, SweepRun
    from organizations.models import OfficialPage, Organization

    return _select_rows(
        "organization_rows", f"SELECT {_columns(Organization, 'o')}, {_columns(OfficialPage, 'p')}, {_columns(PageState, 's')},"
        f" {_columns(SweepRun, 'r')} FROM {Organization._meta.db_table} o"
        f" LEFT JOIN {OfficialPage._meta.db_table} p ON p.organization_id = o.id"
        f" LEFT JOIN {PageState._meta.db_table} s ON s.page_id = p.id"
        f" LEFT JOIN {SweepRun._meta.db_table} r ON r.id = s.last_run_id"
        " WHERE o.id = %s ORDER BY p.id",
        [organization_id],
    )


# What a kept page may be drawn from; `keep_page` names them.
VERSIONS: dict[str, Callable[..., Any]] = {
    "organization": lambda pk: (organization_rows(pk), organization_version(pk)),
    "install": rows_version,
}


def _read(versions: list[tuple]) -> list:
    return [VERSIONS[name](*args) for name, *args in versions]


def keep_page(request, *versions: tuple) -> None:
    """Keep this GET's page whole for its reader (`KeptPagesMiddleware`) while `versions` read
    the same: ("organization", pk) — everything of that organization; ("install",) — the rows of
    every organization and the sweeps, which a methodologist's menu count and dashboard are drawn
    from. To be called before the view reads what it shows: a change made after this read makes
    the kept page's versions differ. The page's forms get the CSRF hole (`context`), filled for
    each request, this one included."""
    marked = getattr(request, "kept_page", None)
    if marked is None or request.method != "GET":  # not seen by the middleware, or not a GET
        return
    marked.update(versions=list(versions), values=_read(list(versions)),
                  reader=reader_version(request.session.get(SESSION_KEY)))


def menu_versions(request) -> list[tuple]:
    """What the menu is drawn from beyond the reader's own rows: a methodologist's count of
    documents waiting for a decision, over every organization they see."""
    from organizations.access import is_methodologist

    return [("install",)] if is_methodologist(request.user) else []


def _keeping(request) -> bool:
    return "values" in (getattr(request, "kept_page", None) or {})


def context(request) -> dict:
    """The context processor: a page to be kept gets the CSRF hole in its forms."""
    return {"csrf_token": CSRF_HOLE} if _keeping(request) else {}


def _page_key(request) -> str:
    """Whose login, which address, in which language, drawn with which of the install's settings."""
    session = request.session
    identity = json.dumps([session.get(SESSION_KEY), session.get(HASH_SESSION_KEY), session.get(BACKEND_SESSION_KEY),
                           request.get_full_path(), get_language(), settings.MAX_BOT_TOKEN != "", settings.UPLOAD_MAX_MB])
    return f"reports:page:1:{hashlib.sha256(identity.encode()).hexdigest()}"  # :1: the shape of what is kept


def _messages_waiting(request) -> bool:
    """A message for the reader is shown once, on the page they open next: that page is drawn anew."""
    return CookieStorage.cookie_name in request.COOKIES or SessionStorage.session_key in request.session


class KeptPagesMiddleware:
    """Serves a page kept by `keep_page` for the same reader, or lets the view draw it and keeps
    it. Stands after the session, messages and authentication middleware, and before anything
    that loads the user: a kept page is served with the reader's account read in one query
    (`reader_version`), not the user and membership objects; the view runs with Django's own
    check of the session whenever anything differs."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or not request.session.get(SESSION_KEY) or _messages_waiting(request):
            return self.get_response(request)
        page_key, now = _page_key(request), timezone.now()
        found = cache.get_many([GENERATION_KEY, page_key])
        counter, kept = found.get(GENERATION_KEY) or 0, found.get(page_key)
        if (kept is not None and kept["generation"] == counter and timezone.localdate(now) == kept["date"]
                and 0 <= (now - kept["drawn_at"]).total_seconds() < PAGE_SECONDS
                and kept["reader"] == reader_version(request.session[SESSION_KEY]) and kept["values"] == _read(kept["versions"])):
            return HttpResponse(filled(kept["html"], request), content_type=kept["content_type"])
        request.kept_page = {}
        response = self.get_response(request)
        if not _keeping(request) or response.streaming:
            return response
        marked, request.kept_page = request.kept_page, {}  # kept as it is: now its holes are filled
        html = response.content.decode(response.charset)
        if response.status_code == 200 and marked["reader"] and request.user.pk == marked["reader"][0][0]:
            cache.set(page_key, {"html": html, "content_type": response["Content-Type"], "generation": counter,
                                 "drawn_at": now, "date": timezone.localdate(now), **marked}, PAGE_SECONDS)
        response.content = filled(html, request).encode(response.charset)
        return response
