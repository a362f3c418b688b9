"""Every personal datum the product keeps: the privacy page shows this list, docs/privacy.md the same one for
the operators (tests/test_privacy.py checks each item's place is named there)."""

from django.conf import settings
from django.utils.translation import gettext as _


def inventory():
    """[{what, where, why, who, kept}] in the request's language, with the configured retention periods."""
    days = {"contact": settings.CONTACT_RETENTION_DAYS, "ip": settings.IP_RETENTION_DAYS,
            "photos": settings.HIDDEN_PHOTO_RETENTION_DAYS, "calls": settings.API_CALLS_KEEP_DAYS,
            "jobs": settings.JOBS_KEEP_DAYS, "tokens": settings.API_TOKEN_DAYS,
            "confirmations": settings.CONFIRMATIONS_PER_DAY, "ikm": settings.IKM_MIN_ANSWERS}
    contact_kept = _("Until you erase them, or %(contact)s days after the report is closed (fixed, closed, "
                     "rejected or a duplicate).") % days
    return [
        {"what": _("Your name (reporter)"), "where": "reports_report.reporter_name",
         "why": _("To address you. Shown on the public report only if you ticked “show my name”. Basis: your "
                  "consent."),
         "who": _("Dispatchers, on request (each reading is logged); the public only if you chose."),
         "kept": contact_kept},
        {"what": _("Your phone number and e-mail address (reporter)"),
         "where": "reports_report.reporter_phone, reporter_email",
         "why": _("To tell you how your report goes. Basis: your consent, ticked on the form; its time is kept "
                  "with the report (contact_consent_at)."),
         "who": _("Dispatchers, on request (each reading is logged). Never crews, planners or the public."),
         "kept": contact_kept},
        {"what": _("Your report: description, answers, photos, place"),
         "where": "reports_report, reports_photo, reports_statuschange",
         "why": _("Public service: the city must handle and account for complaints (UU 25/2009). Photos you "
                  "mark as showing people or vehicles wait for a dispatcher, who blurs faces and number "
                  "plates before publishing them; a dispatcher removes names and numbers written in the text."),
         "who": _("Everyone (it is a public report), except photos waiting for review and hidden reports."),
         "kept": _("As the city's record. The photos of a report rejected or hidden from the public are deleted "
                   "%(photos)s days later.") % days},
        {"what": _("Supporters (“me too”)"), "where": "reports_support.supporter",
         "why": _("To count each supporter once: a random number made by the browser, or a staff account's "
                  "number. No name, phone or e-mail."),
         "who": _("Nobody; only the count is shown."), "kept": _("As long as the report.")},
        {"what": _("Alert and push subscriptions, WhatsApp and SMS numbers"), "where": "notify_subscription.address",
         "why": _("To send the alerts you asked for. Basis: your consent. A phone number gets nothing but the link "
                  "to confirm until you open it."),
         "who": _("No staff page shows it: administrators can only delete a subscription."),
         "kept": _("Until you end the subscription (one click in every message), or a year without your "
                   "confirmation.")},
        {"what": _("Counts of messages to one phone number or e-mail address"), "where": "notify_allowance",
         "why": _("Stopping anyone from flooding a phone or a mailbox: at most %(confirmations)s links to confirm a "
                  "day go to one address, whoever asks. It keeps a keyed digest of the address and the times of "
                  "that day's messages, never the address itself.") % days,
         "who": _("Nobody (counters only)."), "kept": _("One day after the last message.")},
        {"what": _("Your WhatsApp conversation with the city's number"),
         "where": "chat_conversation.phone, chat_inbound.content, chat_reply.text",
         "why": _("To answer you and file the report you describe. Your number goes with the report only if you "
                  "answer yes to “Boleh kami kirim kabar laporan ke nomor ini?”; STOP ends every message to it."),
         "who": _("No staff page shows it: administrators can only delete a conversation."),
         "kept": _("Messages 30 days; the answers of an unfinished report a day; the number 30 days after your "
                   "last message, or as long as you said STOP (so that nothing goes to it).")},
        {"what": _("Your answers to “Sudah diperbaiki?”"), "where": "notify_fixanswer.comment",
         "why": _("To know whether a fix holds and how residents rate it; a “no” reopens the report. Basis: your "
                  "consent (answering is up to you)."),
         "who": _("Dispatchers and administrators read your words; the public sees only counts and ratings per "
                  "crew, category and kelurahan."),
         "kept": _("As long as the report; personal data written in it is removed by a dispatcher on request.")},
        {"what": _("Your answers to the satisfaction survey, and your suggestion"),
         "where": "notify_surveyanswer.suggestion",
         "why": _("The city's satisfaction index (PermenPANRB 14/2017) and what residents suggest. Basis: your "
                  "consent (answering is up to you). The answers carry no name, phone or e-mail."),
         "who": _("Planners, dispatchers and administrators read the suggestions; the public sees only the index "
                  "per period, crew, category and kelurahan, from %(ikm)s answers.") % days,
         "kept": _("As long as the report; personal data written in a suggestion is removed by a dispatcher on "
                   "request.")},
        {"what": _("Complaints handed over by LAPOR!-SP4N, as they came"), "where": "forwarding_disposition.payload",
         "why": _("The city's record of what LAPOR! handed over; the report made from it is public like any "
                  "other, without your contact details."),
         "who": _("Dispatchers and administrators."),
         "kept": _("The city's record; personal data written in it is removed with the report's on request.")},
        {"what": _("IP addresses of systems calling the API"), "where": "reports_apicall.remote_addr",
         "why": _("Security: finding misuse of an API key."), "who": _("Administrators."),
         "kept": _("The address %(ip)s days; the record of the call %(calls)s days.") % days},
        {"what": _("Staff sign-in records: user name, IP address, browser"),
         "where": "axes_accessattempt, axes_accesslog, axes_accessfailurelog",
         "why": _("Security: locking out password guessing, and knowing who signed in when."),
         "who": _("Administrators."),
         "kept": _("IP addresses %(ip)s days; lock-out counters are then deleted.") % days},
        {"what": _("IP addresses in the rate limits"), "where": "Redis (reports.ratelimit)",
         "why": _("Stopping floods of reports, supports, messages and searches from one connection."),
         "who": _("Nobody (counters only)."),
         "kept": _("One hour.")},
        {"what": _("The web server's (proxy's) logs: IP address, time, page"), "where": "nginx access log",
         "why": _("Operating and securing the service."), "who": _("The operators."),
         "kept": _("%(ip)s days (log rotation); private links are logged without their secret.") % days},
        {"what": _("Background jobs"), "where": "jobs_job.args",
         "why": _("Work done later (an e-mail, an address). They hold numbers only (ids), never a name, phone "
                  "or e-mail."), "who": _("Administrators."),
         "kept": _("%(jobs)s days after they are done.") % days},
        {"what": _("Access log of contact details"), "where": "privacy_contactaccess",
         "why": _("Accountability: which staff member read whose contact details, and when. It holds no "
                  "contact details."), "who": _("Administrators."), "kept": _("As the city's record.")},
        {"what": _("Audit trail of staff actions"), "where": "audit_auditentry",
         "why": _("Accountability: who hid, merged, blurred or redacted what. Field names only for personal "
                  "data, never its values."), "who": _("Administrators."), "kept": _("As the city's record.")},
        {"what": _("Staff accounts: name, e-mail, authenticator app, API token"),
         "where": "auth_user, otp_totp_totpdevice, authtoken_token",
         "why": _("Signing in, and the morning e-mail of reports due."), "who": _("Administrators."),
         "kept": _("While the person works for the city; an API token %(tokens)s days.") % days},
        {"what": _("Backups of all the above"), "where": "BACKUP_DIR (manage.py backup)",
         "why": _("Restoring the service after a failure."), "who": _("The operators (encrypted copies)."),
         "kept": _("Until rotated out (at most 12 months): something erased here leaves the backups as they "
                   "age.")},
        {"what": _("Copies sent to LAPOR!-SP4N or other systems, and staff exports"),
         "where": "forwarding_forwarding, forwarding_followup, /api/v1/reports.csv",
         "why": _("A verified report goes to LAPOR!-SP4N, the national complaint system (and to partner systems "
                  "the city set up): place, description, published photos, status changes and public notes; "
                  "your name only if you chose to show it, never your phone or e-mail. A dispatcher's export "
                  "holds reporters' names, and each report in it is logged."),
         "who": _("LAPOR!-SP4N, partner systems, whoever received an export."),
         "kept": _("Out of our hands once sent: erasing here does not reach those copies.")},
    ]
