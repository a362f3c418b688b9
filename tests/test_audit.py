"""The audit trail: one entry per staff action with who, what and which object; never a reporter's contact
details; for the administrators' eyes only, listed without counting the whole table."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from forwarding.models import Link
from geo.models import Crew, Generation, Kecamatan
from jobs.models import Job
from notify.models import Subscription
from reports import workflow
from reports.models import ApiClient, Category, Photo, Report, Status
from tests.conftest import PUBLISHED, REPORTER_EMAIL, REPORTER_PHONE, make_report, run
from tests.test_admin_permissions import act

pytestmark = pytest.mark.django_db

NEW_PHONE, NEW_EMAIL = "0813 7777 6666", "siti.baru@example.org"


@pytest.fixture(autouse=True)
def nothing_personal_in_the_trail():
    """Each test starts from an empty trail (setup_city's import is in it); whatever a test does, no entry holds
    a reporter's phone or e-mail, old or new."""
    AuditEntry.objects.all().delete()
    yield
    trail = json.dumps(list(AuditEntry.objects.values("actor", "object_repr", "details")))
    for value in (REPORTER_PHONE, REPORTER_EMAIL, NEW_PHONE, NEW_EMAIL, "kontak@example.org"):
        assert value not in trail


def trail():
    return list(AuditEntry.objects.order_by("pk"))


def post_change_form(client, url, **changes):
    """Submit an admin change page as the browser would, with `changes` made."""
    page = client.get(url)
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            names = [form.add_prefix(name)] + ([form.add_initial_prefix(name)] if field.show_hidden_initial else [])
            for html_name in names:
                data.update(inputs(html_name, field, form[name].value()))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def inputs(html_name, field, value):
    """What the browser sends for one field: a date and a time as two inputs in the local format."""
    if hasattr(field.widget, "widgets"):
        parts = zip(field.widget.widgets, field.widget.decompress(value), strict=True)
        return {f"{html_name}_{i}": widget.format_value(part) for i, (widget, part) in enumerate(parts)}
    return {html_name: "" if value is None else getattr(value, "geojson", value)}


def test_it_records_an_admin_edit_of_a_report_and_the_form_cannot_touch_the_reporters_details(desk_clients):
    report = make_report()
    west = Crew.objects.get(name="Tim Jalan Padang Panjang Barat")
    post_change_form(desk_clients["admin"], f"/admin/reports/report/{report.pk}/change/", crew=west.pk,
                     reporter_phone=NEW_PHONE, reporter_email=NEW_EMAIL, reporter_name="Siti Aminah")
    [entry] = trail()
    assert (entry.user.username, entry.actor, entry.action) == ("admin", "admin", "change")
    assert (entry.content_type.model, entry.object_id, entry.object_repr) == ("report", str(report.pk), report.code)
    assert set(entry.details["fields"]) == {"crew"}
    assert entry.details["values"] == {"crew": [report.crew.name, west.name]}
    # The contact details are on no admin form (privacy.desk.show_contact shows them, logged): unchanged.
    report.refresh_from_db()
    assert (report.reporter_phone, report.reporter_email) == (REPORTER_PHONE, REPORTER_EMAIL)


def test_hiding_and_showing_leave_one_entry_per_report(desk_clients):
    reports = [make_report(), make_report(lat=-0.4600)]
    act(desk_clients["admin"], "report", "hide", *[r.pk for r in reports])
    act(desk_clients["admin"], "report", "show", reports[0].pk)
    assert sorted((e.action, e.object_repr, e.actor) for e in trail()) == [
        ("hide", reports[0].code, "admin"), ("hide", reports[1].code, "admin"), ("show", reports[0].code, "admin")]


def test_blurring_and_removing_a_photo_leave_one_entry_each(desk_clients):
    photo = make_report(with_photo=True).photos.get()
    act(desk_clients["admin"], "photo", "blur", photo.pk)
    desk_clients["admin"].post(f"/admin/reports/photo/{photo.pk}/delete/", {"post": "yes"})
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert [(e.action, e.content_type.model, e.object_id, e.actor) for e in trail()] == [
        ("blur", "photo", str(photo.pk), "admin"), ("delete", "photo", str(photo.pk), "admin")]


def test_merging_leaves_one_entry_per_duplicate_naming_the_original(desk_clients):
    original, first, second = make_report(), make_report(lat=-0.4600), make_report(lat=-0.4601)
    act(desk_clients["admin"], "report", "merge_duplicates", original.pk, first.pk, second.pk)
    assert [(e.action, e.object_repr, e.details) for e in trail()] == [
        ("merge", first.code, {"duplicate_of": original.code}), ("merge", second.code, {"duplicate_of": original.code})]


def test_status_changes_stay_in_the_public_history_alone(desk_clients, django_user_model):
    report = make_report()
    dispatcher = django_user_model.objects.get(username="dewi")
    workflow.change_status(report, Status.DIVERIFIKASI, dispatcher, version=report.version)
    assert report.history.last().by == dispatcher
    assert trail() == []


def test_category_and_place_changes_are_recorded(desk_clients):
    category = Category.objects.get(slug="jalan-berlubang")
    post_change_form(desk_clients["admin"], f"/admin/reports/category/{category.pk}/change/", response_days=3)
    kecamatan = Kecamatan.objects.get(code="13.74.01")
    post_change_form(desk_clients["admin"], f"/admin/geo/kecamatan/{kecamatan.pk}/change/", name="Padang Panjang T.")
    assert [(e.action, e.object_repr, e.details["values"]) for e in trail()] == [
        ("change", str(category), {"response_days": [category.response_days, 3]}),
        ("change", "Padang Panjang T.", {"name": [kecamatan.name, "Padang Panjang T."]})]


def test_boundary_imports_and_activations_name_the_command_or_the_user(desk_clients):
    active = Generation.objects.current()
    run("import_kelurahan", str(PUBLISHED), commit=True)
    imported = Generation.objects.latest("created")
    run("activate_generation", str(imported.pk))
    desk_clients["admin"].post("/admin/geo/generation/", {"action": "activate", "_selected_action": [active.pk]})
    assert [(e.actor, e.user_id is None, e.action, e.object_id) for e in trail()] == [
        ("manage.py import_kelurahan", True, "import", str(imported.pk)),
        ("manage.py activate_generation", True, "activate", str(imported.pk)),
        ("admin", False, "activate", str(active.pk))]
    assert trail()[-1].details == {"previous": [imported.pk]}


def test_api_keys_made_replaced_and_deactivated_are_recorded_without_the_contact(desk_clients):
    admin = desk_clients["admin"]
    admin.post("/admin/reports/apiclient/add/",
               {"name": "Aplikasi Kelurahan", "contact": "kontak@example.org", "active": "on"})
    client = ApiClient.objects.get()
    act(admin, "apiclient", "new_keys", client.pk)
    post_change_form(admin, f"/admin/reports/apiclient/{client.pk}/change/", active="")
    assert [(e.action, e.object_repr, e.actor) for e in trail()] == [
        ("add", client.name, "admin"), ("new_key", client.name, "admin"), ("change", client.name, "admin")]
    assert "contact" in trail()[0].details["fields"]
    assert trail()[-1].details["values"] == {"active": [True, False]}
    assert client.key_digest not in json.dumps([e.details for e in trail()])


def test_role_changes_are_recorded_with_old_and_new_values(desk_clients, django_user_model):
    rina = django_user_model.objects.get(username="rina")
    admin = desk_clients["admin"]
    post_change_form(admin, f"/admin/auth/user/{rina.pk}/change/", email=NEW_EMAIL, is_superuser="on",
                     groups=[Group.objects.get(name="dispatcher").pk])
    crew = Crew.objects.get(name="Tim Jalan Padang Panjang Barat")
    post_change_form(admin, f"/admin/geo/crew/{crew.pk}/change/", members=[rina.pk])
    user_entry, crew_entry = trail()
    assert (user_entry.action, user_entry.object_repr, user_entry.actor) == ("change", "rina", "admin")
    assert "email" in user_entry.details["fields"]
    assert user_entry.details["values"] == {"is_superuser": [False, True], "groups": [["planner"], ["dispatcher"]]}
    assert crew_entry.details["values"] == {"members": [[], ["rina"]]}


def test_a_password_set_by_an_administrator_is_recorded_without_it(desk_clients, django_user_model):
    rina = django_user_model.objects.get(username="rina")
    desk_clients["admin"].post(f"/admin/auth/user/{rina.pk}/password/",
                         {"password1": "Sandi-Baru-2468", "password2": "Sandi-Baru-2468"})
    assert [(e.action, e.object_repr, e.details) for e in trail()] == [("change", "rina", {"fields": ["password"]})]


@pytest.mark.parametrize("role", ["planner", "dispatcher"])
def test_only_administrators_see_the_trail(desk_clients, role):
    act(desk_clients["admin"], "report", "hide", make_report().pk)
    entry = AuditEntry.objects.get()
    for path in ("/admin/audit/auditentry/", f"/admin/audit/auditentry/{entry.pk}/change/"):
        assert desk_clients[role].get(path)["Location"].startswith("/admin/login/")
        assert desk_clients["admin"].get(path).status_code == 200


def test_the_trail_is_read_only(desk_clients):
    act(desk_clients["admin"], "report", "hide", make_report().pk)
    entry = AuditEntry.objects.get()
    admin = desk_clients["admin"]
    assert admin.get("/admin/audit/auditentry/add/").status_code == 403
    assert admin.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_the_trail_list_takes_a_bounded_number_of_queries_and_no_full_count(
    desk_clients, django_assert_max_num_queries
):
    reports = [make_report(lat=-0.4600 + i / 10000) for i in range(30)]
    act(desk_clients["admin"], "report", "hide", *[r.pk for r in reports])
    admin = desk_clients["admin"]
    for query in ("", "?action__exact=hide", "?user__id__exact=1", "?created__gte=2020-01-01+00:00:00%2B07:00"):
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
            page = admin.get("/admin/audit/auditentry/" + query)
        assert page.status_code == 200
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "audit_auditentry" in q["sql"]]
        assert counts and all("LIMIT 10001" in sql for sql in counts), counts
    assert len(admin.get("/admin/audit/auditentry/").context["cl"].result_list) == 30
    assert Report.objects.filter(hidden=True).count() == 30


