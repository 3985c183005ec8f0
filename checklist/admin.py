from django.contrib import admin

from checklist.models import ChecklistEntry, ChecklistItem, EntryEvent, EvidenceRevision


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("position", "code", "title", "mode", "due_date")
    list_display_links = ("code",)
    ordering = ("position",)


class EvidenceRevisionInline(admin.TabularInline):
    model = EvidenceRevision
    extra = 0
    can_delete = False
    fields = ("version", "original_name", "sha256", "document_number", "document_date", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(admin.ModelAdmin):
    list_display = ("organization", "item", "status", "verdict", "due_date", "updated_at")
    list_filter = ("status", "verdict", "item")
    search_fields = ("organization__short_name",)
    readonly_fields = ("due_date",)  # the district's settings write it (`due_dates_apply`)
    inlines = [EvidenceRevisionInline]


@admin.register(EntryEvent)
class EntryEventAdmin(admin.ModelAdmin):
    list_display = ("entry", "actor", "from_status", "to_status", "from_verdict", "to_verdict", "created_at")
    list_filter = ("to_status", "to_verdict")

    def has_change_permission(self, request, obj=None):
        return False  # the history never changes

    def has_delete_permission(self, request, obj=None):
        return False
