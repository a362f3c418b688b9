"""As deployed: the client behind a proxy, the TLS switch, a Redis outage, log lines, unlocalized values."""

import io
import json
import logging
import re
import runpy
import subprocess
import sys
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from csp import utils as csp_utils
from django.conf import settings as project_settings
from django.test import Client

from config import logsafe
from notify.models import Subscription
from reports.models import Report
from tests.conftest import make_report, staff_user
from tests.deployed import production_env
from tests.images import GANTING_GPS, photo_bytes
from tests.test_reports_api import file, report_data
from tests.test_role_table import routes
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


def directives(policy):
    return set(policy.split("; "))


def test_responses_without_a_nonce_carry_the_settings_policy_as_django_csp_writes_it(client, settings):
    """config.csp.SettingsPolicy writes the settings' policy once per process: what django-csp itself builds for a
    response without a nonce or a view's own policy, a changed setting seen at once; a view's own policy (the API
    documentation's inline styles), a nonce and the admin's exclusion stay django-csp's."""
    for path in ("/tiles/reports/3/1/1.pbf", "/api/v1/categories", "/manifest.webmanifest"):
        policy = client.get(path)["Content-Security-Policy"]
        assert directives(policy) == directives(csp_utils.build_policy()) and "nonce" not in policy, path
    assert "frame-ancestors 'none'" in directives(policy) and "script-src 'self'" in directives(policy)
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": {
        **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}}
    assert "img-src 'self'" in directives(client.get("/tiles/reports/3/1/1.pbf")["Content-Security-Policy"])
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in directives(docs) and "img-src 'self'" in directives(docs)
    assert "'nonce-" in client.get("/")["Content-Security-Policy"]  # the page's scripts: its nonce, by django-csp
    assert "Content-Security-Policy" not in client.get("/admin/login/")


# E-mail with DEBUG off and no SMTP server: files their owner reads, never the log.

def test_without_an_smtp_server_mail_goes_to_files_only_their_owner_reads(tmp_path):
    answers = production_process("""
import os, stat
from django.conf import settings
from django.core.mail import send_mail
send_mail("Laporan PP-260001", "Tautan pribadi: /laporan/PP-260001/ikuti/tautan-rahasia/", None, ["budi@example.org"])
folder = settings.EMAIL_FILE_PATH
[name] = os.listdir(folder)
modes = [stat.S_IMODE(os.stat(path).st_mode) for path in (folder, os.path.join(folder, name))]
print(json.dumps({"backend": settings.EMAIL_BACKEND, "modes": modes,
                  "text": open(os.path.join(folder, name)).read()}))
""", tmp_path, EMAIL_HOST="")
    assert answers["backend"] == "config.mail.PrivateFileBackend"
    assert answers["modes"] == [0o700, 0o600]
    assert "budi@example.org" in answers["text"] and "tautan-rahasia" in answers["text"]
    with_server = production_process("""
from django.conf import settings
print(json.dumps([settings.EMAIL_BACKEND, settings.EMAIL_HOST]))
""", tmp_path, EMAIL_HOST="mail.padangpanjang.go.id")
    assert with_server == ["django.core.mail.backends.smtp.EmailBackend", "mail.padangpanjang.go.id"]


def test_gunicorn_warns_at_start_up_that_mail_is_written_to_files(deployed):
    assert requests.get(f"{deployed.url}/healthz").status_code == 200  # a worker answers: the arbiter was ready
    assert "No SMTP server is configured (EMAIL_HOST)" in deployed.log.read_text()


# Access logs: no secret path segment, whichever the URL.

SECRET = "RahasiaSekali_123-abc"


def test_every_url_carrying_a_secret_loses_it_in_the_access_log():
    # (Open311's tokens/<token> only names the public code a partner's POST made: no secret.)
    carrying = [route for route in routes() if "<str:token>" in route and not route.startswith("open311/")]
    assert len(carrying) >= 6  # a private link, its data and erasure pages; confirm, stop, "is it fixed?"
    for route in carrying:
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SECRET if m[1] == "token" else "PP-260001", route)
        for line in (url, f"GET {url}?lang=id HTTP/1.1", f"https://lapor.example.org{url}"):
            assert SECRET not in logsafe.without_secrets(line), line
            assert "/-/" in logsafe.without_secrets(line)
    assert logsafe.without_secrets("/open311/requests.json?api_key=kunci&a=1") == "/open311/requests.json?api_key=-&a=1"
    for public in ("/laporan/PP-260001/", "/pemberitahuan/", "/pemberitahuan/whatsapp/", "/feed/laporan.atom"):
        assert logsafe.without_secrets(public) == public


