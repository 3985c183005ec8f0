"""Clients of the VK and OK APIs for the nightly sweep.

They import nothing from Django: configuration arrives as constructor arguments
(the sweep wires settings to them), results are ``monitoring.types`` dataclasses
plus the small ones in ``results``, and failures are the classes in ``errors``.
"""

from .errors import (
    ApiError,
    ConfigurationError,
    PageUnavailable,
    QuotaExhausted,
    RateLimited,
    RetryableError,
    TransportError,
)
from .ok import OkClient, ok_signature
from .ratelimit import RateLimiter
from .results import Resolved, WallPosts, WallRequest
from .vk import VkClient

__all__ = [
    "ApiError",
    "ConfigurationError",
    "OkClient",
    "PageUnavailable",
    "QuotaExhausted",
    "RateLimited",
    "RateLimiter",
    "Resolved",
    "RetryableError",
    "TransportError",
    "VkClient",
    "WallPosts",
    "WallRequest",
    "ok_signature",
]
