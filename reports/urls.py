from django.urls import path

from reports import api

app_name = "api"
urlpatterns = [
    path("locate", api.LocateView.as_view(), name="locate"),
]
