"""What a reporter does with their own data through their private link: correct it, withdraw their name, erase
it all. Each is one UPDATE of the report, and erasing what is already gone changes nothing."""

import secrets

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from audit.models import Action, record
from notify import subscriptions
from notify.channels import phone_number
from privacy.retention import ERASED_CONTACT, with_contact
from reports.models import Document, Report


def own_report(code, token):
    """The report whose private link this is (hidden or not: the data is still theirs); 404 for a wrong token."""
    report = get_object_or_404(Report.objects.select_related("category", "kelurahan"), code=code.upper())
    # As bytes: compare_digest refuses a str with characters beyond ASCII.
    if not secrets.compare_digest(token.encode(), report.private_token.encode()):
        raise Http404("No such report.")
    return report


def correct(report, *, name, phone, email, show_name, contact_consent):
    """The reporter's contact details as they now give them (reports.forms.ContactForm's data), and their
    consent as now chosen, with its time. A new phone number gets nothing but a link to confirm it until that
    link is opened (notify)."""
    consent = bool(contact_consent and (phone or email))
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            reporter_name=name, reporter_phone=phone, reporter_email=email, show_name=bool(show_name and name),
            contact_consent=consent, contact_consent_at=timezone.now())
        if phone and phone_number(phone) != phone_number(report.reporter_phone):
            report.reporter_phone = phone
            subscriptions.reporter_phone_changed(report)


def withdraw_name(report, by=None):
    """The name erased and no longer shown; False when there was none. `by`: the dispatcher who did it for the
    reporter (a request by telephone or letter), in the audit trail."""
    named = Report.objects.filter(pk=report.pk).exclude(reporter_name="", show_name=False)
    done = bool(named.update(reporter_name="", show_name=False))
    if done and by is not None:
        record(by, Action.CHANGE, [report], {"rights": "withdraw name"})
    return done


def erase(report, by=None):
    """Name, phone and e-mail erased, the consent withdrawn now, and the document (a service complaint's PDF)
    removed with its file; False when nothing was left (a second erase changes nothing, not even the time of the
    withdrawal). A queued e-mail reads the address when it is sent, so it is not sent. `by`: as for
    withdraw_name."""
    holding = with_contact(Report.objects.filter(pk=report.pk))
    with transaction.atomic():
        done = bool(holding.update(**ERASED_CONTACT, contact_consent=False, contact_consent_at=timezone.now()))
        done = Document.objects.filter(report=report).delete()[0] > 0 or done
    if done and by is not None:
        record(by, Action.CHANGE, [report], {"rights": "erase contact"})
    return done
