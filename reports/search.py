"""What the map's search box finds: a report by its code, the city's own kelurahan, streets and places
(geo.places, which work with no geocoder configured), then the geocoder's addresses as a second source."""

from geo import geocoding, places
from geo.models import Generation
from reports.models import Report, tracking_code

LIMIT = 5


def find_on_map(text):
    """[(name, lat, lon)], best first, at most LIMIT; the geocoder is asked only when ours are not enough."""
    code = tracking_code(text)
    found = [(f"{report.code} · {report.category.name}", report.location.y, report.location.x)
             for report in Report.objects.public().select_related("category").filter(code=code)]
    found += places.search(text, LIMIT - len(found))
    if len(found) < LIMIT:
        known = {name for name, _, _ in found}
        found += [place for place in from_geocoder(text, LIMIT - len(found)) if place[0] not in known]
    return found[:LIMIT]


def from_geocoder(text, limit):
    """The geocoder's places within the city; none when it is not this search's turn (geocoding.turn): the
    resident still gets ours, and the geocoder is asked at most once a second however fast the box is used."""
    west, south, east, north = Generation.objects.current().outline.extent
    try:
        return geocoding.search(text, ((south, west), (north, east)), limit=limit, wait=False)
    except geocoding.Busy:
        return []
