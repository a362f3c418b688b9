"""When a notice may go: after the batching window, and never in the night's quiet hours (local time) unless
the resident asked for it just now. Takes the moment of the change, not the clock: tests give any hour."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def is_quiet(moment):
    """True from NOTIFY_QUIET_FROM to NOTIFY_QUIET_UNTIL (21:00 to 06:00 WIB), local time."""
    local = timezone.localtime(moment).time()
    start, end = settings.NOTIFY_QUIET_FROM, settings.NOTIFY_QUIET_UNTIL
    return start <= local or local < end if start > end else start <= local < end


def send_at(moment, asked=False):
    """When notices caused at `moment` go: at once if `asked` (a confirmation link); else NOTIFY_BATCH_SECONDS
    later, so that changes in the next minutes go in the same message, moved to the morning if that is night."""
    if asked:
        return moment
    at = moment + timedelta(seconds=settings.NOTIFY_BATCH_SECONDS)
    if not is_quiet(at):
        return at
    local = timezone.localtime(at)
    morning = timezone.make_aware(datetime.combine(local.date(), settings.NOTIFY_QUIET_UNTIL))
    return morning if morning > at else morning + timedelta(days=1)
