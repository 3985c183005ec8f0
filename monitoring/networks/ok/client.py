"""OK (Odnoklassniki) API client: group info, link resolution, topic counts and topics.

Every request is signed as reference §2.1 says; OK errors come as a JSON body
``{"error_code", "error_msg", "error_data"}`` whatever the HTTP status, so the
body decides. IDs are strings in OK; this client keeps them so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from monitoring.types import OK, Community, Post

from monitoring.clients.errors import PAGE_NOT_FOUND, ApiError, PageUnavailable, TransportError, classify
from monitoring.clients.http import ApiTransport
from monitoring.clients.ratelimit import RateLimiter
from monitoring.clients.results import Resolved

DEFAULT_API_URL = "https://api.ok.ru/fb.do"

# Documented fields (reference §2.4) plus the undocumented gov-mark pair.
GROUP_FIELDS = (
    "uid", "name", "description", "shortname", "address", "phone", "homepage_url",
    "access_type", "gos_org", "content_as_official", "admin_id", "members_count", "status",
)
UNSIGNED_PARAMS = frozenset({"access_token", "session_key", "sig"})
OK_HOST_RE = re.compile(r"^(?:[\w-]+\.)*(?:ok|odnoklassniki)\.ru(?=/|$)", re.IGNORECASE)
GROUP_PATH_RE = re.compile(r"^/group/?(\d+)(?:/|$)", re.IGNORECASE)
PROFILE_PATH_RE = re.compile(r"^/profile/(\d+)(?:/|$)", re.IGNORECASE)
USER_KINDS = {"profile": "user", "user": "user"}


def ok_signature(params: Mapping[str, Any], application_secret_key: str, access_token: str = "") -> str:
    """``sig`` for ``params``, exactly as reference §2.1 and apiok.ru/dev/methods say.

    secret = md5(access_token + application_secret_key) with a token, else the
    application secret key; drop access_token/session_key/sig; sort by key;
    join ``key=value`` with no separator; append the secret; md5, lower case.
    """
    if access_token:
        secret = hashlib.md5((access_token + application_secret_key).encode("utf-8")).hexdigest()
    else:
        secret = application_secret_key
    pairs = sorted((str(k), str(v)) for k, v in params.items() if k not in UNSIGNED_PARAMS)
    payload = "".join(f"{key}={value}" for key, value in pairs) + secret
    return hashlib.md5(payload.encode("utf-8")).hexdigest()


class OkClient:
    """Reads OK for the sweep; one instance per application. Knows nothing of Django.

    The rate limit is kept per application key (OK publishes no figure).
    """

    MAX_UIDS = 100  # unverified (reference §2.4)
    MAX_PAGES = 200  # a guard against an anchor that never ends

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        application_key: str = "",
        application_secret_key: str = "",
        access_token: str = "",
        limiter: RateLimiter | None = None,
        *,
        page_size: int = 50,
        **transport: Any,
    ) -> None:
        """``transport``: ApiTransport's options (session, timeout, attempts, backoff, sleep)."""
        if not application_key or not application_secret_key:
            raise ValueError("an OK application key and secret key are required")
        self.api_url = api_url
        self.application_key = application_key
        self.page_size = page_size
        self._secret_key = application_secret_key
        self._token = access_token
        self.transport = ApiTransport(
            network=OK, limiter=limiter or RateLimiter(), limiter_secret=application_key,
            secrets=[application_secret_key, access_token], **transport,
        )

    def __repr__(self) -> str:
        return f"OkClient(api_url={self.api_url!r}, application_key={self.application_key!r})"

    # --- raw calls -----------------------------------------------------------------------

    def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """One signed API call; returns the body or raises a classified ``ApiError``."""
        data = {key: _form_value(value) for key, value in params.items()}
        data.update(application_key=self.application_key, format="json", method=method)
        data["sig"] = ok_signature(data, self._secret_key, self._token)
        if self._token:
            data["access_token"] = self._token
        return self.transport.post(self.api_url, data, method=method, interpret=partial(self._interpret, method))

    def _interpret(self, method: str, payload: Any) -> Any:
        if isinstance(payload, Mapping) and "error_code" in payload:
            try:
                code = int(payload["error_code"])
            except (TypeError, ValueError):
                code = 0
            raise classify(
                OK, code, str(payload.get("error_msg", "")), method=method,
                secrets=[self._token, self._secret_key],
            )
        if payload is None:
            raise TransportError("empty answer", network=OK, method=method, fault="malformed")
        return payload

    # --- links and communities -----------------------------------------------------------

    def resolve_link(self, link: str) -> Resolved | None:
        """What an ok.ru link points to; ``/group/<id>`` and ``/profile/<id>`` need no request."""
        path = _ok_path(link)
        if match := GROUP_PATH_RE.match(path):
            return Resolved(OK, "group", match.group(1))
        if match := PROFILE_PATH_RE.match(path):
            return Resolved(OK, "user", match.group(1))
        if path.strip("/") == "":
            return None
        try:
            response = self.call("url.getInfo", {"url": f"https://ok.ru{path.rstrip('/')}"})
        except PageUnavailable as exc:
            if exc.kind == PAGE_NOT_FOUND:
                return None
            raise
        if not isinstance(response, Mapping) or response.get("objectId") in (None, ""):
            return None  # {"type": "UNKNOWN"}
        kind = str(response.get("type", "")).lower()
        return Resolved(OK, USER_KINDS.get(kind, kind), str(response["objectId"]))

    def get_communities(self, group_ids: Iterable[str | int]) -> dict[str, Community]:
        """group.getInfo in batches of 100, keyed by the caller's ids.

        A group missing from the answer (or refused with 300) is deactivated
        (DESIGN §3.2): it comes back as ``Community(deactivated=True)``.
        """
        wanted = list(dict.fromkeys(str(gid).strip() for gid in group_ids))
        found: dict[str, Community] = {}
        for start in range(0, len(wanted), self.MAX_UIDS):
            for group in self._group_info(wanted[start : start + self.MAX_UIDS]):
                community = community_from_ok(group)
                found[community.external_id] = community
        return {
            gid: found.get(gid) or Community(network=OK, external_id=gid, deactivated=True)
            for gid in wanted
        }

    def _group_info(self, uids: list[str]) -> list[Mapping[str, Any]]:
        try:
            response = self.call("group.getInfo", {"uids": ",".join(uids), "fields": ",".join(GROUP_FIELDS)})
        except PageUnavailable as exc:
            if exc.kind != PAGE_NOT_FOUND:
                raise
            if len(uids) == 1:
                return []
            half = len(uids) // 2  # find the missing ones without losing the rest
            return self._group_info(uids[:half]) + self._group_info(uids[half:])
        if isinstance(response, Mapping):
            response = response.get("groups")
        if not isinstance(response, list):
            raise ApiError("group.getInfo answered with an unexpected shape", network=OK, method="group.getInfo")
        return [group for group in response if isinstance(group, Mapping)]

    # --- topics --------------------------------------------------------------------------

    def get_counters(self, group_id: str | int) -> GroupCounters:
        """All topics and all members of the group (``group.getCounters`` ``themes`` and
        ``members``, DESIGN §3.6); each None if not said."""
        response = self.call("group.getCounters", {"group_id": group_id, "counterTypes": "themes,members"})
        counters = response.get("counters", response) if isinstance(response, Mapping) else {}
        if not isinstance(counters, Mapping):
            counters = {}
        return GroupCounters(themes=_count(counters.get("themes")), members=_count(counters.get("members")))

    def get_topics(self, group_id: str | int, since: datetime, count: int | None = None) -> list[Post]:
        """Topics dated at or after ``since``, newest first, paging by OK's opaque anchor.

        ``count`` is the page size (None: the client's own): a read that expects few new
        topics asks for few."""
        if since.tzinfo is None:
            raise ValueError("since must be a timezone-aware datetime")
        gid = str(group_id)
        params: dict[str, Any] = {"gid": gid, "count": count or self.page_size}
        posts: list[Post] = []
        seen: set[str] = set()
        anchors: set[str] = set()
        for _page in range(self.MAX_PAGES):
            response = self.call("mediatopic.getTopics", params)
            if not isinstance(response, Mapping):
                raise ApiError("mediatopic.getTopics answered with an unexpected shape",
                               network=OK, method="mediatopic.getTopics")
            topics = [t for t in response.get("media_topics") or [] if isinstance(t, Mapping)]
            reached_older = False
            for topic in topics:
                post = post_from_ok(topic, gid)
                if post.date < since:
                    reached_older = True
                elif post.external_id not in seen:
                    seen.add(post.external_id)
                    posts.append(post)
            anchor = response.get("anchor")
            if reached_older or not topics or not response.get("has_more") or not anchor:
                break
            if anchor in anchors:
                raise ApiError("mediatopic.getTopics repeated an anchor", network=OK, method="mediatopic.getTopics")
            anchors.add(anchor)
            params.update(anchor=anchor, direction="FORWARD")
        return posts


