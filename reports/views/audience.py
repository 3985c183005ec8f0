"""«Аудитория и отклик» on the organization page (DESIGN §3.6): each page's subscribers against
the audience the organization states, views and engagement over time, and the people's
comments still waiting for an answer, each with its age and a link."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from monitoring.models import PageComment, PagePost, Snapshot
from monitoring.unanswered import unanswered_comments as waiting_now
from organizations.access import get_organization_for_user, require_edit
from organizations.importer import parse_audience
from organizations.models import Network, OfficialPage, Organization
from organizations.services import audience_set

CHART_WEEKS = 12


class AudienceForm(forms.Form):
    audience = forms.CharField(
        label=gettext_lazy("Аудитория организации, человек"), max_length=12, required=False,
        help_text=gettext_lazy("Ученики или воспитанники, сотрудники и родители вместе. С этим числом сравнивается число подписчиков."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].widget.attrs["class"] = "textinput form-control"  # templates/checklist/_field.html

    def clean_audience(self) -> int | None:
        raw = self.cleaned_data["audience"].strip()
        if not raw:
            return None
        audience = parse_audience(raw)
        if audience is None:
            raise forms.ValidationError(_("Укажите целое число людей, например 850."))
        return audience


def audience_context(organization: Organization, pages: dict[str, OfficialPage], communities: list[dict]) -> dict:
    """What the section shows but the comments waiting for an answer (`unanswered_comments`,
    read on each request: their ages move with the clock): figures per page, the history for
    the charts. One query."""
    since = timezone.now() - datetime.timedelta(weeks=CHART_WEEKS)
    history: dict[str, list[tuple[str, int | None, float | None]]] = {network: [] for network in pages}
    by_page = {page.pk: network for network, page in pages.items()}
    for page_id, taken_at, verdict in (
        Snapshot.objects.filter(page_id__in=by_page, taken_at__gte=since, info_read=True)
        .order_by("taken_at").values_list("page_id", "taken_at", "verdict")
    ):
        day = timezone.localtime(taken_at).strftime("%d.%m")
        points = history[by_page[page_id]]
        point = (day, verdict.get("subscribers"), verdict.get("views_per_post"))
        if points and points[-1][0] == day:
            points[-1] = point  # the day's last sweep stands for the day
        else:
            points.append(point)
    return {
        "audience_form": AudienceForm(initial={"audience": organization.audience or ""}),
        "audience_figures": [(Network(c["network"]), figure_rows(c)) for c in communities if not c.get("missing")],
        "audience_chart": {
            "series": {network: {"labels": [p[0] for p in points], "subscribers": [p[1] for p in points],
                                 "views": [p[2] for p in points]}
                       for network, points in history.items() if len(points) > 1},
            "texts": {"subscribers": _("Подписчики"), "views": _("Просмотров на публикацию")},
        },
    }


def figure_rows(entry: dict) -> list[tuple[str, str, str]]:
    """(key, label, value as people read it) of one page's §3.6 figures; «—» where unknown."""

    def shown(value, places: int = 0, suffix: str = "") -> str:
        return "—" if value is None else number_format(value, places, force_grouping=True) + suffix

    rows = [
        ("subscribers", _("Подписчики"), shown(entry.get("subscribers"))),
        ("audience_share", _("Подписано от аудитории"),
         shown(None if entry.get("audience_share") is None else entry["audience_share"] * 100, 0, " %")),
        ("views_per_post", _("Просмотров на публикацию"), shown(entry.get("views_per_post"), 1)),
        ("engagement_rate", _("Вовлечённость (реакции к просмотрам)"), shown(entry.get("engagement_rate"), 2, " %")),
    ]
    if entry["network"] == Network.VK:
        rows += [
            ("comments_unanswered", _("Комментарии без ответа больше суток"), shown(entry.get("comments_unanswered"))),
            ("comments_answered_share", _("Отвечено на комментарии"),
             shown(None if entry.get("comments_answered_share") is None else entry["comments_answered_share"] * 100, 0, " %")),
        ]
    return rows


def unanswered_comments(page: OfficialPage | None) -> list[PageComment]:
    """The people's comments under the page's community posts of the last 14 days that stand
    without an answer for more than 24 hours, oldest first, each with its post's text: the
    same comments the dashboard counts (`monitoring.unanswered`)."""
    if page is None:
        return []
    now = timezone.now()
    post = PagePost.objects.filter(page=OuterRef("page"), external_id=OuterRef("post_id"))
    comments = list(
        waiting_now(now).filter(page=page).annotate(post_text=Subquery(post.values("text")[:1])).order_by("written_at")
    )
    for comment in comments:
        comment.waiting = now - comment.written_at
    return comments


@require_POST
@login_required
def audience_update(request: HttpRequest, pk: int) -> HttpResponse:
    organization, access = get_organization_for_user(request.user, pk)
    require_edit(access)
    form = AudienceForm(request.POST)
    if form.is_valid():
        audience_set(organization=organization, audience=form.cleaned_data["audience"])
        messages.success(request, _("Аудитория сохранена."))
    else:
        for error in form.errors.get("audience", []):
            messages.error(request, error)
    return redirect(reverse("organization-detail", args=[organization.pk]) + "#audience")


urlpatterns = [path("org/<int:pk>/audience/", audience_update, name="audience-update")]
