"""The one place where the clients touch the network.

``ApiTransport`` has one job: send a request (a form POST for VK and OK, a GET or a
JSON body for MAX), get JSON back. Every request passes through the rate limiter
(retries too: VK counts them like any request). A rate answer (VK 6, OK 8, HTTP 429)
is waited out for the limiter's window and sent again, up to ``RATE_WAITS`` times,
without using up an attempt; other faults that may pass get ``attempts`` tries with
exponential backoff (DESIGN §3.2).
No exception text it builds can contain a secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import requests
from urllib3.exceptions import NewConnectionError

from monitoring.types import OK, VK

from .errors import ApiError, ConfigurationError, QuotaExhausted, RateLimited, RetryableError, TransportError, redact
from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")
# The error code of a spent daily quota (reference §1.6, §2.5).
QUOTA_CODES = {VK: 29, OK: 11}
# How many rate answers one request waits out before it counts as a fault of the page (DESIGN §3.2).
RATE_WAITS = 10


class ApiTransport:
    """Request → parsed JSON, within the rate limit, with bounded retries.

    ``interpret`` turns a parsed body into the caller's result or raises an
    ``ApiError``; a ``RateLimited`` from it (VK 6, OK 8) is waited out like an
    HTTP 429, a ``RetryableError`` (VK 1/9/10, OK 2) retried like a transport
    fault. ``requests_sent`` counts HTTP requests, so tests and the sweep's
    metrics can see what retries and waits cost; ``reached`` those that got to
    the server at all.
    """

    def __init__(
        self,
        *,
        network: str,
        limiter: RateLimiter,
        limiter_secret: str,
        secrets: Sequence[str],
        session: requests.Session | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.network = network
        self.limiter = limiter
        self._limiter_secret = limiter_secret
        self._secrets = tuple(s for s in secrets if s)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._sleep = sleep
        self.requests_sent = 0
        self.reached = 0  # requests that got through to the server (answered or not): it can be reached

    # --- daily quotas: a refused method rests until its quota comes back ---------------------

    def park(self, method: str, until: datetime) -> None:
        """`method` rests until `until` (its daily quota is spent), for every client of this key."""
        self.limiter.park(self.network, self._limiter_secret, method, until)

    def parked_error(self, method: str) -> QuotaExhausted | None:
        """The refusal to send while `method` rests (no request is spent on it), or None."""
        resume_at = self.limiter.parked_until(self.network, self._limiter_secret, method)
        if resume_at is None:
            return None
        return QuotaExhausted(
            f"daily quota spent; resting until {resume_at:%Y-%m-%d %H:%M} UTC",
            resume_at=resume_at, network=self.network, method=method, code=QUOTA_CODES[self.network],
        )

    def post(
        self,
        url: str,
        data: Mapping[str, str],
        *,
        method: str,
        interpret: Callable[[Any], T],
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send the form ``data`` to ``url`` (see ``request``)."""
        return self.request("POST", url, method=method, interpret=interpret, headers=headers, data=dict(data))

    def request(
        self,
        verb: str,
        url: str,
        *,
        method: str,
        interpret: Callable[[Any], T],
        headers: Mapping[str, str] | None = None,
        refusal: Callable[[int, Any], ApiError] | None = None,
        timeout: float | None = None,
        **send_args: Any,
    ) -> T:
        """Send one request until an answer is usable, the rate waits or the attempts run out.
        A method whose daily quota is spent is not sent, and a refusal parks it.

        ``send_args``: ``params``, ``data`` or ``json`` as requests takes them. ``refusal`` reads an
        HTTP error status and its parsed body into the error to raise, for an API that answers
        in statuses (MAX); without it the body's error envelope or the status decides (VK, OK).
        ``timeout``: this request's own, for a long poll that outlasts the usual one."""
        parked = self.parked_error(method)
        if parked is not None:
            raise parked
        faults = waits = 0
        while True:
            try:
                return interpret(self._send(verb, url, method, headers, refusal, timeout or self.timeout, send_args))
            except RateLimited as exc:
                waits += 1
                if waits > RATE_WAITS:
                    exc.attempts = faults + 1
                    raise
                log.info("%s: rate answer, wait %d/%d: %s", method, waits, RATE_WAITS, exc)
                self.wait(self.limiter.window)
            except RetryableError as exc:
                faults += 1
                log.warning("%s attempt %d/%d failed: %s", method, faults, self.attempts, exc)
                if faults >= self.attempts:
                    exc.attempts = faults
                    raise
                self.wait(self.backoff_delay(faults))
            except QuotaExhausted as exc:
                self.park(method, exc.resume_at)
                raise

    def backoff_delay(self, retry_number: int) -> float:
        """Seconds before retry ``retry_number`` (1 for the first) after a fault: exponential."""
        return self.backoff * 2 ** (retry_number - 1)

    def wait(self, seconds: float) -> None:
        """Pause before sending again (the injected ``sleep``, so tests need not wait)."""
        self._sleep(seconds)

    def _send(
        self,
        verb: str,
        url: str,
        method: str,
        headers: Mapping[str, str] | None,
        refusal: Callable[[int, Any], ApiError] | None,
        timeout: float,
        send_args: Mapping[str, Any],
    ) -> Any:
        # The request holds its place in the window until its answer begins: the server had it
        # by then. With stream=True post() returns once the answer's headers are in, and the
        # body (long for an `execute` of 25 walls) is read after. requests' timeout bounds the
        # connect and each read: 2 × timeout is the longest a request may hold its place.
        try:
            with self.limiter.slot(self.network, self._limiter_secret, hold=2 * timeout):
                self.requests_sent += 1
                response = self.session.request(
                    verb, url, headers=dict(headers or {}), timeout=timeout, stream=True, **send_args
                )
            body = response.content
        except requests.Timeout as exc:
            self.reached += _connected(exc)
            raise self._fault(f"no answer within {timeout:g} s", method, "timeout") from None
        except requests.RequestException as exc:
            self.reached += _connected(exc)
            # `from None`: the cause holds the prepared request, whose body has the token.
            reason = redact(f"{type(exc).__name__}: {exc}", self._secrets)
            raise self._fault(f"connection failed ({reason})", method, "connection") from None
        self.reached += 1
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if status >= 400 and refusal is not None:
            raise refusal(status, payload)
        if status >= 400:
            # OK's error status is unverified (reference §2.1): an error envelope in
            # the body says more than the status, so the caller reads it first.
            if isinstance(payload, dict) and ("error" in payload or "error_code" in payload):
                return payload
            if status == 429:
                raise RateLimited(
                    "HTTP 429 from the API server: too many requests", network=self.network, method=method
                )
            if status >= 500:
                raise self._fault(f"HTTP {status} from the API server", method, "http_status")
            raise ConfigurationError(
                f"HTTP {status} from the API server: check the API URL",
                network=self.network,
                method=method,
            )
        if payload is None:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise self._fault(
                f"answer is not JSON ({kind}, {len(body)} bytes)", method, "malformed"
            )
        return payload

    def _fault(self, message: str, method: str, fault: str) -> TransportError:
        return TransportError(
            redact(message, self._secrets), network=self.network, method=method, fault=fault
        )


def _connected(error: requests.RequestException) -> bool:
    """Whether a failed request got as far as a connection to the server: not when the
    connection itself failed (refused, no such host, no answer to connect)."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    cause = error.args[0] if error.args else None
    return not isinstance(getattr(cause, "reason", cause), NewConnectionError)
