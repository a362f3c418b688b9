"""The answer to an error no view handled: a 503 with Retry-After while the database does not answer or the
photo storage cannot take a file (a full disk, a bucket out of reach).

A resident's phone keeps the report in its offline queue and tries again; an API client knows to retry.
Nothing here may touch the database, the session or the signed-in user: they may be what failed.
"""

import sys
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _

from config.storage import StorageUnavailable

RETRY_AFTER_SECONDS = 30
JSON_PREFIXES = ("/api/", "/ogcapi/", "/open311/", "/tiles/", "/healthz")


def ogc_exception(status, description, code=None):
    """OGC API's exception body: `code` and `description` (Features 1.0), `status`, `title` and `detail`
    (RFC 9457, the schema of later versions). The code is OWS's word when given, else the HTTP phrase."""
    phrase = HTTPStatus(status).phrase
    return {"code": code or phrase.replace(" ", ""), "description": description, "status": status, "title": phrase,
            "detail": description}


def json_error(request, status, message):
    """An error in the form its interface's clients read: GeoReport v2's list of errors under /open311/, an OGC
    API exception (code, description; with RFC 9457's status and detail) under /ogcapi/, else {"error": ...}."""
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    if request.path.startswith("/ogcapi/"):
        return JsonResponse(ogc_exception(status, message), status=status)
    return JsonResponse({"error": message}, status=status)


def server_error(request):
    """handler500: called while the exception is being handled, so sys.exc_info() names it."""
    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError, StorageUnavailable))
    status = 503 if unavailable else 500
    message = (_("The service is briefly unavailable; please try again in a minute.") if unavailable
               else _("Something went wrong on our side; please try again later."))
    if request.path.startswith(JSON_PREFIXES):
        response = json_error(request, status, message)
    else:
        context = {"message": message, "status": status, "stylesheet": _stylesheet()}
        response = HttpResponse(loader.render_to_string("error.html", context), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _stylesheet():
    try:
        return static("css/app.css")
    except ValueError:  # no collected static files (a broken deployment): the page goes plain
        return ""
