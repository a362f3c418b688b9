"""A small Nominatim-like HTTP server on 127.0.0.1 for the geocoding tests."""

import json
import threading
from urllib.parse import parse_qs, urlsplit

from tests.localserver import LocalServer


class FakeNominatim(LocalServer):
    """Answers /reverse and /search like Nominatim's JSON API; `release` holds answers until it is set."""

    def __init__(self):
        self.requests = []
        self.release = threading.Event()
        self.release.set()
        self.answered = threading.Event()
        super().__init__()

    def handle(self, request):
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append((url.path, query))
        self.release.wait(10)
        if url.path == "/reverse":
            body = {"lat": query["lat"], "lon": query["lon"],
                    "display_name": "Jalan Sutan Syahrir, Ganting, Padang Panjang, Sumatera Barat",
                    "address": {"road": "Jalan Sutan Syahrir"}}
        else:
            body = [{"lat": "-0.4607", "lon": "100.4176", "display_name": "Masjid Ganting, Padang Panjang",
                     "boundingbox": ["-0.461", "-0.460", "100.417", "100.418"]}]
        self.reply(request, 200, json.dumps(body).encode(), "application/json")
        self.answered.set()

    def close(self):
        self.release.set()
        super().close()
