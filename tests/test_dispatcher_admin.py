"""The dispatcher's desk in the admin: filters, reassigning, merging duplicates, hiding, blurring a photo."""

import io

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.utils import timezone
from PIL import Image

from geo.models import Crew, KelurahanBoundary
from reports import services
from reports.calendar import add_working_days
from reports.models import Category, Photo, Report
from tests.conftest import make_report

pytestmark = pytest.mark.django_db


def stored_image(photo):
    with photo.image.storage.open(photo.image.name, "rb") as stored:
        return Image.open(io.BytesIO(stored.read())).convert("RGB")


def test_filters_for_overdue_and_unrouted_reports(desk):
    late = make_report(due_date="2020-01-01")
    lost = make_report(north=0.0001, crew=None)
    make_report(north=0.0002)
    overdue = desk.get("/admin/reports/report/", {"overdue": "yes"}).context["cl"].result_list
    unrouted = desk.get("/admin/reports/report/", {"routing": "none"}).context["cl"].result_list
    assert [r.code for r in overdue] == [late.code]
    assert [r.code for r in unrouted] == [lost.code]


def edit(desk, filed, **changes):
    """POST the report's change page with `changes` over what it shows."""
    page = desk.get(f"/admin/reports/report/{filed.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"location": filed.location.geojson, "photos-TOTAL_FORMS": 0, "photos-INITIAL_FORMS": 0,
                 "history-TOTAL_FORMS": filed.history.count(), "history-INITIAL_FORMS": filed.history.count()})
    for n, change in enumerate(filed.history.all()):
        data.update({f"history-{n}-id": change.pk, f"history-{n}-report": filed.pk})
    data.update(changes)
    return desk.post(f"/admin/reports/report/{filed.pk}/change/", data)


def in_pasar_usang():
    """A point inside Pasar Usang (Padang Panjang Barat)."""
    return KelurahanBoundary.objects.filter(generation__active=True, kelurahan__code="13.74.02.1002").annotate(
        inside=PointOnSurface("boundary")).get().inside


def test_reassigning_a_crew_is_on_record(desk):
    filed = make_report()
    west = Crew.objects.get(name="Tim Jalan Padang Panjang Barat")
    response = edit(desk, filed, crew=west.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors
    filed.refresh_from_db()
    assert filed.crew == west and filed.version == 2
    assert "Tim Jalan Padang Panjang Barat" in filed.history.last().note


def test_moving_a_report_places_routes_and_dates_it_again_on_record(desk):
    filed = make_report()
    response = edit(desk, filed, location=in_pasar_usang().geojson)
    assert response.status_code == 302, response.context["adminform"].form.errors
    moved = Report.objects.get(pk=filed.pk)
    assert moved.kelurahan.code == "13.74.02.1002" and moved.crew.name == "Tim Jalan Padang Panjang Barat"
    assert moved.version == filed.version + 1 and moved.history.count() == 2
    change = moved.history.last()
    assert (change.from_status, change.to_status, change.by.username) == ("baru", "baru", "dewi")
    assert "Pasar Usang" in change.note and "Tim Jalan Padang Panjang Barat" in change.note


def test_a_new_category_gives_its_crew_and_due_date_and_a_chosen_crew_wins(desk):
    filed = make_report()
    lamp = Category.objects.get(slug="lampu-mati")
    assert edit(desk, filed, category=lamp.pk).status_code == 302
    relit = Report.objects.get(pk=filed.pk)
    assert relit.crew.name == "Tim Penerangan Jalan Kota"
    assert relit.due_date == add_working_days(timezone.localdate(filed.created), lamp.response_days)
    assert relit.history.last().note.startswith("Kategori diubah: Berlubang → Lampu mati. Tim: Tim Penerangan")
    east = Crew.objects.get(name="Tim Jalan Padang Panjang Timur")
    road = Category.objects.get(slug="jalan-berlubang")
    assert edit(desk, relit, category=road.pk, crew=east.pk, location=in_pasar_usang().geojson).status_code == 302
    chosen = Report.objects.get(pk=filed.pk)
    assert (chosen.crew, chosen.routing_problem, chosen.kelurahan.code) == (east, "", "13.74.02.1002")
    assert chosen.history.count() == 3 and chosen.version == filed.version + 2


def test_a_point_outside_the_city_is_refused_on_the_form(desk):
    filed = make_report()
    response = edit(desk, filed, location=Point(100.2, -0.9, srid=4326).geojson)
    assert response.status_code == 200
    assert "Kota Padang Panjang" in " ".join(response.context["adminform"].form.errors["location"])
    kept = Report.objects.get(pk=filed.pk)
    assert (kept.location, kept.version, kept.history.count()) == (filed.location, filed.version, 1)


def test_relocate_is_the_same_rule_outside_the_admin(django_user_model):
    filed = make_report()
    dewi = django_user_model.objects.create_user("dewi-api")
    services.relocate(filed, by=dewi, location=in_pasar_usang())
    moved = Report.objects.get(pk=filed.pk)
    assert moved.kelurahan.code == "13.74.02.1002" and moved.crew.name == "Tim Jalan Padang Panjang Barat"
    assert moved.version == filed.version == 2 and moved.history.last().by == dewi


def test_merging_marks_the_newer_reports_duplicates_of_the_oldest(desk):
    original, copy = make_report(), make_report(north=0.00005)
    desk.post("/admin/reports/report/", {"action": "merge_duplicates", "_selected_action": [original.pk, copy.pk]})
    copy.refresh_from_db()
    assert copy.status == "duplikat" and copy.duplicate_of == original


def test_a_hidden_report_is_gone_from_the_public_but_kept(desk, client):
    filed = make_report()
    desk.post("/admin/reports/report/", {"action": "hide", "_selected_action": [filed.pk]})
    desk.logout()
    assert client.get(f"/laporan/{filed.code}/").status_code == 404
    assert client.get(f"/api/v1/reports/{filed.code}").status_code == 404
    assert Report.objects.filter(pk=filed.pk, hidden=True).exists()


def test_one_photo_can_be_blurred_or_removed(desk):
    filed = make_report(with_photo=True)
    photo = filed.photos.get()
    before = stored_image(photo).getpixel((150, 240))
    desk.post("/admin/reports/photo/", {"action": "blur", "_selected_action": [photo.pk]})
    blurred = stored_image(photo)
    after, edge = blurred.getpixel((150, 240)), blurred.getpixel((320, 240))
    assert before[0] > 180 and after[0] > 150  # still red inside the red half
    assert 60 < edge[0] < 190 and 60 < edge[2] < 190  # the sharp red-blue edge is smeared
    desk.post(f"/admin/reports/photo/{photo.pk}/delete/", {"post": "yes"})
    assert not Photo.objects.filter(pk=photo.pk).exists() and Report.objects.filter(pk=filed.pk).exists()
