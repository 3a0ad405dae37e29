"""Renders the OpenAPI document (docs/api/openapi.yaml) into the API reference page at build time.

A page asks for it with `<!-- openapi:reference -->`; the same document is what the end-to-end tests check
against the running APIs, so the reference and the APIs cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import yaml
from mkdocs.exceptions import PluginError

PLACEHOLDER = re.compile(r"<!--\s*openapi:reference\s*-->")
DOCUMENT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "api", "openapi.yaml")
METHODS = ("get", "post", "put", "patch", "delete")
CALLERS = {
    "anyone": "anyone",
    "brand": "brand users",
    "staff": "factory staff",
    "stripe": "Stripe (signed, no token)",
}


def load() -> dict[str, Any]:
    with open(DOCUMENT, encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def anchor(name: str) -> str:
    return "schema-" + name.lower()


def cell(text: Any) -> str:
    """Text fit for one table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        target: Any = document
        for part in parts:
            target = target[part]
        node = target
    return node


def type_of(schema: dict[str, Any]) -> str:
    """A schema as a reader would say it: `string`, `array of SizeLine`, `Labeling or null`."""
    if "$ref" in schema:
        name = ref_name(schema["$ref"])
        return f"[{name}](#{anchor(name)})"
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " or ".join(type_of(option) for option in schema[combinator])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    names = []
    for kind in kinds:
        if kind == "array":
            items = schema.get("items", {})
            names.append(f"array of {type_of(items)}" if items else "array")
        elif kind == "string" and "format" in schema:
            names.append(f"string ({schema['format']})")
        else:
            names.append(str(kind))
    return " or ".join(names)


def constraints(schema: dict[str, Any]) -> str:
    said = []
    if "minLength" in schema or "maxLength" in schema:
        low, high = schema.get("minLength"), schema.get("maxLength")
        said.append(
            f"{low} to {high} characters" if low and high else f"at most {high} characters" if high else f"at least {low} characters"
        )
    if "minimum" in schema or "maximum" in schema:
        low, high = schema.get("minimum"), schema.get("maximum")
        said.append(
            f"{low} to {high}" if low is not None and high is not None else f"at most {high}" if high is not None else f"at least {low}"
        )
    if "minItems" in schema or "maxItems" in schema:
        low, high = schema.get("minItems"), schema.get("maxItems")
        said.append(f"{low} to {high} items" if low and high else f"at most {high} items" if high else f"at least {low} items")
    if "pattern" in schema:
        said.append(f"pattern `{schema['pattern']}`")
    if "default" in schema:
        said.append(f"default `{schema['default']}`")
    if schema.get("uniqueItems"):
        said.append("no repeats")
    return "; ".join(said)


def describe(schema: dict[str, Any]) -> str:
    parts = [schema.get("description", "")]
    if "items" in schema and isinstance(schema["items"], dict):
        item_rules = constraints(schema["items"])
        if item_rules:
            parts.append(f"Each: {item_rules}.")
    rules = constraints(schema)
    if rules:
        parts.append(f"({rules})")
    return cell(" ".join(part for part in parts if part))


def example_block(title: str, value: Any) -> str:
    body = json.dumps(value, indent=2, ensure_ascii=False)
    indented = "\n".join("    " + line for line in ["```json", *body.splitlines(), "```"])
    return f'??? example "{title}"\n{indented}\n'


def api_of(document: dict[str, Any], path_item: dict[str, Any]) -> str:
    servers = path_item.get("servers") or document.get("servers") or []
    names = [server.get("description", server["url"]).split(" (")[0] for server in servers]
    return " and ".join(names)


