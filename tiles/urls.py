from django.urls import path

from tiles import views

app_name = "tiles"
urlpatterns = [
    path("reports/<int:z>/<int:x>/<int:y>.pbf", views.report_tile, name="reports"),
    path("kelurahan/<int:z>/<int:x>/<int:y>.pbf", views.kelurahan_tile, name="kelurahan"),
    path("basemap/<int:z>/<int:x>/<int:y>.png", views.basemap_tile, name="basemap"),
]
