"""MAX read for one batch of channels (DESIGN §3.5): per channel one `GET /chats/{name}` and,
for a public channel, its messages paged back 100 at a time to the read's horizon, as VK and
OK read theirs. Budget (§3.5, bench `max_requests_over_bound`): one Chat plus ⌈window
messages ÷ 100⌉ pages a channel: messages are read back to the window's start every night, not
to the 12 weeks of the organization page's chart, whose older weeks come from earlier nights.

The Chat is always read by the registered link's name, not by the stored `chat_id`: the link is
what the organization publishes, and a link that no longer leads to a public channel (404) is
what the audit must report (deactivated)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from monitoring.clients import ApiError, ConfigurationError, PageUnavailable
from monitoring.networks.max.client import BotNotAdmin, MaxClient, channel_name
from monitoring.networks.max.mapping import community_from_max, is_channel, posts_total
from monitoring.networks.max.rules import bot_missing_error
from monitoring.reading import PageRead, PageRef, describe, note_fault


def read_max(client: MaxClient, refs: list[PageRef], window_start: datetime) -> Iterator[tuple[int, PageRead]]:
    """Each channel's read as soon as it is final. A `ConfigurationError` (the token refused)
    goes to the caller, which stops the network; any other fault stays on its channel."""
    for ref in refs:
        read = PageRead(external_id=ref.external_id, external_kind=ref.external_kind)
        _read_channel(client, read, ref, window_start)
        yield ref.page_id, read


def _read_channel(client: MaxClient, read: PageRead, ref: PageRef, window_start: datetime) -> None:
    try:
        chat = client.chat(ref.link_value or channel_name(ref.url))
    except ConfigurationError:
        raise
    except PageUnavailable:  # 404: no such channel, or no longer public
        read.is_community, read.deactivated = True, True
        return
    except ApiError as error:
        read.info_error, read.faults = describe(error), 1
        return
    except ValueError:
        read.info_error = _("ссылка на канал MAX не распознана")
        return
    community = community_from_max(chat)
    if not community.external_id:
        read.info_error, read.faults = _("API вернул некорректный ответ"), 1
        return
    read.external_id, read.external_kind = community.external_id, str(chat.get("type") or "")
    if not is_channel(chat):
        read.is_community = False  # a group chat or a dialog is not an official channel
        return
    read.is_community, read.community = True, community
    if community.closed:
        return
    read.posts_total = posts_total(chat)
    if ref.bot_absent:
        read.wall_error = bot_missing_error()  # as MAX said last night; no bot_added since
        return
    try:
        read.posts = client.channel_posts(community.external_id, window_start)
    except ConfigurationError:
        raise
    except BotNotAdmin:
        read.wall_error = bot_missing_error()  # not a fault: reading again will not help
        return
    except ApiError as error:
        note_fault(read, error)
        return
    read.wall_from = window_start
