"""Admin actions check the permission they need: planners read only, API keys are the administrators' alone."""

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


def test_a_planner_can_use_no_write_action(desk_clients):
    planner = desk_clients["planner"]
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
    # Reading stays open to them.
    assert planner.get("/admin/reports/report/").status_code == 200


def test_a_dispatcher_hides_and_blurs(desk_clients):
    dispatcher = desk_clients["dispatcher"]
    report = make_report(with_photo=True)
    act(dispatcher, "report", "hide", report.pk)
    assert Report.objects.get(pk=report.pk).hidden


@pytest.mark.parametrize("role", ["planner", "dispatcher"])
def test_api_keys_and_their_call_log_are_the_administrators_alone(desk_clients, role):
    client = an_api_client()
    staff = desk_clients[role]
    for path in ("/admin/reports/apiclient/", f"/admin/reports/apiclient/{client.pk}/change/",
                 "/admin/reports/apiclient/add/", "/admin/reports/apicall/"):
        assert staff.get(path).status_code == 403, path
    act(staff, "apiclient", "new_keys", client.pk)
    assert ApiClient.objects.get(pk=client.pk).key_digest == client.key_digest


def test_an_administrator_replaces_a_key(desk_clients):
    client = an_api_client()
    act(desk_clients["admin"], "apiclient", "new_keys", client.pk)
    assert ApiClient.objects.get(pk=client.pk).key_digest != client.key_digest
