"""What every request goes through first: who sent it, and requests refused before any view sees them."""

import ipaddress

from django.conf import settings

from config.errors import json_error


def refuse_nul_characters(get_response):
    """A NUL character in the path or the query is a 400: PostgreSQL can neither store nor compare one,
    so it would otherwise fail deep inside whichever view looked it up. JSON, in the API's error form."""

    def middleware(request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                          for key, values in request.GET.lists() for value in values):
            return json_error(request, 400, "NUL characters are not accepted.")
        return get_response(request)

    return middleware


def refuse_large_bodies(get_response):
    """A body over MAX_REQUEST_BYTES is a 413 before a byte of it is read: the largest report (5 photos of
    10 MB and its fields) fits; anything bigger would only cost parsing and disk. nginx refuses it too."""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return json_error(request, 413, "The request is larger than this server takes.")
        return get_response(request)

    return middleware


def client_ip(request):
    """The address a request came from, as client_address settled it (django-axes asks through this)."""
    return request.META.get("REMOTE_ADDR", "")


def client_address(get_response):
    """Behind a trusted proxy, REMOTE_ADDR becomes the client that X-Forwarded-For names.

    The header is read from the right: each address a trusted proxy added is skipped, and the first one
    that is not a trusted proxy is the client. Anything further left was written by the client itself and
    is never believed. Requests that did not come through a trusted proxy keep their own address.
    """
    trusted = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]

    def is_trusted(address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    def middleware(request):
        if trusted and is_trusted(request.META.get("REMOTE_ADDR", "")):
            hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            for hop in reversed(hops):
                if not is_trusted(hop):
                    try:
                        request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(hop))
                    except ValueError:
                        pass  # garbage in the header: keep the proxy's address rather than believe it
                    break
        return get_response(request)

    return middleware
