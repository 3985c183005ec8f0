"""The demo world: a simulator scenario built from the demo registry and its facts
(organizations/demo_facts.py), so that a sweep of it yields the briefing's picture.

The scenario describes pages the way VK, OK and MAX would show them (marks, walls, posts,
channels, contacts); nothing in it knows the verdicts. Post texts are generated from
templates: no real person's name appears.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from organizations.demo_facts import DEMO_FACTS, MAX_FACTS, MaxFacts, OrgFacts
from organizations.links import parse_page_link

VK_TOKEN = "demo-vk-service-key"
OK_APPLICATION_KEY = "CBADEMOAPPKEY"
OK_APPLICATION_SECRET_KEY = "demo-ok-secret-key"
OK_ACCESS_TOKEN = "demo-ok-access-token"
# The simulator allows what the demo asks for: a quicker `make run` than the real 3/s.
DEMO_RATE = 10
MAX_BOT_TOKEN = "demo-max-bot-token"
MAX_BOT = {"user_id": 900001, "first_name": "Бот управления образования", "username": "kush_edu_bot"}
MAX_RATE = 30  # the MAX Bot API's own limit (reference/max_api.md)
# Chat ids of the demo's MAX channels: negative, as a client must expect of any chat_id.
MAX_CHAT_BASE = -72_000_000_000_000

TOPICS = [
    ("В нашей {kind} прошёл урок мужества, посвящённый Дню героев Отечества.", "#урокмужества"),
    ("Ребята приняли участие в муниципальном конкурсе чтецов «Живое слово».", "#конкурс"),
    ("Состоялась встреча с инспектором ГИБДД: повторили правила дорожного движения.", "#ПДД #вниманиедети"),
    ("Команда {kind} заняла призовое место в районных соревнованиях по мини-футболу.", "#спорт"),
    ("Прошло родительское собрание: обсудили питание и внеурочную занятость.", "#родителям"),
    ("Учебная эвакуация: все действовали быстро и слаженно.", "#безопасность"),
    ("Открылась выставка рисунков «Кубань — мой край родной».", "#творчество #Кубань"),
    ("Экологическая акция: воспитанники посадили деревья у входа.", "#экология"),
    ("Поздравляем победителей олимпиады по математике!", "#олимпиада #достижения"),
    ("Мастер-класс по изготовлению открыток ко Дню матери.", "#деньматери"),
]


def _kind_word(kind: str) -> str:
    return {"school": "школе", "kindergarten": "детском саду", "additional": "центре"}.get(kind, "организации")


def _stable_int(text: str, modulo: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % modulo


def _subscribers(row: dict[str, str], network: str, low: int, high: int) -> int:
    """A page's subscribers as a stable share (low–high %) of the audience the organization
    states, so the rating's audience share spreads as a district's does; a guess without it."""
    audience = int(row["audience"]) if row.get("audience", "").strip().isdigit() else 400
    return audience * (low + _stable_int(row["short_name"] + network + "share", high - low + 1)) // 100


def _texts(short_name: str, kind: str, count: int, offset: int = 0) -> list[str]:
    word = _kind_word(kind)
    tag = "#" + "".join(ch for ch in short_name.lower() if ch.isalnum())
    return [
        f"{TOPICS[(offset + i) % len(TOPICS)][0].format(kind=word)} {TOPICS[(offset + i) % len(TOPICS)][1]} {tag}"
        for i in range(count)
    ]


def _split(weeks: tuple[int, ...], part: int) -> tuple[list[int], list[int]]:
    """Split weekly counts into (part, rest) with `part` posts in all, latest weeks first."""
    taken = [0] * len(weeks)
    left = part
    for index in reversed(range(len(weeks))):
        take = min(weeks[index], left)
        taken[index], left = take, left - take
    return taken, [w - t for w, t in zip(weeks, taken)]


def _series(template: dict[str, Any], per_week: list[int]) -> list[dict[str, Any]]:
    if not any(per_week):
        return []
    return [{**template, "per_week": per_week, "first_week": -len(per_week)}]


def _old_posts(count: int, template: dict[str, Any]) -> list[dict[str, Any]]:
    """History before the window: enough posts for the wall's total."""
    if count <= 0:
        return []
    return [{**template, "count": count, "start_days_ago": 40, "every_days": 2}]


