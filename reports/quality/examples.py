"""The posts an advice points at: where each is, when, how it starts, and why it is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy

from monitoring.types import OK, VK, Post
from reports.posts import excerpt, post_url

EXAMPLES_PER_ADVICE = 3
EXCERPT_CHARS = 160

NETWORK_LABELS = {VK: gettext_lazy("ВКонтакте"), OK: gettext_lazy("Одноклассники")}


@dataclass(frozen=True)
class PostExample:
    """One post an advice points at: where it is, when, how it starts, and why it is shown."""

    url: str  # "" when the post's address cannot be built (an OK post without its group id)
    date: datetime
    excerpt: str  # "" for a post without text
    network: str
    external_id: str
    detail: str = ""  # «640 px», «реакций: 12», the matched words of a direction

    @property
    def network_label(self) -> str:
        return str(NETWORK_LABELS.get(self.network, self.network))


def example(post: Post, detail: str = "") -> PostExample:
    return PostExample(
        url=post_url(post),
        date=post.date,
        excerpt=excerpt(post.text, EXCERPT_CHARS),
        network=post.network,
        external_id=post.external_id,
        detail=detail,
    )


def newest_examples(
    posts: Iterable[Post], limit: int = EXAMPLES_PER_ADVICE, detail: Callable[[Post], str] | None = None
) -> tuple[PostExample, ...]:
    """Examples of the first `limit` of `posts` (given newest first)."""
    return tuple(example(p, detail(p) if detail else "") for p in list(posts)[:limit])