def community_from_ok(group: Mapping[str, Any]) -> Community:
    """Map one group.getInfo object. OK has no e-mail field (DESIGN §3.2)."""
    gos_org = group.get("gos_org")
    access_type = group.get("access_type")
    admin_id = group.get("admin_id")
    return Community(
        network=OK,
        external_id=str(group.get("uid", "")),
        screen_name=_text(group.get("shortname")),
        name=_text(group.get("name")),
        description=_text(group.get("description")),
        address=_text(group.get("address")),
        phones=tuple(p for p in [group.get("phone")] if isinstance(p, str)),
        sites=tuple(s for s in [group.get("homepage_url")] if isinstance(s, str)),
        closed=isinstance(access_type, str) and access_type.upper() != "OPEN",
        gov_mark=bool(gos_org) if isinstance(gos_org, (bool, int)) else None,
        wall_open_to_others=True,
        contact_ids=(str(admin_id),) if admin_id not in (None, "") else (),
        members_count=_count(group.get("members_count")),
        raw=dict(group),
    )


def post_from_ok(topic: Mapping[str, Any], group_id: str) -> Post:
    """Map one mediatopic; the group wrote it when ``author_ref`` is ``group:<gid>``."""
    media = [m for m in topic.get("media") or [] if isinstance(m, Mapping)]
    author_ref = _text(topic.get("author_ref"))
    try:
        created = datetime.fromtimestamp(int(topic.get("created_ms") or 0) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        created = datetime.fromtimestamp(0, tz=timezone.utc)
    return Post(
        network=OK,
        external_id=str(topic.get("id", "")),
        date=created,
        from_community=author_ref == f"group:{group_id}",
        author_id=author_ref,
        text="\n".join(m["text"] for m in media if m.get("type") == "text" and isinstance(m.get("text"), str)),
        attachment_kinds=tuple(dict.fromkeys(str(m["type"]) for m in media if m.get("type") not in (None, "text"))),
        likes=_summary(topic, "like_summary", "count"),
        comments=_summary(topic, "discussion_summary", "comments_count"),
        reposts=_summary(topic, "reshare_summary", "count"),
        raw=dict(topic),
    )


def _summary(topic: Mapping[str, Any], key: str, field: str) -> int | None:
    value = topic.get(key)
    if isinstance(value, Mapping) and isinstance(value.get(field), int):
        return value[field]
    return None


def _ok_path(link: str) -> str:
    link = link.strip()
    if "://" in link:
        return urlsplit(link).path or "/"
    path = OK_HOST_RE.sub("", link).split("?")[0].split("#")[0]
    return path if path.startswith("/") else "/" + path


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class GroupCounters(NamedTuple):
    themes: int | None
    members: int | None


def _count(value: Any) -> int | None:
    """A counter OK gave as a number or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    return int(value) if isinstance(value, str) and value.isdigit() else None
