"""How many reports one sender may file per hour (REPORTS_PER_HOUR), counted in the shared cache."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _key(request, sender):
    # REMOTE_ADDR: behind a proxy, the proxy must set it from X-Forwarded-For.
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"reports:filed:{sender or request.META.get('REMOTE_ADDR', '')}:{hour}"


def over_limit(request, sender=""):
    """`sender` names who files when it is not the connection itself (a resident behind an Open311 client)."""
    return (cache.get(_key(request, sender)) or 0) >= settings.REPORTS_PER_HOUR


def count_filing(request, sender=""):
    key = _key(request, sender)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)
