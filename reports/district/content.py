"""The district report's body as plain blocks — headings, paragraphs, tables, tiles, a chart,
post cards — built once from `DistrictReport`. The PDF template and the DOCX writer only draw
these blocks, so the two documents cannot say different things."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from monitoring.audience import rounded
from reports.district.period import human_datetime
from reports.district.rows import BestPost, DistrictReport


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Para:
    runs: list[Run]
    style: str = ""  # "" | "muted" | "ok" | "note"
    kind: str = "para"

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 2: a numbered section, 3: its part
    kind: str = "heading"


@dataclass(frozen=True)
class Cell:
    text: str
    tone: str = ""  # "bad" for a value under the rule, or a state code of govpublic/states.py
    bar: int | None = None  # a percent the PDF also draws as a bar


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    numeric: frozenset[int] = frozenset()  # right-aligned columns
    widths: tuple[int, ...] = ()  # percent of the text width, when the content would guess badly
    meta: bool = False  # label–value lines without rules, the report's heading facts
    kind: str = "table"

    @property
    def columns(self) -> list[tuple[str, int | None, bool]]:
        """(header, width in percent or None, numeric) per column."""
        widths = self.widths or (None,) * len(self.headers)
        return [(header, widths[i], i in self.numeric) for i, header in enumerate(self.headers)]


@dataclass(frozen=True)
class Tile:
    big: str
    what: str
    warn: bool


@dataclass(frozen=True)
class Tiles:
    tiles: list[Tile]
    kind: str = "tiles"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    total: int

    @property
    def phrase(self) -> str:
        return _("%(n)d из %(total)d") % {"n": self.value, "total": self.total}


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    kind: str = "chart"


@dataclass(frozen=True)
class Post:
    post: BestPost
    kind: str = "post"

    @property
    def when(self) -> str:
        return f"{self.post.network_label} · {date_format(self.post.date, 'j E Y, H:i')}"

    @property
    def facts(self) -> str:
        post = self.post
        text = _("«Нравится»: %(likes)d · репосты: %(reposts)d · комментарии: %(comments)d") % {
            "likes": post.likes, "reposts": post.reposts, "comments": post.comments,
        }
        if post.views is not None:
            text += " · " + _("просмотры: %(views)d") % {"views": post.views}
        if post.engagement_rate is not None:
            text += " · " + _("вовлечённость: %(rate)s %%") % {"rate": number_format(post.engagement_rate, 2)}
        return f"{text} · {_('вложения')}: {post.media_label}"


Block = Para | Heading | Table | Tiles | Chart | Post


def _p(text: str, style: str = "") -> Para:
    return Para([Run(text)], style)


def _names(label: str, names: list[tuple[str, str]], end: str = "") -> Para:
    """«Причина (2): **СОШ №1**, **СОШ №5** (+ …).» — names bold, notes after them plain."""
    runs = [Run(f"{label}: ")] if label else []
    for index, (name, note) in enumerate(names):
        runs.append(Run(name, bold=True))
        tail = f" ({note})" if note else ""
        runs.append(Run(tail + (", " if index < len(names) - 1 else end)))
    return Para(runs, "names")


def _none_found(text: str) -> Para:
    return _p(text, "ok")


def body_blocks(report: DistrictReport) -> list[Block]:
    """Sections 1–8 of the report, in the order of the briefing's slides."""
    blocks: list[Block] = [
        Table(
            [],
            [
                [Cell(_("Данные проверки")), Cell(human_datetime(report.swept_at))],
                [Cell(_("Период публикаций")), Cell(str(report.period) + (
                    "" if report.period.chosen else f" ({_('окно последней проверки')})"))],
                [Cell(_("Организаций")), Cell(str(report.organizations_total))],
                [Cell(_("Сформировано")), Cell(human_datetime(report.generated_at))],
            ],
            meta=True,
        ),
        _p(report.period_note, "note"),
    ]
    for section in (_summary, _marks, _few_posts, _not_from_community, _irregular, _missing_info, _checklist, _posts,
                    _max, _rating):
        blocks += section(report)
    blocks.append(_p(_(
        "Справка сформирована порталом «Госпаблики» по данным автоматической проверки официальных страниц. "
        "Критерии: регулярность — не меньше %(per_week)d публикаций в каждую из %(weeks)d полных недель перед "
        "проверкой; наполненность — не меньше %(total)d публикаций в сообществе. Время — московское."
    ) % {"per_week": report.rules["posts_per_week_min"], "weeks": report.rules["weeks"],
         "total": report.rules["posts_total_min"]}, "muted"))
    return blocks


