"""What every network's API client shares (each client lives in its network's package,
``monitoring.networks.<network>.client``): the HTTP transport with the retry rules of DESIGN
§3.2, the rate limiter shared by all workers, the failures and the small result types.

Clients import nothing from Django: configuration arrives as constructor arguments
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
from .ratelimit import RateLimiter
from .results import Resolved, WallPosts, WallRequest

__all__ = [
    "ApiError",
    "ConfigurationError",
    "PageUnavailable",
    "QuotaExhausted",
    "RateLimited",
    "RateLimiter",
    "Resolved",
    "RetryableError",
    "TransportError",
    "WallPosts",
    "WallRequest",
]
