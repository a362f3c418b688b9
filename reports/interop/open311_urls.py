"""/open311/: discovery and GeoReport v2, each answer as .json or .xml."""

from django.urls import path, register_converter

from reports.interop import open311


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "format")

urlpatterns = [
    path("discovery.<format:fmt>", open311.discovery, name="open311-discovery"),
    path("v2/services.<format:fmt>", open311.service_list, name="open311-services"),
    path("v2/services/<str:code>.<format:fmt>", open311.service_definition, name="open311-service"),
    path("v2/requests.<format:fmt>", open311.service_requests, name="open311-requests"),
    path("v2/requests/<str:code>.<format:fmt>", open311.request_detail, name="open311-request"),
    path("v2/tokens/<str:token>.<format:fmt>", open311.token_detail, name="open311-token"),
    path("v2/servicerequestupdates.<format:fmt>", open311.service_request_updates, name="open311-updates"),
    # Anything else (another format, a mistyped path): a GeoReport error, not an HTML page.
    path("<path:rest>", open311.unknown, name="open311-unknown"),
]
