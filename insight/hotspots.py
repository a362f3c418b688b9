"""Hotspots and recurrence: where open reports gather, and where a fixed problem came back.

Public reports with a place only (hidden ones are abuse or personal data, private complaints are often about a person,
and a complaint without a place has nowhere to gather) and nothing personal: codes, categories, places and
dates. Both are queries of the moment, bounded for a table of millions: hotspots read open reports only (the
reports_category_status index; a box narrows them through the location index), recurrence the fixes of a window
of months, each probing an index of place (in metres) and filing time for what came back near it.
"""

import json
from datetime import timedelta

from django.db import connections
from django.urls import reverse
from django.utils import timezone

from config.db_router import replica_alias
from reports.models import OPEN_STATUSES, in_language

# The city's metric projection (UTM 47S): DBSCAN's eps in metres.
METRIC_SRID = 32747

# Open reports clustered per category with DBSCAN (eps metres, minpoints reports); reports in no cluster are left
# out. Each cluster's hull and centroid are computed in metres and returned in longitude, latitude. PostgreSQL
# writes the whole array of GeoJSON features (text): the API sends it as it is, thousands of reports in a city-wide
# answer cost Python nothing; a report's URL is `url_start` || code || `url_end` (report_url_parts).
HOTSPOTS_SQL = """
WITH open AS (
    SELECT r.code, r.category_id, ST_Transform(r.location, {srid}) AS xy
    FROM reports_report r
    WHERE r.status = ANY(%(open)s) AND NOT r.hidden AND NOT r.private AND r.location IS NOT NULL {where}
), clustered AS (
    SELECT *, ST_ClusterDBSCAN(xy, eps := %(eps)s, minpoints := %(minpoints)s)
              OVER (PARTITION BY category_id) AS cluster
    FROM open
), gathered AS (
    SELECT c.slug, {category_name} AS category_name, count(*) AS count, ST_Collect(xy) AS points,
           json_agg(json_build_object('code', code, 'url', %(url_start)s || code || %(url_end)s) ORDER BY code)
               AS reports,
           row_number() OVER (ORDER BY count(*) DESC, min(code)) AS number
    FROM clustered JOIN reports_category c ON c.id = clustered.category_id
    LEFT JOIN reports_category cp ON cp.id = c.parent_id
    WHERE cluster IS NOT NULL
    GROUP BY c.id, cp.id, cluster
)
{select}
"""
HULL = "ST_AsGeoJSON(ST_Transform(ST_ConvexHull(points), 4326), 6)::json"
CENTROID = "ST_AsGeoJSON(ST_Transform(ST_Centroid(points), 4326), 6)::json -> 'coordinates'"
CLUSTERS = f"""coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', slug || '-' || number, 'geometry', {HULL},
    'properties', json_build_object(
        'cluster', slug || '-' || number, 'category', slug, 'category_name', category_name, 'count', count,
        'centroid', {CENTROID}, 'reports', reports)) ORDER BY number), '[]')::text"""
# Every cluster (the API, the CSV).
ALL_CLUSTERS = f"SELECT {CLUSTERS} FROM gathered"
# What the page shows: the `listed` largest clusters, every cluster as its map draws it (its hull, centroid, category
# name and count: the list and the downloads carry the reports) written to go inside the page's <script> as it is
# (script_safe), and how many there are.
CLUSTER_DRAWN = f"""coalesce(json_agg(json_build_object(
    'type', 'Feature', 'geometry', {HULL},
    'properties', json_build_object('category_name', category_name, 'count', count, 'centroid', {CENTROID}))
    ORDER BY number), '[]')::text"""


def script_safe(json_text):
    """SQL for the JSON text `json_text` with <, > and & escaped as JSON allows (as Django's json_script does): safe
    inside a page's <script> as it is, never parsed in Python."""
    return f"replace(replace(replace({json_text}, '<', '\\u003C'), '>', '\\u003E'), '&', '\\u0026')"


PAGE_CLUSTERS = f"""
SELECT (SELECT {CLUSTERS} FROM gathered WHERE number <= %(listed)s), {script_safe(CLUSTER_DRAWN)}, count(*)
FROM gathered
"""

