"""The ``max`` section of a simulator scenario (see ``monitoring.simulator.scenario``).

Format (every key optional unless marked *)::

    "max": {
      "bot": {"user_id": 900001, "first_name": "Бот района", "username": "kush_edu_bot"},
      "tokens": ["max-bot-token"],           # accepted in the Authorization header only
      "requests_per_second": 30,             # per token, any sliding second → 429; null = off
      "channels": [{
        "chat_id"*: -70000000000001,         # any non-zero integer
        "name": "sosh9_gos",                 # public name: /chats/sosh9_gos, https://max.ru/sosh9_gos
        "type": "channel" | "chat" | "dialog",
        "is_public": true,                   # false: found by chat_id only (see simulator)
        "invite_link": "https://max.ru/join/…",  # its Chat.link when private
        "bot": "admin" | "member" | "removed" | "left" | null,  # the bot there (default admin)
        "status": "active" | "removed" | "left" | "closed",     # default from "bot"
        "title": "...", "description": "...", "participants_count": 250, "owner_id": 1,
        "messages_count": null,              # default: the messages served
        "last_event_time": DATE,             # default: the newest message (or "now")
        "messages": [MESSAGE, ...], "message_series": [SERIES, ...]
      }],
      "updates": [UPDATE, ...],              # queued for GET /updates from the start
      "subscriptions": [{"url": "https://...", "update_types": [...]}],  # webhooks already set
      "blocked_users": [4242]                # POST /messages?user_id= to them → 403
    }

    MESSAGE = {DATE keys as for posts, or "timestamp_ms": ms, "text": "...",
               "attachments": ["image", "video", "file", {"type": "image", ...}],
               "views": 120, "forward_from": <source chat_id>, "forward_text": "...",
               "sender": {USER}, "deleted": true}
    UPDATE  = an Update object as the API sends it ({"update_type": "bot_added", "chat_id": …,
              "user": {…}, "is_channel": true}); "timestamp" is a DATE or ms, default "now".

Timestamps are milliseconds. A message dated by DATE gets a sub-second part from its
place in the channel, so no client can get away with whole seconds.
"""

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

CHAT_TYPES = frozenset({"channel", "chat", "dialog"})
BOT_ROLES = frozenset({"admin", "member", "removed", "left"})
CHAT_STATUSES = frozenset({"active", "removed", "left", "closed"})
CHANNEL_BASE = frozenset({"chat_id", "name", "type", "is_public", "invite_link", "bot", "status", "title",
                          "description", "participants_count", "owner_id", "messages_count", "last_event_time",
                          "messages", "message_series"})
MESSAGE_KEYS = frozenset({"date", "timestamp_ms", "text", "attachments", "views", "forward_from", "forward_text",
                          "sender", "deleted"}) | DATE_KEYS
DEFAULT_BOT = {"user_id": 900001, "first_name": "Бот района", "username": "district_bot"}
PUBLIC_NAME = r"[A-Za-z][\w-]*"


@dataclass
class MaxChannel:
    chat_id: int
    name: str = ""
    type: str = "channel"
    is_public: bool = True
    invite_link: str | None = None
    bot: str | None = "admin"
    status: str = "active"
    title: str = ""
    description: str = ""
    participants_count: int = 0
    owner_id: int | None = None
    messages_count: int | None = None
    last_event_time: int | None = None
    # Served oldest first as stored; each keeps its "timestamp" (ms), "seq" and raw spec.
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MaxScenario:
    bot: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_BOT))
    tokens: frozenset[str] = frozenset()
    requests_per_second: int | None = 30
    channels: dict[int, MaxChannel] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    blocked_users: frozenset[int] = frozenset()


