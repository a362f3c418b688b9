""""Kirim ulang tautan saya": a resident who lost their private links types the e-mail address or phone number
they gave and receives one message listing their reports, each with its public and private link. The page answers
the same whether the address is known or not."""

from django.utils.translation import gettext as _

from jobs.queue import enqueue
from notify import channels, compose, limits
from notify.channels import phone_number, typed_forms
from notify.models import PHONE_CHANNELS, Channel
from reports.models import Report, phone_digits


def reports_of(channel, address):
    """The reports not hidden whose reporter gave `address`, newest first (a complaint that is not public too: its
    private link is its only one): an e-mail address in any case; a phone number only where its owner opened its
    confirmation link (before that a phone gets nothing but that link)."""
    reports = Report.objects.filter(hidden=False).order_by("-created")
    if channel == Channel.EMAIL:
        return reports.filter(reporter_email__iexact=address.strip())
    return (reports.annotate(digits=phone_digits()).filter(digits__in=typed_forms(phone_number(address)))
            .filter(subscriptions__role="reporter", subscriptions__channel=channel,
                    subscriptions__confirmed_at__isnull=False).distinct())


def send_links(channel, address, language):
    """Enqueue the one message listing the reports of `address`, when it has any and its daily limit allows
    (notify.limits.allow_message, the confirmation links' own count). Nothing tells the caller which happened."""
    found = list(reports_of(channel, address).values_list("pk", flat=True)[:MOST])
    if found and limits.allow_message(phone_number(address) if channel in PHONE_CHANNELS else address.lower()):
        # The job holds report ids, not the address: it reads that from the reports.
        enqueue("notify.send_links", channel=channel, report_ids=found, language=language)


# The most reports one message lists (the newest): a WhatsApp parameter holds 1024 characters.
MOST = 20


def letter(reports):
    """The message: every report's code, status, public link and private link, marked as personal."""
    codes = ", ".join(report.code for report in reports)
    paragraphs = [_("Here are the links of your reports, as you asked on Lapor Padangpanjang.")]
    for report in reports:
        paragraphs.append("\n".join([
            _("%(code)s (%(category)s, %(address)s): %(status)s.") % {
                "code": report.code, "category": report.category, "address": report.address,
                "status": report.get_status_display()},
            *([] if report.private else [compose.public_link(report)]), compose.private_link(report)]))
    paragraphs.append(_("If you did not ask for this, you may ignore this message."))
    return compose.Letter(_("%(codes)s: your links") % {"codes": codes}, paragraphs,
                          compose.absolute(reports[0].get_private_url() if reports[0].private  # no public page
                                           else reports[0].get_absolute_url()), "", _("Hello,"))


def destination(channel, report):
    """The address the reports were found by, read from the first of them (the job keeps no address)."""
    return report.reporter_email if channel == Channel.EMAIL else phone_number(report.reporter_phone)


def channel_of(address):
    """E-mail for an address with an @, else the phone gateway the city runs; "" when that is off."""
    return Channel.EMAIL if "@" in address else next(iter(channels.available() & PHONE_CHANNELS), "")
