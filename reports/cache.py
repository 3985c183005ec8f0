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
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
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


def connect_signals() -> None:
    from checklist.models import ChecklistEntry, ChecklistItem
    from monitoring.models import PageState, RuleSettings
    from organizations.models import District, OfficialPage, Organization

    for model in (ChecklistEntry, ChecklistItem, RuleSettings, PageState, OfficialPage, Organization, District):
        for signal in (post_save, post_delete):
            signal.connect(bump_generation, sender=model, weak=False, dispatch_uid=f"reports.cache.{model.__name__}.{signal}")


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


def key(name: str, *parts: Any) -> str:
    """The cache key of `name` for these parts, plus the language, the date, the counter and the
    rows' version (json.dumps with str for dates and model-free values)."""
    identity = json.dumps([*parts, get_language(), timezone.localdate(), generation(), rows_version()], default=str)
    return f"reports:{name}:{hashlib.sha256(identity.encode()).hexdigest()}"


def computed(cache_key: str, compute: Callable[[], Any]) -> Any:
    """The value `compute` returns for the key (of `key`), from the cache when it was computed already."""
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, TIMEOUT)
    return value
