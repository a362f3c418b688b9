"""GET /healthz: can this node serve? 503 only when the database does not answer.

A load balancer takes a node with a 503 out. Parts every node shares (the cache, the photo storage, the job
queue, the outside systems reports are forwarded to, each by its breaker's name) answer
200 with `"status": "degraded"` and the failing parts named: one shared Redis going down must not take
every node out at once, and each node still files reports without it.
"""

import logging
import os
import tempfile

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django_redis import get_redis_connection

from forwarding import delivery
from jobs import breakers, queue

logger = logging.getLogger(__name__)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            database, postgis = cursor.fetchone()
    except DatabaseError:
        # The reason (host, role, password) is for the log, not for whoever asks.
        logger.exception("Health check: the database does not answer", extra={"event": "health_database_down"})
        return JsonResponse({"status": "error", "error": "database unavailable"}, status=503)
    failing = [part for part, works in (("cache", cache_answers), ("storage", storage_writable),
                                        ("queue", queue_moving), ("forwarding", forwarding_accepted))
               if not works()]
    failing += breakers.degraded()  # an outside system whose breaker stays open: "lapor", a partner's name
    if failing:
        logger.warning("Health check: degraded", extra={"event": "health_degraded", "parts": failing})
    return JsonResponse({"status": "degraded" if failing else "ok", "degraded": failing,
                         "database": f"PostgreSQL {database}", "postgis": postgis})


def cache_answers():
    try:
        return bool(get_redis_connection("default").ping())
    except Exception:  # any failure to answer is "down", whatever redis-py calls it
        return False


def queue_moving():
    """Is the job due first younger than JOBS_MAX_WAIT_S? Older, no worker runs or it cannot keep up."""
    return queue.oldest_wait_seconds() <= settings.JOBS_MAX_WAIT_S


def forwarding_accepted():
    """Does every outside system (LAPOR!, a partner) accept our credentials? A 401 pauses one until it does."""
    return not delivery.paused_links().exists()


def storage_writable():
    """Can this node store a photo? On disk a file is made and removed in MEDIA_ROOT and the disk has
    MEDIA_MIN_FREE_MB left; a bucket is asked whether it is there for these keys (HEAD: nothing written)."""
    if settings.MEDIA_STORAGE == "s3":
        from botocore.exceptions import BotoCoreError, ClientError  # loaded where a bucket is used

        try:
            default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
            return True
        except (BotoCoreError, ClientError):  # no route, bad keys, no such bucket
            return False
    try:
        os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".healthz-"):
            return default_storage.free_bytes() >= settings.MEDIA_MIN_FREE_MB * 1e6
    except OSError:
        return False
