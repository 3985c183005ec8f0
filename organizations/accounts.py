"""A person's own account: changing the password, and the API tokens that act as them.

The password change is audited by hand: the user model is in the audit log with its password
excluded (a hash, even half of one, does not belong in a log), so saving a new password alone
would leave no row.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from knox.models import AuthToken


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        LogEntry.objects.log_create(
            form.user, action=LogEntry.Action.UPDATE, changes={"password": ["***", "***"]},
        )
        messages.success(self.request, _("Пароль изменён."))
        return response


@never_cache  # the answer that shows a new token must not stay in any cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (shown on this answer only, never again: only its
    digest is stored) or revoke one. Each stops working API_TOKEN_TTL_DAYS after it was made."""
    made = None
    if request.method == "POST":
        if "revoke" in request.POST:
            AuthToken.objects.filter(user=request.user, digest=request.POST["revoke"]).delete()
            messages.success(request, _("Токен отозван."))
            return redirect("api-tokens")
        _instance, made = AuthToken.objects.create(user=request.user)
    tokens = AuthToken.objects.filter(user=request.user, expiry__gt=timezone.now()).order_by("-created")
    return render(request, "registration/api_tokens.html",
                  {"tokens": tokens, "made": made, "ttl_days": settings.API_TOKEN_TTL_DAYS})
