from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from govpublic import states
from monitoring import selectors, services, sweep
from monitoring.compliance import FIELD_LABELS, community_entry, page_state, state_kept_fields
from monitoring.models import ChangeEvent, PageState, SweepRun
from organizations.access import (
    get_organization_for_user,
    is_methodologist,
    membership_of,
    methodologist_district,
    organizations_for,
)
from organizations.models import Network, OfficialPage

logger = logging.getLogger(__name__)


@require_GET
@login_required
def organization_pages(request: HttpRequest, pk: int) -> HttpResponse:
    """What the sweep saw on the organization's pages, and the alerts it raised."""
    organization, access = get_organization_for_user(request.user, pk)
    pages = {
        page.network: page
        for page in OfficialPage.objects.filter(organization=organization).select_related("state__last_run")
    }
    communities = []
    for network in Network:
        page = pages.get(network.value)
        entry = community_entry(page, network.value)
        state = page_state(page) if page is not None else None
        stale = _stale_fields(state)
        # One sentence whether or not the rules' text ends with a full stop.
        error = f"{entry['error'].rstrip('.')}." if entry.get("error") else ""
        communities.append(
            {"network": network, "page": page, "entry": entry, "state": state, "stale": stale, "error": error}
        )
    events = ChangeEvent.objects.filter(organization=organization).select_related("page", "acknowledged_by")[:200]
    return render(
        request,
        "monitoring/organization_pages.html",
        {"organization": organization, "access": access, "communities": communities, "events": events},
    )


def _stale_fields(state: PageState | None) -> list[tuple[datetime, list[str]]]:
    """The fields the export calls `stale` (the same `state_kept_fields`), grouped by when
    they were read: the page can name each date where the export gives the oldest."""
    by_date: dict[datetime, list[str]] = {}
    for name, read_at in state_kept_fields(state):
        by_date.setdefault(read_at, []).append(str(FIELD_LABELS[name]))
    return sorted(by_date.items())


@require_POST
@login_required
def alert_acknowledge(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(ChangeEvent, pk=event_id)
    organization, access = get_organization_for_user(request.user, event.organization_id)
    if not (access.can_edit or access.can_review):
        raise PermissionDenied
    services.alert_acknowledge(event=event, user=request.user)
    messages.success(request, _("Событие отмечено как принятое к сведению."))
    return redirect(reverse("organization-alerts", args=[organization.pk]) + "#events")


@require_POST
@login_required
def sweep_now(request: HttpRequest) -> HttpResponse:
    """«Проверить сейчас»: a run of every page in the methodologist's scope (a district, or
    the region), on the workers when there is a broker. Pressed while a run of that scope is
    going (twice, or after the nightly run began), it shows that run; a run that stalled (its
    process died) is taken over and finished."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    membership = membership_of(request.user)
    in_district = not request.user.is_superuser and membership is not None and membership.district_id is not None
    # A district's methodologist has no business spending the region's API budget.
    scope = organizations_for(request.user) if in_district else None
    district = membership.district if in_district else None
    run, started = sweep.sweep_start(trigger=SweepRun.Trigger.MANUAL, user=request.user, organizations=scope, district=district)
    if not started:
        if not sweep.is_stalled(run):
            messages.info(request, _("Проверка уже идёт."))
            return redirect("sweep-detail", run_id=run.pk)
        messages.info(request, _("Прерванная проверка продолжена."))
    if settings.CELERY_BROKER_URL:
        from monitoring.tasks import dispatch

        dispatch(run)
    else:
        # Embedded setup without a broker: the same pipeline in a background thread.
        threading.Thread(target=_run_in_thread, args=(run.pk,), daemon=True, name=f"sweep-{run.pk}").start()
    return redirect("sweep-detail", run_id=run.pk)


@require_POST
@login_required
def channel_check(request: HttpRequest, pk: int) -> HttpResponse:
    """«Проверить канал»: the organization's MAX channel read now, alone, by the same pipeline
    as the night's (its own run, so its snapshot, verdict and events are as a sweep's). Staff
    press it after adding the district bot; one channel is a few requests, so it runs here."""
    organization, access = get_organization_for_user(request.user, pk)
    if not (access.can_edit or access.can_review):
        raise PermissionDenied
    back = redirect(reverse("organization-detail", args=[organization.pk]) + f"#net-{Network.MAX}")
    page = OfficialPage.objects.filter(organization=organization, network=Network.MAX).first()
    if page is None:
        messages.error(request, _("Сначала укажите ссылку на канал MAX."))
        return back
    if not settings.MAX_BOT_TOKEN:
        messages.error(request, _("Каналы MAX не проверяются: в портале не задан токен бота района."))
        return back
    run, started = sweep.sweep_start(
        trigger=SweepRun.Trigger.MANUAL, user=request.user, networks=[Network.MAX], organizations=[organization]
    )
    if not started and not sweep.is_stalled(run):
        messages.info(request, _("Проверка уже идёт: обновите страницу через минуту."))
        return back
    sweep.sweep_run_inline(run)
    state = PageState.objects.filter(page=page).first()
    if state is None or state.last_run_id != run.pk:
        messages.warning(request, _("Канал сейчас не удалось прочитать. Попробуйте позже."))
    else:
        entry = community_entry(page, Network.MAX)
        note = f" {entry['error']}" if entry.get("error") else ""
        messages.info(request, _("Канал проверен: %(status)s.") % {"status": states.state(entry["status"]).label} + note)
    return back


def _run_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        sweep.sweep_run_inline(SweepRun.objects.get(pk=run_id))
    except Exception:  # the run stays for the next start to finish; the thread has no one else to tell
        logger.exception("sweep %s stopped with an error", run_id)
    finally:
        close_old_connections()


@require_GET
@login_required
def sweep_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    if not is_methodologist(request.user):
        raise PermissionDenied
    run = get_object_or_404(SweepRun.objects.select_related("started_by"), pk=run_id)
    district_id = methodologist_district(request.user)
    if not selectors.run_concerns(run, district_id):
        raise Http404  # another district's run: its figures are not this methodologist's business
    progress = selectors.sweep_progress(run, district_id)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(progress)
    context = {"run": run, "progress": progress, "recent": selectors.recent_runs(district_id),
               "district_only": district_id is not None}
    if run.finished_at is not None:
        context["changes"] = selectors.run_changes(run, organizations_for(request.user))
        context["duration"] = selectors.duration_words(run)
    return render(request, "monitoring/sweep_detail.html", context)
