"""The answer to an error no view handled: a 503 with Retry-After while the database does not answer.

A resident's phone keeps the report in its offline queue and tries again; an API client knows to retry.
Nothing here may touch the database, the session or the signed-in user: they may be what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30
JSON_PREFIXES = ("/api/", "/ogcapi/", "/tiles/", "/healthz")


def server_error(request):
    """handler500: called while the exception is being handled, so sys.exc_info() names it."""
    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    status = 503 if unavailable else 500
    message = (_("The service is briefly unavailable; please try again in a minute.") if unavailable
               else _("Something went wrong on our side; please try again later."))
    if request.path.startswith("/open311/"):  # the GeoReport v2 error form
        response = JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    elif request.path.startswith(JSON_PREFIXES):
        response = JsonResponse({"error": message}, status=status)
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
