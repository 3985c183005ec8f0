from django import template

register = template.Library()

_BADGES = {
    "not_started": "text-bg-secondary",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "returned": "text-bg-danger",
    "compliant": "text-bg-success",
    "non_compliant": "text-bg-danger",
    "unknown": "text-bg-secondary",
    "not_applicable": "text-bg-light",
}
_CELLS = {
    "approved": "cell-ok",
    "compliant": "cell-ok",
    "submitted": "cell-warning",
    "returned": "cell-fail",
    "non_compliant": "cell-fail",
}
_SYMBOLS = {"approved": "✓", "compliant": "✓", "submitted": "…", "returned": "✗", "non_compliant": "✗"}


@register.filter
def badge_class(value: str) -> str:
    return _BADGES.get(value, "text-bg-secondary")


def _state(entry) -> str:
    """What a matrix cell shows: the work status of a document item, the sweep's verdict of an automatic one."""
    return entry.status if entry.item.is_manual else entry.verdict


@register.filter
def cell_class(entry) -> str:
    if entry is None:
        return "cell-unknown"
    return _CELLS.get(_state(entry), "cell-unknown")


@register.filter
def cell_symbol(entry) -> str:
    if entry is None:
        return "—"
    return _SYMBOLS.get(_state(entry), "?" if not entry.item.is_manual else "·")


@register.filter
def cell_title(entry) -> str:
    if entry is None:
        return ""
    return entry.get_status_display() if entry.item.is_manual else entry.get_verdict_display()
