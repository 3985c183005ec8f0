"""The report's rows and the report itself: what each section lists, in the order shown
(schools, then kindergartens, then the others, each in natural name order)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govpublic.states import LABELS
from monitoring.audience import rounded
from monitoring.compliance import INFO_LABELS, NETWORKS
from organizations.models import Network, briefing_key
from reports.district.period import Period

STATUS_LABELS = LABELS
TITLE = gettext_lazy("Справка о ведении госпабликов")


# --- sorting -----------------------------------------------------------------------------


def organization_key(kind: str, short_name: str) -> tuple:
    """Schools, then kindergartens, then the others, each in natural name order."""
    return briefing_key(kind, short_name)


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
        return (*organization_key(self.kind, self.short_name), (*NETWORKS, "max").index(self.network))


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
    def engagement_rate(self) -> float | None:
        """Reactions ÷ views in percent, two decimals (§3.6, of this one post); None without views."""
        return rounded(Decimal(self.engagement) * 100 / Decimal(self.views), 2) if self.views else None

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


@dataclass(frozen=True)
class MaxChannels:
    """The district's MAX channels (§3.5): how many organizations have one, their states, the
    bot's reach, and each channel that is not in order, with why."""

    required: bool
    organizations_total: int
    channels: int
    status_counts: dict[str, int]
    without_bot: int
    issues: list[PageIssue]

    @property
    def percent(self) -> int:
        return round(100 * self.channels / self.organizations_total) if self.organizations_total else 0


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
    attention: list[PageIssue]  # no page, not checked, closed, deactivated, no data, values kept from before
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
    max_channels: MaxChannels | None = None
    rating: list = field(default_factory=list)  # reports.rating.RatingRow, best first
    district_id: int | None = None  # whose letterhead heads it: the one district's, else the region's

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
