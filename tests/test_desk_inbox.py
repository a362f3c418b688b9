"""The LAPOR! inbox on the staff desk (desk/inbox.py): complaints that need a location, placed and given a
category by a dispatcher, filed through the import path."""

import pytest
from django.test import Client

from forwarding import delivery
from forwarding.models import Disposition, Forwarding, Route
from reports.models import Category, Report
from tests.conftest import staff_user, verified_login
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db


def complaint(tracking_id="LP-5", topic_id="T-JALAN", **fields):
    payload = {"tracking_id": tracking_id, "title": "Drainase tersumbat", "content": "Air meluap ke jalan.",
               "topic_id": topic_id, "lat": None, "lon": None, "location_text": "dekat pasar", "attachments": [],
               "created_at": "2026-12-01T09:30:00+07:00", **fields}
    return Disposition.objects.create(tracking_id=tracking_id, payload=payload, problem="not found",
                                      state=Disposition.State.NEEDS_LOCATION)


@pytest.fixture
def desk(django_user_model):
    Route.objects.create(category=Category.objects.get(slug="jalan"), link=delivery.lapor_link(), code="T-JALAN")
    return verified_login(Client(HTTP_ACCEPT_LANGUAGE="id"), staff_user(django_user_model, "dewi", "dispatcher"))


def test_only_dispatchers_open_the_inbox(django_user_model, client):
    waiting = complaint()
    assert client.get("/meja/lokasi/").status_code == 302
    for role in ("crew", "planner"):
        other = verified_login(Client(), staff_user(django_user_model, role, role))
        assert other.get("/meja/lokasi/").status_code == 403
        assert other.post(f"/meja/lokasi/{waiting.pk}/", {}).status_code == 403


def test_the_topic_suggests_a_category_but_none_is_chosen(desk):
    complaint()
    page = desk.get("/meja/lokasi/").content.decode()
    assert "Air meluap ke jalan." in page and "dekat pasar" in page
    assert 'id="suggestion"' in page and "Jalan: Berlubang</strong>" in page
    assert '<option value="" selected>' in page and page.count("selected") == 1


def test_saving_without_a_category_or_a_pin_is_refused_on_the_form(desk):
    waiting = complaint()
    answer = desk.post(f"/meja/lokasi/{waiting.pk}/", {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1]})
    assert answer.status_code == 400 and "saran tidak dipilihkan" in answer.content.decode()
    slug = Category.objects.get(slug="saluran-tersumbat").pk
    answer = desk.post(f"/meja/lokasi/{waiting.pk}/", {"category": slug})
    assert answer.status_code == 400 and "Ketuk peta" in answer.content.decode()
    outside = desk.post(f"/meja/lokasi/{waiting.pk}/", {"category": slug, "lat": -1.0, "lon": 101.5})
    assert outside.status_code == 400 and not Report.objects.exists()


def test_the_pin_and_the_chosen_category_file_the_report_and_the_next_complaint_opens(desk):
    first, second = complaint("LP-5"), complaint("LP-6", topic_id="T-TIDAK-ADA")
    drain = Category.objects.get(slug="saluran-tersumbat")
    answer = desk.post(f"/meja/lokasi/{first.pk}/", {"category": drain.pk, "lat": GANTING_GPS[0],
                                                      "lon": GANTING_GPS[1]})
    assert answer.status_code == 302 and answer["Location"] == "/meja/lokasi/"
    first.refresh_from_db()
    assert first.state == Disposition.State.IMPORTED and first.report.category == drain
    assert first.report.kelurahan.name == "Ganting" and first.report.crew is not None  # the lookup and routing
    forwarding = Forwarding.objects.get(external_id="LP-5")
    assert forwarding.inbound and not forwarding.check_category  # the dispatcher chose
    page = desk.get("/meja/lokasi/").content.decode()
    assert "LP-6" in page and f"{first.tracking_id} diajukan sebagai laporan {first.report.code}" in page
    assert 'id="suggestion"' not in page  # an unknown topic suggests nothing
    assert desk.post(f"/meja/lokasi/{first.pk}/", {}).status_code == 404  # filed already
    assert second.state == Disposition.State.NEEDS_LOCATION
