"""Errors of the VK and OK clients, sorted by what the sweep must do next.

The sweep never looks at raw error codes: it asks which class an error is.

- ``RateLimited`` (a ``RetryableError``): the API asked us to slow down (VK 6, OK 8,
  HTTP 429). A wait, not a fault: the transport sent the request again after the
  limiter's window, up to ``http.RATE_WAITS`` times, without using up an attempt.
- ``RetryableError``: any other fault that may pass later (VK 1/9/10, OK 2, server
  fault, broken transport). The transport already made up to ``attempts`` tries.
- ``QuotaExhausted``: the method's daily quota is spent; that method rests until
  the next Moscow midnight (``resume_at``).
- ``ConfigurationError``: the token, key or signature is wrong; nothing will work
  until an administrator fixes the settings, so the sweep stops the network.
- ``PageUnavailable``: a finding about the page itself (closed, private, deleted,
  not found), not a fault of the sweep.
- plain ``ApiError``: anything else; the page's verdict becomes "unknown".

No message may ever carry a token: VK error envelopes echo the request
parameters, so ``access_token`` (and OK's ``session_key``/``sig``) are dropped
before an error is built, and every text passes through :func:`redact`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

PAGE_CLOSED = "closed"
PAGE_PRIVATE = "private"
PAGE_DELETED = "deleted"
PAGE_NOT_FOUND = "not_found"

# Parameters that carry or derive from a secret: never echoed anywhere.
SECRET_PARAMS = frozenset({"access_token", "session_key", "sig", "application_secret_key"})

MOSCOW = ZoneInfo("Europe/Moscow")


class ApiError(Exception):
    """An answer (or the lack of one) from VK or OK that is not the data asked for."""

    def __init__(
        self,
        message: str,
        *,
        network: str = "",
        method: str = "",
        code: int | None = None,
        request_params: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.message = message
        self.network = network
        self.method = method
        self.code = code
        # Already stripped of secrets by whoever built the error.
        self.request_params = [dict(p) for p in request_params]
        super().__init__(str(self))

    def __str__(self) -> str:
        where = " ".join(part for part in (self.network, self.method) if part)
        code = f"error {self.code}: " if self.code is not None else ""
        return f"{where}: {code}{self.message}" if where else f"{code}{self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(network={self.network!r}, method={self.method!r}, "
            f"code={self.code!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery pickles exceptions across processes; keyword-only fields would be lost.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ApiError], state: dict[str, Any]) -> ApiError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, str(error))
    return error


class RetryableError(ApiError):
    """May pass on a later attempt; ``attempts`` says how many attempts were used up before
    giving up (waits for the rate are not attempts)."""

    attempts: int = 1


class RateLimited(RetryableError):
    """The API refused the request for the rate (VK 6, OK 8, HTTP 429): it was sent again
    after the limiter's window until ``http.RATE_WAITS`` such waits were spent (DESIGN §3.2)."""


class TransportError(RetryableError):
    """No usable answer: timeout, refused or reset connection, HTTP 5xx, not JSON.

    ``fault`` is one of "timeout", "connection", "http_status", "malformed".
    """

    def __init__(self, message: str, *, network: str = "", method: str = "", fault: str = "connection") -> None:
        self.fault = fault
        super().__init__(message, network=network, method=method)


class QuotaExhausted(ApiError):
    """The method's daily quota is spent (VK 29, OK 11): no calls until ``resume_at``."""

    def __init__(self, message: str, *, resume_at: datetime | None = None, **kwargs: Any) -> None:
        self.resume_at = resume_at or next_moscow_midnight()
        super().__init__(message, **kwargs)


class ConfigurationError(ApiError):
    """Bad token, key, signature or URL: stop the network and alert the administrators."""


