"""Fetch the basemap tiles over the city into the cache, so that the server answers from its own disk."""

import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.management.base import BaseCommand, CommandError

from geo.models import Generation
from tiles import basemap, grid

# Few at a time: a tile server is someone else's machine.
WORKERS = 4


def zoom_range(text):
    low, _, high = text.partition("-")
    try:
        low, high = int(low), int(high or low)
    except ValueError:
        raise CommandError(f"--zoom {text}: give a zoom or a range, e.g. 12-18.")
    if not 0 <= low <= high <= settings.BASEMAP_MAX_ZOOM:
        raise CommandError(f"--zoom {text}: zooms go from 0 to {settings.BASEMAP_MAX_ZOOM} (BASEMAP_MAX_ZOOM).")
    return range(low, high + 1)


def is_openstreetmap(url):
    host = (urlsplit(url).hostname or "").lower()
    return host == "tile.openstreetmap.org" or host.endswith(".tile.openstreetmap.org")


def city_tiles(outline, zooms):
    """(z, x, y) of every tile that touches the city outline itself, not only its bounding box."""
    prepared = outline.prepared
    for z in zooms:
        for x, y in grid.tiles_covering(*outline.extent, z):
            if prepared.intersects(Polygon.from_bbox(grid.lonlat_bounds(z, x, y))):
                yield z, x, y


class Command(BaseCommand):
    help = "Fetch the basemap tiles over the city into the cache (not from OpenStreetMap's own tile servers)."

    def add_arguments(self, parser):
        parser.add_argument("--zoom", default="12-18", help="a zoom or a range, e.g. 12-18 (default)")

    def handle(self, zoom, **options):
        zooms = zoom_range(zoom)
        if settings.BASEMAP_MBTILES:
            self.stdout.write(f"BASEMAP_MBTILES is set: every tile comes from {settings.BASEMAP_MBTILES}, "
                              "there is nothing to fetch.")
            return
        if is_openstreetmap(settings.BASEMAP_URL):
            raise CommandError(
                f"BASEMAP_URL is {settings.BASEMAP_URL}: OpenStreetMap's tile usage policy forbids bulk "
                "downloading from its tile servers (https://operations.osmfoundation.org/policies/tiles/). "
                "The cache still fills as people look at the map. To seed, point BASEMAP_URL at a tile server "
                "that allows it (your own, or a provider's), or use BASEMAP_MBTILES."
            )
        generation = Generation.objects.current()
        if generation is None:
            raise CommandError("No boundaries are loaded: run `manage.py setup_city` first.")
        tiles = list(city_tiles(generation.outline, zooms))
        counts = {"fetched": 0, "cache": 0, "failed": 0}
        fetched_bytes = 0
        with ThreadPoolExecutor(WORKERS) as pool:
            for done, (source, size) in enumerate(pool.map(self.fetch, tiles), start=1):
                counts[source] += 1
                fetched_bytes += size if source == "fetched" else 0
                self.progress(done, len(tiles))
        self.stdout.write(
            f"{len(tiles):,} tiles at zoom {zooms.start}-{zooms.stop - 1} over the city: {counts['fetched']:,} "
            f"fetched ({fetched_bytes / 1024 / 1024:.1f} MB), {counts['cache']:,} already in the cache, "
            f"{counts['failed']:,} failed. The cache holds {basemap.cached_bytes() / 1024 / 1024:.1f} MB of "
            f"{settings.BASEMAP_CACHE_MB:,} MB (BASEMAP_CACHE_MB)."
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']:,} tiles failed; run the command again to fetch them.")

    def fetch(self, tile):
        """('fetched' | 'cache' | 'failed', bytes) for one tile."""
        try:
            got = basemap.get(*tile)
        except (basemap.NotFound, basemap.Unavailable):
            return "failed", 0
        if got.source == "cache":
            return "cache", 0
        return ("failed", 0) if got.source == "stale" else ("fetched", len(got.data))

    def progress(self, done, total):
        """A bar on stderr, redrawn in place on a terminal, every tenth otherwise."""
        if done != total and not (sys.stderr.isatty() or done % max(1, total // 10) == 0):
            return
        width = 30
        filled = width * done // total
        end = "\n" if done == total or not sys.stderr.isatty() else ""
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} tiles", style_func=str,
                          ending=end)
