"""Reads that feed the checklist pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from checklist.models import MAX_ITEM, ChecklistEntry, ChecklistItem, EntryEvent, EvidenceRevision, Verdict, WorkStatus
from organizations.models import Organization


def organization_entries(organization: Organization) -> list[ChecklistEntry]:
    """The organization's entries with their items, revisions and events (4 queries)."""
    return list(
        ChecklistEntry.objects.filter(organization=organization)
        .select_related("item")
        .prefetch_related(
            Prefetch("revisions", queryset=EvidenceRevision.objects.select_related("uploaded_by").order_by("-version")),
            Prefetch("events", queryset=EntryEvent.objects.select_related("actor", "revision").order_by("-created_at", "-id")),
        )
        .order_by("item__position")
    )


def organization_checklist(organization: Organization, pages=None, bound_forms=None) -> dict:
    """What the checklist part of the organization page needs: entries with their
    revisions, events and upload forms (`bound_forms`, by entry id, as they were refused),
    and the page-link forms."""
    from checklist.forms import EvidenceForm
    from organizations.forms import PageLinkForm
    from organizations.models import Network, OfficialPage

    entries = organization_entries(organization)
    if pages is None:
        pages = list(OfficialPage.objects.filter(organization=organization))
    pages = {page.network: page for page in pages}
    page_forms = [
        (network, pages.get(network.value),
         PageLinkForm(network=network.value, initial={"url": getattr(pages.get(network.value), "url", "")}))
        for network in Network
    ]
    bound_forms = bound_forms or {}
    for entry in entries:
        entry.form = bound_forms.get(entry.pk) or EvidenceForm(
            needs_document_details=entry.item.needs_document_details, prefix=entry.item.code
        )
    return {
        "entries": entries,
        "manual_entries": [e for e in entries if e.item.is_manual],
        "automatic_entries": [e for e in entries if not e.item.is_manual],
        "page_forms": page_forms,
    }


@dataclass
class QueueGroup:
    """An organization's documents waiting for a decision, oldest first."""

    organization: Organization
    entries: list[ChecklistEntry] = field(default_factory=list)


def review_queue(organizations: QuerySet[Organization]) -> list[QueueGroup]:
    """Submitted documents waiting for a decision, by organization, the organization whose
    document has waited longest first. Each entry carries `revision` (what was sent) and
    `waiting_since` (when). Two queries whatever the length."""
    entries = list(
        ChecklistEntry.objects.filter(organization__in=organizations, status=WorkStatus.SUBMITTED)
        .select_related("organization", "item")
        .prefetch_related(
            Prefetch("revisions", queryset=EvidenceRevision.objects.select_related("uploaded_by").order_by("-version"))
        )
    )
    for entry in entries:
        revisions = list(entry.revisions.all())
        entry.revision = revisions[0] if revisions else None
        entry.waiting_since = entry.revision.uploaded_at if entry.revision else entry.updated_at
    entries.sort(key=lambda entry: (entry.waiting_since, entry.pk))
    groups: dict[int, QueueGroup] = {}
    for entry in entries:
        groups.setdefault(entry.organization_id, QueueGroup(entry.organization)).entries.append(entry)
    return list(groups.values())


def review_queue_count(organizations: QuerySet[Organization]) -> int:
    """How many documents wait for a decision (the menu's badge): one query."""
    return ChecklistEntry.objects.filter(organization__in=organizations, status=WorkStatus.SUBMITTED).count()


@dataclass
class MatrixColumn:
    item: ChecklistItem
    done: int = 0
    total: int = 0


@dataclass
class MatrixRow:
    organization: Organization
    cells: list[ChecklistEntry | None] = field(default_factory=list)


def items_for(district_id: int | None) -> list[ChecklistItem]:
    """The checklist's items as the pages of a district (None: of the region) list them:
    «Канал в MAX» only where the district requires MAX channels (anywhere, for the region)."""
    from monitoring.models import RuleSettings  # monitoring judges checklists: it imports this app

    items = list(ChecklistItem.objects.order_by("position", "code"))
    if any(item.code == MAX_ITEM["code"] for item in items):
        book = RuleSettings.book()
        if not (book.of(district_id).max_required if district_id is not None else book.any_max_required()):
            items = [item for item in items if item.code != MAX_ITEM["code"]]
    return items


def checklist_matrix(organizations: QuerySet[Organization], items: list[ChecklistItem]) -> tuple[list[MatrixColumn], list[MatrixRow]]:
    """Organization × item (`items_for` the scope), with per-item totals: approved documents
    for paperwork, compliant verdicts for automatic items. Two queries whatever the size."""
    columns = [MatrixColumn(item=item) for item in items]
    position = {item.pk: index for index, item in enumerate(items)}
    rows = {org.pk: MatrixRow(organization=org, cells=[None] * len(items)) for org in organizations.in_briefing_order()}
    entries = ChecklistEntry.objects.filter(organization__in=organizations).only(
        "id", "organization_id", "item_id", "status", "verdict", "verdict_note", "due_date"
    )
    for entry in entries:
        row = rows.get(entry.organization_id)
        if row is None or entry.item_id not in position:
            continue
        index = position[entry.item_id]
        entry.item = items[index]
        row.cells[index] = entry
        column = columns[index]
        column.total += 1
        done = entry.status == WorkStatus.APPROVED if entry.item.is_manual else entry.verdict == Verdict.COMPLIANT
        column.done += int(done)
    return columns, list(rows.values())
