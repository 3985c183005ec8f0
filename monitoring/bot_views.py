"""The district bot's two doors: its webhook, where MAX delivers events, and each person's
«Уведомления» page, where they link their MAX account, choose where messages go, or unlink."""

from __future__ import annotations

import hmac
import json
import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from monitoring.models import MaxAccount
from monitoring.networks.max.bot import deep_link, handle_update, link_code_create

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Max-Bot-Api-Secret"


@csrf_exempt
@require_POST
def max_webhook(request: HttpRequest) -> HttpResponse:
    """MAX's deliveries (`POST /subscriptions` set it up with our secret). Without the secret
    configured, or with any other header value, nothing is read: 403."""
    expected = settings.MAX_WEBHOOK_SECRET
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        logger.warning("MAX webhook refused: wrong or missing secret")
        return HttpResponseForbidden()
    try:
        update = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest()
    if not isinstance(update, dict):
        return HttpResponseBadRequest()
    handle_update(update)
    return HttpResponse(status=200)


class DeliverForm(forms.Form):
    deliver = forms.ChoiceField(label=gettext_lazy("Куда присылать уведомления"), choices=MaxAccount.Deliver.choices,
                                widget=forms.RadioSelect)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own page (no one else's: it knows only `request.user`)."""
    account = MaxAccount.objects.filter(user=request.user).first()
    if request.method == "POST" and account is not None:
        form = DeliverForm(request.POST)
        if form.is_valid():
            account.deliver = form.cleaned_data["deliver"]
            account.save(update_fields=["deliver"])
            messages.success(request, _("Сохранено: %(where)s.") % {"where": account.get_deliver_display()})
            return redirect("notifications")
    else:
        form = DeliverForm(initial={"deliver": account.deliver if account else MaxAccount.Deliver.EMAIL})
    link = request.session.pop("max_link", None)
    return render(request, "registration/notifications.html", {
        "account": account, "form": form, "link": link, "configured": bool(settings.MAX_BOT_TOKEN),
        "email": request.user.email,
    })


@login_required
@require_POST
def max_link_start(request: HttpRequest) -> HttpResponse:
    if not settings.MAX_BOT_TOKEN:
        messages.error(request, _("MAX в этом портале не подключён: не задан токен бота района."))
        return redirect("notifications")
    link = deep_link(link_code_create(request.user))
    if link is None:
        messages.error(request, _("MAX сейчас не отвечает. Попробуйте через несколько минут."))
    else:
        request.session["max_link"] = link
    return redirect("notifications")


@login_required
@require_POST
def max_unlink(request: HttpRequest) -> HttpResponse:
    if MaxAccount.objects.filter(user=request.user).delete()[0]:
        messages.success(request, _("MAX отвязан: уведомления будут приходить только на e-mail."))
    return redirect("notifications")
