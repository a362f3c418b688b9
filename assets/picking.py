"""Which asset a report is about: the nearest of the category's layer to the pin, the check of one a resident
picked, and an asset's history (every report on it, across generations) for crews, the desk and planners."""

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils.translation import gettext as _

from assets.models import Asset
from insight import hotspots
from reports.models import OPEN_STATUSES, Report, Status

# Candidates the `<->` index search hands to the exact distance on the spheroid (degrees are not metres).
KNN_CANDIDATES = 8
# Reports that say nothing about the asset's state: a rejected report, a merged duplicate.
NOT_FAILURES = [Status.DITOLAK, Status.DUPLIKAT]
# Every fix an asset ever had: its history has no window.
EVER = datetime(2000, 1, 1, tzinfo=UTC)

# The search is the function assets_nearest (migration assets/0002), planned once per session.
NEAREST_SQL = ("SELECT * FROM assets_nearest(%(kind)s, %(lon)s, %(lat)s, %(degrees)s, %(candidates)s, %(metres)s, "
               "%(limit)s, %(spread)s)")
DISTANCE_SQL = ("SELECT ST_Distance(geometry::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) "
                "FROM assets_asset WHERE id = %s")
ROW_FIELDS = ["id", "kind_id", "generation_id", "identifier", "attributes", "crew_id"]


def kind_of(category):
    """The asset kind a report of `category` names (a sub-category takes its main category's), or None."""
    if category is None:
        return None
    return category.asset_kind or (category.parent.asset_kind if category.parent_id else None)


def nearest(kind, lat, lon, metres=None, limit=1):
    """The assets of `kind`'s active generation within `metres` (ASSET_SNAP_M) of the point, nearest first, each
    with its `distance_m` and `geojson`. The GiST index's `<->` order picks the candidates; their distance is exact
    (assets_nearest, in PostgreSQL)."""
    metres = settings.ASSET_SNAP_M if metres is None else metres
    # The box around the point that holds every point `metres` away: a degree of longitude shrinks off the equator.
    north, east = 110_574, 111_320 * max(math.cos(math.radians(lat)), 0.01)  # metres in a degree, about
    degrees = metres / min(north, east)
    spread = max(north, east) / min(north, east) * 1.001
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL, {"lon": lon, "lat": lat, "kind": kind.pk, "degrees": degrees,
                                     "candidates": max(KNN_CANDIDATES, limit), "metres": metres, "limit": limit,
                                     "spread": spread})
        rows = cursor.fetchall()
    found = []
    for *fields, distance, geojson in rows:
        # The row as Django would load it, its geometry deferred (read on use); the map takes its GeoJSON.
        asset = Asset.from_db(connection.alias, ROW_FIELDS, fields)
        if isinstance(asset.attributes, str):
            asset.attributes = json.loads(asset.attributes)
        asset.kind, asset.distance_m, asset.geojson = kind, distance, geojson
        found.append(asset)
    return found


def check(asset, category, lat, lon):
    """Refuse (ValidationError on the field `asset`) an asset that is not of the category's kind, not of its
    kind's active generation, or farther than ASSET_SNAP_M from the pin."""
    kind = kind_of(category)
    if kind is None or asset.kind_id != kind.pk:
        raise ValidationError({"asset": _("This asset is not of the kind this category names.")})
    if not asset.generation.active:
        raise ValidationError({"asset": _("This asset is no longer on the map; choose it again.")})
    with connection.cursor() as cursor:
        cursor.execute(DISTANCE_SQL, [lon, lat, asset.pk])
        (distance,), = cursor.fetchall()
    if distance > settings.ASSET_SNAP_M:
        raise ValidationError({"asset": _("This asset is farther than %(metres)d m from the pin.")
                               % {"metres": settings.ASSET_SNAP_M}})


@dataclass
class History:
    asset: Asset
    reports: list
    failures: int
    fixes: int
    recurrences: int
    came_back: frozenset  # the codes of the reports that count as recurrences


def same_asset(asset):
    """Reports on this asset in any generation (its kind and identifier)."""
    return Q(asset__kind_id=asset.kind_id, asset__identifier=asset.identifier)


def history(asset, reports=None):
    """Every report on the asset (of `reports`, by default all), oldest first, with the counts a crew reads:
    failures (reports that were not rejected or merged), fixes, and recurrences: the public reports that came back
    within RECURRENCE_DAYS after a fix of this asset, by the planners' recurrence (insight.hotspots) and no other
    rule."""
    reports = (reports if reports is not None else Report.objects.all())
    found = list(reports.filter(same_asset(asset)).select_related("category").order_by("created"))
    failures = [report for report in found if report.status not in NOT_FAILURES]
    fixes = [report.fixed_at for report in failures if report.fixed_at]
    came_back = {later["code"] for fix in hotspots.recurrences(hotspots.RECURRENCE_DAYS, EVER, asset=asset)
                 for later in fix["properties"]["came_back"]}
    return History(asset, found, len(failures), len(fixes), len(came_back), frozenset(came_back))


def repeated_failures(kind, since=None, at_least=2):
    """Assets of `kind` with at least `at_least` failures reported (since `since`), most first: rows of
    identifier, reports, open, first and last report."""
    reports = Report.objects.filter(asset__kind=kind).exclude(status__in=NOT_FAILURES)
    if since is not None:
        reports = reports.filter(created__gte=since)
    return (reports.values("asset__identifier")
            .annotate(reports=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                first=Min("created"), last=Max("created"))
            .filter(reports__gte=at_least).order_by("-reports", "asset__identifier"))
