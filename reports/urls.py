from reports.views import api, audience, dashboard, district_report, organization, qr, rating, region, settings, tasks

urlpatterns = [
    *dashboard.urlpatterns,
    *organization.urlpatterns,
    *audience.urlpatterns,
    *rating.urlpatterns,
    *region.urlpatterns,
    *district_report.urlpatterns,
    *qr.urlpatterns,
    *api.urlpatterns,
    *tasks.urlpatterns,
    *settings.urlpatterns,
]
