from django.urls import path

from assets import api

app_name = "assets"
urlpatterns = [
    path("nearest", api.NearestView.as_view(), name="nearest"),
    path("failures", api.FailuresView.as_view(), name="failures"),
    path("<str:kind>/<str:identifier>", api.AssetHistoryView.as_view(), name="history"),
]
