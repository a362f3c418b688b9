"""Requests refused before any view sees them."""

from django.http import HttpResponseBadRequest


def refuse_nul_characters(get_response):
    """A NUL character in the path or the query is a 400: PostgreSQL can neither store nor compare one,
    so it would otherwise fail deep inside whichever view looked it up."""

    def middleware(request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                          for key, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("NUL characters are not accepted.", content_type="text/plain")
        return get_response(request)

    return middleware
