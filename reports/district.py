"""«Справка о ведении госпабликов»: the district report a methodologist hands out at a
meeting, in the order of the briefing's slides.

Every verdict section is read from `compliance_export` — the same page verdicts the
dashboard and the export show — so a number in the report can be traced back to the
export row it came from. Only the best posts («Из опыта коллег») and the period's post
counts are read from the stored posts, and only they follow the chosen period: the
verdicts always describe the window of the latest sweep (DESIGN §3.2).

The PDF (reports/district_pdf.py) and the XLSX (reports/district_xlsx.py) both render the
one `DistrictReport` built here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklist.models import ChecklistItem, Verdict, WorkStatus
from monitoring.compliance import INFO_LABELS, NETWORKS, compliance_export
from monitoring.models import PagePost, SweepRun
from monitoring.rules import window_for
from monitoring.types import VK
from organizations.models import Network, OfficialPage, Organization

MOSCOW = ZoneInfo("Europe/Moscow")
KIND_ORDER = {
    Organization.Kind.SCHOOL: 0,
    Organization.Kind.KINDERGARTEN: 1,
    Organization.Kind.ADDITIONAL: 2,
    Organization.Kind.OTHER: 3,
}
PHOTO_KINDS = frozenset({"photo", "album"})
VIDEO_KINDS = frozenset({"video", "movie", "clip"})
BEST_POSTS_LIMIT = 6
# One post per organization: the section shows colleagues' practice, not one page's feed.
BEST_POSTS_PER_ORGANIZATION = 1
EXCERPT_LENGTH = 300
# A longer range is refused: the report is for a meeting, not an archive dig.
PERIOD_MAX_DAYS = 366

STATUS_LABELS = {
    "ok": gettext_lazy("в порядке"),
    "warning": gettext_lazy("есть замечания"),
    "fail": gettext_lazy("нарушения"),
    "unknown": gettext_lazy("нет данных"),
}
TITLE = gettext_lazy("Справка о ведении госпабликов")


# --- sorting -----------------------------------------------------------------------------


def natural_key(name: str) -> tuple:
    """«СОШ №4» before «СОШ №10»: digit runs compare as numbers, quotes are ignored."""
    text = name.strip().strip("«»\"'„“”").casefold()
    return tuple(int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", text)))


def organization_key(kind: str, short_name: str) -> tuple:
    """Schools, then kindergartens, then the others, each in natural name order."""
    return (KIND_ORDER.get(kind, len(KIND_ORDER)), natural_key(short_name))


# --- the period --------------------------------------------------------------------------


class PeriodError(ValueError):
    """A date range that cannot be used; the message is for the person who typed it."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    chosen: bool  # asked for explicitly, not the default window

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(0), tzinfo=MOSCOW)

    @property
    def ends_at(self) -> datetime.datetime:
        """Midnight after the last day (exclusive)."""
        return datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time(0), tzinfo=MOSCOW)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return _("с %(start)s по %(end)s") % {
            "start": self.start.strftime("%d.%m.%Y"),
            "end": self.end.strftime("%d.%m.%Y"),
        }


def latest_sweep() -> SweepRun | None:
    return SweepRun.objects.filter(status=SweepRun.Status.FINISHED).order_by("-started_at").first()


def default_period(weeks: int, *, anchor: datetime.datetime | None = None) -> Period:
    """The judged window of the latest sweep (its last `weeks` complete ISO weeks), or of
    now when nothing has been swept yet: the posts and the verdicts then cover the same days."""
    if anchor is None:
        run = latest_sweep()
        anchor = run.started_at if run else timezone.now()
    window = window_for(anchor, weeks)
    return Period(
        start=window.week_starts[0], end=window.current_week_start - datetime.timedelta(days=1), chosen=False
    )


def parse_period(
    start_text: str | None, end_text: str | None, *, weeks: int, today: datetime.date | None = None
) -> Period | None:
    """A period from `from`/`to` (YYYY-MM-DD, both inclusive); None when neither is given.

    One side alone is completed: no end → today, no start → `weeks` weeks before the end.
    Raises PeriodError with a message in Russian.
    """
    start_text, end_text = (start_text or "").strip(), (end_text or "").strip()
    if not start_text and not end_text:
        return None
    today = today or timezone.localdate()
    start = _parse_day(start_text, _("начала периода («from»)")) if start_text else None
    end = _parse_day(end_text, _("конца периода («to»)")) if end_text else None
    if end is None:
        end = max(today, start)
    if start is None:
        start = end - datetime.timedelta(weeks=weeks) + datetime.timedelta(days=1)
    if start > end:
        raise PeriodError(
            _("Начало периода (%(start)s) позже его конца (%(end)s).")
            % {"start": start.strftime("%d.%m.%Y"), "end": end.strftime("%d.%m.%Y")}
        )
    if (end - start).days + 1 > PERIOD_MAX_DAYS:
        raise PeriodError(_("Период не может быть длиннее %(days)d дней.") % {"days": PERIOD_MAX_DAYS})
    return Period(start=start, end=end, chosen=True)


