"""Debian's nginx with config/nginx.conf.template in front of the production gunicorn, over TLS.

nginx runs in the foreground with a main configuration like Debian's /etc/nginx/nginx.conf (which includes the
site), but with its pid, logs and temporary files in the test's folder. The certificate is a self-signed one
the test makes; the client trusts exactly it.
"""

import http.client
import json
import os
import posixpath
import pwd
import re
import socket
import ssl
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from django.conf import settings

from config import nginx
from reports import photos
from reports.forms import MAX_PHOTOS
from reports.interop import open311
from reports.models import ApiCall, ApiClient
from tests import hashers
from tests.conftest import make_report
from tests.deployed import gunicorn, production_env

# Debian's /etc/nginx/nginx.conf, cut to what the site needs, with every file of nginx's own in its prefix.
# The workers run as the user running the test: the test's folders let only their owner in. (Not root? Then
# nginx ignores `user` and the workers are that user anyway.)
MAIN = """\
user {user};
pid nginx.pid;
error_log error.log;
events {{
    worker_connections 64;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log access.log;
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    include site.conf;
}}
"""
FORGED = "203.0.113.9"  # TEST-NET-3: what a client claims to be


@dataclass
class Site:
    http: str  # nginx's plain HTTP side
    https: str
    app: str  # gunicorn itself, behind nginx
    folder: Path
    env: dict
    config: str  # the rendered site
    ca: Path
    client: urllib3.PoolManager

    def get(self, url, **headers):
        """One request, redirects not followed."""
        return self.client.request("GET", url, headers=headers, retries=False, timeout=30)


