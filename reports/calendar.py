"""Working days: weekends and the Holiday table's days do not count, and deadlines follow the table's changes."""

from datetime import datetime, time, timedelta
from functools import cache

import holidays
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from reports.models import Holiday, Report, StatusChange

BATCH = 1000  # open reports read, locked and updated at a time when the holidays change


def holiday_dates(first, last):
    return set(Holiday.objects.filter(date__range=(first, last)).values_list("date", flat=True))


def add_working_days(start, days):
    """The date `days` working days after `start`.

    The holidays are read in one query, over a span long enough for the weekends and a month of holidays
    more; a longer run of days off reads the next span.
    """
    current = bound = start
    while days > 0:
        current += timedelta(days=1)
        if current > bound:
            bound = current + timedelta(days=2 * days + 30)
            days_off = holiday_dates(current, bound)
        if current.weekday() < 5 and current not in days_off:
            days -= 1
    return current


def seed_holidays(year):
    """Add Indonesia's national holidays and cuti bersama of `year` from the holidays package.

    setup_city calls it for this year and the next, and a daily job (reports.tasks) for the year ahead. A year
    is seeded once: once it has holidays the table is the administrators' (a cuti bersama the government
    cancelled and an administrator deleted does not come back at the next deployment). Islamic holidays the
    package only estimates are marked `estimated`. Returns the holidays added; the due dates they change are
    recomputed.
    """
    if Holiday.objects.filter(Q(date__year=year) | Q(package_date__year=year)).exists():
        return []
    known = set()
    added = []
    for kind, category in ((Holiday.Kind.NATIONAL, "public"), (Holiday.Kind.CUTI_BERSAMA, "government")):
        labelled = holidays.ID(years=year, categories=category, language="id")
        # The same names without the package's "(perkiraan)" label: a name that differs is an estimate.
        plain = holidays.ID(years=year, categories=category, language="id", islamic_show_estimated=False)
        for day, name in sorted(plain.items()):
            if day not in known:
                known.add(day)
                added.append(Holiday(date=day, package_date=day, name=name[:200], kind=kind,
                                     estimated=labelled[day] != name))
    with transaction.atomic():
        Holiday.objects.bulk_create(added)
        recompute_due_dates({holiday.date for holiday in added}, by=None)
    return added


def recompute_due_dates(changed, by):
    """Give the open reports whose window holds one of the `changed` dates (holidays added, moved or removed)
    the due date the table now gives: from their filing date (in the city's time zone) and category.

    Each report whose due date moves gets one history row by `by` (a user, or None for seeding) and a new
    version, and its tiles are renewed. Reads and updates BATCH reports at a time, by primary key.
    Returns how many moved.
    """
    if not changed:
        return 0
    # Filed before the last changed date, due on or after the first (reports_open_due_date narrows it).
    filed_before = timezone.make_aware(datetime.combine(max(changed), time.min))
    candidates = Report.objects.open().filter(due_date__gte=min(changed), created__lt=filed_before).order_by("pk")
    due = cache(add_working_days)  # reports filed the same day in the same category share one answer
    moved, last = 0, 0
    while True:
        with transaction.atomic():
            batch = list(candidates.filter(pk__gt=last).select_for_update(of=("self",))
                         .values_list("pk", "created", "category__response_days", "due_date", "status")[:BATCH])
            if not batch:
                return moved
            last = batch[-1][0]
            new_dates = []
            history = []
            for pk, created, days, old, status in batch:
                new = due(timezone.localdate(created), days)
                if new != old:
                    new_dates.append((pk, new))
                    history.append(StatusChange(report_id=pk, from_status=status, to_status=status, by=by,
                                                note=_recomputed_note(old, new)))
            if new_dates:
                # One statement for the batch: the ORM would need one UPDATE per distinct new date, and each
                # statement runs the table's triggers (tile versions, statistics) once.
                with connection.cursor() as cursor:
                    execute_values(cursor, "UPDATE reports_report r SET due_date = v.due::date, "
                                           "version = r.version + 1, updated = now() "
                                           "FROM (VALUES %s) v(id, due) WHERE r.id = v.id", new_dates,
                                   page_size=len(new_dates))
            StatusChange.objects.bulk_create(history)
            moved += len(history)


def _recomputed_note(old, new):
    """In the city's language whoever changed the table: one change moves many residents' reports."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Due date recomputed: %(old)s → %(new)s (holidays changed)") % {
            "old": formats.date_format(old, "j F Y"), "new": formats.date_format(new, "j F Y")}
