from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from checklist import audit, selectors, services
from checklist.forms import EvidenceForm
from checklist.models import ChecklistEntry, EvidenceRevision, WorkStatus
from checklist.preview import has_preview
from checklist.upload_handlers import MIB, UploadSizeLimit
from organizations.access import (
    Access,
    district_names,
    drilled_district,
    get_organization_for_user,
    is_methodologist,
    methodologist_district,
    organizations_for,
    require_edit,
    require_review,
)
from organizations.models import District, Organization
from reports import cache as page_cache
from reports.views.organization import item_message_tag, organization_page


def _entry_for_user(user, entry_id: int) -> tuple[ChecklistEntry, Access]:
    entry = get_object_or_404(ChecklistEntry.objects.select_related("item"), pk=entry_id)
    organization, access = get_organization_for_user(user, entry.organization_id)
    entry.organization = organization
    return entry, access


def _first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


@csrf_exempt  # checked by _evidence_receive, once the size limit guards the body it reads
@require_POST
@login_required
def evidence_upload(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, access = _entry_for_user(request.user, entry_id)
    require_edit(access)
    limit = UploadSizeLimit(request, settings.UPLOAD_MAX_MB * MIB)
    if limit.declared_too_big():
        # A body announced too big: its file is refused unread. The form puts the file last,
        # so the fields ahead of it (the CSRF token, number, date, comment) are still read
        # and come back filled in; reading stops at the file's first chunk.
        limit = UploadSizeLimit(request, 0)
    # Set, not inserted: the setter fails loudly if a middleware has already read the body.
    request.upload_handlers = [limit, *request.upload_handlers]
    return _evidence_receive(request, entry, access, limit)


@csrf_protect
def _evidence_receive(
    request: HttpRequest, entry: ChecklistEntry, access: Access, limit: UploadSizeLimit
) -> HttpResponse:
    """A stored document lands the page on its item with the message there; a refusal
    shows the page again with the form as it was typed and each error at its field."""
    form = EvidenceForm(
        request.POST, request.FILES, needs_document_details=entry.item.needs_document_details, prefix=entry.item.code
    )
    valid = form.is_valid()
    if limit.exceeded:
        form.errors.pop("file", None)  # "required": the file was left unread, not forgotten
        refusal = _(
            "Файл больше %(limit)d МБ. Уменьшите его (например, отсканируйте с меньшим разрешением) и загрузите снова."
        )
        form.add_error("file", refusal % {"limit": settings.UPLOAD_MAX_MB})
    elif valid:
        try:
            revision = services.evidence_submit(
                entry=entry,
                upload=form.cleaned_data["file"],
                user=request.user,
                document_number=form.cleaned_data.get("document_number") or "",
                document_date=form.cleaned_data.get("document_date"),
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as error:
            _add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Версия %(version)d отправлена на проверку методисту. Решение появится здесь.")
                % {"version": revision.version},
                extra_tags=item_message_tag(entry.item.code),
            )
            return redirect(reverse("organization-detail", args=[entry.organization_id]) + f"#item-{entry.item.code}")
    return organization_page(request, entry.organization, access, refused=(entry, form))


def _add_refusal(form: EvidenceForm, error: ValidationError) -> None:
    """The service's refusal at the form's field it names; the rest above the form."""
    named = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for name, field_messages in named:
        form.add_error(name if name in form.fields else None, field_messages)


@require_GET
@login_required
def evidence_download(request: HttpRequest, revision_id: int) -> FileResponse:
    revision = get_object_or_404(EvidenceRevision.objects.select_related("entry"), pk=revision_id)
    get_organization_for_user(request.user, revision.entry.organization_id)  # 404 for outsiders
    try:
        handle = revision.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=revision.original_name, content_type=revision.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _review(request: HttpRequest, entry_id: int, action) -> HttpResponse:
    entry, access = _entry_for_user(request.user, entry_id)
    require_review(access)
    comment = request.POST.get("comment", "")[:2000]
    try:
        action(entry=entry, user=request.user, comment=comment)
    except ValidationError as error:
        messages.error(request, f"{entry.organization.short_name}, {entry.item.short_title}: {_first_error(error)}")
    else:
        messages.success(
            request,
            _("%(org)s, «%(item)s»: %(status)s.")
            % {"org": entry.organization.short_name, "item": entry.item.short_title, "status": entry.get_status_display()},
        )
    if request.POST.get("next", "") == "queue":
        # Back to the queue at the next document (this one's own place when it stayed there),
        # within the district drilled into.
        following = request.POST.get("following", "")
        at = entry.pk if entry.status == WorkStatus.SUBMITTED else following
        district = request.POST.get("district", "")
        return redirect(reverse("review-queue") + (f"?district={district}" if district.isdecimal() else "")
                        + (f"#entry-{at}" if str(at).isdigit() else ""))
    return redirect(reverse("organization-detail", args=[entry.organization_id]) + f"#item-{entry.item.code}")


@require_POST
@login_required
def entry_approve(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _review(request, entry_id, services.entry_approve)


@require_POST
@login_required
def entry_return(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _review(request, entry_id, services.entry_return)


def _scope(request: HttpRequest) -> tuple[QuerySet[Organization], District | None]:
    """The organizations a methodologist's list page shows: their scope, or the district the
    region's coordinator drilled into (`?district=`, 404 outside the scope), and that district."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    district = drilled_district(request.user, request.GET.get("district"))
    organizations = organizations_for(request.user)
    return (organizations.filter(district=district) if district else organizations), district


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    organizations, district = _scope(request)
    groups = selectors.review_queue(organizations)
    names = district_names(request.user, district)
    for group in groups:
        group.district_name = names.get(group.organization.district_id, "")
    entries = [entry for group in groups for entry in group.entries]
    for entry, following in zip(entries, [*entries[1:], None]):
        entry.following = following
        entry.previewed = entry.revision is not None and has_preview(entry.revision)
        entry.waiting = _("ждёт %(time)s") % {"time": timesince(entry.waiting_since, depth=1)}
    return render(request, "checklist/review_queue.html", {"groups": groups, "entries": entries, "district": district})


def _matrix(user, organizations: QuerySet[Organization], items, district: District | None) -> tuple:
    """The matrix's columns and rows, each row with its district's name when the page lists several."""
    columns, rows = selectors.checklist_matrix(organizations, items)
    names = district_names(user, district)
    for row in rows:
        row.district_name = names.get(row.organization.district_id, "")
    return columns, rows


@require_GET
@login_required
def checklist_matrix(request: HttpRequest) -> HttpResponse:
    organizations, district = _scope(request)
    page_cache.keep_page(request, ("install",))
    # The table shows data only, the same for the whole scope: its HTML is kept until an entry,
    # an item or the day changes (reports.cache), and the entries are read only to render it anew.
    looked_at = district.pk if district else methodologist_district(request.user)
    items = selectors.items_for(looked_at)
    table_key = page_cache.key("matrix", looked_at, [(i.code, i.mode, i.due_date) for i in items])
    matrix = SimpleLazyObject(lambda: _matrix(request.user, organizations, items, district))
    return render(request, "checklist/matrix.html",
                  {"matrix": matrix, "table_key": table_key, "cache_seconds": page_cache.TIMEOUT, "district": district})


@require_GET
@login_required
def organization_audit_log(request: HttpRequest, pk: int) -> HttpResponse:
    organization, access = get_organization_for_user(request.user, pk)
    require_review(access)
    lines = audit.organization_log(organization)
    return render(request, "checklist/audit_log.html", {"organization": organization, "log": lines, "limit": audit.LIMIT})