def _parse_day(text: str, what: str) -> datetime.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(
            _("Дата %(what)s указана неверно: «%(value)s». Нужен формат ГГГГ-ММ-ДД, например 2026-11-02.")
            % {"what": what, "value": text[:40]}
        ) from None


# --- the report's rows -------------------------------------------------------------------


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


class OnNetwork:
    network: str

    @property
    def network_label(self) -> str:
        return str(Network(self.network).label)


@dataclass(frozen=True)
class PageIssue(OnNetwork):
    """One page of one organization and what is wrong with it, in one phrase."""

    short_name: str
    name: str
    kind: str
    network: str
    url: str | None
    detail: str
    value: int | None = None

    @property
    def sort_key(self) -> tuple:
        return (*organization_key(self.kind, self.short_name), NETWORKS.index(self.network))


@dataclass(frozen=True)
class MarkSummary(OnNetwork):
    """«Госорганизация» on one network: N of the organizations, and who lacks it."""

    network: str
    marked: int
    total: int
    without: list[PageIssue]

    @property
    def percent(self) -> int:
        return percent(self.marked, self.total)

    @property
    def phrase(self) -> str:
        return _("%(marked)d из %(total)d") % {"marked": self.marked, "total": self.total}

    @property
    def by_reason(self) -> list[tuple[str, list[PageIssue]]]:
        """The pages without the mark grouped by why, in the order first met."""
        groups: dict[str, list[PageIssue]] = {}
        for issue in self.without:
            groups.setdefault(issue.detail, []).append(issue)
        return list(groups.items())


@dataclass(frozen=True)
class IrregularRow(OnNetwork):
    short_name: str
    name: str
    kind: str
    network: str
    weekly: list[int]
    notes: list[str]
    minimum: int  # posts a week the rule asks for

    @property
    def in_window(self) -> int:
        return sum(self.weekly)

    @property
    def weeks_below(self) -> int:
        return len([n for n in self.weekly if n < self.minimum])


@dataclass(frozen=True)
class IrregularNetwork(OnNetwork):
    network: str
    rows: list[IrregularRow]
    regular: int  # pages judged regular on this network

    @property
    def names(self) -> list[str]:
        return [row.short_name for row in self.rows]


@dataclass(frozen=True)
class MissingInfoRow(OnNetwork):
    short_name: str
    name: str
    kind: str
    network: str
    fields: list[str]  # codes, in the order of DESIGN §3.2

    @property
    def labels(self) -> list[str]:
        return [str(INFO_LABELS.get(code, code)) for code in self.fields]


@dataclass(frozen=True)
class ChecklistItemRow:
    code: str
    title: str
    short_title: str
    manual: bool
    done: int
    submitted: int  # documents waiting for the methodologist (manual items only)
    total: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def how(self) -> str:
        return _("документ") if self.manual else _("автоматически")


@dataclass(frozen=True)
class ChecklistOrganizationRow:
    short_name: str
    name: str
    kind: str
    status: str
    done: int
    total: int
    not_done: list[str]  # short titles

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True)
class BestPost(OnNetwork):
    short_name: str
    name: str
    network: str
    date: datetime.datetime  # Moscow time
    excerpt: str
    hashtags: list[str]
    photo: bool
    video: bool
    likes: int
    reposts: int
    comments: int
    views: int | None
    url: str

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.comments

    @property
    def media_label(self) -> str:
        parts = [str(_("фото"))] if self.photo else []
        if self.video:
            parts.append(str(_("видео")))
        return ", ".join(parts) or "—"


@dataclass(frozen=True)
class PostStats(OnNetwork):
    """Community posts in the period on one network and the share of good practice."""

    network: str
    posts: int = 0
    with_hashtags: int = 0
    with_photo: int = 0
    with_video: int = 0

    @property
    def hashtags_percent(self) -> int:
        return percent(self.with_hashtags, self.posts)

    @property
    def photo_percent(self) -> int:
        return percent(self.with_photo, self.posts)

    @property
    def video_percent(self) -> int:
        return percent(self.with_video, self.posts)


