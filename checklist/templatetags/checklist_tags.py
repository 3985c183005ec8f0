"""A checklist entry's look, from the one vocabulary of govpublic/states.py: the matrix shows a
document past its deadline in red as the dashboard does."""

from django import template
from django.utils import timezone

from govpublic import states

register = template.Library()


def _state(entry) -> tuple[states.State, str]:
    """Worked out once per entry: a cell asks for its class, glyph and title."""
    if not hasattr(entry, "_shown_state"):
        entry._shown_state = states.of_item(
            code=entry.item.code, manual=entry.item.is_manual, status=entry.status, verdict=entry.verdict,
            note=entry.verdict_note, due=entry.effective_due_date, today=timezone.localdate(),
            status_label=entry.get_status_display(), verdict_label=entry.get_verdict_display(),
        )
    return entry._shown_state


@register.filter
def badge_class(entry) -> str:
    """An entry's badge on the organization page: the colour its cell has in the matrix."""
    return _state(entry)[0].badge


@register.filter
def cell_class(entry) -> str:
    return states.UNKNOWN.css if entry is None else _state(entry)[0].css


@register.filter
def cell_symbol(entry) -> str:
    return "—" if entry is None else _state(entry)[0].glyph


@register.filter
def cell_title(entry) -> str:
    return "" if entry is None else _state(entry)[1]
