"""«Рейтинг госпабликов» (DESIGN §3.6): a score 0–100 per organization from weighted components,
its rank among the organizations shown, and the change since the previous month.

Each component is a share from 0 to 1:

- the law's four (mark, mandatory information, regularity, posts from the community) are the
  share of the organization's VK and OK pages that meet the criterion, judged exactly as the
  checklist judges them (`monitoring.compliance.judge_page`): a missing page meets nothing;
- the audience share is the best page's subscribers ÷ the stated audience, full at half of it;
  an audience not stated scores 0, so stating it is worth something;
- views are the best page's mean views of a post ÷ its subscribers, full at 30 %;
- engagement is the best page's engagement rate, full at 5 %;
- answers are the share of people's comments answered within the day (VK).

A component that cannot be known (a page the API did not answer for, no post in the window,
no comment to answer) is left out and the weights of the others carry the score: an outside
fault never lowers an organization's place. Without any of the law's four known there is no
score. A weight of 0 leaves its component out."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklist.models import Verdict
from monitoring.audience import audience_share, rounded
from monitoring.compliance import NETWORKS, judge_page, organizations_with_pages, page_verdicts
from monitoring.models import RatingSnapshot, RuleSettings, RulesBook
from monitoring.types import VK
from organizations.models import Organization
from organizations.spreadsheets import Column

AUDIENCE_FULL = Decimal("0.5")  # subscribers ÷ audience that earns the whole component
REACH_FULL = Decimal("0.3")  # views of a post ÷ subscribers
ENGAGEMENT_FULL = Decimal("5")  # percent


@dataclass(frozen=True)
class Component:
    code: str  # RuleSettings.rating_<code> holds its weight
    label: Any
    short: Any  # a column's header
    mirrors: Any  # the criterion it stands for, as the settings page explains it
    law: str = ""  # the checklist code judged per page, for the law's components


COMPONENTS = (
    Component("mark", _("Метка «Госорганизация»"), _("Метка"),
              _("Распоряжение № 2523-р: официальная страница во ВКонтакте и в Одноклассниках отмечена как "
                "страница госорганизации. Доля страниц с меткой."), law="gov_mark"),
    Component("info", _("Обязательная информация"), _("Информация"),
              _("Распоряжение № 2523-р: наименование, адрес, телефон, e-mail и сайт на странице. Доля страниц, "
                "где всё указано."), law="mandatory_info"),
    Component("regularity", _("Регулярность"), _("Регулярность"),
              _("Методические рекомендации: 3–4 публикации в неделю. Доля страниц, публикующих регулярно каждую "
                "неделю окна."), law="regular_posting"),
    Component("from_community", _("Публикации от имени сообщества"), _("От имени сообщества"),
              _("Публикации выходят от имени организации, а не с личных страниц. Доля страниц без таких "
                "публикаций."), law="posts_from_community"),
    Component("audience", _("Подписчики от аудитории"), _("Охват аудитории"),
              _("Показатель региональных рейтингов Минцифры и ЦУР — охват аудитории: подписчики лучшей страницы к "
                "числу учеников, сотрудников и родителей. Полный балл — от половины аудитории; если аудитория "
                "не указана — 0.")),
    Component("views", _("Просмотры публикации"), _("Просмотры"),
              _("Показатель ЦУР — просмотры: средние просмотры публикации к числу подписчиков лучшей страницы. "
                "Полный балл — от 30 %.")),
    Component("engagement", _("Вовлечённость"), _("Вовлечённость"),
              _("Показатель ЦУР — вовлечённость (ER): отметки «Нравится», репосты и комментарии к просмотрам "
                "на лучшей странице. Полный балл — от 5 %.")),
    Component("answers", _("Ответы на комментарии"), _("Ответы"),
              _("Норма Инцидент Менеджмента — публичный ответ в течение суток: доля комментариев жителей "
                "во ВКонтакте, получивших ответ сообщества. Нет комментариев — составляющая не учитывается.")),
)
CODES = tuple(component.code for component in COMPONENTS)


def weights_of(settings: RuleSettings) -> dict[str, int]:
    return {code: getattr(settings, f"rating_{code}") for code in CODES}


def default_weights() -> dict[str, int]:
    return {code: RuleSettings._meta.get_field(f"rating_{code}").default for code in CODES}


# --- one organization --------------------------------------------------------------------------


def _share(value: Decimal, full: Decimal) -> float:
    return float(min(value / full, Decimal(1)))


def components(verdicts: Mapping[str, Any], audience: int | None, posts_total_min: int) -> dict[str, float | None]:
    """Each component's share 0–1 (None: not known) from the pages' verdicts as
    `monitoring.compliance.page_verdicts` gives them."""
    values: dict[str, float | None] = {}
    for component in COMPONENTS[:4]:
        outcomes = [judge_page(component.law, network, verdicts[network], posts_total_min) for network in NETWORKS]
        known = [outcome == Verdict.COMPLIANT for outcome in outcomes if outcome != Verdict.UNKNOWN]
        values[component.code] = sum(known) / len(known) if known else None
    best = figures_of(verdicts, audience)
    if not audience:
        values["audience"] = 0.0
    elif best["audience_share"] is not None:
        values["audience"] = _share(Decimal(str(best["audience_share"])), AUDIENCE_FULL)
    else:
        values["audience"] = None
    reach = [  # views against the subscribers of the same page
        Decimal(str(verdict["views_per_post"])) / verdict["subscribers"]
        for verdict in verdicts.values()
        if isinstance(verdict, dict) and verdict.get("views_per_post") is not None and verdict.get("subscribers")
    ]
    values["views"] = _share(max(reach), REACH_FULL) if reach else None
    rate = best["engagement_rate"]
    values["engagement"] = _share(Decimal(str(rate)), ENGAGEMENT_FULL) if rate is not None else None
    answered = best["comments_answered_share"]
    values["answers"] = float(answered) if answered is not None else None
    return values


def figures_of(verdicts: Mapping[str, Any], audience: int | None) -> dict[str, Any]:
    """The organization's figures as the rating reads them: the best page's subscribers (and
    their share of the audience), views and engagement; VK's answers."""
    read = [verdict for verdict in verdicts.values() if isinstance(verdict, dict)]

    def best(key: str):
        values = [verdict[key] for verdict in read if verdict.get(key) is not None]
        return max(values) if values else None

    vk = verdicts.get(VK) if isinstance(verdicts.get(VK), dict) else {}
    subscribers = best("subscribers")
    return {
        "subscribers": subscribers, "audience": audience, "audience_share": audience_share(subscribers, audience),
        "views_per_post": best("views_per_post"), "engagement_rate": best("engagement_rate"),
        "comments_unanswered": vk.get("comments_unanswered"), "comments_answered_share": vk.get("comments_answered_share"),
    }


