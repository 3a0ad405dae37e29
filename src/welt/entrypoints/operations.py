"""What a route declares about itself for the API document, and the links from what it creates.

`WeltApi.route` records one `Operation` per route; `welt.entrypoints.contract` turns them into docs/api/openapi.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from welt.domain.errors import WeltError


@dataclass(frozen=True)
class Operation:
    """What one route declares about itself: the API document (`make openapi`) is generated from these.

    The view's docstring is the operation's summary (first line) and description (the rest).
    """

    path: str
    method: str
    operation_id: str
    tags: tuple[str, ...]
    callers: tuple[str, ...]
    summary: str
    description: str | None
    status: int
    answer: str  # what the successful answer is, in words
    response: Any  # the resource (a TypedDict) or None for a file
    media: str = "application/json"
    request: Any = None  # the body's model
    example: Mapping[str, Any] | None = None  # a body that works
    query: type[BaseModel] | None = None
    query_fields: tuple[str, ...] | None = None  # the query model's fields this route reads, when not all
    errors: tuple[type[WeltError], ...] = ()
    headers: tuple[str, ...] = ()  # request headers, by component name (IdempotencyKey, IfMatch, IfMatchOptional)
    answer_headers: tuple[str, ...] = ()  # ETag, Content-Disposition
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    public: bool = False
    staff: bool = False


def links_to(parameter: str, *operations: str, field: str | None = None, versioned: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The document's links from a created resource to the operations on it: each is given the path `parameter`
    from the answer's `field` (by default of the same name), and those in `versioned` its `ETag` as `If-Match`,
    so a client, or a stateful test, can follow them."""
    links = {}
    for operation in operations:
        parameters = {parameter: f"$response.body#/{field or parameter}"}
        if operation in versioned:
            parameters["header.If-Match"] = "$response.header.ETag"
        links[operation[0].upper() + operation[1:]] = {"operationId": operation, "parameters": parameters}
    return links
