"""Addresses from coordinates and coordinates from addresses, through geopy (Nominatim protocol).

GEOCODER_URL names the service (empty: no geocoding). Every call has a short
timeout and returns None on any failure: a slow or absent geocoder costs a
resident a street name, never a report.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

logger = logging.getLogger(__name__)


def _geocoder():
    if not settings.GEOCODER_URL:
        return None
    url = urlsplit(settings.GEOCODER_URL)
    return Nominatim(
        domain=url.netloc + url.path.rstrip("/"),
        scheme=url.scheme or "https",
        user_agent=settings.GEOCODER_USER_AGENT,
        timeout=settings.GEOCODER_TIMEOUT_S,
    )


def reverse(lat, lon):
    """A street address for a point, or None."""
    geocoder = _geocoder()
    if geocoder is None:
        return None
    try:
        found = geocoder.reverse((lat, lon), language="id", zoom=18)
    except GeopyError as error:
        logger.warning("Reverse geocoding failed: %s", error, extra={"event": "upstream_error", "upstream": "geocoder"})
        return None
    return found.address if found else None


def search(query, bounds, limit=5):
    """Places matching `query` inside `bounds` ((south, west), (north, east)), as [(name, lat, lon)]."""
    geocoder = _geocoder()
    if geocoder is None:
        return []
    try:
        found = geocoder.geocode(
            query, exactly_one=False, limit=limit, language="id", viewbox=bounds, bounded=True, country_codes="id"
        )
    except GeopyError as error:
        # Not the query: what a resident typed may be their own address.
        logger.warning("Geocoding failed: %s", error, extra={"event": "upstream_error", "upstream": "geocoder"})
        return []
    return [(place.address, place.latitude, place.longitude) for place in found or []]
