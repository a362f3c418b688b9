"""The channels a message goes by: e-mail, web push, and one phone gateway (WhatsApp Cloud API or a plain-HTTP SMS
gateway) chosen by settings. A channel whose settings are empty is off.

`send` raises Temporary when trying again later may work (the job is retried with backoff) and Permanent when it
never will (a number the gateway refuses, a browser that dropped its push subscription).
"""

import base64
import json
import logging
import re
import time
import urllib.parse

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from chat.models import SERVICE_WINDOW, Conversation
from config import outbound
from notify.models import PHONE_CHANNELS, Channel

logger = logging.getLogger(__name__)


class Temporary(Exception):
    pass


class Permanent(Exception):
    pass


def phone_number(text):
    """A phone number as gateways take it: digits with the country code (0812 3456 7890 -> 6281234567890)."""
    digits = re.sub(r"\D", "", text or "")
    return "62" + digits[1:] if digits.startswith("0") else digits


def typed_forms(number):
    """The digits a reporter may have typed for a gateway's `number` (phone_number): 62812… and 0812…"""
    return [number, "0" + number[2:]] if number.startswith("62") else [number]


def available():
    """The channels that are on."""
    found = {Channel.EMAIL}
    if settings.PHONE_GATEWAY in PHONE_CHANNELS:
        found.add(Channel(settings.PHONE_GATEWAY))
    if settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY:
        found.add(Channel.PUSH)
    return found


def destination(subscription):
    """Where the message goes: the subscription's address, or for the reporter the report's own contact."""
    if subscription.address:
        return subscription.address
    report = subscription.report
    if subscription.channel == Channel.EMAIL:
        return report.reporter_email
    return phone_number(report.reporter_phone) if subscription.consent_at else ""


def send(subscription, letter):
    """Send `letter` to `subscription`; returns the gateway's id of the message ("" when it gives none)."""
    to = destination(subscription)
    if not to or subscription.channel not in available():
        raise Permanent("no address, or the channel is off")
    if subscription.channel == Channel.PUSH:
        return send_push(subscription, letter)
    return send_to(subscription.channel, to, subscription.language, letter)


def send_to(channel, to, language, letter):
    """Send `letter` to the e-mail address or phone number `to` by `channel` (e-mail, WhatsApp or SMS)."""
    if channel == Channel.EMAIL:
        return send_email(to, letter)
    if channel == Channel.WHATSAPP:
        return send_whatsapp(to, language, letter)
    return send_sms(to, letter)


