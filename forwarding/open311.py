"""A partner's Open311 GeoReport v2 endpoint (its wire format, in this one module): a report is POSTed to
requests.json; its status is read back from requests/{id}.json (or its token resolved at tokens/{token}.json)."""

FOLLOW_UPS = False  # GeoReport v2 has no way to post an update: partners read our updates feed instead


def enabled(link):
    return bool(link.url)
