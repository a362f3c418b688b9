"""The answers to "Sudah diperbaiki?": recorded once per fix and resident; a "no" reopens the report."""

from django.db import IntegrityError, transaction

from notify.models import FixAnswer, Notice
from reports import workflow


class AlreadyAnswered(Exception):
    pass


def asked_fix(subscription):
    """The fix (its history row) the subscription was last asked about, or None."""
    notice = (subscription.notices.filter(kind=Notice.Kind.ASK).select_related("change__report")
              .order_by("-created").first())
    return notice.change if notice else None


def answer(subscription, fix, *, fixed, comment="", photo=None, shows_people=False):
    """Record the answer (the satisfaction survey, notify.survey, follows it); "not fixed" sends the report back
    to the dispatcher with the comment and photo, which waits for their review (reports.workflow.reopen_by_resident).
    Returns the reopening StatusChange, or None."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                FixAnswer.objects.create(report=fix.report, change=fix, subscription=subscription, fixed=fixed,
                                         comment=comment)
        except IntegrityError:
            raise AlreadyAnswered from None
        if fixed:
            return None
        change = workflow.reopen_by_resident(fix.report, comment, photo, shows_people=shows_people)
        if change is not None:  # their own words are not news to them; everyone else following hears of it
            subscription.notices.filter(key=f"change:{change.pk}").update(state=Notice.State.DROPPED)
        return change