def points(values: Mapping[str, float | None], weights: Mapping[str, int]) -> dict[str, float]:
    """The points out of 100 each known, weighted component brings: the weights of the others
    carry the score, so an unknown never lowers it."""
    known = {code: value for code, value in values.items() if value is not None and weights.get(code)}
    total = sum(weights[code] for code in known)
    return {code: weights[code] * value * 100 / total for code, value in known.items()}


def score(values: Mapping[str, float | None], weights: Mapping[str, int]) -> float | None:
    """The weighted mean of the known components, 0–100 with one decimal; None when none of
    the law's four is known or every known component weighs 0."""
    if all(values.get(component.code) is None for component in COMPONENTS[:4]):
        return None
    brought = points(values, weights)
    return rounded(Decimal(str(sum(brought.values()))), 1) if brought else None


def ranks(scores: Iterable[float | None]) -> list[int | None]:
    """Competition ranks, best first (equal scores share a place, the next place skips):
    [90, 80, 80, 70] → [1, 2, 2, 4]; None for no score."""
    scores = list(scores)
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [None if s is None else first[s] for s in scores]


# --- the district ------------------------------------------------------------------------------


@dataclass
class RatingRow:
    organization: Organization
    score: float | None
    components: dict[str, float | None]
    figures: dict[str, Any]  # the best page's subscribers, views, engagement; VK's answers
    rank: int | None = None
    previous_score: float | None = None
    previous_rank: int | None = None
    weights: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return rounded(Decimal(str(self.score)) - Decimal(str(self.previous_score)), 1)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous month (positive: up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def as_export(self, ranked: bool = True) -> dict[str, Any]:
        """The organization's `rating` in the JSON export (DESIGN §5, an added key)."""
        entry: dict[str, Any] = {"score": self.score, "previous_score": self.previous_score, "change": self.change}
        if ranked:
            entry.update(rank=self.rank, rank_change=self.rank_change)
        entry["components"] = {code: None if value is None else rounded(value, 2) for code, value in self.components.items()}
        return entry

    def points(self) -> list[tuple[Component, float | None, float | None]]:
        """(component, its share 0–1, the points it brought out of 100) in the settings' order."""
        brought = points(self.components, self.weights)
        return [(component, self.components.get(component.code),
                 rounded(brought[component.code], 1) if component.code in brought else None) for component in COMPONENTS]


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def rating_rows(organizations: Iterable[Organization], book: RulesBook | None = None,
                today: datetime.date | None = None) -> list[RatingRow]:
    """Every organization given (with its pages and their states prefetched, as
    `monitoring.compliance.organizations_with_pages` does) scored now by its district's weights
    and thresholds, ranked among them, with its score and rank of the previous month's last
    sweep; best first, no score last. One query beyond the organizations and the settings."""
    book = book or RuleSettings.book()
    month = month_of(today or timezone.localdate())
    rows = []
    for organization in organizations:
        rules = book.of(organization.district_id)
        weights = weights_of(rules)
        verdicts = page_verdicts(organization)
        values = components(verdicts, organization.audience, rules.posts_total_min)
        rows.append(RatingRow(organization, score(values, weights), values, figures_of(verdicts, organization.audience),
                              weights=weights))
    previous = _previous_scores([row.organization.pk for row in rows], month)
    for row, rank, earlier_rank in zip(
        rows, ranks(row.score for row in rows), ranks(previous.get(row.organization.pk) for row in rows), strict=True
    ):
        row.rank, row.previous_score, row.previous_rank = rank, previous.get(row.organization.pk), earlier_rank
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.organization.sort_name))
    return rows


