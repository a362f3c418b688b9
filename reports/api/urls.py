from django.urls import path

from reports.api import views as api
from reports.interop.exports import ExportView

app_name = "api"
urlpatterns = [
    path("locate", api.LocateView.as_view(), name="locate"),
    path("categories", api.CategoryListView.as_view(), name="categories"),
    path("offices", api.OfficeListView.as_view(), name="offices"),
    path("kelurahan.geojson", api.KelurahanOutlineView.as_view(), name="kelurahan"),
    path("stats.json", api.StatsView.as_view(), name="stats"),
    path("stats/kelurahan.geojson", api.StatsKelurahanView.as_view(), name="stats-kelurahan"),
    path("geocode", api.GeocodeView.as_view(), name="geocode"),
    path("reports", api.ReportListView.as_view(), name="reports"),
    path("reports.geojson", ExportView.as_view(fmt="geojson"), name="export-geojson"),
    path("reports.csv", ExportView.as_view(fmt="csv"), name="export-csv"),
    path("reports/duplicates", api.DuplicatesView.as_view(), name="duplicates"),
    path("reports/nearby", api.NearbyView.as_view(), name="nearby"),
    path("reports/status", api.StatusesView.as_view(), name="statuses"),
    path("reports/<str:code>", api.ReportDetailView.as_view(), name="report"),
    path("reports/<str:code>/support", api.SupportView.as_view(), name="support"),
    path("reports/<str:code>/status", api.StatusView.as_view(), name="status"),
]
