"""Scenario: the world the simulator serves, as a JSON-able dict.

Format (every key optional unless marked *)::

    {
      "now": "2025-03-12T06:00:00+03:00",   # anchor for relative dates; default: load time
      "vk": {
        "tokens": [{"token": "svc-1", "type": "service"},      # type: service | user | community
                   {"token": "usr-1", "type": "user"}],         # (or {"svc-1": "service", ...})
        "requests_per_second": 3,            # per token, any sliding second → error 6; null = off
        "wall_get_daily_limit": 5000,        # per token per Moscow day, execute's inner calls too → 29
        "getbyid_object_since": "5.194",     # v at or above → {"groups", "profiles"}; below → a list
        "groups": [{
          "id"*: 5, "screen_name": "school5" (default "club5"), "name": "...",
          "type": "group" | "page" | "event", "is_closed": 0 | 1 | 2,
          "deactivated": "deleted" | "banned" | null,
          # any other key is a groups.getById field, sent when asked for in `fields`
          # and defined here: description, site, links, contacts, addresses, phone,
          # members_count, verified, wall, is_government_organization, trust_mark, ...
          "posts": [POST, ...],
          "post_series": [SERIES, ...]
        }],
        "users": [{"id"*: 77, "screen_name": "ivan.petrov", "first_name": "...",
                   "last_name": "...", "deactivated": null, "is_closed": false,
                   "posts": [POST, ...], "post_series": [SERIES, ...]}]
      },
      "ok": {
        "applications"*: [{"application_key"*: "CBA...", "application_secret_key"*: "...",
                           "access_tokens": ["..."], "expired_tokens": ["..."]}],
        "requests_per_second": null,         # per application key → error 8
        "getinfo_shape": "groups" | "list",  # group.getInfo answer shape (default "groups")
        "groups": [{
          "uid"*: "5100", "shortname": "...", "name": "...", "access_type": "OPEN" | "CLOSED" | "SECRET",
          "deactivated": false,              # true: gone from group.getInfo, 300 elsewhere
          "topics_count": null,              # group.getCounters themes; default: number of topics
          # any other key is a group.getInfo field: description, address, phone,
          # homepage_url, gos_org, admin_id, members_count, status, ...
          "topics": [TOPIC, ...], "topic_series": [SERIES, ...]
        }],
        "profiles": [{"uid"*: "600", "shortname": "ivan.petrov"}]
      },
      "max": {...},                          # the MAX Bot API: monitoring/networks/max/scenario.py
      "faults": [FAULT, ...],
      "latency_ms": 20                       # every answer waits this long (benchmarks)
    }

    DATE  = unix seconds | ISO 8601 (naive = Moscow time)
          | {"days_ago": 3, "hours_ago": 2}                 # back from "now"
          | {"week": -1, "weekday": 1..7, "time": "10:00"}  # ISO week of "now" (Moscow) + week
    POST  = {"id": 17 (default: numbered by date), "date": DATE (or the DATE keys inline),
             "from_id": -5 (default: the owner), "text": "...", "signer_id": 77,
             "is_pinned": 1, "likes": 4, "views": 120, "reposts": 1, "comments": 2,
             "attachments": ["photo", {"type": "photo", "width": 1280, "height": 960},
                             "video", "link", {"type": "doc", "doc": {...}}],
             "copy_history": [{"owner_id": 77, "id": 3, "text": "...", "date": DATE}],
             "deleted": true}                  # deleted from the wall: see below
    TOPIC = {"id": "...", "date": DATE (or "created_ms": ms), "author_ref": "group:<uid>" (default) | "user:600",
             "text": "...", "attachments": ["photo", "movie"], "media": [raw OK media],
             "likes": 3, "comments": 1, "reshares": 0, "deleted": true}
    A post or topic with "deleted": true is gone, as after wall.delete or a topic's removal:
    served by no method and in no count, while the others keep their ids (it keeps its place
    in the numbering), so the same scenario with one post marked deleted is the world the
    night after that deletion.
    SERIES = a POST/TOPIC template plus {"count": 150, "start_days_ago": 0.5, "every_days": 1}
             or {"per_week": [3, 4, 2], "first_week": -3} (oldest week first; default
             first_week ends the list with the last complete week; posts on spread
             weekdays at 10:00 Moscow; none later than "now"). "{n}" in text numbers them.
    FAULT = {"network"*: "vk" | "ok" | "max", "method": "wall.get" (default: any; MAX: the
             schema's operationId, e.g. "getMessages"),
             "error_code": 15, "error_msg": "..."           # an API error, or
             "transport": "timeout" | "http_500" | "http_429" | "truncated_json" | "html" | "reset",
             "delay": 2.0 (timeout only), "times": 2 (default: every time),
             <any other key>: a request parameter to match, e.g. "owner_id": -5, "uids": "5100"}
             Any code is served (VK 6 or OK 8 "too many requests", VK 1 "unknown error", ...);
             on MAX the code is the HTTP status (503, 429, 403, ...) of a {"code", "message"} body,
             matched against the query or the path's "chatLink" / "chatId".
             The transport kinds are described in ``server``; "http_429" is an HTML
             "429 Too Many Requests" page. A request meets the first matching transport
             fault with "times" left, else the first such API error, so a list plays a
             sequence: [6 once, 10 twice] answers 6, 10, 10, then the real answer.

Generated dates depend only on "now", so a scenario with a fixed anchor always
serves the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .state import FAULT_KEYS, MOSCOW, TRANSPORT_FAULTS, Fault

if TYPE_CHECKING:
    from monitoring.networks.max.scenario import MaxScenario

VK_TOKEN_TYPES = frozenset({"service", "user", "community"})
VK_GROUP_BASE = frozenset({"id", "screen_name", "name", "type", "is_closed", "deactivated", "posts", "post_series"})
OK_GROUP_BASE = frozenset({"uid", "shortname", "access_type", "deactivated", "topics_count", "topics", "topic_series"})
POST_KEYS = frozenset({"id", "date", "from_id", "text", "signer_id", "is_pinned", "likes", "views", "reposts",
                       "comments", "attachments", "copy_history", "days_ago", "hours_ago", "week", "weekday", "time",
                       "deleted"})
DATE_KEYS = frozenset({"days_ago", "hours_ago", "week", "weekday", "time"})
SERIES_KEYS = frozenset({"count", "start_days_ago", "every_days", "per_week", "first_week"})


class ScenarioError(ValueError):
    """A scenario that cannot be served; the message names the offending path."""


@dataclass
class VkGroup:
    id: int
    screen_name: str
    name: str
    type: str = "group"
    is_closed: int = 0
    deactivated: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class VkUser:
    id: int
    screen_name: str
    first_name: str = ""
    last_name: str = ""
    deactivated: str | None = None
    is_closed: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class VkScenario:
    tokens: dict[str, str] = field(default_factory=dict)
    requests_per_second: int | None = 3
    wall_get_daily_limit: int | None = 5000
    getbyid_object_since: tuple[int, int] = (5, 194)
    groups: dict[int, VkGroup] = field(default_factory=dict)
    users: dict[int, VkUser] = field(default_factory=dict)


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


@dataclass
class Scenario:
    now: datetime
    vk: VkScenario
    ok: OkScenario
    faults: list[Fault]
    max: MaxScenario
    # Seconds every answer takes on the wire (benchmarks: a real API is not instant).
    latency: float = 0.0


def load_scenario(source: Mapping[str, Any] | str | Path) -> Scenario:
    """Validate and expand a scenario dict (or a JSON file path) into served objects."""
    if isinstance(source, (str, Path)):
        try:
            source = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScenarioError(f"{source}: {exc}") from exc
    # Imported here: the MAX section's parser is built from this module's helpers.
    from monitoring.networks.max.scenario import parse_max

    data = _mapping(source, "scenario")
    now = _now(data.get("now"))
    return Scenario(
        now=now,
        vk=_vk(_mapping(data.get("vk", {}), "vk"), now),
        ok=_ok(_mapping(data.get("ok", {}), "ok"), now),
        faults=[_fault(f, f"faults[{i}]") for i, f in enumerate(_list(data.get("faults", []), "faults"))],
        max=parse_max(_mapping(data.get("max", {}), "max"), now),
        latency=_latency(data.get("latency_ms", 0)),
    )


def _latency(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise ScenarioError("latency_ms: a number of milliseconds from 0 to 10000")
    return value / 1000


# --- VK ------------------------------------------------------------------------------------

def _vk(data: Mapping[str, Any], now: datetime) -> VkScenario:
    tokens_raw = data.get("tokens", [])
    if isinstance(tokens_raw, Mapping):
        tokens_raw = [{"token": k, "type": v} for k, v in tokens_raw.items()]
    tokens: dict[str, str] = {}
    for i, item in enumerate(_list(tokens_raw, "vk.tokens")):
        item = _mapping(item, f"vk.tokens[{i}]")
        token, kind = str(item.get("token", "")), item.get("type", "service")
        if not token or kind not in VK_TOKEN_TYPES:
            raise ScenarioError(f"vk.tokens[{i}]: needs a token and a type in {sorted(VK_TOKEN_TYPES)}")
        tokens[token] = kind
    scenario = VkScenario(
        tokens=tokens,
        requests_per_second=_optional_int(data, "requests_per_second", 3, "vk"),
        wall_get_daily_limit=_optional_int(data, "wall_get_daily_limit", 5000, "vk"),
        getbyid_object_since=parse_version(str(data.get("getbyid_object_since", "5.194"))),
    )
    for i, raw in enumerate(_list(data.get("groups", []), "vk.groups")):
        group = _vk_group(_mapping(raw, f"vk.groups[{i}]"), now, f"vk.groups[{i}]")
        if group.id in scenario.groups:
            raise ScenarioError(f"vk.groups[{i}]: duplicate id {group.id}")
        scenario.groups[group.id] = group
    for i, raw in enumerate(_list(data.get("users", []), "vk.users")):
        where = f"vk.users[{i}]"
        raw = _mapping(raw, where)
        uid = _positive_int(raw.get("id"), f"{where}.id")
        scenario.users[uid] = VkUser(
            id=uid,
            screen_name=str(raw.get("screen_name") or f"id{uid}"),
            first_name=str(raw.get("first_name", "")),
            last_name=str(raw.get("last_name", "")),
            deactivated=raw.get("deactivated"),
            is_closed=bool(raw.get("is_closed", False)),
            posts=_vk_posts(raw, uid, now, where),
        )
    return scenario


def _vk_group(raw: Mapping[str, Any], now: datetime, where: str) -> VkGroup:
    gid = _positive_int(raw.get("id"), f"{where}.id")
    kind = raw.get("type", "group")
    if kind not in ("group", "page", "event"):
        raise ScenarioError(f"{where}.type: must be group, page or event")
    if raw.get("is_closed", 0) not in (0, 1, 2):
        raise ScenarioError(f"{where}.is_closed: must be 0, 1 or 2")
    return VkGroup(
        id=gid,
        screen_name=str(raw.get("screen_name") or f"club{gid}"),
        name=str(raw.get("name", f"Сообщество {gid}")),
        type=kind,
        is_closed=int(raw.get("is_closed", 0)),
        deactivated=raw.get("deactivated") or None,
        fields={k: v for k, v in raw.items() if k not in VK_GROUP_BASE},
        posts=_vk_posts(raw, -gid, now, where),
    )


def _vk_posts(raw: Mapping[str, Any], owner_id: int, now: datetime, where: str) -> list[dict[str, Any]]:
    posts = [(_date(spec, now, path), spec, path)
             for spec, path in item_specs(raw, "posts", "post_series", POST_KEYS, now, where)]
    used = {int(spec["id"]) for _, spec, _ in posts if "id" in spec}
    next_id = 1
    result = []
    for date, spec, path in sorted(posts, key=lambda item: item[0]):
        if "id" in spec:
            post_id = int(spec["id"])
        else:
            while next_id in used:
                next_id += 1
            post_id = next_id
            used.add(post_id)
        if not spec.get("deleted"):
            result.append(_vk_post(spec, owner_id, post_id, date, now, path))
    if len({p["id"] for p in result}) != len(result):
        raise ScenarioError(f"{where}.posts: duplicate post ids")
    return result


def _vk_post(spec: Mapping[str, Any], owner_id: int, post_id: int, date: int, now: datetime, where: str) -> dict[str, Any]:
    copies = []
    for i, copy in enumerate(_list(spec.get("copy_history", []), f"{where}.copy_history")):
        copy = _mapping(copy, f"{where}.copy_history[{i}]")
        copy_owner = int(copy.get("owner_id", 0))
        if not copy_owner:
            raise ScenarioError(f"{where}.copy_history[{i}].owner_id: required")
        copy_date = _date(copy, now, f"{where}.copy_history[{i}]") if set(copy) & (DATE_KEYS | {"date"}) else date
        copies.append({
            "id": int(copy.get("id", 1)), "owner_id": copy_owner, "from_id": int(copy.get("from_id", copy_owner)),
            "date": copy_date, "post_type": "post", "text": str(copy.get("text", "")),
            "attachments": _vk_attachments(copy.get("attachments", []), copy_owner, copy_date, where),
        })
    post: dict[str, Any] = {
        "id": post_id, "owner_id": owner_id, "from_id": int(spec.get("from_id", owner_id)),
        "date": date, "marked_as_ads": 0, "post_type": "copy" if copies else "post",
        "text": str(spec.get("text", "")),
        "attachments": _vk_attachments(spec.get("attachments", []), owner_id, date, where),
        "post_source": {"type": "vk"},
        "comments": {"count": int(spec.get("comments", 0)), "can_post": 1},
        "likes": {"count": int(spec.get("likes", 0)), "user_likes": 0, "can_like": 1},
        "reposts": {"count": int(spec.get("reposts", 0)), "user_reposted": 0},
        "views": {"count": int(spec.get("views", 0))},
    }
    if copies:
        post["copy_history"] = copies
    if spec.get("is_pinned"):
        post["is_pinned"] = 1
    if spec.get("signer_id"):
        post["signer_id"] = int(spec["signer_id"])
    return post


def _vk_attachments(raw: Any, owner_id: int, date: int, where: str) -> list[dict[str, Any]]:
    result = []
    for n, item in enumerate(_list(raw, f"{where}.attachments"), start=1):
        if isinstance(item, str):
            item = {"type": item}
        item = dict(_mapping(item, f"{where}.attachments"))
        kind = str(item.get("type", ""))
        if not kind:
            raise ScenarioError(f"{where}.attachments: an attachment needs a type")
        if kind in item:  # already a VK attachment object
            result.append(item)
        elif kind == "photo":
            width, height = int(item.get("width", 604)), int(item.get("height", 453))
            result.append({"type": "photo", "photo": {
                "id": 1000 + n, "owner_id": owner_id, "date": date, "text": "",
                "sizes": _photo_sizes(width, height, owner_id, n)}})
        elif kind == "link":
            result.append({"type": "link", "link": {"url": item.get("url", "https://example.org/"), "title": ""}})
        else:
            result.append({"type": kind, kind: {"id": 1000 + n, "owner_id": owner_id}})
    return result


def _photo_sizes(width: int, height: int, owner_id: int, n: int) -> list[dict[str, Any]]:
    """VK-like size ladder ending at the original; letters per the photo size docs."""
    sizes = []
    for letter, limit in (("s", 75), ("m", 130), ("x", 604), ("y", 807), ("z", 1080), ("w", 2560)):
        scale = min(1.0, limit / max(width, height, 1))
        sizes.append({"type": letter, "width": round(width * scale), "height": round(height * scale),
                      "url": f"https://sun.userapi.example/{owner_id}/{n}/{letter}.jpg"})
        if scale == 1.0:
            break
    return sizes


# --- OK ------------------------------------------------------------------------------------

def _ok(data: Mapping[str, Any], now: datetime) -> OkScenario:
    shape = data.get("getinfo_shape", "groups")
    if shape not in ("groups", "list"):
        raise ScenarioError('ok.getinfo_shape: must be "groups" or "list"')
    scenario = OkScenario(
        requests_per_second=_optional_int(data, "requests_per_second", None, "ok"),
        getinfo_shape=shape,
    )
    for i, raw in enumerate(_list(data.get("applications", []), "ok.applications")):
        raw = _mapping(raw, f"ok.applications[{i}]")
        key, secret = str(raw.get("application_key", "")), str(raw.get("application_secret_key", ""))
        if not key or not secret:
            raise ScenarioError(f"ok.applications[{i}]: application_key and application_secret_key are required")
        scenario.applications[key] = OkApplication(
            key, secret,
            frozenset(str(t) for t in raw.get("access_tokens", [])),
            frozenset(str(t) for t in raw.get("expired_tokens", [])),
        )
    for i, raw in enumerate(_list(data.get("groups", []), "ok.groups")):
        where = f"ok.groups[{i}]"
        raw = _mapping(raw, where)
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
            topics_count=_optional_int(raw, "topics_count", None, where),
            fields={k: v for k, v in raw.items() if k not in OK_GROUP_BASE},
            topics=_ok_topics(raw, uid, now, where),
        )
    for i, raw in enumerate(_list(data.get("profiles", []), "ok.profiles")):
        raw = _mapping(raw, f"ok.profiles[{i}]")
        scenario.profiles[str(raw.get("uid"))] = str(raw.get("shortname", ""))
    return scenario


def _ok_topics(raw: Mapping[str, Any], uid: str, now: datetime, where: str) -> list[dict[str, Any]]:
    specs = [(dict(_mapping(t, f"{where}.topics[{i}]")), f"{where}.topics[{i}]")
             for i, t in enumerate(_list(raw.get("topics", []), f"{where}.topics"))]
    specs += _expand_series(raw.get("topic_series", []), now, f"{where}.topic_series")
    dated = sorted(((_date(spec, now, path), spec, path) for spec, path in specs), key=lambda item: item[0])
    topics = []
    for n, (date, spec, path) in enumerate(dated, start=1):
        if spec.get("deleted"):
            continue
        media: list[dict[str, Any]] = []
        if spec.get("text"):
            media.append({"type": "text", "text": str(spec["text"])})
        media += [{"type": str(kind)} for kind in _list(spec.get("attachments", []), f"{path}.attachments")]
        media += [dict(_mapping(m, f"{path}.media")) for m in _list(spec.get("media", []), f"{path}.media")]
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


# --- shared pieces -------------------------------------------------------------------------

def item_specs(raw: Mapping[str, Any], key: str, series_key: str, allowed: frozenset[str] | set[str], now: datetime,
               where: str) -> list[tuple[dict[str, Any], str]]:
    """The items a page lists one by one under `key` and as series under `series_key`, each
    with its path for messages, refused when it carries a key outside `allowed`."""
    specs = [(dict(_mapping(item, f"{where}.{key}[{i}]")), f"{where}.{key}[{i}]")
             for i, item in enumerate(_list(raw.get(key, []), f"{where}.{key}"))]
    specs += _expand_series(raw.get(series_key, []), now, f"{where}.{series_key}")
    for spec, path in specs:
        unknown = set(spec) - allowed
        if unknown:
            raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
    return specs


def _expand_series(raw: Any, now: datetime, where: str) -> list[tuple[dict[str, Any], str]]:
    """Turn each SERIES into plain post/topic specs with explicit unix dates."""
    specs = []
    for i, series in enumerate(_list(raw, where)):
        path = f"{where}[{i}]"
        series = dict(_mapping(series, path))
        template = {k: v for k, v in series.items() if k not in SERIES_KEYS}
        if "per_week" in series:
            first_week = int(series.get("first_week", -len(series["per_week"])))
            dates = []
            for offset, count in enumerate(_list(series["per_week"], f"{path}.per_week")):
                for j in range(int(count)):
                    day = 1 + (j * 7) // max(int(count), 1)
                    moment = _week_date(now, first_week + offset, day, time(10, j % 60))
                    if moment <= now:
                        dates.append(moment)
        else:
            count = _positive_int(series.get("count"), f"{path}.count")
            start, every = float(series.get("start_days_ago", 0)), float(series.get("every_days", 1))
            dates = [now - timedelta(days=start + k * every) for k in range(count)]
        for n, moment in enumerate(sorted(dates), start=1):
            spec = dict(template, date=int(moment.timestamp()))
            if isinstance(spec.get("text"), str):
                spec["text"] = spec["text"].replace("{n}", str(n))
            specs.append((spec, f"{path}#{n}"))
    return specs


def _date(spec: Mapping[str, Any], now: datetime, where: str) -> int:
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
    value = _mapping(value, f"{where}.date")
    if "week" in value:
        hh, _, mm = str(value.get("time", "10:00")).partition(":")
        weekday = int(value.get("weekday", 1))
        if not 1 <= weekday <= 7:
            raise ScenarioError(f"{where}.weekday: 1 (Monday) to 7 (Sunday)")
        return int(_week_date(now, int(value["week"]), weekday, time(int(hh), int(mm or 0))).timestamp())
    delta = timedelta(days=float(value.get("days_ago", 0)), hours=float(value.get("hours_ago", 0)))
    return int((now - delta).timestamp())


def _week_date(now: datetime, week: int, weekday: int, at: time) -> datetime:
    """Moscow local ``at`` on ``weekday`` of the ISO week ``week`` weeks from now's."""
    local = now.astimezone(MOSCOW)
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    day = monday + timedelta(weeks=week, days=weekday - 1)
    return datetime.combine(day, at, MOSCOW)


