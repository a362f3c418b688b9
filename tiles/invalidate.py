"""Which report tiles changed: a version per tile in the shared cache, renewed when a report in it changes.

A report tile is cached, and its ETag made, under the version of its z/x/y. Whatever
changes what a tile shows (a report filed, edited, moved, deleted, hidden or shown, a
status change, a support, a merge) renews the version of every tile holding the
report's point, at every zoom: 23 keys in one round trip, once the transaction has
committed, so no request can cache the old state under the new version. Saves and
deletes are caught by the signals below; the QuerySet.update() calls in reports/ call
touch_points or touch_reports themselves. A missing version (expired, Redis flushed)
is replaced by a new one, never by an old one, so a stale tile is never found again.
The day is part of every version: "overdue" changes at midnight without any change.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tiles import grid

# Category slugs are in every report tile: renaming one renews them all.
ALL_TILES_KEY = "tiles:version:all"
# Kelurahan and kecamatan names are in the kelurahan tiles: renaming one renews those.
NAMES_KEY = "tiles:version:names"


def _key(z, x, y):
    return f"tiles:version:{z}/{x}/{y}"


def _current(keys):
    """The versions under `keys`, or None when the cache does not answer (nothing can be kept then)."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(8), settings.TILES_CACHE_SECONDS)
            found[key] = cache.get(key)
    versions = [found[key] for key in keys]
    return None if None in versions else versions


def version(z, x, y):
    """The current version of the report tile z/x/y; None without the cache."""
    versions = _current([_key(z, x, y), ALL_TILES_KEY])
    return versions and ".".join([*versions, f"{timezone.localdate():%Y%m%d}"])


def names_version():
    """The current version of the kelurahan tiles' names; None without the cache."""
    versions = _current([NAMES_KEY])
    return versions and versions[0]


def touch_points(points):
    """Renew, on commit, the versions of the tiles holding these points (GEOS points)."""
    lonlat = [point.transform(4326, clone=True) if point.srid not in (None, 4326) else point
              for point in points if point is not None]
    keys = {_key(*tile) for point in lonlat for tile in grid.tiles_at(point.x, point.y)}
    if keys:
        transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, secrets.token_hex(8)),
                                                     settings.TILES_CACHE_SECONDS))


def touch_reports(reports):
    """touch_points for the stored points of a queryset of reports (before an update() changes them)."""
    touch_points(list(reports.values_list("location", flat=True)))


def touch_all():
    transaction.on_commit(lambda: cache.set(ALL_TILES_KEY, secrets.token_hex(8), settings.TILES_CACHE_SECONDS))


def place_renamed(sender, instance, **kwargs):
    """post_save of a Kelurahan or Kecamatan: the kelurahan tiles show their names."""
    transaction.on_commit(lambda: cache.set(NAMES_KEY, secrets.token_hex(8), settings.TILES_CACHE_SECONDS))


def report_saving(sender, instance, **kwargs):
    """pre_save: remember where a report was stored, in case this save moves it."""
    instance._stored_location = (
        sender.objects.filter(pk=instance.pk).values_list("location", flat=True).first() if instance.pk else None
    )


def report_saved(sender, instance, **kwargs):
    touch_points([instance.location, getattr(instance, "_stored_location", None)])


def report_deleted(sender, instance, **kwargs):
    touch_points([instance.location])


def category_saved(sender, instance, created, **kwargs):
    if not created:
        touch_all()
