"""What waits for the dispatchers: one count per queue, all in one statement (one round trip), each of its
sub-selects reading a few rows however many reports the city keeps: counts the database keeps by triggers
(reports.ReportCount, reports.OpenDueCount), or an index that holds only the rows it counts (named beside each).
The home and its endpoint take them through `waiting_now`, kept a few seconds in the cache.

The queues themselves (`queues`) list the reports, a page at a time, by their own indexes."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from forwarding.delivery import TASK as DELIVERY
from forwarding.models import Disposition
from jobs.models import Job
from reports.calendar import add_working_days
from reports.models import OPEN_STATUSES, Report, Status, StatusChange, overdue_q

CACHE_KEY = "desk:waiting"
REOPENED = Q(by=None, to_status=Status.DIVERIFIKASI, from_status__in=[Status.SELESAI, Status.DITUTUP])


def new():
    """New public reports to verify (a hidden one waits for nobody), oldest first by reports_new_public."""
    return Report.objects.filter(status=Status.BARU, hidden=False)


def reopened():
    """Reports a resident said are not fixed, and nobody on the staff touched since: the resident's reopening is
    still their last history row. Index: reports_history_reopened."""
    later = StatusChange.objects.filter(report=OuterRef("report"), pk__gt=OuterRef("pk"))
    reopenings = StatusChange.objects.filter(REOPENED, report__status=Status.DIVERIFIKASI).exclude(Exists(later))
    return Report.objects.filter(pk__in=reopenings.values("report"))


def overdue(today):
    """By due date: reports_open_due_date."""
    return Report.objects.filter(overdue_q(today))


def due_soon_dates(today):
    return today, add_working_days(today, 1)


def due_soon(today):
    """Open, due today or by the next working day; by due date: reports_open_due_date."""
    return Report.objects.filter(status__in=OPEN_STATUSES, due_date__range=due_soon_dates(today))


def queues(today):
    """The desk's queues of reports, by the word in the queue's URL (?antrean=)."""
    return {"baru": new(), "dibuka-lagi": reopened(), "terlambat": overdue(today), "jatuh-tempo": due_soon(today)}


# Every count of the home in one statement, one round trip: each sub-select is the query named beside it, as
# cheap at millions of reports as alone. tests/test_desk.py holds each to the queue or query it counts.
WAITING_SQL = f"""
SELECT
    -- public new reports, as the queue: the kept counts by reports_count_status
    (SELECT coalesce(sum(count), 0) FROM reports_reportcount WHERE status = '{Status.BARU}') AS baru,
    -- reopened(): the resident's reopening still the report's last history row, by reports_history_reopened
    (SELECT count(DISTINCT c.report_id) FROM reports_statuschange c JOIN reports_report r ON r.id = c.report_id
     WHERE c.by_id IS NULL AND c.to_status = '{Status.DIVERIFIKASI}'
       AND c.from_status IN ('{Status.SELESAI}', '{Status.DITUTUP}') AND r.status = '{Status.DIVERIFIKASI}'
       AND NOT EXISTS (SELECT 1 FROM reports_statuschange l WHERE l.report_id = c.report_id AND l.id > c.id)
    ) AS dibuka_lagi,
    -- overdue_q, by due date: the kept counts of open reports per due date
    (SELECT coalesce(sum(count), 0) FROM reports_openduecount WHERE due_date < %(today)s) AS terlambat,
    (SELECT coalesce(sum(count), 0) FROM reports_openduecount WHERE due_date BETWEEN %(today)s AND %(next)s
    ) AS jatuh_tempo,
    -- by reports_photo_unreviewed
    (SELECT count(*) FROM reports_photo WHERE NOT published) AS foto,
    -- a few rows a month: LAPOR! complaints no point was found for
    (SELECT count(*) FROM forwarding_disposition WHERE state = '{Disposition.State.NEEDS_LOCATION}') AS lokasi,
    -- a handful of rows: the connected systems
    (SELECT count(*) FROM forwarding_link WHERE paused_since IS NOT NULL) AS dijeda,
    -- desk.deliveries.failing(), by jobs_due (queued jobs only)
    (SELECT count(*) FROM jobs_job WHERE state = '{Job.State.QUEUED}' AND task = '{DELIVERY}' AND attempts > 0
    ) AS gagal_kirim
"""


def waiting():
    """Every count of the desk's home, by name (the queues' words with underscores, for templates and scripts):
    one query, and the holidays that decide the next working day."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(WAITING_SQL, {"today": today, "next": due_soon_dates(today)[1]})
        return dict(zip([column.name for column in cursor.description], cursor.fetchone(), strict=True))


def waiting_now():
    """waiting(), kept DESK_COUNTS_CACHE_S seconds in the cache: the home asks again each minute, and every
    dispatcher and administrator sees the same counts (no role sees more), so one key serves them all."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = waiting()
        cache.set(CACHE_KEY, found, settings.DESK_COUNTS_CACHE_S)
    return found


def waiting_for_offices(office_ids, today):
    """The report queues' counts for office staff, of their offices' reports only (the rest of the home, photos,
    LAPOR! and deliveries, is the dispatchers'): four counts, each reading open reports only (reports_open_due_date,
    reports_open_office_due).
    Not cached: a few users, and each sees their own."""
    return {name.replace("-", "_"): rows.filter(office__in=office_ids).count()
            for name, rows in queues(today).items()}
