"""The ``ok`` section of a simulator scenario (format in ``monitoring.simulator.scenario``): the
applications allowed to call OK, and the groups and profiles it serves, topics expanded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitoring.simulator.spec import (
    ScenarioError,
    as_list,
    as_mapping,
    date_of,
    expand_series,
    optional_int,
)

OK_GROUP_BASE = frozenset({"uid", "shortname", "access_type", "deactivated", "topics_count", "topics", "topic_series"})


@dataclass
class OkApplication:
    application_key: str
    application_secret_key: str
    access_tokens: frozenset[str] = frozenset()
    expired_tokens: frozenset[str] = frozenset()


@dataclass
class OkGroup:
    uid: str
    shortname: str = ""
    access_type: str = "OPEN"
    deactivated: bool = False
    topics_count: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    topics: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class OkScenario:
    applications: dict[str, OkApplication] = field(default_factory=dict)
    requests_per_second: int | None = None
    getinfo_shape: str = "groups"
    groups: dict[str, OkGroup] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)  # uid → shortname


def parse_ok(data: Mapping[str, Any], now: datetime) -> OkScenario:
    shape = data.get("getinfo_shape", "groups")
    if shape not in ("groups", "list"):
        raise ScenarioError('ok.getinfo_shape: must be "groups" or "list"')
    scenario = OkScenario(
        requests_per_second=optional_int(data, "requests_per_second", None, "ok"),
        getinfo_shape=shape,
    )
    for i, raw in enumerate(as_list(data.get("applications", []), "ok.applications")):
        raw = as_mapping(raw, f"ok.applications[{i}]")
        key, secret = str(raw.get("application_key", "")), str(raw.get("application_secret_key", ""))
        if not key or not secret:
            raise ScenarioError(f"ok.applications[{i}]: application_key and application_secret_key are required")
        scenario.applications[key] = OkApplication(
            key, secret,
            frozenset(str(t) for t in raw.get("access_tokens", [])),
            frozenset(str(t) for t in raw.get("expired_tokens", [])),
        )
    for i, raw in enumerate(as_list(data.get("groups", []), "ok.groups")):
        where = f"ok.groups[{i}]"
        raw = as_mapping(raw, where)
        uid = str(raw.get("uid", ""))
        if not uid.isdigit():
            raise ScenarioError(f"{where}.uid: a string of digits is required")
        access = str(raw.get("access_type", "OPEN")).upper()
        if access not in ("OPEN", "CLOSED", "SECRET"):
            raise ScenarioError(f"{where}.access_type: OPEN, CLOSED or SECRET")
        scenario.groups[uid] = OkGroup(
            uid=uid,
            shortname=str(raw.get("shortname", "")),
            access_type=access,
            deactivated=bool(raw.get("deactivated", False)),
            topics_count=optional_int(raw, "topics_count", None, where),
            fields={k: v for k, v in raw.items() if k not in OK_GROUP_BASE},
            topics=_ok_topics(raw, uid, now, where),
        )
    for i, raw in enumerate(as_list(data.get("profiles", []), "ok.profiles")):
        raw = as_mapping(raw, f"ok.profiles[{i}]")
        scenario.profiles[str(raw.get("uid"))] = str(raw.get("shortname", ""))
    return scenario


def _ok_topics(raw: Mapping[str, Any], uid: str, now: datetime, where: str) -> list[dict[str, Any]]:
    specs = [(dict(as_mapping(t, f"{where}.topics[{i}]")), f"{where}.topics[{i}]")
             for i, t in enumerate(as_list(raw.get("topics", []), f"{where}.topics"))]
    specs += expand_series(raw.get("topic_series", []), now, f"{where}.topic_series")
    dated = sorted(((date_of(spec, now, path), spec, path) for spec, path in specs), key=lambda item: item[0])
    topics = []
    for n, (date, spec, path) in enumerate(dated, start=1):
        if spec.get("deleted"):
            continue
        media: list[dict[str, Any]] = []
        if spec.get("text"):
            media.append({"type": "text", "text": str(spec["text"])})
        media += [{"type": str(kind)} for kind in as_list(spec.get("attachments", []), f"{path}.attachments")]
        media += [dict(as_mapping(m, f"{path}.media")) for m in as_list(spec.get("media", []), f"{path}.media")]
        topics.append({
            "id": str(spec.get("id") or f"{uid}{n:05d}"),
            "created_ms": date * 1000,
            "author_ref": str(spec.get("author_ref") or f"group:{uid}"),
            "owner_ref": f"group:{uid}",
            "media": media,
            "like_summary": {"count": int(spec.get("likes", 0))},
            "discussion_summary": {"comments_count": int(spec.get("comments", 0))},
            "reshare_summary": {"count": int(spec.get("reshares", 0))},
        })
    if len({t["id"] for t in topics}) != len(topics):
        raise ScenarioError(f"{where}.topics: duplicate topic ids")
    return topics