def parse_max(data: Mapping[str, Any], now: datetime) -> MaxScenario:
    bot = dict(DEFAULT_BOT, **as_mapping(data.get("bot", {}), "max.bot"))
    scenario = MaxScenario(
        bot=bot,
        tokens=frozenset(str(t) for t in as_list(data.get("tokens", []), "max.tokens")),
        requests_per_second=optional_int(data, "requests_per_second", 30, "max"),
        blocked_users=frozenset(int(u) for u in as_list(data.get("blocked_users", []), "max.blocked_users")),
    )
    for i, raw in enumerate(as_list(data.get("channels", []), "max.channels")):
        channel = _channel(as_mapping(raw, f"max.channels[{i}]"), now, f"max.channels[{i}]")
        if channel.chat_id in scenario.channels:
            raise ScenarioError(f"max.channels[{i}]: duplicate chat_id {channel.chat_id}")
        scenario.channels[channel.chat_id] = channel
    names = [c.name.lower() for c in scenario.channels.values() if c.name]
    if len(set(names)) != len(names):
        raise ScenarioError("max.channels: duplicate names")
    for i, raw in enumerate(as_list(data.get("updates", []), "max.updates")):
        scenario.updates.append(update_object(as_mapping(raw, f"max.updates[{i}]"), now, f"max.updates[{i}]"))
    for i, raw in enumerate(as_list(data.get("subscriptions", []), "max.subscriptions")):
        raw = as_mapping(raw, f"max.subscriptions[{i}]")
        if not str(raw.get("url", "")).startswith("https://"):
            raise ScenarioError(f"max.subscriptions[{i}].url: an https:// address")
        scenario.subscriptions.append({"url": str(raw["url"]), "time": int(now.timestamp() * 1000),
                                       "update_types": raw.get("update_types"), "secret": raw.get("secret")})
    return scenario


def update_object(raw: Mapping[str, Any], now: datetime, where: str) -> dict[str, Any]:
    """An Update as the API sends it; ``timestamp`` in ms (a DATE is converted)."""
    kind = raw.get("update_type")
    if not isinstance(kind, str) or not kind:
        raise ScenarioError(f"{where}.update_type: required")
    update = dict(raw)
    stamp = raw.get("timestamp")
    if stamp is None:
        update["timestamp"] = int(now.timestamp() * 1000)
    elif not isinstance(stamp, int) or isinstance(stamp, bool):
        update["timestamp"] = date_of({"date": stamp}, now, where) * 1000
    return update


def _channel(raw: Mapping[str, Any], now: datetime, where: str) -> MaxChannel:
    chat_id = raw.get("chat_id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
        raise ScenarioError(f"{where}.chat_id: a non-zero integer is required")
    unknown = set(raw) - CHANNEL_BASE
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    kind, bot = raw.get("type", "channel"), raw.get("bot", "admin")
    if kind not in CHAT_TYPES:
        raise ScenarioError(f"{where}.type: one of {sorted(CHAT_TYPES)}")
    if bot is not None and bot not in BOT_ROLES:
        raise ScenarioError(f"{where}.bot: one of {sorted(BOT_ROLES)} or null")
    status = raw.get("status") or (bot if bot in ("removed", "left") else "active")
    if status not in CHAT_STATUSES:
        raise ScenarioError(f"{where}.status: one of {sorted(CHAT_STATUSES)}")
    channel = MaxChannel(
        chat_id=chat_id,
        name=str(raw.get("name") or ""),
        type=kind,
        is_public=bool(raw.get("is_public", True)),
        invite_link=raw.get("invite_link"),
        bot=bot,
        status=status,
        title=str(raw.get("title", f"Канал {chat_id}")),
        description=str(raw.get("description", "")),
        participants_count=optional_int(raw, "participants_count", 0, where) or 0,
        owner_id=raw.get("owner_id"),
        messages_count=optional_int(raw, "messages_count", None, where),
        messages=_messages(raw, chat_id, now, where),
    )
    if raw.get("last_event_time") is not None:
        channel.last_event_time = date_of({"date": raw["last_event_time"]}, now, where) * 1000
    return channel


def _messages(raw: Mapping[str, Any], chat_id: int, now: datetime, where: str) -> list[dict[str, Any]]:
    dated = []
    for spec, path in item_specs(raw, "messages", "message_series", MESSAGE_KEYS, now, where):
        if "forward_from" in spec and not isinstance(spec["forward_from"], int):
            raise ScenarioError(f"{path}.forward_from: a chat_id")
        if "timestamp_ms" in spec:
            stamp = positive_int(spec["timestamp_ms"], f"{path}.timestamp_ms")
        else:
            stamp = date_of(spec, now, path) * 1000
        dated.append((stamp, spec))
    dated.sort(key=lambda item: item[0])
    messages = []
    for seq, (stamp, spec) in enumerate(dated, start=1):
        if "timestamp_ms" not in spec:
            stamp += (seq * 137) % 1000  # a sub-second part, stable for the scenario
        if not spec.get("deleted"):  # a deleted message keeps its seq: the others do not move
            messages.append({"timestamp": stamp, "seq": seq, "spec": spec})
    return messages
