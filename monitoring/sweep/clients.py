"""The API clients a sweep runs with, built from the settings (DESIGN §5)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from monitoring.clients import RateLimiter
from monitoring.networks.max.client import MaxClient
from monitoring.networks.ok.client import OkClient
from monitoring.networks.vk.client import VkClient
from monitoring.types import MAX, VK

_limiters: dict[tuple[str, str], RateLimiter] = {}
# The limiter keeps each request in the window until a second after it finished, which covers
# any delay on its way (monitoring.clients.ratelimit). This margin is for workers on several
# machines, whose clocks (NTP) differ by a few milliseconds.
LIMITER_MARGIN = 0.01


class SweepConfigurationError(Exception):
    """A network cannot be swept with the current settings (missing or refused keys)."""


def _limiter(rate: str) -> RateLimiter:
    """One limiter per rate and storage per process, so every client in it shares the window
    (and, with Redis, every worker on every machine)."""
    url = settings.RATE_LIMIT_STORAGE_URL
    key = (rate, url)
    if key not in _limiters:
        _limiters[key] = RateLimiter(rate, url or None, margin=LIMITER_MARGIN)
    return _limiters[key]


def build_clients(network: str) -> list[VkClient] | list[OkClient] | list[MaxClient]:
    """Clients from the environment (DESIGN §5); raises SweepConfigurationError if unset."""
    timeout = settings.API_TIMEOUT_SECONDS
    # The first wait between retries (doubling after it); settings may shorten it (tests).
    backoff = settings.API_RETRY_BACKOFF_SECONDS
    if network == VK:
        if not settings.VK_ACCESS_TOKENS:
            raise SweepConfigurationError(_("ВКонтакте: не задан VK_ACCESS_TOKEN (или VK_ACCESS_TOKENS)."))
        limiter = _limiter(settings.VK_RATE_LIMIT)
        return [
            VkClient(
                settings.VK_API_URL, settings.VK_API_VERSION, token, settings.VK_TOKEN_TYPE, limiter,
                timeout=timeout, backoff=backoff,
            )
            for token in settings.VK_ACCESS_TOKENS
        ]
    if network == MAX:
        if not settings.MAX_BOT_TOKEN:
            raise SweepConfigurationError(_("MAX: не задан MAX_BOT_TOKEN — токен бота района."))
        return [
            MaxClient(settings.MAX_API_URL, settings.MAX_BOT_TOKEN, _limiter(settings.MAX_RATE_LIMIT),
                      timeout=timeout, backoff=backoff)
        ]
    if not (settings.OK_APPLICATION_KEY and settings.OK_APPLICATION_SECRET_KEY):
        raise SweepConfigurationError(
            _("Одноклассники: не заданы OK_APPLICATION_KEY и OK_APPLICATION_SECRET_KEY.")
        )
    return [
        OkClient(
            settings.OK_API_URL,
            settings.OK_APPLICATION_KEY,
            settings.OK_APPLICATION_SECRET_KEY,
            settings.OK_ACCESS_TOKEN,
            _limiter(settings.OK_RATE_LIMIT),
            timeout=timeout,
            backoff=backoff,
        )
    ]


