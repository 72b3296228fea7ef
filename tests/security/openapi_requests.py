"""Minimal valid requests for every operation of an OpenAPI document, and the role rule.

`probes(document, target_id, job_id, job_action)` walks every path and method; path ids
become the given user or job, required and optional query parameters and the JSON body
get the smallest values their schema accepts, and a body whose `action` is an enum
(the bulk jobs) gives one request per action.

`classify(probe)` is the rule of docs/API.md ("supervisor: read, reset-dialer, logout,
set status, bulk reset-dialer / logout / set-status; admin: everything"): reads and the
caller's own session are for both roles; every other operation is admin-only unless
the action it performs (the path's last segment, the bulk body's `action`, or for a
bulk job's cancel the job's action) is one of the supervisor's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

# "edit": PATCH /users/{id}; supervisors edit agents (issue 14), never a role.
SUPERVISOR_ACTIONS = frozenset({"reset-dialer", "logout", "set-status", "edit"})
SEGMENT_ACTIONS = {"status": "set-status"}  # PUT /users/{id}/status sets a status
Role = Literal["admin", "supervisor"]


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # the document's template
    path_values: tuple[tuple[str, int], ...]
    query: dict[str, Any]
    body: Any
    action: str | None

    @property
    def url(self) -> str:
        url = self.path
        for name, value in self.path_values:
            url = url.replace("{" + name + "}", str(value))
        return url

    @property
    def label(self) -> str:
        suffix = f" ({self.action})" if self.action else ""
        return f"{self.method} {self.path}{suffix}"

    def retarget(self, user_id: int) -> Probe:
        values = tuple((n, user_id if n == "user_id" else v) for n, v in self.path_values)
        return replace(self, path_values=values)


def classify(probe: Probe) -> Role:
    # /me/*: one's own account (issue 13), open to anyone signed in.
    if probe.method == "GET" or probe.path.startswith(("/api/v1/auth/", "/api/v1/me/")):
        return "supervisor"
    if probe.action in SUPERVISOR_ACTIONS:
        return "supervisor"
    # Saved views (issue 15): any console user keeps (and shares) their own.
    if probe.path.startswith("/api/v1/views"):
        return "supervisor"
    return "admin"


def probes(
    document: dict[str, Any], *, target_id: int, job_id: int, job_action: str
) -> list[Probe]:
    components = document.get("components", {}).get("schemas", {})
    out: list[Probe] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            values: list[tuple[str, int]] = []
            query: dict[str, Any] = {}
            for param in operation.get("parameters", []):
                schema = _resolve(param.get("schema", {}), components)
                if param["in"] == "path":
                    values.append((param["name"], job_id if "job" in param["name"] else target_id))
                elif param["in"] == "query":
                    query[param["name"]] = _minimal(schema, components, param["name"], target_id)
            body_schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            body = None if body_schema is None else _minimal(body_schema, components, "", target_id)
            base = Probe(method.upper(), path, tuple(values), query, body, _action(method, path))
            if "{job_id}/" in path:
                out.append(replace(base, action=job_action))
            elif isinstance(body, dict) and "action" in body:
                resolved = _resolve(body_schema or {}, components)
                actions = _resolve(resolved["properties"]["action"], components)["enum"]
                out += [replace(base, body=body | {"action": a}, action=a) for a in actions]
            else:
                out.append(base)
    return out


def _action(method: str, path: str) -> str | None:
    match = re.fullmatch(r"/api/v1/users/\{user_id\}(?:/([a-z0-9-]+))?", path)
    if match is None or method.upper() == "GET":
        return None
    if match.group(1) is None:
        return {"DELETE": "delete", "PATCH": "edit"}.get(method.upper())
    return SEGMENT_ACTIONS.get(match.group(1), match.group(1))


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _minimal(schema: dict[str, Any], components: dict[str, Any], name: str, target: int) -> Any:
    """The smallest value `schema` accepts; integers named like ids are the target."""
    schema = _resolve(schema, components)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, components).get("type") != "null"]
            return _minimal(options[0], components, name, target) if options else None
    if "allOf" in schema:
        return _minimal(schema["allOf"][0], components, name, target)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {
            key: _minimal(props[key], components, key, target) for key in schema.get("required", [])
        }
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [_minimal(schema.get("items", {}), components, name, target)] * count
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2026-01-01T00:00:00+00:00"
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind == "integer":
        if name.endswith("id") or name.endswith("ids"):
            return target
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    return None