def test_the_access_log_hides_secrets_in_any_field_its_format_names():
    """config/gunicorn.conf.py's logger: each field searched as the format reads it (the request line, the path,
    the query, the referer, any request or response header), then its quotes escaped as gunicorn escapes them."""
    from gunicorn.config import Config

    logger = runpy.run_path(str(project_settings.BASE_DIR / "config" / "gunicorn.conf.py"))["AccessLogger"](Config())
    private = f"/laporan/PP-260001/ikuti/{SECRET}/"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{private}?api_key=kunci", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": private, "QUERY_STRING": "api_key=kunci", "HTTP_REFERER": f"https://x.example{private}",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": 'Ponsel "lama"'}
    request = SimpleNamespace(headers=[("REFERER", f"https://x.example{private}"), ("X-PATH", private)])
    response = SimpleNamespace(status="200 OK", headers=[("Location", private)], sent=0)
    atoms = logger.atoms_wrapper_class(logger.atoms(response, request, environ, timedelta(milliseconds=10)))
    line = logging.makeLogRecord({"args": atoms,  # as gunicorn logs it: access_log.info(format, atoms)
                                  "msg": "%(r)s %(U)s %(q)s %(f)s %({referer}i)s %({x-path}i)s %({location}o)s "
                                         "%(a)s %({absent}i)s"}).getMessage()
    assert SECRET not in line and "kunci" not in line and line.count("/ikuti/-/") == 6, line
    assert line.endswith('Ponsel \\"lama\\" -'), line


def test_a_journey_through_the_production_server_leaves_no_secret_in_its_access_log(deployed):
    """File a report, open its private link and pages, follow it, confirm, answer and stop: gunicorn's access log
    (make run's --access-logfile -) names each request and none of the secrets."""
    web = requests.Session()
    filed = web.post(f"{deployed.url}/api/v1/reports", data=report_data(photos=None),
                     files={"photos": ("foto.jpg", photo_bytes(gps=GANTING_GPS), "image/jpeg")})
    assert filed.status_code == 201, filed.text
    report = Report.objects.get(code=filed.json()["code"])
    private = f"/laporan/{report.code}/ikuti/{report.private_token}/"
    for path in (private, f"{private}data/"):
        assert web.get(deployed.url + path).status_code == 200
    page = web.get(f"{deployed.url}/laporan/{report.code}/").text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    web.post(f"{deployed.url}/laporan/{report.code}/langganan/",
             data={"csrfmiddlewaretoken": csrf, "channel": "email", "email": "ikut@example.org"})
    subscription = Subscription.objects.get(report=report, address="ikut@example.org")
    for path in (subscription.confirm_url(), subscription.fixed_url(), subscription.stop_url()):
        web.get(deployed.url + path)
    web.get(f"{deployed.url}/open311/discovery.json?api_key=kunci-rahasia-789")
    secrets = [report.private_token, subscription.token, "kunci-rahasia-789"]
    expected = [f'"GET /laporan/{report.code}/ikuti/-/data/" 200', f'"POST /laporan/{report.code}/langganan/"',
                '"GET /pemberitahuan/-/konfirmasi/"', '"GET /pemberitahuan/-/berhenti/"',
                '"GET /open311/discovery.json"']
    # gunicorn writes a line once the answer is sent: read again until the last ones are there.
    deadline = time.monotonic() + 30
    while not all(line in (logged := deployed.log.read_text()) for line in expected):
        assert time.monotonic() < deadline, logged
    for secret in secrets:
        assert secret not in logged


def test_the_apps_own_log_lines_name_no_secret(client):
    """django.request logs the path of every 4xx and 5xx; an extra field may hold a path too."""
    [console] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    stream, formatter, written = console.stream, console.formatter, io.StringIO()
    console.setStream(written)
    console.setFormatter(_json_formatter())  # as deployed: every extra field is in the line
    try:
        client.get(f"/laporan/PP-260001/ikuti/{SECRET}/")
        try:
            raise ValueError(f"while rendering /pemberitahuan/{SECRET}/berhenti/")
        except ValueError:
            logging.getLogger("reports").exception("failed")  # a traceback naming the path, as a 500's may
        logging.getLogger("reports").warning("seen %s", f"/pemberitahuan/{SECRET}/berhenti/",
                                             extra={"path": f"/laporan/PP-260001/ikuti/{SECRET}/data/"})
    finally:
        console.setStream(stream)
        console.setFormatter(formatter)
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    assert {"Not Found: /laporan/PP-260001/ikuti/-/", "seen /pemberitahuan/-/berhenti/"} <= {
        line["message"] for line in lines}
    assert "/laporan/PP-260001/ikuti/-/data/" in [line.get("path") for line in lines]
    assert any("while rendering /pemberitahuan/-/berhenti/" in line.get("exc_info", "") for line in lines)
    assert SECRET not in written.getvalue()
