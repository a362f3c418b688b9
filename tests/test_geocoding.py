"""Geocoding against a Nominatim-like server on 127.0.0.1: addresses, search, and a slow server."""

import threading
import uuid

import pytest

from geo import geocoding
from reports.models import Report
from reports.services import fill_address
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.nominatim import FakeNominatim

pytestmark = pytest.mark.django_db


@pytest.fixture
def nominatim(settings):
    server = FakeNominatim()
    settings.GEOCODER_URL = server.url
    settings.GEOCODER_TIMEOUT_S = 1
    yield server
    server.close()


def file_report(client):
    return client.post("/api/v1/reports", {
        "category": "saluran-tersumbat", "lat": GANTING_GPS[0], "lon": GANTING_GPS[1],
        "description": "Saluran tersumbat sampah plastik.", "client_uuid": str(uuid.uuid4()),
        "photos": [upload(photo_bytes())],
    })


def test_a_report_gets_its_street_address_from_the_geocoder(client, nominatim):
    code = file_report(client).json()["code"]
    report = Report.objects.get(code=code)
    assert report.address == "Kelurahan Ganting, Kecamatan Padang Panjang Timur"
    assert fill_address(report.pk, *GANTING_GPS) == "Jalan Sutan Syahrir, Ganting, Padang Panjang, Sumatera Barat"
    report.refresh_from_db()
    assert report.address.startswith("Jalan Sutan Syahrir")
    path, query = nominatim.requests[-1]
    assert path == "/reverse" and float(query["lat"]) == pytest.approx(GANTING_GPS[0])


def test_a_slow_geocoder_neither_delays_nor_loses_the_report(client, nominatim, django_capture_on_commit_callbacks):
    nominatim.release.clear()  # the geocoder holds every answer
    with django_capture_on_commit_callbacks(execute=True):
        response = file_report(client)
    assert response.status_code == 201
    assert not nominatim.answered.is_set()  # the resident has their code before the geocoder answered
    report = Report.objects.get(code=response.json()["code"])
    assert report.address == "Kelurahan Ganting, Kecamatan Padang Panjang Timur"
    worker = next(t for t in threading.enumerate() if t.name == f"geocode-{report.pk}")
    nominatim.release.set()
    worker.join(10)
    assert nominatim.requests[-1][0] == "/reverse"  # it was asked, in the background


def test_a_geocoder_past_its_timeout_gives_no_address():
    from django.test import override_settings

    server = FakeNominatim()
    server.release.clear()
    try:
        with override_settings(GEOCODER_URL=server.url, GEOCODER_TIMEOUT_S=1):
            assert geocoding.reverse(*GANTING_GPS) is None
    finally:
        server.close()


def test_address_search_is_bounded_to_the_city(client, nominatim):
    places = client.get("/api/v1/geocode", {"q": "masjid ganting"}).json()
    assert places == [{"name": "Masjid Ganting, Padang Panjang", "lat": -0.4607, "lon": 100.4176}]
    path, query = nominatim.requests[-1]
    assert path == "/search" and query["bounded"] == "1" and query["countrycodes"] == "id"
    west, south, east, north = (float(v) for v in query["viewbox"].split(","))
    assert 100.36 < west < east < 100.45 and -0.50 < south < north < -0.44


def test_a_too_short_search_is_a_400_naming_q(client):
    assert client.get("/api/v1/geocode", {"q": "a"}).status_code == 400
