from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.verify, name="otp-verify"),
    path("baru/", views.enrol, name="otp-enrol"),
]
