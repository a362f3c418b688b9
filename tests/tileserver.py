"""A small XYZ tile server on 127.0.0.1, the basemap's upstream in the tests."""

from tests.localserver import LocalServer


class FakeTileServer(LocalServer):
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
        self.content_type = "image/png"
        super().__init__()
        self.url += "/{z}/{x}/{y}.png"

    def handle(self, request):
        self.requests.append((request.path, dict(request.headers)))
        if self.down or self.missing:
            self.reply(request, 503 if self.down else 404)
            return
        body = b"tile " + request.path.encode()
        body += b"." * max(0, self.size - len(body))
        etag = f'"{len(body)}-{request.path}"'
        headers = [("ETag", etag), *([("Cache-Control", self.cache_control)] if self.cache_control else [])]
        if request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            for name, value in headers:
                request.send_header(name, value)
            request.end_headers()
        else:
            self.reply(request, 200, body, self.content_type, headers)

    def paths(self):
        return [path for path, _ in self.requests]
