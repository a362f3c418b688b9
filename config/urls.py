from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularSwaggerSplitView

from config.health import healthz
from reports import media, ogcapi
from reports import views as report_views

handler500 = "config.errors.server_error"

# The split view serves its script as a file, for the Content-Security-Policy; Swagger UI adds style elements.
api_docs = csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))

admin.site.site_header = _("Lapor Padangpanjang: administration")
admin.site.site_title = _("Lapor Padangpanjang")

urlpatterns = [
    path("", report_views.home, name="home"),
    path("lapor/", report_views.submit, name="report-submit"),
    path("laporan/<str:code>/", report_views.detail, name="report-detail"),
    path("laporan/<str:code>/ikuti/<str:token>/", report_views.private, name="report-private"),
    path("statistik/", report_views.statistics, name="statistics"),
    path("", include("privacy.urls")),
    path("petugas/", report_views.crew_home, name="crew-home"),
    path("petugas/laporan/<str:code>/", report_views.crew_report, name="crew-report"),
    path("masuk/otp/", include("accounts.urls")),
    path("masuk/", auth_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("manifest.webmanifest", TemplateView.as_view(
        template_name="manifest.webmanifest", content_type="application/manifest+json"), name="manifest"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", report_views.favicon),
    path("api/v1/", include("reports.urls")),
    path("open311/", include("reports.open311_urls")),
    path("ogcapi/", include("reports.ogcapi_urls")),
    path("api/schema/", ogcapi.SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("tiles/", include("tiles.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", media.serve, name="media"),
]
