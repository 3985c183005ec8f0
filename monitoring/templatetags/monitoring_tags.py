from django import template
from django.utils.translation import gettext as _

from govpublic import states
from monitoring.compliance import INFO_LABELS, stale_text

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    return states.state(status).badge


@register.filter
def status_label(status: str) -> str:
    return str(states.state(status).label)


@register.filter
def status_glyph(status: str) -> str:
    return states.state(status).glyph


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


@register.inclusion_tag("_legend.html")
def state_legend() -> dict:
    """The four states with their glyphs and words: the one short legend of every table."""
    return {"legend": [states.state(code) for code in states.ORDER]}