def read_registry(path: Path | None = None) -> list[dict[str, str]]:
    path = path or Path(settings.BASE_DIR) / "demo" / "registry.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build_scenario(rows: list[dict[str, str]] | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """The simulator's world for `rows` (by default the demo district's registry and the three
    small districts `manage.py demo_region` adds: their pages answer whether or not they are
    registered)."""
    if rows is None:
        rows = read_registry() + read_registry(Path(settings.BASE_DIR) / "demo" / "region.csv")
    vk_groups: list[dict[str, Any]] = []
    vk_users: list[dict[str, Any]] = []
    ok_groups: list[dict[str, Any]] = []
    for number, row in enumerate(rows):
        facts = DEMO_FACTS[row["short_name"]]
        if row.get("vk_url"):
            group, users = _vk_group(row, facts, number)
            vk_groups.append(group)
            vk_users.extend(users)
        if row.get("ok_url"):
            ok_groups.append(_ok_group(row, facts, number))
    # MAX channels are the demo district's (MAX_FACTS); the small districts of demo_region run none.
    max_channels, max_updates = _max_section([row for row in rows if not row.get("district")])
    scenario: dict[str, Any] = {
        "vk": {
            "tokens": [{"token": VK_TOKEN, "type": "service"}],
            "requests_per_second": DEMO_RATE,
            "groups": vk_groups,
            "users": vk_users,
        },
        "ok": {
            "applications": [
                {
                    "application_key": OK_APPLICATION_KEY,
                    "application_secret_key": OK_APPLICATION_SECRET_KEY,
                    "access_tokens": [OK_ACCESS_TOKEN],
                }
            ],
            "requests_per_second": DEMO_RATE,
            "groups": ok_groups,
        },
        "max": {
            "bot": MAX_BOT,
            "tokens": [MAX_BOT_TOKEN],
            "requests_per_second": MAX_RATE,
            "channels": max_channels,
            "updates": max_updates,
        },
    }
    if now is not None:
        scenario["now"] = now.isoformat()
    return scenario


def _description(row: dict[str, str], *, with_email: bool, with_site: bool = False) -> str:
    parts = [f"Официальная страница: {row['name']}."]
    if with_email and row.get("email"):
        parts.append(f"Пишите нам: {row['email']}")
    if with_site and row.get("website"):
        parts.append(f"Сайт: {row['website']}")
    return " ".join(parts)


def _vk_group(row: dict[str, str], facts: OrgFacts, number: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    link = parse_page_link("vk", row["vk_url"])
    group_id = int(link.value) if link.kind in ("club", "public", "event") else 200_000_000 + number
    missing = set(facts.vk_missing_info)
    group: dict[str, Any] = {
        "id": group_id,
        "name": row["name"] if "name" not in missing else "",
        "type": "page" if link.kind == "public" else "group",
        "is_closed": 0,
        "is_government_organization": facts.vk_gov_mark,
        "verified": 0,
        "members_count": _subscribers(row, "vk", 10, 80),
        # Most school walls take only the community's posts; д/с №10's is open, as the briefing shows.
        "wall": 1 if facts.vk_posts_by_others or number % 4 == 0 else 2,
        "description": "" if "description" in missing else _description(row, with_email=False),
    }
    if link.kind == "screen_name":
        group["screen_name"] = link.value
    if "address" not in missing and row.get("address"):
        group["addresses"] = {"is_enabled": True, "main_address": {"address": row["address"]}}
    contact: dict[str, Any] = {"desc": "Приёмная"}
    if "email" not in missing and row.get("email"):
        contact["email"] = row["email"]
    if "phone" not in missing and row.get("phone"):
        contact["phone"] = row["phone"]
    if len(contact) > 1:
        group["contacts"] = [contact]
    if "site" not in missing and row.get("website"):
        group["site"] = row["website"]

    kind, short = row["kind"], row["short_name"]
    # Views and reactions differ from one organization to the next: the rating has a spread.
    views = 5 + group["members_count"] * (5 + _stable_int(short + "views", 40)) // 100
    template = {"attachments": [{"type": "photo", "width": 1280, "height": 960}], "views": views,
                "likes": views * (1 + _stable_int(short + "likes", 7)) // 100, "reposts": _stable_int(short + "rp", 2)}
    weeks = list(facts.vk_posts_per_week)
    posts: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    if facts.vk_personal_reposts:
        # News first written on a staff member's personal page, then reposted by the community.
        person_id = 700_000_000 + number
        users.append({"id": person_id, "screen_name": f"staff{number}.page", "first_name": "Сотрудник",
                      "last_name": "Организации"})
        reposts, weeks = _split(tuple(weeks), facts.vk_personal_reposts)
        repost = {**template, "text": "", "copy_history": [{"owner_id": person_id, "id": 1, "text": "Новости с личной страницы"}]}
        posts += _series(repost, reposts)
    window_texts = _texts(short, kind, 1, number)
    posts += _commented_posts(template, weeks, short, kind, number, owner_id=-group_id)
    posts += _series({**template, "text": window_texts[0] + " ({n})"}, weeks)
    if facts.vk_posts_by_others:
        parent_id = 710_000_000 + number
        users.append({"id": parent_id, "screen_name": f"parent{number}.page", "first_name": "Родитель",
                      "last_name": "Воспитанника"})
        others, _rest = _split((1, 1, 2, 1), facts.vk_posts_by_others)
        posts += _series({"from_id": parent_id, "text": "Объявление от родителя ({n})"}, others)
    window_total = sum(facts.vk_posts_per_week)
    current = 1 if facts.vk_posts_total > window_total else 0
    if current:
        posts.append({"week": 0, "weekday": 1, "time": "09:00", **template, "text": _texts(short, kind, 1, number + 3)[0]})
    history = facts.vk_posts_total - window_total - current
    posts += _old_posts(history, {**template, "text": _texts(short, kind, 1, number + 5)[0] + " ({n})"})
    group["post_series"] = [p for p in posts if "per_week" in p or "count" in p]
    group["posts"] = [p for p in posts if "per_week" not in p and "count" not in p]
    return group, users


def _commented_posts(template: dict[str, Any], weeks: list[int], short: str, kind: str, number: int, *,
                     owner_id: int) -> list[dict[str, Any]]:
    """Last week's posts that parents commented on (DESIGN §6): on some walls every question
    got the community's answer; on a handful one waits for days. Taken out of `weeks`, so the
    counts per week stay the briefing's."""
    answered, waiting = number % 4 == 1, number % 9 == 2
    if not (answered or waiting) or not weeks[-1]:
        return []
    weeks[-1] -= 1
    parent = 720_000_000 + number
    question = {"from_id": parent, "week": -1, "weekday": 2, "time": "18:30", "text": "Подскажите, во сколько начало?"}
    answer = {"from_id": owner_id, "week": -1, "weekday": 3, "time": "09:15", "text": "Начало в 10:00, ждём вас!"}
    comments = [{**question, "thread": [answer]}, {"from_id": parent + 1, "week": -1, "weekday": 3, "time": "12:00",
                                                    "text": "Спасибо за праздник!", "thread": [answer]}]
    if waiting:
        comments.append({"from_id": parent + 2, "week": -1, "weekday": 3, "time": "20:40",
                         "text": "А будет ли запись выступления?"})
    text = _texts(short, kind, 1, number + 7)[0]
    return [{**template, "week": -1, "weekday": 2, "time": "10:00", "text": text, "comment_list": comments}]


