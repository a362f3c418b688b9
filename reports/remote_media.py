"""Fetching a photo from an address a client gave (Open311 `media_url`): the one place the server makes a request
to an address from outside, so it is kept apart and small.

Only http(s); every address the name resolves to must be public (unless OPEN311_MEDIA_PRIVATE_OK), checked on
the socket actually connected, after DNS and after every redirect, so neither a redirect nor DNS rebinding reaches
our own network; a size limit and a deadline for the whole fetch. What comes back is checked later like any upload.
"""

import http.client
import ipaddress
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from time import monotonic

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import photos

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The address is not one we fetch from, or nothing usable came back; the message says which, without
    telling which of our ports are open."""


def check_url(url):
    """Only http(s) addresses (the address connected to is checked by connect_to_public_address)."""
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and parts.hostname
    except ValueError:
        ok = False
    if not ok:
        raise Refused("an http or https address is required.")


def connect_to_public_address(address, timeout=None, source_address=None, **kwargs):
    """http.client's socket.create_connection, but only to a public address: a media_url must not reach our
    own network. The name is resolved once and every answer vetted before anything is sent; the connection
    goes to a vetted address, so a second, different DNS answer (rebinding) is never used."""
    host, port = address
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise Refused("its host is not found.") from None
    allowed = [info for info in found
               if settings.OPEN311_MEDIA_PRIVATE_OK or ipaddress.ip_address(info[4][0].split("%")[0]).is_global]
    if not allowed or len(allowed) < len(found):
        logger.warning("media_url refused: not a public address", extra={"event": "ssrf_refused"})
        raise Refused("the address is not a public one.")
    family, kind, proto, _, where = allowed[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.settimeout(timeout)
        sock.connect(where)
    except OSError:
        sock.close()
        raise
    return sock


class PublicOnlyHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_to_public_address  # what HTTPConnection.connect() calls


class PublicOnlyHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_to_public_address


class PublicOnlyHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(PublicOnlyHTTPConnection, req)


class PublicOnlyHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(PublicOnlyHTTPSConnection, req, context=self._context)


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url):
    """The photo at media_url, read into memory up to the photo size limit; checked later like any upload."""
    check_url(url)
    # No proxy from the environment: the address vetted must be the one connected to.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), PublicOnlyHTTPHandler,
                                         PublicOnlyHTTPSHandler, CheckedRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": settings.GEOCODER_USER_AGENT})
    # The timeout bounds each wait for a byte; the deadline, the whole fetch (a server may send one a second).
    deadline = monotonic() + settings.OPEN311_MEDIA_TIMEOUT_S
    content = bytearray()
    try:
        with opener.open(request, timeout=settings.OPEN311_MEDIA_TIMEOUT_S) as answer:
            while len(content) <= photos.MAX_BYTES and (chunk := answer.read1(64 * 1024)):
                content += chunk
                if monotonic() > deadline:
                    raise TimeoutError("the whole fetch took longer than OPEN311_MEDIA_TIMEOUT_S")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        logger.warning("media_url could not be read: %s", type(error).__name__, extra={"event": "upstream_error",
                                                                                       "upstream": "media_url"})
        # One message for every failure: the answer must not tell which of our ports are open.
        raise Refused("it could not be read.") from None
    name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] or "media"
    return SimpleUploadedFile(name[:100], bytes(content))
