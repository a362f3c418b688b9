"""What a message says: the pending notices of one subscription, in its language, with how to stop. Every subject
names the report's code; every message greets, and says what a status means and what comes next."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notify.models import Notice, Subscription
from reports.models import Status


def absolute(path):
    """A full URL of one of our pages or files (a file in a bucket has its own already)."""
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL.rstrip("/") + path


@dataclass
class Letter:
    subject: str
    paragraphs: list
    link: str  # where a tap on a notification goes
    stop: str  # the one-click stop link ("" for a message no subscription asked for)
    greeting: str = field(default="")

    def text(self):
        return "\n\n".join([self.greeting, *self.paragraphs] if self.greeting else self.paragraphs)

    def one_line(self):
        """For a WhatsApp template's parameter, which may hold no line breaks."""
        return " | ".join(line.strip() for line in self.text().splitlines() if line.strip())


def greeting(subscription):
    """"Hello," with the reporter's own name on their own report (it goes to them)."""
    report = subscription.report if subscription.role == Subscription.Role.REPORTER else None
    name = report.reporter_name if report else ""
    return _("Hello %(name)s,") % {"name": name} if name else _("Hello,")


def meaning(status):
    """What a status means to a resident and what comes next, in one sentence (the workflow's words,
    docs/glossary.md)."""
    return {
        Status.BARU: _("The city has received it; a city officer checks it first."),
        Status.DIVERIFIKASI: _("A city officer has checked it and given it to a repair crew, who will come and fix "
                               "it."),
        Status.DIKERJAKAN: _("A repair crew is working on it now."),
        Status.SELESAI: _("The crew says it is fixed; in a while we ask you whether it really is."),
        Status.DITUTUP: _("The work is finished and the report is closed."),
        Status.DITOLAK: _("The city does not handle it, for the reason given; file a new report if the problem "
                          "is still there."),
        Status.DUPLIKAT: _("Another report already tells of the same problem: the city handles it there, and the "
                           "supports count there."),
    }[Status(status)]


def about(subscription):
    """What the subscription is about, as a resident reads it."""
    if subscription.report_id:
        return _("report %(code)s") % {"code": subscription.report.code}
    if subscription.kelurahan_id:
        return _("new reports in Kelurahan %(name)s") % {"name": subscription.kelurahan.name}
    return _("new reports within %(metres)d m of the place you chose") % {"metres": subscription.radius_m}


def report_link(subscription, report):
    """The reporter's private page (with their details), or the public one for everybody else."""
    return absolute(report.get_private_url() if is_own(subscription, report) else report.get_absolute_url())


def is_own(subscription, report):
    return subscription.role == Subscription.Role.REPORTER and subscription.report_id == report.pk


def received(report):
    """The acknowledgement's first paragraph: the report, what happens next and by when."""
    return _("We have received your report %(code)s (%(category)s, %(address)s). What happens next: a city officer "
             "checks it, then %(crew)s handles it by %(due)s. We tell you of every change.") % {
        "code": report.code, "category": report.category, "address": report.address,
        "crew": handler(report), "due": formats.date_format(report.due_date)}


def handler(report):
    """Who handles it: the crew, or for a service complaint the office that answers it."""
    if report.crew_id:
        return report.crew.name
    if report.office_id and not report.category.by_crew:
        return report.office.name
    return _("the city's crew")


def public_link(report):
    return _("Its public page, which you may share: %(link)s") % {"link": absolute(report.get_absolute_url())}


def shared_links(report):
    """The public page's paragraph, as a list: none for a complaint that is not public (it has no public page)."""
    return [] if report.private else [public_link(report)]


def private_link(report):
    return _("Your personal link, only for you: do not share it, it shows your contact details and lets you "
             "correct or erase them: %(link)s") % {"link": absolute(report.get_private_url())}


def paragraph(subscription, notice):
    """(subject, paragraph, link) of one notice."""
    report = notice.report or subscription.report
    if notice.kind == Notice.Kind.CONFIRM:
        link = absolute(subscription.confirm_url())
        if report is not None and is_own(subscription, report):  # a reporter's phone: the acknowledgement
            text = "\n\n".join([received(report), *shared_links(report), _(
                "Confirm that this number may receive messages about it; then we send your personal link: "
                "%(link)s") % {"link": link}])
            return _("%(code)s: your report has been received") % {"code": report.code}, text, link
        subject = (_("%(code)s: confirm your messages") % {"code": report.code} if report is not None
                   else _("Confirm your messages from Lapor Padangpanjang"))
        return subject, _("Confirm that you want messages about %(what)s: %(link)s") % {
            "what": about(subscription), "link": link}, link
    link = report_link(subscription, report)
    facts = {"code": report.code, "category": report.category, "link": link}
    if notice.kind == Notice.Kind.ACK:
        text = "\n\n".join([received(report), *shared_links(report), private_link(report)])
        return _("%(code)s: your report has been received") % facts, text, link
    if notice.kind == Notice.Kind.CHANGE:
        return changed(notice.change, facts)
    if notice.kind == Notice.Kind.FILED:
        text = _("New report %(code)s in %(kelurahan)s: %(category)s, %(address)s. %(link)s") % {
            **facts, "kelurahan": report.kelurahan.name, "address": report.address}
        return _("%(code)s: a new report near you") % facts, text, link
    link = absolute(subscription.fixed_url())
    day = formats.date_format(timezone.localdate(notice.change.created))
    text = _("%(code)s (%(category)s) was marked fixed on %(date)s. Is it really fixed? Tell us here: %(link)s") % {
        **facts, "date": day, "link": link}
    return _("%(code)s: is it really fixed?") % facts, text, link


def changed(change, facts):
    """(subject, paragraph, link) of a status change: what it means, its public note, the fix photo."""
    status = Status(change.to_status)
    parts = [_("%(code)s (%(category)s) is now: %(status)s.") % {**facts, "status": status.label}, meaning(status)]
    if change.note and change.public:  # a crew's internal note stays with the staff
        parts.append(change.note)
    if change.photo is not None and change.photo.published:
        parts.append(_("Photo of the fix: %(link)s") % {"link": absolute(change.photo.image.url)})
    text = " ".join(parts) + "\n\n" + _("The report's page: %(link)s") % facts
    return _("%(code)s is now: %(status)s") % {**facts, "status": status.label}, text, facts["link"]


def letter(subscription, notices):
    """One message of all `notices` of `subscription`, in its language: several name all their codes."""
    with translation.override(subscription.language):
        parts = [paragraph(subscription, notice) for notice in notices]
        codes = list(dict.fromkeys(notice.report.code for notice in notices if notice.report_id))
        if len(parts) == 1:
            subject = parts[0][0]
        elif codes:
            subject = _("%(codes)s: %(count)d updates from Lapor Padangpanjang") % {"codes": ", ".join(codes),
                                                                                 "count": len(parts)}
        else:
            subject = _("%(count)d updates from Lapor Padangpanjang") % {"count": len(parts)}
        stop = absolute(subscription.stop_url())
        paragraphs = [text for _subject, text, _link in parts] + [_("To stop these messages: %(link)s") % {
            "link": stop}]
        return Letter(subject, paragraphs, parts[-1][2], stop, greeting(subscription))
