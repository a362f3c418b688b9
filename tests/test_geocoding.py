"""Geocoding against a Nominatim-like server on 127.0.0.1: addresses by a job, retries, the one-a-second turn,
the backfill after an outage, search."""

import signal
import time
import uuid

import pytest
from django.utils import timezone

from geo import geocoding
from geo.models import Throttle
from jobs.models import Job
from reports.models import Report
from tests.conftest import make_report, run, run_jobs
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.nominatim import ADDRESS, FakeNominatim
from tests.test_jobs import wait_until, worker
from tests.test_open311 import V2, api_key, request_data  # noqa: F401 (the API key fixture)

pytestmark = pytest.mark.django_db

FALLBACK = "Kelurahan Ganting, Kecamatan Padang Panjang Timur"


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


def test_a_job_gives_the_report_its_street_address(client, nominatim):
    response = file_report(client)
    assert response.status_code == 201
    assert nominatim.requests == []  # the resident has their code before anyone asks the geocoder
    report = Report.objects.get(code=response.json()["code"])
    assert report.address == FALLBACK
    [job] = Job.objects.filter(task="reports.fill_address")
    assert job.args == {"report_id": report.pk}
    run_jobs()
    report.refresh_from_db()
    assert report.address == ADDRESS
    path, query = nominatim.requests[-1]
    assert path == "/reverse" and float(query["lat"]) == pytest.approx(GANTING_GPS[0])
    assert nominatim.agents[-1].endswith(") geocoder")  # sent by the one HTTP client (config/outbound.py)


def test_without_a_geocoder_no_job_is_enqueued(client, settings):
    settings.GEOCODER_URL = ""
    assert file_report(client).status_code == 201
    assert not Job.objects.filter(task="reports.fill_address").exists()


def test_where_the_geocoder_knows_no_address_the_kelurahan_stays_and_the_job_is_done(nominatim):
    nominatim.address = None
    report = make_report()
    run_jobs()
    report.refresh_from_db()
    assert report.address == FALLBACK
    assert Job.objects.get(task="reports.fill_address").state == Job.State.DONE


def test_a_geocoder_that_is_down_fails_the_job_which_is_retried(settings):
    settings.GEOCODER_URL = "http://127.0.0.1:9"  # nothing listens there
    report = make_report()
    run_jobs()
    job = Job.objects.get(task="reports.fill_address")
    assert (job.state, job.attempts) == (Job.State.QUEUED, 1) and "Unavailable" in job.last_error
    report.refresh_from_db()
    assert report.address == FALLBACK


def test_a_geocoder_past_its_timeout_is_unavailable(nominatim):
    nominatim.release.clear()
    with pytest.raises(geocoding.Unavailable):
        geocoding.reverse(*GANTING_GPS)


@pytest.mark.django_db(transaction=True)
def test_two_workers_ask_the_geocoder_a_second_apart(city, nominatim, tmp_path):
    reports = [make_report(), make_report(lat=GANTING_GPS[0] + 0.0001)]
    workers = [worker(tmp_path, GEOCODER_URL=nominatim.url) for _ in range(2)]
    try:
        wait_until(lambda: not Job.objects.filter(task="reports.fill_address", state=Job.State.QUEUED).exists())
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert [r.address for r in Report.objects.filter(pk__in=[r.pk for r in reports])] == [ADDRESS, ADDRESS]
    first, second = nominatim.times
    assert second - first >= geocoding.SECONDS_BETWEEN_REQUESTS


def test_the_backfill_enqueues_a_job_for_each_report_still_at_its_kelurahan_address(nominatim):
    waiting = [make_report(), make_report()]
    make_report(address="Jalan Imam Bonjol 3")
    Job.objects.all().delete()  # as after an outage: their first jobs are long done
    output = run("backfill_addresses", batch=1)
    assert "Enqueued 1 of 2" in output and "Enqueued 2 of 2" in output and "2 reports still had" in output
    asked = Job.objects.filter(task="reports.fill_address").values_list("args__report_id", flat=True)
    assert sorted(asked) == sorted(r.pk for r in waiting)
    run("backfill_addresses")
    assert Job.objects.filter(task="reports.fill_address").count() == 2  # a report's job waits once


def test_address_search_is_bounded_to_the_city(client, nominatim):
    places = client.get("/api/v1/geocode", {"q": "masjid ganting"}).json()
    assert places == [{"name": "Masjid Ganting, Padang Panjang", "lat": -0.4607, "lon": 100.4176}]
    path, query = nominatim.requests[-1]
    assert path == "/search" and query["bounded"] == "1" and query["countrycodes"] == "id"
    west, south, east, north = (float(v) for v in query["viewbox"].split(","))
    assert 100.36 < west < east < 100.45 and -0.50 < south < north < -0.44


def test_a_too_short_search_is_a_400_naming_q(client):
    assert client.get("/api/v1/geocode", {"q": "a"}).status_code == 400


def test_a_burst_of_searches_asks_the_geocoder_once_a_second_and_each_client_has_its_hourly_limit(client, nominatim,
                                                                                                  settings):
    settings.SEARCHES_PER_HOUR = 30
    started = time.monotonic()
    answers = [client.get("/api/v1/geocode", {"q": "ganting"}) for _ in range(40)]
    took = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 30 + [429] * 10
    assert "Terlalu banyak pencarian" in answers[-1].json()["error"]
    assert all(a.json() for a in answers[:30])  # the city's own kelurahan answer while the geocoder is not asked
    assert {path for path, _ in nominatim.requests} == {"/search"}
    assert 1 <= len(nominatim.times) <= 1 + took / geocoding.SECONDS_BETWEEN_REQUESTS
    gaps = [later - earlier for earlier, later in zip(nominatim.times, nominatim.times[1:], strict=False)]
    assert all(gap >= geocoding.SECONDS_BETWEEN_REQUESTS for gap in gaps), gaps


def test_a_search_too_long_is_refused_before_anything_is_asked(client, nominatim):
    answer = client.get("/api/v1/geocode", {"q": "jalan " * 100})
    assert answer.status_code == 400 and list(answer.json()) == ["q"] and nominatim.requests == []


def test_a_job_waits_for_the_geocoders_turn_and_a_page_does_not(nominatim):
    bounds = ((-0.50, 100.36), (-0.44, 100.45))
    geocoding.search("masjid", bounds, wait=False)  # a page's search
    with pytest.raises(geocoding.Busy):
        geocoding.search("masjid", bounds, wait=False)
    assert geocoding.search("masjid", bounds)  # a job: it waited
    first, second = nominatim.times
    assert second - first >= geocoding.SECONDS_BETWEEN_REQUESTS


def test_an_open311_address_while_the_geocoder_is_busy_is_a_503_that_says_what_to_do(client, nominatim, api_key):  # noqa: F811
    Throttle.objects.update_or_create(name="geocoder", defaults={"last_at": timezone.now()})  # asked just now
    data = request_data(api_key, lat=None, long=None, address_string="Masjid Ganting", service_code="lampu-mati")
    answer = client.post(f"{V2}/requests.json", data)
    assert answer.status_code == 503 and "send lat and long" in answer.json()[0]["description"]
    assert nominatim.requests == [] and not Report.objects.exists()
