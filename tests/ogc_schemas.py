"""The official OGC API - Features Part 1 schemas (tests/data/ogcapi-features/, see tests/data/README.md) as JSON Schema
validators: each YAML file a resource, its relative $refs resolved by `referencing`."""

from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(settings.BASE_DIR) / "tests" / "data" / "ogcapi-features" / "core"


def as_json_schema(node):
    """OpenAPI 3.0 to JSON Schema: YAML's bare `null` (`type: null`, an enum's null) is the type "null", and
    `nullable: true` adds that type."""
    if isinstance(node, list):
        return ["null" if item is None else as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    schema = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if "type" in node and node["type"] is None:
        schema["type"] = "null"
    if node.get("nullable") and "type" in schema:
        schema["type"] = [*(schema["type"] if isinstance(schema["type"], list) else [schema["type"]]), "null"]
    return schema


def retrieve(uri):
    path = SCHEMAS / uri.removeprefix(SCHEMAS.as_uri() + "/")
    return Resource.from_contents(as_json_schema(yaml.safe_load(path.read_text())), default_specification=DRAFT202012)


@cache
def validator(name):
    """The validator of `name` (landingPage, confClasses, collections, collection, featureCollectionGeoJSON,
    featureGeoJSON, exception)."""
    uri = f"{SCHEMAS.as_uri()}/{name}.yaml"
    return Draft202012Validator({"$ref": uri}, registry=Registry(retrieve=retrieve), format_checker=FormatChecker())


def check(name, document):
    """`document` when the schema `name` takes it; jsonschema's ValidationError otherwise."""
    validator(name).validate(document)
    return document
