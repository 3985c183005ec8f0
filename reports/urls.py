from reports.views import api, audience, dashboard, district_report, organization, qr, rating, tasks

urlpatterns = [
    *dashboard.urlpatterns,
    *organization.urlpatterns,
    *audience.urlpatterns,
    *rating.urlpatterns,
    *district_report.urlpatterns,
    *qr.urlpatterns,
    *api.urlpatterns,
    *tasks.urlpatterns,
]