def _ok_group(row: dict[str, str], facts: OrgFacts, number: int) -> dict[str, Any]:
    link = parse_page_link("ok", row["ok_url"])
    uid = link.value if link.kind == "group" else str(59_000_000_000_000 + number)
    missing = set(facts.ok_missing_info)
    group: dict[str, Any] = {
        "uid": uid,
        "name": row["name"] if "name" not in missing else "",
        "access_type": "OPEN",
        "gos_org": facts.ok_gov_mark,
        "members_count": _subscribers(row, "ok", 5, 40),
        "description": ""
        if "description" in missing
        else _description(row, with_email="email" not in missing),
    }
    if link.kind == "shortname":
        group["shortname"] = link.value
    if "address" not in missing and row.get("address"):
        group["address"] = row["address"]
    if "phone" not in missing and row.get("phone"):
        group["phone"] = row["phone"]
    if "site" not in missing and row.get("website"):
        group["homepage_url"] = row["website"]
    author = f"group:{uid}"
    template = {"author_ref": author, "attachments": ["photo"], "likes": 5}
    series = _series({**template, "text": _texts(row["short_name"], row["kind"], 1, number + 1)[0] + " ({n})"},
                     list(facts.ok_posts_per_week))
    window_total = sum(facts.ok_posts_per_week)
    series += _old_posts(facts.ok_posts_total - window_total, {**template, "text": "Архивная новость ({n})"})
    group["topic_series"] = series
    return group