# The largest clusters and recurring places the page lists; its map draws them all, the downloads hold them all.
PAGE_LIST = 100
# How long after a fix a report of the same problem counts as its coming back, and the months of fixes looked at,
# unless a planner asks otherwise.
RECURRENCE_DAYS = 90
RECURRENCE_MONTHS = 3

# A fix in the window, and the public reports of the same main category filed within `days` days after it that
# are about the same thing (neither rejected nor merged into another: a merged copy is its original's report):
# on the same asset (its kind and identifier, any generation) whatever the distance, or, where either report names
# no asset, within the fixed report's category's duplicate radius (true metres on the spheroid). Two reports on
# different assets are different things, however close.
#
# Each fix is one probe of insight_xy_and_time (GiST over the place in UTM 47S and the filing time): planar metres
# there are 0.99989-0.99992 of true ones in the city, so the probe takes the radius 0.1 % wider and the spheroid's
# ST_DWithin decides, on the few reports the probe returns (behind OFFSET 0: given the spheroid's test inside, the
# planner may AND the location's geography index with the filing time's instead, several times slower). A fix on
# an asset also probes the reports' asset and filing time (insight_asset_and_time), UNION-ed so a report found both
# ways counts once; a fix on no asset skips that branch. The probes return what the features need: no join back to
# the reports. The fixes are probed in geohash order: neighbours one after another find the index's pages at hand.
# PostgreSQL writes the whole array of GeoJSON features (text): the API sends it as it is; a report's URL is
# `url_start` || code || `url_end`.
CAME_BACK = ("b.created > a.fixed_at AND b.created <= a.fixed_at + make_interval(days => %(days)s) "
             "AND NOT b.hidden AND NOT b.private AND b.status NOT IN ('ditolak', 'duplikat') AND b.id <> a.id "
             "AND b.category_id = ANY(a.family)")
RECURRENCE_SQL = """
WITH categories AS MATERIALIZED (
    SELECT c.id, c.slug, {category_name} AS category_name, c.duplicate_radius_m AS radius,
           ARRAY(SELECT x.id FROM reports_category x
                 WHERE coalesce(x.parent_id, x.id) = coalesce(c.parent_id, c.id)) AS family
    FROM reports_category c LEFT JOIN reports_category cp ON cp.id = c.parent_id
), fixes AS (
    SELECT a.id, a.code, a.fixed_at, a.location, ST_Transform(a.location, {srid}) AS xy, c.slug, c.category_name,
           c.radius, c.family, aa.id AS asset_id, aa.kind_id AS asset_kind, aa.identifier AS asset_identifier
    FROM reports_report a JOIN categories c ON c.id = a.category_id
    LEFT JOIN assets_asset aa ON aa.id = a.asset_id
    WHERE a.fixed_at >= %(since)s AND NOT a.hidden AND NOT a.private AND a.location IS NOT NULL {where}
    ORDER BY ST_GeoHash(a.location, 8)
), places AS (
    SELECT a.code, a.slug, a.category_name, a.fixed_at, a.location, back.count, back.came_back
    FROM fixes a CROSS JOIN LATERAL (
        SELECT count(*) AS count, json_agg(json_build_object(
                   'code', b.code, 'url', %(url_start)s || b.code || %(url_end)s, 'filed', {filed},
                   'distance_m', round(ST_Distance(a.location::geography, b.location::geography))::int)
                   ORDER BY b.created, b.code) AS came_back
        FROM (
            SELECT * FROM (
                SELECT b.id, b.code, b.created, b.location FROM reports_report b
                WHERE ST_DWithin(ST_Transform(b.location, {srid}), a.xy, a.radius * 1.001) AND {came_back}
                  AND (a.asset_id IS NULL OR b.asset_id IS NULL OR EXISTS (
                      SELECT FROM assets_asset ba
                      WHERE ba.id = b.asset_id AND ba.kind_id = a.asset_kind AND ba.identifier = a.asset_identifier))
                OFFSET 0
            ) near WHERE ST_DWithin(near.location::geography, a.location::geography, a.radius)
            UNION
            SELECT b.id, b.code, b.created, b.location FROM assets_asset ba JOIN reports_report b ON b.asset_id = ba.id
            WHERE a.asset_id IS NOT NULL AND ba.kind_id = a.asset_kind AND ba.identifier = a.asset_identifier
              AND {came_back}
        ) b
    ) back
    WHERE back.count > 0
)
{select}
"""
# A place as a GeoJSON feature, and the order of the places: the largest first.
RECURRING_FEATURE = """json_build_object(
    'type', 'Feature', 'id', code, 'geometry', ST_AsGeoJSON(location, 6)::json,
    'properties', json_build_object(
        'fixed', json_build_object('code', code, 'url', %(url_start)s || code || %(url_end)s, 'fixed_at', {fixed_at}),
        'category', slug, 'category_name', category_name, 'count', count, 'came_back', came_back))"""
