"""Who the client is behind the reverse proxy (for the login throttle and the audit log),
the Content-Security-Policy of every page, and no demo data on a production install.

The login throttle (django-axes, AXES_CLIENT_IP_CALLABLE) locks a login per client address.
Behind a proxy every request comes from the proxy's address, so the address is taken from
X-Forwarded-For, but only as far as TRUSTED_PROXY_COUNT proxies vouch for it: each proxy
appends the address it received the request from, so with N trusted proxies the client is
the N-th entry from the right. Anything to the left of it was written by the client itself
and could be anything.
"""

from __future__ import annotations

import ipaddress

import auditlog.middleware
from django.conf import settings
from django.core.management.base import CommandError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    """The client's address as the nearest TRUSTED_PROXY_COUNT proxies report it;
    REMOTE_ADDR when no proxy is trusted or a proxy's entry is not an address."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [entry for entry in forwarded if entry] + [remote]
    # A shorter chain came past fewer proxies than configured: its leftmost entry is the
    # farthest address any trusted proxy saw.
    candidate = chain[max(len(chain) - 1 - count, 0)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked login: the page says how long the lock lasts."""
    return render(request, "registration/locked_out.html", {"hours": settings.AXES_COOLOFF_TIME},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """The audit log records the client's address as the trusted proxies report it: auditlog's
    own middleware takes the leftmost X-Forwarded-For entry, which the client writes itself."""

    @staticmethod
    def _get_remote_addr(request) -> str:
        return client_ip(request)


def refuse_demo_data_on_a_secure_install() -> None:
    """The demo commands create `admin` and others with the passwords the README prints: never
    on a production install (SECURE=1)."""
    if settings.SECURE:
        raise CommandError(_("Демонстрационные данные не создаются при SECURE=1: пароли демо-пользователей "
                             "опубликованы в README. Создайте пользователей командой createsuperuser и в админке."))


# Everything the pages use is served from here (Bootstrap and Chart.js are vendored, scripts
# are static files, never inline); Bootstrap's CSS draws its icons from data: SVGs.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware:
    """The policy on every HTML page; a response that sets its own (a download) keeps it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
