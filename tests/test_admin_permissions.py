"""The admin is the administrators' alone: planners and dispatchers (even given is_staff) act on nothing there and
are sent to its sign-in; API keys are the administrators'."""

import pytest

from reports.interop.open311 import new_key
from reports.models import ApiClient, Photo, Report
from tests.conftest import make_report
from tests.test_dispatcher_admin import stored_image

pytestmark = pytest.mark.django_db


def act(client, model, action, *pks):
    return client.post(f"/admin/reports/{model}/", {"action": action, "_selected_action": list(pks)})


def an_api_client():
    _, digest, prefix = new_key()
    return ApiClient.objects.create(name="Aplikasi Kelurahan", key_digest=digest, key_prefix=prefix)


@pytest.mark.parametrize("role", ["planner", "dispatcher"])
def test_planners_and_dispatchers_can_use_no_admin_action(desk_clients, role):
    planner = desk_clients[role]
    shown, hidden = make_report(with_photo=True), make_report(hidden=True)
    photo = shown.photos.get()
    before = stored_image(photo).tobytes()
    act(planner, "report", "show", hidden.pk)
    act(planner, "report", "hide", shown.pk)
    act(planner, "report", "merge_duplicates", shown.pk, hidden.pk)
    act(planner, "photo", "blur", photo.pk)
    assert list(Report.objects.order_by("pk").values_list("hidden", "status")) == [(False, "baru"), (True, "baru")]
    photo = Photo.objects.get(pk=photo.pk)
    assert stored_image(photo).tobytes() == before
    assert planner.get("/admin/reports/report/")["Location"].startswith("/admin/login/")


def test_an_administrator_hides(desk_clients):
    report = make_report(with_photo=True)
    act(desk_clients["admin"], "report", "hide", report.pk)
    assert Report.objects.get(pk=report.pk).hidden


@pytest.mark.parametrize("role", ["planner", "dispatcher"])
def test_api_keys_and_their_call_log_are_the_administrators_alone(desk_clients, role):
    client = an_api_client()
    staff = desk_clients[role]
    for path in ("/admin/reports/apiclient/", f"/admin/reports/apiclient/{client.pk}/change/",
                 "/admin/reports/apiclient/add/", "/admin/reports/apicall/"):
        assert staff.get(path)["Location"].startswith("/admin/login/"), path
    act(staff, "apiclient", "new_keys", client.pk)
    assert ApiClient.objects.get(pk=client.pk).key_digest == client.key_digest


def test_an_administrator_replaces_a_key(desk_clients):
    client = an_api_client()
    act(desk_clients["admin"], "apiclient", "new_keys", client.pk)
    assert ApiClient.objects.get(pk=client.pk).key_digest != client.key_digest
