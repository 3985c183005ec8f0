"""VK API client: community info, link resolution and wall reads for the sweep.

Budget first (DESIGN §8): one ``groups.getById`` per 500 pages; one ``wall.get``
per page (``filter=owner`` gives both the total of community posts and the
newest posts), a second only for walls open to others (``filter=others``), and
more pages only while posts are still inside the caller's ``since``. With a user
token the ``wall.get`` calls travel 25 to an ``execute`` request; a service token
may not call ``execute`` (VK answers 28), so it sends them one by one.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from monitoring.types import VK, Comment, Community, Post

from monitoring.clients.errors import (
    ApiError,
    ConfigurationError,
    QuotaExhausted,
    RateLimited,
    RetryableError,
    TransportError,
    classify,
)
from monitoring.clients.http import RATE_WAITS, ApiTransport
from monitoring.clients.ratelimit import RateLimiter
from monitoring.clients.results import Resolved, WallCursor, WallPosts, WallRequest
from monitoring.networks.vk.mapping import comment_from_vk, community_from_vk, int_of, list_of, post_from_vk

DEFAULT_API_URL = "https://api.vk.com/method"
DEFAULT_VERSION = "5.199"

# Reference §1.3/§1.4: documented fields plus the undocumented gov-mark family.
# Base fields (id, name, screen_name, is_closed, type, deactivated) come unasked.
GROUP_FIELDS = (
    "description", "site", "links", "contacts", "addresses", "phone", "members_count",
    "verified", "is_government_organization", "trust_mark", "name_history", "wall",
)

GROUP_LINK_RE = re.compile(r"^(club|public|event)(\d+)$", re.IGNORECASE)
USER_LINK_RE = re.compile(r"^id(\d+)$", re.IGNORECASE)
LINK_KINDS = {"club": "group", "public": "page", "event": "event"}
VK_HOST_RE = re.compile(r"^(?:[\w-]+\.)*vk\.(?:com|ru)(?=/|$)", re.IGNORECASE)


class VkClient:
    """Reads VK for the sweep; one instance per token. Knows nothing of Django.

    ``token_type`` is "service" (a VK application's service key) or "user";
    only "user" batches through ``execute``. A community token cannot call
    ``wall.get`` at all, so it is refused here rather than by VK at 3 a.m.
    """

    MAX_GROUP_IDS = 500  # widely cited, unverified (reference §1.3)
    MAX_WALL_COUNT = 100
    MAX_EXECUTE_CALLS = 25

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        version: str = DEFAULT_VERSION,
        token: str = "",
        token_type: str = "service",
        limiter: RateLimiter | None = None,
        *,
        page_size: int = MAX_WALL_COUNT,
        **transport: Any,
    ) -> None:
        """``transport``: ApiTransport's options (session, timeout, attempts, backoff, sleep)."""
        if not token:
            raise ValueError("a VK access token is required")
        if token_type not in ("service", "user"):
            raise ValueError('token_type must be "service" or "user"')
        if not 1 <= page_size <= self.MAX_WALL_COUNT:
            raise ValueError(f"page_size must be within 1..{self.MAX_WALL_COUNT}")
        self.api_url = api_url.rstrip("/")
        self.version = version
        self.token_type = token_type
        self.page_size = page_size
        self._token = token
        self.transport = ApiTransport(
            network=VK, limiter=limiter or RateLimiter(), limiter_secret=token, secrets=[token], **transport
        )

    def __repr__(self) -> str:
        return f"VkClient(api_url={self.api_url!r}, version={self.version!r}, token_type={self.token_type!r})"

    # --- raw calls -----------------------------------------------------------------------

    def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """One API method; returns ``response`` or raises a classified ``ApiError``."""
        return self._request(method, params)["response"]

    def _request(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        data = {key: _form_value(value) for key, value in params.items()}
        data["v"] = self.version
        data["access_token"] = self._token
        return self.transport.post(
            f"{self.api_url}/{method}", data, method=method, interpret=partial(self._interpret, method)
        )

    def _interpret(self, method: str, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise TransportError("answer is not a JSON object", network=VK, method=method, fault="malformed")
        if "error" in payload:
            raise self._error(payload["error"], method)
        if "response" not in payload:
            raise TransportError(
                "answer has neither response nor error", network=VK, method=method, fault="malformed"
            )
        return payload

    def _error(self, error: Any, method: str) -> ApiError:
        if not isinstance(error, Mapping):
            return TransportError("malformed error envelope", network=VK, method=method, fault="malformed")
        try:
            code = int(error.get("error_code"))
        except (TypeError, ValueError):
            code = 0
        return classify(
            VK,
            code,
            str(error.get("error_msg", "")),
            method=str(error.get("method") or method),
            request_params=error.get("request_params") or (),
            secrets=[self._token],
        )

    def get_communities(self, ids_or_screen_names: Iterable[str | int]) -> dict[str, Community | None]:
        """groups.getById in batches of 500, keyed by the caller's own strings.

        ``None``: VK did not return that community (unknown id or screen name).
        A deleted or banned one comes back with ``deactivated=True``.
        """
        wanted = {str(ref).strip(): _group_ref(str(ref)) for ref in ids_or_screen_names}
        refs = list(dict.fromkeys(ref for ref in wanted.values() if ref))
        found: dict[str, Community] = {}
        for start in range(0, len(refs), self.MAX_GROUP_IDS):
            for group in self._groups_by_id(refs[start : start + self.MAX_GROUP_IDS]):
                community = community_from_vk(group)
                found[community.external_id] = community
                if community.screen_name:
                    found[community.screen_name.lower()] = community
        return {key: found.get(ref) for key, ref in wanted.items()}

    def _groups_by_id(self, refs: list[str]) -> list[Mapping[str, Any]]:
        params = {"group_ids": ",".join(refs), "fields": ",".join(GROUP_FIELDS)}
        try:
            response = self.call("groups.getById", params)
        except ApiError as exc:
            # VK answers 100 when the list holds no existing community (unverified
            # whether one bad id spoils a batch): halve until the bad ones are alone.
            if exc.code != 100 or type(exc) is not ApiError:
                raise
            if len(refs) == 1:
                return []
            half = len(refs) // 2
            return self._groups_by_id(refs[:half]) + self._groups_by_id(refs[half:])
        return _groups_of(response)

    def resolve_screen_name(self, screen_name: str) -> Resolved | None:
        """utils.resolveScreenName; ``None`` when VK knows no such name (it answers ``[]``)."""
        response = self.call("utils.resolveScreenName", {"screen_name": screen_name})
        if not isinstance(response, Mapping) or "object_id" not in response:
            return None
        return Resolved(VK, str(response.get("type", "")).lower(), str(response["object_id"]))

    def resolve_link(self, link: str) -> Resolved | None:
        """What a vk.com link points to; ``/id<n>``, ``/club<n>`` and the like need no request."""
        name = _first_path_segment(link)
        if not name:
            return None
        if match := USER_LINK_RE.match(name):
            return Resolved(VK, "user", match.group(1))
        if match := GROUP_LINK_RE.match(name):
            return Resolved(VK, LINK_KINDS[match.group(1).lower()], match.group(2))
        return self.resolve_screen_name(name)

    # --- walls ---------------------------------------------------------------------------

    def get_wall(self, owner_id: int, since: datetime) -> WallPosts:
        """Community posts of one wall since ``since`` and their total; raises on error."""
        return _raise_or_return(self.get_walls([WallRequest(owner_id, since)])[0])

    def get_posts_by_others(self, owner_id: int, since: datetime) -> list[Post]:
        """Posts by anyone but the owner since ``since``; raises on error."""
        return _raise_or_return(self.get_walls([WallRequest(owner_id, since, "others")])[0]).posts

    def get_walls(self, wall_requests: Sequence[WallRequest]) -> list[WallPosts | ApiError]:
        """Read many walls at once, one result per request, in order (see ``iter_walls``)."""
        results = dict(self.iter_walls(wall_requests))
        return [results[index] for index in range(len(wall_requests))]

    def iter_walls(self, wall_requests: Sequence[WallRequest]) -> Iterator[tuple[int, WallPosts | ApiError]]:
        """Read many walls, yielding ``(index, result)`` for each request as soon as it is
        final (after the request that carried its last page), so a caller can store one
        part while the next is on the wire.

        A page's own failure (closed, deleted, a fault that outlived its retries,
        the daily quota) is yielded in its place so the other pages still count.
        A ``ConfigurationError`` is raised: no page can be read with that token.
        Once the quota is spent no more requests are sent; the rest get
        ``QuotaExhausted``.
        """
        for request in wall_requests:
            if request.since.tzinfo is None:
                raise ValueError("since must be a timezone-aware datetime")
            if request.filter not in ("owner", "others", "all"):
                raise ValueError(f"unsupported wall filter {request.filter!r}")
        cursors = [WallCursor(request) for request in wall_requests]
        pending = list(range(len(cursors)))
        while pending:
            still = []
            for start, answers in self._many("wall.get", [self._wall_params(cursors[i]) for i in pending]):
                for index, answer in zip(pending[start:], answers):
                    if not isinstance(answer, ApiError):
                        try:
                            _advance(cursors[index], answer)
                        except ApiError as exc:
                            answer = exc
                    if isinstance(answer, ApiError):
                        yield index, answer
                    elif cursors[index].done:
                        yield index, WallPosts(cursors[index].total or 0, cursors[index].posts)
                    else:
                        still.append(index)
            pending = still

    def get_comments(self, posts: Sequence[tuple[int, int]]) -> dict[tuple[int, int], list[Comment] | ApiError]:
        """Every comment standing under each post, by (owner id, post id) (DESIGN §3.6): the
        top level 100 at a time by ``current_level_count``, each with the first 10 replies of
        its thread; a thread holding more is read again by ``comment_id``. So a post costs one
        call unless it has over 100 comments or a thread over 10 replies; with a user token 25
        calls go in one ``execute``. A post's own failure stands in its place; a
        ``ConfigurationError`` is raised."""
        cursors = [CommentCursor(owner_id, post_id) for owner_id, post_id in dict.fromkeys(posts)]
        failed: dict[tuple[int, int], ApiError] = {}
        # A queue, not rounds: a post that needs another page joins the back of the line, so
        # every execute but the last carries 25 calls.
        queue = deque(cursors)
        size = self.MAX_EXECUTE_CALLS if self.token_type == "user" else 1
        while queue:
            group = [queue.popleft() for _ in range(min(size, len(queue)))]
            for start, answers in self._many("wall.getComments", [cursor.next_call() for cursor in group]):
                for cursor, answer in zip(group[start:], answers):
                    try:
                        if isinstance(answer, ApiError):
                            raise answer
                        cursor.take(answer)
                    except ApiError as exc:
                        failed[cursor.key] = exc
                        continue
                    if not cursor.done:
                        queue.append(cursor)
        return {cursor.key: failed.get(cursor.key) or cursor.comments() for cursor in cursors}

    def _wall_params(self, cursor: WallCursor) -> dict[str, Any]:
        return {
            "owner_id": cursor.request.owner_id,
            "filter": cursor.request.filter,
            "count": min(cursor.request.count or self.page_size, self.MAX_WALL_COUNT),
            "offset": cursor.offset,
        }

    def _many(self, method: str, calls: list[dict[str, Any]]) -> Iterator[tuple[int, list[Any]]]:
        """The answers to ``calls`` of ``method`` in order, a request's worth at a time:
        ``(position of the first, answers)``, 25 to an ``execute`` with a user token, one by
        one otherwise. A call's own failure stands in its place."""
        if self.token_type == "user":
            for start in range(0, len(calls), self.MAX_EXECUTE_CALLS):
                yield start, self._execute_calls(method, calls[start : start + self.MAX_EXECUTE_CALLS])
            return
        for start, params in enumerate(calls):
            yield start, [self._call_one(method, params)]

    def _call_one(self, method: str, params: dict[str, Any]) -> Any:
        try:
            return self.call(method, params)
        except ConfigurationError:
            raise
        except ApiError as exc:
            return exc

    def _execute_calls(self, method: str, calls: list[dict[str, Any]]) -> list[Any]:
        """Up to 25 calls of ``method`` in one execute; failed calls go again in the next one, as
        ``ApiTransport.post`` treats a request: a call VK refused for the rate (6) after the
        limiter's window, up to ``RATE_WAITS`` times, without using up an attempt; a call
        that met another fault that may pass, up to ``attempts`` tries with backoff."""
        results: list[Any] = [None] * len(calls)
        faults = [0] * len(calls)
        waits = [0] * len(calls)
        todo = list(range(len(calls)))
        while todo:
            parked = self.transport.parked_error(method)
            if parked is not None:
                for i in todo:
                    results[i] = parked
                return results
            try:
                envelope = self._request("execute", {"code": vkscript(method, [calls[i] for i in todo])})
            except ConfigurationError:
                raise
            except ApiError as exc:  # the whole execute failed, after the transport's retries
                for i in todo:
                    results[i] = exc
                return results
            retry, delay = [], 0.0
            for i, answer in zip(todo, self._split_execute(envelope, len(todo), method)):
                results[i] = answer
                if isinstance(answer, QuotaExhausted):
                    self.transport.park(method, answer.resume_at)
                elif isinstance(answer, ConfigurationError):
                    raise answer
                elif isinstance(answer, RateLimited):
                    waits[i] += 1
                    answer.attempts = faults[i] + 1
                    if waits[i] <= RATE_WAITS:
                        retry.append(i)
                        delay = max(delay, self.transport.limiter.window)
                elif isinstance(answer, RetryableError):
                    faults[i] += 1
                    answer.attempts = faults[i]
                    if faults[i] < self.transport.attempts:
                        retry.append(i)
                        delay = max(delay, self.transport.backoff_delay(faults[i]))
            todo = retry
            if todo:  # long enough for every call in the next execute
                self.transport.wait(delay)
        return results

    def _split_execute(self, envelope: Mapping[str, Any], expected: int, method: str) -> list[Any]:
        """Pair each ``false`` in the answer with the next ``execute_errors`` entry.

        VK lists execute_errors in call order; that the n-th ``false`` matches the
        n-th entry is how clients read it, not a documented promise.
        """
        response = envelope.get("response")
        if not isinstance(response, list) or len(response) != expected:
            error = ApiError("execute answered with an unexpected shape", network=VK, method="execute")
            return [error] * expected
        errors = iter(e for e in envelope.get("execute_errors") or [] if isinstance(e, Mapping))
        answers: list[Any] = []
        for item in response:
            if isinstance(item, Mapping):
                answers.append(item)
                continue
            error = next(errors, None)
            if error is None:
                answers.append(ApiError("call failed inside execute", network=VK, method=method))
            else:
                answers.append(self._error(error, method))
        return answers


def vkscript(method: str, calls: Sequence[Mapping[str, Any]]) -> str:
    """``return [API.wall.get({...}), ...];``: the only VKScript this client writes.

    JSON object literals are valid VKScript; ints and strings are all it carries.
    """
    body = ",".join(f"API.{method}({json.dumps(dict(c), separators=(',', ':'))})" for c in calls)
    return f"return [{body}];"


def _advance(cursor: WallCursor, answer: Any) -> None:
    """Take one wall.get page into the cursor and decide whether another is needed."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("items"), list):
        raise ApiError("wall.get answered without items", network=VK, method="wall.get")
    items = [item for item in answer["items"] if isinstance(item, Mapping)]
    if cursor.total is None:
        cursor.total = int(answer.get("count") or 0)
    reached_older = False
    for item in items:
        post = post_from_vk(item, cursor.request.owner_id)
        if post.date >= cursor.request.since:
            # New posts shift offsets between pages: the same post may come twice.
            if post.external_id not in cursor.seen:
                cursor.seen.add(post.external_id)
                cursor.posts.append(post)
        elif not post.is_pinned:  # the pinned post comes first whatever its date
            reached_older = True
    cursor.offset += len(items)
    cursor.done = reached_older or not items or cursor.offset >= cursor.total


def _groups_of(response: Any) -> list[Mapping[str, Any]]:
    """Both groups.getById shapes: a list (≤5.131 schema) or ``{groups, profiles}`` (5.199)."""
    if isinstance(response, Mapping):
        response = response.get("groups")
    if not isinstance(response, list):
        raise ApiError("groups.getById answered with an unexpected shape", network=VK, method="groups.getById")
    return [group for group in response if isinstance(group, Mapping)]


def _group_ref(ref: str) -> str:
    """The id for numeric refs and /club<n>-style names, else the lower-case screen name."""
    ref = _first_path_segment(ref) if "/" in ref else ref.strip()
    if ref.lstrip("-").isdigit():
        return ref.lstrip("-")
    if match := GROUP_LINK_RE.match(ref):
        return match.group(2)
    return ref.lower()


def _first_path_segment(link: str) -> str:
    """``school9`` from ``https://m.vk.com/school9/?w=wall``, ``vk.ru/school9`` or ``school9``.

    Screen names may hold dots (``ivan.petrov``), so only a VK host counts as a host.
    """
    link = link.strip()
    path = urlsplit(link).path if "://" in link else VK_HOST_RE.sub("", link).split("?")[0].split("#")[0]
    return next((part for part in path.split("/") if part), "")


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _raise_or_return(result: WallPosts | ApiError) -> WallPosts:
    if isinstance(result, ApiError):
        raise result
    return result


class CommentCursor:
    """Progress of one post's comments across calls: the top level page by page, then each
    thread longer than what came with its comment."""

    PAGE = 100
    THREAD_ITEMS = 10  # the most `thread_items_count` allows

    def __init__(self, owner_id: int, post_id: int) -> None:
        self.owner_id, self.post_id = owner_id, post_id
        self.key = (owner_id, post_id)
        self.top: list[Mapping[str, Any]] = []
        self.top_done = False
        self.threads: dict[int, list[Mapping[str, Any]]] = {}  # read apart, by comment id
        self.queue: list[int] = []  # comment ids whose thread is still to read

    @property
    def done(self) -> bool:
        return self.top_done and not self.queue

    def next_call(self) -> dict[str, Any]:
        call = {"owner_id": self.owner_id, "post_id": self.post_id, "count": self.PAGE, "sort": "asc"}
        if not self.top_done:
            return {**call, "offset": len(self.top), "thread_items_count": self.THREAD_ITEMS}
        thread = self.queue[0]
        return {**call, "comment_id": thread, "offset": len(self.threads[thread])}

    def take(self, answer: Any) -> None:
        if not isinstance(answer, Mapping) or not isinstance(answer.get("items"), list):
            raise ApiError("wall.getComments answered without items", network=VK, method="wall.getComments")
        items = [item for item in answer["items"] if isinstance(item, Mapping)]
        level = int_of(answer.get("current_level_count", answer.get("count")))
        if not self.top_done:
            self.top += items
            if not items or len(self.top) >= level:
                self.top_done = True
                for comment in self.top:
                    thread = comment.get("thread") if isinstance(comment.get("thread"), Mapping) else {}
                    if int_of(thread.get("count")) > len(list_of(thread.get("items"))):
                        self.threads[int_of(comment.get("id"))] = []
                        self.queue.append(int_of(comment.get("id")))
            return
        replies = self.threads[self.queue[0]]
        replies += items
        if not items or len(replies) >= level:
            self.queue.pop(0)

    def comments(self) -> list[Comment]:
        return [comment_from_vk(item, self.threads.get(int_of(item.get("id")))) for item in self.top]

