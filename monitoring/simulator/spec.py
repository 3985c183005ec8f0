"""The building blocks every network's part of a scenario is read with: typed values with the
path of the key in every message, DATE keys, posts listed one by one or as series."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from .state import MOSCOW

DATE_KEYS = frozenset({"days_ago", "hours_ago", "week", "weekday", "time"})


SERIES_KEYS = frozenset({"count", "start_days_ago", "every_days", "per_week", "first_week"})


class ScenarioError(ValueError):
    """A scenario that cannot be served; the message names the offending path."""


def item_specs(raw: Mapping[str, Any], key: str, series_key: str, allowed: frozenset[str] | set[str], now: datetime,
               where: str) -> list[tuple[dict[str, Any], str]]:
    """The items a page lists one by one under `key` and as series under `series_key`, each
    with its path for messages, refused when it carries a key outside `allowed`."""
    specs = [(dict(as_mapping(item, f"{where}.{key}[{i}]")), f"{where}.{key}[{i}]")
             for i, item in enumerate(as_list(raw.get(key, []), f"{where}.{key}"))]
    specs += expand_series(raw.get(series_key, []), now, f"{where}.{series_key}")
    for spec, path in specs:
        unknown = set(spec) - allowed
        if unknown:
            raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
    return specs


def expand_series(raw: Any, now: datetime, where: str) -> list[tuple[dict[str, Any], str]]:
    """Turn each SERIES into plain post/topic specs with explicit unix dates."""
    specs = []
    for i, series in enumerate(as_list(raw, where)):
        path = f"{where}[{i}]"
        series = dict(as_mapping(series, path))
        template = {k: v for k, v in series.items() if k not in SERIES_KEYS}
        if "per_week" in series:
            first_week = int(series.get("first_week", -len(series["per_week"])))
            dates = []
            for offset, count in enumerate(as_list(series["per_week"], f"{path}.per_week")):
                for j in range(int(count)):
                    day = 1 + (j * 7) // max(int(count), 1)
                    moment = week_date(now, first_week + offset, day, time(10, j % 60))
                    if moment <= now:
                        dates.append(moment)
        else:
            count = positive_int(series.get("count"), f"{path}.count")
            start, every = float(series.get("start_days_ago", 0)), float(series.get("every_days", 1))
            dates = [now - timedelta(days=start + k * every) for k in range(count)]
        for n, moment in enumerate(sorted(dates), start=1):
            spec = dict(template, date=int(moment.timestamp()))
            if isinstance(spec.get("text"), str):
                spec["text"] = spec["text"].replace("{n}", str(n))
            specs.append((spec, f"{path}#{n}"))
    return specs


def date_of(spec: Mapping[str, Any], now: datetime, where: str) -> int:
    """A DATE given as ``date`` or as inline relative keys → unix seconds."""
    value: Any = spec.get("date")
    if value is None and "created_ms" in spec:  # OK's own field, in milliseconds
        return int(spec["created_ms"]) // 1000
    if value is None:
        value = {k: spec[k] for k in DATE_KEYS if k in spec}
        if not value:
            raise ScenarioError(f"{where}: a date is required (date, days_ago or week)")
    if isinstance(value, bool):
        raise ScenarioError(f"{where}.date: not a date")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ScenarioError(f"{where}.date: {exc}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=MOSCOW)
        return int(moment.timestamp())
    value = as_mapping(value, f"{where}.date")
    if "week" in value:
        hh, _, mm = str(value.get("time", "10:00")).partition(":")
        weekday = int(value.get("weekday", 1))
        if not 1 <= weekday <= 7:
            raise ScenarioError(f"{where}.weekday: 1 (Monday) to 7 (Sunday)")
        return int(week_date(now, int(value["week"]), weekday, time(int(hh), int(mm or 0))).timestamp())
    delta = timedelta(days=float(value.get("days_ago", 0)), hours=float(value.get("hours_ago", 0)))
    return int((now - delta).timestamp())


def week_date(now: datetime, week: int, weekday: int, at: time) -> datetime:
    """Moscow local ``at`` on ``weekday`` of the ISO week ``week`` weeks from now's."""
    local = now.astimezone(MOSCOW)
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    day = monday + timedelta(weeks=week, days=weekday - 1)
    return datetime.combine(day, at, MOSCOW)


def optional_int(data: Mapping[str, Any], key: str, default: int | None, where: str) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioError(f"{where}.{key}: a non-negative integer or null")
    return value


def positive_int(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: a positive integer is required") from None
    if number <= 0:
        raise ScenarioError(f"{where}: a positive integer is required")
    return number


def as_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: an object is required")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: a list is required")
    return value
