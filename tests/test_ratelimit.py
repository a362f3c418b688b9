"""Cheap refusals first: every attempt counts, atomically, per client (IPv6 per /64), for reports and supports;
photos are decoded last."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client, RequestFactory

from reports import ratelimit
from tests.conftest import make_report
from tests.images import upload
from tests.test_reports_api import file

pytestmark = pytest.mark.django_db


def test_simultaneous_attempts_cannot_all_slip_under_the_limit():
    request = RequestFactory().post("/api/v1/reports", REMOTE_ADDR="203.0.113.9")
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: ratelimit.allow(request, "filing", "203.0.113.9", 10), range(30)))
    assert answers.count(True) == 10


def test_refused_submissions_count_too(client, settings):
    settings.REPORTS_PER_HOUR = 2
    assert file(client, description="pendek").status_code == 400  # refused, and counted
    assert file(client).status_code == 201
    assert file(client).status_code == 429


def test_an_ipv6_client_is_counted_per_64(settings):
    settings.REPORTS_PER_HOUR = 1
    assert file(Client(REMOTE_ADDR="2001:db8:1:2::10")).status_code == 201
    assert file(Client(REMOTE_ADDR="2001:db8:1:2:ffff::99")).status_code == 429  # the same /64
    assert file(Client(REMOTE_ADDR="2001:db8:1:3::10")).status_code == 201  # another subscriber


def test_supports_are_limited_per_client_whatever_device_ids_it_sends(client, settings):
    settings.SUPPORTS_PER_HOUR = 2
    report = make_report()
    answers = [client.post(f"/api/v1/reports/{report.code}/support", {"device_id": f"perangkat-{n}"}).status_code
               for n in range(3)]
    assert answers == [201, 201, 429]
    report.refresh_from_db()
    assert report.support_count == 2


def test_photos_are_decoded_only_for_an_otherwise_valid_report(client):
    refused = file(client, description="pendek", photos=[upload(b"not a photo at all")])
    assert refused.status_code == 400 and "description" in refused.json() and "photos" not in refused.json()
    assert "photos" in file(client, photos=[upload(b"not a photo at all")]).json()
