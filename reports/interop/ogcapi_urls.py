"""/ogcapi/: OGC API - Features (Part 1: Core, GeoJSON)."""

from django.urls import path

from reports.interop import ogcapi

urlpatterns = [
    path("", ogcapi.LandingView.as_view(), name="ogcapi"),
    path("conformance", ogcapi.ConformanceView.as_view(), name="ogcapi-conformance"),
    path("collections", ogcapi.CollectionsView.as_view(), name="ogcapi-collections"),
    path("collections/<str:name>", ogcapi.CollectionView.as_view(), name="ogcapi-collection"),
    path("collections/<str:name>/items", ogcapi.ItemsView.as_view(), name="ogcapi-items"),
    path("collections/<str:name>/items/<str:item>", ogcapi.ItemView.as_view(), name="ogcapi-item"),
]
