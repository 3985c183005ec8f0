"""«Мои задачи»: for staff, what their organization has to do, with due dates; for a
methodologist, what waits for them (documents to review) and who is behind."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import modelformset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from checklist.models import ChecklistEntry, ChecklistItem, WorkStatus
from checklist.selectors import organization_entries
from monitoring.compliance import community_entry
from monitoring.models import RuleSettings
from organizations.access import is_methodologist, may_change_settings, membership_of, organizations_for
from organizations.models import shown_networks
from reports.forms import LetterheadForm, RuleSettingsForm
from reports.models import Letterhead
from reports.reminders import open_paperwork
from reports import cache as page_cache
from reports.views.organization import organization_page_key, what_to_fix


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if is_methodologist(request.user):
        organizations = organizations_for(request.user)
        pending = ChecklistEntry.objects.filter(organization__in=organizations, status=WorkStatus.SUBMITTED).count()
        behind = open_paperwork(list(organizations.values_list("pk", flat=True)), today)
        # In the dashboard's order: schools first, «СОШ №9» before «СОШ №10».
        ordered = organizations.filter(pk__in=behind).in_briefing_order().values_list("pk", "short_name")
        rows = [(name, pk, behind[pk]) for pk, name in ordered]
        return render(request, "reports/my_tasks.html", {"methodologist": True, "pending": pending, "rows": rows})
    membership = membership_of(request.user)
    if membership is None or membership.organization_id is None:
        return redirect("home")
    organization = membership.organization
    pages = {page.network: page for page in organization.pages.select_related("state__last_run")}
    max_required = RuleSettings.load().max_required

    def tasks() -> dict:
        entries = organization_entries(organization)
        networks = shown_networks(pages, max_required)
        communities = [community_entry(pages.get(network), network) for network in networks]
        manual = [entry for entry in entries if entry.item.is_manual]
        return {"todos": what_to_fix(communities, manual, today, max_required), "entries": manual}

    # The list is the organization's, the same for each of its staff: its HTML is kept until
    # its data changes (reports.cache), and the entries are read only to draw it anew.
    return render(
        request,
        "reports/my_tasks.html",
        {"organization": organization, "tasks": SimpleLazyObject(tasks), "today": today,
         "tasks_key": organization_page_key("my-tasks", organization, pages, max_required),
         "cache_seconds": page_cache.TIMEOUT},
    )


ItemDueFormSet = modelformset_factory(ChecklistItem, fields=["due_date"], extra=0)


@login_required
def rule_settings(request: HttpRequest) -> HttpResponse:
    """The methodologist edits the thresholds of DESIGN §3.2, the paperwork due dates and the
    district report's letterhead; one refused field saves nothing."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    can_change = may_change_settings(request.user)
    if request.method == "POST" and not can_change:
        raise PermissionDenied  # one district must not change what the region's other districts are judged by
    rules = RuleSettings.load()
    letterhead = Letterhead.load()
    items = ChecklistItem.objects.filter(mode=ChecklistItem.Mode.MANUAL).order_by("position")
    if request.method == "POST":
        form = RuleSettingsForm(request.POST, instance=rules)
        formset = ItemDueFormSet(request.POST, queryset=items, prefix="items")
        letter_form = LetterheadForm(request.POST, instance=letterhead)
        # All three validated before any is saved, so every refusal shows at once.
        if all([form.is_valid(), formset.is_valid(), letter_form.is_valid()]):
            with transaction.atomic():
                form.save()
                formset.save()
                letter_form.save()
            messages.success(request, _("Настройки сохранены. Новые пороги применятся при следующей проверке страниц."))
            return redirect("rule-settings")
        messages.error(request, _("Исправьте ошибки в форме."))
    else:
        form = RuleSettingsForm(instance=rules)
        formset = ItemDueFormSet(queryset=items, prefix="items")
        letter_form = LetterheadForm(instance=letterhead)
    return render(
        request, "reports/rule_settings.html",
        {"form": form, "formset": formset, "letter_form": letter_form, "can_change": can_change}
    )


urlpatterns = [
    path("tasks/", my_tasks, name="my-tasks"),
    path("settings/", rule_settings, name="rule-settings"),
]