@dataclass
class DistrictReport:
    title: str
    district: str
    generated_at: datetime.datetime  # Moscow time
    swept_at: datetime.datetime | None  # start of the latest finished sweep, Moscow time
    period: Period
    rules: dict[str, int]
    organizations_total: int
    status_counts: dict[str, int]
    marks: list[MarkSummary]
    attention: list[PageIssue]  # no page, not checked, closed, deactivated, no data
    few_posts: list[PageIssue]
    not_from_community: list[PageIssue]
    via_personal_pages: list[PageIssue]
    irregular: list[IrregularNetwork]
    missing_info: list[MissingInfoRow]
    checklist_items: list[ChecklistItemRow]
    checklist_organizations: list[ChecklistOrganizationRow]
    best_posts: list[BestPost]
    post_stats: list[PostStats]
    weeks: list[datetime.date] = field(default_factory=list)  # judged week starts of the verdicts

    @property
    def few_posts_organizations(self) -> list[str]:
        return list(dict.fromkeys(issue.short_name for issue in self.few_posts))

    def marks_for(self, network: str) -> MarkSummary:
        return next(summary for summary in self.marks if summary.network == network)

    def irregular_for(self, network: str) -> IrregularNetwork:
        return next(group for group in self.irregular if group.network == network)

    @property
    def status_rows(self) -> list[tuple[str, str, int]]:
        return [(code, str(label), self.status_counts.get(code, 0)) for code, label in STATUS_LABELS.items()]

    @property
    def period_note(self) -> str:
        return _(
            "Период %(period)s относится только к разделам, рассчитанным по публикациям "
            "(«Из опыта коллег» и статистика публикаций за период). Остальные разделы — оценки "
            "последней проверки; регулярность в них считается по полным неделям перед проверкой "
            "(недель: %(weeks)d)."
        ) % {"period": self.period, "weeks": self.rules["weeks"]}

    @property
    def filename_stem(self) -> str:
        return f"spravka-gospabliki-{self.generated_at:%Y-%m-%d}"


# --- assembling ----------------------------------------------------------------------------


def build_district_report(
    organizations: QuerySet[Organization],
    *,
    period: Period | None = None,
    best_posts_limit: int = BEST_POSTS_LIMIT,
) -> DistrictReport:
    """Everything the report shows, for the organizations in scope."""
    export = compliance_export(organizations)
    rules = export["rules"]
    run = latest_sweep()
    period = period or default_period(rules["weeks"], anchor=run.started_at if run else timezone.now())
    orgs = sorted(export["organizations"], key=lambda o: organization_key(o["kind"], o["short_name"]))
    pages = [(org, community) for org in orgs for community in org["communities"]]

    status_counts: dict[str, int] = dict.fromkeys(STATUS_LABELS, 0)
    for org in orgs:
        status_counts[org["status"]] = status_counts.get(org["status"], 0) + 1

    items_total, items_by_org = _checklist(orgs)
    posts, stats = _posts_of_period(organizations, period, best_posts_limit)
    return DistrictReport(
        title=str(TITLE),
        district=_district_name(orgs),
        generated_at=timezone.now().astimezone(MOSCOW),
        swept_at=run.started_at.astimezone(MOSCOW) if run else None,
        period=period,
        rules=rules,
        organizations_total=len(orgs),
        status_counts=status_counts,
        marks=[_marks(network, pages, len(orgs)) for network in NETWORKS],
        attention=_sorted(_attention(org, c) for org, c in pages),
        few_posts=_sorted(
            _issue(org, c, _("публикаций всего: %(n)d") % {"n": c["posts_total"]}, c["posts_total"])
            for org, c in pages
            if c.get("posts_total") is not None and c["posts_total"] < rules["posts_total_min"]
        ),
        not_from_community=_sorted(
            _issue(org, c, _("записей не от имени сообщества: %(n)d") % {"n": c["posts_not_from_community"]},
                   c["posts_not_from_community"])
            for org, c in pages
            if c.get("posts_not_from_community")
        ),
        via_personal_pages=_sorted(_via_personal(org, c) for org, c in pages),
        irregular=[_irregular(network, pages, rules["posts_per_week_min"]) for network in NETWORKS],
        missing_info=sorted(
            (
                MissingInfoRow(org["short_name"], org["name"], org["kind"], c["network"], list(c["missing_info"]))
                for org, c in pages
                if c.get("missing_info")
            ),
            key=lambda row: (*organization_key(row.kind, row.short_name), NETWORKS.index(row.network)),
        ),
        checklist_items=items_total,
        checklist_organizations=items_by_org,
        best_posts=posts,
        post_stats=stats,
        weeks=_window_weeks(pages),
    )


