"""GET /healthz: is the database (with PostGIS) answering?"""

from django.db import DatabaseError, connection
from django.http import JsonResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            database, postgis = cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse({"status": "error", "error": str(error).strip().splitlines()[0]}, status=503)
    return JsonResponse({"status": "ok", "database": f"PostgreSQL {database}", "postgis": postgis})
