"""The JSON API (/api/v1/): views.py, its query parameters (params.py), the OpenAPI shapes (schema.py)."""
