"""OpenAPI describes every success response of the JSON API with a real schema."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import World, client_for

_METHODS = ("get", "put", "post", "patch", "delete")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a ``$ref`` names (one level), or the schema itself."""
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    found: dict[str, Any] = spec
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def _is_described(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether ``schema`` says more than "any value" or "any object"."""
    schema = _resolve(spec, schema)
    if not schema:
        return False
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        return all(_is_described(spec, s) or s.get("type") == "null" for s in options)
    if schema.get("type") == "object" or "properties" in schema:
        return bool(schema.get("properties")) or isinstance(
            schema.get("additionalProperties"), dict
        )
    return "type" in schema


def _success_schemas(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """(operation, schema) for every 2xx response of every operation (``None``: no content)."""
    found: list[tuple[str, dict[str, Any] | None]] = []
    for path, item in spec["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                name = f"{method.upper()} {path} {status}"
                content = response.get("content") or {}
                if not content:
                    found.append((name, None))
                for media in content.values():
                    found.append((name, media.get("schema")))
    return found


def test_every_success_response_of_the_api_has_a_schema(world: World) -> None:
    spec = client_for(world).get("/api/v1/openapi.json").json()
    schemas = _success_schemas(spec)
    assert len(schemas) >= 40
    vague = [name for name, schema in schemas if schema is None or not _is_described(spec, schema)]
    assert vague == []


def test_the_check_refuses_an_empty_or_any_object_schema() -> None:
    spec: dict[str, Any] = {"components": {"schemas": {"Empty": {"type": "object"}}}}
    assert not _is_described(spec, {})
    assert not _is_described(spec, {"type": "object", "additionalProperties": True})
    assert not _is_described(spec, {"$ref": "#/components/schemas/Empty"})
    assert _is_described(spec, {"type": "object", "properties": {"id": {"type": "integer"}}})
    assert _is_described(spec, {"type": "string", "format": "binary"})
