"""The API document, generated: `make openapi` writes docs/api/openapi.yaml from both apps' routes and their models.

Each route declares its operation (`WeltApi.route`); the answers' schemas come from the resources
(`welt.services.resources`), the bodies' from the request models, the errors from `problems.PROBLEMS`, the fixed
prose from `contract_frame` and the domain shapes' descriptions from `contract_notes`. A test fails when the
committed document differs from what this module builds.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter

from welt.domain.model import Labeling, OrderStatus, OrderType, PaymentStatus, ProductionStage, StampStatus
from welt.domain.payment import PaymentState
from welt.domain.shipping_group import GroupStatus
from welt.domain.team import UserState
from welt.domain.vat import VatTreatment
from welt.entrypoints import contract_frame as frame
from welt.entrypoints import contract_notes as notes
from welt.entrypoints.operations import Operation
from welt.entrypoints.problems import PROBLEMS
from welt.services.resources import SCHEMA_NAMED, Problem

ENUMS: tuple[type[Enum], ...] = (
    OrderType,
    OrderStatus,
    PaymentStatus,
    ProductionStage,
    Labeling,
    StampStatus,
    PaymentState,
    GroupStatus,
    UserState,
    VatTreatment,
)
PATH_PARAMETERS = {
    "order_number": "OrderNumber",
    "group_id": "GroupId",
    "payment_id": "PaymentId",
    "code": "BrandCode",
    "email": "UserEmail",
    "address_id": "AddressId",
    "number": "RectifyingInvoiceNumber",
}
# The error answers by status, named as the document's shared responses.
RESPONSE_NAMES = {answer["status"]: name for name, answer in frame.PROBLEM_ANSWERS.items()}
# Objects whose every key is named: an answer with another key does not match the document.
OPEN_OBJECTS = {"StripeEvent", "StripeEventData"}
REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def component_name(model: Any) -> str:
    return _renamed(model.__name__)


# ---------------------------------------------------------------- schemas


def _tidy(node: Any) -> Any:
    """pydantic's schema, as a reader wants it: no generated titles, no defaults of null, refs by our names."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    if SCHEMA_NAMED in node:
        node = {"$ref": REF.format(model=node[SCHEMA_NAMED]), **{k: v for k, v in node.items() if k != SCHEMA_NAMED}}
    tidy = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key == "$ref":
            value = REF.format(model=_renamed(value.rsplit("/", 1)[-1]))
        if key == "properties" and isinstance(value, dict):
            tidy[key] = {name: _tidy(schema) for name, schema in value.items()}
            continue
        tidy[key] = _tidy(value)
    return tidy


def _renamed(name: str) -> str:
    return {"NewGroup": "NewShippingGroup"}.get(name, name.removesuffix("Resource"))