def _district_name(orgs: list[dict[str, Any]]) -> str:
    names = sorted({org["district"] for org in orgs})
    if len(names) == 1:
        return names[0]
    if not names:
        return _("Район не выбран")
    return _("Районов: %(n)d") % {"n": len(names)}


def _sorted(issues: Iterable[PageIssue | None]) -> list[PageIssue]:
    return sorted((issue for issue in issues if issue is not None), key=lambda issue: issue.sort_key)


def _issue(org: Mapping[str, Any], community: Mapping[str, Any], detail: str, value: int | None = None) -> PageIssue:
    return PageIssue(
        short_name=org["short_name"],
        name=org["name"],
        kind=org["kind"],
        network=community["network"],
        url=community.get("url"),
        detail=detail,
        value=value,
    )


def _marks(network: str, pages: list[tuple[dict, dict]], total: int) -> MarkSummary:
    marked = 0
    without = []
    for org, community in pages:
        if community["network"] != network:
            continue
        mark = community.get("gov_mark")
        if mark is True:
            marked += 1
            continue
        if community.get("missing"):
            detail = _("страница не зарегистрирована")
        elif community.get("is_community") is False:
            detail = _("по ссылке личная страница, а не сообщество")
        elif mark is False:
            detail = _("метки нет")
        else:
            detail = _("не удалось определить")
        without.append(_issue(org, community, detail))
    return MarkSummary(network=network, marked=marked, total=total, without=_sorted(without))


def _attention(org: Mapping[str, Any], community: Mapping[str, Any]) -> PageIssue | None:
    """Pages the verdict sections cannot speak for, with the reason."""
    if community.get("missing"):
        return _issue(org, community, _("страница не зарегистрирована"))
    if community.get("deactivated"):
        return _issue(org, community, _("страница удалена или заблокирована"))
    if community.get("closed"):
        return _issue(org, community, _("сообщество закрыто: публикации недоступны"))
    if community.get("status") == "unknown":
        return _issue(org, community, community.get("error") or _("нет данных проверки"))
    return None


def _via_personal(org: Mapping[str, Any], community: Mapping[str, Any]) -> PageIssue | None:
    if community.get("is_community") is False:
        return _issue(org, community, _("официальной указана личная страница, а не сообщество"))
    reposts = community.get("reposts_from_personal_pages")
    if reposts:
        window_posts = sum(week["posts"] for week in community.get("weekly_posts") or [])
        return _issue(
            org,
            community,
            _("репостов с личных страниц: %(n)d из %(total)d публикаций за окно проверки")
            % {"n": reposts, "total": window_posts},
            reposts,
        )
    return None


def _irregular(network: str, pages: list[tuple[dict, dict]], minimum: int) -> IrregularNetwork:
    rows = []
    regular = 0
    for org, community in pages:
        if community["network"] != network:
            continue
        if community.get("regular") is True:
            regular += 1
        if community.get("regular") is not False:
            continue
        notes = []
        if community.get("posts_not_from_community"):
            notes.append(_("+ записи не от имени сообщества"))
        if community.get("reposts_from_personal_pages"):
            notes.append(_("+ репосты с личных страниц"))
        weekly = [week["posts"] for week in community.get("weekly_posts") or []]
        rows.append(IrregularRow(org["short_name"], org["name"], org["kind"], network, weekly, notes, minimum))
    rows.sort(key=lambda row: organization_key(row.kind, row.short_name))
    return IrregularNetwork(network=network, rows=rows, regular=regular)


def _window_weeks(pages: list[tuple[dict, dict]]) -> list[datetime.date]:
    """The judged weeks as the verdicts carry them (the longest list wins: stale pages may lag)."""
    longest: list = []
    for _org, community in pages:
        weeks = community.get("weekly_posts") or []
        if len(weeks) >= len(longest):
            longest = weeks
    return [datetime.date.fromisoformat(week["week_start"]) for week in longest]