def _summary(report: DistrictReport) -> list[Block]:
    vk, ok = report.marks[0], report.marks[1]
    vk_irregular = report.irregular[0]
    blocks: list[Block] = [
        Heading(_("1. Сводка"), 2),
        Tiles([
            Tile(vk.phrase, _("метка «Госорганизация» ВКонтакте"), vk.marked < vk.total),
            Tile(ok.phrase, _("метка «Госорганизация» в Одноклассниках"), ok.marked < ok.total),
            Tile(str(len(vk_irregular.rows)), _("нерегулярно публикуют ВКонтакте"), bool(vk_irregular.rows)),
            Tile(str(len(report.few_posts_organizations)),
                 _("организаций, где в сообществе меньше %(n)d публикаций") % {"n": report.rules["posts_total_min"]},
                 bool(report.few_posts)),
        ]),
        Chart(
            [Bar(_("Метка «Госорганизация», %(network)s") % {"network": s.network_label}, s.marked,
                 report.organizations_total) for s in report.marks]
            + [Bar(_("Регулярные публикации, %(network)s") % {"network": g.network_label}, g.regular,
                   report.organizations_total) for g in report.irregular]
        ),
        Table(
            [_("Состояние организаций"), _("Организаций")],
            [[Cell(str(label).capitalize(), tone=code), Cell(str(count))] for code, label, count in report.status_rows],
            numeric=frozenset({1}), widths=(60, 40),
        ),
    ]
    if report.attention:
        blocks += [
            Heading(_("Страницы, по которым нет полных данных"), 3),
            Table([_("Организация"), _("Соцсеть"), _("Причина")],
                  [[Cell(i.short_name), Cell(i.network_label), Cell(i.detail)] for i in report.attention]),
        ]
    else:
        blocks.append(_none_found(_("Последняя проверка прочитала все зарегистрированные страницы.")))
    return blocks


def _marks(report: DistrictReport) -> list[Block]:
    blocks: list[Block] = [Heading(_("2. Подтверждение сообществ через Госуслуги"), 2)]
    for summary in report.marks:
        blocks.append(Para([
            Run(f"{summary.network_label}: ", bold=True),
            Run(_("метка «Госорганизация» у %(phrase)s организаций (%(percent)d%%).")
                % {"phrase": summary.phrase, "percent": summary.percent}),
        ]))
        for reason, issues in summary.by_reason:
            blocks.append(_names(f"{reason[:1].upper()}{reason[1:]} ({len(issues)})",
                                 [(i.short_name, "") for i in issues], "."))
    blocks.append(_p(_(
        "Метка может пропасть после смены названия, администратора или основной информации сообщества, а также "
        "после взлома: тогда статус «Госорганизация» нужно подтвердить через Госуслуги заново."
    ), "muted"))
    return blocks


def _few_posts(report: DistrictReport) -> list[Block]:
    blocks: list[Block] = [
        Heading(_("3. Сообщества, где меньше %(n)d публикаций") % {"n": report.rules["posts_total_min"]}, 2)
    ]
    if not report.few_posts:
        return [*blocks, _none_found(_("Таких сообществ нет."))]
    return [*blocks, Table(
        [_("Организация"), _("Соцсеть"), _("Публикаций всего")],
        [[Cell(i.short_name), Cell(i.network_label), Cell(str(i.value), "bad")] for i in report.few_posts],
        numeric=frozenset({2}),
    )]


def _issues_table(issues, what: str, empty: str) -> Block:
    if not issues:
        return _none_found(empty)
    return Table([_("Организация"), _("Соцсеть"), what],
                 [[Cell(i.short_name), Cell(i.network_label), Cell(i.detail)] for i in issues])


