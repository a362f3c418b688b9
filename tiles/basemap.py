"""The basemap through our own server: a disk cache in front of BASEMAP_URL, or an MBTiles file instead of it.

A phone on weak data gets its basemap from the city's server rather than a distant
tile server, and a seeded cache (manage.py seed_tiles) answers from the server's own
disk. The cache keeps each tile as long as the upstream's Cache-Control max-age (or
Expires) says, asks again with the tile's validators after that, and serves the old
tile when the upstream does not answer. It is bounded (BASEMAP_CACHE_MB): past the
bound, the tiles served longest ago go first. With BASEMAP_MBTILES set, tiles come
from that SQLite file alone, for an installation with no internet at all.
"""

import email.utils
import hashlib
import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from config import outbound

logger = logging.getLogger(__name__)

# How long a browser may keep a tile served stale, or one from an MBTiles file.
STALE_MAX_AGE = 60
MBTILES_MAX_AGE = 7 * 86400
MBTILES_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
# The cache's size in bytes, shared by every worker; recounted from the disk when missing.
SIZE_KEY = "tiles:basemap:bytes"
# Eviction leaves this share of the bound, so that it does not run again at the next tile.
EVICT_TO = 0.9


class NotFound(Exception):
    """The upstream (or the MBTiles file) has no such tile."""


class Unavailable(Exception):
    """The upstream did not answer and there is no copy of the tile."""


@dataclass
class Tile:
    data: bytes
    content_type: str
    max_age: int  # seconds a browser may keep it
    source: str  # cache, upstream, revalidated, stale or mbtiles


def get(z, x, y):
    """The basemap tile z/x/y (valid for the grid); raises NotFound or Unavailable."""
    if settings.BASEMAP_MBTILES:
        return _from_mbtiles(z, x, y)
    try:
        return _get(z, x, y)
    except FileNotFoundError:  # another worker evicted it while we read it: fetch it again
        return _get(z, x, y)


def _get(z, x, y):
    path = _tile_path(z, x, y)
    meta = _read_meta(path)
    now = time.time()
    if meta and meta["expires"] > now:
        os.utime(path)  # served now: the last to be evicted
        return Tile(path.read_bytes(), meta["content_type"], int(meta["expires"] - now), "cache")
    headers = {}
    if meta and meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta and meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    url = settings.BASEMAP_URL.format(z=z, x=x, y=y)
    try:
        response = outbound.request("GET", url, "basemap", headers=headers)  # within BASEMAP_TIMEOUT_S
    except outbound.Error as error:
        return _stale(path, meta, error)
    lifetime = freshness(response.headers, now)
    if response.status == 304 and meta:
        meta["expires"] = now + lifetime
        _write(path.with_suffix(".json"), json.dumps(meta).encode())
        os.utime(path)
        return Tile(path.read_bytes(), meta["content_type"], lifetime, "revalidated")
    if response.status == 404:
        raise NotFound(url)
    if response.status != 200:
        return _stale(path, meta, f"{url}: HTTP {response.status}")
    content_type = response.headers.get("Content-Type", "image/png")
    if not content_type.startswith("image/"):  # an error page is not a tile, and is not served from our domain
        return _stale(path, meta, f"{url}: {content_type}, not an image")
    tile = Tile(response.content, content_type, lifetime, "upstream")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        _store(path, tile, now + lifetime, response.headers)
    return tile


def freshness(headers, now):
    """Seconds the upstream lets us keep its answer: s-maxage or max-age, else Expires, else our default."""
    directives = {}
    for part in headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value
    if "no-cache" in directives:
        return 0
    for name in ("s-maxage", "max-age"):
        if directives.get(name, "").isdigit():
            return int(directives[name])
    if headers.get("Expires"):
        try:
            expires = email.utils.parsedate_to_datetime(headers["Expires"]).timestamp()
        except (TypeError, ValueError):
            return 0  # an invalid Expires means already expired (RFC 9111)
        try:
            date = email.utils.parsedate_to_datetime(headers["Date"]).timestamp() if headers.get("Date") else now
        except (TypeError, ValueError):
            date = now
        return max(0, int(expires - date))
    return settings.BASEMAP_DEFAULT_MAX_AGE