LARGEST_FIRST = "count DESC, code"
FEATURES = f"coalesce(json_agg({RECURRING_FEATURE} ORDER BY {LARGEST_FIRST}), '[]')::text"
# Every place (the API, the CSV, an asset's history).
ALL_PLACES = f"SELECT {FEATURES} FROM places"
# What the page shows: the `listed` largest places as features, every place as its map draws it (its point, category
# name, count and fixed report's code: the lists and the downloads carry the rest) written to go inside the page's
# <script> as it is (script_safe), and how many there are.
RECURRING_DRAWN = f"""coalesce(json_agg(json_build_object(
    'type', 'Feature', 'geometry', ST_AsGeoJSON(location, 6)::json,
    'properties', json_build_object('category_name', category_name, 'count', count, 'fixed', code))
    ORDER BY {LARGEST_FIRST}), '[]')::text"""
PAGE_COLUMNS = f"""
(SELECT {FEATURES} FROM (SELECT * FROM places ORDER BY {LARGEST_FIRST} LIMIT %(listed)s) largest),
{script_safe(RECURRING_DRAWN)},
count(*)"""
PAGE_PLACES = f"SELECT {PAGE_COLUMNS} FROM places"
# Both at once, from one computation of the places (insight.kept).
KEPT_PLACES = f"SELECT (SELECT {FEATURES} FROM places), {PAGE_COLUMNS} FROM places"


def local_iso(moment):
    """SQL for the ISO 8601 text Python's `timezone.localtime(moment).isoformat()` gives, in the time zone
    %(zone)s: seconds, microseconds only when there are some, the zone's offset as +HH:MM."""
    local = f"(({moment}) AT TIME ZONE %(zone)s)"
    offset = f"({local} - (({moment}) AT TIME ZONE 'UTC'))"
    return (f"(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
            f"|| CASE WHEN date_trunc('second', {moment}) = {moment} THEN '' ELSE to_char({local}, '.US') END "
            f"|| CASE WHEN {offset} < INTERVAL '0' THEN '-' || to_char(-{offset}, 'HH24:MI') "
            f"ELSE '+' || to_char({offset}, 'HH24:MI') END)")


def category_name():
    """A category's name with its main category's, in the request's language ("Jalan: Berlubang")."""
    return in_language("coalesce(cp.name_id || ': ', '') || c.name_id", "coalesce(cp.name_en || ': ', '') || c.name_en")


def _filters(alias, box, categories, asset=None):
    where, params = "", {}
    if asset is not None:  # the fixes of this asset, in any generation
        where += (f" AND {alias}.asset_id IN (SELECT id FROM assets_asset "
                  f"WHERE kind_id = %(asset_kind)s AND identifier = %(asset_identifier)s)")
        params.update(asset_kind=asset.kind_id, asset_identifier=asset.identifier)
    if box is not None:
        where += f" AND {alias}.location && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)"
        params.update(zip(("west", "south", "east", "north"), box.extent, strict=True))
    if categories is not None:  # a category's ids with its sub-categories' (tiles.invalidate.category_ids)
        where += f" AND {alias}.category_id = ANY(%(categories)s)"
        params["categories"] = list(categories)
    return where, params


def hotspots_sql(box=None, categories=None, select=ALL_CLUSTERS):
    where, params = _filters("r", box, categories)
    sql = HOTSPOTS_SQL.format(srid=METRIC_SRID, where=where, category_name=category_name(), select=select)
    return sql, params