def _not_from_community(report: DistrictReport) -> list[Block]:
    return [
        Heading(_("4. Публикации не от имени сообщества и через личные страницы"), 2),
        Heading(_("Записи на стене не от имени сообщества"), 3),
        _issues_table(report.not_from_community, _("Что найдено за окно проверки"), _("Не найдено.")),
        Heading(_("Публикации через личные страницы"), 3),
        _issues_table(report.via_personal_pages, _("Что найдено"), _("Не найдено.")),
        _p(_("Информация публикуется в сообществе от его имени, а не на странице пользователя или сотрудника "
             "с последующим репостом."), "muted"),
    ]


def _irregular(report: DistrictReport) -> list[Block]:
    blocks: list[Block] = [
        Heading(_("5. Нерегулярные публикации"), 2),
        _p(_("Федеральные методические рекомендации — 3–4 публикации в неделю. Нерегулярной считается страница, "
             "где хотя бы в одну из полных недель перед проверкой вышло меньше %(n)d публикаций от имени "
             "сообщества.") % {"n": report.rules["posts_per_week_min"]}),
    ]
    weeks = [_("нед. с %(day)s") % {"day": week.strftime("%d.%m")} for week in report.weeks]
    for group in report.irregular:
        blocks.append(Heading(_("%(network)s: нерегулярно публикуют — %(n)d")
                              % {"network": group.network_label, "n": len(group.rows)}, 3))
        if not group.rows:
            blocks.append(_none_found(_("Все страницы публикуют регулярно.")))
            continue
        blocks.append(_names("", [(row.short_name, ", ".join(row.notes)) for row in group.rows]))
        blocks.append(Table(
            [_("Организация"), *weeks, _("Всего")],
            [[Cell(row.short_name), *(Cell(str(n), "bad" if n < row.minimum else "") for n in row.weekly),
              Cell(str(row.in_window))] for row in group.rows],
            numeric=frozenset(range(1, len(weeks) + 2)),
        ))
    return blocks


def _missing_info(report: DistrictReport) -> list[Block]:
    blocks: list[Block] = [
        Heading(_("6. Обязательная информация"), 2),
        _p(_("На странице сообщества должны быть указаны наименование, почтовый адрес, электронная почта, телефон, "
             "сайт и информация о деятельности организации.")),
    ]
    if not report.missing_info:
        return [*blocks, _none_found(_("У всех проверенных страниц обязательная информация указана."))]
    return [*blocks, Table(
        [_("Организация"), _("Соцсеть"), _("Не указано")],
        [[Cell(r.short_name), Cell(r.network_label), Cell(", ".join(r.labels))] for r in report.missing_info],
        widths=(28, 22, 50),
    )]


def _checklist(report: DistrictReport) -> list[Block]:
    of = _("%(done)d из %(total)d")
    return [
        Heading(_("7. Выполнение чек-листа"), 2),
        Heading(_("По пунктам"), 3),
        Table(
            [_("Пункт"), _("Проверка"), _("На проверке"), _("Выполнено"), _("Доля")],
            [[Cell(i.title), Cell(i.how, "muted"), Cell(str(i.submitted) if i.manual else "—"),
              Cell(of % {"done": i.done, "total": i.total}), Cell(f"{i.percent}%", bar=i.percent)]
             for i in report.checklist_items],
            numeric=frozenset({2, 3}), widths=(41, 14, 13, 13, 19),
        ),
        Heading(_("По организациям"), 3),
        Table(
            [_("Организация"), _("Выполнено"), _("Не выполнено"), _("Состояние")],
            [[Cell(r.short_name), Cell(of % {"done": r.done, "total": r.total}),
              Cell(", ".join(r.not_done) or "—"), Cell(r.status_label, tone=r.status)]
             for r in report.checklist_organizations],
            numeric=frozenset({1}), widths=(17, 13, 52, 18),
        ),
    ]


