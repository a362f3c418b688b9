"""A partner's Open311 GeoReport v2 endpoint, its wire format in this one module: a report is POSTed to
requests.json; the partner's status is read back from requests/{id}.json (or, until it has one, the token it gave
is resolved at tokens/{token}.json). GeoReport v2 has no way to post an update: partners read our
servicerequestupdates feed instead."""

import json
import urllib.parse

from django.conf import settings

from forwarding.http import call, expect
from reports import representation
from reports.models import Report

FOLLOW_UPS = False
UPSTREAM = "open311_partner"
# Our report as GeoReport v2's POST wants it: its names left, our properties (reports/representation.py) right.
REQUEST = ["lat", "long=lon", "address_string=address", "description", "media_url"]


def enabled(link):
    return bool(link.url)


def _url(link, path, **query):
    query = {key: value for key, value in (("jurisdiction_id", link.jurisdiction_id), *query.items()) if value}
    return link.url.rstrip("/") + path + ("?" + urllib.parse.urlencode(query) if query else "")


def absolute(path):
    return urllib.parse.urljoin(settings.SITE_URL, path)


def personal_data(link, report):
    """What the partner is told of the reporter: their name when the endpoint is set to and the reporter chose to
    show it, the name the public page shows too; never a phone or e-mail."""
    if link.personal_data != link.PersonalData.NAME or not report.show_name:
        return {}
    first, _, last = report.reporter_name.partition(" ")
    return {key: value for key, value in {"first_name": first, "last_name": last}.items() if value}


def send_report(forwarding):
    link = forwarding.link
    report = Report.objects.get(pk=forwarding.report_id)
    fields = json.loads(representation.one(Report.objects.filter(pk=report.pk),
                                           representation.json_object(REQUEST, absolute)))
    form = {key: value for key, value in fields.items() if value not in ("", None)}
    form.update(api_key=link.api_key, jurisdiction_id=link.jurisdiction_id, service_code=forwarding.code,
                **personal_data(link, report))
    answer = call("POST", _url(link, "/requests.json", jurisdiction_id=""),
                  form={key: value for key, value in form.items() if value}, upstream=UPSTREAM)
    expect(answer.status in (200, 201), f"HTTP {answer.status} to POST requests.json")
    first = answer.data[0] if isinstance(answer.data, list) and answer.data else None
    expect(isinstance(first, dict) and (first.get("service_request_id") or first.get("token")),
           "a service_request_id or a token")
    forwarding.external_id = str(first.get("service_request_id") or "")[:100]
    forwarding.token = "" if forwarding.external_id else str(first["token"])[:100]


def send_follow_up(forwarding, follow_up):
    raise NotImplementedError("GeoReport v2 takes no updates")


def resolve_token(forwarding):
    """The service_request_id a token stands for, or "" while the partner has none yet."""
    path = f"/tokens/{urllib.parse.quote(forwarding.token, safe='')}.json"
    answer = call("GET", _url(forwarding.link, path), upstream=UPSTREAM)
    if answer.status == 404:
        return ""
    first = answer.data[0] if isinstance(answer.data, list) and answer.data else {}
    expect(answer.status == 200 and isinstance(first, dict), "a list of one request")
    return str(first.get("service_request_id") or "")[:100]


def status(forwarding):
    """The partner's (status, status_notes, updated_datetime) of the request."""
    path = f"/requests/{urllib.parse.quote(forwarding.external_id, safe='')}.json"
    answer = call("GET", _url(forwarding.link, path), upstream=UPSTREAM)
    first = answer.data[0] if isinstance(answer.data, list) and answer.data else None
    expect(answer.status == 200 and isinstance(first, dict) and isinstance(first.get("status"), str),
           "a request with its status")
    return first["status"][:100], str(first.get("status_notes") or ""), str(first.get("updated_datetime") or "")[:40]
