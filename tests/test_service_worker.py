"""/sw.js: the browser asks it again at every visit (its update check) with the ETag it has; unchanged, a 304."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unchanged_service_worker_is_a_304(client):
    first = client.get("/sw.js")
    assert first.status_code == 200 and first["Content-Type"] == "application/javascript"
    assert "no-cache" in first["Cache-Control"] and 'importScripts("/static/js/outbox' in first.content.decode()
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert client.get("/sw.js", HTTP_IF_NONE_MATCH='"another"').content == first.content


def test_a_new_deployment_is_a_new_script(client, settings):
    """The worker's cache is named after our files' hashed names: new names, a new script and ETag."""
    first = client.get("/sw.js")
    settings.STATIC_URL = "/static/v2/"
    changed = client.get("/sw.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert 'importScripts("/static/v2/js/outbox' in changed.content.decode()
