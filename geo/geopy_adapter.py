"""geopy's requests sent by the one HTTP client (config/outbound.py), as the purpose "geocoder": its deadline, size
cap and User-Agent. Imported only where geopy is (geo.geocoding loads geopy when it geocodes)."""

import json

from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderParseError, GeocoderServiceError, GeocoderUnavailable

from config import outbound


class OutboundAdapter(BaseSyncAdapter):
    """A geopy adapter (its `adapter_factory`); geopy's proxies and TLS context are not used: the client connects
    directly and checks certificates against the system's store."""

    def get_json(self, url, *, timeout, headers):
        text = self.get_text(url, timeout=timeout, headers=headers)
        try:
            return json.loads(text)
        except ValueError:
            raise GeocoderParseError(f"not JSON: {text[:200]}") from None

    def get_text(self, url, *, timeout, headers):
        """GEOCODER_TIMEOUT_S bounds the call (geopy's `timeout` is the same setting)."""
        try:
            answer = outbound.request("GET", url, "geocoder", headers=headers)
        except outbound.Unanswered as error:
            raise GeocoderUnavailable(str(error)) from error
        except outbound.Error as error:
            raise GeocoderServiceError(str(error)) from error
        text = answer.content.decode(errors="replace")
        if answer.status >= 400:
            raise AdapterHTTPError(f"Non-successful status code {answer.status}", status_code=answer.status,
                                   headers={name.lower(): value for name, value in answer.headers.items()},
                                   text=text)
        return text
