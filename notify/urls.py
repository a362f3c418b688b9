from django.urls import path

from notify import feeds, views

urlpatterns = [
    path("laporan/<str:code>/langganan/", views.follow, name="notify-follow"),
    path("laporan/<str:code>/langganan/push/", views.follow_by_push, name="notify-follow-push"),
    path("tautan-saya/", views.my_links, name="notify-my-links"),
    path("pemberitahuan/", views.alerts, name="notify-alerts"),
    path("pemberitahuan/<str:token>/konfirmasi/", views.confirm, name="notify-confirm"),
    path("pemberitahuan/<str:token>/berhenti/", views.stop, name="notify-stop"),
    path("pemberitahuan/<str:token>/diperbaiki/", views.fixed, name="notify-fixed"),
    path("pemberitahuan/<str:token>/survei/", views.survey_by_subscription, name="notify-survey"),
    path("laporan/<str:code>/ikuti/<str:token>/survei/", views.survey_by_reporter, name="report-survey"),
    path("statistik/ikm/", views.ikm_page, name="ikm"),
    path("statistik/ikm.csv", views.ikm_csv, name="ikm-csv"),
    path("statistik/ikm/saran/", views.ikm_suggestions, name="ikm-suggestions"),
    path("pemberitahuan/whatsapp/", views.whatsapp_webhook, name="notify-whatsapp"),
    path("feed/laporan.atom", feeds.CityFeed(), name="feed-city"),
    path("feed/kelurahan/<str:code>.atom", feeds.KelurahanFeed(), name="feed-kelurahan"),
    path("sw.js", views.service_worker, name="service-worker"),
]
