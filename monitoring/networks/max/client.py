"""MAX Bot API client: the bot itself, channels, their messages, updates, sending and the
webhook subscription (`../shared/reference/max_api.md`, DESIGN §3.5).

The district bot's token travels only in the `Authorization` header: never in a URL, and every
error text passes through the transport's redaction. MAX answers in HTTP statuses with a JSON
`{"code", "message"}` body, so `_refusal` reads the status: 401 is a bad token (the network
stops), 403 on messages is a bot that is not the channel's administrator, 404 a channel that is
gone or not public, 429 a rate answer and 5xx a fault, both handled by the shared transport's
rules of DESIGN §3.2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from monitoring.clients.errors import (
    PAGE_NOT_FOUND,
    ApiError,
    ConfigurationError,
    PageUnavailable,
    RateLimited,
    TransportError,
    redact,
)
from monitoring.clients.http import ApiTransport
from monitoring.clients.ratelimit import RateLimiter
from monitoring.types import MAX, Post

from .mapping import milliseconds, post_from_max

DEFAULT_API_URL = "https://platform-api2.max.ru"
MESSAGE_LIMIT = 4000  # characters in one message's text (NewMessageBody.text maxLength)
MAX_MESSAGES_COUNT = 100
# The schema's pattern for a channel's public link name (GET /chats/{chatLink}), without its `@`.
CHAT_LINK_RE = re.compile(r"^[A-Za-z]+[\w-]*$")
CHAT_ID_RE = re.compile(r"^-?\d+$")
MAX_LINK_RE = re.compile(r"^(?:https?://)?(?:www\.)?max\.ru/", re.IGNORECASE)


class BotNotAdmin(ApiError):
    """403 on a channel's messages: the district bot is not an administrator of the channel.
    A finding about the channel's set-up, not a fault: reading again will not help."""


