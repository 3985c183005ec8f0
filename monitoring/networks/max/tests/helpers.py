"""A MAX Bot API at the HTTP edge (`responses`), for the client's and the read's tests: a
channel whose `GET /messages` answers as the schema says (newest first, `from` the newer bound,
`to` the older one, at most `count`), bounds inclusive or not as a test asks."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "https://max-api.test"
TOKEN = "f9LHodD0cOKx-maxBOTtokenSECRET-0123456789abcdefXYZ"
CHAT_ID = -70012345


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def chat(**fields: Any) -> dict[str, Any]:
    """A public channel as `GET /chats/{name}` gives it."""
    return {
        "chat_id": CHAT_ID,
        "type": "channel",
        "status": "active",
        "title": "МБОУ СОШ №5",
        "description": "Официальный канал школы №5. 353900, ул. Школьная, 5; +7 861 000-00-01; "
        "school5@example.ru; https://school5.example.ru",
        "participants_count": 310,
        "messages_count": 250,
        "is_public": True,
        "link": "https://max.ru/school5_gos",
        "last_event_time": 1741759200000,
        **fields,
    }


def message(mid: str, timestamp_ms: int, text: str = "Новости школы") -> dict[str, Any]:
    """A channel post as `GET /messages` gives it (no sender: a post of the channel)."""
    return {
        "recipient": {"chat_id": CHAT_ID, "chat_type": "channel"},
        "timestamp": timestamp_ms,
        "body": {"mid": mid, "seq": timestamp_ms, "text": text, "attachments": [{"type": "image", "payload": {}}]},
        "stat": {"views": 40},
        "url": f"https://max.ru/school5_gos/{mid}",
    }


class Channel:
    """`GET /messages` of one channel. ``inclusive``: whether `from` and `to` include a
    message exactly at the bound (the schema does not say)."""

    def __init__(self, messages: list[dict[str, Any]], *, inclusive: bool = True) -> None:
        self.messages = sorted(messages, key=lambda m: m["timestamp"], reverse=True)
        self.inclusive = inclusive
        self.asked: list[dict[str, int]] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = {key: int(values[0]) for key, values in parse_qs(urlsplit(request.url).query).items()}
        self.asked.append(query)
        newer, older, count = query.get("from"), query.get("to"), query.get("count", 50)

        def inside(stamp: int) -> bool:
            if self.inclusive:
                return (newer is None or stamp <= newer) and (older is None or stamp >= older)
            return (newer is None or stamp < newer) and (older is None or stamp > older)

        page = [m for m in self.messages if inside(m["timestamp"])][:count]
        return 200, {"Content-Type": "application/json"}, json.dumps({"messages": page})
