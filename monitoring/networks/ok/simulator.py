"""The OK API as the simulator serves it (reference §2), from a scenario.

Every call is checked like the real server does: ``application_key`` (101),
then ``sig`` by the md5 rule (104), then the session (102), then the per-key
rate (8). Errors are ``{"error_code", "error_msg", "error_data"}`` with HTTP 200
(the real status is unverified; clients must read the body). IDs are strings.

Choices where the reference says "unverified":
- group.getInfo takes at most 100 uids (more → 100 PARAM) and skips unknown or
  deactivated groups; its shape is the scenario's ``getinfo_shape``.
- ``gos_org`` is sent only when asked for in ``fields`` and set in the scenario.
- mediatopic.getTopics pages with an opaque ``anchor``, ``direction``
  (FORWARD = older, BACKWARD = newer, AROUND) and ``has_more``; ``count`` ≤ 100;
  a CLOSED or SECRET group → 456; an unknown or deactivated one → 300.
- url.getInfo answers ``{"type": "GROUP"|"PROFILE", "objectId": <number>}``, or
  ``{"type": "UNKNOWN"}``.
- group.getCounters answers ``{"counters": {"themes": n, ...}}``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from monitoring.simulator.state import FaultBook, SlidingWindow, token_hash

from .scenario import OkApplication, OkGroup

if TYPE_CHECKING:
    from monitoring.simulator.scenario import Scenario

NAMES = {
    1: "UNKNOWN", 2: "SERVICE", 3: "METHOD", 4: "REQUEST", 7: "ACTION_BLOCKED", 8: "FLOOD_BLOCKED",
    9: "IP_BLOCKED", 10: "PERMISSION_DENIED", 11: "LIMIT_REACHED", 100: "PARAM", 101: "PARAM_API_KEY",
    102: "PARAM_SESSION_EXPIRED", 103: "PARAM_SESSION_KEY", 104: "PARAM_SIGNATURE",
    160: "PARAM_GROUP_ID", 300: "NOT_FOUND", 456: "GROUP_RESTRICTION", 458: "PRIVACY_RESTRICTION",
    9999: "SYSTEM",
}
MAX_UIDS = 100
MAX_TOPICS = 100
UNSIGNED = frozenset({"access_token", "session_key", "sig"})


class OkError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        self.message = f"{NAMES.get(code, 'UNKNOWN')} : {detail}" if detail else NAMES.get(code, "UNKNOWN")
        super().__init__(self.message)


@dataclass
class OkAnswer:
    body: Any
    outcome: str
    items: int = 0


def expected_signature(params: Mapping[str, str], secret_key: str) -> str:
    """The server side of reference §2.1, written apart from the client on purpose:
    a shared bug would otherwise pass every test."""
    token = params.get("access_token", "")
    secret = hashlib.md5(f"{token}{secret_key}".encode()).hexdigest() if token else secret_key
    text = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in UNSIGNED)
    return hashlib.md5(f"{text}{secret}".encode()).hexdigest()


class OkApi:
    """Answers one OK method call at a time."""

    def __init__(self, scenario: Scenario, faults: FaultBook) -> None:
        self.ok = scenario.ok
        self.faults = faults
        self.window = SlidingWindow(self.ok.requests_per_second)
        self._methods: dict[str, Callable[[Mapping[str, str]], tuple[Any, int]]] = {
            "group.getInfo": self._group_get_info,
            "group.getCounters": self._group_get_counters,
            "url.getInfo": self._url_get_info,
            "mediatopic.getTopics": self._get_topics,
        }

    def handle(self, method: str, params: Mapping[str, str]) -> OkAnswer:
        try:
            app = self._authenticate(params)
            if not self.window.admit(token_hash(app.application_key)):
                raise OkError(8, "Too many requests")
            handler = self._methods.get(method)
            if handler is None:
                raise OkError(3, f"Method {method} does not exist")
            fault = self.faults.take("ok", method, params, transport=False)
            if fault is not None:
                error = OkError(fault.error_code or 1)
                if fault.error_msg:
                    error.message = fault.error_msg
                raise error
            body, items = handler(params)
        except OkError as exc:
            return OkAnswer({"error_code": exc.code, "error_msg": exc.message, "error_data": None},
                            f"error:{exc.code}")
        return OkAnswer(body, "ok", items)

    def _authenticate(self, params: Mapping[str, str]) -> OkApplication:
        app = self.ok.applications.get(params.get("application_key", ""))
        if app is None:
            raise OkError(101, "Application key is missing or invalid")
        if params.get("sig", "").lower() != expected_signature(params, app.application_secret_key):
            raise OkError(104, "Invalid signature")
        token = params.get("access_token")
        if token is not None and (token in app.expired_tokens or token not in app.access_tokens):
            raise OkError(102, "Session expired")
        return app

    # --- methods -------------------------------------------------------------------------

    def _group_get_info(self, params: Mapping[str, str]) -> tuple[Any, int]:
        uids = [u.strip() for u in params.get("uids", "").split(",") if u.strip()]
        if not uids:
            raise OkError(100, "Missing required parameter uids")
        if len(uids) > MAX_UIDS:
            raise OkError(100, f"No more than {MAX_UIDS} uids")
        fields = {_field_name(f) for f in params.get("fields", "").split(",") if f.strip()}
        if not fields:
            raise OkError(100, "Missing required parameter fields")
        groups = []
        for uid in dict.fromkeys(uids):
            group = self.ok.groups.get(uid)
            if group is not None and not group.deactivated:
                groups.append(_group_object(group, fields))
        body: Any = groups if self.ok.getinfo_shape == "list" else {"groups": groups}
        return body, len(groups)

    def _group_get_counters(self, params: Mapping[str, str]) -> tuple[Any, int]:
        group = self._live_group(params.get("group_id", ""))
        types = {t.strip().lower() for t in params.get("counterTypes", "").split(",") if t.strip()}
        if not types:
            raise OkError(100, "Missing required parameter counterTypes")
        counters: dict[str, int] = {}
        if "themes" in types:
            counters["themes"] = group.topics_count if group.topics_count is not None else len(group.topics)
        if "members" in types:
            counters["members"] = int(group.fields.get("members_count", 0))
        return {"counters": counters}, 1

    def _url_get_info(self, params: Mapping[str, str]) -> tuple[Any, int]:
        url = params.get("url", "").strip()
        if not url:
            raise OkError(100, "Missing required parameter url")
        path = urlsplit(url if "://" in url else f"https://{url}").path.rstrip("/")
        if match := re.fullmatch(r"/group/?(\d+)", path, re.IGNORECASE):
            if match.group(1) in self.ok.groups:
                return {"type": "GROUP", "objectId": int(match.group(1))}, 1
        elif match := re.fullmatch(r"/profile/(\d+)", path, re.IGNORECASE):
            if match.group(1) in self.ok.profiles:
                return {"type": "PROFILE", "objectId": int(match.group(1))}, 1
        else:
            name = path.strip("/").lower()
            for uid, group in self.ok.groups.items():
                if name and group.shortname.lower() == name:
                    return {"type": "GROUP", "objectId": int(uid)}, 1
            for uid, shortname in self.ok.profiles.items():
                if name and shortname.lower() == name:
                    return {"type": "PROFILE", "objectId": int(uid)}, 1
        return {"type": "UNKNOWN"}, 0

    def _get_topics(self, params: Mapping[str, str]) -> tuple[Any, int]:
        group = self._live_group(params.get("gid", ""))
        if group.access_type != "OPEN":
            raise OkError(456, "Group is closed")
        try:
            count = int(params.get("count") or 20)
        except ValueError:
            raise OkError(100, "count is not a number") from None
        if not 1 <= count <= MAX_TOPICS:
            raise OkError(100, f"count must be within 1..{MAX_TOPICS}")
        topics = sorted(group.topics, key=lambda t: (-t["created_ms"], t["id"]))  # newest first
        start = _anchor_offset(params.get("anchor"), group.uid) if params.get("anchor") else 0
        direction = (params.get("direction") or "FORWARD").upper()
        if direction == "BACKWARD":
            start = max(start - count, 0)
        elif direction == "AROUND":
            start = max(start - count // 2, 0)
        elif direction != "FORWARD":
            raise OkError(100, "direction must be FORWARD, BACKWARD or AROUND")
        page = topics[start : start + count]
        end = start + len(page)
        body = {"media_topics": [dict(t) for t in page], "has_more": end < len(topics),
                "anchor": _anchor(group.uid, end)}
        return body, len(page)

    def _live_group(self, uid: str) -> OkGroup:
        if not uid.strip():
            raise OkError(100, "Missing required parameter group id")
        group = self.ok.groups.get(uid.strip())
        if group is None or group.deactivated:
            raise OkError(300, "Group not found")
        return group


def _group_object(group: OkGroup, fields: set[str]) -> dict[str, Any]:
    obj: dict[str, Any] = {"uid": group.uid}
    known = {"name": group.fields.get("name", ""), "shortname": group.shortname,
             "access_type": group.access_type, **group.fields}
    obj.update({k: v for k, v in known.items() if k in fields})
    return obj


def _field_name(raw: str) -> str:
    """Fields are case-insensitive and may carry a ``group.`` prefix."""
    name = raw.strip().lower()
    return name[len("group."):] if name.startswith("group.") else name


def _anchor(uid: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{uid}:{offset}".encode()).decode().rstrip("=")


def _anchor_offset(anchor: str, uid: str) -> int:
    try:
        text = base64.urlsafe_b64decode(anchor + "=" * (-len(anchor) % 4)).decode()
        owner, _, offset = text.partition(":")
        if owner != uid:
            raise ValueError
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise OkError(100, "Invalid anchor") from None
