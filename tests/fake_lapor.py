"""A fake LAPOR!-SP4N on 127.0.0.1 speaking the interim contract of docs/lapor.md: it checks every request
against it (a request that breaks it is answered 400 and kept in `violations`) and fails on demand."""

import json
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.localserver import LocalServer

TOKEN = "rahasia-lapor"
# A complaint without a place (a city service) has lat and lon null, both, and kelurahan_code "".
COORDINATE = (float, type(None))
COMPLAINT = {"source_id": str, "title": str, "content": str, "topic_id": str, "lat": COORDINATE, "lon": COORDINATE,
             "address": str, "kelurahan_code": str, "created_at": str, "attachments": list, "anonymous": bool,
             "confidential": bool, "reporter_name": str}
FOLLOW_UP = {"source_followup_id": str, "status": str, "note": str, "created_at": str, "attachments": list}


class FakeLapor(LocalServer):
    """`complaints` by source_id (each with its tracking_id), `follow_ups` as (tracking_id, body) in arrival order,
    `received` counts the complaints POSTed (a repeat too), `followups_received` the follow-ups (a repeat, which
    answers 409 with nothing kept, too). `fail` makes every request answer: an HTTP status
    (401, 500), "garbage" (200 that is not JSON), "hangup" (the connection closed unanswered) or "slow" (no
    answer until `release` is set); `late` keeps each complaint and follow-up, then waits for `release` before
    answering (an answer that comes after the caller's timeout, or a caller killed before it reads it).
    `dispositions` are the pages GET /dispositions serves, by page number;
    `clock` is the Date it answers with; with `accept` set, it answers that many more requests, then 503."""

    def __init__(self):
        self.complaints, self.follow_ups, self.violations, self.requests = {}, [], [], []
        self.received = self.followups_received = 0
        self.late = False
        self.files = {}
        self.arrivals = {}  # source_id: when its complaint first arrived (time.time())
        self.fail = None
        self.accept = None
        self.release = threading.Event()
        self.dispositions = [[]]
        self.clock = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
        self.lock = threading.Lock()
        super().__init__()

    def handle(self, request):
        url = urlsplit(request.path)
        self.requests.append((request.command, url.path, parse_qs(url.query)))
        if self.fail == "slow":
            self.release.wait(30)
        if self.fail == "hangup":
            request.close_connection = True
            return
        if self.fail == "garbage":
            return self.reply(request, 200, b"<html>maintenance</html>", "text/html")
        if isinstance(self.fail, int):
            return self.answer(request, self.fail, {"error": "on demand"})
        if self.accept is not None:  # answer this many more, then 503
            if self.accept == 0:
                return self.answer(request, 503, {"error": "on demand"})
            self.accept -= 1
        if url.path.startswith("/files/"):  # an attachment's photo, fetched like any photo from a URL
            return self.reply(request, 200, self.files.get(url.path, b""), "image/jpeg")
        if request.headers.get("Authorization") != f"Token {TOKEN}":
            return self.answer(request, 401, {"error": "token"})
        with self.lock:
            self.route(request, url)

    def route(self, request, url):
        parts = url.path.strip("/").split("/")
        if request.command == "POST" and parts == ["complaints"]:
            body = self.body(request, COMPLAINT)
            if body is None:
                return self.answer(request, 400, {"error": "contract"})
            self.received += 1
            if body["source_id"] in self.complaints:
                return self.answer(request, 409, {"tracking_id": self.complaints[body["source_id"]]["tracking_id"]})
            body["tracking_id"] = f"LAPOR-{len(self.complaints) + 1:05d}"
            self.complaints[body["source_id"]] = body
            self.arrivals[body["source_id"]] = time.time()
            self.hold()
            return self.answer(request, 201, {"tracking_id": body["tracking_id"]})
        if request.command == "POST" and len(parts) == 3 and parts[0] == "complaints" and parts[2] == "followups":
            body = self.body(request, FOLLOW_UP)
            known = {c["tracking_id"] for c in self.complaints.values()} | self.handed_over()
            if body is None or parts[1] not in known:
                self.violations.append(("unknown tracking_id", parts[1]))
                return self.answer(request, 400 if body is None else 404, {"error": "contract"})
            self.followups_received += 1
            if (parts[1], body["source_followup_id"]) in {(tid, kept["source_followup_id"])
                                                          for tid, kept in self.follow_ups}:
                return self.answer(request, 409, {})
            self.follow_ups.append((parts[1], body))
            self.hold()
            return self.answer(request, 201, {})
        if request.command == "GET" and parts == ["dispositions"]:
            query = parse_qs(url.query)
            try:
                datetime.fromisoformat(query["since"][0]).utcoffset().total_seconds()
            except (KeyError, ValueError, AttributeError):
                self.violations.append(("since", url.query))
                return self.answer(request, 400, {"error": "since"})
            page = int(query.get("page", ["0"])[0])
            more = page + 1 < len(self.dispositions)
            next_url = (f"{self.url}/dispositions?{urlencode({'since': query['since'][0], 'page': page + 1})}"
                        if more else None)
            return self.answer(request, 200, {"items": self.dispositions[page], "next": next_url})
        self.violations.append(("route", request.command, url.path))
        return self.answer(request, 404, {"error": "no such route"})

    def hold(self):
        """With `late`: what came is kept, and its answer waits for `release` (other requests do not)."""
        if self.late:
            self.lock.release()
            try:
                self.release.wait(30)
            finally:
                self.lock.acquire()

    def handed_over(self):
        return {item["tracking_id"] for page in self.dispositions for item in page}

    def body(self, request, contract):
        """The JSON body if it holds exactly the contract's fields with their types; None (and a violation)
        otherwise."""
        try:
            body = json.loads(request.rfile.read(int(request.headers["Content-Length"])))
        except (KeyError, ValueError):
            self.violations.append(("not JSON",))
            return None
        wrong = [name for name, kind in contract.items()
                 if not isinstance(body.get(name), kind) or (kind is not bool and isinstance(body.get(name), bool))]
        if contract is COMPLAINT and not wrong and (body["lat"] is None) != (body["lon"] is None):
            wrong = ["lat", "lon"]
        if contract is COMPLAINT and not wrong and body["lat"] is None and body["kelurahan_code"]:
            wrong = ["kelurahan_code"]
        if request.headers.get("Content-Type") != "application/json" or wrong or set(body) != set(contract):
            self.violations.append(("fields", wrong, sorted(set(body) ^ set(contract))))
            return None
        try:
            assert datetime.fromisoformat(body["created_at"]).utcoffset() is not None
        except (ValueError, AssertionError):
            self.violations.append(("created_at", body["created_at"]))
            return None
        return body

    def answer(self, request, status, data):
        body = json.dumps(data).encode()
        try:  # send_response_only: LAPOR!'s clock is `clock`, in the one Date header
            request.send_response_only(status)
            for name, value in (("Date", format_datetime(self.clock, usegmt=True)),
                                ("Content-Type", "application/json"), ("Content-Length", str(len(body)))):
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(body)
        except ConnectionError:
            pass  # the client gave up waiting

    def close(self):
        self.release.set()
        super().close()
