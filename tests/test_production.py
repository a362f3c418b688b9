"""As deployed: the client behind a proxy, the TLS switch, a Redis outage, log lines, unlocalized values."""

import json
import logging
import re
import subprocess
import sys

import pytest
from django.conf import settings as project_settings
from django.test import Client

from tests.conftest import make_report, staff_user
from tests.deployed import production_env
from tests.images import GANTING_GPS
from tests.test_reports_api import file
from tests.test_tiles import features, get_tile, tile_of

pytestmark = pytest.mark.django_db


def behind_proxy(client_address, spoofed=""):
    """A test client whose requests come from our proxy (10.0.0.2), forwarding for `client_address`."""
    forwarded = ", ".join(part for part in (spoofed, client_address) if part)
    return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_each_client_has_its_own_limit_and_cannot_forge_another(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.REPORTS_PER_HOUR = 1
    assert file(behind_proxy("203.0.113.9")).status_code == 201
    assert file(behind_proxy("203.0.113.9")).status_code == 429
    # The same proxy, another resident: their own bucket, not the whole city's.
    assert file(behind_proxy("198.51.100.7")).status_code == 201
    # Whatever a client writes at the left of the header is not believed: the proxy saw 203.0.113.9.
    assert file(behind_proxy("203.0.113.9", spoofed="192.0.2.44")).status_code == 429


def test_a_forwarded_header_from_anyone_but_a_trusted_proxy_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.REPORTS_PER_HOUR = 1
    stranger = {"REMOTE_ADDR": "192.0.2.10"}
    assert file(Client(**stranger, HTTP_X_FORWARDED_FOR="203.0.113.1")).status_code == 201
    assert file(Client(**stranger, HTTP_X_FORWARDED_FOR="203.0.113.2")).status_code == 429


def test_the_sign_in_lock_out_counts_the_client_behind_the_proxy(settings, django_user_model):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    staff_user(django_user_model, "andi", "crew")
    guesser = behind_proxy("203.0.113.9")
    for _ in range(5):
        guesser.post("/masuk/", {"username": "andi", "password": "salah"})
    assert guesser.post("/masuk/", {"username": "andi", "password": "sandi-rahasia-123"}).status_code == 429
    # andi himself, from another address behind the same proxy, still gets in.
    signed_in = behind_proxy("198.51.100.7").post("/masuk/", {"username": "andi", "password": "sandi-rahasia-123"})
    assert signed_in.status_code == 302


def production_process(script, tmp_path, **env):
    """Run `script` in a fresh process with production settings on the test database (no static files
    collected); its last output line, as JSON."""
    settings_env = production_env(tmp_path, ALLOWED_HOSTS="lapor.padangpanjang.go.id",
                                  DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="CRITICAL")
    settings_env.update(env)
    done = subprocess.run([sys.executable, "-c", "import django, json; django.setup()\n" + script],
                          env=settings_env, cwd=project_settings.BASE_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_one_switch_makes_check_deploy_clean_and_sends_plain_http_to_https(tmp_path):
    answers = production_process("""
from io import StringIO
from django.core.management import call_command
from django.test import Client
call_command("check", "--deploy", "--fail-level", "WARNING", stdout=StringIO())
client = Client(HTTP_HOST="lapor.padangpanjang.go.id")
plain = client.get("/api/v1/categories")
secure = client.get("/api/v1/categories", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({"plain": [plain.status_code, plain.get("Location")],
                  "hsts": secure.get("Strict-Transport-Security"),
                  "health": client.get("/healthz").status_code}))
""", tmp_path, BEHIND_TLS_PROXY="true")
    assert answers["plain"] == [301, "https://lapor.padangpanjang.go.id/api/v1/categories"]
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert answers["health"] == 200  # a load balancer asks over plain HTTP


def test_without_the_switch_debug_off_still_serves_plain_http(tmp_path):
    answers = production_process("""
from django.test import Client
response = Client(HTTP_HOST="lapor.padangpanjang.go.id").get("/api/v1/categories")
print(json.dumps({"status": response.status_code}))
""", tmp_path)
    assert answers == {"status": 200}


@pytest.fixture
def redis_down(settings):
    """The cache on a port nothing listens on, as when the shared Redis is down."""
    settings.CACHES = {"default": {**project_settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}


def test_with_redis_down_filing_tiles_and_figures_still_work_and_health_says_degraded(client, redis_down, caplog):
    filed = file(client)
    assert filed.status_code == 201
    assert client.get(f"/api/v1/reports/{filed.json()['code']}").status_code == 200
    tile = get_tile(client, *tile_of(*GANTING_GPS, 18))
    assert [f["properties"]["code"] for f in features(tile)] == [filed.json()["code"]]
    assert tile["Cache-Control"] == "no-store" and not tile.has_header("ETag")  # no version to promise
    assert client.get("/api/v1/stats.json").json()["total"] == 1
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["degraded"] == ["cache"]
    assert any(record.name == "cache" for record in caplog.records)  # each miss is logged


def test_health_is_ok_with_every_part_working(client):
    assert client.get("/healthz").json() | {"database": "", "postgis": ""} == {
        "status": "ok", "degraded": [], "database": "", "postgis": ""}


def test_a_log_line_is_json_with_the_event_and_no_personal_data(client, settings, caplog):
    settings.REPORTS_PER_HOUR = 0
    with caplog.at_level(logging.WARNING, logger="reports.ratelimit"):
        assert file(client).status_code == 429
    [record] = [r for r in caplog.records if r.name == "reports.ratelimit"]
    line = json.loads(_json_formatter().format(record))
    assert line["event"] == "rate_limited" and line["level"] == "WARNING" and line["logger"] == "reports.ratelimit"
    assert "127.0.0.1" not in json.dumps(line)  # an address is personal data


def _json_formatter():
    from pythonjsonlogger.json import JsonFormatter

    options = dict(project_settings.LOGGING["formatters"]["json"])
    options.pop("()")
    return JsonFormatter(**options)


def test_coordinates_read_by_scripts_and_links_are_never_localized(client, django_user_model):
    report = make_report(status="dikerjakan")
    page = client.get(report.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert f'data-lat="{report.location.y}" data-lon="{report.location.x}"' in page
    client.force_login(staff_user(django_user_model, "andi", "crew", report.crew.name))
    crew_page = client.get(f"/petugas/laporan/{report.code}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert f'href="geo:{report.location.y},{report.location.x}?q=' in crew_page
    assert f"directions?to={report.location.y}%2C{report.location.x}" in crew_page


def test_with_the_database_down_people_get_a_page_and_programs_a_503_to_retry(tmp_path):
    answers = production_process("""
from django.test import Client
client = Client(HTTP_HOST="lapor.padangpanjang.go.id", raise_request_exception=False)
found = {}
for path in ("/api/v1/reports", "/open311/v2/services.json", "/laporan/PP-260001/"):
    response = client.get(path)
    found[path] = [response.status_code, response.get("Retry-After"), response["Content-Type"],
                   response.content.decode()]
print(json.dumps(found))
""", tmp_path, DATABASE_URL="postgis://127.0.0.1:1/nowhere")
    api, open311, page = (answers[path] for path in ("/api/v1/reports", "/open311/v2/services.json",
                                                        "/laporan/PP-260001/"))
    # In Bahasa Indonesia, the default language.
    assert api[:3] == [503, "30", "application/json"] and "coba lagi" in json.loads(api[3])["error"]
    assert open311[:2] == [503, "30"] and json.loads(open311[3])[0]["code"] == 503
    assert page[:2] == [503, "30"] and page[2].startswith("text/html") and 'lang="id"' in page[3]


def test_a_body_over_the_limit_is_a_413_before_it_is_read(client, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = client.generic("POST", "/api/v1/reports", b"x" * 1001, content_type="application/octet-stream")
    assert response.status_code == 413 and "larger" in response.json()["error"]
    assert file(client).status_code == 413  # a real report with a photo is over 1,000 bytes too
    settings.MAX_REQUEST_BYTES = 55 * 1024 * 1024
    assert file(client).status_code == 201


def test_pages_carry_a_content_security_policy_and_their_inline_scripts_its_nonce(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    [nonce] = re.findall(r"'nonce-([^']+)'", policy)
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy and "unsafe-eval" not in policy
    page = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
