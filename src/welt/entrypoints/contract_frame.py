"""The fixed parts of the API document: who it is for, its tags, the shared parameters and headers, and the text
and example of each kind of error.

`welt.entrypoints.contract` builds the rest from the routes and the models; `make openapi` writes the whole.
"""

from __future__ import annotations

from typing import Any

FRAME: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Welt order desk API",
        "version": "1.0",
        "summary": "Check out, pay, group and follow made-to-order shoes at Welt Footwear Manufacturing.",
        "description": "Two HTTP APIs share one contract:\n"
        "\n"
        "* the **orders API** (catalog, checkout, the order pool, edits, quotes, shipping groups, and the "
        "staff\n"
        "  routes under `/admin`), and\n"
        "* the **payments API** (`/payments`, invoices and Stripe's webhook).\n"
        "\n"
        "Money is integer cents of EUR. Times are UTC ISO-8601. Every error is `application/problem+json`.\n"
        "Sign in with Cognito and send the **ID token** as `Authorization: Bearer <token>`; the brand comes "
        "from the\n"
        "token's `custom:brand` claim, never from the request.\n"
        "\n"
        "The servers below are the local stack's (`make dev`). A deployed stage has one address per API.\n",
        "contact": {"name": "Welt Footwear Manufacturing", "email": "billing@welt.example"},
    },
    "servers": [{"url": "http://127.0.0.1:8001", "description": "orders API (local stack)"}],
    "security": [{"cognito": []}],
    "tags": [
        {"name": "Health", "description": "Is the API up? No token needed."},
        {"name": "Catalog and brand", "description": "What the factory makes and what it costs; who you are."},
        {"name": "Orders", "description": "Checkout, the order pool, one order, edits, cancellation and the timeline."},
        {"name": "Quotes", "description": "Prices without saving anything."},
        {"name": "Custom stamps", "description": "Your logo's stamps: artwork upload, the proof to approve, the expected date."},
        {"name": "Shipping groups", "description": "Several MTO orders to one address, paid and shipped as one shipment."},
        {"name": "Staff", "description": "Factory staff only (Cognito group `staff`); a brand user gets 403."},
        {
            "name": "Payments",
            "description": "Cost summary, server-side card confirmation with Stripe, 3-D Secure and invoices (payments API).",
        },
        {"name": "Webhooks", "description": "Stripe's signed events (payments API)."},
    ],
}

SECURITY_SCHEMES: dict[str, Any] = {
    "cognito": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Cognito **ID token** (not the access token) from the Welt user pool, e.g. from "
        "`USER_PASSWORD_AUTH`.\n"
        "Brand users carry `custom:brand` (a 3-letter code); staff are in the `staff` group "
        "(`cognito:groups`).\n",
    }
}

HEADERS: dict[str, Any] = {
    "ETag": {
        "description": 'The object\'s `version`, quoted (`"3"`); send it back as `If-Match` to edit.',
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    }
}

PARAMETERS: dict[str, Any] = {
    "OrderNumber": {
        "name": "order_number",
        "in": "path",
        "required": True,
        "description": "The order number, `{sequence:05d}-{BRAND}`.",
        "schema": {"type": "string", "pattern": "^[0-9]{5,12}-[A-Z]{3}$", "example": "00042-DMO"},
    },
    "GroupId": {
        "name": "group_id",
        "in": "path",
        "required": True,
        "description": "The shipping group id, `G{sequence:04d}-{BRAND}`.",
        "schema": {"type": "string", "pattern": "^G[0-9]{4,12}-[A-Z]{3}$", "example": "G0007-DMO"},
    },
    "AddressId": {
        "name": "address_id",
        "in": "path",
        "required": True,
        "description": "A saved address's id, `A` and 12 hex digits.",
        "schema": {"type": "string", "pattern": "^A[0-9a-f]{12}$", "example": "A3f9c02d41b7e"},
    },
    "RectifyingInvoiceNumber": {
        "name": "number",
        "in": "path",
        "required": True,
        "description": "A rectifying invoice's number, as the payment's `rectifying_invoices` lists it.",
        "schema": {"type": "string", "maxLength": 32, "example": "RECT-2026-000001"},
    },
    "PaymentId": {
        "name": "payment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^pay_[0-9a-f]{24}$", "example": "pay_ed91e3a16fbc7493b23d214f"},
    },
    "BrandCode": {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "DMO"}},
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "description": "Any unique string per intended request (a UUID does well), at most 255 printable characters.",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$",
            "example": "5b0e7a4e-2a64-4d8a-9a8e-6b1f2f0c7d11",
        },
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "description": 'The `version` you last read (`3`, `"3"` or `W/"3"`), as the `ETag` header gave it.',
        "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$', "example": '"3"'},
    },
    "IfMatchOptional": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "If sent, the `version` you last read; a newer version answers 412, an empty value 400.",
        "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$', "example": '"3"'},
    },
    "UserEmail": {
        "name": "email",
        "in": "path",
        "required": True,
        "description": "The user's email (`@` may be sent as `%40`).",
        "schema": {"type": "string", "maxLength": 254, "pattern": "^[^@\\s/]+@[^@\\s/]+\\.[^@\\s/]+$", "example": "ana@xyz.example"},
    },
    "StripeSignature": {
        "name": "Stripe-Signature",
        "in": "header",
        "required": True,
        "description": '`t=<unix time>,v1=<HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>`',
        "schema": {"type": "string", "example": "t=1795784560,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"},
    },
}

