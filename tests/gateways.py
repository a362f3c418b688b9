"""Stand-ins on 127.0.0.1 for the message gateways: WhatsApp's Cloud API and a plain-HTTP SMS gateway.

Each checks what a real one would refuse (the path, the bearer token, the payload's shape), records every request
with the moment it arrived, and fails on demand: the statuses in `failures` answer the next requests.
"""

import hashlib
import hmac
import json
import time

from tests.localserver import LocalServer


class FakeGateway(LocalServer):
    def __init__(self, token="gateway-token"):
        self.token, self.received, self.failures = token, [], []
        super().__init__()

    def problem(self, request, payload):
        """What a real gateway would refuse in this request: (status, error) or None."""
        raise NotImplementedError

    def answer(self, number):
        raise NotImplementedError

    def handle(self, request):
        arrived = time.time()
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        self.received.append({"path": request.path, "method": request.command, "json": payload, "at": arrived,
                              "authorization": request.headers.get("Authorization", "")})
        found = self.problem(request, payload)
        if found is None and self.failures:
            found = (self.failures.pop(0), "failing on demand")
        if found is not None:
            status, error = found
            return self.reply(request, status, json.dumps({"error": {"message": error}}).encode(), "application/json")
        self.reply(request, 200, json.dumps(self.answer(len(self.received))).encode(), "application/json")

    def check_common(self, request, payload):
        if request.command != "POST":
            return 405, "POST only"
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, "bad token"
        if not isinstance(payload, dict):
            return 400, "not JSON"
        return None


class FakeWhatsApp(FakeGateway):
    """POST /v21.0/{phone_number_id}/messages with a template message or a free-text one, as the Cloud API takes
    them; GET /v21.0/{media-id} describing a photo a resident sent (its short-lived URL) and GET of that URL, both
    with the bearer token (`add_media` puts a photo there; `media_requests` records those GETs). `webhook` makes
    the body WhatsApp posts to our webhook for a resident's message, and `signature` its X-Hub-Signature-256."""

    phone_number_id = "1234567890"

    def __init__(self, token="gateway-token"):
        self.media, self.media_requests = {}, []
        super().__init__(token)

    def problem(self, request, payload):
        if request.path != f"/v21.0/{self.phone_number_id}/messages":
            return 404, "unknown path"
        if common := self.check_common(request, payload):
            return common
        if payload.get("messaging_product") != "whatsapp" or not str(payload.get("to", "")).isdigit():
            return 400, "(#100) Invalid parameter"
        if payload.get("type") == "text":
            body = (payload.get("text") or {}).get("body")
            return None if isinstance(body, str) and 0 < len(body) <= 4096 else (400, "(#100) Invalid text")
        template = payload.get("template") or {}
        parameters = [p for c in template.get("components", []) for p in c.get("parameters", [])]
        if (payload.get("type") != "template" or not template.get("name")
                or template.get("language", {}).get("code") not in ("id", "en")
                or any("\n" in p.get("text", "") for p in parameters)):
            return 400, "(#100) Invalid parameter"
        return None

    def handle(self, request):
        if request.command != "GET":
            return super().handle(request)
        self.media_requests.append(request.path)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.reply(request, 401, b'{"error": {"message": "bad token"}}', "application/json")
        if request.path.startswith("/v21.0/") and request.path[7:] in self.media:
            media_id = request.path[7:]
            content, mime = self.media[media_id]
            return self.reply(request, 200, json.dumps({
                "messaging_product": "whatsapp", "url": f"{self.url}/download/{media_id}", "mime_type": mime,
                "file_size": len(content), "id": media_id}).encode(), "application/json")
        if request.path.startswith("/download/") and request.path[10:] in self.media:
            content, mime = self.media[request.path[10:]]
            return self.reply(request, 200, content, mime)
        self.reply(request, 404, b'{"error": {"message": "(#100) unknown media"}}', "application/json")

    def add_media(self, content, mime="image/jpeg"):
        media_id = str(100000 + len(self.media))
        self.media[media_id] = (content, mime)
        return media_id

    def texts(self, to=None):
        """The bodies of the free-text messages sent (to `to`), in order."""
        return [r["json"]["text"]["body"] for r in self.received
                if r["json"] and r["json"].get("type") == "text" and to in (None, r["json"]["to"])]

    @staticmethod
    def webhook(phone, wamid, timestamp, kind="text", **message):
        """WhatsApp's webhook body for one message of `phone`: text="…", location={latitude, longitude},
        image={id}."""
        body = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": FakeWhatsApp.phone_number_id},
                "contacts": [{"profile": {"name": "Warga"}, "wa_id": phone}],
                "messages": [{"from": phone, "id": wamid, "timestamp": str(int(timestamp)), "type": kind,
                              kind: {"body": message["text"]} if kind == "text" else message[kind]}]}
        return json.dumps({"object": "whatsapp_business_account",
                           "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": body}]}]}).encode()

    @staticmethod
    def signature(body, secret):
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def answer(self, number):
        return {"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}],
                "messages": [{"id": f"wamid.TEST{number}"}]}


class FakeSms(FakeGateway):
    """POST /send with {to, from, text}."""

    def problem(self, request, payload):
        if request.path != "/send":
            return 404, "unknown path"
        if common := self.check_common(request, payload):
            return common
        if not str(payload.get("to", "")).isdigit() or not payload.get("text") or not payload.get("from"):
            return 400, "to, from and text are required"
        return None

    def answer(self, number):
        return {"id": f"sms-{number}", "status": "queued"}


class FakePushService(LocalServer):
    """A browser's push service: takes the encrypted POST of a push message (RFC 8030), checks the VAPID
    signature's key (RFC 8292), decrypts the body with the browser's keys (RFC 8291) and keeps what it read.
    `arrivals` counts every request that reached it; with `trickle` set, it answers a byte every 0.1 s (10 s)."""

    def __init__(self, vapid_public_key):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.vapid_public_key, self.received, self.failures = vapid_public_key, [], []
        self.arrivals, self.trickle = 0, False
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"  # the browser's auth secret: any 16 bytes
        super().__init__()

    def subscription(self, name="device-1"):
        """What the browser's pushManager.subscribe() gives the page: endpoint and keys."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        from notify.channels import base64url

        point = self.browser_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{name}", "keys": {"p256dh": base64url(point),
                                                                "auth": base64url(self.auth)}}

    def handle(self, request):
        import http_ece

        arrived = time.time()
        self.arrivals += 1
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if self.trickle:
            return self.answer_slowly(request)
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("vapid t=") or f"k={self.vapid_public_key}" not in authorization:
            return self.reply(request, 401, b"no VAPID signature of the expected key")
        if request.headers.get("Content-Encoding") != "aes128gcm" or not request.headers.get("TTL"):
            return self.reply(request, 400, b"aes128gcm and TTL expected")
        if self.failures:
            return self.reply(request, self.failures.pop(0), b"failing on demand")
        plain = http_ece.decrypt(body, private_key=self.browser_key, auth_secret=self.auth, version="aes128gcm")
        self.received.append({"path": request.path, "json": json.loads(plain), "at": arrived})
        self.reply(request, 201, headers=[("Location", f"{self.url}/message/{len(self.received)}")])

    def answer_slowly(self, request):
        try:
            for byte in b"HTTP/1.0 201 Created\r\n" + b"X-Slow: 1\r\n" * 10:
                if not self.trickle:
                    return
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up
