"""The city's figures: reports per kelurahan, category, status and month, days to fix, fixes on time.

Public reports only (hidden ones are abuse or personal data), and nothing personal in
any figure. Each figure is one GROUP BY in PostGIS. Counting a million reports takes
seconds, so the figures are kept in the cache and, once older than STATS_CACHE_SECONDS,
served as they are while a job (reports.recount_stats) counts them again: only the very
first request (an empty cache) waits for the count.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Aggregate, Count, F, FloatField, Func, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from geo.models import Kelurahan
from jobs.queue import enqueue
from reports.models import OPEN_STATUSES, Report, Status, in_language

FIXED = [Status.SELESAI, Status.DITUTUP]


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """(end - start) in days, as a number."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0"
    arg_joiner = " - "
    output_field = FloatField()


# How long counted figures stay in the cache at all: a day without a visit starts cold.
KEEP_SECONDS = 86400


def cache_key(language):
    return f"reports:stats:v2:{language}"  # v2: kept with the time they were counted


def figures():
    """The figures in the current language: at most STATS_CACHE_SECONDS old, or being counted again."""
    language = (get_language() or "id")[:2]
    key = cache_key(language)
    kept = cache.get(key)
    if kept is None:
        return first_count(key)
    # Old figures: one job counts them again (its key keeps it to one waiting); the cache flag spares the
    # database an enqueue on every request meanwhile.
    if time.time() - kept["counted_at"] > settings.STATS_CACHE_SECONDS and \
            cache.add(f"{key}:recount", 1, max(1, settings.STATS_CACHE_SECONDS)):
        enqueue("reports.recount_stats", key=f"reports.recount_stats:{language}", language=language)
    return kept["figures"]


def first_count(key):
    """With nothing kept, one request counts; those arriving meanwhile wait for its figures, not count again."""
    if cache.add(f"{key}:counting", 1, 600):
        try:
            return count_and_keep(key)
        finally:
            cache.delete(f"{key}:counting")
    for _ in range(300):  # up to 30 s, then count alone: the other count may have died
        if (kept := cache.get(key)) is not None:
            return kept["figures"]
        if cache.get(f"{key}:counting") is None:  # it stopped without figures, or the cache does not answer
            break
        time.sleep(0.1)
    return count_and_keep(key)


def count_and_keep(key):
    counted = compute()
    cache.set(key, {"figures": counted, "counted_at": time.time()}, KEEP_SECONDS)
    return counted


def compute():
    public = Report.objects.public()
    main_name = in_language("category__parent__name_id", "category__parent__name_en")
    own_name = in_language("category__name_id", "category__name_en")
    main = {"main": Coalesce("category__parent__slug", "category__slug"),
            "main_name": Coalesce(main_name, own_name)}

    visible = Q(reports__hidden=False)
    kelurahan = [
        {
            "code": k.code, "name": k.name, "kecamatan": k.kecamatan.name, "population": k.population,
            "total": k.total, "open": k.open,
            "open_per_1000": round(k.open * 1000 / k.population, 2) if k.population else None,
        }
        for k in Kelurahan.objects.select_related("kecamatan").annotate(
            total=Count("reports", filter=visible),
            open=Count("reports", filter=visible & Q(reports__status__in=OPEN_STATUSES)),
        ).order_by("code")
    ]
    by_category_status = [
        {"category": row["main"], "category_name": row["main_name"], "status": row["status"],
         "status_label": str(Status(row["status"]).label), "count": row["count"]}
        for row in public.values(**main).values("main", "main_name", "status")
        .annotate(count=Count("pk")).order_by("main", "status")
    ]
    by_month = [
        {"month": row["month"].strftime("%Y-%m"), "count": row["count"]}
        for row in public.annotate(month=TruncMonth("created", tzinfo=timezone.get_current_timezone()))
        .values("month").annotate(count=Count("pk")).order_by("month")
    ]
    fixed = public.filter(fixed_at__isnull=False)
    days = DaysBetween(F("fixed_at"), F("created"))
    median_days = [
        {"kelurahan": row["kelurahan__code"], "category": row["main"], "median_days": round(row["median"], 1),
         "fixed": row["fixed"]}
        for row in fixed.values(**main).values("kelurahan__code", "main")
        .annotate(median=Median(days), fixed=Count("pk")).order_by("kelurahan__code", "main")
    ]
    on_time = [
        {"category": row["main"], "category_name": row["main_name"], "fixed": row["fixed"],
         "on_time": row["on_time"], "share_on_time": round(row["on_time"] / row["fixed"], 3)}
        for row in fixed.values(**main).values("main", "main_name")
        .annotate(fixed=Count("pk"), on_time=Count("pk", filter=Q(fixed_at__date__lte=F("due_date"))))
        .order_by("main")
    ]
    return {
        "generated": timezone.localtime().isoformat(),
        "total": sum(k["total"] for k in kelurahan),
        "open": sum(k["open"] for k in kelurahan),
        "kelurahan": kelurahan,
        "by_category_status": by_category_status,
        "by_month": by_month,
        "median_days_to_fix": median_days,
        "fixed_on_time": on_time,
    }
