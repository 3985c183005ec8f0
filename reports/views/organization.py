"""The organization page, staff's home: what to fix and how, a chart of posts per week
per page, what the sweep saw, open alerts, the checklist with its documents, advice."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checklist.models import ChecklistEntry, ChecklistItem, WorkStatus
from checklist.selectors import organization_checklist
from monitoring.compliance import INFO_LABELS, community_entry, judge_item, overall_status, page_verdicts
from monitoring.models import ChangeEvent, PagePost, RuleSettings
from monitoring.networks.max.bot import bot_username
from monitoring.networks.max.rules import bot_missing_error
from monitoring.rules import MOSCOW, PaperworkItem, moscow_week_start
from organizations.access import Access, get_organization_for_user, membership_of, require_edit
from organizations.models import Membership, Network, Organization, shown_networks
from organizations.services import membership_welcome_dismiss
from reports import cache as page_cache
from reports.views.audience import audience_context, unanswered_comments
from reports.quality import organization_quality
from reports.welcome import this_week

CHART_WEEKS = 12


@dataclass
class Todo:
    severity: str  # "fail" or "warning"
    text: str
    how: str = ""
    anchor: str = ""


def weekly_chart(organization, today: datetime.date, networks: list[str], rules: RuleSettings | None = None) -> dict:
    """Community posts per Moscow week for the last CHART_WEEKS weeks, per network; the
    last week is the unfinished current one (drawn apart, never judged)."""
    current = today - datetime.timedelta(days=today.weekday())
    weeks = [current - datetime.timedelta(weeks=n) for n in reversed(range(CHART_WEEKS))]
    start = datetime.datetime.combine(weeks[0], datetime.time.min, MOSCOW)
    counts: dict[str, Counter] = {network: Counter() for network in networks}
    rows = PagePost.objects.on_wall().filter(
        page__organization=organization, page__detached_at=None, from_community=True, date__gte=start
    ).values_list("page__network", "date")
    for network, moment in rows:
        if network in counts:
            counts[network][moscow_week_start(moment)] += 1
    rules = rules or RuleSettings.for_district(organization.district_id)
    return {
        "labels": [week.strftime("%d.%m") for week in weeks],
        "series": {network: [counts[network][week] for week in weeks] for network in networks},
        "norm_min": rules.posts_per_week_min,
        "norm_target": rules.posts_per_week_target,
        "current_index": len(weeks) - 1,
        # The chart's words travel with its data, so they are translated like the page.
        "texts": {
            "posts": _("Публикаций"),
            "norm_min": _("Норма: минимум"),
            "norm_target": _("Норма: цель"),
            "current": _("тек."),
        },
    }


def what_to_fix(communities: list[dict], manual_entries, today: datetime.date, max_required: bool = False) -> list[Todo]:
    """Plain-language tasks from the verdicts and the checklist, most urgent first. A MAX
    channel's tasks are a channel's, and only advice (never red) where the district does not
    require MAX (§3.5)."""
    todos: list[Todo] = []
    for entry in communities:
        if entry["network"] == Network.MAX:
            todos += _channel_todos(entry, max_required)
            continue
        label = Network(entry["network"]).label
        anchor = f"net-{entry['network']}"
        if entry.get("missing"):
            todos.append(Todo("fail", _("%(n)s: официальная страница не указана.") % {"n": label},
                              _("Вставьте ссылку на сообщество в разделе «Официальные страницы»."), "pages"))
            continue
        if entry.get("is_community") is False:
            todos.append(Todo("fail", _("%(n)s: указана личная страница, а не сообщество.") % {"n": label},
                              _("Укажите ссылку на сообщество (группу) организации."), "pages"))
            continue
        if entry.get("deactivated"):
            todos.append(Todo("fail", _("%(n)s: страница удалена или заблокирована.") % {"n": label}, "", anchor))
            continue
        if entry.get("gov_mark") is False:
            todos.append(Todo("fail", _("%(n)s: нет метки «Госорганизация».") % {"n": label},
                              _("Подтвердите статус через Госуслуги: управление сообществом → «Основная информация» → «Подтвердить статус через Госуслуги»."), anchor))
        if entry.get("closed"):
            todos.append(Todo("fail", _("%(n)s: сообщество закрыто.") % {"n": label},
                              _("Откройте сообщество: официальная страница должна быть доступна всем."), anchor))
        total = entry.get("posts_total")
        if total is not None and total < 2:
            todos.append(Todo("fail", _("%(n)s: меньше двух публикаций.") % {"n": label},
                              _("Паблик не должен пустовать: опубликуйте новости организации."), anchor))
        if entry.get("regular") is False:
            weeks = ", ".join(str(week["posts"]) for week in entry.get("weekly_posts") or [])
            todos.append(Todo("warning", _("%(n)s: публикации нерегулярны (по неделям: %(weeks)s).") % {"n": label, "weeks": weeks},
                              _("Нужно 3–4 публикации каждую неделю."), anchor))
        if entry.get("posts_not_from_community"):
            todos.append(Todo("warning", _("%(n)s: на стене есть публикации не от имени сообщества (%(c)d).") % {"n": label, "c": entry["posts_not_from_community"]},
                              _("Публикуйте от имени сообщества; закройте стену для записей посторонних или удаляйте их."), anchor))
        if entry.get("reposts_from_personal_pages"):
            todos.append(Todo("warning", _("%(n)s: новости репостятся с личных страниц (%(c)d).") % {"n": label, "c": entry["reposts_from_personal_pages"]},
                              _("Публикуйте новости сразу в сообществе, а не на странице сотрудника."), anchor))
        if entry.get("missing_info"):
            missing = ", ".join(str(INFO_LABELS.get(name, name)) for name in entry["missing_info"])
            todos.append(Todo("warning", _("%(n)s: не указано: %(m)s.") % {"n": label, "m": missing},
                              _("Заполните «Основную информацию» и контакты сообщества."), anchor))
        if entry.get("error"):
            todos.append(Todo("unknown", _("%(n)s: %(e)s") % {"n": label, "e": entry["error"]}, "", anchor))
    for entry in manual_entries:
        if entry.status == WorkStatus.APPROVED:
            continue
        due = entry.effective_due_date
        overdue = due is not None and due < today
        if entry.status == WorkStatus.SUBMITTED:
            continue  # waiting for the methodologist, nothing to do here
        what = entry.item.title
        if entry.status == WorkStatus.RETURNED:
            # What the methodologist wrote when returning it is the actual task.
            comment = _last_return_comment(entry)
            if comment:
                text = _("«%(what)s» возвращено на доработку. Замечание методиста: %(comment)s") % {
                    "what": what, "comment": comment}
            else:
                text = _("«%(what)s» возвращено на доработку.") % {"what": what}
        elif overdue:
            text = _("«%(what)s»: срок %(due)s истёк.") % {"what": what, "due": due.strftime("%d.%m.%Y")}
        else:
            text = _("«%(what)s»: документ не загружен.") % {"what": what}
        todos.append(Todo("fail" if overdue or entry.status == WorkStatus.RETURNED else "warning", text,
                          entry.item.description, f"item-{entry.item.code}"))
    order = {"fail": 0, "unknown": 1, "warning": 2}
    return sorted(todos, key=lambda todo: order.get(todo.severity, 3))


def _channel_todos(entry: dict, required: bool) -> list[Todo]:
    """What to fix on the MAX channel (§3.5), in a channel's words."""
    anchor = f"net-{Network.MAX}"
    todos: list[Todo] = []
    if entry.get("missing"):
        todos.append(Todo("fail", _("MAX: канал не указан."),
                          _("Вставьте публичную ссылку на канал организации (max.ru/…) в разделе «Официальные страницы»."), "pages"))
    elif entry.get("is_community") is False:
        todos.append(Todo("fail", _("MAX: по ссылке чат, а не канал."),
                          _("Укажите ссылку на канал организации, а не на чат."), "pages"))
    elif entry.get("deactivated"):
        todos.append(Todo("fail", _("MAX: канал не найден по ссылке или не публичный."),
                          _("Сделайте канал публичным и укажите его публичную ссылку max.ru/…"), anchor))
    else:
        if entry.get("closed"):
            todos.append(Todo("fail", _("MAX: канал закрыт."), _("Официальный канал должен быть публичным."), anchor))
        total = entry.get("posts_total")
        if total is not None and total < 2:
            todos.append(Todo("fail", _("MAX: в канале меньше двух публикаций."),
                              _("Канал не должен пустовать: публикуйте новости организации."), anchor))
        if entry.get("regular") is False:
            weeks = ", ".join(str(week["posts"]) for week in entry.get("weekly_posts") or [])
            todos.append(Todo("warning", _("MAX: публикации нерегулярны (по неделям: %(weeks)s).") % {"weeks": weeks},
                              _("Нужно 3–4 публикации каждую неделю."), anchor))
        if entry.get("missing_info"):
            missing = ", ".join(str(INFO_LABELS.get(name, name)) for name in entry["missing_info"])
            todos.append(Todo("warning", _("MAX: в описании канала не указано: %(m)s.") % {"m": missing},
                              _("У канала MAX нет полей для контактов: впишите адрес, телефон, почту и сайт в описание."), anchor))
        if entry.get("error"):
            how = _("Три шага — в карточке MAX ниже.") if bot_missing_error() in entry["error"] else ""
            todos.append(Todo("unknown", _("MAX: %(e)s") % {"e": entry["error"]}, how, anchor))
    if not required:
        return [Todo("warning" if todo.severity == "fail" else todo.severity, todo.text, todo.how, todo.anchor)
                for todo in todos]
    return todos


