"""Uploaded photos on disk: serving them, and finding the files no row names any more.

In production the app serves /media/ itself (so `make run` alone shows every photo), or, with
MEDIA_ACCEL_REDIRECT set, answers with an X-Accel-Redirect header and nginx sends the file from
an `internal` location. Names are random and never reused, so a file may be cached for a year.
"""

import os
import time
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils._os import safe_join
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve as serve_file

from reports.models import Photo

CACHE_SECONDS = 365 * 86400


@require_safe
def serve(request, path):
    """GET /media/<path>: one stored file; never a directory listing."""
    try:
        full = safe_join(settings.MEDIA_ROOT, path)
    except SuspiciousFileOperation:  # a path outside MEDIA_ROOT
        raise Http404("No such file.")
    if not os.path.isfile(full):
        raise Http404("No such file.")
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type="")  # nginx sets the type from the file's extension
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + quote(path)
    else:
        response = serve_file(request, path, document_root=settings.MEDIA_ROOT)
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS, immutable=True)
    return response


def orphan_files(min_age_seconds, batch=1000):
    """Paths (relative to MEDIA_ROOT) of files older than `min_age_seconds` that no photo row names.

    Young files are left alone: a filing writes its photos before its transaction commits.
    """
    newest = time.time() - min_age_seconds
    pending = []
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for file in files:
            full = os.path.join(folder, file)
            if os.path.getmtime(full) <= newest:
                pending.append(os.path.relpath(full, settings.MEDIA_ROOT))
            if len(pending) >= batch:
                yield from _unreferenced(pending)
                pending = []
    yield from _unreferenced(pending)


def _unreferenced(names):
    if not names:
        return []
    named = Photo.objects.filter(Q(image__in=names) | Q(thumbnail__in=names)).values_list("image", "thumbnail")
    kept = {name for pair in named for name in pair}
    return [name for name in names if name not in kept]
