"""Uploaded photos wherever they are stored (config.storage): serving them, finding the files no row names any
more, and moving them between this machine's disk and a bucket.

In production the app serves /media/ itself (so `make run` alone shows every photo, and every app server shows
every photo of a shared bucket), or, with MEDIA_ACCEL_REDIRECT set and photos on disk, answers with an
X-Accel-Redirect header and nginx sends the file from an `internal` location. Names are random and never
reused, so a file may be cached for a year: a published photo of a public report only. A photo waiting for a
dispatcher's review, any photo of a hidden report or of a private complaint (Report.private), and a file no photo
names (a blurred photo's original) are a 404 for the public and `private, no-store` for the staff who see its
report. A service complaint's PDF (reports.Document, under documents/) is never served here: reports.documents.
"""

import mimetypes
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from reports import roles
from reports.models import Document, Photo, Report

CACHE_SECONDS = 365 * 86400
PROGRESS_EVERY = 100  # files between two progress lines


def audience(path, user):
    """Who may have the file at `path`: "public" (a published photo of a public report), "staff" (another photo,
    for a staff member who sees its report: Report.objects.visible_to), or None."""
    photo = Photo.objects.filter(Q(image=path) | Q(thumbnail=path)).select_related("report").first()
    if photo is None:
        return None
    if photo.published and not photo.report.hidden and not photo.report.private:
        return "public"
    if roles.is_staff_reader(user) and Report.objects.visible_to(user).filter(pk=photo.report_id).exists():
        return "staff"
    return None


@require_safe
def serve(request, path):
    """GET /media/<path>: one photo's file, to whoever may see it (audience); never a directory listing."""
    shown_to = audience(path, request.user)
    if shown_to is None:
        raise Http404("No such file.")
    try:
        stored = default_storage.open(path)
    except (FileNotFoundError, IsADirectoryError, SuspiciousOperation):  # also a path outside the storage
        raise Http404("No such file.")
    if settings.MEDIA_ACCEL_REDIRECT and settings.MEDIA_STORAGE == "disk":
        stored.close()
        response = HttpResponse(content_type="")  # nginx sets the type from the file's extension
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + quote(path)
    else:
        response = FileResponse(stored, content_type=mimetypes.guess_type(path)[0] or "application/octet-stream")
    if shown_to == "public":
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS, immutable=True)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


def orphan_files(min_age_seconds, batch=1000):
    """(name, bytes) of the stored files older than `min_age_seconds` that no photo or document row names.

    Young files are left alone: a filing writes its photos before its transaction commits.
    """
    newest = datetime.now(UTC) - timedelta(seconds=min_age_seconds)
    pending = []
    for name, modified, size in default_storage.walk():
        if modified <= newest:
            pending.append((name, size))
        if len(pending) >= batch:
            yield from _unreferenced(pending)
            pending = []
    yield from _unreferenced(pending)


def copy_files(source, target, delete_source=False, say=print):
    """Copy every file of storage `source` that `target` lacks (or holds at another size); with `delete_source`,
    then remove from `source` each file that `target` holds whole. Safe to run again: what is there is kept.
    Returns the counts: copied, already there, deleted from the source."""
    there = {name: size for name, _modified, size in target.walk()}
    files = sorted(source.walk())
    counts = {"copied": 0, "present": 0, "deleted": 0, "bytes": 0}
    say(f"{len(files)} files to look at; {len(there)} already in the target")
    for number, (name, _modified, size) in enumerate(files, 1):
        if there.get(name) == size:
            counts["present"] += 1
        else:
            if name in there:  # a copy cut short
                target.delete(name)
            with source.open(name) as content:
                saved = target.save(name, content)
            if saved != name:
                raise RuntimeError(f"The target stored {name} as {saved}: it renames files, stop here.")
            counts["copied"] += 1
            counts["bytes"] += size
        if delete_source:
            source.delete(name)
            counts["deleted"] += 1
        if number % PROGRESS_EVERY == 0:
            say(f"  {number}/{len(files)} files, {counts['copied']} copied, {counts['bytes'] / 1e6:.1f} MB")
    return counts


def _unreferenced(files):
    if not files:
        return []
    names = [name for name, _size in files]
    named = Photo.objects.filter(Q(image__in=names) | Q(thumbnail__in=names)).values_list("image", "thumbnail")
    kept = {name for pair in named for name in pair}
    kept.update(Document.objects.filter(file__in=names).values_list("file", flat=True))
    return [(name, size) for name, size in files if name not in kept]
