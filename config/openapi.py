"""The answers any operation may give whatever its view, added to the OpenAPI document once (a drf-spectacular
postprocessing hook): they come from config/middleware.py and config/errors.py, before or after the view."""

from config.errors import RETRY_AFTER_SECONDS

# {"error": message}: the error form of these answers, and of views' own refusals (reports.api.views).
ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_JSON = {"application/json": {"schema": ERROR}}
# OGC API's exception (config.errors.ogc_exception).
OGC_EXCEPTION = {"type": "object", "required": ["code"], "properties": {
    "code": {"type": "string"}, "description": {"type": "string"}, "status": {"type": "integer"},
    "title": {"type": "string"}, "detail": {"type": "string"}}}
COMMON = {
    "400": {"description": "A NUL character in the path or the query.", "content": ERROR_JSON},
    "403": {
        "description": "Credentials that are not valid: an unknown token, or a signed-in session's POST without CSRF.",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}},
    },
    "413": {"description": "The body is larger than MAX_REQUEST_BYTES.", "content": ERROR_JSON},
    "503": {
        "description": "The database does not answer; try again later.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": f"{RETRY_AFTER_SECONDS} s."}},
        "content": ERROR_JSON,
    },
}


def add_common_responses(result, generator, request, public):
    """Add COMMON to every operation; an operation's own 400 (an object too) stays as the view declared it."""
    result["components"].setdefault("schemas", {})["Error"] = {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
    for path in result["paths"].values():
        for operation in path.values():
            ogc = "ogcapi" in operation.get("tags", ())  # OGC API's errors are its exceptions (config.errors)
            for code, response in COMMON.items():
                if ogc and "content" in response:
                    response = {**response, "content": {"application/json": {"schema": OGC_EXCEPTION}}}
                operation["responses"].setdefault(code, response)
    return result
