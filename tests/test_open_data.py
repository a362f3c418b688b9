"""The open-data page (/data/): every export and feed, each URL carrying the filters chosen, and what it links."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import make_report

pytestmark = pytest.mark.django_db


def feeds(response):
    assert response.status_code == 200
    return {name: address for _, items in response.context["sections"] for name, address, _ in items}


def test_every_export_and_feed_is_listed_and_answers(client):
    make_report()
    listed = feeds(client.get("/data/"))
    assert len(listed) >= 14
    for name, address in listed.items():
        parts = urlsplit(address)
        path = parts.path.replace("%7Bz%7D/%7Bx%7D/%7By%7D", "14/12761/8214").replace("{z}/{x}/{y}", "14/12761/8214")
        response = client.get(path, parse_qs(parts.query))
        assert response.status_code == 200, (name, address, response.status_code)


def test_the_chosen_filters_are_carried_into_each_url_in_its_own_words(client):
    page = client.get("/data/", {"category": "lampu-mati", "status": "open", "kecamatan": "13.74.01",
                                 "from": "2026-11-01", "to": "2026-11-30"})
    listed = feeds(page)
    query = {urlsplit(address).path: parse_qs(urlsplit(address).query) for address in listed.values()}
    geojson = query["/api/v1/reports.geojson"]
    assert geojson == {"category": ["lampu-mati"], "status": ["open"], "kecamatan": ["13.74.01"],
                       "from": ["2026-11-01"], "to": ["2026-11-30"]}
    ogc = query["/ogcapi/collections/reports/items"]
    assert ogc == {"category": ["lampu-mati"], "status": ["open"], "kecamatan_code": ["13.74.01"],
                   "datetime": ["2026-11-01/2026-11-30"]}
    open311 = query["/open311/v2/requests.json"]
    assert open311 == {"service_code": ["lampu-mati"], "status": ["open"], "start_date": ["2026-11-01"],
                       "end_date": ["2026-11-30"]}
    assert "http://testserver/tiles/reports/{z}/{x}/{y}.pbf?category=lampu-mati&status=open" in listed.values()
    assert 'value="http://testserver/ogcapi/"' in page.content.decode()  # to copy into QGIS


def test_a_bad_filter_is_shown_and_left_out(client):
    page = client.get("/data/", {"status": "rusak", "category": "jalan"})
    assert "status" in page.content.decode() and page.context["params"] == {"category": "jalan"}


def test_the_statistics_page_links_the_open_data_page(client):
    assert 'href="/data/"' in client.get("/statistik/").content.decode()


def test_both_csv_dialects_are_offered_with_the_filters(client):
    listed = feeds(client.get("/data/", {"category": "jalan"}, HTTP_ACCEPT_LANGUAGE="id"))
    assert listed["Laporan sebagai CSV untuk Excel (Indonesia)"] == (
        "http://testserver/api/v1/reports.csv?category=jalan&dialect=excel-id")
    assert listed["Laporan sebagai CSV standar"] == "http://testserver/api/v1/reports.csv?category=jalan"


def test_the_status_list_names_each_choice_once_and_no_raw_markup_shows(client):
    page = client.get("/data/", HTTP_ACCEPT_LANGUAGE="id")
    statuses = [text for name, _, options in page.context["choices"] if name == "status" for _, text, _ in options]
    assert len(statuses) == len(set(map(str, statuses))) == 9
    assert "semua yang sudah berakhir (selesai, ditutup, ditolak, duplikat)" in map(str, statuses)
    html = page.content.decode()
    assert "`" not in html and "<button" in html
