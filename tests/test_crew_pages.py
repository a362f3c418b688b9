"""The crew's pages and signing in: who gets in, what they may do, lock-out after repeated failures."""

import pytest
from django.utils import translation

from reports import workflow
from reports.models import Report
from reports.roles import CREW, DISPATCHER, PLANNER
from tests.conftest import REPORTER_PHONE, make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return make_report(description="Lubang besar di jalan utama.", status="diverifikasi")


def test_a_visitor_is_sent_to_sign_in(client, report):
    response = client.get("/petugas/")
    assert response.status_code == 302 and response.url.startswith("/masuk/?next=/petugas/")
    assert client.get(f"/petugas/laporan/{report.code}/").status_code == 302


def test_a_signed_in_user_without_a_role_is_refused(client, django_user_model, report):
    client.force_login(staff_user(django_user_model, "warga"))
    assert client.get("/petugas/").status_code == 403
    assert client.get(f"/petugas/laporan/{report.code}/").status_code == 403


def test_the_assigned_crew_sees_its_actions_and_a_planner_none(client, django_user_model, report):
    client.force_login(staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur"))
    page = client.get(f"/petugas/laporan/{report.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="action"' in page and 'value="dikerjakan"' in page and 'value="ditolak"' not in page
    assert "geo:-0.460738,100.417659" in page
    assert REPORTER_PHONE not in page  # the phone stays in the admin

    client.force_login(staff_user(django_user_model, "bima", PLANNER))
    page = client.get(f"/petugas/laporan/{report.code}/").content.decode()
    assert 'id="action"' not in page


def test_a_dispatcher_sees_every_move_the_workflow_allows(client, django_user_model, report):
    verified_login(client, staff_user(django_user_model, "dewi", DISPATCHER))
    page = client.get(f"/petugas/laporan/{report.code}/").content.decode()
    for move in ("dikerjakan", "ditolak", "duplikat"):
        assert f'value="{move}"' in page


def test_the_actions_offered_are_named_as_actions_usual_step_first_and_none_is_chosen(client, django_user_model,
                                                                                      report):
    Report.objects.filter(pk=report.pk).update(status="dikerjakan")
    crew = staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur")
    report.refresh_from_db()
    with translation.override("en"):
        offered = [(to, str(label)) for to, label in workflow.actions(report, crew)]
    assert offered == [
        ("selesai", "Mark fixed"), ("diverifikasi", "Hand back to the dispatcher")]
    client.force_login(crew)
    page = client.get(f"/petugas/laporan/{report.code}/").content.decode()
    assert "Tandai selesai" in page and "Kembalikan ke petugas meja" in page
    assert 'type="radio"' in page and "checked" not in page  # nothing chosen for them


def test_a_dispatcher_is_offered_verify_reject_duplicate_and_reopen_of_a_final_report(django_user_model, report):
    dispatcher = staff_user(django_user_model, "dewi", DISPATCHER)
    Report.objects.filter(pk=report.pk).update(status="baru")
    report.refresh_from_db()
    assert [to for to, _ in workflow.actions(report, dispatcher)] == ["diverifikasi", "ditolak", "duplikat"]
    Report.objects.filter(pk=report.pk).update(status="ditolak")
    report.refresh_from_db()
    with translation.override("en"):
        assert [(to, str(label)) for to, label in workflow.actions(report, dispatcher)] == [("diverifikasi", "Reopen")]


def test_every_move_of_the_workflow_has_an_action_name():
    named = {to for (start, to) in workflow.ACTIONS}
    for start, targets in workflow.TRANSITIONS.items():
        for to in targets:
            assert (start, to) in workflow.ACTIONS or to in named, (start, to)


def test_the_crew_home_lists_their_crews_and_filters(client, django_user_model):
    client.force_login(staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur"))
    page = client.get("/petugas/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tim Jalan Padang Panjang Timur" in page and 'name="overdue"' in page


def test_sign_in_locks_after_five_wrong_passwords(client, django_user_model):
    staff_user(django_user_model, "andi", CREW)
    for _ in range(4):
        assert client.post("/masuk/", {"username": "andi", "password": "salah"}).status_code == 200
    assert client.post("/masuk/", {"username": "andi", "password": "salah"}).status_code == 429
    # Locked: even the right password is refused for now.
    locked = client.post("/masuk/", {"username": "andi", "password": "sandi-rahasia-123"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()


def test_the_right_password_signs_in_to_the_crew_page(client, django_user_model):
    staff_user(django_user_model, "andi", CREW)
    response = client.post("/masuk/", {"username": "andi", "password": "sandi-rahasia-123"})
    assert response.status_code == 302 and response.url == "/petugas/"


def test_signing_out_returns_to_the_sign_in_page(client, django_user_model):
    client.force_login(staff_user(django_user_model, "andi", CREW))
    assert 'action="/keluar/"' in client.get("/petugas/").content.decode()
    response = client.post("/keluar/")
    assert response.status_code == 302 and response.url == "/masuk/"
    assert client.get("/petugas/").status_code == 302