def _chart_rows(chart: dict) -> list[tuple[str, bool, list[int]]]:
    """The chart's numbers as table rows (week, is it the current one, a count per network),
    for readers who cannot see the canvas."""
    networks = list(chart["series"])
    return [
        (label, index == chart["current_index"], [chart["series"][network][index] for network in networks])
        for index, label in enumerate(chart["labels"])
    ]


def _last_return_comment(entry) -> str:
    """The comment of the entry's latest return; its events come prefetched (no query)."""
    returns = [event for event in entry.events.all() if event.to_status == WorkStatus.RETURNED]
    if not returns:
        return ""
    return max(returns, key=lambda event: (event.created_at, event.pk)).comment


def item_message_tag(code: str) -> str:
    """The tag of a message that belongs on a checklist item, not at the top of the page."""
    return f"item-{code}"


def _notes_in_reader_language(organization: Organization, entries: list[ChecklistEntry], pages: dict,
                              minimum: int) -> None:
    """The sweep stores each automatic item's note in Russian, the portal's language; a reader in
    another language gets it said again from the same page verdicts, in theirs."""
    if get_language() == settings.LANGUAGE_CODE or not entries:
        return
    verdicts = page_verdicts(organization, pages.values())
    for entry in entries:
        if entry.verdict_note:
            entry.verdict_note = judge_item(entry.item.code, verdicts, minimum)[1]