def test_partner_links_and_routes_made_changed_and_resumed_are_recorded_without_the_api_key(desk_clients):
    admin = desk_clients["admin"]
    admin.post("/admin/forwarding/link/add/", {"name": "PLN", "kind": "open311", "url": "https://pln.example/v2",
                                               "api_key": "kunci-mitra-rahasia", "personal_data": "none"})
    link = Link.objects.get()
    category = Category.objects.get(slug="lampu-mati")
    admin.post("/admin/forwarding/route/add/", {"category": category.pk, "link": link.pk, "code": "PJU",
                                                "when": "verified"})
    post_change_form(admin, f"/admin/forwarding/link/{link.pk}/change/", personal_data="name")
    Link.objects.filter(pk=link.pk).update(paused_since=timezone.now())
    admin.post("/admin/forwarding/link/", {"action": "resume", "_selected_action": [link.pk]})
    assert [(e.action, e.content_type.model, e.actor) for e in trail()] == [
        ("add", "link", "admin"), ("add", "route", "admin"), ("change", "link", "admin"), ("change", "link", "admin")]
    assert trail()[2].details["values"] == {"personal_data": ["none", "name"]}
    assert trail()[3].details == {"admin_action": "resume"}
    assert "kunci-mitra-rahasia" not in json.dumps([e.details for e in trail()])


