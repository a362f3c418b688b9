"""The staff desk under /meja/ (its photo review and LAPOR! inbox: desk.review_urls)."""

from django.urls import include, path

from desk import deliveries, views

urlpatterns = [
    path("", views.home, name="desk-home"),
    path("jumlah/", views.counts_json, name="desk-counts"),
    path("antrean/", views.queue, name="desk-queue"),
    path("antrean/verifikasi/", views.verify_from_queue, name="desk-verify"),
    path("laporan/<str:code>/", views.report, name="desk-report"),
    path("laporan/<str:code>/dokumen/", views.document, name="desk-document"),
    path("laporan/<str:code>/<slug:action>/", views.act, name="desk-act"),
    path("penerusan/", deliveries.problems, name="desk-deliveries"),
    path("penerusan/<int:pk>/coba/", deliveries.retry, name="desk-retry-delivery"),
    path("", include("desk.review_urls")),
]
