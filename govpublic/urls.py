from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic.base import RedirectView

from checklist import preview
from checklist import views as checklist_views
from govpublic.health import healthz
from monitoring import bot_views
from monitoring import views as monitoring_views
from organizations import accounts
from organizations import views as organizations_views

admin.site.site_header = _("Госпаблики — администрирование")
admin.site.site_title = _("Госпаблики")
admin.site.index_title = _("Данные портала")

urlpatterns = [
    path("", organizations_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/api-tokens/", accounts.api_tokens, name="api-tokens"),
    path("accounts/notifications/", bot_views.notifications, name="notifications"),
    path("accounts/notifications/max/link/", bot_views.max_link_start, name="max-link"),
    path("accounts/notifications/max/unlink/", bot_views.max_unlink, name="max-unlink"),
    path("max/webhook/", bot_views.max_webhook, name="max-webhook"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/<int:pk>/pages/<str:network>/", organizations_views.page_set, name="page-set"),
    path("org/<int:pk>/audit/", checklist_views.organization_audit_log, name="organization-audit"),
    path("entries/<int:entry_id>/upload/", checklist_views.evidence_upload, name="evidence-upload"),
    path("entries/<int:entry_id>/approve/", checklist_views.entry_approve, name="entry-approve"),
    path("entries/<int:entry_id>/return/", checklist_views.entry_return, name="entry-return"),
    path("evidence/<int:revision_id>/download/", checklist_views.evidence_download, name="evidence-download"),
    path("evidence/<int:revision_id>/preview.png", preview.evidence_preview, name="evidence-preview"),
    path("review/", checklist_views.review_queue, name="review-queue"),
    path("matrix/", checklist_views.checklist_matrix, name="checklist-matrix"),
    path("org/<int:pk>/pages/", monitoring_views.organization_pages, name="organization-alerts"),
    path("org/<int:pk>/pages/max/check/", monitoring_views.channel_check, name="channel-check"),
    path("alerts/<int:event_id>/acknowledge/", monitoring_views.alert_acknowledge, name="alert-acknowledge"),
    path("sweeps/start/", monitoring_views.sweep_now, name="sweep-now"),
    path("sweeps/<int:run_id>/", monitoring_views.sweep_detail, name="sweep-detail"),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
