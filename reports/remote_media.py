"""Fetching a photo from an address a client gave (Open311 `media_url`, LAPOR!'s attachments), through the one HTTP
client as a URL from outside (config/outbound.py): http(s) only, public addresses only (after DNS and after every
redirect), at most 3 redirects, a deadline for the whole fetch (OPEN311_MEDIA_TIMEOUT_S) and the photo size limit.
What comes back is checked later like any upload.
"""

import logging
import urllib.parse

from django.core.files.uploadedfile import SimpleUploadedFile

from config import outbound
from reports import photos

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The address is not one we fetch from, or nothing usable came back; the message says which, without
    telling which of our ports are open."""


def fetch(url):
    """The photo at `url`, read into memory up to the photo size limit; checked later like any upload."""
    try:
        answer = outbound.request("GET", url, "media")
    except outbound.Refused as refusal:
        raise Refused(str(refusal)) from None
    except outbound.TooLarge:
        raise Refused(f"it is larger than {photos.MAX_BYTES // (1024 * 1024)} MB.") from None
    except outbound.Error as error:
        logger.warning("media_url could not be read: %s", type(error).__name__,
                       extra={"event": "upstream_error", "upstream": "media_url"})
        raise Refused("it could not be read.") from None
    if not 200 <= answer.status < 300:
        # One message for every failure: the answer must not tell which of our ports are open.
        raise Refused("it could not be read.")
    name = urllib.parse.urlsplit(answer.url).path.rsplit("/", 1)[-1] or "media"
    return SimpleUploadedFile(name[:100], answer.content)