def _checklist(orgs: list[dict[str, Any]]) -> tuple[list[ChecklistItemRow], list[ChecklistOrganizationRow]]:
    """Done = approved for documents, compliant for automatic items (as on the checklist matrix)."""
    items = list(ChecklistItem.objects.order_by("position", "code"))
    done = dict.fromkeys((item.code for item in items), 0)
    submitted = dict.fromkeys(done, 0)
    totals = dict.fromkeys(done, 0)
    by_org = []
    for org in orgs:
        entries = {entry["code"]: entry for entry in org["checklist"]}
        org_done = 0
        not_done = []
        for item in items:
            entry = entries.get(item.code)
            if entry is None:
                continue
            totals[item.code] += 1
            ok = entry["status"] == WorkStatus.APPROVED if item.is_manual else entry["verdict"] == Verdict.COMPLIANT
            if ok:
                done[item.code] += 1
                org_done += 1
            else:
                not_done.append(item.short_title)
            if item.is_manual and entry["status"] == WorkStatus.SUBMITTED:
                submitted[item.code] += 1
        by_org.append(
            ChecklistOrganizationRow(
                org["short_name"], org["name"], org["kind"], org["status"], org_done, len(entries), not_done
            )
        )
    rows = [
        ChecklistItemRow(
            item.code, item.title, item.short_title, item.is_manual, done[item.code], submitted[item.code],
            totals[item.code],
        )
        for item in items
    ]
    return rows, by_org


# --- posts of the period ---------------------------------------------------------------------


def post_url(network: str, external_id: str, page: OfficialPage) -> str:
    """The post on the social network: VK `wall{owner}_{id}`, OK a group topic."""
    if network == VK:
        return f"https://vk.com/wall{external_id}"
    if page.external_id:
        return f"https://ok.ru/group/{page.external_id}/topic/{external_id}"
    return page.url


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The text on one line, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:—-–")
    return cut + "…"


def _posts_of_period(
    organizations: QuerySet[Organization], period: Period, limit: int
) -> tuple[list[BestPost], list[PostStats]]:
    """One pass over the community's own posts of the period, most engaging first.

    Exemplary posts (hashtags and a photo or video — what the briefing praises) come
    before the rest at any engagement; among equals more views, then the newer post.
    Reposts are not the organization's own material and are left out.
    """
    rows = (
        PagePost.objects.filter(
            page__organization__in=organizations.values("pk"),
            from_community=True,
            is_repost=False,
            date__gte=period.starts_at,
            date__lt=period.ends_at,
        )
        .annotate(
            engagement=Coalesce("likes", Value(0)) + Coalesce("reposts", Value(0)) + Coalesce("comments", Value(0))
        )
        .select_related("page__organization")
        .order_by("-engagement", F("views").desc(nulls_last=True), "-date", "pk")
    )
    counts = {network: dict(posts=0, with_hashtags=0, with_photo=0, with_video=0) for network in NETWORKS}
    exemplary: list[PagePost] = []
    plain: list[PagePost] = []
    for post in rows.iterator(chunk_size=2000):
        kinds = set(post.attachment_kinds or [])
        photo, video = bool(kinds & PHOTO_KINDS), bool(kinds & VIDEO_KINDS)
        stats = counts[post.page.network]
        stats["posts"] += 1
        stats["with_hashtags"] += bool(post.hashtags)
        stats["with_photo"] += photo
        stats["with_video"] += video
        if post.hashtags and (photo or video):
            _take(exemplary, post, limit)
        elif post.text.strip() or photo or video:
            _take(plain, post, limit)
    chosen: list[PagePost] = []
    for post in exemplary + plain:
        _take(chosen, post, limit)
    best = [_best_post(post) for post in chosen[:limit]]
    stats = [PostStats(network=network, **counts[network]) for network in NETWORKS]
    return best, stats


def _take(chosen: list[PagePost], post: PagePost, limit: int) -> None:
    """Append unless the list is full or already holds enough of the post's organization."""
    same = sum(other.page.organization_id == post.page.organization_id for other in chosen)
    if len(chosen) < limit and same < BEST_POSTS_PER_ORGANIZATION:
        chosen.append(post)


def _best_post(post: PagePost) -> BestPost:
    page = post.page
    kinds = set(post.attachment_kinds or [])
    return BestPost(
        short_name=page.organization.short_name,
        name=page.organization.name,
        network=page.network,
        date=post.date.astimezone(MOSCOW),
        excerpt=excerpt(post.text),
        hashtags=list(post.hashtags or []),
        photo=bool(kinds & PHOTO_KINDS),
        video=bool(kinds & VIDEO_KINDS),
        likes=post.likes or 0,
        reposts=post.reposts or 0,
        comments=post.comments or 0,
        views=post.views,
        url=post_url(page.network, post.external_id, page),
    )


def human_datetime(moment: datetime.datetime | None) -> str:
    """«29 ноября 2026 г., 12:27 (МСК)»."""
    if moment is None:
        return "—"
    local = moment.astimezone(MOSCOW)
    return _("%(date)s г., %(time)s (МСК)") % {"date": date_format(local.date(), "j E Y"), "time": local.strftime("%H:%M")}
