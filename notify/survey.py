"""Who may answer the satisfaction survey about a report, and recording their answers once (notify.ikm counts them).

The people the complaint service served: the reporter (by their private link, or their own subscription's link)
and the supporters asked "Sudah diperbaiki?". Each person answers once per report, told apart as their support is
(respondent); the reporter once, whichever of their links they use. Nobody else: the public page offers nothing, since a
survey anyone could answer is no measure."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from notify import subscriptions
from notify.models import SurveyAnswer
from reports.models import Status, Support

# A report whose handling is over: fixed, closed, or rejected (a rejection is the service's answer too). A
# duplicate's people were served by the report it joined.
FINISHED = [Status.SELESAI, Status.DITUTUP, Status.DITOLAK]
REPORTER = "reporter"


class AlreadyAnswered(Exception):
    pass


def respondent(subscription):
    """The person a subscription's link answers as, by the rule that counts supports once
    (reports.services.add_support): the reporter, whichever link they use or if they follow as a supporter with
    their own contact; a supporter, as the support their device or contact counts ("support:<id>"), so following
    by e-mail and by WhatsApp from one phone is one person; else the subscription itself."""
    if subscription.role == subscription.Role.REPORTER or subscriptions.is_reporters_contact(subscription):
        return REPORTER
    same = Q(contact=subscriptions.support_contact(subscription))
    if subscription.device:
        same |= Q(supporter=subscription.device)
    support = Support.objects.filter(report=subscription.report_id).filter(same).order_by("pk").first()
    return f"support:{support.pk}" if support else f"subscription:{subscription.pk}"


def offered(report, who):
    """Whether `who` may still answer about `report`: its handling is over, and they have not answered yet."""
    return report.status in FINISHED and not answered(report, who)


def offered_to(subscription):
    """A subscription's link offers the survey to the reporter and to supporters, once the report is finished or
    once they answered "Sudah diperbaiki?" (a "no" reopens the report, and is their judgement of the service too)."""
    report = subscription.report
    if not served(subscription):
        return False
    who = respondent(subscription)
    return (report.status in FINISHED or subscription.answers.exists()) and not answered(report, who)


def served(subscription):
    """The reporter's and supporters' subscriptions of a report: the people the service served. Not followers."""
    return subscription.report_id is not None and subscription.role in (subscription.Role.REPORTER,
                                                                        subscription.Role.SUPPORTER)


def answered(report, who):
    return SurveyAnswer.objects.filter(report=report, respondent=who).exists()


def record(report, who, scores, suggestion=""):
    """Keep one person's answers (`scores`: {"u1": 1-4, …} for every element asked). AlreadyAnswered the second
    time, whatever came between."""
    try:
        with transaction.atomic():
            return SurveyAnswer.objects.create(report=report, respondent=who, suggestion=suggestion, **scores)
    except IntegrityError:
        raise AlreadyAnswered from None
