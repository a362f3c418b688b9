"""The one HTTP client: every call the product makes to another system goes through `request` (LAPOR! and the
Open311 partners, web push, the geocoder, a `media_url` and LAPOR!'s attachments, WhatsApp and the SMS gateway,
the basemap). One rule set, so a fix here holds for all of them:

- http and https only, at most MAX_REDIRECTS redirects, each hop checked again like the first;
- `Authorization`, `Cookie` and `Proxy-Authorization` are dropped when a redirect leaves the host (or goes from
  https to http), and a redirect that would carry the request's body to another host is refused: a token, an API
  key in a form or a phone number never reaches a host it was not meant for;
- a deadline for the whole call, redirects included (the purpose's timeout setting): every read waits only for
  what is left of it, so a server sending a byte a second cannot hold a worker past it;
- a size cap per purpose: a larger answer is cut off as soon as it is seen to be larger (its Content-Length,
  else what has come so far), never read whole;
- one User-Agent (OUTBOUND_USER_AGENT) with the purpose after it;
- for URLs that come from outside (`PURPOSES[...].outside`: a `media_url`, a LAPOR! attachment, a browser's push
  endpoint, a WhatsApp photo's address), only public addresses: the name is resolved once, every address it has
  must be public (not loopback, private, link-local such as the cloud's 169.254.169.254, shared, reserved,
  multicast, nor one of these inside an IPv6 address), and the connection goes to an address so vetted (a second
  DNS answer is never used).
  OUTSIDE_URLS_ALLOW_PRIVATE lifts this (tests; a city whose partners host photos inside its network). The
  addresses the city configures itself (LAPOR_URL, partners, gateways, GEOCODER_URL, BASEMAP_URL) are trusted.

No proxy from the environment: the address vetted is the one connected to. Failures are one family: `Error`, as
`Refused` (we will not call that address: trying again does not help), `Unanswered` (down, TLS refused, past the
deadline: it may answer later) or `TooLarge`. The caller reads the status and the body (`Answer`).
"""

import http.client
import io
import ipaddress
import json as jsonlib
import logging
import socket
import urllib.parse
from contextvars import ContextVar
from dataclasses import dataclass
from time import monotonic

import urllib3
from django.conf import settings
from urllib3.util.connection import allowed_gai_family

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
KB, MB = 1024, 1024 * 1024
CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
CONTENT_HEADERS = ("content-type", "content-length", "content-encoding", "transfer-encoding")


@dataclass(frozen=True)
class Purpose:
    timeout_setting: str  # the setting holding the whole call's deadline, in seconds
    max_bytes: int  # the largest answer read
    outside: bool = False  # its URLs come from outside: public addresses only


PURPOSES = {
    "lapor": Purpose("FORWARDING_TIMEOUT_S", 8 * MB),  # a page of dispositions
    "open311_partner": Purpose("FORWARDING_TIMEOUT_S", 1 * MB),
    "geocoder": Purpose("GEOCODER_TIMEOUT_S", 1 * MB),
    "basemap": Purpose("BASEMAP_TIMEOUT_S", 2 * MB),  # one tile
    "whatsapp": Purpose("NOTIFY_HTTP_TIMEOUT_S", 64 * KB),
    "sms": Purpose("NOTIFY_HTTP_TIMEOUT_S", 64 * KB),
    # A photo sent in a WhatsApp chat: its URL comes in the Cloud API's answer (reports.photos.MAX_BYTES).
    "whatsapp_media": Purpose("NOTIFY_HTTP_TIMEOUT_S", 10 * MB, outside=True),
    "push": Purpose("NOTIFY_HTTP_TIMEOUT_S", 64 * KB, outside=True),
    "media": Purpose("OPEN311_MEDIA_TIMEOUT_S", 10 * MB, outside=True),  # reports.photos.MAX_BYTES
}


class Error(Exception):
    """The call gave no answer to use."""


