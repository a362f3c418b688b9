"""Hotspots, recurrence and response times: pages for planners, dispatchers and administrators, their GeoJSON,
JSON and CSV. Thin views over insight.hotspots and insight.times; public reports only and nothing personal in any
of them, but the pages are staff's: each request runs a clustering or a spatial join with the caller's
parameters, a cost the public site does not offer to anyone (docs/api.md)."""

import gzip
import json
import re
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from insight import hotspots, kept, times
from reports import representation, roles
from reports.api.params import BBoxQuery, checked
from reports.interop.exports import spreadsheet_stream
from reports.models import Category
from reports.views import role_required
from tiles import invalidate

planners = role_required(roles.sees_hidden)
# How GZipMiddleware sees that a client takes gzip.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def planners_api(view):
    """The API's form of the same check: a JSON 401 or 403, never a sign-in page."""
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"detail": _("Sign in as a planner, dispatcher or administrator.")}, status=401)
        if not roles.sees_hidden(request.user):
            return JsonResponse({"detail": _("Planners, dispatchers and administrators only.")}, status=403)
        return view(request, *args, **kwargs)
    return checked


class AreaQuery(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="minLon,minLat,maxLon,maxLat")
    category = serializers.CharField(required=False, help_text="A category's slug; a main category includes its "
                                                               "sub-categories.")
    dialect = serializers.ChoiceField(choices=list(representation.CSV_DIALECTS), default=representation.STANDARD.name,
                                      help_text="CSV only: standar, or excel-id for a spreadsheet set to Indonesian.")
    validate_bbox = BBoxQuery.validate_bbox

    def validate_category(self, slug):
        """The ids of the category and its sub-categories, from the map tiles.invalidate keeps (no query while no
        category changes); an unknown slug gets the error a SlugRelatedField gives."""
        ids = invalidate.category_ids(slug)
        if ids is None:
            raise serializers.ValidationError(serializers.SlugRelatedField.default_error_messages[
                "does_not_exist"].format(slug_name="slug", value=slug))
        return ids


class HotspotQuery(AreaQuery):
    eps = serializers.IntegerField(min_value=1, max_value=1000, default=30,
                                   help_text=gettext_lazy("Metres between neighbouring reports of a cluster."))
    minpoints = serializers.IntegerField(min_value=2, max_value=500, default=3)


class RecurrenceQuery(AreaQuery):
    days = serializers.IntegerField(min_value=1, max_value=730, default=hotspots.RECURRENCE_DAYS)
    months = serializers.IntegerField(min_value=1, max_value=60, default=hotspots.RECURRENCE_MONTHS)


def _parsed(query_class, request):
    """(the parameters validated, {}), or (None, each field's errors)."""
    try:
        return checked(query_class, request.GET), {}
    except serializers.ValidationError as error:
        return None, error.detail


def _site(request):
    return request.build_absolute_uri("/").rstrip("/")


def _cluster_choice(request, chosen):
    return chosen["eps"], chosen["minpoints"], chosen.get("bbox"), chosen.get("category"), _site(request)


def _clusters(request, chosen):
    return hotspots.clusters(*_cluster_choice(request, chosen))


def _clusters_json(request, chosen):
    return hotspots.clusters_json(*_cluster_choice(request, chosen))


def _recurrence_choice(request, chosen):
    since = hotspots.window_start(chosen["months"], timezone.now())
    return chosen["days"], since, chosen.get("bbox"), chosen.get("category"), _site(request)


def _recurrences(request, chosen):
    """Every place as Python (the CSV): from the kept answer for the default view while it is fresh, else computed."""
    kept_answer = kept.last(request, chosen, "geojson_gzip")
    if kept_answer is not None:
        return json.loads(gzip.decompress(kept_answer.geojson_gzip))["features"]
    return hotspots.recurrences(*_recurrence_choice(request, chosen))