def _max_section(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The channels of MAX_FACTS, and a ``bot_added`` update for each channel with the bot:
    the only way the bot learns a channel's chat_id (``GET /chats`` is gone since June 2026)."""
    chat_ids = {row["short_name"]: MAX_CHAT_BASE - number for number, row in enumerate(rows)}
    district = chat_ids.get("УО") if "УО" in MAX_FACTS else None
    channels, updates = [], []
    for number, row in enumerate(rows):
        facts = MAX_FACTS.get(row["short_name"])
        if facts is None:
            continue
        chat_id = chat_ids[row["short_name"]]
        channels.append(_max_channel(row, facts, number, chat_id, district if district != chat_id else None))
        if facts.bot:
            updates.append({"update_type": "bot_added", "chat_id": chat_id, "is_channel": True,
                            "timestamp": {"days_ago": 20 + number % 30},
                            "user": {"user_id": 5_000_000 + number, "first_name": "Администратор канала",
                                     "is_bot": False}})
    updates.sort(key=lambda update: -update["timestamp"]["days_ago"])  # oldest event first
    return channels, updates


def _max_channel(row: dict[str, str], facts: MaxFacts, number: int, chat_id: int,
                 district: int | None) -> dict[str, Any]:
    missing = set(facts.missing_info)
    parts = [f"Официальный канал: {row['name']}." if "name" not in missing else "Официальный канал."]
    for field, label in (("address", "Адрес"), ("phone", "Телефон"), ("email", "Почта"), ("website", "Сайт")):
        if ("site" if field == "website" else field) not in missing and row.get(field):
            parts.append(f"{label}: {row[field]}.")
    kind, short = row["kind"], row["short_name"]
    template = {"attachments": ["image"], "views": 60 + _stable_int(short + "max", 400)}
    series = _series({**template, "text": _texts(short, kind, 1, number + 2)[0] + " ({n})"}, list(facts.posts_per_week))
    messages: list[dict[str, Any]] = [
        {**template, "week": 0, "weekday": 1, "time": "08:30", "text": _texts(short, kind, 1, number + 4)[0]}]
    history = facts.posts_total - sum(facts.posts_per_week) - 1
    if district is not None:  # the district's news, forwarded as channels do
        messages.append({"days_ago": 37, "forward_from": district, "text": "",
                         "forward_text": "Управление образования напоминает о графике каникул."})
        history -= 1
    series += _old_posts(history, {**template, "text": _texts(short, kind, 1, number + 6)[0] + " ({n})"})
    channel: dict[str, Any] = {
        "chat_id": chat_id,
        "name": facts.name,
        "title": row["name"] if "name" not in missing else "",
        "description": " ".join(parts),
        "is_public": facts.public,
        "bot": "admin" if facts.bot else None,
        "participants_count": _subscribers(row, "max", 10, 60),
        "owner_id": 5_000_000 + number,
        "messages": messages,
        "message_series": series,
    }
    if not facts.public:
        channel["invite_link"] = f"https://max.ru/join/{facts.name}-{_stable_int(short, 10**6):06d}"
    return channel


def demo_settings(url_vk: str, url_ok: str, url_max: str | None = None) -> dict[str, Any]:
    """Settings that point the sweep at a simulator serving the demo scenario."""
    max_settings = ({"MAX_API_URL": url_max, "MAX_BOT_TOKEN": MAX_BOT_TOKEN, "MAX_RATE_LIMIT": f"{MAX_RATE}/second"}
                    if url_max else {})
    return {
        "VK_API_URL": url_vk,
        "VK_ACCESS_TOKENS": [VK_TOKEN],
        "VK_TOKEN_TYPE": "service",
        "VK_RATE_LIMIT": f"{DEMO_RATE}/second",
        "OK_API_URL": url_ok,
        "OK_APPLICATION_KEY": OK_APPLICATION_KEY,
        "OK_APPLICATION_SECRET_KEY": OK_APPLICATION_SECRET_KEY,
        "OK_ACCESS_TOKEN": OK_ACCESS_TOKEN,
        "OK_RATE_LIMIT": f"{DEMO_RATE}/second",
        **max_settings,
    }