def recurrence_sql(box=None, categories=None, asset=None, select=ALL_PLACES):
    where, params = _filters("a", box, categories, asset)
    return RECURRENCE_SQL.format(select=select.format(fixed_at=local_iso("fixed_at")), where=where,
                                 came_back=CAME_BACK, category_name=category_name(), srid=METRIC_SRID,
                                 filed=local_iso("b.created")), params


def report_url_parts(site):
    """What comes before and after a code in a report's public URL, `site` the start: reversed once, not once per
    report (thousands in a city-wide answer)."""
    before, after = reverse("report-detail", args=["-code-"]).split("-code-")
    return f"{site}{before}", after


def _cluster_rows(select, eps, minpoints, box, categories, site, **more):
    sql, params = hotspots_sql(box, categories, select)
    start, end = report_url_parts(site)
    with connections[replica_alias()].cursor() as cursor:
        cursor.execute(sql, {**params, **more, "open": list(OPEN_STATUSES), "eps": eps, "minpoints": minpoints,
                             "url_start": start, "url_end": end})
        return cursor.fetchone()


def clusters_json(eps, minpoints, box=None, categories=None, site=""):
    """Clusters of open public reports, per category, as the JSON array (text) of their GeoJSON features (the hull
    as geometry, a point when the reports stand on one spot or a line), written by PostgreSQL; `categories` the
    ids to keep (None: all), `site` the start of the public URLs."""
    return _cluster_rows(ALL_CLUSTERS, eps, minpoints, box, categories, site)[0]


def clusters_page(listed, eps, minpoints, box=None, categories=None, site=""):
    """What the page shows of clusters_json (PAGE_CLUSTERS): the `listed` largest features, the JSON array (text)
    of the map's features of every cluster, safe inside a <script>, and how many there are."""
    largest, drawn, count = _cluster_rows(PAGE_CLUSTERS, eps, minpoints, box, categories, site, listed=listed)
    return json.loads(largest), drawn, count


def clusters(eps, minpoints, box=None, categories=None, site=""):
    """clusters_json's features as Python, for the page and the CSV."""
    return json.loads(clusters_json(eps, minpoints, box, categories, site))


def _recurrence_rows(select, days, since, box, categories, site, asset, **more):
    sql, params = recurrence_sql(box, categories, asset, select)
    start, end = report_url_parts(site)
    with connections[replica_alias()].cursor() as cursor:
        cursor.execute(sql, {**params, **more, "days": days, "since": since, "url_start": start, "url_end": end,
                             "zone": timezone.get_current_timezone_name()})
        return cursor.fetchone()


def recurrences_json(days, since, box=None, categories=None, site="", asset=None):
    """Places where a problem came back, as the JSON array (text) of their GeoJSON features, written by
    PostgreSQL, largest first: each fix of the window (`since`, an aware datetime; with `asset`, the fixes of that
    asset only) with the reports of the same main category filed within `days` days after it on the same asset, or
    within its category's duplicate radius where either names no asset (RECURRENCE_SQL); times in the current time
    zone, `site` the start of the public URLs."""
    return _recurrence_rows(ALL_PLACES, days, since, box, categories, site, asset)[0]


def recurrences_page(listed, days, since, box=None, categories=None, site=""):
    """What the page shows of recurrences_json (PAGE_PLACES): the `listed` largest features, the JSON array (text)
    of the map's features of every place, safe inside a <script>, and how many there are; neither the whole answer
    nor the map's is parsed in Python (22 and 6 MB at the bench's density)."""
    largest, drawn, count = _recurrence_rows(PAGE_PLACES, days, since, box, categories, site, None, listed=listed)
    return json.loads(largest), drawn, count


def recurrences_kept(listed, days, since, site):
    """recurrences_json and recurrences_page's at once, as PostgreSQL wrote them (text), for the whole city, from
    one computation of its places (insight.kept)."""
    return _recurrence_rows(KEPT_PLACES, days, since, None, None, site, None, listed=listed)


def window_start(months, now):
    """The first moment of a window of the last `months` months."""
    return now - timedelta(days=round(months * 30.44))


def recurrences(days, since, box=None, categories=None, site="", asset=None):
    """recurrences_json's features as Python, for the page, the CSV and an asset's history."""
    return json.loads(recurrences_json(days, since, box, categories, site, asset))
