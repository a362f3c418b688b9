"""Hostile intake (the security issue's "codes that cannot collide"): tracking codes numbered by the year they are
given and never failing on a code taken; dates from elsewhere bounded; text bounded on every way in (the form,
the API, Open311, LAPOR!), with errors that name the field; LAPOR! imports whose private link is random."""

import importlib
import uuid
from datetime import timedelta

import pytest
from django.apps import apps as installed_apps
from django.utils import timezone

from forwarding import inbound
from forwarding.models import Disposition, Forwarding
from reports import filing
from reports.models import Category, Report, TrackingCounter
from tests.conftest import make_report, run_jobs
from tests.images import GANTING_GPS
from tests.test_lapor import disposition, fixed_now, lapor  # noqa: F401 (the fake LAPOR! and the clock)
from tests.test_open311 import V2, api_key, request_data  # noqa: F401 (the API key fixture)
from tests.test_reports_api import file

pytestmark = pytest.mark.django_db  # and every test at test_lapor's NOW (its autouse fixed_now): 2026


def this_year_code(number):
    return f"PP-26{number:04d}"


def test_a_code_taken_already_is_passed_over_for_the_next_number(client):
    # As the complaint "filed in 1927" left it: PP-27… was given by 1927's counter, and 2027's reaches it.
    first = make_report()
    squatter = make_report()
    Report.objects.filter(pk=squatter.pk).update(code=this_year_code(TrackingCounter.objects.get(
        year=2026).last + 1))
    response = file(client)
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == this_year_code(int(first.code[-4:]) + 3)
    assert Report.objects.get(pk=squatter.pk).code == this_year_code(int(first.code[-4:]) + 2)  # never changed


def test_the_code_comes_from_the_year_it_is_given_not_the_date_a_complaint_came_with():
    long_ago = timezone.now() - timedelta(days=340)  # Christmas of the year before
    report, _ = filing.file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                                   lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lampu mati.", photos=[],
                                   filed_at=long_ago)
    assert report.created == long_ago  # within IMPORT_MAX_AGE_DAYS: its own date counts
    assert report.code.startswith("PP-26")
    assert timezone.localdate(long_ago).year == 2025 and not TrackingCounter.objects.filter(year=2025).exists()


@pytest.mark.parametrize("offset", [timedelta(days=-36500), timedelta(days=-366), timedelta(days=3)])
def test_a_filing_date_in_the_future_or_too_old_gives_way_to_the_receipt_and_the_history_keeps_it(offset, settings):
    settings.IMPORT_MAX_AGE_DAYS = 365
    claimed = timezone.now() + offset
    before = timezone.now()
    report, _ = filing.file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                                   lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lampu mati.", photos=[],
                                   filed_at=claimed)
    report.refresh_from_db()
    assert before <= report.created <= timezone.now()
    assert report.due_date >= timezone.localdate()
    [first] = report.history.all()
    assert not first.public and claimed.isoformat(timespec="seconds") in first.note
    assert first.public_note == ""


def test_a_clock_a_few_minutes_ahead_counts_as_now_without_a_note():
    before = timezone.now()
    report, _ = filing.file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                                   lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lampu mati.", photos=[],
                                   filed_at=timezone.now() + timedelta(minutes=2))
    report.refresh_from_db()
    assert before <= report.created <= timezone.now()
    assert report.history.get().note == ""


def test_the_html_form_names_each_field_too_long_and_files_nothing(client):
    answer = client.post("/lapor/", {
        "client_uuid": str(uuid.uuid4()), "category": "lampu-mati", "lat": GANTING_GPS[0], "lon": GANTING_GPS[1],
        "description": "x" * (filing.DESCRIPTION_MAX + 1), "name": "n" * (filing.NAME_MAX + 1),
        "email": f"{'a' * 60}@{'b' * 63}.{'c' * 63}.{'d' * 63}.id"}, HTTP_ACCEPT_LANGUAGE="en")
    page = answer.content.decode()
    assert answer.status_code == 400 and not Report.objects.exists()
    assert "Ensure this value has at most 2000 characters (it has 2001)." in page
    assert "Ensure this value has at most 100 characters (it has 101)." in page
    assert "Ensure this value has at most 254 characters" in page  # the database keeps 254: no 500


def test_the_api_names_each_field_too_long_in_json(client):
    answer = file(client, description="x" * 200_003, name="n" * 101)
    assert answer.status_code == 400 and not Report.objects.exists()
    assert set(answer.json()) == {"description", "name"}


