"""The one HTTP client (config/outbound.py) against servers on 127.0.0.1, with 127.0.0.2 standing for another host:
redirects (to another host, to a private address, beyond three), credentials across hosts, a server that trickles,
one that sends too much, and which addresses are public."""

import socket
import threading
import time

import pytest

from config import outbound
from reports import photos
from tests.localserver import LocalServer

TOKEN = "Token rahasia-lapor"


class Server(LocalServer):
    """Answers each path with its route (a function of the request); `seen` keeps (method, path, headers, body)
    of every request that reached it, `written` the body bytes a streaming route managed to send."""

    def __init__(self, host="127.0.0.1"):
        self.seen, self.routes, self.written = [], {}, 0
        self.gone = threading.Event()  # set at the end of a test: streaming routes stop
        super().__init__(host=host)

    def handle(self, request):
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        self.seen.append((request.command, request.path, dict(request.headers), body))
        route = self.routes.get(request.path)
        if route is None:
            return self.reply(request, 404)
        try:
            route(request)
        except OSError:
            pass  # the client gave up

    def redirect(self, path, to, status=302):
        self.routes[path] = lambda request: self.reply(request, status, headers=[("Location", to)])

    def ok(self, path, body=b"{}"):
        self.routes[path] = lambda request: self.reply(request, 200, body, "application/json")

    def close(self):
        self.gone.set()
        super().close()


@pytest.fixture
def one():
    server = Server()
    yield server
    server.close()


@pytest.fixture
def other():
    server = Server(host="127.0.0.2")
    yield server
    server.close()


def headers_of(server, number=0):
    return {name.lower(): value for name, value in server.seen[number][2].items()}


def test_a_redirect_to_another_host_carries_neither_the_token_nor_cookies(one, other, settings):
    settings.OUTBOUND_USER_AGENT = "LaporPadangpanjang/1.0 (+https://lapor.example)"
    one.redirect("/start", f"{other.url}/landing")
    other.ok("/landing", b'{"ok": true}')
    answer = outbound.request("GET", f"{one.url}/start", "lapor", headers={"Authorization": TOKEN, "Cookie": "a=b"})
    assert (answer.status, answer.json(), answer.url) == (200, {"ok": True}, f"{other.url}/landing")
    assert headers_of(one)["authorization"] == TOKEN and headers_of(one)["cookie"] == "a=b"
    assert "authorization" not in headers_of(other) and "cookie" not in headers_of(other)
    assert headers_of(other)["user-agent"] == "LaporPadangpanjang/1.0 (+https://lapor.example) lapor"
    assert not outbound.same_host(f"{one.url}/start", answer.url)


def test_a_redirect_on_the_same_host_keeps_the_token(one):
    one.redirect("/start", "/landing")  # relative, as servers often write it
    one.ok("/landing")
    answer = outbound.request("GET", f"{one.url}/start", "lapor", headers={"Authorization": TOKEN})
    assert answer.status == 200 and headers_of(one, 1)["authorization"] == TOKEN
    assert outbound.same_host(f"{one.url}/start", answer.url)


def test_three_redirects_are_followed_and_a_fourth_is_refused(one):
    for hop in (1, 2, 3):
        one.redirect(f"/r{hop}", f"/r{hop + 1}")
    one.ok("/r4")
    assert outbound.request("GET", f"{one.url}/r1", "geocoder").url == f"{one.url}/r4"
    one.redirect("/loop", "/loop", status=301)
    with pytest.raises(outbound.Refused, match="more than 3 redirects"):
        outbound.request("GET", f"{one.url}/loop", "geocoder")
    assert [path for _, path, _, _ in one.seen].count("/loop") == 4  # the first request and three redirects


def test_a_body_is_never_sent_on_to_another_host(one, other):
    one.redirect("/keep-post", f"{other.url}/landing", status=307)  # 307 and 308 send the same body again
    with pytest.raises(outbound.Refused, match="body to another host"):
        outbound.request("POST", f"{one.url}/keep-post", "open311_partner", form={"api_key": "rahasia"})
    assert other.seen == []
    one.redirect("/see-other", f"{other.url}/landing", status=303)  # 303: a GET without the body
    other.ok("/landing")
    outbound.request("POST", f"{one.url}/see-other", "whatsapp", json={"to": "6281234567890"},
                     headers={"Authorization": "Bearer gateway-token"})
    [(method, _, headers, body)] = other.seen
    assert (method, body) == ("GET", b"") and "Authorization" not in headers and "Content-Type" not in headers


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/x",
                                 "http://127.0.0.1:99999/x", "javascript:alert(1)"])
def test_only_http_and_https_addresses_are_called(one, url):
    with pytest.raises(outbound.Refused, match="an http or https address is required"):
        outbound.request("GET", url, "basemap")
    one.redirect("/go", url)
    with pytest.raises(outbound.Refused, match="an http or https address is required"):
        outbound.request("GET", f"{one.url}/go", "basemap")


def test_an_address_without_a_host_is_refused():
    with pytest.raises(outbound.Refused, match="an http or https address is required"):
        outbound.request("GET", "http:///x", "basemap")


def test_addresses_the_city_configures_are_trusted_even_on_its_own_network(one, settings):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    one.ok("/tile.png", b"png")
    assert outbound.request("GET", f"{one.url}/tile.png", "basemap").content == b"png"