@require_GET
@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization, access = get_organization_for_user(request.user, pk)
    page_cache.keep_page(request, ("organization", organization.pk), *page_cache.menu_versions(request))
    return organization_page(request, organization, access)


def organization_page(
    request: HttpRequest, organization: Organization, access: Access, *, refused: tuple[ChecklistEntry, Form] | None = None
) -> HttpResponse:
    """The page, also as the answer to a refused upload: `refused` is (entry, bound form),
    shown with what was typed and each error at its field.

    Everything but the menu is the same for every reader of one role until the organization's
    data changes: it is kept (reports.cache) under the organization, the role, the rows the view
    reads anyway and the organization's version, with holes for the CSRF token and the comments
    waiting for an answer (their ages move with the clock). A refused form or a message to show
    is for one reader only: that page is built afresh and not kept. The comments waiting for an
    answer are kept apart, for a minute at most, and the whole page for its reader a minute more
    (`keep_page`)."""
    today = timezone.localdate()
    pages = {page.network: page for page in organization.pages.select_related("state__last_run")}
    rules = RuleSettings.for_district(organization.district_id)  # its district's (§2)
    membership = membership_of(request.user)
    is_staff_member = access.can_edit and membership is not None and membership.role == Membership.Role.STAFF
    show_welcome = is_staff_member and (membership.welcome_dismissed_at is None or request.GET.get("welcome") == "1")
    waiting = list(get_messages(request))

    def build() -> tuple[str, list]:
        return _organization_body(request, organization, access, pages, rules, today, show_welcome=show_welcome,
                                  welcome_reopen=is_staff_member and not show_welcome, refused=refused, waiting=waiting)

    def unanswered_part() -> str:
        return render_to_string("reports/_unanswered.html", {"unanswered": unanswered_comments(pages.get(Network.VK))})

    if refused is None and not waiting:
        body_key = organization_page_key(
            "organization", organization, pages, access.can_edit, access.can_review, show_welcome, is_staff_member,
            _values(rules), settings.MAX_BOT_TOKEN != "",
        )
        body, top_messages = page_cache.computed(body_key, build)
        # The comments' list moves with the clock (a comment turns a day old, a post leaves the
        # fortnight, an age gains an hour): kept a minute at most, and anew at any change.
        minute = timezone.now().replace(second=0, microsecond=0)
        unanswered = page_cache.computed(f"{body_key}:unanswered:{minute.isoformat()}", unanswered_part)
    else:
        body, top_messages = build()
        unanswered = unanswered_part()
    return render(
        request,
        "reports/organization.html",
        {"organization": organization, "access": access, "messages": top_messages,
         "body": page_cache.filled(body, request, unanswered=unanswered)},
    )


def organization_page_key(name: str, organization: Organization, pages: dict, *parts) -> str:
    """The cache key (reports.cache) of a part of a page about one organization, drawn from
    the rows the view has read (the organization, its pages with their states), the checklist
    items, the settings it is drawn with, `parts`, and the organization's version."""
    return page_cache.key(
        name, _values(organization),
        [(_values(page), _values(getattr(page, "state", None)), _values(getattr(getattr(page, "state", None), "last_run", None)))
         for page in pages.values()],
        list(ChecklistItem.objects.order_by("position").values_list()),
        settings.UPLOAD_MAX_MB,  # the upload forms' limit
        *parts,
        version=lambda: page_cache.organization_version(organization.pk),
    )


