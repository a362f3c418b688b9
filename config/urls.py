from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularSwaggerSplitView

from config.health import healthz
from reports import media
from reports.interop import ogcapi

handler500 = "config.errors.server_error"

# The split view serves its script as a file, for the Content-Security-Policy; Swagger UI adds style elements.
api_docs = csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))

admin.site.site_header = _("Lapor Padangpanjang: administration")
admin.site.site_title = _("Lapor Padangpanjang")

# Django tries the patterns in order, every pattern of an include under "" among them. The tiles come first: three
# quarters of the requests of a visit of the map are report and basemap tiles, and no other first segment is tiles/.
urlpatterns = [
    path("tiles/", include("tiles.urls")),
    path("", include("reports.urls")),
    path("", include("privacy.urls")),
    path("masuk/otp/", include("accounts.urls")),
    path("masuk/", auth_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("manifest.webmanifest", TemplateView.as_view(
        template_name="manifest.webmanifest", content_type="application/manifest+json"), name="manifest"),
    path("healthz", healthz, name="healthz"),
    path("", include("notify.urls")),
    path("api/v1/assets/", include("assets.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/v1/", include("insight.api_urls")),
    path("", include("insight.urls")),
    path("open311/", include("reports.interop.open311_urls")),
    path("ogcapi/", include("reports.interop.ogcapi_urls")),
    path("data/", include("reports.interop.catalogue_urls")),
    path("api/schema/", ogcapi.SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("meja/", include("desk.urls")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", media.serve, name="media"),
]
