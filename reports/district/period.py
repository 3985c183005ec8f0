"""The period of the post-derived sections: the latest sweep's judged window by default, or the
days a methodologist typed; and Moscow time as the report prints it."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from monitoring.models import SweepRun
from monitoring.rules import window_for

MOSCOW = ZoneInfo("Europe/Moscow")
# A longer range is refused: the report is for a meeting, not an archive dig.
PERIOD_MAX_DAYS = 366


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


def human_datetime(moment: datetime.datetime | None) -> str:
    """«29 ноября 2026 г., 12:27 (МСК)»."""
    if moment is None:
        return "—"
    local = moment.astimezone(MOSCOW)
    return _("%(date)s г., %(time)s (МСК)") % {"date": date_format(local.date(), "j E Y"), "time": local.strftime("%H:%M")}
