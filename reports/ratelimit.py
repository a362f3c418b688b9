"""How many reports one sender may file per hour (REPORTS_PER_HOUR), counted in the shared cache."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


def _key(request, sender):
    # REMOTE_ADDR: the client, also behind a proxy (config.middleware.client_address).
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"reports:filed:{sender or request.META.get('REMOTE_ADDR', '')}:{hour}"


def over_limit(request, sender=""):
    """`sender` names who files when it is not the connection itself (a resident behind an Open311 client)."""
    over = (cache.get(_key(request, sender)) or 0) >= settings.REPORTS_PER_HOUR
    if over:  # which path, not who: an address or a sender is personal data
        logger.warning("Rate limit hit", extra={"event": "rate_limited", "path": request.path})
    return over


def count_filing(request, sender=""):
    key = _key(request, sender)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)
