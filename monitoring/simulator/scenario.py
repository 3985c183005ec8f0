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
             "comment_list": [COMMENT, ...],   # served by wall.getComments; sets "comments"
             "deleted": true}                  # deleted from the wall: see below
    COMMENT = {"from_id"*: 55, "date": DATE (default: the post's), "text": "...", "deleted": true,
               "thread": [COMMENT, ...] (replies; one level), "id" (default: numbered per wall)}
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

Each network's section is read by its own package (``monitoring/networks/<network>/scenario.py``)
with the building blocks of ``spec``; faults and the anchor are read here.

Generated dates depend only on "now", so a scenario with a fixed anchor always
serves the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .spec import ScenarioError, as_list, as_mapping
from .state import FAULT_KEYS, MOSCOW, TRANSPORT_FAULTS, Fault

if TYPE_CHECKING:
    from monitoring.networks.max.scenario import MaxScenario
    from monitoring.networks.ok.scenario import OkScenario
    from monitoring.networks.vk.scenario import VkScenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]


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
    # Imported here: each network's part builds on this package's spec and state modules.
    from monitoring.networks.max.scenario import parse_max
    from monitoring.networks.ok.scenario import parse_ok
    from monitoring.networks.vk.scenario import parse_vk

    data = as_mapping(source, "scenario")
    now = now_of(data.get("now"))
    return Scenario(
        now=now,
        vk=parse_vk(as_mapping(data.get("vk", {}), "vk"), now),
        ok=parse_ok(as_mapping(data.get("ok", {}), "ok"), now),
        faults=[_fault(f, f"faults[{i}]") for i, f in enumerate(as_list(data.get("faults", []), "faults"))],
        max=parse_max(as_mapping(data.get("max", {}), "max"), now),
        latency=_latency(data.get("latency_ms", 0)),
    )


def _latency(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise ScenarioError("latency_ms: a number of milliseconds from 0 to 10000")
    return value / 1000


def now_of(value: Any) -> datetime:
    if value is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ScenarioError(f"now: {exc}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=MOSCOW)


def _fault(raw: Any, where: str) -> Fault:
    raw = as_mapping(raw, where)
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
