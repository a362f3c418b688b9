"""JSON (or form) requests to an outside system, through the one HTTP client (config/outbound.py), and the three
ways one goes wrong, for the adapters.

- `Unavailable`: down, too slow (FORWARDING_TIMEOUT_S, the whole call), a 5xx, an answer that is not what the
  contract says, or one that came from another host than the one called (a redirect elsewhere: the token is not
  sent there, and what that host says is not the system's word): the job fails and the queue tries again later.
- `Unauthorized`: a 401 or 403: the token or key is wrong; the system is paused (forwarding.delivery).
- any other answer is given back for the adapter to read (LAPOR!'s 409 is a success).
"""

import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from config import outbound

logger = logging.getLogger(__name__)


class Unavailable(outbound.Error):
    pass


class Unauthorized(outbound.Error):
    pass


@dataclass
class Answer:
    status: int
    data: object
    date: object  # the server's clock (its Date header), or None


def call(method, url, *, upstream, headers=(), json_body=None, form=None):
    """One request for `upstream` ("lapor" or "open311_partner", its purpose in config.outbound); the answer's
    JSON read. Raises Unavailable or Unauthorized."""
    try:
        answer = outbound.request(method, url, upstream, headers={"Accept": "application/json", **dict(headers)},
                                  json=json_body, form=form)
    except outbound.Error as error:
        logger.warning("%s does not answer: %s", upstream, type(error).__name__,
                       extra={"event": "upstream_error", "upstream": upstream})
        raise Unavailable(f"{method} {url}: {type(error).__name__}: {error}") from None
    if not outbound.same_host(url, answer.url):
        logger.warning("%s redirects to another host", upstream, extra={"event": "upstream_error",
                                                                         "upstream": upstream})
        raise Unavailable(f"{method} {url}: answered from another host ({answer.url})")
    if answer.status in (401, 403):
        logger.error("%s refuses our credentials (%s)", upstream, answer.status,
                     extra={"event": "upstream_unauthorized", "upstream": upstream})
        raise Unauthorized(f"{method} {url}: HTTP {answer.status}")
    if answer.status >= 500:
        logger.warning("%s answers %s", upstream, answer.status,
                       extra={"event": "upstream_error", "upstream": upstream})
        raise Unavailable(f"{method} {url}: HTTP {answer.status}")
    try:
        data = answer.json()
    except ValueError:
        raise Unavailable(f"{method} {url}: HTTP {answer.status}, not JSON") from None
    return Answer(answer.status, data, _date(answer.headers.get("Date")))


def _date(header):
    try:
        return parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        return None


def expect(condition, what):
    """An answer that breaks the contract is treated like no answer: retried, and visible."""
    if not condition:
        raise Unavailable(f"answer not as agreed: {what}")
