"""Versions kept in the cache: what is cached under a version is renewed all at once by renewing the version.

A version is renewed once the change that renews it commits (a rolled-back change renews nothing, and no request
can keep the old state under the new version). A missing version (expired, Redis flushed) is replaced by a new
one, never by an old one. Used by tiles/invalidate.py (the report tiles' names) and reports/catalogue.py (the
categories and what the report form shows with them).
"""

import secrets

from django.core.cache import cache
from django.db import transaction


def current(key, seconds, found=None):
    """The version under `key` (`found`, if already read), or None when the cache does not answer (nothing can be
    kept then)."""
    found = found or cache.get(key)
    if found is None:
        cache.add(key, secrets.token_hex(8), seconds)
        found = cache.get(key)
    return found


def renew(key, seconds):
    """A new version under `key` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.set(key, secrets.token_hex(8), seconds))
