from django.urls import path

from privacy import views

urlpatterns = [
    path("privasi/", views.privacy, name="privacy"),
    path("laporan/<str:code>/ikuti/<str:token>/data/", views.my_data, name="report-my-data"),
    path("laporan/<str:code>/ikuti/<str:token>/hapus/", views.erase, name="report-erase"),
]
