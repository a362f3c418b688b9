"""Who may do what, in one table: every admin page and action and every staff route, walked as each role.

A route, admin page or action that is not in these tables fails the first tests: nothing new ships without a
row saying who may use it.
"""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver

from assets import layers
from privacy.models import ContactAccess
from reports.models import Report
from tests.conftest import make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "other_crew", "crew", "dispatcher", "planner", "office", "admin")
STAFF = {"other_crew", "crew", "dispatcher", "planner", "office", "admin"}
ADMIN = {"admin"}

# The admin is the administrators' tool (config.admin.AdministratorsSite): dispatchers, crews and planners read
# no admin page and are offered no action there; they work on the staff desk (/meja/) and their own pages.
DESK = {"dispatcher", "admin"}

# Every admin action: the administrators alone are offered them.
ACTIONS = {
    ("reports.report", "hide"): ADMIN,
    ("reports.report", "show"): ADMIN,
    ("reports.report", "merge_duplicates"): ADMIN,
    ("reports.report", "delete_selected"): ADMIN,  # reports are hidden, not deleted
    ("reports.photo", "blur"): ADMIN,
    ("reports.report", "show_contact"): ADMIN,  # logged: privacy.ContactAccess
    ("reports.report", "redact"): ADMIN,
    ("reports.photo", "delete_selected"): ADMIN,  # a photo may be removed
    ("reports.photo", "publish"): ADMIN,
    ("privacy.contactaccess", "export_csv"): ADMIN,
    ("reports.category", "delete_selected"): ADMIN,
    ("reports.holiday", "delete_selected"): ADMIN,
    ("reports.responsetemplate", "delete_selected"): ADMIN,
    ("reports.apiclient", "new_keys"): ADMIN,
    ("reports.apiclient", "delete_selected"): ADMIN,
    ("reports.apicall", "delete_selected"): ADMIN,
    ("geo.generation", "activate"): ADMIN,
    ("assets.assetkind", "delete_selected"): ADMIN,  # layers (generations, assets) come from import_assets only
    ("geo.kecamatan", "delete_selected"): ADMIN,
    ("geo.kelurahan", "delete_selected"): ADMIN,
    ("geo.crew", "delete_selected"): ADMIN,
    ("offices.office", "delete_selected"): ADMIN,
    ("geo.place", "delete_selected"): ADMIN,  # dispatchers keep the search's places
    ("auth.user", "disable"): ADMIN,
    ("auth.user", "delete_selected"): ADMIN,
    ("auth.group", "delete_selected"): ADMIN,
    ("otp_totp.totpdevice", "delete_selected"): ADMIN,
    ("jobs.job", "retry"): ADMIN,
    ("forwarding.link", "resume"): ADMIN,
    ("forwarding.link", "delete_selected"): ADMIN,
    ("forwarding.route", "delete_selected"): ADMIN,
    ("jobs.job", "delete_selected"): ADMIN,
    ("notify.subscription", "delete_selected"): ADMIN,
    ("notify.message", "delete_selected"): ADMIN,
    ("chat.conversation", "delete_selected"): ADMIN,  # a resident's request to be forgotten
    ("notify.fixanswer", "delete_selected"): ADMIN,
    ("notify.surveyanswer", "delete_selected"): ADMIN,
    ("axes.accessattempt", "cleanup_expired_attempts"): ADMIN,
    ("axes.accessattempt", "delete_selected"): ADMIN,
    ("axes.accesslog", "delete_selected"): ADMIN,
    ("axes.accessfailurelog", "delete_selected"): ADMIN,
}