def _posts(report: DistrictReport) -> list[Block]:
    blocks: list[Block] = [
        Heading(_("8. Из опыта коллег"), 2),
        _p(_("Лучшие публикации от имени сообществ за период %(period)s, по одной от организации: больше всего "
             "отметок «Нравится», репостов и комментариев, затем — просмотров; при равных — с хештегами и фото "
             "или видео.") % {"period": report.period}),
    ]
    blocks += [Post(post) for post in report.best_posts] or [
        _p(_("За период публикаций от имени сообществ не найдено."), "muted")
    ]
    blocks += [
        Heading(_("Публикации за период"), 3),
        Table(
            [_("Соцсеть"), _("Публикаций от имени сообществ"), _("С хештегами"), _("С фото"), _("С видео")],
            [[Cell(s.network_label), Cell(str(s.posts)), Cell(f"{s.hashtags_percent}%"), Cell(f"{s.photo_percent}%"),
              Cell(f"{s.video_percent}%")] for s in report.post_stats],
            numeric=frozenset({1, 2, 3, 4}),
        ),
    ]
    return blocks


def _max(report: DistrictReport) -> list[Block]:
    channels = report.max_channels
    if channels is None:
        return []
    standing = _("обязателен по решению района") if channels.required else _(
        "рекомендуется: в перечне распоряжения № 2523-р его нет, на итог организаций он не влияет")
    blocks: list[Block] = [
        Heading(_("9. Официальные каналы в MAX"), 2),
        _p(_("Канал в MAX %(standing)s.") % {"standing": standing}),
        Tiles([
            Tile(f"{channels.channels} / {channels.organizations_total}", _("организаций ведут канал в MAX"),
                 channels.required and channels.channels < channels.organizations_total),
            Tile(str(channels.status_counts.get("ok", 0)), _("каналов в порядке"), False),
            Tile(str(channels.without_bot), _("каналов без бота района: публикации не проверяются"),
                 bool(channels.without_bot)),
        ]),
    ]
    if channels.issues:
        blocks.append(Table(
            [_("Организация"), _("Что не так")],
            [[Cell(i.short_name), Cell(i.detail)] for i in channels.issues], widths=(30, 70),
        ))
    elif channels.channels:
        blocks.append(_none_found(_("Все каналы в MAX в порядке.")))
    return blocks


def _rating(report: DistrictReport) -> list[Block]:
    """«Рейтинг госпабликов» (§3.6): every organization's place, score, change over the month
    and its weakest component — what to work on first."""
    rows = report.rating
    scored = [row for row in rows if row.score is not None]
    number = _("10. Рейтинг госпабликов") if report.max_channels is not None else _("9. Рейтинг госпабликов")
    blocks: list[Block] = [
        Heading(number, 2),
        _p(_("Балл от 0 до 100: метка «Госорганизация», обязательная информация, регулярность, публикации от имени "
             "сообщества, подписчики от аудитории, просмотры, вовлечённость и ответы на комментарии — с весами из "
             "настроек района. Чего нельзя узнать, в балл не входит.")),
    ]
    if not scored:
        return blocks + [_p(_("Баллов пока нет: страницы ещё не проверялись."), "muted")]
    average = rounded(sum(row.score for row in scored) / len(scored), 1)
    blocks.append(Tiles([
        Tile(number_format(average, 1), _("средний балл в районе"), False),
        Tile(scored[0].organization.short_name, _("первое место: %(score)s") % {"score": number_format(scored[0].score, 1)},
             False),
        Tile(str(sum(1 for row in scored if row.score < 50)), _("организаций с баллом ниже 50"),
             any(row.score < 50 for row in scored)),
    ]))
    blocks.append(Table(
        [_("Место"), _("Организация"), _("Балл"), _("За месяц"), _("Слабее всего")],
        [[Cell(str(row.rank or "—")), Cell(row.organization.short_name),
          Cell(number_format(row.score, 1) if row.score is not None else _("нет данных"),
               bar=round(row.score) if row.score is not None else None),
          Cell(_change(row)), Cell(_weakest(row))] for row in rows],
        numeric=frozenset({0, 2}), widths=(9, 25, 20, 14, 32),
    ))
    return blocks


def _change(row) -> str:
    if row.change is None:
        return "—"
    return ("+" if row.change > 0 else "") + number_format(row.change, 1)


def _weakest(row) -> str:
    """The component that cost the organization most points, with its share."""
    lost = [(row.weights[component.code] * (1 - share), component, share)
            for component, share, points in row.points() if points is not None and share < 1]
    if not lost:
        return "—"
    _cost, component, share = max(lost, key=lambda item: item[0])
    return f"{component.label}: {round(share * 100)} %"
