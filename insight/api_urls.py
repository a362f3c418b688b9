from django.urls import path

from insight import views

app_name = "insight-api"
urlpatterns = [
    path("hotspots.geojson", views.hotspots_geojson, name="hotspots-geojson"),
    path("hotspots.csv", views.hotspots_csv, name="hotspots-csv"),
    path("recurrence.geojson", views.recurrence_geojson, name="recurrence-geojson"),
    path("recurrence.csv", views.recurrence_csv, name="recurrence-csv"),
    path("response-times.json", views.response_times_json, name="response-times"),
]