# Every route outside the admin: who gets through, or None for everyone (public pages and APIs, whose
# staff views are checked below and in tests/test_hidden_reports.py).
ROUTES = {
    "petugas/": STAFF,
    "petugas/laporan/<str:code>/": STAFF,
    # The report's own crew, and the staff of its office (Dinas PUPR's, for a road).
    "api/v1/reports/<str:code>/status": {"crew", "dispatcher", "office", "admin"},
    "masuk/otp/": STAFF,
    "masuk/otp/baru/": STAFF,
    # The staff desk (desk/): dispatchers and administrators, and office staff for their offices' reports.
    **dict.fromkeys(["meja/", "meja/jumlah/", "meja/antrean/", "meja/antrean/verifikasi/", "meja/laporan/<str:code>/",
                     "meja/laporan/<str:code>/<slug:action>/", "meja/laporan/<str:code>/dokumen/"],
                    {"dispatcher", "office", "admin"}),
    "statistik/ikm/saran/": {"dispatcher", "planner", "admin"},  # the survey's suggestions: free text
    # assets/: an asset's history for staff, the repeated failures for planners and dispatchers.
    "api/v1/assets/<str:kind>/<str:identifier>": STAFF,
    "api/v1/assets/failures": {"dispatcher", "planner", "admin"},
    "meja/foto/": DESK,
    "meja/foto/<int:pk>/": DESK,
    "meja/lokasi/": DESK,
    "meja/lokasi/<int:pk>/": DESK,
    "meja/penerusan/": DESK,
    "meja/penerusan/<int:pk>/coba/": DESK,
    # Hotspots, recurrence and response times (insight/): planners, dispatchers and administrators.
    **dict.fromkeys(["statistik/titik-rawan/", "statistik/waktu-tanggap/", "statistik/waktu-tanggap/<str:group>.csv",
                     "api/v1/hotspots.geojson", "api/v1/hotspots.csv", "api/v1/recurrence.geojson",
                     "api/v1/recurrence.csv", "api/v1/response-times.json"], {"dispatcher", "planner", "admin"}),
    **dict.fromkeys([
        "", "lapor/", "cek/", "laporan/<str:code>/", "laporan/<str:code>/ikuti/<str:token>/",
        "laporan/<str:code>/ikuti/<str:token>/dokumen/", "statistik/", "masuk/",
        "keluar/", "manifest.webmanifest", "healthz", "favicon.ico", "api/v1/locate", "api/v1/categories",
        "api/v1/offices", "api/v1/kelurahan.geojson", "api/v1/stats.json", "api/v1/stats/kelurahan.geojson",
        "api/v1/geocode",
        "api/v1/reports", "api/v1/reports.geojson", "api/v1/reports.csv", "api/v1/reports/duplicates",
        "api/v1/reports/nearby", "api/v1/reports/status", "api/v1/reports/<str:code>",
        "api/v1/reports/<str:code>/support", "api/v1/assets/nearest", "tiles/assets/<slug:kind>.json",
        "tiles/assets/<slug:kind>/<int:z>/<int:x>/<int:y>.pbf",
        "open311/discovery.<format:fmt>", "open311/v2/services.<format:fmt>",
        "open311/v2/services/<str:code>.<format:fmt>", "open311/v2/requests.<format:fmt>",
        "open311/v2/requests/<str:code>.<format:fmt>", "open311/v2/tokens/<str:token>.<format:fmt>",
        "open311/v2/servicerequestupdates.<format:fmt>",
        "open311/<path:rest>",
        "ogcapi/", "ogcapi/api", "ogcapi/conformance", "ogcapi/collections", "ogcapi/collections/<str:collectionId>",
        "ogcapi/collections/<str:collectionId>/items",
        "ogcapi/collections/<str:collectionId>/items/<str:featureId>", "data/", "data/peta/", "api/schema/",
        "api/docs/", "privasi/", "laporan/<str:code>/ikuti/<str:token>/data/",
        "laporan/<str:code>/ikuti/<str:token>/hapus/", "tiles/reports/<int:z>/<int:x>/<int:y>.pbf",
        "tiles/kelurahan/<int:z>/<int:x>/<int:y>.pbf",
        "tiles/basemap/<int:z>/<int:x>/<int:y>.png", "tiles/reports.json", "tiles/kelurahan.json",
        "tiles/reports/metadata.json", "tiles/kelurahan/metadata.json", "tiles/reports/style.json", "tiles/reports",
        "i18n/setlang/",
        "media/<path:path>",
        # notify/: the resident's own secret links (a token each) and the WhatsApp webhook (its signature); "send my
        # links again", which sends only to the address the reports were filed with
        "tautan-saya/", "laporan/<str:code>/langganan/", "laporan/<str:code>/langganan/push/", "pemberitahuan/",
        "pemberitahuan/<str:token>/konfirmasi/", "pemberitahuan/<str:token>/berhenti/",
        "pemberitahuan/<str:token>/diperbaiki/", "pemberitahuan/whatsapp/", "feed/laporan.atom",
        "feed/kelurahan/<str:code>.atom", "sw.js", "luring/",
        # the satisfaction survey by a subscription's or the reporter's secret link; the index, figures only
        "pemberitahuan/<str:token>/survei/", "laporan/<str:code>/ikuti/<str:token>/survei/", "statistik/ikm/",
        "statistik/ikm.csv",
    ], None),
}


def routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) != "admin/":
                yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


@pytest.fixture
def people(django_user_model):
    report = make_report(status="diverifikasi")
    users = {
        "other_crew": staff_user(django_user_model, "rina", "crew", "Tim Jalan Padang Panjang Barat"),
        "crew": staff_user(django_user_model, "andi", "crew", report.crew.name),
        "dispatcher": staff_user(django_user_model, "dewi", "dispatcher"),
        "planner": staff_user(django_user_model, "bima", "planner"),
        "office": staff_user(django_user_model, "sari", "office"),
        "admin": django_user_model.objects.create_superuser("admin", password="x"),
    }
    report.office.staff.add(users["office"])  # Dinas PUPR, the roads' office
    for desk in ("dispatcher", "planner", "office"):  # given is_staff by mistake: it opens nothing in the admin
        users[desk].is_staff = True
        users[desk].save()
    return users, report


