"""JSON (or form) requests to an outside system, and the three ways one goes wrong, for the adapters.

- `Unavailable`: down, too slow (FORWARDING_TIMEOUT_S), a 5xx, an answer that is not what the contract says:
  the job fails and the queue tries again later.
- `Unauthorized`: a 401 or 403: the token or key is wrong; the system is paused (forwarding.delivery).
- any other answer is given back for the adapter to read (LAPOR!'s 409 is a success).
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.conf import settings

logger = logging.getLogger(__name__)


class Unavailable(Exception):
    pass


class Unauthorized(Exception):
    pass


@dataclass
class Answer:
    status: int
    data: object
    date: object  # the server's clock (its Date header), or None


def call(method, url, *, headers=(), json_body=None, form=None, upstream="partner"):
    """One request; the answer's JSON read. Raises Unavailable or Unauthorized."""
    headers = {"Accept": "application/json", "User-Agent": settings.GEOCODER_USER_AGENT, **dict(headers)}
    body = None
    if json_body is not None:
        body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    elif form is not None:
        body = urllib.parse.urlencode(form, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=settings.FORWARDING_TIMEOUT_S) as response:
            status, raw, date = response.status, response.read(), response.headers.get("Date")
    except urllib.error.HTTPError as error:
        status, raw, date = error.code, error.read(), error.headers.get("Date")
    except (urllib.error.URLError, OSError, ValueError) as error:
        logger.warning("%s does not answer: %s", upstream, type(error).__name__,
                       extra={"event": "upstream_error", "upstream": upstream})
        raise Unavailable(f"{method} {url}: {type(error).__name__}: {error}") from None
    if status in (401, 403):
        logger.error("%s refuses our credentials (%s)", upstream, status,
                     extra={"event": "upstream_unauthorized", "upstream": upstream})
        raise Unauthorized(f"{method} {url}: HTTP {status}")
    if status >= 500:
        logger.warning("%s answers %s", upstream, status, extra={"event": "upstream_error", "upstream": upstream})
        raise Unavailable(f"{method} {url}: HTTP {status}")
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise Unavailable(f"{method} {url}: HTTP {status}, not JSON") from None
    return Answer(status, data, _date(date))


def _date(header):
    try:
        return parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        return None


def expect(condition, what):
    """An answer that breaks the contract is treated like no answer: retried, and visible."""
    if not condition:
        raise Unavailable(f"answer not as agreed: {what}")