def send_email(to, letter):
    """With RFC 8058's one-click unsubscribe when there is something to stop: mail apps show a button for it."""
    headers = {"List-Unsubscribe": f"<{letter.stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    EmailMessage(letter.subject, letter.text(), to=[to], headers=headers if letter.stop else {}).send()
    return ""


def post_json(url, payload, token, purpose):
    """POST JSON with a bearer token (config/outbound.py, `purpose` "whatsapp" or "sms"); the answer's JSON. 5xx,
    429 and no answer are Temporary, other 4xx Permanent."""
    try:
        response = outbound.request("POST", url, purpose, json=payload, headers={"Authorization": f"Bearer {token}"})
    except outbound.Error as error:
        raise Temporary(f"{type(error).__name__}: {error}") from error
    checked(response)
    try:
        return response.json() or {}
    except ValueError:
        return {}


def send_whatsapp(to, language, letter):
    """Within WhatsApp's 24-hour window after the resident last wrote to us (chat.models.Conversation), the letter
    as free text; else a template message, the only kind a business may start a conversation with."""
    if Conversation.objects.filter(phone=to, last_inbound_at__gt=timezone.now() - SERVICE_WINDOW).exists():
        return send_whatsapp_text(to, letter.text())
    return whatsapp_message({
        "to": to, "type": "template",
        "template": {"name": settings.WHATSAPP_TEMPLATE, "language": {"code": language}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": letter.one_line()[:1024]}]}]}})


def send_whatsapp_text(to, text):
    """A free-text message: a chat's reply, or anything inside the 24-hour window. Its id from the Cloud API."""
    return whatsapp_message({"to": to, "type": "text", "text": {"body": text[:4096], "preview_url": False}})


def whatsapp_message(message):
    answer = post_json(f"{whatsapp_api()}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", {
        "messaging_product": "whatsapp", "recipient_type": "individual", **message}, settings.WHATSAPP_TOKEN,
        "whatsapp")
    return ((answer.get("messages") or [{}])[0].get("id") or "")[:200]


def whatsapp_api():
    return settings.WHATSAPP_API_URL.rstrip("/")


def fetch_whatsapp_media(media_id):
    """A photo a resident sent: the Cloud API names its short-lived URL (GET /{media-id}), which is read with the
    same bearer token, through config/outbound.py and at most reports.photos.MAX_BYTES (a larger one is
    Permanent, as is a media id it does not know). Returns the bytes; Temporary when it may work later."""
    headers = {"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"}
    try:
        described = outbound.request("GET", f"{whatsapp_api()}/{urllib.parse.quote(media_id, safe='')}", "whatsapp",
                                     headers=headers)
        checked(described)
        try:
            url = str((described.json() or {})["url"])
        except (ValueError, KeyError, TypeError) as error:
            raise Permanent("the media's description has no url") from error
        media = outbound.request("GET", url, "whatsapp_media", headers=headers)
    except outbound.TooLarge as error:
        raise Permanent(f"too large: {error}") from error
    except outbound.Refused as error:
        raise Permanent(f"refused: {error}") from error
    except outbound.Error as error:
        raise Temporary(f"{type(error).__name__}: {error}") from error
    checked(media)
    return media.content


def checked(response):
    """5xx and 429 are Temporary, other 4xx Permanent."""
    if response.status == 429 or response.status >= 500:
        raise Temporary(f"HTTP {response.status}")
    if response.status >= 400:
        raise Permanent(f"HTTP {response.status}: {response.content[:300].decode(errors='replace')}")


def send_sms(to, letter):
    answer = post_json(settings.SMS_GATEWAY_URL, {"to": to, "from": settings.SMS_SENDER, "text": letter.text()},
                       settings.SMS_GATEWAY_TOKEN, "sms")
    return str(answer.get("id") or "")[:200]


def new_vapid_keys():
    """A VAPID key pair, (public, private), base64url as WEBPUSH_VAPID_PUBLIC_KEY and _PRIVATE_KEY take them: the
    public key as the browser's applicationServerKey (an uncompressed P-256 point), the private as its number."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return base64url(public), base64url(private)


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def send_push(subscription, letter):
    """Encrypted for the browser (RFC 8291, pywebpush's encoding) and signed with our VAPID key (RFC 8292), sent
    through the one HTTP client as a URL from outside: the endpoint must still be a public address, and a push
    service slower than NOTIFY_HTTP_TIMEOUT_S is given up. A push service that says the subscription is gone (404,
    410), or an endpoint we do not call, is Permanent."""
    from py_vapid import Vapid
    from pywebpush import WebPusher, WebPushException

    endpoint = subscription.address
    text = json.dumps({"title": letter.subject, "body": letter.paragraphs[0], "url": letter.link})
    try:
        body = WebPusher({"endpoint": endpoint, "keys": subscription.push_keys}).encode(text.encode())["body"]
    except (WebPushException, ValueError) as error:
        raise Permanent(f"the browser's keys do not work: {error}") from error
    parts = urllib.parse.urlsplit(endpoint)
    headers = Vapid.from_string(private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY).sign({
        "aud": f"{parts.scheme}://{parts.netloc}", "sub": settings.WEBPUSH_CONTACT,
        "exp": int(time.time()) + 12 * 3600})
    headers.update({"Content-Encoding": "aes128gcm", "TTL": "86400"})
    try:
        response = outbound.request("POST", endpoint, "push", headers=headers, body=body)
    except outbound.Refused as refusal:
        raise Permanent(f"push endpoint refused: {refusal}") from refusal
    except outbound.Error as error:
        raise Temporary(f"{type(error).__name__}: {error}") from error
    status = response.status
    if status in (404, 410):
        raise Permanent(f"push subscription gone (HTTP {status})")
    if 400 <= status < 500 and status != 429:
        raise Permanent(f"HTTP {status}")
    if not 200 <= status < 300:
        raise Temporary(f"HTTP {status}")
    return response.headers.get("Location", "")[:200]
