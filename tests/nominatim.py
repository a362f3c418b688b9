"""A small Nominatim-like HTTP server on 127.0.0.1 for the geocoding tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeNominatim:
    """Answers /reverse and /search like Nominatim's JSON API; `delay` holds answers until released."""

    def __init__(self):
        self.requests = []
        self.release = threading.Event()
        self.release.set()
        self.answered = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                server.requests.append((url.path, query))
                server.release.wait(10)
                if url.path == "/reverse":
                    body = {"lat": query["lat"], "lon": query["lon"],
                            "display_name": "Jalan Sutan Syahrir, Ganting, Padang Panjang, Sumatera Barat",
                            "address": {"road": "Jalan Sutan Syahrir"}}
                else:
                    body = [{"lat": "-0.4607", "lon": "100.4176", "display_name": "Masjid Ganting, Padang Panjang",
                             "boundingbox": ["-0.461", "-0.460", "100.417", "100.418"]}]
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                server.answered.set()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