def rating_of(organizations: QuerySet[Organization]) -> list[RatingRow]:
    """`rating_rows` of a queryset: four queries."""
    return rating_rows(organizations_with_pages(organizations.select_related("district")))


def _previous_scores(organization_ids: list[int], month: datetime.date) -> dict[int, float]:
    """Each organization's score in its latest month before `month`."""
    scores: dict[int, float] = {}
    for organization_id, value in (
        RatingSnapshot.objects.filter(organization_id__in=organization_ids, month__lt=month, score__isnull=False)
        .order_by("organization_id", "-month").values_list("organization_id", "score")
    ):
        scores.setdefault(organization_id, value)
    return scores


def record_rating(today: datetime.date | None = None) -> int:
    """This month's row for every organization, as it stands after the sweep; returns how many."""
    month = month_of(today or timezone.localdate())
    rows = rating_rows(organizations_with_pages(Organization.objects.select_related("district")), today=today)
    RatingSnapshot.objects.bulk_create(
        [RatingSnapshot(organization=row.organization, month=month, score=row.score, components=row.components)
         for row in rows],
        update_conflicts=True, unique_fields=["organization", "month"], update_fields=["score", "components", "updated_at"],
        batch_size=1000,
    )
    return len(rows)


# --- the spreadsheet (the rating page's export and the district report's sheet) ----------------


def sheet_columns() -> list:
    columns = [Column(gettext("Место"), width=8), Column(gettext("Краткое название"), width=18),
               Column(gettext("Полное название"), width=50), gettext("Район"), gettext("Балл"),
               gettext("Изменение за месяц"), gettext("Место месяц назад")]
    columns += [gettext("%(c)s, %%") % {"c": component.label} for component in COMPONENTS]
    return columns + [gettext("Подписчики"), gettext("Аудитория"), gettext("Просмотров на публикацию"),
                      gettext("Вовлечённость, %"), gettext("Комментарии без ответа")]


def sheet_row(row: RatingRow) -> list:
    """Numbers stay numbers; an unknown is blank."""
    shares = [None if row.components.get(c.code) is None else round(row.components[c.code] * 100) for c in COMPONENTS]
    figures = row.figures
    return [row.rank, row.organization.short_name, row.organization.name, row.organization.district.name, row.score,
            row.change, row.previous_rank, *shares, figures["subscribers"], figures["audience"],
            figures["views_per_post"], figures["engagement_rate"], figures["comments_unanswered"]]
