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
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save
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
    from django.contrib.auth import get_user_model

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
    writes `checked_at` on the page states it reads, also in bulk where no signal fires)."""
    from checklist.models import ChecklistEntry
    from monitoring.models import PageState
    from organizations.models import OfficialPage, Organization

    entries, pages = ChecklistEntry._meta.db_table, OfficialPage._meta.db_table
    states, organizations = PageState._meta.db_table, Organization._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {entries}), (SELECT MAX(updated_at) FROM {entries}),"
        f" (SELECT COUNT(*) FROM {pages}), (SELECT MAX(updated_at) FROM {pages}),"
        f" (SELECT COUNT(*) FROM {states}), (SELECT MAX(checked_at) FROM {states}),"
        f" (SELECT COUNT(*) FROM {organizations}), (SELECT MAX(id) FROM {organizations})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization_id] * 7)
        return tuple(sorted(cursor.fetchall()))


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
