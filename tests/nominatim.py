"""A small Nominatim-like HTTP server on 127.0.0.1 for the geocoding tests."""

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

from tests.localserver import LocalServer

ADDRESS = "Jalan Sutan Syahrir, Ganting, Padang Panjang, Sumatera Barat"


class FakeNominatim(LocalServer):
    """Answers /reverse and /search like Nominatim's JSON API; `release` holds answers until it is set.

    `times` holds when each request arrived (time.monotonic()), `agents` its User-Agent; `address` None answers
    /reverse as Nominatim does where it knows no address.
    """

    def __init__(self):
        self.requests, self.agents = [], []
        self.times = []
        self.address = ADDRESS
        self.release = threading.Event()
        self.release.set()
        super().__init__()

    def handle(self, request):
        self.times.append(time.monotonic())
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((url.path, query))
        self.agents.append(request.headers.get("User-Agent"))
        self.release.wait(10)
        if url.path == "/reverse" and self.address is None:
            body = {"error": "Unable to geocode"}
        elif url.path == "/reverse":
            body = {"lat": query["lat"], "lon": query["lon"], "display_name": self.address,
                    "address": {"road": "Jalan Sutan Syahrir"}}
        else:
            body = [{"lat": "-0.4607", "lon": "100.4176", "display_name": "Masjid Ganting, Padang Panjang",
                     "boundingbox": ["-0.461", "-0.460", "100.417", "100.418"]}]
        try:
            self.reply(request, 200, json.dumps(body).encode(), "application/json")
        except ConnectionError:
            pass  # the client gave up waiting (the timeout tests)

    def close(self):
        self.release.set()
        super().close()