def _recurrences_page(request, chosen):
    """What the page shows (hotspots.recurrences_page) and the moment it describes when it was kept, else None."""
    if chosen is None:
        return [], "[]", 0, None
    kept_answer = kept.last(request, chosen, "largest", "drawn", "count")
    if kept_answer is not None:
        return json.loads(kept_answer.largest), kept_answer.drawn, kept_answer.count, kept_answer.computed_at
    return *hotspots.recurrences_page(hotspots.PAGE_LIST, *_recurrence_choice(request, chosen)), None


@planners
def hotspots_page(request):
    """The map of hotspots and recurrences with their lists, for the parameters in the URL."""
    cluster_choice, cluster_errors = _parsed(HotspotQuery, request)
    recurrence_choice, recurrence_errors = _parsed(RecurrenceQuery, request)
    errors = {**cluster_errors, **recurrence_errors}
    clusters, clusters_drawn, cluster_count = hotspots.clusters_page(
        hotspots.PAGE_LIST, *_cluster_choice(request, cluster_choice)) if cluster_choice else ([], "[]", 0)
    recurring, recurring_drawn, recurring_count, kept_at = _recurrences_page(request, recurrence_choice)
    query = request.GET.urlencode()
    return render(request, "insight/hotspots.html", {
        "clusters": clusters, "recurring": recurring, "errors": errors, "query": query,
        "cluster_count": cluster_count, "recurring_count": recurring_count, "page_list": hotspots.PAGE_LIST,
        "kept_at": kept_at, "kept_minutes": settings.RECURRENCE_KEPT_MINUTES,
        "chosen": {"eps": request.GET.get("eps", 30), "minpoints": request.GET.get("minpoints", 3),
                   "days": request.GET.get("days", hotspots.RECURRENCE_DAYS),
                   "months": request.GET.get("months", hotspots.RECURRENCE_MONTHS),
                   "category": request.GET.get("category", ""), "bbox": request.GET.get("bbox", "")},
        "categories": Category.objects.select_related("parent"),
        # The map's two layers, for its <script type="application/json">: both written by PostgreSQL and escaped
        # there (hotspots.script_safe), thousands of features never parsed here.
        "layers": mark_safe(f'{{"clusters":{representation.feature_collection(clusters_drawn)},'
                            f'"recurring":{representation.feature_collection(recurring_drawn)}}}'),
    })