def test_open311_refuses_a_long_address_or_name_naming_the_field(client, api_key):  # noqa: F811
    long_address = client.post(f"{V2}/requests.json", request_data(api_key, address_string="Jalan " * 60))
    assert long_address.status_code == 400
    assert long_address.json()[0]["description"].startswith("address_string: at most 300 characters")
    long_name = client.post(f"{V2}/requests.json", request_data(api_key, first_name="S" * 60, last_name="D" * 60))
    assert long_name.status_code == 400 and long_name.json()[0]["description"].startswith("first_name: ")
    control = client.post(f"{V2}/requests.json", request_data(api_key, address_string="Jalan\x0bSudirman"))
    assert control.status_code == 400 and control.json()[0]["description"].startswith("address_string: ")
    assert not Report.objects.exists()


def test_the_filing_service_itself_refuses_text_past_the_bounds():
    with pytest.raises(filing.ValidationError) as refused:
        filing.file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                           lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="x" * 2001, photos=[],
                           address="y" * 301)
    assert set(refused.value.message_dict) == {"description", "address"}


def test_stored_text_longer_than_the_bounds_stays_whole(client):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(description="z" * 5000)  # filed before the bounds
    assert client.get(report.get_absolute_url()).status_code == 200
    assert len(Report.objects.get(pk=report.pk).description) == 5000


def test_a_lapor_complaint_too_long_or_misdated_is_kept_cut_with_a_note_and_dated_at_receipt(lapor):  # noqa: F811
    text = "Jalan berlubang. " * 12_000  # about 200,000 characters
    lapor.dispositions = [[disposition("LP-LONG", content=text, created_at="1900-01-01T08:00:00+07:00"),
                           disposition("LP-SOON", created_at=(timezone.now() + timedelta(days=30)).isoformat())]]
    before = timezone.now()
    inbound.pull()
    run_jobs()
    report = Forwarding.objects.get(external_id="LP-LONG").report
    assert len(report.description) == filing.DESCRIPTION_MAX
    assert report.description.startswith("Jalan rusak\n\nJalan berlubang.")
    assert report.description.endswith("teks lengkapnya ada di LAPOR! sebagai LP-LONG.]")
    assert str(len("Jalan rusak\n\n" + text)) in report.description
    assert Disposition.objects.get(tracking_id="LP-LONG").payload["content"] == text  # as it came
    for tracking_id in ("LP-LONG", "LP-SOON"):
        forwarding = Forwarding.objects.get(external_id=tracking_id)
        created = forwarding.report.created
        assert before <= created <= timezone.now() and forwarding.received == created
        assert forwarding.report.code.startswith("PP-26")
    assert "1900-01-01T08:00:00+07:00" in Forwarding.objects.get(external_id="LP-LONG").report.history.get().note


def test_an_imported_reports_private_link_cannot_be_worked_out_from_its_tracking_id(lapor, client):  # noqa: F811
    lapor.dispositions = [[disposition("LP-77")]]
    inbound.pull()
    run_jobs()
    report = Forwarding.objects.get(external_id="LP-77").report
    # The submission id the import used to make from the public tracking ID: the API answers it with nothing.
    computable = uuid.uuid5(uuid.UUID("0d3c1f3e-6a57-4c1b-9a38-4c6f1a2b7e10"), "LP-77")
    assert report.client_uuid != computable
    answer = file(client, client_uuid=str(computable))
    assert answer.status_code == 201 and report.private_token not in answer.content.decode()
    assert answer.json()["code"] != report.code


def test_a_second_save_of_the_dispatchers_pin_files_the_complaint_once(lapor):  # noqa: F811
    lapor.dispositions = [[disposition("LP-8", lat=None, lon=None)]]
    inbound.pull()
    run_jobs()
    waiting = Disposition.objects.get(tracking_id="LP-8")
    assert waiting.state == Disposition.State.NEEDS_LOCATION
    pothole = Category.objects.get(slug="jalan-berlubang")  # the dispatcher's choice
    first = inbound.file_disposition(waiting, *GANTING_GPS, category=pothole)
    again = inbound.file_disposition(Disposition.objects.get(pk=waiting.pk), *GANTING_GPS, category=pothole)
    assert again == first and Report.objects.count() == 1


def test_the_migration_gives_imported_reports_new_private_links_and_submission_ids(lapor):  # noqa: F811
    lapor.dispositions = [[disposition("LP-5")]]
    inbound.pull()
    run_jobs()
    imported = Forwarding.objects.get(external_id="LP-5").report
    own = make_report()
    old = uuid.uuid5(uuid.UUID("0d3c1f3e-6a57-4c1b-9a38-4c6f1a2b7e10"), "LP-5")
    Report.objects.filter(pk=imported.pk).update(client_uuid=old, private_token="dulu")  # as imports were
    migration = importlib.import_module("forwarding.migrations.0003_random_import_links")
    migration.rotate(installed_apps, None)
    imported.refresh_from_db()
    assert imported.client_uuid != old and len(imported.private_token) == 43
    assert Report.objects.get(pk=own.pk).private_token == own.private_token  # the city's own reports keep theirs
