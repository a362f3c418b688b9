from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import healthz

admin.site.site_header = _("Lapor Padangpanjang: administration")
admin.site.site_title = _("Lapor Padangpanjang")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
