from django.urls import path

from insight import views

urlpatterns = [
    path("statistik/titik-rawan/", views.hotspots_page, name="hotspots"),
    path("statistik/waktu-tanggap/", views.response_times_page, name="response-times"),
    path("statistik/waktu-tanggap/<str:group>.csv", views.response_times_csv, name="response-times-csv"),
]
