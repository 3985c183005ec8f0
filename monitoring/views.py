from __future__ import annotations

import threading

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from monitoring import sweep
from monitoring.compliance import community_entry
from monitoring.models import ChangeEvent, SweepRun
from organizations.access import get_organization_for_user, is_methodologist
from organizations.models import Network, OfficialPage


@require_GET
@login_required
def organization_pages(request: HttpRequest, pk: int) -> HttpResponse:
    """What the sweep saw on the organization's pages, and the alerts it raised."""
    organization, access = get_organization_for_user(request.user, pk)
    pages = {page.network: page for page in OfficialPage.objects.filter(organization=organization).select_related("state")}
    communities = []
    for network in Network:
        page = pages.get(network.value)
        entry = community_entry(page, network.value)
        state = getattr(page, "state", None) if page is not None and hasattr(page, "state") else None
        stale = []
        if state and state.last_run_id and state.field_dates:
            latest = max(state.field_dates.values())
            stale = sorted(name for name, read_at in state.field_dates.items() if read_at < latest)
        communities.append({"network": network, "page": page, "entry": entry, "state": state, "stale": stale})
    events = ChangeEvent.objects.filter(organization=organization).select_related("page", "acknowledged_by")[:200]
    return render(
        request,
        "monitoring/organization_pages.html",
        {"organization": organization, "access": access, "communities": communities, "events": events},
    )


@require_POST
@login_required
def alert_acknowledge(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(ChangeEvent, pk=event_id)
    organization, access = get_organization_for_user(request.user, event.organization_id)
    if not (access.can_edit or access.can_review):
        raise PermissionDenied
    ChangeEvent.objects.filter(pk=event.pk, acknowledged_at=None).update(
        acknowledged_at=timezone.now(), acknowledged_by=request.user
    )
    messages.success(request, _("Событие отмечено как принятое к сведению."))
    return redirect(reverse("organization-alerts", args=[organization.pk]) + "#events")


@require_POST
@login_required
def sweep_now(request: HttpRequest) -> HttpResponse:
    """«Проверить сейчас»: a run of every page, on the workers when there is a broker."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    running = SweepRun.objects.filter(status=SweepRun.Status.RUNNING, finished_at=None).first()
    if running is not None:
        messages.info(request, _("Проверка уже идёт."))
        return redirect("sweep-detail", run_id=running.pk)
    run = sweep.sweep_start(trigger=SweepRun.Trigger.MANUAL, user=request.user)
    if settings.CELERY_BROKER_URL:
        from monitoring.tasks import dispatch

        dispatch(run)
    else:
        # Embedded setup without a broker: the same pipeline in a background thread.
        threading.Thread(target=_run_in_thread, args=(run.pk,), daemon=True, name=f"sweep-{run.pk}").start()
    return redirect("sweep-detail", run_id=run.pk)


def _run_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        sweep.sweep_run_inline(SweepRun.objects.get(pk=run_id))
    finally:
        close_old_connections()


@require_GET
@login_required
def sweep_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    if not is_methodologist(request.user):
        raise PermissionDenied
    run = get_object_or_404(SweepRun, pk=run_id)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(
            {
                "status": run.status,
                "pages_done": run.pages_done,
                "pages_total": run.pages_total,
                "faults": run.faults,
                "finished": run.finished_at is not None,
                "config_errors": run.config_errors,
            }
        )
    recent = SweepRun.objects.order_by("-started_at")[:10]
    return render(request, "monitoring/sweep_detail.html", {"run": run, "recent": recent})
