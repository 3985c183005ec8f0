"""Signals that the «Госорганизация» mark may be lost (DESIGN §3.3), as a pure function.

The briefing: the mark disappears after a rename, an admin change, a change of the main
information or a hack, and must then be confirmed again through Госуслуги. The sweep
compares each snapshot and verdict with the last ones; every difference found here
becomes an event row, and notifying is a later, separate step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.networks.max.rules import bot_missing_error
from monitoring.rules import Thresholds
from monitoring.types import MAX, Community

SEVERITY_INFO = "info"
SEVERITY_WARNING = "warning"
SEVERITY_CRITICAL = "critical"

GOV_MARK_LOST = "gov_mark_lost"
GOV_MARK_GAINED = "gov_mark_gained"
RENAMED = "renamed"
DESCRIPTION_CHANGED = "description_changed"
SITE_CHANGED = "site_changed"
ADDRESS_CHANGED = "address_changed"
PHONE_CHANGED = "phone_changed"
EMAIL_CHANGED = "email_changed"
CONTACTS_CHANGED = "contacts_changed"
CLOSED = "closed"
DEACTIVATED = "deactivated"
OTHERS_POSTS_APPEARED = "others_posts_appeared"
BECAME_IRREGULAR = "became_irregular"
BECAME_EMPTY = "became_empty"
BOT_REMOVED = "bot_removed"


@dataclass(frozen=True)
class Change:
    """One difference worth an event. `old`/`new` are JSON-ready values."""

    kind: str
    severity: str
    message: str
    old: Any = None
    new: Any = None


def detect_changes(
    previous: Community | None,
    current: Community | None,
    prev_verdict: Mapping[str, Any] | None,
    cur_verdict: Mapping[str, Any] | None,
    *,
    network: str = "",
    thresholds: Thresholds | None = None,
) -> list[Change]:
    """The changes between the last observation of a page and this one.

    `previous` is the last snapshot that was read, `current` this sweep's (None when the
    info could not be read, or OK no longer returns the group). Snapshot differences need
    both; verdict differences (closed, deactivated, posts) need both verdicts. Only
    observed transitions count: a value that was unknown before raises nothing, so the
    first observation of a page raises nothing at all. On MAX (`network`) the words are a
    channel's, and a bot that could read the channel's messages and no longer can is an
    event of its own (§3.5).
    """
    thresholds = thresholds or Thresholds()
    changes: list[Change] = []
    if previous is not None and current is not None and _comparable(previous, current):
        changes += _snapshot_changes(previous, current)
    if prev_verdict is not None and cur_verdict is not None:
        changes += _verdict_changes(prev_verdict, cur_verdict, thresholds, channel=network == MAX)
    return changes


def _comparable(previous: Community, current: Community) -> bool:
    # Another community registered in place of the old one is not a change of that page.
    if (previous.network, previous.external_id) != (current.network, current.external_id):
        return False
    # A deleted or banned page comes back stripped of its info; the `deactivated` event
    # says what happened, a dozen "changed to empty" events would only bury it.
    return not (previous.deactivated or current.deactivated)


def _snapshot_changes(previous: Community, current: Community) -> list[Change]:
    edits: list[tuple[str, str, Any, Any]] = []

    def compare(kind: str, message: str, old: Any, new: Any) -> None:
        if old != new:
            edits.append((kind, message, old, new))

    channel = current.network == MAX
    old_name, new_name = previous.name.strip(), current.name.strip()
    compare(
        RENAMED,
        (_("Изменено название канала: «%(old)s» → «%(new)s».") if channel
         else _("Изменено название сообщества: «%(old)s» → «%(new)s»."))
        % {"old": old_name, "new": new_name},
        old_name,
        new_name,
    )
    compare(
        DESCRIPTION_CHANGED,
        _("Изменено описание канала.") if channel else _("Изменено описание сообщества."),
        previous.description.strip(),
        current.description.strip(),
    )
    old_sites, new_sites = _value_set(previous.sites), _value_set(current.sites)
    compare(
        SITE_CHANGED,
        _("Изменены ссылки на сайт: %(old)s → %(new)s.")
        % {"old": _listing(old_sites), "new": _listing(new_sites)},
        old_sites,
        new_sites,
    )
    old_address, new_address = previous.address.strip(), current.address.strip()
    compare(
        ADDRESS_CHANGED,
        _("Изменён адрес: «%(old)s» → «%(new)s».") % {"old": old_address, "new": new_address},
        old_address,
        new_address,
    )
    # Phones, e-mails and contact persons may be personal data: the message does not
    # repeat them; the event keeps old/new for the people allowed to see the page.
    compare(
        PHONE_CHANGED,
        _("Изменён телефон в сведениях сообщества."),
        _value_set(previous.phones),
        _value_set(current.phones),
    )
    compare(
        EMAIL_CHANGED,
        _("Изменена электронная почта в сведениях сообщества."),
        _value_set(email.lower() for email in previous.emails),
        _value_set(email.lower() for email in current.emails),
    )
    compare(
        CONTACTS_CHANGED,
        _("Изменился список контактов сообщества: возможно, сменились администраторы."),
        _value_set(previous.contact_ids),
        _value_set(current.contact_ids),
    )

    changes: list[Change] = []
    mark_lost = previous.gov_mark is True and current.gov_mark is False
    if mark_lost:
        message = _("Метка «Госорганизация» снята.")
        if edits:
            message += " " + _("Перед этим изменилось: %(what)s.") % {
                "what": ", ".join(str(_EDIT_NAMES[edit[0]]) for edit in edits)
            }
        message += " " + _reconfirm_instructions()
        changes.append(Change(GOV_MARK_LOST, SEVERITY_CRITICAL, message, True, False))
    elif previous.gov_mark is False and current.gov_mark is True:
        message = _("Метка «Госорганизация» получена.")
        changes.append(Change(GOV_MARK_GAINED, SEVERITY_INFO, message, False, True))

    mark_on = current.gov_mark is True
    for kind, message, old, new in edits:
        if mark_on:
            message += " " + _(
                "Внимание: метка «Госорганизация» может быть снята — проверьте её на странице "
                "сообщества."
            )
        severity = SEVERITY_WARNING if mark_on else SEVERITY_INFO
        changes.append(Change(kind, severity, message, old, new))
    return changes


def _verdict_changes(
    prev: Mapping[str, Any], cur: Mapping[str, Any], thresholds: Thresholds, *, channel: bool = False
) -> list[Change]:
    changes: list[Change] = []
    if prev.get("closed") is False and cur.get("closed") is True:
        changes.append(
            Change(
                CLOSED,
                SEVERITY_CRITICAL,
                _("Канал стал закрытым: официальный канал должен быть публичным.") if channel
                else _("Сообщество стало закрытым: официальная страница должна быть открыта всем."),
                False,
                True,
            )
        )
    if prev.get("deactivated") is False and cur.get("deactivated") is True:
        changes.append(
            Change(
                DEACTIVATED,
                SEVERITY_CRITICAL,
                _("Канал удалён или перестал быть публичным: ссылка больше не ведёт на канал.") if channel
                else _("Страница удалена или заблокирована соцсетью."),
                False,
                True,
            )
        )
    if channel and _bot_missing(cur) and not _bot_missing(prev) and prev.get("weekly_posts") is not None:
        changes.append(
            Change(
                BOT_REMOVED,
                SEVERITY_WARNING,
                _(
                    "Бот района больше не администратор канала: его публикации не проверяются. "
                    "Добавьте бота в администраторы канала снова — как, сказано на странице организации."
                ),
                True,
                False,
            )
        )
    old_others = prev.get("posts_not_from_community")
    new_others = cur.get("posts_not_from_community")
    if old_others == 0 and isinstance(new_others, int) and new_others > 0:
        changes.append(
            Change(
                OTHERS_POSTS_APPEARED,
                SEVERITY_WARNING,
                _(
                    "На стене появились записи не от имени сообщества (%(count)d). Новости "
                    "публикуются от имени сообщества; проверьте, не взломана ли страница."
                )
                % {"count": new_others},
                old_others,
                new_others,
            )
        )
    if prev.get("regular") is True and cur.get("regular") is False:
        changes.append(
            Change(
                BECAME_IRREGULAR,
                SEVERITY_WARNING,
                _(
                    "Публикации стали нерегулярными: в одну из последних %(weeks)d недель "
                    "вышло меньше %(min)d."
                )
                % {"weeks": thresholds.weeks, "min": thresholds.posts_per_week_min},
                True,
                False,
            )
        )
    old_total, new_total = prev.get("posts_total"), cur.get("posts_total")
    minimum = thresholds.posts_total_min
    if (
        isinstance(old_total, int)
        and isinstance(new_total, int)
        and old_total >= minimum > new_total
    ):
        changes.append(
            Change(
                BECAME_EMPTY,
                SEVERITY_CRITICAL,
                _("В сообществе меньше %(min)d публикаций: паблик не должен пустовать.")
                % {"min": minimum},
                old_total,
                new_total,
            )
        )
    return changes


def _bot_missing(verdict: Mapping[str, Any]) -> bool:
    return bot_missing_error() in (verdict.get("error") or "")


def _reconfirm_instructions() -> str:
    return _(
        "Подтвердите статус заново через Госуслуги: управление сообществом → «Основная "
        "информация» → «Подтвердить статус через Госуслуги»."
    )


# Lazy: a module-level constant must follow the language active when a message is built.
_EDIT_NAMES = {
    RENAMED: gettext_lazy("название"),
    DESCRIPTION_CHANGED: gettext_lazy("описание"),
    SITE_CHANGED: gettext_lazy("сайт"),
    ADDRESS_CHANGED: gettext_lazy("адрес"),
    PHONE_CHANGED: gettext_lazy("телефон"),
    EMAIL_CHANGED: gettext_lazy("электронная почта"),
    CONTACTS_CHANGED: gettext_lazy("контакты"),
}


def _value_set(values: Iterable[str]) -> tuple[str, ...]:
    """Trimmed non-empty values, sorted: the API's order of links or phones means nothing."""
    return tuple(sorted({value.strip() for value in values if value.strip()}))


def _listing(values: tuple[str, ...]) -> str:
    return ", ".join(values) if values else _("нет")
