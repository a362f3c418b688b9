"""Every staff read of a reporter's contact details leaves a row of the access log; the admin's pages show them
only on demand; crews and planners never get them; administrators export the log; no log line holds them."""

import csv
import io
import json
import logging

import pytest
from django.core import mail
from django.utils import timezone

from jobs.queue import enqueue
from privacy.models import ContactAccess
from reports import workflow
from reports.models import Report
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, run_jobs, staff_user
from tests.test_admin_permissions import act
from tests.test_reports_api import EMAIL, PHONE, report_data

pytestmark = pytest.mark.django_db


def reads():
    return list(ContactAccess.objects.order_by("pk").values_list("actor", "report_code", "channel"))


def test_the_admins_report_page_shows_no_contact_detail_and_logs_nothing(desk_clients):
    report = make_report()
    page = desk_clients["admin"].get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert REPORTER_PHONE not in page and REPORTER_EMAIL not in page and REPORTER_NAME not in page
    assert 'value="show_contact"' in page
    assert reads() == []


def test_show_contact_gives_the_details_and_leaves_one_row_per_report_with_details(desk_clients):
    first, second, nameless = make_report(), make_report(lat=-0.4600), make_report(lat=-0.4601)
    Report.objects.filter(pk=nameless.pk).update(reporter_name="", reporter_phone="", reporter_email="")
    page = act(desk_clients["admin"], "report", "show_contact", first.pk, second.pk, nameless.pk)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert REPORTER_PHONE in text and REPORTER_EMAIL in text
    assert sorted(reads()) == sorted([("admin", first.code, "admin"), ("admin", second.code, "admin")])


def test_the_change_pages_show_button_posts_the_logged_action(desk_clients):
    report = make_report()
    administrator = desk_clients["admin"]
    # What the button on the change page sends: the change form's fields, the action and the report's id.
    page = administrator.post("/admin/reports/report/", {"action": "show_contact", "_selected_action": report.pk,
                                                      "description": report.description, "crew": report.crew_id})
    assert REPORTER_PHONE in page.content.decode()
    assert reads() == [("admin", report.code, "admin")]


def test_a_planner_can_not_show_contact_details(desk_clients):
    report = make_report()
    page = act(desk_clients["planner"], "report", "show_contact", report.pk)
    assert REPORTER_PHONE not in page.content.decode()
    assert reads() == []


def test_a_dispatchers_export_logs_each_report_whose_name_it_holds(client, desk_clients):
    named, nameless = make_report(), make_report(lat=-0.4600)
    Report.objects.filter(pk=nameless.pk).update(reporter_name="", reporter_phone="", reporter_email="")
    export = b"".join(desk_clients["dispatcher"].get("/api/v1/reports.csv").streaming_content).decode()
    assert REPORTER_NAME in export and REPORTER_PHONE not in export
    assert reads() == [("dewi", named.code, "export")]
    desk_clients["planner"].get("/api/v1/reports.geojson")
    client.get("/api/v1/reports.geojson")
    assert len(reads()) == 1


def test_administrators_alone_read_and_export_the_log(desk_clients):
    report = make_report()
    act(desk_clients["admin"], "report", "show_contact", report.pk)
    [row] = ContactAccess.objects.all()
    assert desk_clients["dispatcher"].get("/admin/privacy/contactaccess/")["Location"].startswith("/admin/login/")
    assert desk_clients["planner"].get("/admin/privacy/contactaccess/")["Location"].startswith("/admin/login/")
    response = desk_clients["admin"].post("/admin/privacy/contactaccess/", {"action": "export_csv",
                                                                            "_selected_action": [row.pk]})
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # the rules of every CSV we serve (tests/test_exports.py)
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(line["user"], line["report"], line["channel"]) for line in table] == [("admin", report.code, "admin")]
    assert table[0]["time_wib"] == timezone.localtime(row.created).isoformat(timespec="seconds")
    assert response["Content-Disposition"].startswith('attachment; filename="akses-kontak-')


def logged_text(caplog):
    """Every log record's message and extra fields, as text."""
    return "\n".join(json.dumps(record.__dict__, default=str) + record.getMessage() for record in caplog.records)


def test_no_contact_detail_reaches_the_logs_while_filing_notifying_and_retaining(
    client, django_user_model, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    response = client.post("/api/v1/reports", report_data(name="Budi Santoso"))
    assert response.status_code == 201
    form = client.post("/lapor/", report_data(name="Budi Santoso"))  # the page's own form
    assert form.status_code == 302
    refused = client.post("/api/v1/reports", report_data(contact_consent=None))  # a refusal is logged too
    assert refused.status_code == 400
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    for report in Report.objects.all():
        workflow.change_status(report, "diverifikasi", dewi, version=report.version)
    run_jobs()  # the e-mails to the reporters
    assert len(mail.outbox) == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # a mail server that refuses: an error logged
    report = Report.objects.first()
    workflow.change_status(report, "dikerjakan", dewi, version=report.version)
    run_jobs()
    settings.CONTACT_RETENTION_DAYS = 0
    enqueue("privacy.retention")
    run_jobs()
    text = logged_text(caplog)
    assert "message_failed" in text and "retention" in text  # the logs did record these events
    for private in (PHONE, PHONE.replace(" ", ""), EMAIL, "Budi Santoso"):
        assert private not in text, private
