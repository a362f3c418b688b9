"""The admin: places and crews on Leaflet maps, and crews that would tie refused."""

import pytest

from geo.models import Crew, Kecamatan, Kelurahan
from reports.models import Category
from tests.conftest import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "sandi-rahasia-123")
    return verified_login(client, user)


def test_a_kelurahan_page_shows_its_active_boundary_on_a_leaflet_map(staff):
    ganting = Kelurahan.objects.get(code="13.74.01.1001")
    page = staff.get(f"/admin/geo/kelurahan/{ganting.pk}/change/").content.decode()
    assert "leaflet/leaflet.js" in page and "MultiPolygon" in page


def test_a_crew_page_shows_its_service_area_on_a_leaflet_map(staff):
    crew = Crew.objects.get(name="Tim Jalan Padang Panjang Timur")
    page = staff.get(f"/admin/geo/crew/{crew.pk}/change/").content.decode()
    assert "leaflet/leaflet.js" in page
    assert "service_area" in page and "Polygon" in page


def test_the_admin_refuses_a_crew_that_would_tie_and_names_the_other(staff):
    timur = Kecamatan.objects.get(code="13.74.01")
    response = staff.post("/admin/geo/crew/add/", {
        "name": "Tim Jalan Kedua",
        "area": "kecamatan",
        "kecamatan": timur.pk,
        "categories": [Category.objects.get(slug="jalan-berlubang").pk],
    })
    assert response.status_code == 200
    assert "Tim Jalan Padang Panjang Timur" in response.context["adminform"].form.non_field_errors()[0]
    assert not Crew.objects.filter(name="Tim Jalan Kedua").exists()


def test_the_admin_saves_a_crew_for_a_set_of_kelurahan(staff):
    ganting = Kelurahan.objects.get(code="13.74.01.1001")
    response = staff.post("/admin/geo/crew/add/", {
        "name": "Tim Jalan Ganting",
        "area": "kelurahan",
        "kelurahan": [ganting.pk],
        "categories": [Category.objects.get(slug="jalan").pk],
    })
    assert response.status_code == 302
    assert list(Crew.objects.get(name="Tim Jalan Ganting").kelurahan.all()) == [ganting]


def test_the_crew_list_warns_about_crews_that_tie(staff):
    tie = Crew.objects.create(name="Tim Cadangan", area=Crew.Area.CITY)
    tie.categories.set([Category.objects.get(slug="penerangan-jalan")])
    page = staff.get("/admin/geo/crew/", follow=True)
    messages = [str(m) for m in page.context["messages"]]
    assert any("Tim Cadangan" in m and "Tim Penerangan Jalan Kota" in m for m in messages)


def test_the_active_generation_cannot_be_deleted_nor_a_boundary_edited(staff):
    from geo.models import Generation, KelurahanBoundary

    active = Generation.objects.current()
    assert staff.get(f"/admin/geo/generation/{active.pk}/delete/").status_code == 403
    boundary = KelurahanBoundary.objects.filter(generation=active).first()
    page = staff.get(f"/admin/geo/kelurahanboundary/{boundary.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
