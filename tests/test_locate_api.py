"""GET /api/v1/locate."""

import pytest

pytestmark = pytest.mark.django_db

GANTING = {"lat": "-0.460738", "lon": "100.417659"}  # an interior point from the official list


def test_it_answers_the_kelurahan_and_kecamatan_of_a_point(client):
    response = client.get("/api/v1/locate", GANTING)
    assert response.status_code == 200
    assert response.json() == {
        "kelurahan": {"code": "13.74.01.1001", "name": "Ganting"},
        "kecamatan": {"code": "13.74.01", "name": "Padang Panjang Timur"},
        "match": "inside",
        "distance_m": 0.0,
    }


def test_with_a_category_it_answers_the_crew_too(client):
    body = client.get("/api/v1/locate", {**GANTING, "category": "saluran-tersumbat"}).json()
    assert body["crew"]["name"] == "Tim Drainase Padang Panjang Timur"
    assert isinstance(body["crew"]["id"], int)


def test_a_tie_between_crews_is_reported_not_guessed(client):
    from geo.models import Crew, Kecamatan
    from reports.models import Category

    tie = Crew.objects.create(name="Tim Cadangan", area=Crew.Area.KECAMATAN,
                              kecamatan=Kecamatan.objects.get(code="13.74.01"))
    tie.categories.set([Category.objects.get(slug="drainase")])
    body = client.get("/api/v1/locate", {**GANTING, "category": "drainase"}).json()
    assert body["crew"] is None
    assert "Tim Cadangan" in body["crew_problem"] and "Tim Drainase Padang Panjang Timur" in body["crew_problem"]


def test_a_point_outside_the_city_is_a_422_with_the_distance_in_indonesian_by_default(client):
    response = client.get("/api/v1/locate", {"lat": "-0.9471", "lon": "100.4172"})  # Padang
    assert response.status_code == 422
    body = response.json()
    assert 50_000 < body["distance_m"] < 60_000
    assert body["error"].startswith("Titik ini berada di luar Kota Padang Panjang")


def test_the_refusal_speaks_english_when_asked(client):
    response = client.get("/api/v1/locate", {"lat": "-0.9471", "lon": "100.4172"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"].startswith("This point is outside Kota Padang Panjang")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": "100.41"}, "lat"),
        ({"lat": "-0.46"}, "lon"),
        ({"lat": "-0.46", "lon": "timur"}, "lon"),
        ({"lat": "nan", "lon": "100.41"}, "lat"),
        ({"lat": "-91", "lon": "100.41"}, "lat"),
        ({"lat": "-0.46", "lon": "100.41", "category": "jembatan"}, "category"),
    ],
)
def test_a_missing_or_bad_parameter_is_a_400_naming_it(client, params, field):
    response = client.get("/api/v1/locate", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
