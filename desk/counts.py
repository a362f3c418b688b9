"""What waits for the dispatchers: one count per queue, each one query that reads a few rows however many reports
the city keeps: counts the database keeps by triggers (reports.ReportCount, reports.OpenDueCount), or an index
that holds only the rows it counts (named beside each).

The queues themselves (`queues`) list the reports, a page at a time, by their own indexes."""

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from forwarding.delivery import TASK as DELIVERY
from forwarding.models import Disposition, Link
from jobs.models import Job
from reports.calendar import add_working_days
from reports.models import OPEN_STATUSES, OpenDueCount, Photo, Report, ReportCount, Status, StatusChange, overdue_q

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


def kept(rows):
    """The sum of a kept count's rows: one query."""
    return rows.aggregate(total=Sum("count"))["total"] or 0


def queues(today):
    """The desk's queues of reports, by the word in the queue's URL (?antrean=)."""
    return {"baru": new(), "dibuka-lagi": reopened(), "terlambat": overdue(today), "jatuh-tempo": due_soon(today)}


def waiting():
    """Every count of the desk's home, by name (the queues' words with underscores, for templates and scripts)."""
    today = timezone.localdate()
    return {
        "baru": kept(ReportCount.objects.filter(status=Status.BARU)),  # public reports only, as the queue
        # Index: reports_history_reopened.
        "dibuka_lagi": reopened().count(),
        "terlambat": kept(OpenDueCount.objects.filter(due_date__lt=today)),  # overdue_q, counted by due date
        "jatuh_tempo": kept(OpenDueCount.objects.filter(due_date__range=due_soon_dates(today))),
        # Index: reports_photo_unreviewed.
        "foto": Photo.objects.filter(published=False).count(),
        # A few rows a month: LAPOR! complaints no point was found for.
        "lokasi": Disposition.objects.filter(state=Disposition.State.NEEDS_LOCATION).count(),
        # A handful of rows: the connected systems.
        "dijeda": Link.objects.exclude(paused_since=None).count(),
        # Index: jobs_due (queued jobs only): deliveries that failed at least once and wait for their retry.
        "gagal_kirim": Job.objects.filter(state=Job.State.QUEUED, task=DELIVERY, attempts__gt=0).count(),
    }