def _geojson(features_json, name, time_stamp=None):
    """A download of the features' JSON array (text) as a FeatureCollection; with `time_stamp`, the moment it
    describes as its `timeStamp` (OGC API - Features' member)."""
    response = HttpResponse(representation.feature_collection(features_json, time_stamp),
                            content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
    return response


def csv_response(header, rows, name, dialect):
    """A CSV as the exports write it (reports.interop.exports.spreadsheet_stream): the same byte-order mark, formula
    guard and `dialect` (representation.CsvDialect: `standar`, or `excel-id` for a spreadsheet set to Indonesian)."""
    response = HttpResponse(b"".join(spreadsheet_stream(header, rows, dialect)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _api(query_class, compute, write):
    @planners_api
    def view(request):
        chosen, errors = _parsed(query_class, request)
        if chosen is None:
            return JsonResponse(errors, status=400)
        return write(compute(request, chosen), representation.CSV_DIALECTS[chosen["dialect"]])
    return view


def _cluster_rows(features):
    for feature in features:
        props = feature["properties"]
        for report in props["reports"]:
            yield [props["cluster"], props["category"], props["count"], *props["centroid"], report["code"],
                   report["url"]]


def _recurrence_rows(features):
    for feature in features:
        props, (lon, lat) = feature["properties"], feature["geometry"]["coordinates"]
        for later in props["came_back"]:
            yield [props["fixed"]["code"], props["category"], props["fixed"]["fixed_at"], lon, lat,
                   later["code"], later["filed"], later["distance_m"], later["url"]]


hotspots_geojson = _api(HotspotQuery, _clusters_json,
                        lambda features, dialect: _geojson(features, "titik-rawan", time_stamp=timezone.now()))
hotspots_csv = _api(HotspotQuery, _clusters, lambda features, dialect: csv_response(
    ["cluster", "category", "count", "centroid_lon", "centroid_lat", "code", "url"], _cluster_rows(features),
    "titik-rawan", dialect))


@planners_api
def recurrence_geojson(request):
    """The recurring places as GeoJSON: the default view from what insight.kept keeps (its gzip sent as it is to a
    client that takes gzip), any other view computed for the request."""
    chosen, errors = _parsed(RecurrenceQuery, request)
    if chosen is None:
        return JsonResponse(errors, status=400)
    kept_answer = kept.last(request, chosen, "geojson_gzip")
    if kept_answer is None:
        return _geojson(hotspots.recurrences_json(*_recurrence_choice(request, chosen)), "berulang",
                        time_stamp=timezone.now())
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(kept_answer.geojson_gzip, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"  # GZipMiddleware leaves it as it is
    else:
        response = HttpResponse(gzip.decompress(kept_answer.geojson_gzip), content_type="application/geo+json")
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Content-Disposition"] = 'attachment; filename="berulang.geojson"'
    return response


recurrence_csv = _api(RecurrenceQuery, _recurrences, lambda features, dialect: csv_response(
    ["fixed_code", "category", "fixed_at", "lon", "lat", "came_back_code", "filed", "distance_m", "url"],
    _recurrence_rows(features), "berulang", dialect))


@planners
def response_times_page(request):
    """The tables and charts of working days to verify and to fix, the last 12 months."""
    figures = times.figures()
    city = {row["month"]: row for row in figures["tables"]["city"] if row["month"]}
    monthly = [city.get(month.strftime("%Y-%m")) or {"month": month.strftime("%Y-%m")} for month in times.months()]
    tables = [{"group": group, "title": times.TITLES[group],
               "rows": [row for row in figures["tables"][group] if row["month"] is None]}
              for group in ("office", "crew", "kelurahan", "category")]
    return render(request, "insight/response_times.html", {
        "figures": figures, "tables": tables, "monthly": monthly, "charts": charts(monthly)})


def charts(monthly):
    """Bar heights of the page's two SVG charts, in a 0-100 box: median and 90th percentile working days to fix per
    month, and the share fixed by the due date."""
    highest = max([row.get("fix_p90") or 0 for row in monthly] + [1])
    bars = []
    for index, row in enumerate(monthly):
        median, p90, share = row.get("fix_median"), row.get("fix_p90"), row.get("share_on_time")
        bars.append({"month": row["month"], "x": index * 8 + 1, "label_x": index * 8 + 4,
                     "median": median, "p90": p90, "share": share,
                     **_bar("median", 80 * (median or 0) / highest), **_bar("p90", 80 * (p90 or 0) / highest),
                     **_bar("share", 80 * (share or 0))})
    return {"bars": bars, "highest": highest}


def _bar(name, height):
    """A bar standing on the chart's axis (y = 90): its top, its height, and where its label goes above it."""
    return {f"{name}_y": round(90 - height, 1), f"{name}_h": round(height, 1), f"{name}_label_y": round(89 - height, 1)}


COLUMNS = ["name", "month", "verified", "verify_median", "verify_p90", "fixed", "fix_median", "fix_p90", "on_time",
           "share_on_time"]


@planners
def response_times_csv(request, group):
    """One table as CSV, month by month and the whole window (month left empty) per row of the table."""
    if group not in times.GROUPS:
        raise Http404
    dialect = representation.CSV_DIALECTS.get(request.GET.get("dialect") or representation.STANDARD.name)
    if dialect is None:
        return HttpResponseBadRequest(_("dialect: choose standar or excel-id."))
    rows = times.table(group)
    return csv_response(COLUMNS, ([row[column] for column in COLUMNS] for row in rows), f"waktu-tanggap-{group}",
                        dialect)


@planners_api
def response_times_json(request):
    return JsonResponse(times.figures())
