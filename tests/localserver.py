"""An HTTP server on 127.0.0.1 in a thread: the outside service a test talks to (geocoder, photo host, tiles).
Another loopback address (`host="127.0.0.2"`) stands for another host."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    """Subclasses answer each GET and POST in `handle(request)`, a BaseHTTPRequestHandler; `url` is the server's
    root. With `tls` (an ssl.SSLContext with its certificate loaded), the server speaks HTTPS."""

    def __init__(self, tls=None, host="127.0.0.1"):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.handle(self)

            def do_POST(self):
                server.handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def handle(self, request):
        raise NotImplementedError

    @staticmethod
    def reply(request, status, body=b"", content_type="application/octet-stream", headers=()):
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
