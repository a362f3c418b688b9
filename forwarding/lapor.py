"""LAPOR!-SP4N's wire format, in this one module: the interim contract of docs/lapor.md, to be replaced by the
official one when the city's government developer account gives it. The rest of the product speaks through
`send_report`, `send_follow_up` and `dispositions`."""

import json
import urllib.parse
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from forwarding.http import Answer, call, expect
from reports import representation
from reports.models import Report

UPSTREAM = "lapor"
# Our report as LAPOR! wants it: its names on the left, our properties (reports/representation.py) on the right.
COMPLAINT = ["source_id=code", "title=category_name", "content=description", "lat", "lon", "address",
             "kelurahan_code", "created_at=created", "attachments=photos", "reporter_name=name"]


FOLLOW_UPS = True  # every status change of a forwarded report is posted to it


def enabled(link=None):
    """The integration is off while LAPOR_URL is empty."""
    return bool(settings.LAPOR_URL)


def _url(path):
    return settings.LAPOR_URL.rstrip("/") + path


def _headers():
    return {"Authorization": f"Token {settings.LAPOR_TOKEN}"}


def absolute(path):
    return urllib.parse.urljoin(settings.SITE_URL, path)


def complaint(forwarding):
    """The complaint's JSON body: never the phone or e-mail; the name only when the reporter shows it. A
    complaint without a place (a service) goes without coordinates (lat, lon null, kelurahan_code ""); one not
    public by its kind (Report.private) is marked confidential, LAPOR!'s "rahasia": LAPOR! keeps it off its
    public pages, as we do."""
    shape = representation.json_object(COMPLAINT, absolute, confidential=F("private"))
    body = representation.one(Report.objects.filter(pk=forwarding.report_id), shape)
    body = json.loads(body)
    if body["lat"] is not None:
        body["lat"], body["lon"] = float(body["lat"]), float(body["lon"])
    body["kelurahan_code"] = body["kelurahan_code"] or ""
    body["attachments"] = [photo["url"] for photo in body["attachments"]]
    body["topic_id"] = forwarding.code
    body["anonymous"] = not body["reporter_name"]
    return body


def send_report(forwarding):
    """POST /complaints; the tracking ID LAPOR! gives (a repeated source_id answers 409 with it: a success)."""
    answer = call("POST", _url("/complaints"), headers=_headers(), json_body=complaint(forwarding), upstream=UPSTREAM)
    expect(answer.status in (200, 201, 409), f"HTTP {answer.status} to POST /complaints")
    tracking_id = isinstance(answer.data, dict) and answer.data.get("tracking_id")
    expect(isinstance(tracking_id, str) and tracking_id, "a tracking_id")
    forwarding.external_id = tracking_id[:100]


def send_follow_up(forwarding, follow_up):
    """POST the follow-up with our key for it (source_followup_id): a repeat answers 409, a success too, so one
    sent again after a worker was killed or an answer came after our timeout is not shown twice."""
    body = {"source_followup_id": str(follow_up.pk), "status": follow_up.status, "note": follow_up.note,
            "created_at": timezone.localtime(follow_up.created).isoformat(timespec="seconds"),
            "attachments": follow_up.photo_urls}
    path = f"/complaints/{urllib.parse.quote(forwarding.external_id, safe='')}/followups"
    answer = call("POST", _url(path), headers=_headers(), json_body=body, upstream=UPSTREAM)
    expect(answer.status in (200, 201, 409), f"HTTP {answer.status} to POST followups")


def dispositions(since):
    """The pages of complaints handed to the city since `since`: (answer, items) for each page. `next` is
    followed only on LAPOR_URL's own host (a link elsewhere is a broken or hostile answer)."""
    url = _url("/dispositions?" + urllib.parse.urlencode({"since": since.isoformat(timespec="seconds")}))
    home = urllib.parse.urlsplit(settings.LAPOR_URL)
    seen = set()
    while url and url not in seen:
        seen.add(url)
        answer: Answer = call("GET", url, headers=_headers(), upstream=UPSTREAM)
        data = answer.data
        expect(answer.status == 200 and isinstance(data, dict) and isinstance(data.get("items"), list),
               "a JSON object with items")
        url = data.get("next")
        if url:  # checked before the page is used: a page pointing elsewhere is not LAPOR!'s word at all
            parts = urllib.parse.urlsplit(url)
            expect((parts.scheme, parts.netloc) == (home.scheme, home.netloc), "next on LAPOR_URL's host")
        yield answer, [read_disposition(item) for item in data["items"]]


def read_disposition(item):
    """One handed-over complaint, checked against the contract: a dict of plain values."""
    expect(isinstance(item, dict) and isinstance(item.get("tracking_id"), str) and item["tracking_id"],
           "each item with a tracking_id")
    try:
        created = datetime.fromisoformat(item["created_at"])
        lat, lon = (None, None) if item.get("lat") is None or item.get("lon") is None else (
            float(item["lat"]), float(item["lon"]))
    except (KeyError, TypeError, ValueError):
        expect(False, "created_at in ISO 8601 and numeric lat, lon")
    expect(created.tzinfo is not None, "created_at with its offset")
    attachments = item.get("attachments") or []
    expect(isinstance(attachments, list) and all(isinstance(url, str) for url in attachments), "attachments: URLs")
    return {"tracking_id": item["tracking_id"][:100], "title": str(item.get("title") or ""),
            "content": str(item.get("content") or ""), "topic_id": str(item.get("topic_id") or ""),
            "lat": lat, "lon": lon, "location_text": str(item.get("location_text") or ""),
            "created_at": created.isoformat(), "attachments": attachments}