def signed_in(users, role):
    return Client() if role == "anonymous" else verified_login(Client(), users[role])


def test_every_route_has_a_row():
    assert sorted(routes()) == sorted(ROUTES)


def test_every_admin_action_has_a_row(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    offered = {(model._meta.label_lower, action) for model, model_admin in admin.site._registry.items()
               for action in model_admin.get_actions(request)}
    assert sorted(offered) == sorted(ACTIONS)


@pytest.mark.parametrize("role", ["dispatcher", "planner", "office", "admin"])
def test_each_role_reads_and_acts_in_the_admin_as_the_table_says(people, role):
    users, _ = people
    request = RequestFactory().get("/admin/")
    request.user = users[role]
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        may_read = role == "admin"
        assert model_admin.has_view_or_change_permission(request) == may_read, label
        offered = set(model_admin.get_actions(request)) if may_read else set()
        assert offered == {action for (on, action), who in ACTIONS.items() if on == label and role in who}, label


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_through_the_staff_routes_the_table_gives_it(people, role):
    users, report = people
    client = signed_in(users, role)
    layers.ensure_default_kinds()
    answers = {
        "petugas/": client.get("/petugas/"),
        "petugas/laporan/<str:code>/": client.get(f"/petugas/laporan/{report.code}/"),
        "api/v1/reports/<str:code>/status": client.post(f"/api/v1/reports/{report.code}/status",
                                                        {"status": "dikerjakan", "version": report.version}),
        "masuk/otp/": client.get("/masuk/otp/"),
        "masuk/otp/baru/": client.get("/masuk/otp/baru/"),
        "meja/": client.get("/meja/"),
        "meja/jumlah/": client.get("/meja/jumlah/"),
        "meja/antrean/": client.get("/meja/antrean/"),
        "meja/laporan/<str:code>/": client.get(f"/meja/laporan/{report.code}/"),
        # A note (same status), then the verification from the queue: each a redirect once through.
        "meja/laporan/<str:code>/<slug:action>/": client.post(f"/meja/laporan/{report.code}/catatan/",
                                                               {"note": "Dicek.", "public": "0",
                                                                "version": Report.objects.get().version}),
        "meja/antrean/verifikasi/": client.post("/meja/antrean/verifikasi/", {"code": report.code, "version": 0}),
        "meja/foto/": client.get("/meja/foto/"),
        "statistik/ikm/saran/": client.get("/statistik/ikm/saran/"),
        "meja/lokasi/": client.get("/meja/lokasi/"),
        # Nothing waits under these ids: whoever gets through is told 404.
        "meja/foto/<int:pk>/": client.post("/meja/foto/999999/"),
        "meja/lokasi/<int:pk>/": client.post("/meja/lokasi/999999/"),
        "meja/penerusan/": client.get("/meja/penerusan/"),
        # No delivery waits: whoever gets through is sent back to the list (with the message that it went).
        "meja/penerusan/<int:pk>/coba/": client.post("/meja/penerusan/999999/coba/"),
        **{route: client.get("/" + route.replace("<str:group>", "crew")) for route in ROUTES
           if route.startswith(("statistik/titik-rawan/", "statistik/waktu-tanggap/", "api/v1/hotspots",
                                "api/v1/recurrence", "api/v1/response-times"))},
        "api/v1/assets/<str:kind>/<str:identifier>": client.get("/api/v1/assets/lampu/PJU-TIDAK-ADA"),
        "api/v1/assets/failures": client.get("/api/v1/assets/failures", {"kind": "lampu"}),
    }
    for route, response in answers.items():
        through = response.status_code == 200 or (route.startswith(("masuk/otp/", "meja/")) and response.status_code
                                                  == 302 and not response.url.startswith("/masuk/?")) or (
            ("<int:pk>" in route or "<str:identifier>" in route) and response.status_code == 404)
        assert through == (role in ROUTES[route]), (route, response.status_code)
        Report.objects.filter(pk=report.pk).update(status="diverifikasi", version=report.version)


@pytest.mark.parametrize("role", ROLES)
def test_staff_fields_in_exports_and_nearby_go_to_the_roles_the_table_names(people, role):
    users, report = people
    client = signed_in(users, role)
    export = b"".join(client.get("/api/v1/reports.csv").streaming_content).decode()
    nearby = client.get("/api/v1/reports/nearby", {"lat": report.location.y, "lon": report.location.x}).json()
    assert ("reporter_name" in export.splitlines()[0]) == (role in {"dispatcher", "admin"})
    assert ("hidden" in export.splitlines()[0]) == (role in {"dispatcher", "planner", "admin"})
    assert ("routing_problem" in nearby["features"][0]["properties"]) == (role in STAFF)
    assert "reporter_name" not in nearby["features"][0]["properties"]  # crews never see it
    # Each report whose name went out is a row of the access log: none for the others.
    assert ContactAccess.objects.filter(report=report, channel="export").count() == (role in {"dispatcher", "admin"})