def _noted(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The prose the domain's classes do not carry themselves (`contract_notes`)."""
    noted = notes.MODEL_NOTES.get(name, {})
    if "description" in noted:
        schema["description"] = noted["description"]
    for prop, extra in noted.get("properties", {}).items():
        target = schema["properties"][prop]
        for key, value in extra.items():
            if key == "items_pattern":
                target.setdefault("items", {})["pattern"] = value
            elif key == "pattern" and "anyOf" in target:
                next(option for option in target["anyOf"] if option.get("type") == "string")["pattern"] = value
            else:
                target[key] = value
    return schema


def _closed(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "object" and "properties" in schema and name not in OPEN_OBJECTS:
        schema.setdefault("additionalProperties", False)
    return schema


def schemas(operations: Iterable[Operation]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def add(model: Any, mode: str) -> None:
        # A request model says itself whether it refuses unknown fields (pydantic writes `additionalProperties`);
        # a resource (a TypedDict) is what Welt answers, so it has no key it does not name.
        resource = not (isinstance(model, type) and issubclass(model, BaseModel))
        if resource:
            generated = TypeAdapter(model).json_schema(mode=mode, ref_template=REF)  # type: ignore[arg-type]
        else:
            generated = model.model_json_schema(mode=mode, ref_template=REF)  # type: ignore[arg-type]
        for name, schema in {**generated.pop("$defs", {}), component_name(model): generated}.items():
            name = _renamed(name)
            if name not in found:
                noted = _noted(name, _tidy(schema))
                found[name] = _closed(name, noted) if resource else noted

    add(Problem, "serialization")
    for operation in operations:
        if operation.response is not None:
            add(operation.response, "serialization")
        if operation.request is not None:
            add(operation.request, "validation")
    # The domain's shapes the resources refer to by name.
    from welt.domain.model import Costs, Tracking
    from welt.domain.payment import CostSummary

    for model in (Costs, Tracking, CostSummary):
        schema = _noted(model.__name__, _tidy(model.model_json_schema(mode="serialization")))
        schema["required"] = list(schema["properties"])  # an answer dumps every field, defaults included
        found[model.__name__] = _closed(model.__name__, schema)
    for kind in ENUMS:
        found[kind.__name__] = {"type": "string", "enum": [member.value for member in kind], **notes.ENUM_NOTES.get(kind.__name__, {})}
    found["TimelineEventType"] = {"type": "string", "enum": notes.TIMELINE_EVENT_TYPES}
    return {"Problem": found.pop("Problem"), "FieldError": found.pop("FieldError"), **dict(sorted(found.items()))}


# ---------------------------------------------------------------- operations


def _query_parameters(operation: Operation) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    schema = _tidy(operation.query.model_json_schema(ref_template=REF))
    parameters = []
    for name, field in schema["properties"].items():
        if operation.query_fields is not None and name not in operation.query_fields:
            continue
        field = copy.deepcopy(field)
        description = field.pop("description", None)
        if "anyOf" in field:  # `X | None`: an empty or absent parameter is None
            options = [option for option in field.pop("anyOf") if option.get("type") != "null"]
            field = {**options[0], **field} if len(options) == 1 else {"anyOf": options, **field}
        parameter = {"name": name, "in": "query", "allowEmptyValue": True, **({"description": description} if description else {})}
        parameters.append({**parameter, "schema": field})
    return parameters


def _responses(operation: Operation) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": operation.answer}
    headers = {
        name: {"$ref": "#/components/headers/ETag"} if name == "ETag" else frame.CONTENT_DISPOSITION for name in operation.answer_headers
    }
    if headers:
        answer["headers"] = headers
    if operation.response is None:
        answer["content"] = {operation.media: {"schema": {"type": "string", "contentMediaType": operation.media}}}
    else:
        answer["content"] = {operation.media: {"schema": ref(component_name(operation.response))}}
    if operation.links:
        answer["links"] = {name: dict(link) for name, link in operation.links.items()}
    statuses = {PROBLEMS[error][0] for error in operation.errors}
    if not operation.public:
        statuses |= {401, 503}
    if operation.staff:
        statuses.add(403)
    responses: dict[str, Any] = {str(operation.status): answer}
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/{RESPONSE_NAMES[status]}"}
    return responses


class UndeclaredRouteError(ValueError):
    """A route registered without saying what it is for the document."""


def _operation(operation: Operation) -> dict[str, Any]:
    if not (operation.tags and operation.answer and operation.summary):
        raise UndeclaredRouteError(
            f"{operation.method.upper()} {operation.path}: declare operation=, tags= and answer= on its route, and give its view"
            " a docstring (summary line, then the description)"
        )
    built: dict[str, Any] = {
        "operationId": operation.operation_id,
        "x-welt-callers": list(operation.callers),
        "tags": list(operation.tags),
        "summary": operation.summary,
    }
    if operation.description:
        built["description"] = operation.description
    if operation.public:
        built["security"] = []
    parameters = [{"$ref": f"#/components/parameters/{name}"} for name in operation.headers] + _query_parameters(operation)
    if parameters:
        built["parameters"] = parameters
    if operation.request is not None:
        body: dict[str, Any] = {"schema": ref(component_name(operation.request))}
        if operation.example is not None:
            body["example"] = dict(operation.example)
        built["requestBody"] = {"required": True, "content": {"application/json": body}}
    built["responses"] = _responses(operation)
    return built


def paths(apis: Sequence[tuple[str, Sequence[Operation]]]) -> dict[str, Any]:
    """Every route of every API; a path served by other APIs than the first names its servers."""
    served: dict[str, list[dict[str, str]]] = {}
    items: dict[str, dict[str, Any]] = {}
    for server, operations in apis:
        for operation in operations:
            item = items.setdefault(operation.path, {})
            servers = served.setdefault(operation.path, [])
            if not any(existing["url"] == server for existing in servers):
                servers.append({"url": server, "description": f"{SERVER_NAMES[server]} (local stack)"})
            if operation.method not in item:
                item[operation.method] = _operation(operation)
    document_paths: dict[str, Any] = {}
    default = frame.FRAME["servers"][0]["url"]
    for path, item in items.items():
        head: dict[str, Any] = {}
        if [server["url"] for server in served[path]] != [default]:
            head["servers"] = served[path]
        names = re.findall(r"{(\w+)}", path)
        if names:
            head["parameters"] = [{"$ref": f"#/components/parameters/{PATH_PARAMETERS[name]}"} for name in names]
        document_paths[path] = {**head, **item}
    return document_paths


ORDERS_SERVER = "http://127.0.0.1:8001"
PAYMENTS_SERVER = "http://127.0.0.1:8002"
SERVER_NAMES = {ORDERS_SERVER: "orders API", PAYMENTS_SERVER: "payments API"}


def problem_responses() -> dict[str, Any]:
    slugs = {status: (slug, title) for status, slug, title in PROBLEMS.values()}
    built = {}
    for name, answer in frame.PROBLEM_ANSWERS.items():
        slug, title = slugs[answer["status"]]
        example = {
            "type": f"/problems/{slug}",
            "title": title,
            "status": answer["status"],
            "detail": answer["detail"],
            "errors": answer["errors"],
        }
        response: dict[str, Any] = {"description": answer["description"]}
        if "headers" in answer:
            response["headers"] = answer["headers"]
        response["content"] = {"application/problem+json": {"schema": ref("Problem"), "example": example}}
        built[name] = response
    return built


def document(orders: Sequence[Operation], payments: Sequence[Operation]) -> dict[str, Any]:
    apis = [(ORDERS_SERVER, orders), (PAYMENTS_SERVER, payments)]
    return {
        **frame.FRAME,
        "paths": paths(apis),
        "components": {
            "securitySchemes": frame.SECURITY_SCHEMES,
            "headers": frame.HEADERS,
            "parameters": frame.PARAMETERS,
            "responses": problem_responses(),
            "schemas": schemas([*orders, *payments]),
        },
    }


class _Writer(yaml.SafeDumper):
    """YAML a person reads: block text for prose over one line, keys in the order built."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Writer.add_representer(str, _text)


def as_yaml(built: dict[str, Any]) -> str:
    header = "# Generated by `make openapi` from the routes (functions/*/app.py) and their models; edit those, not this file.\n"
    return header + yaml.dump(built, Dumper=_Writer, sort_keys=False, allow_unicode=True, width=120)
