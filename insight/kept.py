"""The whole city's recurrence over the default window, kept by a periodic job instead of computed per request.

At a million reports that answer probes some 60,000 fixes and writes 22 MB of GeoJSON: seconds of PostgreSQL for
every planner who opens the page, however fast each probe (docs/figures.md). A fix's recurrence changes slowly (a
window of three months), so the job insight.keep_recurrence computes it every RECURRENCE_KEPT_MINUTES in each
language, and the page, the GeoJSON and the CSV of the default view answer from the last run while it is at most
two periods old (a stopped worker brings back the live query, never an old answer). Any other view (a category, a
box, other days or months, another site or time zone) is computed for its request as before.
"""

import gzip
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation

from insight import hotspots
from insight.models import KeptRecurrence
from jobs.queue import task
from reports import representation
from reports.models import in_language

EVERY = timedelta(minutes=settings.RECURRENCE_KEPT_MINUTES)


@task("insight.keep_recurrence", every=EVERY, atomic=True)
def keep():
    """Compute the default view in every language, each in one statement (the places computed once for the page's
    parts and the whole answer), and replace the kept ones."""
    now = timezone.now()
    since = hotspots.window_start(hotspots.RECURRENCE_MONTHS, now)
    zone = timezone.get_current_timezone_name()
    site = settings.SITE_URL.rstrip("/")
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            features, largest, drawn, count = hotspots.recurrences_kept(hotspots.PAGE_LIST, hotspots.RECURRENCE_DAYS,
                                                                        since, site)
        geojson = representation.feature_collection(features, time_stamp=now).encode()
        KeptRecurrence.objects.update_or_create(language=language, defaults={
            "zone": zone, "site": site, "computed_at": now, "since": since,
            "geojson_gzip": gzip.compress(geojson, compresslevel=9, mtime=0), "largest": largest, "drawn": drawn,
            "count": count})


def last(request, chosen, *fields):
    """The kept answer for the request (its language, time zone and site) and these parameters with its `fields`
    read (the page does not read the API's megabytes, nor the API the page's), if they ask for the default view
    and it is fresh; None otherwise (the caller computes it)."""
    if not (chosen.get("bbox") is None and chosen.get("category") is None
            and chosen["days"] == hotspots.RECURRENCE_DAYS and chosen["months"] == hotspots.RECURRENCE_MONTHS):
        return None
    return KeptRecurrence.objects.only("computed_at", *fields).filter(
        language=in_language("id", "en"), zone=timezone.get_current_timezone_name(),
        site=request.build_absolute_uri("/").rstrip("/"), computed_at__gte=timezone.now() - 2 * EVERY).first()
