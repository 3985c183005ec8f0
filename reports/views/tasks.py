"""«Мои задачи»: for staff, what their organization has to do, with due dates; for a
methodologist, what waits for them (documents to review) and who is behind."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from checklist.models import ChecklistEntry, WorkStatus
from checklist.selectors import organization_entries
from monitoring.compliance import community_entry
from monitoring.models import RuleSettings
from organizations.access import is_methodologist, membership_of, organizations_for
from organizations.models import shown_networks
from reports.reminders import open_paperwork
from reports import cache as page_cache
from reports.views.organization import organization_page_key, what_to_fix


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if is_methodologist(request.user):
        page_cache.keep_page(request, ("install",))
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
    page_cache.keep_page(request, ("organization", organization.pk))
    pages = {page.network: page for page in organization.pages.select_related("state__last_run")}
    max_required = RuleSettings.for_district(organization.district_id).max_required

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


urlpatterns = [
    path("tasks/", my_tasks, name="my-tasks"),
]
