"""How many reports one client may file per hour (REPORTS_PER_HOUR), counted in the shared cache."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _key(request):
    # REMOTE_ADDR: behind a proxy, the proxy must set it from X-Forwarded-For.
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"reports:filed:{request.META.get('REMOTE_ADDR', '')}:{hour}"


def over_limit(request):
    return (cache.get(_key(request)) or 0) >= settings.REPORTS_PER_HOUR


def count_filing(request):
    key = _key(request)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)
