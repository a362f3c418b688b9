"""The resident's and the crew's pages (the JSON API's routes are reports.api.urls)."""

from django.urls import path
from django.views.generic import TemplateView

from reports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lapor/", views.submit, name="report-submit"),
    path("cek/", views.check, name="report-check"),
    path("laporan/<str:code>/", views.detail, name="report-detail"),
    path("laporan/<str:code>/ikuti/<str:token>/", views.private, name="report-private"),
    path("laporan/<str:code>/ikuti/<str:token>/dokumen/", views.private_document, name="report-private-document"),
    path("statistik/", views.statistics, name="statistics"),
    path("petugas/", views.crew_home, name="crew-home"),
    path("petugas/laporan/<str:code>/", views.crew_report, name="crew-report"),
    path("favicon.ico", views.favicon),
    # What the service worker (notify/views.py) shows when a page cannot be opened without a connection.
    path("luring/", TemplateView.as_view(template_name="offline.html"), name="offline"),
]