CONTENT_DISPOSITION: dict[str, Any] = {
    "description": '`attachment; filename="INV-2026-000042.pdf"`',
    "required": True,
    "schema": {"type": "string", "pattern": '^attachment; filename="INV-[0-9]{4}-[0-9]{6}\\.pdf"$'},
}

PROBLEM_ANSWERS: dict[str, Any] = {
    "BadRequest": {
        "status": 400,
        "description": "Malformed request (not JSON, a malformed header, a cursor not issued for this listing, a bad webhook signature).",
        "detail": "The body is not valid JSON.",
        "errors": [{"loc": ["body"], "msg": "not valid JSON"}],
    },
    "TooManyRequests": {
        "status": 429,
        "description": "The brand used up this clock hour's card confirmations. Nothing changed; try again after `Retry-After`.",
        "detail": "Your brand has confirmed 20 card payments this hour, the most allowed; try again later.",
        "errors": [],
        "headers": {
            "Retry-After": {
                "description": "Seconds until the next clock hour, when the count starts again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    "ServiceUnavailable": {
        "status": 503,
        "description": "The user pool's signing keys cannot be fetched (the caller is still signed in), or the "
        "card payment service refused the call before charging anything. Nothing changed; send "
        "the same request again shortly.",
        "detail": "Sign-in cannot be checked right now; try again in a minute.",
        "errors": [],
    },
    "Unauthenticated": {
        "status": 401,
        "description": "No token, or a token that is malformed, expired, wrongly signed or not an ID token; on "
        "staff routes (`/admin/...`) also a token issued before the user's sign-ins were revoked "
        "(disabled, or removed from staff).",
        "detail": "The token has expired; sign in again.",
        "errors": [],
    },
    "Forbidden": {
        "status": 403,
        "description": "The caller's role does not allow it (a brand user on `/admin`, staff on a brand-only action).",
        "detail": "This is for factory staff.",
        "errors": [],
    },
    "NotFound": {
        "status": 404,
        "description": "No such object for this caller; another brand's object answers the same.",
        "detail": "No order 00042-DMO in your order pool.",
        "errors": [],
    },
    "Conflict": {
        "status": 409,
        "description": "The object's state does not allow it now (`/problems/state-conflict`), or a request with the same "
        "Idempotency-Key is still running (`/problems/request-in-progress`). Nothing changed.",
        "detail": "Order 00042-DMO cannot be edited: its payment is PROCESSING.",
        "errors": [],
    },
    "PreconditionFailed": {
        "status": 412,
        "description": "`If-Match` names a version that is no longer current: read the object again.",
        "detail": "Order 00042-DMO is at version 5, not 4; reload it and try again.",
        "errors": [],
    },
    "UnsupportedMediaType": {
        "status": 415,
        "description": "The body is not sent as `application/json`.",
        "detail": "Send the body as application/json.",
        "errors": [],
    },
    "ValidationFailed": {
        "status": 422,
        "description": "Readable, but breaks a rule; `errors` names each field (`/problems/validation-failed`), or "
        "an Idempotency-Key was reused with another body (`/problems/idempotency-key-reused`).",
        "detail": "The order cannot be made as described.",
        "errors": [
            {
                "loc": ["body", "design", "materials", "sole"],
                "msg": "'crepe' is not offered for Derby soles; choose one of leather-sole, rubber-commando",
            }
        ],
    },
    "PreconditionRequired": {
        "status": 428,
        "description": "`Idempotency-Key` or `If-Match` is missing.",
        "detail": "Send an Idempotency-Key header so a retry cannot place the order twice.",
        "errors": [{"loc": ["header", "Idempotency-Key"], "msg": "missing"}],
    },
}
