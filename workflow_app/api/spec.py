"""Endpoints declared once: the declaration validates requests and becomes the OpenAPI document."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Any, Callable

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator

from ..errors import BadRequest, ValidationFailed
from ..web import MAX_ID

ERROR_STATUSES = {400: "Bad request", 401: "Missing or invalid token", 403: "The role may not do this",
                  404: "Not found, or outside the caller's scope", 409: "Guard failed, or the dossier changed",
                  413: "File too large", 422: "Invalid values (the fields are named)", 429: "Too many attempts"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass
class Endpoint:
    rule: str
    method: str
    name: str
    summary: str
    auth: bool = True
    body: dict | None = None
    multipart: dict | None = None
    query: dict[str, dict] = field(default_factory=dict)
    success: int = 200
    response: dict | None = None  # schema of the success body; None for 204 or a file
    file_response: bool = False
    errors: tuple[int, ...] = (400, 401, 403, 404, 409, 422)
    tag: str = "dossiers"

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    def path_params(self) -> list[tuple[str, str]]:
        return [(name, conv or "string") for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.rule)]


ENDPOINTS: list[Endpoint] = []


def _field_of(error) -> str:
    """The request field a JSON-schema error is about."""
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return ".".join([*map(str, error.absolute_path), *missing[:1]])
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in allowed]
        return ".".join([*map(str, error.absolute_path), *extra[:1]])
    return ".".join(map(str, error.absolute_path)) or "body"


TYPE_NAMES = {"string": _l("text"), "integer": _l("a whole number"), "number": _l("a number"),
              "boolean": _l("true or false"), "object": _l("an object"), "array": _l("a list"), "null": "null"}


def _message_of(error) -> str:
    """A JSON-schema error in the reader's language (the validator's own messages are English)."""
    kind, value = error.validator, error.validator_value
    if kind == "required":
        return _("This field is required.")
    if kind == "additionalProperties":
        return _("There is no such field.")
    if kind == "type":
        names = [str(TYPE_NAMES.get(t, t)) for t in (value if isinstance(value, list) else [value])]
        return _("Must be %(type)s.", type=_(" or ").join(names))
    if kind == "format" and value == "date":
        return _("Must be a date written YYYY-MM-DD.")
    if kind == "maxLength":
        return _("At most %(n)d characters.", n=value)
    if kind == "minimum":
        return _("At least %(n)s.", n=value)
    if kind == "maximum":
        return _("At most %(n)s.", n=value)
    if kind == "enum":
        return _("Must be one of: %(values)s.", values=", ".join(map(str, value)))
    return _("Invalid value.")


def check_json(schema: dict, data: Any, components: dict) -> None:
    root = {**schema, "components": {"schemas": components}}  # so that "#/components/schemas/…" resolves
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        fields = {}
        for error in errors:
            fields.setdefault(_field_of(error), _message_of(error))
        raise ValidationFailed(_("The request does not match the API description: nothing was changed."), fields=fields)


def parse_query(params: dict[str, dict]) -> dict[str, Any]:
    """Typed query parameters; a value of the wrong type is a 400 naming the parameter."""
    values: dict[str, Any] = {}
    for name, schema in params.items():
        raw = request.args.get(name)
        if raw is None or raw == "":
            continue
        try:
            if schema.get("type") == "integer":
                value = int(raw)
                if not schema.get("minimum", -MAX_ID) <= value <= schema.get("maximum", MAX_ID):
                    raise ValueError
            elif schema.get("format") == "date":
                value = date.fromisoformat(raw)
            else:
                value = raw
                if "enum" in schema and value not in schema["enum"]:
                    raise ValueError
                if len(value) > schema.get("maxLength", 200):
                    raise ValueError
        except ValueError:
            raise BadRequest(_("Invalid value for %(name)s.", name=name), field=name) from None
        values[name] = value
    return values


def declare(bp, components: dict, authenticate: Callable) -> Callable:
    """The decorator: register an endpoint on the blueprint and in the OpenAPI document."""

    def endpoint(rule: str, method: str, summary: str, **options) -> Callable:
        def decorator(fn: Callable) -> Callable:
            spec = Endpoint(rule, method, fn.__name__, summary, **options)
            ENDPOINTS.append(spec)

            @wraps(fn)
            def view(**path_args):
                g.api_user = authenticate() if spec.auth else None
                kwargs = dict(path_args)
                if spec.query:
                    kwargs["query"] = parse_query(spec.query)
                if spec.body is not None:
                    data = request.get_json(silent=True)
                    if data is None:
                        raise BadRequest(_("Send a JSON object (Content-Type: application/json)."), field="body")
                    check_json(spec.body, data, components)
                    kwargs["body"] = data
                return fn(**kwargs)

            bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
            return fn

        return decorator

    return endpoint


def _parameter(name: str, where: str, schema: dict, required: bool) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema}


def openapi(components: dict, prefix: str, file_types: list[str]) -> dict:
    paths: dict[str, dict] = {}
    for spec in ENDPOINTS:
        operation: dict[str, Any] = {"operationId": spec.name, "summary": spec.summary, "tags": [spec.tag],
                                     "parameters": [], "responses": {}}
        for name, conv in spec.path_params():
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if conv == "int" else {"type": "string"}
            operation["parameters"].append(_parameter(name, "path", schema, True))
        for name, schema in spec.query.items():
            operation["parameters"].append(_parameter(name, "query", schema, False))
        if spec.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": spec.body}}}
        if spec.multipart is not None:
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": spec.multipart}}}
        if spec.response is not None:
            content = {"application/json": {"schema": spec.response}}
        elif spec.file_response:
            content = {t: {"schema": {"type": "string", "format": "binary"}} for t in file_types}
        else:
            content = None
        success = {"description": "Success"}
        if content:
            success["content"] = content
        operation["responses"][str(spec.success)] = success
        statuses = set(spec.errors) | ({401} if spec.auth else set())
        for status in sorted(statuses):
            operation["responses"][str(status)] = {
                "description": ERROR_STATUSES[status],
                "content": {"application/json": {"schema": ref("Error")}},
            }
        if spec.auth:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(prefix + spec.openapi_path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "ANTT recognition API", "version": "1.0.0",
                 "description": "Dossiers for the security-and-order criteria: open, fill, review, recognize; the audit trail."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
