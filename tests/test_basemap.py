"""The basemap through our cache, against a tile server on 127.0.0.1: caching, validation, stale tiles, the
size bound, an MBTiles file instead, and seed_tiles (which refuses OpenStreetMap's own servers)."""

import sqlite3
from pathlib import Path

import pytest
from django.contrib.gis.geos import Polygon
from django.core.management import CommandError

from geo.models import Generation
from tests.conftest import run
from tests.tileserver import FakeTileServer
from tiles import basemap, grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def upstream(settings):
    server = FakeTileServer()
    settings.BASEMAP_URL = server.url
    settings.BASEMAP_TIMEOUT_S = 2
    settings.OUTBOUND_USER_AGENT = "LaporPadangpanjang/1.0 (+https://lapor.example)"
    yield server
    server.close()


def test_a_tile_is_fetched_once_then_served_from_the_disk(client, upstream):
    first = client.get("/tiles/basemap/14/12761/8213.png")
    assert first.status_code == 200 and first.content == b"tile /14/12761/8213.png"
    assert first["Content-Type"] == "image/png" and first["X-Basemap"] == "upstream"
    again = client.get("/tiles/basemap/14/12761/8213.png")
    assert again.content == first.content and again["X-Basemap"] == "cache"
    assert upstream.paths() == ["/14/12761/8213.png"]
    assert upstream.requests[0][1]["User-Agent"] == "LaporPadangpanjang/1.0 (+https://lapor.example) basemap"
    assert "public" in again["Cache-Control"] and 3500 < int(again["Cache-Control"].split("max-age=")[1]) <= 3600


def test_an_expired_tile_is_asked_again_with_its_etag(client, upstream):
    upstream.cache_control = "max-age=0"
    client.get("/tiles/basemap/15/25523/16427.png")
    again = client.get("/tiles/basemap/15/25523/16427.png")
    assert again["X-Basemap"] == "revalidated" and again.content == b"tile /15/25523/16427.png"
    assert upstream.requests[1][1]["If-None-Match"] == '"24-/15/25523/16427.png"'


def test_no_store_is_not_stored(client, upstream):
    upstream.cache_control = "no-store"
    client.get("/tiles/basemap/15/25523/16427.png")
    assert client.get("/tiles/basemap/15/25523/16427.png")["X-Basemap"] == "upstream"
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("headers, seconds", [
    ({"Cache-Control": "public, max-age=600"}, 600),
    ({"Cache-Control": "max-age=600, s-maxage=900"}, 900),
    ({"Cache-Control": "no-cache"}, 0),
    ({"Date": "Sun, 01 Nov 2026 10:00:00 GMT", "Expires": "Sun, 01 Nov 2026 10:02:00 GMT"}, 120),
    ({"Expires": "0"}, 0),
    ({}, 7 * 86400),
])
def test_the_upstream_says_how_long_a_tile_stays_fresh(headers, seconds):
    assert basemap.freshness(headers, now=0) == seconds


def test_the_old_tile_is_served_while_the_upstream_is_down(client, upstream):
    upstream.cache_control = "max-age=0"
    client.get("/tiles/basemap/16/51047/32852.png")
    upstream.down = True
    stale = client.get("/tiles/basemap/16/51047/32852.png")
    assert stale.status_code == 200 and stale["X-Basemap"] == "stale"
    assert stale.content == b"tile /16/51047/32852.png" and "max-age=60" in stale["Cache-Control"]
    assert client.get("/tiles/basemap/16/51047/32853.png").status_code == 502  # never fetched: nothing to serve


def test_a_tile_the_upstream_lacks_is_a_404(client, upstream):
    upstream.missing = True
    assert client.get("/tiles/basemap/16/51047/32852.png").status_code == 404


def test_an_unreachable_upstream_with_nothing_cached_is_a_502(client):
    assert client.get("/tiles/basemap/12/3190/2053.png").status_code == 502


@pytest.mark.parametrize("path", ["20/0/0", "3/8/0", "3/0/8"])
def test_a_basemap_tile_outside_the_grid_or_past_the_max_zoom_is_a_404(client, upstream, path):
    assert client.get(f"/tiles/basemap/{path}.png").status_code == 404
    assert upstream.requests == []


def test_past_its_size_bound_the_cache_drops_the_tiles_served_longest_ago(client, upstream, settings):
    settings.BASEMAP_CACHE_MB = 1
    upstream.size = 400_000
    (_, x, top), = grid.tiles_at(100.405, -0.4665, [17])  # in the city

    def get(row):
        return client.get(f"/tiles/basemap/17/{x}/{top + row}.png")

    for row in (1, 2):
        get(row)
    assert get(1)["X-Basemap"] == "cache"  # 1 was served after 2
    get(3)  # 1.2 MB: over the bound
    kept = sorted(int(path.stem) - top for path in Path(settings.BASEMAP_CACHE_DIR).glob(f"*/17/{x}/*.tile"))
    assert kept == [1, 3]
    assert basemap.cached_bytes() <= 1024 * 1024 * basemap.EVICT_TO
    assert get(2)["X-Basemap"] == "upstream"


