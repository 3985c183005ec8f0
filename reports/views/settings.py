"""«Настройки»: the thresholds of DESIGN §3.2, the paperwork due dates, `max_required`, the
rating's weights and the district report's letterhead — the region's defaults, or a district's
own (§2) — with their history from the audit log."""

import datetime
import json
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from checklist.models import ChecklistItem
from checklist.services import due_dates_apply
from monitoring.models import RuleSettings
from organizations.access import is_methodologist, methodologist_district
from organizations.models import District
from reports.forms import DueDatesForm, LetterheadForm, RuleSettingsForm
from reports.models import Letterhead

HISTORY_LIMIT = 15


def _settings_district(request: HttpRequest) -> District | None:
    """Whose settings the page is for: None, the region's defaults (also those of an install of
    one district: the district level stays out of the way until a second is added); else the
    methodologist's district, or the one the regional coordinator picked (`district`)."""
    if District.objects.count() < 2:
        return None
    asked = methodologist_district(request.user) or request.POST.get("district") or request.GET.get("district")
    if not str(asked or "").isdigit():
        return None
    return get_object_or_404(District, pk=asked)


@dataclass(frozen=True)
class HistoryLine:
    when: datetime.datetime
    who: str
    what: str


def _settings_history(rows: list) -> list[HistoryLine]:
    """The latest changes of these settings rows, from the audit log, in words: who, when, what
    old → new. A district's rows are found by name as well, so that their history outlives a
    return to the region's settings."""
    query = Q(pk__in=[])
    for row in rows:
        kind = ContentType.objects.get_for_model(row)
        if row.pk is not None:
            query |= Q(content_type=kind, object_pk=str(row.pk))
        if getattr(row, "district_id", None) is not None:  # a district's rows (not the items)
            query |= Q(content_type=kind, object_repr=str(row))
    entries = LogEntry.objects.filter(query).select_related("actor").order_by("-timestamp")[:HISTORY_LIMIT]
    titles = dict(ChecklistItem.objects.values_list("code", "short_title"))
    return [HistoryLine(entry.timestamp, str(entry.actor or _("система")), _history_text(entry, titles)) for entry in entries]


def _history_text(entry: LogEntry, titles: dict[str, str]) -> str:
    if entry.action == LogEntry.Action.CREATE:
        return _("%(what)s: свои для района, из настроек региона") % {"what": entry.object_repr}
    if entry.action == LogEntry.Action.DELETE:
        return _("%(what)s: район вернулся к настройкам региона") % {"what": entry.object_repr}
    names = {field.name: field.verbose_name for field in entry.content_type.model_class()._meta.fields}
    changed = dict(entry.changes_dict)
    # `own` (RuleSettings) is bookkeeping: told as the values that follow the region again.
    own = [set(json.loads(value)) if value not in ("None", "") else set() for value in changed.pop("own", ())]
    back = own[0] - own[1] if own else set()

    def shown(name: str, value: str) -> str:
        if name == "due_dates":  # {"instruction": "2026-09-01"} → «Инструкция: 01.09.2026»
            dates = json.loads(value) if value not in ("None", "") else {}
            return ", ".join(f"{titles.get(code, code)}: {datetime.date.fromisoformat(day):%d.%m.%Y}"
                             for code, day in dates.items()) or _("как в регионе")
        return {"True": _("да"), "False": _("нет"), "None": "—"}.get(value, value)

    def told(name: str) -> str:
        if name not in changed:
            return f"{names.get(name, name)}: {_('как в регионе')}"
        old, new = changed[name]
        line = f"{names.get(name, name)}: {shown(name, old)} → {shown(name, new)}"
        return f"{line} ({_('как в регионе')})" if name in back else line

    changes = "; ".join(told(name) for name in [*changed, *sorted(back - changed.keys())])
    return f"{entry.object_repr}: {changes}"


def _kept(row):
    """`row` saved: a district's first change first stores a row with the region's values (all
    inherited), so the audit log has the change itself old → new."""
    if row.pk is None:
        start = type(row).load().copied_for(row.district)
        start.save()
        row.pk, row._state.adding = start.pk, False
    row.save()


@login_required
def rule_settings(request: HttpRequest) -> HttpResponse:
    """The thresholds of DESIGN §3.2, the paperwork due dates, `max_required`, the rating's
    weights and the district report's letterhead: the region's defaults, or a district's own
    (§2); one refused field saves nothing. A district inherits the region's rule settings value
    by value: what it changes becomes its own, what it sets back to the region's follows the
    region again; it may go back to the region's settings altogether."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    district = _settings_district(request)
    region = RuleSettings.load()
    items = list(ChecklistItem.objects.filter(mode=ChecklistItem.Mode.MANUAL).order_by("position"))
    if district is None:
        rules, letterhead = region, Letterhead.load()
    else:
        rules = RuleSettings.for_district(district.pk)  # with the region's values where it inherits
        rules = rules if rules.district_id is not None else region.copied_for(district)
        letterhead = Letterhead.objects.filter(district=district).first() or Letterhead.load().copied_for(district)
    here = reverse("rule-settings") + (f"?district={district.pk}" if district else "")
    if request.method == "POST" and request.POST.get("action") == "reset" and district is not None:
        with transaction.atomic():
            RuleSettings.objects.filter(district=district).delete()
            Letterhead.objects.filter(district=district).delete()
            due_dates_apply(district_id=district.pk)
        messages.success(request, _("Район снова пользуется настройками региона."))
        return redirect(here)
    data = request.POST if request.method == "POST" else None
    form = RuleSettingsForm(data, instance=rules, region=region if district else None)
    dates = DueDatesForm(data, items=items, district_dates=rules.due_dates if district else None)
    letter_form = LetterheadForm(data, instance=letterhead)
    if district is not None:
        for name, field in form.fields.items():  # told under each field (_setting_field.html)
            field.district_value = "own" if name in rules.own else "region"
    if data is not None:
        # All three validated before any is saved, so every refusal shows at once.
        if all([form.is_valid(), dates.is_valid(), letter_form.is_valid()]):
            with transaction.atomic():
                rules = form.save(commit=False)
                if district is None:
                    dates.save_region()
                else:
                    rules.due_dates = dates.district_dates()
                # A district gets a row of its own only for what it changed.
                if rules.pk is not None or form.has_changed() or rules.due_dates:
                    _kept(rules)
                if letterhead.pk is not None or letter_form.has_changed():
                    _kept(letter_form.save(commit=False))
                if district is not None:
                    due_dates_apply(district_id=district.pk)
            messages.success(request, _("Настройки сохранены. Новые пороги применятся при следующей проверке страниц."))
            return redirect(here)
        messages.error(request, _("Исправьте ошибки в форме."))
    return render(request, "reports/rule_settings.html", {
        "form": form, "dates": dates, "letter_form": letter_form, "district": district,
        "own": district is not None and (bool(rules.own or rules.due_dates) or letterhead.pk is not None),
        # The regional coordinator picks whose settings to change; a district's methodologist has theirs.
        "districts": District.objects.annotate(own=Exists(
            RuleSettings.objects.filter(district=OuterRef("pk")).exclude(own=[], due_dates={})))
        if district is None and methodologist_district(request.user) is None and District.objects.count() > 1 else None,
        "coordinator": methodologist_district(request.user) is None,
        "history": _settings_history([rules, letterhead, *([] if district else items)]),
    })


urlpatterns = [
    path("settings/", rule_settings, name="rule-settings"),
]
