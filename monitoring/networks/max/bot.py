"""The district bot (DESIGN §3.5, §5; reference/max_api.md): its name for people, the events
it receives — from the webhook or by draining `GET /updates` — and the one-time codes that bind
a portal user to their MAX account.

Events handled: `bot_started` with a code binds the user who pressed «Начать» (only their
numeric `user_id` is kept); `bot_added` / `bot_removed` keep the record of the chats the bot
is in, which MAX no longer lists. Every handler is idempotent: an event delivered twice (a
webhook retry, a drain repeated after a crash) changes nothing the second time."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.clients import ApiError
from monitoring.models import MaxAccount, MaxBotChat, MaxBotState, MaxLinkCode
from monitoring.networks.max.client import MaxClient

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(days=1)
CODE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
USERNAME_CACHE = "max-bot-username"
USERNAME_RETRY_SECONDS = 300  # after MAX did not answer /me
UPDATE_TYPES = ("bot_started", "bot_added", "bot_removed")
DRAIN_ROUNDS = 50  # a backlog of 50 × 100 events at most per drain; the next one takes the rest


def bot_client() -> MaxClient | None:
    """The bot's client, or None when no token is set."""
    if not settings.MAX_BOT_TOKEN:
        return None
    from monitoring.sweep import build_clients

    return build_clients("max")[0]


def bot_username() -> str | None:
    """The bot's `@username` (without the @) from `GET /me`, kept an hour; None without a
    token or when MAX does not answer — a page never fails for it, and for the next few minutes
    pages do not ask again (each asking would keep a page waiting through the retries)."""
    if not settings.MAX_BOT_TOKEN:
        return None
    # Per API and token: another bot (a new token, a test's simulator) is another name.
    key = USERNAME_CACHE + hashlib.sha256(f"{settings.MAX_API_URL} {settings.MAX_BOT_TOKEN}".encode()).hexdigest()[:16]
    name = cache.get(key)
    if name is None:
        client = bot_client()
        try:
            name = str(client.me().get("username") or "")
        except ApiError as error:
            logger.warning("MAX /me failed: %s", type(error).__name__)
            cache.set(key, "", USERNAME_RETRY_SECONDS)
            return None
        cache.set(key, name, 3600)
    return name or None


def link_code_create(user) -> str:
    """A fresh one-time code for `user` (their earlier unused ones stop working)."""
    MaxLinkCode.objects.filter(user=user, used_at=None).delete()
    code = secrets.token_urlsafe(24)
    MaxLinkCode.objects.create(user=user, code=code)
    return code


def deep_link(code: str) -> str | None:
    name = bot_username()
    return f"https://max.ru/{name}?start={code}" if name else None


def handle_update(update: Mapping[str, Any], client: MaxClient | None = None) -> None:
    """Take one event (a webhook delivery or an item of `GET /updates`)."""
    kind = update.get("update_type")
    if kind == "bot_started":
        _bot_started(update, client)
    elif kind in ("bot_added", "bot_removed"):
        _bot_membership(update, added=kind == "bot_added")


def _bot_started(update: Mapping[str, Any], client: MaxClient | None) -> None:
    user = update.get("user") if isinstance(update.get("user"), Mapping) else {}
    max_user_id, payload = user.get("user_id"), update.get("payload")
    if not isinstance(max_user_id, int) or isinstance(max_user_id, bool) or not isinstance(payload, str):
        return
    if not CODE_RE.fullmatch(payload):
        return
    now = timezone.now()
    with transaction.atomic():
        code = MaxLinkCode.objects.select_for_update().filter(code=payload).first()
        if code is None:
            return
        if code.used_at is not None:
            return  # the same event again, or a code already spent: nothing more to do
        code.used_at = now
        code.save(update_fields=["used_at"])
        if code.created_at < now - CODE_LIFETIME:
            reply = _("Ссылка устарела. Откройте в портале «Уведомления» и привяжите MAX заново.")
        else:
            MaxAccount.objects.filter(max_user_id=max_user_id).exclude(user_id=code.user_id).delete()
            MaxAccount.objects.update_or_create(user_id=code.user_id, defaults={"max_user_id": max_user_id})
            reply = _("Готово: уведомления портала «Госпаблики» будут приходить сюда. Изменить это можно в портале, "
                      "в разделе «Уведомления».")
    _reply(client, max_user_id, reply)


def _reply(client: MaxClient | None, max_user_id: int, text: str) -> None:
    client = client or bot_client()
    if client is None:
        return
    try:
        client.send_message(user_id=max_user_id, text=text)
    except ApiError as error:  # the binding stands; the confirmation is a courtesy
        logger.warning("MAX confirmation not sent: %s", type(error).__name__)


def _bot_membership(update: Mapping[str, Any], *, added: bool) -> None:
    chat_id = update.get("chat_id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return
    when = _moment(update.get("timestamp"))
    if added:
        try:
            MaxBotChat.objects.update_or_create(
                chat_id=chat_id, defaults={"is_channel": bool(update.get("is_channel")), "added_at": when, "removed_at": None}
            )
        except IntegrityError:
            pass  # two deliveries at once: the other one wrote it
    else:
        MaxBotChat.objects.filter(chat_id=chat_id, removed_at=None).update(removed_at=when)


def _moment(milliseconds: Any) -> datetime:
    if isinstance(milliseconds, int) and not isinstance(milliseconds, bool):
        return datetime.fromtimestamp(milliseconds / 1000, tz=dt_timezone.utc)
    return timezone.now()


def drain_updates(client: MaxClient | None = None, wait: int = 0) -> int:
    """Handle every waiting event from `GET /updates`, advancing the stored marker after each
    page, so a crash repeats at most one page, whose events are idempotent. The first request
    waits up to `wait` seconds for an event (long polling), the rest not at all. Nothing to do
    with a webhook set (MAX refuses polling then) or without a token. Returns how many events
    were handled."""
    if settings.MAX_WEBHOOK_SECRET:
        return 0
    client = client or bot_client()
    if client is None:
        return 0
    state = MaxBotState.load()
    handled = 0
    for round_number in range(DRAIN_ROUNDS):
        answer = client.updates(marker=state.marker, limit=100, timeout=0 if round_number else wait, types=UPDATE_TYPES)
        updates = [u for u in answer.get("updates") or [] if isinstance(u, Mapping)]
        for update in updates:
            handle_update(update, client)
        handled += len(updates)
        marker = answer.get("marker")
        if isinstance(marker, int) and marker != state.marker:
            state.marker = marker
            state.save(update_fields=["marker"])
        if not updates:
            break
    return handled
