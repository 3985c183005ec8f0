from django.contrib import admin

from monitoring.models import ChangeEvent, DailyMetric, Notification, PagePost, PageState, RuleSettings, Snapshot, SweepRun


@admin.register(RuleSettings)
class RuleSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "weeks", "posts_per_week_min", "posts_per_week_target", "posts_total_min", "max_required")

    readonly_fields = ("district", "due_dates")  # the settings page writes these with the entries' dates

    def has_add_permission(self, request):
        return False  # the region's row comes with the install, a district's from its settings page

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "started_at", "finished_at", "status", "trigger", "pages_done", "pages_total", "faults")
    list_filter = ("status", "trigger")
    readonly_fields = [field.name for field in SweepRun._meta.fields]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ("page", "taken_at", "info_read", "wall_read", "gov_mark", "error")
    list_filter = ("info_read", "wall_read", "gov_mark")
    search_fields = ("page__organization__short_name", "name")
    raw_id_fields = ("run", "page")


@admin.register(PageState)
class PageStateAdmin(admin.ModelAdmin):
    list_display = ("page", "status", "checked_at", "wall_read_at")
    list_filter = ("status", "page__network")
    search_fields = ("page__organization__short_name",)
    raw_id_fields = ("page", "last_run", "last_snapshot")


@admin.register(PagePost)
class PagePostAdmin(admin.ModelAdmin):
    list_display = ("page", "external_id", "date", "from_community", "repost_of_personal", "removed_at")
    list_filter = ("from_community", "page__network")
    search_fields = ("page__organization__short_name", "external_id", "text")
    raw_id_fields = ("page", "first_seen_run")


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    list_display = ("organization", "page", "kind", "severity", "created_at", "notified_at", "acknowledged_at")
    list_filter = ("kind", "severity")
    search_fields = ("organization__short_name", "message")
    raw_id_fields = ("page", "organization", "run", "acknowledged_by")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "run", "period", "created_at", "sent_at", "error")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "run")


@admin.register(DailyMetric)
class DailyMetricAdmin(admin.ModelAdmin):
    list_display = ("date",)
