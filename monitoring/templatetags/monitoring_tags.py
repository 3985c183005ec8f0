from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.compliance import INFO_LABELS, stale_text

register = template.Library()

_STATUS = {
    "ok": ("text-bg-success", gettext_lazy("в порядке")),
    "warning": ("text-bg-warning", gettext_lazy("есть замечания")),
    "fail": ("text-bg-danger", gettext_lazy("нарушение")),
    "unknown": ("text-bg-secondary", gettext_lazy("неизвестно")),
}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS.get(status, _STATUS["unknown"])[0]


@register.filter
def status_label(status: str) -> str:
    return str(_STATUS.get(status, _STATUS["unknown"])[1])


@register.filter
def yesno_ru(value) -> str:
    if value is None:
        return "—"
    return _("да") if value else _("нет")


@register.filter
def info_labels(names) -> str:
    return ", ".join(str(INFO_LABELS.get(name, name)) for name in names or [])


@register.filter
def stale_note(stale) -> str:
    """A community entry's `stale` in words ("" when every value is fresh)."""
    return stale_text(stale)