@contextmanager
def nginx_in_front(upstream, env, folder):
    """Debian's nginx on two listening sockets the test opens and hands over in the NGINX variable (as nginx
    hands them to its new binary on an upgrade): requests wait in their backlogs, so there is no port to poll.
    Yields the site's rendered configuration and its two addresses."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", folder / "key.pem", "-out", folder / "cert.pem"], check=True, capture_output=True)
    plain, tls = (socket.create_server(("127.0.0.1", 0), backlog=128) for _ in range(2))
    config = nginx.render({
        **env, "SERVER_NAME": "127.0.0.1", "UPSTREAM": upstream, "TLS_CERT": str(folder / "cert.pem"),
        "TLS_KEY": str(folder / "key.pem"), "ACME_ROOT": str(folder / "acme"),
        "HTTP_LISTEN": f"127.0.0.1:{plain.getsockname()[1]}", "HTTPS_LISTEN": f"127.0.0.1:{tls.getsockname()[1]}",
        "ACCESS_LOG": str(folder / "site-access.log"),
    })
    (folder / "site.conf").write_text(config)
    (folder / "nginx.conf").write_text(MAIN.format(user=pwd.getpwuid(os.getuid()).pw_name))
    command = ["/usr/sbin/nginx", "-p", f"{folder}/", "-c", "nginx.conf"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    with open(folder / "nginx.out", "wb") as output:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], env=dict(os.environ, NGINX=f"{plain.fileno()};{tls.fileno()};"),
            pass_fds=[plain.fileno(), tls.fileno()], stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        yield config, f"http://127.0.0.1:{plain.getsockname()[1]}", f"https://127.0.0.1:{tls.getsockname()[1]}"
    finally:
        plain.close()
        tls.close()
        process.terminate()  # SIGTERM: nginx's fast shutdown, the workers with it
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def site(django_db_setup, static_root, tmp_path_factory):
    """The production server as docs/production.md runs it: behind a TLS proxy on this machine, photos sent by
    nginx."""
    folder = tmp_path_factory.mktemp("nginx")
    env = production_env(folder, BEHIND_TLS_PROXY="true", TRUSTED_PROXIES="127.0.0.1",
                         MEDIA_ACCEL_REDIRECT="/_media/", STATIC_ROOT=str(static_root))
    with gunicorn(env, folder) as app, nginx_in_front(app.url.removeprefix("http://"), env, folder) as (
            config, plain, tls):
        client = urllib3.PoolManager(ca_certs=str(folder / "cert.pem"))
        yield Site(plain, tls, app.url, folder, env, config, folder / "cert.pem", client)
        client.clear()  # an open keep-alive connection would hold up gunicorn's graceful stop


@pytest.fixture
def live(site, settings):
    """Rows the test makes are for the servers to see: photos go where nginx reads them, passwords are hashed as
    production checks them (tests/hashers.py)."""
    settings.MEDIA_ROOT = Path(site.env["MEDIA_ROOT"])
    settings.PASSWORD_HASHERS = hashers.AS_PRODUCTION
    return site


def test_plain_http_moves_to_https_except_certbots_challenges(site):
    moved = site.get(f"{site.http}/statistik/?tahun=2026")
    assert moved.status == 301
    assert moved.headers["Location"] == "https://127.0.0.1/statistik/?tahun=2026"
    challenge = site.folder / "acme" / ".well-known" / "acme-challenge" / "token-123"
    challenge.parent.mkdir(parents=True)
    challenge.write_text("token-123.thumbprint")
    answer = site.get(f"{site.http}/.well-known/acme-challenge/token-123")
    assert (answer.status, answer.data) == (200, b"token-123.thumbprint")
    assert answer.headers["Server"] == "nginx"  # no version


@pytest.mark.django_db(transaction=True)
def test_https_pages_are_strict_and_cookies_secure_and_a_sign_in_passes_csrf(live, django_user_model):
    health = live.get(f"{live.https}/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
    form = live.get(f"{live.https}/masuk/")
    assert form.status == 200
    assert form.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    token = re.search(r"csrftoken=([^;]+);.*; Secure", form.headers["Set-Cookie"])[1]
    django_user_model.objects.create_user("andi", password="sandi-rahasia-123")
    # The browser's Origin names the port; the app sees the same Host, so CSRF's origin check passes.
    signed_in = live.client.request(
        "POST", f"{live.https}/masuk/", fields={"username": "andi", "password": "sandi-rahasia-123",
                                                "csrfmiddlewaretoken": token},
        encode_multipart=False, headers={"Cookie": f"csrftoken={token}", "Origin": live.https}, retries=False)
    assert signed_in.status == 302, signed_in.data[:500]
    assert re.search(r"sessionid=[^;]+;.*; Secure", signed_in.headers["Set-Cookie"])


def test_exports_stream_through(site):
    export = site.get(f"{site.https}/api/v1/reports.csv")
    assert export.status == 200 and export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.data.startswith("\ufefflon,lat,code,".encode())


@pytest.mark.django_db(transaction=True)
def test_photos_are_sent_by_nginx_from_the_apps_answer(live, city):
    photo = make_report(with_photo=True).photos.get()
    answer = live.get(f"{live.app}{photo.image.url}", **{"X-Forwarded-Proto": "https"})
    assert (answer.status, answer.data) == (200, b"")
    assert answer.headers["X-Accel-Redirect"] == f"/_media/{photo.image.name}"
    served = live.get(f"{live.https}{photo.image.url}")
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"  # kept from the app's answer
    assert served.headers["X-Content-Type-Options"] == "nosniff"  # dropped with the app's answer, set again
    assert served.data == Path(photo.image.path).read_bytes()
    assert "X-Accel-Redirect" not in served.headers
    assert live.get(f"{live.https}/_media/{photo.image.name}").status == 404  # internal
    folder = posixpath.dirname(photo.image.name)
    assert live.get(f"{live.https}/media/{folder}/").status == 404
    assert live.get(f"{live.https}/media/{folder}").status == 404


def test_hashed_static_files_are_kept_a_year_and_others_a_minute(site):
    static = Path(site.env["STATIC_ROOT"])
    name, hashed = next((name, hashed) for name, hashed in json.loads(
        (static / "staticfiles.json").read_text())["paths"].items() if name.endswith(".css"))
    kept = site.get(f"{site.https}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    assert kept.status == 200 and kept.headers["Content-Type"] == "text/css"
    # nginx's answer, not WhiteNoise's (which says "max-age=315360000, public, immutable")
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert kept.headers["Content-Encoding"] == "gzip"  # WhiteNoise's .gz beside it
    assert kept.data == (static / hashed).read_bytes()  # urllib3 decompressed it
    assert site.get(f"{site.https}/static/{name}").headers["Cache-Control"] == "public, max-age=60"
    assert site.get(f"{site.https}/static/{posixpath.dirname(name)}/").status == 404


@pytest.mark.django_db(transaction=True)
def test_the_client_is_the_address_nginx_saw_not_the_one_it_claims(site):
    """What config.middleware.client_address makes of X-Forwarded-For is what the rate limit, the sign-in lock-out
    and the Open311 call log use; the call log records it. gunicorn believes the header from 127.0.0.1 (a trusted
    proxy), so only nginx replacing it keeps a forged one out; appending, the forged address would be the
    right-most untrusted hop and count as the client."""
    key, digest, prefix = open311.new_key()
    ApiClient.objects.create(name="LAPOR!-SP4N", key_digest=digest, key_prefix=prefix)
    path = f"/open311/discovery.json?api_key={key}"
    assert site.get(f"{site.https}{path}", **{"X-Forwarded-For": FORGED}).status == 200
    assert site.get(f"{site.app}{path}", **{"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}).status == 200
    assert list(ApiCall.objects.order_by("pk").values_list("remote_addr", flat=True)) == ["127.0.0.1", FORGED]


def test_the_access_log_keeps_no_private_token_nor_query(site):
    """docs/privacy.md: a private link's token, a subscription's and a query (an Open311 api_key, a searched
    address) would sit in the proxy's log for weeks; the log has the path, each token replaced by a dash."""
    site.get(f"{site.https}/laporan/PP-260001/ikuti/token-rahasia-123/data/")
    site.get(f"{site.http}/laporan/PP-260001/ikuti/token-rahasia-456/")
    site.get(f"{site.https}/open311/discovery.json?api_key=kunci-rahasia-789")
    site.get(f"{site.https}/pemberitahuan/langganan-rahasia-321/berhenti/")
    site.get(f"{site.https}/pemberitahuan/whatsapp/")
    expected = ['"GET /laporan/PP-260001/ikuti/-/data/" 404', '"GET /laporan/PP-260001/ikuti/-/" 301',
                '"GET /open311/discovery.json" 403', '"GET /pemberitahuan/-/berhenti/"',
                '"GET /pemberitahuan/whatsapp/"']
    # nginx writes a line once the answer is sent, so on a busy machine just after the client has it: read again
    # until the three are there.
    deadline = time.monotonic() + 30
    while not all(line in (logged := (site.folder / "site-access.log").read_text()) for line in expected):
        assert time.monotonic() < deadline, logged
    for secret in ("token-rahasia-123", "token-rahasia-456", "kunci-rahasia-789", "langganan-rahasia-321"):
        assert secret not in logged


def test_a_full_report_gets_through_and_a_byte_more_is_refused(site):
    limit = int(re.search(r"client_max_body_size (\d+)m;", site.config)[1]) * 2**20
    full = [("photos", (f"foto-{number}.jpg", bytes(photos.MAX_BYTES), "image/jpeg"))
            for number in range(1, MAX_PHOTOS + 1)]
    full.append(("document", ("surat.pdf", bytes(settings.DOCUMENT_MAX_BYTES), "application/pdf")))
    passed = site.client.request("POST", f"{site.https}/api/v1/reports", fields=full, retries=False)
    # The app read it all and answered with the form's errors (the photos are decoded only for a report
    # whose other fields are good, and these have none).
    assert passed.status == 400 and "description" in passed.json() and "photos" not in passed.json()
    assert "document" not in passed.json()
    # Announced, not sent: nginx answers from the headers alone.
    connection = http.client.HTTPSConnection(site.https.removeprefix("https://"), timeout=30,
                                             context=ssl.create_default_context(cafile=site.ca))
    connection.putrequest("POST", "/api/v1/reports")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()
    refused = connection.getresponse()
    assert refused.status == 413
    connection.close()
