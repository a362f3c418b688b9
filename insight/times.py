"""Response times: working days to verify and to fix, per office, crew, kelurahan and category, month by month.

Read from the histogram PostgreSQL keeps as reports change (insight.models.ResponseCount, migration 0002): a few
hundred rows a month however many reports there are. Not hidden reports; nothing personal. Working days leave out
weekends and the holiday table's days (reports.calendar), from the day the report was filed (its first working day
after is 1) to the day it was verified or fixed, in the city's time zone; a month is the one it was verified or
fixed in. Private complaints count (the pages are the planners', nothing personal is in them: migration 0005); a
report without a place counts under "No place". Percentiles are PostgreSQL's percentile_cont (linear between the two
nearest reports), computed from the histogram's counts, so they equal percentile_cont over the reports themselves.
"""

from datetime import date

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.db_router import replica_alias
from reports.models import in_language

MONTHS = 12

GROUPS = ["city", "office", "crew", "kelurahan", "category"]
TITLES = {"city": _("The whole city"), "office": _("Per office"), "crew": _("Per crew"),
          "kelurahan": _("Per kelurahan"), "category": _("Per category")}
# The name of key 0 (reports without one) in a group.
NONE = {"office": _("No office"), "crew": _("No crew"), "kelurahan": _("No place")}

# One group's percentiles from its histogram: for a share p of n reports the value at 0-based place p * (n - 1),
# linear between the reports at its floor and ceiling (percentile_cont); a report at place i is in the first bucket
# whose running count exceeds i. Per month and over the whole window (month NULL).
TIMES_SQL = """
WITH buckets AS (
    SELECT h.key, h.month, h.measure, h.days, h.count AS n, h.on_time
    FROM insight_responsecount h
    WHERE h.dimension = %(group)s AND h.month >= %(since)s AND h.month <= %(until)s AND h.count > 0
), both_spans AS (
    SELECT * FROM buckets
    UNION ALL SELECT key, NULL, measure, days, sum(n), sum(on_time) FROM buckets GROUP BY 1, 3, 4
), running AS (
    SELECT *, sum(n) OVER (PARTITION BY key, month, measure ORDER BY days) AS upto,
              sum(n) OVER (PARTITION BY key, month, measure) AS total
    FROM both_spans
), places AS (
    SELECT key, month, measure, total, sum(on_time) AS on_time,
           min(days) FILTER (WHERE upto > floor(0.5 * (total - 1))) AS p50_low,
           min(days) FILTER (WHERE upto > ceil(0.5 * (total - 1))) AS p50_high,
           min(days) FILTER (WHERE upto > floor(0.9 * (total - 1))) AS p90_low,
           min(days) FILTER (WHERE upto > ceil(0.9 * (total - 1))) AS p90_high
    FROM running GROUP BY key, month, measure, total
)
SELECT p.key, coalesce(g.name, k.name, o.name, {category_name}, ''), p.month, p.measure, p.total::int, p.on_time::int,
       p50_low + (0.5 * (total - 1) - floor(0.5 * (total - 1))) * (p50_high - p50_low),
       p90_low + (0.9 * (total - 1) - floor(0.9 * (total - 1))) * (p90_high - p90_low)
FROM places p
LEFT JOIN geo_crew g ON g.id = p.key AND %(group)s = 'crew'
LEFT JOIN geo_kelurahan k ON k.id = p.key AND %(group)s = 'kelurahan'
LEFT JOIN offices_office o ON o.id = p.key AND %(group)s = 'office'
LEFT JOIN reports_category c ON c.id = p.key AND %(group)s = 'category'
LEFT JOIN reports_category cp ON cp.id = c.parent_id
ORDER BY 2, 1, p.month NULLS FIRST, p.measure
"""


def window(today=None):
    """The first day of the month 11 months before `today`'s, and today's month: the last 12 months."""
    today = today or timezone.localdate()
    first = today.year * 12 + today.month - 1 - (MONTHS - 1)
    return date(first // 12, first % 12 + 1, 1), today.replace(day=1)


def months(today=None):
    since, until = window(today)
    found, month = [], since
    while month <= until:
        found.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def sql(group):
    """The statement of one table (its parameters: since, until, group)."""
    return TIMES_SQL.format(category_name=in_language("coalesce(cp.name_id || ': ', '') || c.name_id",
                                                      "coalesce(cp.name_en || ': ', '') || c.name_en"))


def table(group, today=None):
    """Rows of one table, `group` one of GROUPS: per key a row for the whole window (month None) and one per
    month with reports, each with verify and fix figures (count, median, p90 in working days) and the share fixed
    by the due date."""
    since, until = window(today)
    with connections[replica_alias()].cursor() as cursor:
        cursor.execute(sql(group), {"since": since, "until": until, "group": group})
        fetched = cursor.fetchall()
    rows = {}
    for key, name, month, measure, total, on_time, median, p90 in fetched:
        row = rows.setdefault((key, month), {
            "key": key, "name": name or NONE.get(group, ""),
            "month": month.strftime("%Y-%m") if month else None,
            "verified": 0, "verify_median": None, "verify_p90": None,
            "fixed": 0, "fix_median": None, "fix_p90": None, "on_time": 0, "share_on_time": None})
        row.update({f"{measure}_median": round(float(median), 1), f"{measure}_p90": round(float(p90), 1)})
        if measure == "verify":
            row["verified"] = total
        else:
            row.update(fixed=total, on_time=on_time, share_on_time=round(on_time / total, 3))
    return list(rows.values())


def figures(today=None):
    """Every table, and the window they cover."""
    since, until = window(today)
    return {"since": since.strftime("%Y-%m"), "until": until.strftime("%Y-%m"),
            "tables": {group: table(group, today) for group in GROUPS}}
