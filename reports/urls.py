from reports.views import api, audience, dashboard, district_report, organization, qr, tasks

urlpatterns = [
    *dashboard.urlpatterns,
    *organization.urlpatterns,
    *audience.urlpatterns,
    *district_report.urlpatterns,
    *qr.urlpatterns,
    *api.urlpatterns,
    *tasks.urlpatterns,
]
