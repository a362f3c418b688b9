"""Addresses from coordinates and coordinates from addresses, through geopy (Nominatim protocol).

GEOCODER_URL names the service (empty: no geocoding). geopy builds the requests; the one HTTP client
(config/outbound.py) sends them (geo/geopy_adapter.py), each within GEOCODER_TIMEOUT_S, all of it. A search that
fails finds nothing (a resident is waiting for it); a reverse lookup that fails raises Unavailable, so the job
asking it is retried.
"""

import logging
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

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


@contextmanager
def turn():
    """The geocoder's turn, across every worker process: one request at a time, a second apart.

    It locks the Throttle row "geocoder" FOR UPDATE, so other workers wait for the lock, and holds it at least
    a second after the request started. The lock lasts until the caller's transaction ends (a job's runs until
    the job is marked done); a request that fails holds its turn the full second too, before its savepoint's
    rollback releases the lock.
    """
    with transaction.atomic():
        Throttle.objects.select_for_update().get_or_create(name="geocoder")
        started = time.monotonic()
        try:
            yield
        finally:
            time.sleep(max(0.0, SECONDS_BETWEEN_REQUESTS - (time.monotonic() - started)))


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


def search(query, bounds, limit=5):
    """Places matching `query` inside `bounds` ((south, west), (north, east)), as [(name, lat, lon)]."""
    geocoder = _geocoder()
    if geocoder is None:
        return []
    from geopy.exc import GeopyError

    try:
        found = geocoder.geocode(
            query, exactly_one=False, limit=limit, language="id", viewbox=bounds, bounded=True, country_codes="id"
        )
    except GeopyError as error:
        # Not the query: what a resident typed may be their own address.
        logger.warning("Geocoding failed: %s", error, extra={"event": "upstream_error", "upstream": "geocoder"})
        return []
    return [(place.address, place.latitude, place.longitude) for place in found or []]