@pytest.mark.parametrize("purpose", ["media", "push"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_url_from_outside_in_our_own_network_is_refused_before_connecting(one, settings, purpose, host):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    one.ok("/foto.jpg")
    with pytest.raises(outbound.Refused, match="not a public one"):
        outbound.request("GET", one.url.replace("127.0.0.1", host) + "/foto.jpg", purpose)
    assert one.seen == []


@pytest.fixture
def only_one_public(monkeypatch, settings):
    """127.0.0.1 stands for a public host (the first hop); any connection elsewhere fails the test."""
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    monkeypatch.setattr(outbound, "public", lambda address: address == "127.0.0.1")
    connect = socket.socket.connect

    def guarded(sock, address):
        assert address[0] == "127.0.0.1", f"connected to {address}"
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/x", "http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/x", "http://[::1]:{port}/x", "http://[::ffff:169.254.169.254]/x"])
def test_each_redirect_of_a_url_from_outside_is_checked_again(one, other, only_one_public, target):
    one.redirect("/foto.jpg", target.format(port=other.httpd.server_address[1]))
    with pytest.raises(outbound.Refused, match="not a public one"):
        outbound.request("GET", f"{one.url}/foto.jpg", "media")
    assert len(one.seen) == 1 and other.seen == []


def trickle(server, head=b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n", body=b"", every=0.1):
    """A route that sends `head` then `body` a byte at a time, `every` seconds apart (far under any timeout
    setting), for at most 10 s."""
    def route(request):
        data, stop = head + body, time.monotonic() + 10
        for byte in (data[i:i + 1] for i in range(len(data))):
            if server.gone.is_set() or time.monotonic() > stop:
                return
            request.wfile.write(byte)
            request.wfile.flush()
            server.written += 1
            time.sleep(every)
        request.close_connection = True
    return route


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_server_that_trickles_is_given_up_at_the_deadline(one, settings, part):
    settings.FORWARDING_TIMEOUT_S = 1
    if part == "headers":
        one.routes["/slow"] = trickle(one, head=b"HTTP/1.0 200 OK\r\n" + b"X-Padding: 1\r\n" * 20 + b"\r\n")
    else:
        one.routes["/slow"] = trickle(one, body=b"[" + b" " * 200 + b"]")
    started = time.monotonic()
    with pytest.raises(outbound.Unanswered):
        outbound.request("GET", f"{one.url}/slow", "lapor")
    assert 0.9 < time.monotonic() - started < 2  # each byte came in time; the whole answer did not
    assert 5 <= one.written <= 15


def test_the_deadline_covers_every_redirect(one, settings):
    settings.GEOCODER_TIMEOUT_S = 1

    def slow_redirect(request, to):
        time.sleep(0.4)
        one.reply(request, 302, headers=[("Location", to)])

    for hop in (1, 2, 3):
        one.routes[f"/r{hop}"] = lambda request, hop=hop: slow_redirect(request, f"/r{hop + 1}")
    one.ok("/r4")
    started = time.monotonic()
    with pytest.raises(outbound.Unanswered):
        outbound.request("GET", f"{one.url}/r1", "geocoder")
    assert time.monotonic() - started < 1.5


def test_an_answer_larger_than_its_cap_is_cut_off_without_being_read(one):
    def announced(request):  # says 150 MB, sends the first megabyte
        request.send_response(200)
        request.send_header("Content-Length", str(150 * 1024 * 1024))
        request.end_headers()
        request.wfile.write(b"\0" * 1024 * 1024)
        one.written += 1024 * 1024

    def endless(request):  # no length: it only ends when the connection does
        request.send_response(200)
        request.end_headers()
        while not one.gone.is_set() and one.written < 150 * 1024 * 1024:
            request.wfile.write(b"\0" * 65536)
            one.written += 65536

    one.routes["/announced"], one.routes["/endless"] = announced, endless
    for path in ("/announced", "/endless"):
        one.written = 0
        started = time.monotonic()
        with pytest.raises(outbound.TooLarge):
            outbound.request("GET", f"{one.url}{path}", "basemap")  # 2 MB for a tile
        assert time.monotonic() - started < 1
    assert one.written < 40 * 1024 * 1024  # what the kernel's buffers took before the connection closed


def test_the_media_cap_is_the_photo_limit():
    assert outbound.PURPOSES["media"].max_bytes == photos.MAX_BYTES


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "2002:7f00:1::1",
])
def test_addresses_that_are_not_public(address):
    assert not outbound.public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "103.10.20.30", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses(address):
    assert outbound.public(address)


@pytest.mark.parametrize("url", ["https://127.0.0.1/push", "https://[::1]/push", "https://169.254.169.254/x",
                                 "https://10.1.2.3/x", "https://localhost/x", "https://[fe80::1]/x"])
def test_a_url_kept_for_later_is_checked_when_it_is_given(url, settings):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    with pytest.raises(outbound.Refused, match="not a public one"):
        outbound.check_outside_url(url)


def test_a_url_kept_for_later_whose_host_is_not_found_now_is_checked_when_called(settings):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    outbound.check_outside_url("https://push.example/x")  # .example never resolves