def _values(row) -> list | None:
    """A row's stored values, for a cache key: any change to the row makes another key."""
    if row is None:
        return None
    return [field.value_from_object(row) for field in row._meta.concrete_fields]


def _organization_body(
    request: HttpRequest, organization: Organization, access: Access, pages: dict, rules: RuleSettings,
    today: datetime.date, *, show_welcome: bool, welcome_reopen: bool,
    refused: tuple[ChecklistEntry, Form] | None, waiting: list,
) -> tuple[str, list]:
    """The page's content, with holes (reports.cache), and the messages for its top."""
    bound_forms = {}
    if refused is not None:
        entry, form = refused
        first_error = next((name for name in form.fields if name in form.errors), None)
        if first_error:
            form.fields[first_error].widget.attrs["autofocus"] = True  # the browser scrolls to it
        bound_forms[entry.pk] = form
    checklist = organization_checklist(organization, pages=list(pages.values()), bound_forms=bound_forms)
    page_messages = _messages_to_items(waiting, checklist["manual_entries"])
    _notes_in_reader_language(organization, checklist["automatic_entries"], pages, rules.posts_total_min)
    max_required = rules.max_required
    networks = shown_networks(pages, max_required)
    communities = [community_entry(pages.get(network), network) for network in networks]
    paperwork = [
        PaperworkItem(code=e.item.code, approved=e.status == WorkStatus.APPROVED, due_date=e.effective_due_date)
        for e in checklist["manual_entries"]
    ]
    status = overall_status(communities, paperwork, today, max_required)
    chart = weekly_chart(organization, today, networks, rules)
    bot_missing = any(c["network"] == Network.MAX and bot_missing_error() in (c.get("error") or "") for c in communities)
    todos = what_to_fix(communities, checklist["manual_entries"], today, max_required)
    changes = list(ChangeEvent.objects.filter(organization=organization).select_related("page")[:100])
    alerts = [event for event in changes if event.acknowledged_at is None]
    timeline = sorted(
        [("change", event.created_at, event) for event in changes[:30]]
        # The checklist's entries came with their events: the timeline takes them from there.
        + [("entry", event.created_at, event) for entry in checklist["entries"] for event in entry.events.all()],
        key=lambda item: item[1],
        reverse=True,
    )[:30]
    body = render_to_string(
        "reports/_organization_body.html",
        {
            "organization": organization,
            "access": access,
            "status": status,
            "todos": todos,
            "welcome": this_week(todos=todos, manual_entries=checklist["manual_entries"], chart=chart, today=today)
            if show_welcome else None,
            "welcome_reopen": welcome_reopen,
            "refused_entry": refused[0] if refused else None,
            "communities": [(Network(c["network"]), c, pages.get(c["network"])) for c in communities],
            "chart": chart,
            "chart_rows": _chart_rows(chart),
            "qr_pages": [pages[network] for network in networks if network in pages],
            "max_required": max_required,
            "max_unread": not settings.MAX_BOT_TOKEN,
            "max_bot_missing": bot_missing,
            "max_bot": bot_username() if bot_missing else None,
            "alerts": alerts,
            "timeline": timeline,
            "quality": organization_quality(organization),
            **audience_context(organization, pages, communities),
            **checklist,
            # Holes, filled for each reader (reports.cache.filled).
            "csrf_token": page_cache.CSRF_HOLE,
            "unanswered_hole": page_cache.hole("unanswered"),
        },
        # No request: the context processors (the menu's user and counts) are the page's around it.
    )
    return body, page_messages


def _messages_to_items(messages: list, entries) -> list:
    """Hang each item's message on its entry (it is shown in the item's card, where the
    page lands); return the rest, for the top of the page."""
    by_tag = {item_message_tag(entry.item.code): entry for entry in entries}
    rest = []
    for message in messages:
        entry = next((by_tag[tag] for tag in message.extra_tags.split() if tag in by_tag), None)
        if entry is None:
            rest.append(message)
        else:
            entry.message = message
    return rest


@require_POST
@login_required
def welcome_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    organization, access = get_organization_for_user(request.user, pk)
    require_edit(access)
    membership = membership_of(request.user)
    if membership is not None and membership.role == Membership.Role.STAFF:
        membership_welcome_dismiss(membership=membership)
    return redirect("organization-detail", organization.pk)


urlpatterns = [
    path("org/<int:pk>/", organization_detail, name="organization-detail"),
    path("org/<int:pk>/welcome/dismiss/", welcome_dismiss, name="welcome-dismiss"),
]
