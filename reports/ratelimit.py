"""How many reports one sender may file in an hour (REPORTS_PER_HOUR), counted in the shared cache.

The hour starts with a sender's first filing (the count's expiry), not on the clock: a burst across
the turn of an hour is still one hour's worth.
"""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 3600


def _key(request, sender):
    # REMOTE_ADDR: the client, also behind a proxy (config.middleware.client_address).
    return f"reports:filed:v2:{sender or request.META.get('REMOTE_ADDR', '')}"


def over_limit(request, sender=""):
    """`sender` names who files when it is not the connection itself (a resident behind an Open311 client)."""
    over = (cache.get(_key(request, sender)) or 0) >= settings.REPORTS_PER_HOUR
    if over:  # which path, not who: an address or a sender is personal data
        logger.warning("Rate limit hit", extra={"event": "rate_limited", "path": request.path})
    return over


def count_filing(request, sender=""):
    key = _key(request, sender)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)  # keeps the window's expiry
        except ValueError:  # the window closed between the two calls: this filing opens the next one
            cache.set(key, 1, timeout=WINDOW_SECONDS)