def test_tiles_far_from_the_city_are_not_fetched_for_anyone(client, upstream):
    assert client.get("/tiles/basemap/17/0/1.png").status_code == 404
    assert client.get("/tiles/basemap/8/0/0.png").status_code == 404
    assert upstream.paths() == []
    assert client.get("/tiles/basemap/8/199/127.png").status_code == 200  # the city's own zoom-8 tile


def test_an_upstream_answer_that_is_not_an_image_is_not_served(client, upstream):
    upstream.content_type = "text/html"
    assert client.get("/tiles/basemap/14/12761/8213.png").status_code == 502


def test_another_upstream_does_not_see_the_first_ones_tiles(client, upstream, settings):
    client.get("/tiles/basemap/14/12761/8213.png")
    settings.BASEMAP_URL = upstream.url.replace(".png", ".png?style=2")
    assert client.get("/tiles/basemap/14/12761/8213.png")["X-Basemap"] == "upstream"


@pytest.fixture
def mbtiles(tmp_path, settings):
    path = tmp_path / "padangpanjang.mbtiles"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.execute("INSERT INTO metadata VALUES ('format', 'jpg')")
        # TMS rows count from the bottom: XYZ 14/12761/8213 is row 2^14 - 1 - 8213 = 8170.
        db.execute("INSERT INTO tiles VALUES (14, 12761, 8170, ?)", (b"jpeg bytes",))
    settings.BASEMAP_MBTILES = str(path)
    return path


def test_an_mbtiles_file_replaces_the_upstream(client, upstream, mbtiles):
    response = client.get("/tiles/basemap/14/12761/8213.png")
    assert response.content == b"jpeg bytes" and response["Content-Type"] == "image/jpeg"
    assert response["X-Basemap"] == "mbtiles"
    assert client.get("/tiles/basemap/14/12761/8170.png").status_code == 404
    assert upstream.requests == []


def test_a_missing_mbtiles_file_is_a_502(client, settings, tmp_path):
    settings.BASEMAP_MBTILES = str(tmp_path / "nowhere.mbtiles")
    assert client.get("/tiles/basemap/14/12761/8213.png").status_code == 502


def test_seed_tiles_fetches_the_tiles_over_the_city_outline_and_counts_them(upstream):
    upstream.size = 1000
    summary = run("seed_tiles", zoom="12-14")
    outline = Generation.objects.current().outline
    fetched = {tuple(int(n) for n in path.removesuffix(".png").strip("/").split("/")) for path in upstream.paths()}
    boxed = {(z, x, y) for z in (12, 13, 14) for x, y in grid.tiles_covering(*outline.extent, z)}
    # Every tile touching the outline, and none of the bounding box's tiles that miss it.
    assert fetched == {t for t in boxed if outline.intersects(Polygon.from_bbox(grid.lonlat_bounds(*t)))}
    assert len(fetched) < len(boxed) and len(upstream.requests) == len(fetched)
    count = len(fetched)
    assert f"{count} tiles at zoom 12-14 over the city: {count} fetched ({count * 1000 / 1024 / 1024:.1f} MB), " \
           "0 already in the cache, 0 failed." in summary
    again = run("seed_tiles", zoom="12-14")
    assert f"0 fetched (0.0 MB), {count} already in the cache, 0 failed." in again
    assert len(upstream.requests) == count


def test_seed_tiles_reports_failures_and_exits_non_zero(upstream):
    upstream.down = True
    with pytest.raises(CommandError, match="tiles failed"):
        run("seed_tiles", zoom="12")


@pytest.mark.parametrize("url", ["https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                                 "https://a.tile.openstreetmap.org/{z}/{x}/{y}.png"])
def test_seed_tiles_refuses_openstreetmaps_own_tile_servers(settings, url):
    settings.BASEMAP_URL = url
    with pytest.raises(CommandError, match="usage policy forbids bulk downloading"):
        run("seed_tiles", zoom="12-18")


def test_seed_tiles_checks_the_zoom(upstream):
    with pytest.raises(CommandError, match="zooms go from 0 to 19"):
        run("seed_tiles", zoom="12-20")
    assert upstream.requests == []


def test_every_map_takes_its_basemap_from_our_server(client):
    page = client.get("/").content.decode()
    assert "/tiles/basemap/{z}/{x}/{y}.png" in page and "tile.openstreetmap.org" not in page
    assert "OpenStreetMap</a> contributors" in page