def parameters_section(document: dict[str, Any], parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = []
    for parameter in (resolve(document, p) for p in parameters):
        schema = parameter.get("schema", {})
        note = describe({**schema, "description": parameter.get("description", "")})
        if parameter.get("allowEmptyValue"):
            note = cell(f"{note} An empty value is the same as leaving it out.")
        rows.append(
            f"| `{parameter['name']}` | {parameter['in']} | {type_of(schema)} | {'yes' if parameter.get('required') else 'no'} | {note} |"
        )
    return "**Parameters**\n\n| name | in | type | required | description |\n| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"


def body_section(document: dict[str, Any], body: dict[str, Any] | None) -> str:
    if not body:
        return ""
    out = []
    for media, content in body.get("content", {}).items():
        schema = content.get("schema", {})
        out.append(f"**Request body** (`{media}`, {'required' if body.get('required') else 'optional'}): {type_of(schema)}\n")
        if "example" in content:
            out.append(example_block("Example request body", content["example"]))
    return "\n".join(out)


def responses_section(document: dict[str, Any], responses: dict[str, Any]) -> str:
    rows = []
    for status, response in responses.items():
        response = resolve(document, response)
        bodies = [f"{type_of(c.get('schema', {}))} (`{media}`)" for media, c in response.get("content", {}).items()]
        headers = ", ".join(f"`{name}`" for name in response.get("headers", {}))
        extra = f" Headers: {headers}." if headers else ""
        rows.append(f"| `{status}` | {cell(response.get('description', ''))}{extra} | {'; '.join(bodies) or '-'} |")
    return "**Responses**\n\n| status | when | body |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"


def operation_section(document: dict[str, Any], path: str, method: str, path_item: dict[str, Any], operation: dict[str, Any]) -> str:
    callers = [CALLERS[c] for c in operation.get("x-welt-callers", [])]
    if not callers:
        raise PluginError(f"openapi.yaml: {method.upper()} {path} does not say who may call it (x-welt-callers)")
    auth = "no token" if operation.get("security") == [] else "`Authorization: Bearer <ID token>`"
    lines = [
        f"### {operation['summary']} {{ #{operation['operationId'].lower()} }}\n",
        f"`{method.upper()} {path}` on the {api_of(document, path_item)}. Who: {', '.join(callers)}. Auth: {auth}.\n",
    ]
    if operation.get("description"):
        lines.append(operation["description"].strip() + "\n")
    parameters = [*path_item.get("parameters", []), *operation.get("parameters", [])]
    for section in (
        parameters_section(document, parameters),
        body_section(document, operation.get("requestBody")),
        responses_section(document, operation["responses"]),
    ):
        if section:
            lines.append(section)
    return "\n".join(lines)


def schema_section(document: dict[str, Any], name: str, schema: dict[str, Any]) -> str:
    lines = [f"### {name} {{ #{anchor(name)} }}\n"]
    if schema.get("description"):
        lines.append(cell(schema["description"]) + "\n")
    properties = schema.get("properties")
    if properties:
        required = set(schema.get("required", []))
        rows = [
            f"| `{field}` | {type_of(spec)} | {'yes' if field in required else 'no'} | {describe(spec)} |"
            for field, spec in properties.items()
        ]
        lines.append("| field | type | always there | description |\n| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")
        if schema.get("additionalProperties") is False:
            lines.append("No other fields are accepted or sent.\n")
        elif "additionalProperties" not in schema:
            lines.append("Other fields are ignored.\n")
    else:
        summary = type_of(schema)
        rules = constraints(schema)
        lines.append(f"{summary}{f' ({rules})' if rules else ''}.\n")
    return "\n".join(lines)


def render(document: dict[str, Any]) -> str:
    by_tag: dict[str, list[str]] = {tag["name"]: [] for tag in document.get("tags", [])}
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            tag = operation["tags"][0]
            if tag not in by_tag:
                raise PluginError(f"openapi.yaml: {method.upper()} {path} has tag {tag!r}, which is not declared")
            by_tag[tag].append(operation_section(document, path, method, path_item, operation))
    out = []
    for tag in document.get("tags", []):
        out.append(f"## {tag['name']}\n\n{tag.get('description', '')}\n")
        out.extend(by_tag[tag["name"]])
    out.append("## Schemas\n\nThe shapes the operations above take and answer with.\n")
    for name, schema in document["components"]["schemas"].items():
        out.append(schema_section(document, name, schema))
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if not PLACEHOLDER.search(markdown):
        return markdown
    rendered = render(load())
    return PLACEHOLDER.sub(lambda _: rendered, markdown)
