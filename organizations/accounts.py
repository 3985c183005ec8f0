"""A person's own account: changing the password, and the API tokens that act as them.

The password change is audited by hand: the user model is in the audit log with its password
excluded (a hash, even half of one, does not belong in a log), so saving a new password alone
would leave no row.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


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
