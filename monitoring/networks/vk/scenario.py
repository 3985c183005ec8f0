"""The ``vk`` section of a simulator scenario (format in ``monitoring.simulator.scenario``): the
communities and personal pages VK serves, with their walls expanded into posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitoring.simulator.spec import (
    DATE_KEYS,
    ScenarioError,
    as_list,
    as_mapping,
    date_of,
    item_specs,
    optional_int,
    positive_int,
)

VK_TOKEN_TYPES = frozenset({"service", "user", "community"})


VK_GROUP_BASE = frozenset({"id", "screen_name", "name", "type", "is_closed", "deactivated", "posts", "post_series"})


POST_KEYS = frozenset({"id", "date", "from_id", "text", "signer_id", "is_pinned", "likes", "views", "reposts",
                       "comments", "attachments", "copy_history", "days_ago", "hours_ago", "week", "weekday", "time",
                       "deleted", "comment_list"})
COMMENT_KEYS = frozenset({"id", "from_id", "date", "text", "deleted", "thread"}) | DATE_KEYS


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
    # post id → its top-level comments as wall.getComments gives them, each with all its
    # replies under "thread" → "items" (the server cuts them to `thread_items_count`).
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class VkUser:
    id: int
    screen_name: str
    first_name: str = ""
    last_name: str = ""
    deactivated: str | None = None
    is_closed: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class VkScenario:
    tokens: dict[str, str] = field(default_factory=dict)
    requests_per_second: int | None = 3
    wall_get_daily_limit: int | None = 5000
    getbyid_object_since: tuple[int, int] = (5, 194)
    groups: dict[int, VkGroup] = field(default_factory=dict)
    users: dict[int, VkUser] = field(default_factory=dict)


def parse_vk(data: Mapping[str, Any], now: datetime) -> VkScenario:
    tokens_raw = data.get("tokens", [])
    if isinstance(tokens_raw, Mapping):
        tokens_raw = [{"token": k, "type": v} for k, v in tokens_raw.items()]
    tokens: dict[str, str] = {}
    for i, item in enumerate(as_list(tokens_raw, "vk.tokens")):
        item = as_mapping(item, f"vk.tokens[{i}]")
        token, kind = str(item.get("token", "")), item.get("type", "service")
        if not token or kind not in VK_TOKEN_TYPES:
            raise ScenarioError(f"vk.tokens[{i}]: needs a token and a type in {sorted(VK_TOKEN_TYPES)}")
        tokens[token] = kind
    scenario = VkScenario(
        tokens=tokens,
        requests_per_second=optional_int(data, "requests_per_second", 3, "vk"),
        wall_get_daily_limit=optional_int(data, "wall_get_daily_limit", 5000, "vk"),
        getbyid_object_since=parse_version(str(data.get("getbyid_object_since", "5.194"))),
    )
    for i, raw in enumerate(as_list(data.get("groups", []), "vk.groups")):
        group = _vk_group(as_mapping(raw, f"vk.groups[{i}]"), now, f"vk.groups[{i}]")
        if group.id in scenario.groups:
            raise ScenarioError(f"vk.groups[{i}]: duplicate id {group.id}")
        scenario.groups[group.id] = group
    for i, raw in enumerate(as_list(data.get("users", []), "vk.users")):
        where = f"vk.users[{i}]"
        raw = as_mapping(raw, where)
        uid = positive_int(raw.get("id"), f"{where}.id")
        posts, comments = _vk_posts(raw, uid, now, where)
        scenario.users[uid] = VkUser(
            id=uid,
            screen_name=str(raw.get("screen_name") or f"id{uid}"),
            first_name=str(raw.get("first_name", "")),
            last_name=str(raw.get("last_name", "")),
            deactivated=raw.get("deactivated"),
            is_closed=bool(raw.get("is_closed", False)),
            posts=posts,
            comments=comments,
        )
    return scenario


def _vk_group(raw: Mapping[str, Any], now: datetime, where: str) -> VkGroup:
    gid = positive_int(raw.get("id"), f"{where}.id")
    kind = raw.get("type", "group")
    if kind not in ("group", "page", "event"):
        raise ScenarioError(f"{where}.type: must be group, page or event")
    if raw.get("is_closed", 0) not in (0, 1, 2):
        raise ScenarioError(f"{where}.is_closed: must be 0, 1 or 2")
    posts, comments = _vk_posts(raw, -gid, now, where)
    return VkGroup(
        id=gid,
        screen_name=str(raw.get("screen_name") or f"club{gid}"),
        name=str(raw.get("name", f"Сообщество {gid}")),
        type=kind,
        is_closed=int(raw.get("is_closed", 0)),
        deactivated=raw.get("deactivated") or None,
        fields={k: v for k, v in raw.items() if k not in VK_GROUP_BASE},
        posts=posts,
        comments=comments,
    )


def _vk_posts(raw: Mapping[str, Any], owner_id: int, now: datetime,
              where: str) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The wall's posts, oldest first, and the comments of each post that has a `comment_list`."""
    posts = [(date_of(spec, now, path), spec, path)
             for spec, path in item_specs(raw, "posts", "post_series", POST_KEYS, now, where)]
    used = {int(spec["id"]) for _, spec, _ in posts if "id" in spec}
    next_id = 1
    result = []
    comments: dict[int, list[dict[str, Any]]] = {}
    numbering = [0]  # comment ids run on through the owner's wall, as VK numbers them
    for date, spec, path in sorted(posts, key=lambda item: item[0]):
        if "id" in spec:
            post_id = int(spec["id"])
        else:
            while next_id in used:
                next_id += 1
            post_id = next_id
            used.add(post_id)
        if not spec.get("deleted"):
            post = _vk_post(spec, owner_id, post_id, date, now, path)
            if "comment_list" in spec:
                comments[post_id] = _vk_comments(spec["comment_list"], owner_id, post_id, date, now, f"{path}.comment_list",
                                                 numbering)
                if "comments" not in spec:  # VK counts every comment standing, replies included
                    post["comments"]["count"] = sum(
                        (not c.get("deleted")) + sum(not r.get("deleted") for r in c["thread"]["items"])
                        for c in comments[post_id]
                    )
            result.append(post)
    if len({p["id"] for p in result}) != len(result):
        raise ScenarioError(f"{where}.posts: duplicate post ids")
    return result, comments


