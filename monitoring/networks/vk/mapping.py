"""VK payloads → ``Community`` / ``Post``. Pure functions: recorded payloads test them.

Values are copied as VK gave them; what counts as "present" is the rules' call
(DESIGN §3.2). A field VK did not send maps to "unknown" (``None``), never to
``False``: the gov mark in particular is undocumented and may simply be absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from monitoring.types import VK, Comment, Community, Post


def community_from_vk(group: Mapping[str, Any]) -> Community:
    """Map one groups.getById object."""
    contacts = [c for c in list_of(group.get("contacts")) if isinstance(c, Mapping)]
    addresses = group.get("addresses") if isinstance(group.get("addresses"), Mapping) else {}
    main = addresses.get("main_address") if isinstance(addresses.get("main_address"), Mapping) else {}
    links = [link for link in list_of(group.get("links")) if isinstance(link, Mapping)]
    gov = group.get("is_government_organization")
    wall = group.get("wall")
    is_closed = group.get("is_closed") or 0
    return Community(
        network=VK,
        external_id=str(group.get("id", "")),
        screen_name=_text(group.get("screen_name")),
        name=_text(group.get("name")),
        description=_text(group.get("description")),
        address=_text(main.get("address")),
        emails=_texts(c.get("email") for c in contacts),
        phones=_texts([group.get("phone"), *(c.get("phone") for c in contacts), main.get("phone")]),
        sites=_texts([group.get("site"), *(link.get("url") for link in links)]),
        closed=int_of(is_closed) > 0,
        deactivated=bool(group.get("deactivated")),
        gov_mark=bool(gov) if isinstance(gov, (bool, int)) else None,
        # DESIGN §3.2: only wall == 1 (or no answer) lets others post.
        wall_open_to_others=wall is None or int_of(wall) == 1,
        contact_ids=_texts(str(c["user_id"]) for c in contacts if c.get("user_id")),
        members_count=int_of(group["members_count"]) if "members_count" in group else None,
        raw=dict(group),
    )


def post_from_vk(item: Mapping[str, Any], owner_id: int | None = None) -> Post:
    """Map one wall.get item; ``owner_id`` fills in when the item lacks its own."""
    owner = int_of(item.get("owner_id", owner_id))
    from_id = int_of(item.get("from_id", owner))
    copies = [c for c in list_of(item.get("copy_history")) if isinstance(c, Mapping)]
    from_community = from_id == owner
    attachments = [a for a in list_of(item.get("attachments")) if isinstance(a, Mapping)]
    return Post(
        network=VK,
        external_id=f"{owner}_{item.get('id')}",
        date=datetime.fromtimestamp(int_of(item.get("date")), tz=timezone.utc),
        from_community=from_community,
        author_id=str(from_id),
        repost_of_personal=from_community and bool(copies) and int_of(copies[0].get("owner_id")) > 0,
        is_repost=bool(copies),
        is_pinned=bool(item.get("is_pinned")),
        text=_text(item.get("text")),
        attachment_kinds=_unique(str(a.get("type")) for a in attachments if a.get("type")),
        largest_photo_px=largest_photo_side(attachments),
        views=_count(item.get("views")),
        likes=_count(item.get("likes")),
        reposts=_count(item.get("reposts")),
        comments=_count(item.get("comments")),
        raw=dict(item),
    )


def comment_from_vk(item: Mapping[str, Any], thread: list[Mapping[str, Any]] | None = None) -> Comment:
    """One wall.getComments item; its replies are ``thread`` when read apart, else those that
    came with it."""
    if thread is None:
        raw_thread = item.get("thread") if isinstance(item.get("thread"), Mapping) else {}
        thread = [reply for reply in list_of(raw_thread.get("items")) if isinstance(reply, Mapping)]
    return Comment(
        comment_id=str(item.get("id", "")),
        from_id=int_of(item.get("from_id")),
        date=datetime.fromtimestamp(int_of(item.get("date")), tz=timezone.utc),
        deleted=bool(item.get("deleted")),
        thread=tuple(comment_from_vk(reply, []) for reply in thread),
    )


def largest_photo_side(attachments: Iterable[Mapping[str, Any]]) -> int | None:
    """The longest side in pixels over every size of every photo; None without photos.

    Only the post's own attachments count: a repost's photos belong to the original.
    """
    best: int | None = None
    for attachment in attachments:
        if attachment.get("type") != "photo":
            continue
        photo = attachment.get("photo") if isinstance(attachment.get("photo"), Mapping) else {}
        for size in list_of(photo.get("sizes")):
            if isinstance(size, Mapping):
                side = max(int_of(size.get("width")), int_of(size.get("height")))
                best = side if best is None else max(best, side)
    return best


def _count(value: Any) -> int | None:
    if isinstance(value, Mapping) and "count" in value:
        return int_of(value["count"])
    return None


def list_of(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def int_of(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
