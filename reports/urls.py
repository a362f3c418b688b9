"""The resident's and the crew's pages (the JSON API's routes are reports.api.urls)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lapor/", views.submit, name="report-submit"),
    path("cek/", views.check, name="report-check"),
    path("laporan/<str:code>/", views.detail, name="report-detail"),
    path("laporan/<str:code>/ikuti/<str:token>/", views.private, name="report-private"),
    path("statistik/", views.statistics, name="statistics"),
    path("petugas/", views.crew_home, name="crew-home"),
    path("petugas/laporan/<str:code>/", views.crew_report, name="crew-report"),
    path("favicon.ico", views.favicon),
]
