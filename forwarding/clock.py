"""LAPOR!'s clock for a report it holds: verification within 3 working days of its receipt, a follow-up within
5 working days of forwarding, closing within 10 working days of the first follow-up (the holiday-aware calendar
of reports.calendar). The next of these deadlines becomes the report's due date when it comes sooner, so the
overdue views, filters and the morning digest count it."""

from django.utils import timezone

from reports.calendar import add_working_days
from reports.models import OPEN_STATUSES, Report, Status

VERIFY_DAYS, FOLLOW_UP_DAYS, CLOSE_DAYS = 3, 5, 10


def deadlines(forwarding):
    """{"verify": date, "follow_up": date, "close": date}, each None until the moment it counts from is known."""
    def after(moment, days):
        return add_working_days(timezone.localdate(moment), days) if moment else None

    return {"verify": after(forwarding.received, VERIFY_DAYS),
            "follow_up": after(forwarding.received if forwarding.inbound else forwarding.created, FOLLOW_UP_DAYS),
            "close": after(forwarding.first_follow_up, CLOSE_DAYS)}


def next_deadline(forwarding, status):
    """The deadline the report's status faces now: verification while new, then the follow-up, then closing."""
    found = deadlines(forwarding)
    if status == Status.BARU:
        return found["verify"]
    if forwarding.first_follow_up is None:
        return found["follow_up"]
    return found["close"]


def bring_due_date_forward(forwarding):
    """The report's due date becomes LAPOR!'s next deadline when that comes sooner (only LAPOR! has a clock)."""
    if forwarding.link.kind != "lapor":
        return
    report = Report.objects.only("status", "due_date").get(pk=forwarding.report_id)
    deadline = next_deadline(forwarding, report.status)
    if report.status in OPEN_STATUSES and deadline and deadline < report.due_date:
        Report.objects.filter(pk=report.pk).update(due_date=deadline)