class Refused(Error):
    """We do not call that address; the message says why in words a client may be shown (never which of our
    ports are open)."""


class Unanswered(Error):
    """No answer: the host is not found, refuses the connection or TLS, or the deadline passed."""


class TooLarge(Error):
    """The answer is larger than the purpose's cap."""


@dataclass
class Answer:
    status: int
    headers: urllib3.HTTPHeaderDict  # case-insensitive
    content: bytes
    url: str  # where the answer came from, after the redirects

    def json(self):
        """The body's JSON, None for an empty body; ValueError when it is not JSON."""
        return jsonlib.loads(self.content) if self.content.strip() else None


def request(method, url, purpose, *, headers=None, body=None, json=None, form=None):
    """One call for `purpose` (a key of PURPOSES): the Answer whatever its status, or Error."""
    rules = PURPOSES[purpose]
    deadline = monotonic() + getattr(settings, rules.timeout_setting)
    headers = {name: value for name, value in (headers or {}).items() if name.lower() != "user-agent"}
    headers["User-Agent"] = f"{settings.OUTBOUND_USER_AGENT} {purpose}"
    if json is not None:
        body, headers["Content-Type"] = jsonlib.dumps(json).encode(), "application/json"
    elif form is not None:
        body = urllib.parse.urlencode(form, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = _deadline.set(deadline)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = _send(method, url, headers, body, deadline, rules)
            location = response.get_redirect_location()
            if not location:
                return Answer(response.status, response.headers, _read(response, rules.max_bytes), url)
            _discard(response)
            method, url, headers, body = _redirected(response.status, method, url, location, headers, body)
        raise Refused(f"more than {MAX_REDIRECTS} redirects.")
    except (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException) as error:
        raise Unanswered(f"{type(error).__name__}: {error}") from error
    finally:
        _deadline.reset(started)


def check_outside_url(url):
    """For a URL from outside that is kept to be called later (a push endpoint): Refused unless it is http(s) and
    every address its host has now is public. A host not found now is let through: each call checks again."""
    _checked(url)
    if settings.OUTSIDE_URLS_ALLOW_PRIVATE:
        return
    _, host, port = _origin(url)
    try:
        _public_addresses(host, port)
    except socket.gaierror:
        pass


def public(address):
    """Whether an IP address is one anyone on the internet may have. IPv4 inside IPv6 (mapped, 6to4, Teredo, the
    NAT64 prefix) is judged by its IPv4 address."""
    ip = ipaddress.ip_address(address.split("%")[0])  # a link-local IPv6 address may carry its interface
    if ip.version == 6:
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return public(str(inner))
    return ip.is_global and not ip.is_multicast


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def same_host(url, other):
    """Whether the two URLs name the same host (whatever their scheme and port)."""
    return _origin(url)[1] == _origin(other)[1]


# --- the rules applied: checks, redirects, reading --------------------------------------------------------------

def _checked(url):
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port out of range, a broken IPv6 literal
        ok = False
    if not ok:
        raise Refused("an http or https address is required.")
    return parts


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}[parts.scheme]


def _keeps_credentials(url, target):
    """The same host and port, or the same host from http to https on the standard ports; never https to http."""
    (scheme, host, port), after = _origin(url), _origin(target)
    return after == (scheme, host, port) or ((scheme, port), after) == (("http", 80), ("https", host, 443))


def _redirected(status, method, url, location, headers, body):
    """The next hop: (method, url, headers, body)."""
    try:
        target = urllib.parse.urljoin(url, location)
    except ValueError:  # a broken IPv6 literal
        target = ""
    _checked(target)
    if status == 303 or (status in (301, 302) and method == "POST"):  # as browsers do: a GET, without the body
        method, body = "GET", None
        headers = {name: value for name, value in headers.items() if name.lower() not in CONTENT_HEADERS}
    if not _keeps_credentials(url, target):
        if body is not None:
            raise Refused("a redirect would send the request's body to another host.")
        headers = {name: value for name, value in headers.items() if name.lower() not in CREDENTIALS}
    return method, target, headers, body


