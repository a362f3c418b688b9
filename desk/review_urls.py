"""Part B of the staff desk: photo review and LAPOR!'s complaints that need a location."""

from django.urls import path

from desk import inbox, review

urlpatterns = [
    path("foto/", review.grid, name="desk-photos"),
    path("foto/<int:pk>/", review.decide, name="desk-photo-decide"),
    path("lokasi/", inbox.inbox, name="desk-inbox"),
    path("lokasi/<int:pk>/", inbox.locate, name="desk-locate"),
]