class MaxClient:
    """Talks to the MAX Bot API for the sweep and the alerts; one instance per bot token.
    Knows nothing of Django. The rate limit is kept per token (by its hash), shared by every
    worker when the limiter lives in Redis."""

    MAX_PAGES = 1000  # a guard against a server that never stops answering full pages

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        token: str = "",
        limiter: RateLimiter | None = None,
        timeout: float = 10.0,
        **transport: Any,
    ) -> None:
        """``transport``: ApiTransport's other options (session, attempts, backoff, sleep)."""
        if not token:
            raise ValueError("a MAX bot token is required")
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.transport = ApiTransport(
            network=MAX, limiter=limiter or RateLimiter(), limiter_secret=token, secrets=[token],
            timeout=timeout, **transport,
        )

    def __repr__(self) -> str:
        return f"MaxClient(api_url={self.api_url!r})"

    # --- raw calls -----------------------------------------------------------------------

    def call(self, verb: str, path: str, *, method: str, timeout: float | None = None, **send_args: Any) -> dict:
        """One API request; returns the JSON object or raises a classified ``ApiError``."""
        return self.transport.request(
            verb,
            f"{self.api_url}{path}",
            method=method,
            interpret=partial(self._interpret, method),
            headers={"Authorization": self._token},
            refusal=partial(self._refusal, method),
            timeout=timeout,
            **send_args,
        )

    def _interpret(self, method: str, payload: Any) -> dict:
        if not isinstance(payload, dict):
            raise TransportError("answer is not a JSON object", network=MAX, method=method, fault="malformed")
        return payload

    def _refusal(self, method: str, status: int, payload: Any) -> ApiError:
        body = payload if isinstance(payload, Mapping) else {}
        said = redact(" ".join(str(body[key]) for key in ("code", "message") if body.get(key)), [self._token])
        text = f"HTTP {status}" + (f" ({said})" if said else "")
        where = {"network": MAX, "method": method}
        if status == 429:
            return RateLimited(f"{text}: too many requests", **where)
        if status >= 500:
            return TransportError(f"{text} from the API server", fault="http_status", **where)
        if status == 401:
            return ConfigurationError(f"{text}: the bot token is refused, check MAX_BOT_TOKEN", code=status, **where)
        if status == 403 and method == "messages":
            return BotNotAdmin(f"{text}: the bot is not an administrator of the channel", code=status, **where)
        if status == 404:
            what = "no such public channel" if method == "chats" else "not found"
            return PageUnavailable(f"{text}: {what}", kind=PAGE_NOT_FOUND, code=status, **where)
        return ApiError(text, code=status, **where)

    # --- the bot and channels ------------------------------------------------------------

    def me(self) -> dict:
        """The bot itself (`user_id`, `first_name`, `username`): also a cheap token check."""
        return self.call("GET", "/me", method="me")

    def chat(self, link_or_id: str | int) -> dict:
        """A Chat by a channel's public link (`name`, `@name`, `https://max.ru/name`) or by its
        numeric id. ``PageUnavailable`` when MAX knows no such public channel (404)."""
        if isinstance(link_or_id, int) or CHAT_ID_RE.match(str(link_or_id).strip()):
            return self.call("GET", f"/chats/{int(link_or_id)}", method="chats")
        name = channel_name(str(link_or_id))
        if not CHAT_LINK_RE.match(name):
            raise ValueError("not a MAX channel name")
        return self.call("GET", f"/chats/{quote(name, safe='')}", method="chats")

    def messages(
        self,
        chat_id: int | str,
        newer_than_ms: int | None = None,
        older_than_ms: int | None = None,
        count: int = MAX_MESSAGES_COUNT,
    ) -> list[dict]:
        """One page of a chat's messages, newest first: those not older than ``newer_than_ms``
        and not newer than ``older_than_ms`` (whether MAX includes the bounds is not said).
        The schema's `from` is the newer bound and `to` the older one."""
        if not 1 <= count <= MAX_MESSAGES_COUNT:
            raise ValueError(f"count must be within 1..{MAX_MESSAGES_COUNT}")
        params: dict[str, Any] = {"chat_id": chat_id, "count": count}
        if older_than_ms is not None:
            params["from"] = older_than_ms
        if newer_than_ms is not None:
            params["to"] = newer_than_ms
        response = self.call("GET", "/messages", method="messages", params=params)
        found = response.get("messages")
        if not isinstance(found, list):
            raise TransportError("answer has no messages list", network=MAX, method="messages", fault="malformed")
        return [message for message in found if isinstance(message, dict)]

    def channel_posts(self, chat_id: int | str, since: datetime) -> list[Post]:
        """Every message of the channel dated at or after ``since``, newest first, paging back
        100 at a time by the oldest time seen; a message met twice (at a page's edge) counts
        once, by its `body.mid`. A page shorter than asked is the last. ``BotNotAdmin`` when
        the bot may not read the channel."""
        since_ms = milliseconds(since)
        posts: list[Post] = []
        seen: set[str] = set()
        before: int | None = None
        for _page in range(self.MAX_PAGES):
            # `to` one millisecond early: a message exactly at `since` is kept whichever way
            # MAX treats the bound; anything older is dropped below.
            page = self.messages(chat_id, newer_than_ms=since_ms - 1, older_than_ms=before)
            stamps = [m["timestamp"] for m in page if isinstance(m.get("timestamp"), int)]
            new = reached_older = False
            for message in page:
                post = post_from_max(message)
                if post is None:
                    continue
                if post.date < since:
                    reached_older = True
                elif post.external_id not in seen:
                    seen.add(post.external_id)
                    posts.append(post)
                    new = True
            if reached_older or len(page) < MAX_MESSAGES_COUNT or not stamps:
                return posts
            oldest = min(stamps)
            if before is not None and oldest > before:
                raise ApiError("messages came back newer than asked", network=MAX, method="messages")
            # The next page starts just above the oldest time seen, so the messages sharing it
            # that did not fit come whether MAX's bound is inclusive or not (those seen are
            # dropped). A full page with nothing new is a run of more than a page within two
            # milliseconds: step past it rather than ask for it again.
            before = oldest + 1 if new else oldest - 1
        raise ApiError("messages paged back without an end", network=MAX, method="messages")

    # --- events and the webhook ----------------------------------------------------------

    def updates(
        self, marker: int | None = None, limit: int = 100, timeout: int = 0, types: Iterable[str] | None = None
    ) -> dict:
        """`{"updates": [...], "marker": N}` since ``marker`` (long polling for ``timeout``
        seconds; MAX refuses it while a webhook subscription exists)."""
        params: dict[str, Any] = {"limit": limit, "timeout": timeout}
        if marker is not None:
            params["marker"] = marker
        if types:
            params["types"] = ",".join(types)
        response = self.call(
            "GET", "/updates", method="updates", params=params, timeout=self.transport.timeout + timeout
        )
        if not isinstance(response.get("updates"), list):
            raise TransportError("answer has no updates list", network=MAX, method="updates", fault="malformed")
        return response

    def send_message(self, user_id: int | None = None, chat_id: int | None = None, *, text: str) -> list[dict]:
        """Send ``text`` to a user or a chat, as several messages when it is longer than MAX
        takes in one (`split_message`). Returns what MAX answered for each, in order."""
        if (user_id is None) == (chat_id is None):
            raise ValueError("give exactly one of user_id and chat_id")
        params = {"user_id": user_id} if user_id is not None else {"chat_id": chat_id}
        return [
            self.call("POST", "/messages", method="send_message", params=params, json={"text": part})
            for part in split_message(text)
        ]

    def subscribe(self, url: str, update_types: Iterable[str], secret: str) -> dict:
        """Deliver these updates to ``url`` (HTTPS), each with `X-Max-Bot-Api-Secret: secret`."""
        body = {"url": url, "update_types": list(update_types), "secret": secret}
        return self._succeeded(self.call("POST", "/subscriptions", method="subscribe", json=body), "subscribe")

    def unsubscribe(self, url: str) -> dict:
        return self._succeeded(
            self.call("DELETE", "/subscriptions", method="unsubscribe", params={"url": url}), "unsubscribe"
        )

    def _succeeded(self, response: dict, method: str) -> dict:
        if response.get("success") is False:
            said = redact(str(response.get("message") or "refused"), [self._token])
            raise ApiError(said, network=MAX, method=method)
        return response


def channel_name(link: str) -> str:
    """The name in a channel's public link: `https://max.ru/name`, `max.ru/name`, `@name`."""
    name = MAX_LINK_RE.sub("", link.strip())
    return name.split("?", 1)[0].split("#", 1)[0].strip("/").lstrip("@")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at the last paragraph break that
    fits, else the last line break, else the last space, else (one word longer than the limit)
    at the limit. White space at a cut and at either end is dropped; nothing else is."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    parts: list[str] = []
    text = text.strip()
    while len(text) > limit:
        head = text[: limit + 1]  # a break right after the limit still leaves a full part
        cut = next(
            (at for at in (head.rfind("\n\n"), head.rfind("\n"), _last_space(head)) if at > 0),
            limit,
        )
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _last_space(text: str) -> int:
    return max((match.start() for match in re.finditer(r"\s", text)), default=-1)
