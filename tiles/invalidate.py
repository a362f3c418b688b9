"""Which report tiles changed: the version of each tile, renewed in PostgreSQL when a report in it changes.

A report tile is cached, and its ETag made, under the version of its z/x/y (tiles.models.TileVersion).
Triggers on reports_report renew it in the transaction of the change, whatever made the change (a save,
QuerySet.update(), raw SQL, a migration), at every zoom: nobody has to remember to call anything, and the
new version is seen exactly when the change is, so no request can cache the old state under it. The
version is read before the tile is made: a change committed in between is kept under the old version at
worst, never missed. Category and place names are in every tile: renaming one renews a version in the
cache, from the signals below. A missing cache version (expired, Redis flushed) is replaced by a new one,
never by an old one. The day is part of every version: "overdue" changes at midnight without any change.

A report tile request asks Redis once (report_tile_state: the names' version, the categories' version and the
tile kept under its z/x/y and filters) and PostgreSQL once (tiles.mvt.versioned_report_tile: the tile's version,
and the tile only when the one kept is not that version's).
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from config import versions
from reports import catalogue
from reports.models import Category, in_category
from tiles.models import TileVersion

# Category slugs are in every report tile: renaming one renews them all.
ALL_TILES_KEY = "tiles:version:all"
# Kelurahan and kecamatan names are in the kelurahan tiles: renaming one renews those.
NAMES_KEY = "tiles:version:names"
# Which categories there are and which are under which: the report tiles' ?category= is checked and turned into
# ids from a map each process keeps under the catalogue's version, renewed when any category is saved or deleted
# (reports/catalogue.py).
CATEGORIES_KEY = catalogue.VERSION_KEY


def _current(key, found=None):
    return versions.current(key, settings.TILES_CACHE_SECONDS, found)


def report_tile_state(entry_key):
    """(names' version, categories' version, the kept tile entry or None), in one round trip to Redis."""
    found = cache.get_many([ALL_TILES_KEY, CATEGORIES_KEY, entry_key])
    return (_current(ALL_TILES_KEY, found.get(ALL_TILES_KEY)), catalogue.version(found.get(CATEGORIES_KEY)),
            found.get(entry_key))


def stamp(names):
    """What a report tile's version adds to its z/x/y's: the category names' version and the city's day."""
    return f"{names}.{timezone.localdate():%Y%m%d}"


_categories = {"version": None, "ids": {}}


def category_ids(slug, version=None):
    """The ids a ?category= slug stands for (a main category includes its sub-categories), None for an unknown
    slug. From the map this process keeps under the categories' version (`version`, if already read): no query
    while no category changes; read afresh each time when the cache does not answer."""
    version = version or catalogue.version()
    if version is None or version != _categories["version"]:
        ids = {main: sorted(Category.objects.filter(in_category(main, prefix="")).values_list("pk", flat=True))
               for main in Category.objects.values_list("slug", flat=True)}
        _categories.update(version=version, ids=ids)
    return _categories["ids"].get(slug)


def version(z, x, y):
    """The current version of the report tile z/x/y (one primary-key read); None without the cache."""
    names = _current(ALL_TILES_KEY)
    tile = TileVersion.objects.filter(z=z, x=x, y=y).values_list("version", flat=True).first() or 0
    return names and f"{tile}.{names}.{timezone.localdate():%Y%m%d}"


def names_version():
    """The current version of the kelurahan tiles' names; None without the cache."""
    return _current(NAMES_KEY)


def place_renamed(sender, instance, **kwargs):
    """post_save of a Kelurahan or Kecamatan: the kelurahan tiles show their names."""
    versions.renew(NAMES_KEY, settings.TILES_CACHE_SECONDS)


def category_saved(sender, instance, created, **kwargs):
    """post_save of a Category: its slug is in the tiles (a new one is in none yet). Its place in the filters is
    the catalogue's version, which reports/apps.py renews."""
    if not created:
        versions.renew(ALL_TILES_KEY, settings.TILES_CACHE_SECONDS)
