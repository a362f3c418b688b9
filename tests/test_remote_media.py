"""reports.remote_media over HTTPS: the certificate is checked, and the address check holds for TLS as for HTTP."""

import ssl
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import remote_media
from tests.images import GANTING_GPS, photo_bytes
from tests.localserver import LocalServer


def self_signed(folder, name):
    """A certificate for 127.0.0.1 and its key, made by openssl (as tests/test_nginx.py makes nginx's)."""
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class TLSPhotoServer(LocalServer):
    """Serves one photo at /foto.jpg over HTTPS; `paths` are the requests that reached it."""

    content = photo_bytes(gps=GANTING_GPS)

    def __init__(self, cert, key):
        self.paths = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        super().__init__(tls=context)

    def handle(self, request):
        self.paths.append(request.path)
        self.reply(request, 200, self.content, "image/jpeg")


@pytest.fixture
def certificates(tmp_path):
    return self_signed(tmp_path, "server"), self_signed(tmp_path, "other")


@pytest.fixture
def tls_server(certificates):
    (cert, key), _ = certificates
    server = TLSPhotoServer(cert, key)
    yield server
    server.close()


def test_a_photo_is_fetched_over_https_from_a_trusted_certificate(tls_server, certificates, settings, monkeypatch):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True  # the host of this test is on 127.0.0.1
    (cert, _), _ = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store, read when a context is made
    fetched = remote_media.fetch(f"{tls_server.url}/foto.jpg")
    assert isinstance(fetched, SimpleUploadedFile) and fetched.name == "foto.jpg"
    assert fetched.read() == TLSPhotoServer.content


def test_a_certificate_nobody_vouches_for_is_refused(tls_server, certificates, settings, monkeypatch):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True
    _, (other, _) = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(other))  # trusts another certificate, not the server's
    with pytest.raises(remote_media.Refused, match="it could not be read"):
        remote_media.fetch(f"{tls_server.url}/foto.jpg")
    assert tls_server.paths == []  # the handshake failed: no request was sent


def test_an_https_address_in_our_own_network_is_refused_before_connecting(tls_server, certificates, settings,
                                                                           monkeypatch):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    (cert, _), _ = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for url in (f"{tls_server.url}/foto.jpg", tls_server.url.replace("127.0.0.1", "localhost") + "/foto.jpg"):
        with pytest.raises(remote_media.Refused, match="not a public one"):
            remote_media.fetch(url)
    assert tls_server.paths == []