def _now(value: Any) -> datetime:
    if value is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ScenarioError(f"now: {exc}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=MOSCOW)


def _fault(raw: Any, where: str) -> Fault:
    raw = _mapping(raw, where)
    network = raw.get("network")
    if network not in ("vk", "ok", "max"):
        raise ScenarioError(f"{where}.network: vk, ok or max")
    transport, code = raw.get("transport"), raw.get("error_code")
    if (transport is None) == (code is None):
        raise ScenarioError(f"{where}: give exactly one of error_code and transport")
    if transport is not None and transport not in TRANSPORT_FAULTS:
        raise ScenarioError(f"{where}.transport: one of {sorted(TRANSPORT_FAULTS)}")
    times = raw.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ScenarioError(f"{where}.times: a positive integer or null")
    return Fault(
        network=network,
        method=raw.get("method"),
        match={k: str(v) for k, v in raw.items() if k not in FAULT_KEYS},
        error_code=int(code) if code is not None else None,
        error_msg=raw.get("error_msg"),
        transport=transport,
        times=times,
        delay=float(raw.get("delay", 2.0)),
    )


def parse_version(value: str) -> tuple[int, int]:
    """"5.199" → (5, 199); VK versions compare by their two numbers."""
    major, _, minor = value.strip().partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (0, 0)


def _optional_int(data: Mapping[str, Any], key: str, default: int | None, where: str) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioError(f"{where}.{key}: a non-negative integer or null")
    return value


def _positive_int(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: a positive integer is required") from None
    if number <= 0:
        raise ScenarioError(f"{where}: a positive integer is required")
    return number


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: an object is required")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: a list is required")
    return value