def _send(method, url, headers, body, deadline, rules):
    _checked(url)
    left = deadline - monotonic()
    if left <= 0:
        raise TimeoutError("the call's deadline passed")
    manager = _OUTSIDE if rules.outside and not settings.OUTSIDE_URLS_ALLOW_PRIVATE else _TRUSTED
    return manager.urlopen(method, url, body=body, headers=headers, redirect=False, retries=False,
                           timeout=urllib3.Timeout(connect=left, read=left), preload_content=False)


def _read(response, max_bytes):
    """The body, up to max_bytes; the connection goes back to the pool only when the body was read whole."""
    try:
        if (response.length_remaining or 0) > max_bytes:  # its Content-Length
            raise TooLarge(f"the answer is larger than {max_bytes} bytes.")
        content = bytearray()
        while chunk := response.read(CHUNK):
            content += chunk
            if len(content) > max_bytes:
                raise TooLarge(f"the answer is larger than {max_bytes} bytes.")
    except BaseException:
        _discard(response)
        raise
    response.release_conn()
    return bytes(content)


def _discard(response):
    """Close the connection rather than read an answer we do not want (a redirect's, one too large)."""
    response.close()
    response.release_conn()


# --- urllib3 underneath: the deadline on every read, public addresses for outside URLs --------------------------

_deadline = ContextVar("outbound_deadline")  # the call under way in this thread, as time.monotonic()


class _Clocked(io.RawIOBase):
    """The socket's reader, each read waiting only for what is left of the call's deadline."""

    def __init__(self, raw, sock, deadline):
        self.raw, self.sock, self.deadline = raw, sock, deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        left = self.deadline - monotonic()
        if left <= 0:
            raise TimeoutError("the call's deadline passed")
        self.sock.settimeout(left)
        return self.raw.readinto(buffer)

    def close(self):
        self.raw.close()
        super().close()


class _Response(http.client.HTTPResponse):
    """http.client's response, the status line, headers and body read through _Clocked."""

    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_Clocked(self.fp.detach(), sock, _deadline.get()))


class _Connection:
    public_only = False
    response_class = _Response

    def _new_conn(self):
        if not self.public_only:
            return super()._new_conn()
        try:
            addresses = _public_addresses(self._dns_host, self.port)
        except socket.gaierror as error:
            raise urllib3.exceptions.NameResolutionError(self.host, self, error) from error
        failure = None
        for family, kind, protocol, _, address in addresses:
            sock = socket.socket(family, kind, protocol)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self.timeout)
                sock.connect(address)
                return sock
            except OSError as error:
                sock.close()
                failure = error
        raise urllib3.exceptions.NewConnectionError(self, f"Failed to establish a new connection: {failure}")


def _public_addresses(host, port):
    """Every address of `host`, all public (else Refused); socket.gaierror when it is not found."""
    found = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    if not all(public(info[4][0]) for info in found):
        logger.warning("A URL from outside refused: not a public address", extra={"event": "ssrf_refused"})
        raise Refused("the address is not a public one.")
    return found


class _HTTP(_Connection, urllib3.connection.HTTPConnection):
    pass


class _HTTPS(_Connection, urllib3.connection.HTTPSConnection):
    pass


class _PublicHTTP(_HTTP):
    public_only = True


class _PublicHTTPS(_HTTPS):
    public_only = True


def _manager(http_class, https_class):
    manager = urllib3.PoolManager(num_pools=20, maxsize=8, retries=False)
    manager.pool_classes_by_scheme = {
        "http": type("Pool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": http_class}),
        "https": type("TLSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": https_class}),
    }
    return manager


_TRUSTED = _manager(_HTTP, _HTTPS)
_OUTSIDE = _manager(_PublicHTTP, _PublicHTTPS)
