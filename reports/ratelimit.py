"""Limits that hold: one call counts an attempt and says whether it is allowed, before any expensive work.

Every attempt counts, refused ones too, so retrying a refused submission does not get around the limit.
The count is one atomic INCR in the shared cache, so simultaneous requests cannot all slip under it. A
window opens with the first attempt and closes WINDOW_SECONDS later (not on the clock hour). An IPv6
client is counted per /64, the block a single subscriber gets. When Redis does not answer, the limit lets
the request through and logs it: filing a report matters more than counting it.
"""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 3600


def client(request):
    """Who a request comes from, for a limit: its address (the client behind a trusted proxy), IPv6 per /64."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def allow(request, limit, who, per_hour):
    """Count one attempt of `who` against `limit` (a name); True while within `per_hour` attempts. `request` is
    None for what no request brings (a WhatsApp message)."""
    key = f"limit:v3:{limit}:{who}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)  # keeps the window's expiry
    except ValueError:  # the window closed between the two calls: this attempt opens the next one
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    if count is None:
        logger.warning("Limit not checked: the cache does not answer", extra={"event": "limit_unchecked",
                                                                                "limit": limit})
        return True
    if count > per_hour:  # which limit and path, not who: an address or a sender is personal data
        logger.warning("Rate limit hit", extra={"event": "rate_limited", "limit": limit,
                                                "path": getattr(request, "path", "")})
        return False
    return True


def allow_filing(request):
    """A report from the map, the form or the API: REPORTS_PER_HOUR per client."""
    return allow(request, "filing", client(request), settings.REPORTS_PER_HOUR)


def allow_open311_filing(request, api_client, sender):
    """A report through Open311: OPEN311_KEY_PER_HOUR per key, and OPEN311_SENDER_PER_HOUR per sender within
    it (a sender the caller names, so the key's own limit is what bounds a caller inventing senders)."""
    return (allow(request, "open311-key", api_client.pk, settings.OPEN311_KEY_PER_HOUR)
            and allow(request, "open311-sender", f"{api_client.pk}:{sender}", settings.OPEN311_SENDER_PER_HOUR))


def allow_support(request):
    """A "me too": SUPPORTS_PER_HOUR per client, whatever device ids it sends."""
    return allow(request, "support", client(request), settings.SUPPORTS_PER_HOUR)


def allow_search(request):
    """An address search (/api/v1/geocode): SEARCHES_PER_HOUR per client."""
    return allow(request, "search", client(request), settings.SEARCHES_PER_HOUR)