def _vk_comments(raw: Any, owner_id: int, post_id: int, post_date: int, now: datetime, where: str,
                 numbering: list[int], parent: int | None = None) -> list[dict[str, Any]]:
    """COMMENT = {"from_id"*: 55, DATE (default: the post's), "text", "deleted": true,
    "thread": [COMMENT, ...] (top level only), "id" (default: numbered on the owner's wall)}."""
    result = []
    for i, spec in enumerate(as_list(raw, where)):
        path = f"{where}[{i}]"
        spec = as_mapping(spec, path)
        unknown = set(spec) - COMMENT_KEYS
        if unknown:
            raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
        if "from_id" not in spec:
            raise ScenarioError(f"{path}.from_id: required")
        if parent is not None and "thread" in spec:
            raise ScenarioError(f"{path}.thread: VK threads have one level")
        numbering[0] += 1
        comment: dict[str, Any] = {
            "id": int(spec.get("id", numbering[0])), "from_id": int(spec["from_id"]),
            "date": date_of(spec, now, path) if set(spec) & (DATE_KEYS | {"date"}) else post_date,
            "text": str(spec.get("text", "")), "post_id": post_id, "owner_id": owner_id,
            "parents_stack": [] if parent is None else [parent],
        }
        if spec.get("deleted"):
            comment["deleted"] = True
        if parent is None:
            replies = _vk_comments(spec.get("thread", []), owner_id, post_id, post_date, now, f"{path}.thread",
                                   numbering, parent=comment["id"])
            comment["thread"] = {"count": len(replies), "items": replies, "can_post": True, "show_reply_button": True,
                                 "groups_can_post": True}
        else:
            comment["reply_to_comment"] = parent
        result.append(comment)
    return result


def _vk_post(spec: Mapping[str, Any], owner_id: int, post_id: int, date: int, now: datetime, where: str) -> dict[str, Any]:
    copies = []
    for i, copy in enumerate(as_list(spec.get("copy_history", []), f"{where}.copy_history")):
        copy = as_mapping(copy, f"{where}.copy_history[{i}]")
        copy_owner = int(copy.get("owner_id", 0))
        if not copy_owner:
            raise ScenarioError(f"{where}.copy_history[{i}].owner_id: required")
        copy_date = date_of(copy, now, f"{where}.copy_history[{i}]") if set(copy) & (DATE_KEYS | {"date"}) else date
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
    for n, item in enumerate(as_list(raw, f"{where}.attachments"), start=1):
        if isinstance(item, str):
            item = {"type": item}
        item = dict(as_mapping(item, f"{where}.attachments"))
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


def parse_version(value: str) -> tuple[int, int]:
    """"5.199" → (5, 199); VK versions compare by their two numbers."""
    major, _, minor = value.strip().partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (0, 0)
