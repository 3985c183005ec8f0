"""The MAX Bot API as the simulator serves it (reference/max_api.md), from a scenario.

Routes under the simulator's ``/max`` prefix, named in the log and in faults by the
schema's operationId: ``GET /me`` getMyInfo, ``GET /chats/{chatLink}`` getChatByLink,
``GET /chats/{chatId}`` getChat, ``GET /messages`` getMessages, ``POST /messages``
sendMessage, ``GET /updates`` getUpdates, ``GET|POST|DELETE /subscriptions``
getSubscriptions, subscribe, unsubscribe. Errors are ``{"code", "message"}`` with
the HTTP status; all times are milliseconds.

Choices where the schema is silent (each can be wrong for the real server):
- Only ``Authorization: <token>`` authenticates. The schema still lists an
  ``access_token`` query parameter; a request carrying one is refused with 401
  ``verify.token`` even beside a good header, so a client that leaks its token
  into a URL fails its tests.
- The schema names only ``verify.token``; the other error codes are TamTam's:
  400 ``proto.payload``, 403 ``chat.denied``, 404 ``not.found``, 405
  ``method.not.allowed``, 429 ``too.many.requests``, 503 ``service.unavailable``.
- ``/chats/{chatLink}`` finds a *public* chat by its name, case-insensitively, with
  or without ``@``; a private one is "no such public channel" (404), as the
  schema's "по его публичной ссылке" says. A group chat with a public link is
  served too (its ``type`` says ``chat``), so a reader can meet a non-channel.
- ``/chats/{chatId}`` finds a chat the bot is in (any role), or any public one;
  so a private channel is found by its id once the bot was added there (its id
  comes with ``bot_added``), and never by name.
- ``status`` is the bot's: ``removed``/``left`` after it was, else ``active``
  (the schema does not say what a chat the bot never joined shows).
- ``/messages``: reading a channel needs the bot as administrator, a group chat
  the bot as a member; otherwise 403. Both bounds are inclusive: ``from`` (the
  newer) keeps messages at or before it, ``to`` (the older) at or after it, so a
  client paging back by the oldest timestamp sees that message again and must
  drop it by ``body.mid``. Reading by ``message_ids`` is not served.
- ``/updates``: each update has a number; ``marker`` is the next one expected and
  confirms every earlier one. Without ``marker`` the updates after the last
  confirmed one are served (TamTam's rule; MAX's text is ambiguous). While a
  webhook subscription exists the answer is 405. An empty queue with
  ``timeout`` > 0 waits at most ``LONG_POLL_CAP`` seconds, never ``timeout``.
- ``POST /subscriptions`` takes ``https://`` addresses only; updates pushed while a
  subscription exists are not delivered anywhere (tests drive the webhook view).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from monitoring.simulator.state import FaultBook, SlidingWindow, token_hash

from .scenario import PUBLIC_NAME, MaxChannel, update_object

if TYPE_CHECKING:
    from monitoring.simulator.scenario import Scenario

MAX_TEXT = 4000
MAX_COUNT = 100
DEFAULT_COUNT = 50
MAX_UPDATES_LIMIT = 1000
LONG_POLL_CAP = 0.5
MAX_PAYLOAD = 512
LINK_RE = re.compile(rf"@?({PUBLIC_NAME})", re.ASCII)  # the schema's pattern: ASCII letters
ID_RE = re.compile(r"-?\d+", re.ASCII)
SECRET_RE = re.compile(r"[a-zA-Z0-9_-]{5,256}")
ERROR_CODES = {400: "proto.payload", 401: "verify.token", 403: "chat.denied", 404: "not.found",
               405: "method.not.allowed", 429: "too.many.requests", 500: "internal.error",
               503: "service.unavailable"}


class MaxError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        self.status = status
        self.code = code or ERROR_CODES.get(status, "internal.error")
        self.message = message
        super().__init__(message)


@dataclass
class MaxAnswer:
    status: int
    body: Any
    outcome: str
    items: int = 0


@dataclass(frozen=True)
class MaxRequest:
    """What the server hands over: verb, path below ``/max``, query, JSON body, header token."""

    verb: str
    path: str
    query: Mapping[str, str]
    body: Any
    token: str


def operation(verb: str, path: str) -> str:
    """The schema's operationId for a route (for the log and faults); "" when none."""
    parts = [p for p in path.split("/") if p]
    if parts == ["me"] and verb == "GET":
        return "getMyInfo"
    if len(parts) == 2 and parts[0] == "chats" and verb == "GET":
        return "getChat" if ID_RE.fullmatch(parts[1]) else "getChatByLink"
    routes = {("messages", "GET"): "getMessages", ("messages", "POST"): "sendMessage",
              ("updates", "GET"): "getUpdates", ("subscriptions", "GET"): "getSubscriptions",
              ("subscriptions", "POST"): "subscribe", ("subscriptions", "DELETE"): "unsubscribe"}
    return routes.get((parts[0], verb), "") if len(parts) == 1 else ""


