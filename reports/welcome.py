"""«Что сделать на этой неделе»: the three steps a new staff member reads on the organization
page, in order (the pages' problems, the next document due, the weekly posts), each one
sentence taken from the organization's real state with a link to where it is done."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from checklist.models import WorkStatus
from organizations.models import Network


@dataclass(frozen=True)
class Step:
    text: str
    link: str
    anchor: str


def this_week(*, todos: list, manual_entries: list, chart: dict, today: datetime.date) -> list[Step]:
    return [_pages_step(todos), _documents_step(manual_entries, today), _posts_step(chart)]


def _pages_step(todos: list) -> Step:
    # The paperwork has its own step: here only what the pages themselves lack.
    problems = [todo for todo in todos if not todo.anchor.startswith("item-")]
    if not problems:
        return Step(_("Страницы в порядке: раз в неделю заглядывайте в «Что исправить» — там появятся новые замечания."),
                    _("Что исправить"), "todo-title")
    return Step(
        _("Исправьте замечания к страницам (всего %(count)d), первое — %(first)s")
        % {"count": len(problems), "first": problems[0].text},
        _("Что исправить"),
        "todo-title",
    )


def _documents_step(manual_entries: list, today: datetime.date) -> Step:
    missing = [e for e in manual_entries if e.status in (WorkStatus.NOT_STARTED, WorkStatus.RETURNED)]
    if not missing:
        if any(e.status == WorkStatus.SUBMITTED for e in manual_entries):
            return Step(_("Все документы загружены: решение методиста появится в чек-листе у каждого документа."),
                        _("Документы"), "paperwork-title")
        return Step(_("Все документы утверждены — загружать ничего не нужно."), _("Документы"), "paperwork-title")
    # Returned ones first (the methodologist waits for them), then by due date, undated last.
    first = min(missing, key=lambda e: (e.status != WorkStatus.RETURNED, e.effective_due_date is None,
                                         e.effective_due_date or today, e.item.position))
    due = first.effective_due_date
    if first.status == WorkStatus.RETURNED:
        text = _("Загрузите заново документ «%(what)s»: методист вернул его на доработку.")
    elif due is not None and due < today:
        text = _("Первым загрузите документ «%(what)s» — срок %(due)s уже прошёл.")
    elif due is not None:
        text = _("Первым загрузите документ «%(what)s» — срок %(due)s.")
    else:
        text = _("Загрузите документ «%(what)s».")
    # The short title («Приказ», «Парольная защита»): the full one states the requirement met.
    text = text % {"what": first.item.short_title, "due": due.strftime("%d.%m.%Y") if due else ""}
    if len(missing) > 1:
        text += " " + _("Остальные (ещё %(count)d) — в чек-листе ниже.") % {"count": len(missing) - 1}
    return Step(text, _("К документу"), f"item-{first.item.code}")


def _posts_step(chart: dict) -> Step:
    counts = ", ".join(
        f"{Network(network).label} — {series[-1]}" for network, series in chart["series"].items()
    )
    return Step(
        _("Публикуйте посты от имени сообщества в каждой соцсети, норма — %(min)d–%(target)d в неделю; "
          "на этой неделе пока: %(counts)s.")
        % {"min": chart["norm_min"], "target": chart["norm_target"], "counts": counts},
        _("Публикации по неделям"),
        "charts-title",
    )
