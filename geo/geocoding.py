"""Addresses from coordinates and coordinates from addresses, through geopy (Nominatim protocol).

GEOCODER_URL names the service (empty: no geocoding). geopy builds the requests; the one HTTP client
(config/outbound.py) sends them (geo/geopy_adapter.py), each within GEOCODER_TIMEOUT_S, all of it, and all of them
together are at most one a second (turn()). A search that fails finds nothing (a resident is waiting for it); a
reverse lookup that fails raises Unavailable, so the job asking it is retried.
"""

import logging
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from config import locks
from geo.models import Throttle

logger = logging.getLogger(__name__)


def _geocoder():
    """geopy's Nominatim client, None without GEOCODER_URL. geopy is imported here, not with the module: it loads
    aiohttp when that is installed (web push needs it), 25 MiB that only a process that geocodes should pay."""
    if not settings.GEOCODER_URL:
        return None
    from geopy.geocoders import Nominatim

    from geo.geopy_adapter import OutboundAdapter

    url = urlsplit(settings.GEOCODER_URL)
    return Nominatim(
        domain=url.netloc + url.path.rstrip("/"),
        scheme=url.scheme or "https",
        user_agent=settings.OUTBOUND_USER_AGENT,  # the client sends its own, with the purpose
        timeout=settings.GEOCODER_TIMEOUT_S,
        adapter_factory=OutboundAdapter,
    )


# Nominatim's usage policy: at most one request a second from all of us together.
SECONDS_BETWEEN_REQUESTS = 1.0


class Unavailable(Exception):
    """The geocoder did not answer (down, past its timeout, an error): ask again later."""


class Busy(Exception):
    """Not the geocoder's turn for a request that does not wait: another is being made, or one ended less than
    SECONDS_BETWEEN_REQUESTS ago."""


@contextmanager
def turn(wait=True):
    """The geocoder's turn, across every process and every caller (a job's reverse lookup, a resident's search,
    an Open311 address, LAPOR!'s location text): one request at a time, a second apart.

    It holds the advisory lock "geo.geocoder" (config.locks: no transaction is kept open while the geocoder is
    asked) for the request, and the Throttle row "geocoder" keeps when the last request ended. With `wait` (a
    job) it waits for the lock and for that second, and holds the lock at least a second after its request
    started, so a request that fails keeps the pace too. Without `wait` (a person waiting for a page) it raises
    Busy at once instead of waiting.
    """
    throttle, _ = Throttle.objects.get_or_create(name="geocoder")
    with locks.held("geo.geocoder", wait=wait) as mine:
        if not mine:
            raise Busy("another request is being made")
        throttle.refresh_from_db(fields=["last_at"])
        since = (timezone.now() - throttle.last_at).total_seconds() if throttle.last_at else None
        if since is not None and since < SECONDS_BETWEEN_REQUESTS:
            if not wait:
                raise Busy("asked less than a second ago")
            time.sleep(SECONDS_BETWEEN_REQUESTS - since)
        started = time.monotonic()
        try:
            yield
        finally:
            if wait:
                time.sleep(max(0.0, SECONDS_BETWEEN_REQUESTS - (time.monotonic() - started)))
            # From the answer, not the question: the geocoder sees the next request a full second after this one.
            Throttle.objects.filter(pk=throttle.pk).update(last_at=timezone.now())


def reverse(lat, lon):
    """A street address for a point, or None when the geocoder knows none (or none is configured).

    Waits for the geocoder's turn(); raises Unavailable when the geocoder does not answer.
    """
    geocoder = _geocoder()
    if geocoder is None:
        return None
    from geopy.exc import GeopyError

    with turn():
        try:
            found = geocoder.reverse((lat, lon), language="id", zoom=18)
        except GeopyError as error:
            logger.warning("Reverse geocoding failed: %s", error,
                           extra={"event": "upstream_error", "upstream": "geocoder"})
            raise Unavailable(type(error).__name__) from error
    return found.address if found else None


def search(query, bounds, limit=5, wait=True):
    """Places matching `query` inside `bounds` ((south, west), (north, east)), as [(name, lat, lon)].

    In the geocoder's turn(): a job waits for it; a request a person waits on (`wait` False) raises Busy when it is
    not its turn.
    """
    geocoder = _geocoder()
    if geocoder is None:
        return []
    from geopy.exc import GeopyError

    try:
        with turn(wait):
            found = geocoder.geocode(
                query, exactly_one=False, limit=limit, language="id", viewbox=bounds, bounded=True,
                country_codes="id")
    except GeopyError as error:
        # Not the query: what a resident typed may be their own address.
        logger.warning("Geocoding failed: %s", error, extra={"event": "upstream_error", "upstream": "geocoder"})
        return []
    return [(place.address, place.latitude, place.longitude) for place in found or []]
