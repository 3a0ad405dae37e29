"""problem+json: every domain error's HTTP status, type and title, here and nowhere else, and the field problems
of a request that did not validate.
"""

from __future__ import annotations

import json

from chalice import Response
from pydantic import ValidationError

from welt.domain.errors import (
    AuthenticationError,
    FieldProblem,
    ForbiddenError,
    IdempotencyKeyReusedError,
    MalformedRequestError,
    NotFoundError,
    PreconditionRequiredError,
    RequestInProgressError,
    ServiceUnavailableError,
    StateConflictError,
    TooManyRequestsError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
    VersionMismatchError,
    WeltError,
)
from welt.services.resources import Problem

PROBLEM_JSON = "application/problem+json"

# status, problem type slug, title
PROBLEMS: dict[type[WeltError], tuple[int, str, str]] = {
    MalformedRequestError: (400, "malformed-request", "Malformed request"),
    AuthenticationError: (401, "unauthenticated", "Not signed in"),
    ForbiddenError: (403, "forbidden", "Not allowed"),
    NotFoundError: (404, "not-found", "Not found"),
    StateConflictError: (409, "state-conflict", "Conflict with the current state"),
    RequestInProgressError: (409, "request-in-progress", "Request in progress"),
    VersionMismatchError: (412, "version-mismatch", "Version does not match"),
    UnsupportedMediaTypeError: (415, "unsupported-media-type", "Unsupported media type"),
    ValidationFailedError: (422, "validation-failed", "Validation failed"),
    IdempotencyKeyReusedError: (422, "idempotency-key-reused", "Idempotency-Key reused"),
    PreconditionRequiredError: (428, "precondition-required", "Precondition required"),
    TooManyRequestsError: (429, "too-many-requests", "Too many requests"),
    ServiceUnavailableError: (503, "service-unavailable", "Service unavailable"),
}
# Answers Chalice gives before a view runs, as (slug, title).
FRAMEWORK_PROBLEMS = {
    400: ("malformed-request", "Malformed request"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    415: ("unsupported-media-type", "Unsupported media type"),
    500: ("internal-error", "Internal error"),
}


def problem(
    status: int, slug: str, title: str, detail: str, errors: list[FieldProblem] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: Problem = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [{"loc": list(e.loc), "msg": e.msg} for e in errors or []],
    }
    return Response(body=json.dumps(body), status_code=status, headers={"Content-Type": PROBLEM_JSON, **(headers or {})})


REQUEST_PARTS = ("body", "header", "query", "path")


def _located(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Field problems found by the services name body fields; say so, as pydantic's do."""
    return [p if p.loc and p.loc[0] in REQUEST_PARTS else FieldProblem(("body", *p.loc), p.msg) for p in problems]


def problem_for(error: WeltError) -> Response:
    for kind in type(error).__mro__:
        if kind in PROBLEMS:
            status, slug, title = PROBLEMS[kind]
            headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequestsError) else None
            return problem(status, slug, title, error.detail, _located(error.errors), headers=headers)
    return problem(500, "internal-error", "Internal error", "Something went wrong on our side.")


# What a field's pattern means, in words a buyer understands (pydantic would quote the regex).
PATTERN_MEANING = {
    "phone": "must be a phone number: digits, spaces, + ( ) . / - (at least 5)",
    "email": "must be an email address such as name@example.com",
    "country": "must be a two-letter country code such as DE",
    "tracking_number": "may hold only letters, digits, spaces and dashes",
    "tracking_url": "must be a web address starting with http:// or https://",
    "payment_method": "must be a Stripe payment method id such as pm_...",
    "brand": "must be a three-letter brand code such as DMO",
    "order_numbers": "must be an order number such as 00042-DMO",
    "order_number": "must be an order number such as 00042-DMO",
    "shipping_group_id": "must be a shipping group id such as G0007-DMO",
}


def field_problems(error: ValidationError, prefix: tuple[str, ...]) -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"]
        field = next((part for part in reversed(item["loc"]) if isinstance(part, str)), "")
        if item["type"] == "string_pattern_mismatch":
            message = PATTERN_MEANING.get(field, "has an invalid format")
        problems.append(FieldProblem((*prefix, *item["loc"]), message))
    return problems
