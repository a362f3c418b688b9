"""GET /healthz: is the database (with PostGIS) answering?"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            database, postgis = cursor.fetchone()
    except DatabaseError:
        # The reason (host, role, password) is for the log, not for whoever asks.
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "error", "error": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": f"PostgreSQL {database}", "postgis": postgis})