def _stale(path, meta, error):
    logger.warning("Basemap upstream failed: %s", error, extra={"event": "upstream_error", "upstream": "basemap"})
    if meta is None:
        raise Unavailable(str(error))
    return Tile(path.read_bytes(), meta["content_type"], STALE_MAX_AGE, "stale")


def _cache_root():
    """Where this upstream's tiles are kept: another BASEMAP_URL never serves these."""
    return Path(settings.BASEMAP_CACHE_DIR) / hashlib.sha256(settings.BASEMAP_URL.encode()).hexdigest()[:12]


def _tile_path(z, x, y):
    return _cache_root() / str(z) / str(x) / f"{y}.tile"


def _read_meta(path):
    """The stored tile's metadata, or None when there is no complete copy on disk."""
    try:
        meta = json.loads(path.with_suffix(".json").read_bytes())
        return meta if path.exists() else None
    except (OSError, ValueError):
        return None


def _store(path, tile, expires, headers):
    meta = {"expires": expires, "content_type": tile.content_type, "etag": headers.get("ETag"),
            "last_modified": headers.get("Last-Modified")}
    meta_path = path.with_suffix(".json")
    before = sum(p.stat().st_size for p in (path, meta_path) if p.exists())
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, tile.data)
    _write(meta_path, json.dumps(meta).encode())
    _count(path.stat().st_size + meta_path.stat().st_size - before)


def _write(path, data):
    """Readers see the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    partial.write_bytes(data)
    os.replace(partial, path)


def _count(added):
    try:
        total = cache.incr(SIZE_KEY, added)
    except ValueError:
        total = cached_bytes()
        cache.set(SIZE_KEY, total, None)
    if total is not None and total > settings.BASEMAP_CACHE_MB * 1024 * 1024:  # None: Redis is down
        evict()


def _stored_tiles():
    """(last served, bytes, tile path) of every tile in the cache, whatever its upstream."""
    for tile in Path(settings.BASEMAP_CACHE_DIR).glob("*/*/*/*.tile"):
        try:
            meta_size = tile.with_suffix(".json").stat().st_size if tile.with_suffix(".json").exists() else 0
            stat = tile.stat()
        except FileNotFoundError:
            continue  # evicted by another worker meanwhile
        yield stat.st_mtime, stat.st_size + meta_size, tile


def cached_bytes():
    return sum(size for _, size, _ in _stored_tiles())


def evict():
    """Remove the tiles served longest ago until the cache holds EVICT_TO of its bound."""
    stored = sorted(_stored_tiles())
    total = sum(size for _, size, _ in stored)
    keep = settings.BASEMAP_CACHE_MB * 1024 * 1024 * EVICT_TO
    for _, size, tile in stored:
        if total <= keep:
            break
        tile.with_suffix(".json").unlink(missing_ok=True)
        tile.unlink(missing_ok=True)
        total -= size
    cache.set(SIZE_KEY, total, None)


def _from_mbtiles(z, x, y):
    """MBTiles rows count from the bottom (TMS): row = 2^z - 1 - y."""
    uri = Path(settings.BASEMAP_MBTILES).resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            row = db.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                             (z, x, 2**z - 1 - y)).fetchone()
            kind = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
    except sqlite3.Error as error:
        raise Unavailable(f"{settings.BASEMAP_MBTILES}: {error}")
    if row is None:
        raise NotFound(f"{settings.BASEMAP_MBTILES}: {z}/{x}/{y}")
    content_type = MBTILES_TYPES.get(str(kind[0]).lower() if kind else "png", "image/png")
    return Tile(bytes(row[0]), content_type, MBTILES_MAX_AGE, "mbtiles")