class PageUnavailable(ApiError):
    """The page is closed, private, deleted or unknown: a finding, not a fault.

    ``kind`` is one of ``PAGE_CLOSED``, ``PAGE_PRIVATE``, ``PAGE_DELETED``, ``PAGE_NOT_FOUND``.
    """

    def __init__(self, message: str, *, kind: str = PAGE_NOT_FOUND, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(message, **kwargs)


# --- classification --------------------------------------------------------------------

# DESIGN §3.2 Retries: a rate answer is a wait; 1 unknown, 9 flood control and 10 server
# error are faults that may pass.
VK_RATE = frozenset({6})
VK_RETRYABLE = frozenset({1, 9, 10})
VK_QUOTA = frozenset({29})
# 5 bad token, 14 captcha (stop the token), 27/28 wrong token type for the method.
VK_CONFIGURATION = frozenset({5, 14, 27, 28})
VK_PAGE = {15: PAGE_CLOSED, 18: PAGE_DELETED, 30: PAGE_PRIVATE, 203: PAGE_PRIVATE,
           113: PAGE_NOT_FOUND, 125: PAGE_NOT_FOUND}

# 8 FLOOD_BLOCKED is OK's rate signal (reference §2.3); 2 SERVICE is a temporary fault.
OK_RATE = frozenset({8})
OK_RETRYABLE = frozenset({2})
OK_QUOTA = frozenset({11})
# 101 key, 102 session expired, 103 session key, 104 signature, 105 re-signature,
# 210 application disabled, 453 session required.
OK_CONFIGURATION = frozenset({101, 102, 103, 104, 105, 210, 453})
OK_PAGE = {300: PAGE_NOT_FOUND, 160: PAGE_NOT_FOUND, 456: PAGE_CLOSED, 458: PAGE_PRIVATE}


def classify(
    network: str,
    code: int,
    message: str,
    *,
    method: str = "",
    request_params: Sequence[Mapping[str, Any]] = (),
    secrets: Iterable[str] = (),
    now: datetime | None = None,
) -> ApiError:
    """Build the error class the sweep needs for an API error code of ``network``."""
    if network == "vk":
        rate, retryable, quota, config, pages = VK_RATE, VK_RETRYABLE, VK_QUOTA, VK_CONFIGURATION, VK_PAGE
    else:
        rate, retryable, quota, config, pages = OK_RATE, OK_RETRYABLE, OK_QUOTA, OK_CONFIGURATION, OK_PAGE
    secrets = tuple(secrets)
    kwargs: dict[str, Any] = {
        "network": network,
        "method": method,
        "code": code,
        "request_params": clean_request_params(request_params, secrets),
    }
    text = redact(message, secrets)
    if code in rate:
        return RateLimited(text, **kwargs)
    if code in retryable:
        return RetryableError(text, **kwargs)
    if code in quota:
        return QuotaExhausted(text, resume_at=next_moscow_midnight(now), **kwargs)
    if code in config:
        return ConfigurationError(text, **kwargs)
    if code in pages:
        return PageUnavailable(text, kind=pages[code], **kwargs)
    return ApiError(text, **kwargs)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret found in ``text`` with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def clean_request_params(
    params: Sequence[Mapping[str, Any]] | Any, secrets: Iterable[str] = ()
) -> list[dict[str, str]]:
    """VK's ``request_params`` without secret keys, and with secrets masked in values."""
    if not isinstance(params, (list, tuple)):
        return []
    secrets = tuple(secrets)
    cleaned = []
    for item in params:
        if not isinstance(item, Mapping) or str(item.get("key")) in SECRET_PARAMS:
            continue
        cleaned.append(
            {"key": str(item.get("key")), "value": redact(str(item.get("value", "")), secrets)}
        )
    return cleaned


def next_moscow_midnight(now: datetime | None = None) -> datetime:
    """When a daily quota comes back: the next 00:00 Europe/Moscow, as an aware UTC time.

    VK's reset moment is unverified (reference §5.4: UTC or Moscow midnight); the
    sweep runs on Moscow time, so "the next day" is a Moscow day.
    """
    now = now or datetime.now(timezone.utc)
    local = now.astimezone(MOSCOW)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), MOSCOW)
    return midnight.astimezone(timezone.utc)