def fault_params(request: MaxRequest) -> dict[str, str]:
    """Query parameters plus the path's chat, so a fault can name a channel."""
    params = dict(request.query)
    parts = [p for p in request.path.split("/") if p]
    if len(parts) == 2 and parts[0] == "chats":
        params["chatId" if ID_RE.fullmatch(parts[1]) else "chatLink"] = parts[1].lstrip("@")
    return params


class MaxApi:
    """Answers one MAX Bot API request at a time; thread-safe."""

    def __init__(self, scenario: Scenario, faults: FaultBook) -> None:
        self.max = scenario.max
        self.now = scenario.now
        self.faults = faults
        self.window = SlidingWindow(self.max.requests_per_second)
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = list(self.max.updates)
        self._confirmed = 0  # updates numbered 1..n; every number ≤ this one is read
        self._subscriptions: list[dict[str, Any]] = [dict(s) for s in self.max.subscriptions]
        self._sent: list[dict[str, Any]] = []
        self._seq = 0

    # --- what tests and the demo do beside HTTP -----------------------------------------

    def push_update(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Queue an Update (as the API would after an event); returns it as served."""
        update = update_object(raw, _utc_now(), "update")
        if len(str(update.get("payload") or "")) > MAX_PAYLOAD:
            update["payload"] = None  # "Longer strings will be omitted and not passed to the bot"
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def sent(self) -> list[dict[str, Any]]:
        """Every message the bot sent: ``user_id`` or ``chat_id``, ``text``, ``timestamp``."""
        with self._lock:
            return [dict(m) for m in self._sent]

    def subscriptions(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(s) for s in self._subscriptions]

    # --- HTTP ----------------------------------------------------------------------------

    def prepare(self, verb: str, path: str, query: Mapping[str, str], body: Any,
                token: str) -> tuple[MaxRequest, str, dict[str, str]]:
        """The request, its operationId ("" for no route) and what a fault may match."""
        request = MaxRequest(verb, unquote(path), query, body, token)
        return request, operation(verb, path), fault_params(request)

    def handle(self, request: MaxRequest, method: str) -> MaxAnswer:
        try:
            if "access_token" in request.query or request.token not in self.max.tokens:
                raise MaxError(401, "Invalid access_token")
            if not self.window.admit(token_hash(request.token)):
                raise MaxError(429, "Too many requests")
            if not method:
                raise MaxError(404, f"Path {request.verb} {request.path} not found")
            fault = self.faults.take("max", method, fault_params(request), transport=False)
            if fault is not None:
                status = fault.error_code or 503
                raise MaxError(status, fault.error_msg or ERROR_CODES.get(status, "error"))
            body, items = getattr(self, f"_{method}")(request)
        except MaxError as exc:
            return MaxAnswer(exc.status, {"code": exc.code, "message": exc.message}, f"error:{exc.status}")
        return MaxAnswer(200, body, "ok", items)

    def _getMyInfo(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802 (operationId)
        bot = self.max.bot
        return {"user_id": bot["user_id"], "first_name": bot["first_name"], "username": bot.get("username"),
                "is_bot": True, "last_activity_time": _ms(self.now), "name": bot["first_name"],
                "description": bot.get("description"), "avatar_url": None, "full_avatar_url": None,
                "commands": None}, 1

    def _getChatByLink(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        link = request.path.split("/")[-1]
        match = LINK_RE.fullmatch(link)
        name = match.group(1).lower() if match else None
        for channel in self.max.channels.values():
            if name and channel.is_public and channel.name.lower() == name:
                return self._chat_object(channel), 1
        raise MaxError(404, f"Chat {link} not found")

    def _getChat(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        channel = self.max.channels.get(int(request.path.split("/")[-1]))
        if channel is None or not (channel.is_public or channel.bot is not None):
            raise MaxError(404, f"Chat {request.path.split('/')[-1]} not found")
        return self._chat_object(channel), 1

    def _getMessages(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        query = request.query
        chat_id = _int(query, "chat_id", None)
        if chat_id is None:  # reading by message_ids is not served: the portal reads channels
            raise MaxError(400, "chat_id is required")
        count = _int(query, "count", DEFAULT_COUNT)
        if not 1 <= count <= MAX_COUNT:
            raise MaxError(400, f"count must be within 1..{MAX_COUNT}")
        newer, older = _int(query, "from", None), _int(query, "to", None)
        channel = self.max.channels.get(chat_id)
        if channel is None:
            raise MaxError(404, f"Chat {chat_id} not found")
        needed = ("admin",) if channel.type == "channel" else ("admin", "member")
        if channel.bot not in needed:
            raise MaxError(403, f"chat.denied: bot is not an administrator of chat {chat_id}")
        messages = sorted(channel.messages, key=lambda m: (-m["timestamp"], -m["seq"]))
        page = [m for m in messages
                if (newer is None or m["timestamp"] <= newer) and (older is None or m["timestamp"] >= older)][:count]
        return {"messages": [self._message_object(channel, m) for m in page]}, len(page)

    def _sendMessage(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        user_id, chat_id = _int(request.query, "user_id", None), _int(request.query, "chat_id", None)
        if (user_id is None) == (chat_id is None):
            raise MaxError(400, "exactly one of user_id and chat_id is required")
        body = request.body if isinstance(request.body, Mapping) else None
        text = body.get("text") if body else None
        if body is None or not (text or body.get("attachments")):
            raise MaxError(400, "text or attachments are required")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
            raise MaxError(400, f"text: must be less than {MAX_TEXT} characters")
        if user_id is not None and user_id in self.max.blocked_users:
            raise MaxError(403, f"chat.denied: user {user_id} has stopped the bot")
        recipient: dict[str, Any] = {"chat_id": None, "chat_type": "dialog", "user_id": user_id}
        if chat_id is not None:
            channel = self.max.channels.get(chat_id)
            if channel is None:
                raise MaxError(404, f"Chat {chat_id} not found")
            if channel.bot not in ("admin", "member"):
                raise MaxError(403, f"chat.denied: bot is not a member of chat {chat_id}")
            recipient = {"chat_id": chat_id, "chat_type": channel.type, "user_id": None}
        stamp = _ms(_utc_now())
        with self._lock:
            self._seq += 1
            seq = self._seq
            self._sent.append({"user_id": user_id, "chat_id": chat_id, "text": text, "timestamp": stamp})
        bot = self.max.bot
        message = {"sender": {"user_id": bot["user_id"], "first_name": bot["first_name"],
                              "username": bot.get("username"), "is_bot": True},
                   "recipient": recipient, "timestamp": stamp,
                   "body": {"mid": f"mid.sent.{seq:016x}", "seq": seq, "text": text,
                            "attachments": body.get("attachments")}}
        return {"message": message}, 1

    def _getUpdates(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        query = request.query
        limit, timeout = _int(query, "limit", 100), _int(query, "timeout", 30)
        if not 1 <= limit <= MAX_UPDATES_LIMIT or not 0 <= timeout <= 90:
            raise MaxError(400, "limit must be within 1..1000 and timeout within 0..90")
        marker = _int(query, "marker", None)
        types = {t.strip() for t in query.get("types", "").split(",") if t.strip()}
        with self._lock:
            if self._subscriptions:
                raise MaxError(405, "Long polling is not allowed while a webhook subscription exists")
            if marker is not None:
                self._confirmed = max(self._confirmed, min(marker - 1, len(self._updates)))
            start = self._confirmed if marker is None else max(marker - 1, 0)
            if start >= len(self._updates) and timeout > 0:
                self._lock.wait(min(timeout, LONG_POLL_CAP))  # long polling, kept short
            served, scanned = [], start
            for update in self._updates[start:]:
                if len(served) == limit:
                    break
                scanned += 1
                if not types or update["update_type"] in types:
                    served.append(dict(update))
        return {"updates": served, "marker": scanned + 1}, len(served)

    def _getSubscriptions(self, request: MaxRequest) -> tuple[Any, int]:  # noqa: N802
        subs = [{k: s[k] for k in ("url", "time", "update_types")} for s in self.subscriptions()]
        return {"subscriptions": subs}, len(subs)

    def _subscribe(self, request: MaxRequest) -> tuple[Any, int]:
        body = request.body if isinstance(request.body, Mapping) else {}
        url, secret, types = body.get("url"), body.get("secret"), body.get("update_types")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise MaxError(400, "url: an https:// address is required")
        if secret is not None and not (isinstance(secret, str) and SECRET_RE.fullmatch(secret)):
            raise MaxError(400, "secret: 5 to 256 characters A-Z, a-z, 0-9, _ and -")
        if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
            raise MaxError(400, "update_types: a list of strings")
        with self._lock:
            self._subscriptions = [s for s in self._subscriptions if s["url"] != url]
            self._subscriptions.append({"url": url, "time": _ms(_utc_now()), "update_types": types, "secret": secret})
        return {"success": True}, 1

    def _unsubscribe(self, request: MaxRequest) -> tuple[Any, int]:
        url = request.query.get("url")
        if not url:
            raise MaxError(400, "url is required")
        with self._lock:
            before = len(self._subscriptions)
            self._subscriptions = [s for s in self._subscriptions if s["url"] != url]
            removed = len(self._subscriptions) < before
        return ({"success": True}, 1) if removed else ({"success": False, "message": "No such subscription"}, 0)

    # --- objects -------------------------------------------------------------------------

    def _chat_object(self, channel: MaxChannel) -> dict[str, Any]:
        newest = max((m["timestamp"] for m in channel.messages), default=_ms(self.now))
        link = f"https://max.ru/{channel.name}" if channel.is_public and channel.name else channel.invite_link
        return {
            "chat_id": channel.chat_id, "type": channel.type, "status": channel.status,
            "title": channel.title, "icon": None, "description": channel.description,
            "participants_count": channel.participants_count,
            "messages_count": channel.messages_count if channel.messages_count is not None else len(channel.messages),
            "is_public": channel.is_public, "link": link,
            "last_event_time": channel.last_event_time if channel.last_event_time is not None else newest,
            "owner_id": channel.owner_id, "participants": None, "pinned_message": None,
        }

    def _message_object(self, channel: MaxChannel, message: dict[str, Any]) -> dict[str, Any]:
        spec, seq = message["spec"], message["seq"]
        mid = _mid(channel.chat_id, seq)
        obj: dict[str, Any] = {
            "recipient": {"chat_id": channel.chat_id, "chat_type": channel.type, "user_id": None},
            "timestamp": message["timestamp"],
            "body": {"mid": mid, "seq": seq, "text": spec.get("text", ""),
                     "attachments": _attachments(spec.get("attachments", []), mid)},
        }
        if spec.get("sender"):
            obj["sender"] = dict(spec["sender"])
        elif channel.type != "channel":
            obj["sender"] = {"user_id": channel.owner_id or 1, "first_name": "Участник", "is_bot": False}
        if "forward_from" in spec:
            source = int(spec["forward_from"])
            obj["link"] = {"type": "forward", "chat_id": source,
                           "message": {"mid": _mid(source, seq), "seq": seq,
                                       "text": spec.get("forward_text", ""), "attachments": []}}
        if channel.type == "channel":
            obj["stat"] = {"views": int(spec.get("views", 0))}
            if channel.is_public and channel.name:
                obj["url"] = f"https://max.ru/{channel.name}/{mid}"
        return obj


def _attachments(raw: list[Any], mid: str) -> list[dict[str, Any]]:
    result = []
    for n, item in enumerate(raw, start=1):
        item = {"type": item} if isinstance(item, str) else dict(item)
        kind = "image" if item.get("type") == "photo" else str(item.get("type"))
        if "payload" not in item:
            item["payload"] = {"url": f"https://i.max.example/{mid}/{n}", "token": f"{mid}-{n}"}
            if kind == "image":
                item["payload"]["photo_id"] = n
        item["type"] = kind
        result.append(item)
    return result


def _mid(chat_id: int, seq: int) -> str:
    return f"mid.{chat_id & 0xFFFFFFFFFFFFFFFF:016x}{seq:016x}"


def _int(query: Mapping[str, str], key: str, default: int | None) -> int | None:
    value = query.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise MaxError(400, f"{key}: an integer is required") from None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)
