from django.urls import path

from tiles import mvt, views

app_name = "tiles"
urlpatterns = [  # the map's tiles first: nearly every request here (config/urls.py)
    path("reports/<int:z>/<int:x>/<int:y>.pbf", views.report_tile, name="reports"),
    path("basemap/<int:z>/<int:x>/<int:y>.png", views.basemap_tile, name="basemap"),
    path("reports.json", views.report_tilejson, name="reports-tilejson"),
    path("kelurahan.json", views.kelurahan_tilejson, name="kelurahan-tilejson"),
    path("reports/metadata.json", views.gdal_metadata, {"layer": mvt.REPORTS_LAYER}, name="reports-metadata"),
    path("kelurahan/metadata.json", views.gdal_metadata, {"layer": mvt.KELURAHAN_LAYER}, name="kelurahan-metadata"),
    path("reports/style.json", views.report_style, name="reports-style"),
    path("reports", views.report_set, name="reports-set"),
    path("kelurahan/<int:z>/<int:x>/<int:y>.pbf", views.kelurahan_tile, name="kelurahan"),
    path("assets/<slug:kind>.json", views.asset_tilejson, name="assets-tilejson"),
    path("assets/<slug:kind>/<int:z>/<int:x>/<int:y>.pbf", views.asset_tile, name="assets"),
]
