"""The VK API as the simulator serves it (reference §1), from a scenario.

Envelopes: ``{"response": ...}`` or ``{"error": {"error_code", "error_msg",
"request_params": [{"key", "value"}, ...]}}``, always HTTP 200. The error echoes
the request parameters as received, ``access_token`` included: clients must
strip it themselves, so the simulator does not do it for them.

Choices where the reference says "unverified" (each can be wrong for real VK):
- groups.getById answers a list below v5.194 and ``{groups, profiles}`` from it
  (scenario ``getbyid_object_since``); the real switch version is unknown.
- groups.getById skips unknown ids; if none is known it answers error 100.
- A closed group's wall → 15, a private group's → 203, a deactivated group's → 15;
  a deleted user's → 18, a private profile's → 30; ``count`` > 100 → 100.
- Calls inside ``execute`` each count against the wall.get daily quota; every
  arrival counts against the per-second window, refused ones too.
- ``execute`` understands one VKScript shape only: ``return [API.m({...}), ...];``
  with JSON object literals as arguments. Anything else → 12 (compile error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitoring.simulator.state import (
    DailyQuota,
    Fault,
    FaultBook,
    SlidingWindow,
    token_hash,
)

from .scenario import VkGroup, VkUser, parse_version

if TYPE_CHECKING:
    from monitoring.simulator.scenario import Scenario

MAX_EXECUTE_CALLS = 25
MAX_GROUP_IDS = 500
GROUP_REF_RE = re.compile(r"^(?:club|public|event)(\d+)$", re.IGNORECASE)
USER_REF_RE = re.compile(r"^id(\d+)$", re.IGNORECASE)
CALL_RE = re.compile(r"\s*API\.([A-Za-z]+\.[A-Za-z]+)\s*\(")

# Which token types may call what (reference §1.1 table).
ALLOWED = {
    "groups.getById": {"user", "community", "service"},
    "utils.resolveScreenName": {"user", "community", "service"},
    "wall.get": {"user", "service"},
    "wall.getComments": {"user", "service"},
    "execute": {"user", "community"},
}
MESSAGES = {
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    8: "Invalid request: v (version) is required",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    14: "Captcha needed",
    15: "Access denied",
    18: "User was deleted or banned",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    29: "Rate limit reached",
    30: "This profile is private",
    100: "One of the parameters specified was missing or invalid",
    113: "Invalid user id",
    203: "Access to group denied: access to the group is denied",
}


class VkError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        base = MESSAGES.get(code, "Unknown error occurred")
        self.message = f"{base}: {detail}" if detail else base
        super().__init__(self.message)


@dataclass
class VkAnswer:
    body: dict[str, Any]
    outcome: str
    items: int = 0
    calls: int = 1
    inner_methods: tuple[str, ...] = ()


class VkApi:
    """Answers one VK method call at a time; thread-safe through its helpers."""

    def __init__(self, scenario: Scenario, faults: FaultBook) -> None:
        self.scenario = scenario
        self.vk = scenario.vk
        self.faults = faults
        self.window = SlidingWindow(self.vk.requests_per_second)
        self.wall_quota = DailyQuota(self.vk.wall_get_daily_limit)
        self._methods: dict[str, Callable[[Mapping[str, str], str], tuple[Any, int]]] = {
            "groups.getById": self._groups_get_by_id,
            "utils.resolveScreenName": self._resolve_screen_name,
            "wall.get": self._wall_get,
            "wall.getComments": self._wall_get_comments,
        }

    def handle(self, method: str, params: Mapping[str, str], token: str) -> VkAnswer:
        """One HTTP request to ``/method/<method>``."""
        try:
            if not token or token not in self.vk.tokens:
                raise VkError(5)
            if not self.window.admit(token_hash(token)):
                raise VkError(6)
            if "v" not in params:
                raise VkError(8)
            if method == "execute":
                return self._execute(params, token)
            response, items = self._call(method, params, token)
        except VkError as exc:
            return VkAnswer(self._error_body(exc, method, params), f"error:{exc.code}")
        return VkAnswer({"response": response}, "ok", items)

    def _call(self, method: str, params: Mapping[str, str], token: str) -> tuple[Any, int]:
        handler = self._methods.get(method)
        if handler is None and method != "execute":
            raise VkError(3)
        kind = self.vk.tokens[token]
        if kind not in ALLOWED.get(method, set()):
            raise VkError(27 if kind == "community" else 28)
        fault = self.faults.take("vk", method, params, transport=False)
        if fault is not None:
            raise _injected(fault)
        if method == "execute":  # nested execute is not a thing
            raise VkError(13, "execute cannot be called from execute")
        return handler(params, token)

    def _error_body(self, exc: VkError, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        echoed = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        echoed += [{"key": k, "value": v} for k, v in params.items()]
        return {"error": {"error_code": exc.code, "error_msg": exc.message, "request_params": echoed}}

    # --- execute -------------------------------------------------------------------------

    def _execute(self, params: Mapping[str, str], token: str) -> VkAnswer:
        kind = self.vk.tokens[token]
        if kind not in ALLOWED["execute"]:
            raise VkError(28)
        fault = self.faults.take("vk", "execute", params, transport=False)
        if fault is not None:
            raise _injected(fault)
        calls = parse_vkscript(params.get("code", ""))
        if len(calls) > MAX_EXECUTE_CALLS:
            raise VkError(13, "too many API calls")
        results: list[Any] = []
        errors: list[dict[str, Any]] = []
        items = 0
        for method, args in calls:
            try:
                response, count = self._call(method, {k: _scalar(v) for k, v in args.items()}, token)
            except VkError as exc:
                results.append(False)
                errors.append({"method": method, "error_code": exc.code, "error_msg": exc.message})
                continue
            results.append(response)
            items += count
        body: dict[str, Any] = {"response": results}
        if errors:
            body["execute_errors"] = errors
        return VkAnswer(body, "ok", items, len(calls), tuple(m for m, _ in calls))

    # --- methods -------------------------------------------------------------------------

    def _groups_get_by_id(self, params: Mapping[str, str], token: str) -> tuple[Any, int]:
        refs = [r.strip() for r in f"{params.get('group_ids', '')},{params.get('group_id', '')}".split(",") if r.strip()]
        if len(refs) > MAX_GROUP_IDS:
            raise VkError(100, f"group_ids: no more than {MAX_GROUP_IDS}")
        fields = {f.strip() for f in params.get("fields", "").split(",") if f.strip()}
        groups, seen = [], set()
        for ref in refs:
            group = self._find_group(ref)
            if group is not None and group.id not in seen:
                seen.add(group.id)
                groups.append(_group_object(group, fields))
        if not groups:
            raise VkError(100, "group_ids is undefined")
        if parse_version(params.get("v", "0")) >= self.vk.getbyid_object_since:
            return {"groups": groups, "profiles": []}, len(groups)
        return groups, len(groups)

    def _resolve_screen_name(self, params: Mapping[str, str], token: str) -> tuple[Any, int]:
        name = params.get("screen_name", "").strip().lower()
        if not name:
            raise VkError(100, "screen_name is undefined")
        group = None if name.isdigit() else self._find_group(name)
        if group is not None:
            # The schema's type enum has no "event": events resolve as groups.
            return {"object_id": group.id, "type": "page" if group.type == "page" else "group"}, 1
        user = self._find_user(name)
        if user is not None:
            return {"object_id": user.id, "type": "user"}, 1
        return [], 0

    def _wall_get(self, params: Mapping[str, str], token: str) -> tuple[Any, int]:
        if not self.wall_quota.take(token_hash(token)):
            raise VkError(29)
        owner_id = self._wall_owner(params)
        count = _int_param(params, "count", 20)
        offset = _int_param(params, "offset", 0)
        if not 0 <= count <= 100:
            raise VkError(100, "count should be from 0 to 100")
        if offset < 0:
            raise VkError(100, "offset should be positive")
        posts = self._wall_posts(owner_id)
        wanted = params.get("filter", "all") or "all"
        if wanted == "owner":
            posts = [p for p in posts if p["from_id"] == owner_id]
        elif wanted == "others":
            posts = [p for p in posts if p["from_id"] != owner_id]
        elif wanted != "all":
            posts = []  # postponed, suggests, archived, donut: admins only
        # Pinned first whatever its date, then newest first.
        posts = sorted(posts, key=lambda p: (not p.get("is_pinned"), -p["date"], -p["id"]))
        page = [dict(p) for p in posts[offset : offset + count]]
        response: dict[str, Any] = {"count": len(posts), "items": page}
        if params.get("extended") == "1":
            response.update(self._extended(owner_id, page))
        return response, len(page)

    def _wall_get_comments(self, params: Mapping[str, str], token: str) -> tuple[Any, int]:
        """Top-level comments of a post by `offset` and `count` (≤ 100), each with the first
        `thread_items_count` (≤ 10) replies of its thread; with `comment_id`, that comment's
        replies. `count` is every comment of the post (replies too), `current_level_count`
        those of the level asked for: paging goes by the latter. Deleted comments stay in
        their place, marked `deleted`."""
        owner_id = self._wall_owner(params)
        post_id = _int_param(params, "post_id", 0)
        count = _int_param(params, "count", 10)
        offset = _int_param(params, "offset", 0)
        in_thread = _int_param(params, "thread_items_count", 0)
        if not 0 <= count <= 100:
            raise VkError(100, "count should be from 0 to 100")
        if offset < 0:
            raise VkError(100, "offset should be positive")
        if not 0 <= in_thread <= 10:
            raise VkError(100, "thread_items_count should be from 0 to 10")
        if not any(post["id"] == post_id for post in self._wall_posts(owner_id)):
            raise VkError(100, "post_id is invalid")
        owner = self.vk.groups.get(-owner_id) if owner_id < 0 else self.vk.users.get(owner_id)
        top = owner.comments.get(post_id, [])
        total = sum(1 + len(comment["thread"]["items"]) for comment in top)
        if params.get("comment_id"):
            parent_id = _int_param(params, "comment_id", 0)
            parent = next((comment for comment in top if comment["id"] == parent_id), None)
            if parent is None:
                raise VkError(100, "comment_id is invalid")
            level = [dict(reply) for reply in parent["thread"]["items"]]
        else:
            level = [{**comment, "thread": {**comment["thread"], "items": [dict(r) for r in comment["thread"]["items"][:in_thread]]}}
                     for comment in top]
        if params.get("sort") == "desc":
            level.reverse()
        page = level[offset : offset + count]
        response = {"count": total, "current_level_count": len(level), "items": page, "can_post": True,
                    "show_reply_button": True, "groups_can_post": True}
        return response, len(page)

    def _wall_owner(self, params: Mapping[str, str]) -> int:
        if params.get("owner_id"):
            try:
                return int(params["owner_id"])
            except ValueError:
                raise VkError(100, "owner_id not integer") from None
        domain = params.get("domain", "").strip().lower()
        if not domain:
            raise VkError(100, "owner_id is undefined")
        group = self._find_group(domain)
        if group is not None:
            return -group.id
        user = self._find_user(domain)
        if user is None:
            raise VkError(100, "domain is invalid")
        return user.id

    def _wall_posts(self, owner_id: int) -> list[dict[str, Any]]:
        if owner_id < 0:
            group = self.vk.groups.get(-owner_id)
            if group is None:
                raise VkError(100, "owner_id is incorrect")
            if group.deactivated:
                raise VkError(15, "group is blocked")
            if group.is_closed == 1:
                raise VkError(15, "this wall available only for community members")
            if group.is_closed == 2:
                raise VkError(203)
            return group.posts
        user = self.vk.users.get(owner_id)
        if user is None:
            raise VkError(113)
        if user.deactivated:
            raise VkError(18)
        if user.is_closed:
            raise VkError(30)
        return user.posts

    def _extended(self, owner_id: int, page: list[dict[str, Any]]) -> dict[str, Any]:
        ids = {owner_id} | {p["from_id"] for p in page} | {p.get("signer_id", 0) for p in page}
        ids |= {c["owner_id"] for p in page for c in p.get("copy_history", [])}
        profiles = [_user_object(self.vk.users[i]) for i in sorted(ids) if i > 0 and i in self.vk.users]
        groups = [_group_object(self.vk.groups[-i], set()) for i in sorted(ids) if i < 0 and -i in self.vk.groups]
        return {"profiles": profiles, "groups": groups}

    def _find_group(self, ref: str) -> VkGroup | None:
        ref = ref.strip().lower()
        if ref.lstrip("-").isdigit():
            return self.vk.groups.get(int(ref.lstrip("-")))
        if match := GROUP_REF_RE.match(ref):
            return self.vk.groups.get(int(match.group(1)))
        return next((g for g in self.vk.groups.values() if g.screen_name.lower() == ref), None)

    def _find_user(self, ref: str) -> VkUser | None:
        if match := USER_REF_RE.match(ref):
            return self.vk.users.get(int(match.group(1)))
        return next((u for u in self.vk.users.values() if u.screen_name.lower() == ref), None)


def parse_vkscript(code: str) -> list[tuple[str, dict[str, Any]]]:
    """``return [API.wall.get({...}), ...];`` → [(method, args)]; anything else → error 12."""
    text = code.strip()
    match = re.fullmatch(r"return\s*\[(.*)\]\s*;?", text, re.DOTALL)
    if match is None:
        raise VkError(12, "only `return [API.method({...}), ...];` is understood here")
    body, pos, calls = match.group(1), 0, []
    decoder = json.JSONDecoder()
    while body[pos:].strip():
        call = CALL_RE.match(body, pos)
        if call is None:
            raise VkError(12, f"unexpected text at {pos}")
        try:
            args, end = decoder.raw_decode(body, call.end())
        except json.JSONDecodeError:
            raise VkError(12, "arguments must be an object literal") from None
        closing = re.compile(r"\s*\)\s*(,|$)").match(body, end)
        if closing is None or not isinstance(args, dict):
            raise VkError(12, "expected `)` after the arguments")
        calls.append((call.group(1), args))
        pos = closing.end()
    return calls


def _injected(fault: Fault) -> VkError:
    error = VkError(fault.error_code or 1)
    if fault.error_msg:
        error.message = fault.error_msg
    return error


def _group_object(group: VkGroup, fields: set[str]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": group.id, "name": group.name, "screen_name": group.screen_name,
        "is_closed": group.is_closed, "type": group.type,
        "photo_50": f"https://sun.userapi.example/g{group.id}/50.jpg",
        "photo_100": f"https://sun.userapi.example/g{group.id}/100.jpg",
        "photo_200": f"https://sun.userapi.example/g{group.id}/200.jpg",
    }
    if group.deactivated:  # deleted or banned: no more than the base object
        obj["deactivated"] = group.deactivated
        return obj
    obj.update({k: v for k, v in group.fields.items() if k in fields})
    return obj


def _user_object(user: VkUser) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": user.id, "first_name": user.first_name, "last_name": user.last_name,
                           "screen_name": user.screen_name, "is_closed": user.is_closed}
    if user.deactivated:
        obj["deactivated"] = user.deactivated
    return obj


def _int_param(params: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(params.get(key) or default)
    except ValueError:
        raise VkError(100, f"{key} not integer") from None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
