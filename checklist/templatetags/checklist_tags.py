"""A checklist entry's look, from the one vocabulary of govpublic/states.py: the matrix shows a
document past its deadline in red as the dashboard does."""

from django import template
from django.utils import timezone

from govpublic import states

register = template.Library()


def _state(entry) -> tuple[states.State, str]:
    return states.of_item(
        code=entry.item.code, manual=entry.item.is_manual, status=entry.status, verdict=entry.verdict,
        note=entry.verdict_note, due=entry.effective_due_date, today=timezone.localdate(),
        status_label=entry.get_status_display(), verdict_label=entry.get_verdict_display(),
    )


@register.filter
def badge_class(value: str) -> str:
    """A work status's or a verdict's badge (the staff's checklist)."""
    if value in ("compliant", "non_compliant", "unknown", "not_applicable"):
        return states.of_verdict(value).badge
    return states.of_work(value, None, timezone.localdate()).badge


@register.filter
def cell_class(entry) -> str:
    return states.UNKNOWN.css if entry is None else _state(entry)[0].css


@register.filter
def cell_symbol(entry) -> str:
    return "—" if entry is None else _state(entry)[0].glyph


@register.filter
def cell_title(entry) -> str:
    return "" if entry is None else _state(entry)[1]
