from reports.views import api, dashboard, district_report, organization, qr, tasks

urlpatterns = [
    *dashboard.urlpatterns,
    *organization.urlpatterns,
    *district_report.urlpatterns,
    *qr.urlpatterns,
    *api.urlpatterns,
    *tasks.urlpatterns,
]
