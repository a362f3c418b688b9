"""What a message says: the pending notices of one subscription, in its language, with how to stop."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notify.models import Notice, Subscription
from reports.models import Status


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


@dataclass
class Letter:
    subject: str
    paragraphs: list
    link: str  # where a tap on a notification goes
    stop: str  # the one-click stop link

    def text(self):
        return "\n\n".join(self.paragraphs)

    def one_line(self):
        """For a WhatsApp template's parameter, which may hold no line breaks."""
        return " | ".join(self.paragraphs)


def about(subscription):
    """What the subscription is about, as a resident reads it."""
    if subscription.report_id:
        return _("report %(code)s") % {"code": subscription.report.code}
    if subscription.kelurahan_id:
        return _("new reports in Kelurahan %(name)s") % {"name": subscription.kelurahan.name}
    return _("new reports within %(metres)d m of the place you chose") % {"metres": subscription.radius_m}


def report_link(subscription, report):
    """The reporter's private page (with their details), or the public one for everybody else."""
    own = subscription.role == Subscription.Role.REPORTER and subscription.report_id == report.pk
    return absolute(report.get_private_url() if own else report.get_absolute_url())


def paragraph(subscription, notice):
    """(subject, paragraph, link) of one notice."""
    report = notice.report
    if notice.kind == Notice.Kind.CONFIRM:
        link = absolute(subscription.confirm_url())
        return (_("Confirm your messages from Lapor Padangpanjang"),
                _("Confirm that you want messages about %(what)s: %(link)s") % {"what": about(subscription),
                                                                                 "link": link}, link)
    link = report_link(subscription, report)
    facts = {"code": report.code, "category": report.category, "link": link}
    if notice.kind == Notice.Kind.CHANGE:
        status = Status(notice.change.to_status).label
        text = _("%(code)s (%(category)s) is now: %(status)s.") % {**facts, "status": status}
        if notice.change.note and notice.change.public:  # a crew's internal note stays with the staff
            text += " " + notice.change.note
        return (_("Report %(code)s is now: %(status)s") % {"code": report.code, "status": status},
                text + " " + _("Follow it here: %(link)s") % facts, link)
    if notice.kind == Notice.Kind.FILED:
        text = _("New report %(code)s in %(kelurahan)s: %(category)s, %(address)s. %(link)s") % {
            **facts, "kelurahan": report.kelurahan.name, "address": report.address}
        return _("New report %(code)s near you") % facts, text, link
    link = absolute(subscription.fixed_url())
    day = formats.date_format(timezone.localdate(notice.change.created))
    text = _("%(code)s (%(category)s) was marked fixed on %(date)s. Is it really fixed? Answer and rate the work: "
             "%(link)s") % {**facts, "date": day, "link": link}
    return _("Is %(code)s really fixed?") % facts, text, link


def letter(subscription, notices):
    """One message of all `notices` of `subscription`, in its language."""
    with translation.override(subscription.language):
        parts = [paragraph(subscription, notice) for notice in notices]
        subject = parts[0][0] if len(parts) == 1 else _("%(count)d updates from Lapor Padangpanjang") % {
            "count": len(parts)}
        stop = absolute(subscription.stop_url())
        paragraphs = [text for _subject, text, _link in parts] + [_("To stop these messages: %(link)s") % {
            "link": stop}]
        return Letter(subject, paragraphs, parts[-1][2], stop)
