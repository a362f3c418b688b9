from django.urls import include, path

urlpatterns = [path("", include("desk.review_urls"))]
