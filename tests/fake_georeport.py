"""A partner's GeoReport v2 endpoint on 127.0.0.1: takes POST requests.json, resolves tokens, answers
requests/{id}.json with the status a test sets, and fails on demand (as tests/fake_lapor.py)."""

import json
import threading
from urllib.parse import parse_qs, urlsplit

from tests.localserver import LocalServer

KEY = "kunci-mitra"
REQUIRED = {"api_key", "service_code", "lat", "long", "description"}


class FakeGeoReport(LocalServer):
    """`posted`: the forms POSTed; `with_token`: answer a POST with a token (resolved once `resolved`);
    `status`, `notes`, `updated`: what requests/{id}.json says; `fail`: an HTTP status, "hangup" or "slow"."""

    def __init__(self):
        self.posted, self.requests, self.violations = [], [], []
        self.with_token, self.resolved = False, False
        self.status, self.notes, self.updated = "open", "", "2026-11-30T09:00:00+07:00"
        self.fail = None
        self.release = threading.Event()
        super().__init__()

    def handle(self, request):
        url = urlsplit(request.path)
        self.requests.append((request.command, url.path))
        if self.fail == "slow":
            self.release.wait(10)
        if self.fail == "hangup":
            request.close_connection = True
            return
        if isinstance(self.fail, int):
            return self.answer(request, self.fail, [{"code": self.fail, "description": "on demand"}])
        if request.command == "POST" and url.path == "/v2/requests.json":
            length = int(request.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
            if form.get("api_key") != KEY:
                return self.answer(request, 403, [{"code": 403, "description": "api_key is not valid."}])
            if not REQUIRED <= set(form):
                self.violations.append(sorted(REQUIRED - set(form)))
                return self.answer(request, 400, [{"code": 400, "description": "missing"}])
            self.posted.append(form)
            number = len(self.posted)
            answer = {"token": f"T-{number}"} if self.with_token else {"service_request_id": f"P-{number}"}
            return self.answer(request, 201, [answer])
        if request.command == "GET" and url.path.startswith("/v2/tokens/"):
            token = url.path.removeprefix("/v2/tokens/").removesuffix(".json")
            if not self.resolved:
                return self.answer(request, 404, [{"code": 404, "description": "not yet"}])
            return self.answer(request, 200, [{"service_request_id": token.replace("T-", "P-"), "token": token}])
        if request.command == "GET" and url.path.startswith("/v2/requests/"):
            code = url.path.removeprefix("/v2/requests/").removesuffix(".json")
            return self.answer(request, 200, [{"service_request_id": code, "status": self.status,
                                               "status_notes": self.notes, "updated_datetime": self.updated}])
        self.violations.append((request.command, url.path))
        return self.answer(request, 404, [])

    def answer(self, request, status, data):
        try:
            self.reply(request, status, json.dumps(data).encode(), "application/json")
        except ConnectionError:
            pass

    def close(self):
        self.release.set()
        super().close()
