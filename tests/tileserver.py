"""A small XYZ tile server on 127.0.0.1, the basemap's upstream in the tests."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeTileServer:
    """Answers /{z}/{x}/{y}.png with bytes naming the tile (padded to `size`) and `cache_control`.

    Honours If-None-Match with a 304; `down` answers 503 to everything, `missing` 404.
    `requests` lists (path, headers) of every request.
    """

    def __init__(self):
        self.requests = []
        self.cache_control = "max-age=3600"
        self.size = 0
        self.down = False
        self.missing = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                body = b"tile " + self.path.encode()
                body += b"." * max(0, server.size - len(body))
                etag = f'"{len(body)}-{self.path}"'
                if server.down or server.missing:
                    self.send_response(503 if server.down else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(body)))
                if server.cache_control:
                    self.send_header("Cache-Control", server.cache_control)
                self.send_header("ETag", etag)
                self.end_headers()
                if self.command == "GET" and self.headers.get("If-None-Match") != etag:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def paths(self):
        return [path for path, _ in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
