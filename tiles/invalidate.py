"""Which report tiles changed: the version of each tile, renewed in PostgreSQL when a report in it changes.

A report tile is cached, and its ETag made, under the version of its z/x/y (tiles.models.TileVersion).
Triggers on reports_report renew it in the transaction of the change, whatever made the change (a save,
QuerySet.update(), raw SQL, a migration), at every zoom: nobody has to remember to call anything, and the
new version is seen exactly when the change is, so no request can cache the old state under it. The
version is read before the tile is made: a change committed in between is kept under the old version at
worst, never missed. Category and place names are in every tile: renaming one renews a version in the
cache, from the signals below. A missing cache version (expired, Redis flushed) is replaced by a new one,
never by an old one. The day is part of every version: "overdue" changes at midnight without any change.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tiles.models import TileVersion

# Category slugs are in every report tile: renaming one renews them all.
ALL_TILES_KEY = "tiles:version:all"
# Kelurahan and kecamatan names are in the kelurahan tiles: renaming one renews those.
NAMES_KEY = "tiles:version:names"


def _current(key):
    """The version under `key`, or None when the cache does not answer (nothing can be kept then)."""
    found = cache.get(key)
    if found is None:
        cache.add(key, secrets.token_hex(8), settings.TILES_CACHE_SECONDS)
        found = cache.get(key)
    return found


def version(z, x, y):
    """The current version of the report tile z/x/y (one primary-key read); None without the cache."""
    names = _current(ALL_TILES_KEY)
    tile = TileVersion.objects.filter(z=z, x=x, y=y).values_list("version", flat=True).first() or 0
    return names and f"{tile}.{names}.{timezone.localdate():%Y%m%d}"


def names_version():
    """The current version of the kelurahan tiles' names; None without the cache."""
    return _current(NAMES_KEY)


def _renew(key):
    transaction.on_commit(lambda: cache.set(key, secrets.token_hex(8), settings.TILES_CACHE_SECONDS))


def place_renamed(sender, instance, **kwargs):
    """post_save of a Kelurahan or Kecamatan: the kelurahan tiles show their names."""
    _renew(NAMES_KEY)


def category_saved(sender, instance, created, **kwargs):
    if not created:
        _renew(ALL_TILES_KEY)
