"""CORS (django-cors-headers) for the public read APIs only, so a web map or dashboard on another site can read
them: any origin, GET and HEAD (and the OPTIONS that asks first), never cookies or credentials. Staff
endpoints, pages, writes and the basemap proxy get no CORS headers, so a browser keeps other sites out."""

import re

from corsheaders.middleware import CorsMiddleware

READS = {"GET", "HEAD"}
PUBLIC_READ_APIS = re.compile(
    r"^/(open311/|ogcapi/|tiles/(reports|kelurahan)[/.]|api/schema/$"
    r"|api/v1/(reports\.(geojson|csv)|kelurahan\.geojson|stats\.json|stats/kelurahan\.geojson|categories)$)"
)


class PublicReadsOnly(CorsMiddleware):
    def is_enabled(self, request):
        """A public read API, asked by GET or HEAD, or by a preflight OPTIONS for one of them."""
        method = request.headers.get("access-control-request-method", "") if request.method == "OPTIONS" \
            else request.method
        return bool(PUBLIC_READ_APIS.match(request.path_info)) and method.upper() in READS
