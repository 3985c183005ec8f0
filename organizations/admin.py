from django.contrib import admin

from organizations.models import District, Membership, OfficialPage, Organization


class OfficialPageInline(admin.TabularInline):
    model = OfficialPage
    extra = 0
    fields = ("network", "url", "link_kind", "link_value", "external_id")
    readonly_fields = ("link_kind", "link_value", "external_id")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "kind", "district")
    list_filter = ("kind", "district")
    # With the district: every district has its «СОШ №1», and «ейский 1» finds the right one.
    search_fields = ("short_name", "name", "district__name")
    inlines = [OfficialPageInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "district" in form.changed_data:
            # Moved to another district: its due dates and «Канал в MAX» become the new district's (§2).
            from checklist.services import due_dates_apply
            from monitoring.services import max_requirement_apply

            due_dates_apply(organization_ids=[obj.pk])
            max_requirement_apply()


@admin.register(OfficialPage)
class OfficialPageAdmin(admin.ModelAdmin):
    list_display = ("organization", "network", "url", "external_id", "detached_at")
    list_filter = ("network", ("detached_at", admin.EmptyFieldListFilter))
    search_fields = ("organization__short_name", "url")
    readonly_fields = ("detached_at",)

    def get_queryset(self, request):
        # Detached pages too: their history is kept, and the administrator may need to find it.
        return OfficialPage.all_objects.select_related("organization")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organization", "district")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__short_name")
    autocomplete_fields = ("organization",)
