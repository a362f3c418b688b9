"""/ogcapi/: OGC API - Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0). The path parameters have the names
OGC's own API definition gives them (collectionId, featureId), which clients look for in ours."""

from django.urls import path

from reports.interop import ogcapi

urlpatterns = [
    path("", ogcapi.LandingView.as_view(), name="ogcapi"),
    path("api", ogcapi.OgcSchemaView.as_view(), name="ogcapi-definition"),
    path("conformance", ogcapi.ConformanceView.as_view(), name="ogcapi-conformance"),
    path("collections", ogcapi.CollectionsView.as_view(), name="ogcapi-collections"),
    path("collections/<str:collectionId>", ogcapi.CollectionView.as_view(), name="ogcapi-collection"),
    path("collections/<str:collectionId>/items", ogcapi.ItemsView.as_view(), name="ogcapi-items"),
    path("collections/<str:collectionId>/items/<str:featureId>", ogcapi.ItemView.as_view(), name="ogcapi-item"),
]
