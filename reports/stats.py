"""The city's figures: reports per kelurahan, category, status and month, days to fix, fixes on time. Public reports
only (hidden ones are abuse or personal data; private complaints, reports.Report.private, are often about a person),
and nothing personal in any figure; a report without a place is counted apart (`without_place`). Private complaints
count only in the figures per office and main category (`by_office`), which name no place: how many complaints each
office received and has open. Read from the counts the database keeps as reports change (ReportCount and FixTime,
kept by triggers: migrations 0012 and 0025), a few thousand rows however many reports there are, so the figures are
always those of the moment and nothing is cached. From the replica, if one is configured and keeps up
(config.db_router): figures a few seconds old are still the figures.
"""

from django.db import connections
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.db_router import replica_alias
from geo.models import Kelurahan
from reports.models import OPEN_STATUSES, ReportCount, Status, in_language

# The median days to fix per kelurahan and main category, from the histogram of fix times: percentile_cont(0.5)
# over the reports' times as FixTime rounds them, with each bucket counted as often as it holds reports. Raw SQL:
# a median weighted by counts needs running sums (window functions) aggregated again, which the ORM cannot express.
MEDIANS_SQL = """
WITH buckets AS (
    SELECT f.kelurahan_id, coalesce(c.parent_id, c.id) AS main_id, f.tenths, sum(f.count) AS n
    FROM reports_fixtime f JOIN reports_category c ON c.id = f.category_id
    GROUP BY 1, 2, 3 HAVING sum(f.count) > 0
), running AS (
    SELECT *, sum(n) OVER (PARTITION BY kelurahan_id, main_id ORDER BY tenths) AS upto,
              sum(n) OVER (PARTITION BY kelurahan_id, main_id) AS fixed
    FROM buckets
)
-- The middle two reports (one when their number is odd), at 0-based places floor((n - 1) / 2) and floor(n / 2).
SELECT k.code, main.slug, fixed::int,
       (min(tenths) FILTER (WHERE upto > floor((fixed - 1) / 2)) + min(tenths) FILTER (WHERE upto > floor(fixed / 2)))
       / 20.0::float
FROM running JOIN geo_kelurahan k ON k.id = kelurahan_id JOIN reports_category main ON main.id = main_id
GROUP BY k.code, main.slug, fixed ORDER BY k.code, main.slug
"""


def figures():
    """The figures of the moment, in the current language."""
    database = replica_alias()
    every = ReportCount.objects.using(database)
    counts = every.filter(private=False)
    main_name = in_language("category__parent__name_id", "category__parent__name_en")
    own_name = in_language("category__name_id", "category__name_en")
    main = {"main": Coalesce("category__parent__slug", "category__slug"),
            "main_name": Coalesce(main_name, own_name)}

    kelurahan = [
        {
            "code": k.code, "name": k.name, "kecamatan": k.kecamatan.name, "population": k.population,
            "total": k.total, "open": k.open,
            "open_per_1000": round(k.open * 1000 / k.population, 2) if k.population else None,
        }
        for k in Kelurahan.objects.using(database).select_related("kecamatan").annotate(
            total=Coalesce(Sum("report_counts__count", filter=Q(report_counts__private=False)), 0),
            open=Coalesce(Sum("report_counts__count", filter=Q(report_counts__private=False,
                                                              report_counts__status__in=OPEN_STATUSES)), 0),
        ).order_by("code")
    ]
    without_place = counts.filter(kelurahan=None).aggregate(
        total=Coalesce(Sum("count"), 0), open=Coalesce(Sum("count", filter=Q(status__in=OPEN_STATUSES)), 0))
    by_office = [
        {"office": row["office__slug"], "office_name": row["office__name"], "category": row["main"],
         "category_name": row["main_name"], "total": row["total"], "open": row["open"]}
        for row in every.exclude(office=None).values(**main).values("office__slug", "office__name", "main",
                                                                    "main_name")
        .annotate(total=Sum("count"), open=Coalesce(Sum("count", filter=Q(status__in=OPEN_STATUSES)), 0))
        .filter(total__gt=0).order_by("office__name", "main")
    ]
    by_category_status = [
        {"category": row["main"], "category_name": row["main_name"], "status": row["status"],
         "status_label": str(Status(row["status"]).label), "count": row["count"]}
        for row in counts.values(**main).values("main", "main_name", "status")
        .annotate(count=Sum("count")).filter(count__gt=0).order_by("main", "status")
    ]
    by_month = [
        {"month": row["month"].strftime("%Y-%m"), "count": row["count"]}
        for row in counts.values("month").annotate(count=Sum("count")).filter(count__gt=0).order_by("month")
    ]
    with connections[database].cursor() as cursor:
        cursor.execute(MEDIANS_SQL)
        median_days = [{"kelurahan": code, "category": main, "median_days": round(median, 1), "fixed": fixed}
                       for code, main, fixed, median in cursor.fetchall()]
    on_time = [
        {"category": row["main"], "category_name": row["main_name"], "fixed": row["fixed"],
         "on_time": row["on_time"], "share_on_time": round(row["on_time"] / row["fixed"], 3)}
        for row in counts.values(**main).values("main", "main_name")
        .annotate(fixed=Sum("fixed"), on_time=Sum("fixed_on_time")).filter(fixed__gt=0).order_by("main")
    ]
    return {
        "generated": timezone.localtime().isoformat(),
        "total": sum(k["total"] for k in kelurahan) + without_place["total"],
        "open": sum(k["open"] for k in kelurahan) + without_place["open"],
        "kelurahan": kelurahan,
        "without_place": without_place,
        "by_office": by_office,
        "by_category_status": by_category_status,
        "by_month": by_month,
        "median_days_to_fix": median_days,
        "fixed_on_time": on_time,
    }
