"""assets_nearest(): the nearest-asset search as a PL/pgSQL function, whose statement PostgreSQL plans once per
session (assets.picking.nearest). Planning the statement on every call cost more than running it."""

from django.db import migrations

NEAREST = """
CREATE OR REPLACE FUNCTION assets_nearest(p_kind bigint, p_lon float8, p_lat float8, p_degrees float8,
                                          p_candidates int, p_metres float8, p_limit int, p_spread float8)
RETURNS TABLE (id bigint, kind_id bigint, generation_id bigint, identifier varchar, attributes jsonb,
               crew_id bigint, distance_m float8, geojson text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    here geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
BEGIN
    -- The `<->` index order (in degrees) within a box gives the candidates; the exact distance (on the spheroid)
    -- is taken only for those that can be among the p_limit nearest in metres: a degree east and a degree north
    -- differ in metres by at most the factor p_spread.
    RETURN QUERY
    SELECT c.id, c.kind_id, c.generation_id, c.identifier, c.attributes, c.crew_id, c.distance_m,
           ST_AsGeoJSON(c.geometry, 7)
    FROM (
        SELECT ranked.*, ST_Distance(ranked.geometry::geography, here::geography) AS distance_m
        FROM (
            SELECT near.*, nth_value(near.planar, p_limit) OVER (
                ORDER BY near.planar ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS kth
            FROM (
                SELECT a.id, a.kind_id, a.generation_id, a.identifier, a.attributes, a.crew_id, a.geometry,
                       a.geometry <-> here AS planar
                FROM assets_asset a
                WHERE a.generation_id = (SELECT g.id FROM assets_assetgeneration g
                                         WHERE g.kind_id = p_kind AND g.active)
                  AND a.geometry && ST_Expand(here, p_degrees)
                ORDER BY a.geometry <-> here
                LIMIT p_candidates
            ) near
        ) ranked
        WHERE ranked.kth IS NULL OR ranked.planar <= ranked.kth * p_spread
    ) c
    WHERE c.distance_m <= p_metres
    ORDER BY c.distance_m
    LIMIT p_limit;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_asset_layers")]

    operations = [
        migrations.RunSQL(NEAREST, "DROP FUNCTION IF EXISTS assets_nearest(bigint, float8, float8, float8, int, "
                                   "float8, int, float8)"),
    ]
