"""No English on an Indonesian staff page: every admin list, add and change page and every staff page, rendered in
Bahasa Indonesia and in English, must differ wherever the text is ours to translate.

A text shown the same in both languages is an untranslated msgid (or a label never marked for translation), unless
it is data (a name, a code, a description: the city's own words, listed from the database) or one of the few words
Indonesian shares with English (SAME_IN_BOTH)."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from forwarding import delivery
from forwarding.models import Disposition, Forwarding, Link, Route
from geo.models import Crew, Generation, Kecamatan, Kelurahan, Place
from jobs.models import Breaker
from offices.models import Office
from reports.models import Category, Holiday, Report, StatusChange
from tests.conftest import make_report, staff_user, verified_login
from tests.test_desk import failing_delivery

pytestmark = pytest.mark.django_db

# Words and names written the same in both languages.
SAME_IN_BOTH = {
    "Lapor Padangpanjang", "LAPOR!", "LAPOR!-SP4N", "Open311", "Open311 GeoReport v2", "Kelurahan", "kelurahan",
    "Kecamatan", "kecamatan", "Status", "status", "ID", "E-mail", "e-mail", "WhatsApp", "SMS", "Leaflet",
    "OpenStreetMap", "English", "Bahasa Indonesia", "Token", "token", "Slug", "slug", "URL", "GeoJSON", "CSV",
    "API", "TOTP", "×", "cuti bersama", "radius (m)", "Radius (m)",
    # Django's admin writes a boolean's icon with alt="True" or "False" in every language; a password's "salt"
    # and "hash", an Open311 parameter's name, django-axes' placeholder for a missing path are technical terms.
    "True", "False", "salt", "hash", "Jurisdiction_id", "<unknown>", "manage.py setup_city",
    # Left in English, knowingly: Django's search icon (alt="Search", not marked for translation in Django's own
    # template) and django-otp's model name, which only a migration in the package could change.
    "Search", "TOTP devices",
}


STRIP = " :·–—›→"


class Texts(HTMLParser):
    """The words a person reads: text outside scripts and styles, labels in attributes, and button values."""

    SKIP = {"script", "style", "textarea", "template"}
    ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.found, self.skipping = set(), 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP
        attrs = dict(attrs)
        self.found.update(value for name, value in attrs.items() if name in self.ATTRIBUTES and value)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.found.add(attrs["value"])

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP

    def handle_data(self, data):
        if not self.skipping:
            self.found.update(part.strip(STRIP) for part in data.split("\n") if part.strip(STRIP))


def texts(client, path, language):
    with translation.override(translation.get_language()):  # the request switches this thread's language: back
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, response.status_code)
    parser = Texts()
    parser.feed(response.content.decode())
    return parser.found


def data():
    """The city's own words, shown as they are in either language."""
    names = set()
    for model, fields in ((Kelurahan, ["name"]), (Kecamatan, ["name"]), (Crew, ["name"]), (Place, ["name"]),
                          (Holiday, ["name"]), (User, ["username"]), (Group, ["name"]),
                          (Office, ["name", "short_name"]),
                          (Report, ["description", "address", "reporter_name"]),
                          (Category, ["slug", "name_id", "name_en"]), (Disposition, ["tracking_id"]),
                          (Route, ["code"]), (Link, ["name"]), (Breaker, ["destination"]),
                          (Office, ["name", "short_name"])):
        for row in model.objects.values_list(*fields):
            names.update(str(value) for value in row)
    names.update(TOTPDevice.objects.values_list("name", flat=True))
    for model in (Report, Disposition, StatusChange, TOTPDevice, Generation):
        names.update(str(row) for row in model.objects.all())
    names.update(value for payload in Disposition.objects.values_list("payload", flat=True) for value in
                 payload.values() if isinstance(value, str))
    return names


def untranslated(client, paths):
    """{path: texts shown alike in Indonesian and English that are neither data nor SAME_IN_BOTH}."""
    known = data() | SAME_IN_BOTH
    found = {}
    for path in paths:
        alike = {text for text in texts(client, path, "id") & texts(client, path, "en")
                 if re.search("[A-Za-z]{3}", text) and not re.search(r"[\d@/{]", text) and text not in known
                 and not any(name in text for name in known if len(name) > 12)}
        if alike:
            found[path] = sorted(alike)
    return found


@pytest.fixture
def city(django_user_model):
    """One of everything an admin page lists: a report with a photo and history, a LAPOR! complaint and its
    forwarding, a route."""
    report = make_report(with_photo=True, status="diverifikasi")
    link = delivery.lapor_link()
    Route.objects.create(category=Category.objects.get(slug="jalan"), link=link, code="T-JALAN")
    Forwarding.objects.create(report=report, link=link, external_id="LP-1", inbound=True)
    Disposition.objects.create(tracking_id="LP-1", payload={"title": "Jalan rusak", "content": "Lubang."},
                               state=Disposition.State.NEEDS_LOCATION)
    staff_user(django_user_model, "andi", "crew", report.crew.name)
    return report


def admin_pages(user):
    client = verified_login(Client(), user)
    paths = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        request = type("Request", (), {"user": user})()
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    return client, paths


def test_every_admin_page_speaks_indonesian(city, admin_user):
    client, paths = admin_pages(admin_user)
    assert untranslated(client, ["/admin/", *paths]) == {}


def test_every_staff_page_speaks_indonesian(city, django_user_model):
    Report.objects.filter(pk=city.pk).update(status="dikerjakan")
    city.photos.update(published=False)
    failing_delivery()  # the forwarding problems' page with a row in each of its lists
    dispatcher = verified_login(Client(), staff_user(django_user_model, "dewi", "dispatcher"))
    pages = ["/petugas/", f"/petugas/laporan/{city.code}/", "/meja/foto/", "/meja/lokasi/", "/meja/",
             "/meja/penerusan/"]
    assert untranslated(dispatcher, pages) == {}


def test_the_office_desk_speaks_indonesian(city, django_user_model):
    from tests.test_office_desk import complaint, member

    own = complaint(publish_consent=True)
    office_staff = verified_login(Client(), member(django_user_model, "sari", "dinas-kesehatan"))
    dispatcher = verified_login(Client(), staff_user(django_user_model, "dewi", "dispatcher"))
    pages = ["/meja/", "/meja/antrean/", f"/meja/laporan/{own.code}/"]
    assert untranslated(office_staff, pages) == {}
    assert untranslated(dispatcher, [f"/meja/laporan/{own.code}/", "/meja/antrean/?kantor=dinas-kesehatan"]) == {}
