"""`/healthz`: the process answers. A load balancer or a monitor may ask it as often as it likes,
and the load test compares the real pages with it, so it reads nothing: no database, no session,
no template (the session and the user are lazy and stay untouched)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