def test_deleting_an_authenticator_app_or_a_subscription_and_retrying_a_job_are_recorded(desk_clients,
                                                                                          django_user_model):
    admin = desk_clients["admin"]
    device = TOTPDevice.objects.get(user__username="dewi")
    admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    subscription = Subscription.objects.create(role="follower", report=make_report(), channel="email",
                                               address="kontak@example.org")
    admin.post("/admin/notify/subscription/", {"action": "delete_selected", "_selected_action": [subscription.pk],
                                                "post": "yes"})
    job = Job.objects.create(task="reports.recompute_due_dates", args={}, state=Job.State.FAILED)
    admin.post("/admin/jobs/job/", {"action": "retry", "_selected_action": [job.pk]})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert [(e.action, e.content_type.model, e.object_id) for e in trail()] == [
        ("delete", "totpdevice", str(device.pk)), ("delete", "subscription", str(subscription.pk)),
        ("change", "job", str(job.pk))]


def test_an_authenticator_app_added_in_the_admin_is_recorded_without_its_key(desk_clients, django_user_model):
    rina = django_user_model.objects.get(username="rina")
    key = "3132333435363738393031323334353637383930"
    desk_clients["admin"].post("/admin/otp_totp/totpdevice/add/", {
        "user": rina.pk, "name": "HP", "confirmed": "on", "key": key, "step": 30, "t0": 0, "digits": 6,
        "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
    [entry] = trail()
    assert (entry.action, entry.object_repr) == ("add", "HP (rina)")
    assert "key" in entry.details["fields"] and key not in json.dumps(entry.details)
