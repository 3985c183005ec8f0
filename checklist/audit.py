"""An organization's audit log as sentences a methodologist reads: who did what to which
document, in words, with labels rather than field codes and the file's own name rather than
its storage path. Built from auditlog's rows in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext as _

from checklist.models import ChecklistEntry, EntryEvent, EvidenceRevision, Verdict, WorkStatus
from organizations.models import Network, OfficialPage, Organization

LIMIT = 500
# A return's log row and its transition row are written in one transaction, moments apart.
RETURN_MATCH_SECONDS = 60

# Given names ending in -а/-я that are men's.
MEN_NAMES_IN_A = frozenset({"никита", "илья", "кузьма", "фома", "лука", "савва", "данила", "гаврила", "миша", "саша", "женя"})


@dataclass
class AuditLine:
    when: datetime
    who: str  # the person's short name, or "" when the portal itself acted
    text: str  # the sentence after the name (or the whole sentence when `who` is empty)
    details: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)


def person_name(user) -> str:
    """«Иванова И. И.»: the surname and initials when the account has a surname, else the full
    name as it is (an account named «Методист ЦРО» is not a person's name to shorten)."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if last[1:].islower() and first:
        initials = " ".join(f"{part[0]}." for part in first.split())
        return f"{last} {initials}"
    return user.get_full_name().strip() or user.username


def is_feminine(user) -> bool:
    """Russian verbs agree with the person: «утвердила», «утвердил». Read from the
    patronymic, then the surname, then the given name; a man's form when nothing tells."""
    names = user.first_name.lower().split()
    if len(names) > 1:
        if names[1].endswith(("вна", "чна", "кызы")):
            return True
        if names[1].endswith(("ич", "оглы")):
            return False
    last = user.last_name.lower().strip()
    if last.endswith(("ова", "ева", "ёва", "ина", "ына", "ая")):
        return True
    if last.endswith(("ов", "ев", "ёв", "ин", "ын", "ий", "ой", "ый")):
        return False
    return bool(names) and names[0].endswith(("а", "я")) and names[0] not in MEN_NAMES_IN_A


def organization_log(organization: Organization) -> list[AuditLine]:
    """The organization's last LIMIT changes, newest first, as sentences (seven queries)."""
    types = ContentType.objects.get_for_models(Organization, OfficialPage, ChecklistEntry, EvidenceRevision)
    items = dict(ChecklistEntry.objects.filter(organization=organization).values_list("pk", "item__title"))
    revisions = {
        pk: (entry_id, name, version)
        for pk, entry_id, name, version in EvidenceRevision.objects.filter(entry__organization=organization)
        .values_list("pk", "entry_id", "original_name", "version")
    }
    pages = {
        pk: (network, url)
        for pk, network, url in OfficialPage.all_objects.filter(organization=organization).values_list("pk", "network", "url")
    }
    log = list(
        LogEntry.objects.filter(
            Q(content_type=types[Organization], object_pk=str(organization.pk))
            | Q(content_type=types[OfficialPage], object_pk__in=[str(pk) for pk in pages])
            | Q(content_type=types[ChecklistEntry], object_pk__in=[str(pk) for pk in items])
            | Q(content_type=types[EvidenceRevision], object_pk__in=[str(pk) for pk in revisions])
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")[:LIMIT]
    )
    # A document loaded by a command has no actor in the log: its uploader is in the row.
    uploader_ids = {_after(record, "uploaded_by") for record in log if record.content_type_id == types[EvidenceRevision].pk}
    uploaders = get_user_model().objects.in_bulk([int(pk) for pk in uploader_ids if str(pk).isdigit()])
    # Why a document was returned is in its transition row, written in the same transaction.
    reasons = {}
    for entry_id, created_at, comment in EntryEvent.objects.filter(
        entry__organization=organization, to_status=WorkStatus.RETURNED
    ).values_list("entry_id", "created_at", "comment"):
        reasons.setdefault(entry_id, []).append((created_at, comment))
    context = _Context(organization, items, revisions, pages, uploaders, reasons)
    writers = {
        types[ChecklistEntry].pk: context.entry_line,
        types[EvidenceRevision].pk: context.revision_line,
        types[OfficialPage].pk: context.page_line,
        types[Organization].pk: context.organization_line,
    }
    return [writers[record.content_type_id](record) for record in log]


@dataclass
class _Context:
    organization: Organization
    items: dict[int, str]
    revisions: dict[int, tuple[int, str, int]]
    pages: dict[int, tuple[str, str]]
    uploaders: dict
    reasons: dict[int, list[tuple[datetime, str]]]

    @property
    def org_name(self) -> str:
        return self.organization.short_name.replace(" ", "\u00a0")  # «СОШ №9» never split across lines

    def entry_line(self, record: LogEntry) -> AuditLine:
        changes = record.changes_dict or {}
        values = {"item": self.items.get(_pk(record), record.object_repr), "org": self.org_name}
        status = _after(record, "status") if "status" in changes else None
        details = _details(record, skip={"status", "verdict"} if status else set())
        if status == WorkStatus.SUBMITTED:
            return _line(record, record.actor, _("Документ «%(item)s» %(org)s отправлен на проверку"),
                         (_("отправил на проверку документ «%(item)s» %(org)s"),
                          _("отправила на проверку документ «%(item)s» %(org)s")), values, details)
        if status == WorkStatus.APPROVED:
            return _line(record, record.actor, _("Документ «%(item)s» %(org)s утверждён"),
                         (_("утвердил документ «%(item)s» %(org)s"), _("утвердила документ «%(item)s» %(org)s")),
                         values, details)
        if status == WorkStatus.RETURNED:
            line = _line(record, record.actor, _("Документ «%(item)s» %(org)s возвращён на доработку"),
                         (_("вернул на доработку документ «%(item)s» %(org)s"),
                          _("вернула на доработку документ «%(item)s» %(org)s")), values, details)
            reason = self.reason(_pk(record), record.timestamp)
            if reason:
                line.text += _(" с комментарием «%(comment)s»") % {"comment": reason}
            return line
        if "verdict" in changes and record.actor is None:
            values["after"] = _choice_label(Verdict, _after(record, "verdict"))
            details = _details(record, skip={"verdict"})
            return _line(record, None, _("Проверка портала: пункт «%(item)s» %(org)s — «%(after)s»"), None, values, details)
        if record.action == LogEntry.Action.CREATE:
            return _line(record, record.actor, _("Пункт «%(item)s» добавлен в чек-лист %(org)s"),
                         (_("добавил пункт «%(item)s» в чек-лист %(org)s"), _("добавила пункт «%(item)s» в чек-лист %(org)s")),
                         values, [])
        return _line(record, record.actor, _("Пункт «%(item)s» %(org)s изменён"),
                     (_("изменил пункт «%(item)s» %(org)s"), _("изменила пункт «%(item)s» %(org)s")), values, details)

    def reason(self, entry_id: int | None, when: datetime) -> str:
        """The comment of the return nearest in time to the log row (the same transaction)."""
        returns = self.reasons.get(entry_id, [])
        nearest = min(returns, key=lambda row: abs((row[0] - when).total_seconds()), default=None)
        if nearest is None or abs((nearest[0] - when).total_seconds()) > RETURN_MATCH_SECONDS:
            return ""
        return nearest[1]

    def revision_line(self, record: LogEntry) -> AuditLine:
        entry_id, name, version = self.revisions.get(_pk(record), (None, None, None))
        if name is None:  # deleted since: what the row itself kept
            entry_id, name, version = _value(record, "entry"), _value(record, "original_name"), _value(record, "version")
        values = {
            "name": name or record.object_repr, "version": version or "?", "org": self.org_name,
            "item": self.items.get(int(entry_id), "") if str(entry_id).isdigit() else "",
        }
        if record.action == LogEntry.Action.DELETE:
            return _line(record, record.actor, _("Файл «%(name)s» (версия %(version)s) к пункту «%(item)s» удалён"),
                         (_("удалил файл «%(name)s» (версия %(version)s) к пункту «%(item)s»"),
                          _("удалила файл «%(name)s» (версия %(version)s) к пункту «%(item)s»")), values, [])
        actor = record.actor or self.uploaders.get(int(_value(record, "uploaded_by") or 0))
        return _line(record, actor, _("Загружен файл «%(name)s» (версия %(version)s) к пункту «%(item)s» %(org)s"),
                     (_("загрузил файл «%(name)s» (версия %(version)s) к пункту «%(item)s» %(org)s"),
                      _("загрузила файл «%(name)s» (версия %(version)s) к пункту «%(item)s» %(org)s")), values, [])

    def page_line(self, record: LogEntry) -> AuditLine:
        network, url = self.pages.get(_pk(record), ("", ""))
        values = {"network": _choice_label(Network, network) or _("соцсети"), "org": self.org_name,
                  "url": _after(record, "url") or url}
        changes = record.changes_dict or {}
        if record.action == LogEntry.Action.CREATE:
            return _line(record, record.actor, _("Указана страница %(network)s %(org)s: %(url)s"),
                         (_("указал страницу %(network)s %(org)s: %(url)s"), _("указала страницу %(network)s %(org)s: %(url)s")),
                         values, [])
        if "detached_at" in changes:
            attached = _after(record, "detached_at") in (None, "None", "")
            if attached:
                return _line(record, record.actor, _("Страница %(network)s %(org)s снова указана: %(url)s"),
                             (_("снова указал страницу %(network)s %(org)s: %(url)s"),
                              _("снова указала страницу %(network)s %(org)s: %(url)s")), values, [])
            return _line(record, record.actor, _("Ссылка на страницу %(network)s %(org)s снята: %(url)s"),
                         (_("снял ссылку на страницу %(network)s %(org)s: %(url)s"),
                          _("сняла ссылку на страницу %(network)s %(org)s: %(url)s")), values, [])
        return _line(record, record.actor, _("Сведения о странице %(network)s %(org)s изменены"),
                     (_("изменил сведения о странице %(network)s %(org)s"), _("изменила сведения о странице %(network)s %(org)s")),
                     values, _details(record))

    def organization_line(self, record: LogEntry) -> AuditLine:
        values = {"org": self.org_name}
        if record.action == LogEntry.Action.CREATE:
            return _line(record, record.actor, _("Организация %(org)s внесена в реестр"),
                         (_("внёс организацию %(org)s в реестр"), _("внесла организацию %(org)s в реестр")), values, [])
        return _line(record, record.actor, _("Сведения об организации %(org)s изменены"),
                     (_("изменил сведения об организации %(org)s"), _("изменила сведения об организации %(org)s")),
                     values, _details(record))


def _line(record: LogEntry, actor, passive: str, active: tuple[str, str] | None, values: dict, details) -> AuditLine:
    """With a person: «<name> утвердила …»; without one (a command, the nightly sweep): the passive."""
    if actor is None or active is None:
        return AuditLine(record.timestamp, "", passive % values, details)
    verb = active[1] if is_feminine(actor) else active[0]
    return AuditLine(record.timestamp, person_name(actor), verb % values, details)


def _pk(record: LogEntry) -> int | None:
    return int(record.object_pk) if str(record.object_pk).isdigit() else None


def _value(record: LogEntry, name: str):
    """A field's value as the row kept it: the new one, or the old one of a deletion."""
    before, after = (record.changes_dict or {}).get(name, (None, None))
    value = before if record.action == LogEntry.Action.DELETE else after
    return None if value in (None, "None") else value


def _after(record: LogEntry, name: str):
    values = (record.changes_dict or {}).get(name)
    return values[1] if isinstance(values, (list, tuple)) and len(values) == 2 else None


def _choice_label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def _details(record: LogEntry, skip: set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(field label, before, after) in Russian labels and choice names, empty values as a dash.
    From the stored diff alone, with no query per row (auditlog's `changes_display_dict`
    fetches every related object one by one). Keys, links to other rows, files (a storage
    path means nothing to a person) and automatic timestamps are left out."""
    model = record.content_type.model_class()
    changes = []
    for name, values in (record.changes_dict or {}).items():
        if name in skip:
            continue
        try:
            field_ = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field_ = None
        if field_ is None or not field_.concrete or field_.is_relation or field_.primary_key or not field_.editable:
            continue
        if getattr(field_, "auto_now", False) or getattr(field_, "auto_now_add", False) or field_.get_internal_type() == "FileField":
            continue
        if not isinstance(values, (list, tuple)) or len(values) != 2:
            continue
        labels = {str(key): str(label) for key, label in field_.flatchoices} if field_.choices else {}
        before, after = (labels.get(str(value), str(value)) for value in values)
        changes.append((str(field_.verbose_name), _or_dash(before), _or_dash(after)))
    return changes


def _or_dash(value: str) -> str:
    return "—" if value in ("None", "") else value
