"""/data/: the open-data page and the MapLibre map."""

from django.urls import path

from reports.interop import catalogue

urlpatterns = [
    path("", catalogue.open_data, name="open-data"),
    path("peta/", catalogue.open_data_map, name="open-data-map"),
]
