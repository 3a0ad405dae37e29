"""Prose of the API document for shapes whose classes live in the domain and carry no descriptions of their own.

The domain's enums and models (`welt.domain`) are the source of each schema; this adds what a reader needs to know
about them. Request models and resources carry their own descriptions (docstrings and `Field(description=...)`).
"""

from __future__ import annotations

from typing import Any

ENUM_NOTES: dict[str, Any] = {
    "OrderType": {"description": "`MTO` is one pair; `MINI_BULK` and `BULK` are size runs at a lower price per pair (see the catalog)."},
    "PaymentState": {
        "description": "`NEEDS_REVIEW`: Stripe charged another amount or currency than the payment's. Nothing launches "
        "and nothing\n"
        "is released until staff look at it (`GET /admin/payments`).\n"
    },
    "UserState": {"description": "`invited`: has a temporary password; `active`: chose their own; `disabled`: cannot sign in."},
}

TIMELINE_EVENT_TYPES = [
    "CREATED",
    "EDITED",
    "CANCELLED",
    "PAYMENT_STARTED",
    "PAYMENT_RELEASED",
    "LAUNCHED_TO_PRODUCTION",
    "REFUNDED",
    "STAGE_CHANGED",
    "STAGE_MOVE_UNDONE",
    "GROUPED",
    "UNGROUPED",
    "SHIPPED",
    "DELIVERED",
]

MODEL_NOTES: dict[str, Any] = {
    "Design": {
        "properties": {
            "model": {"description": "A model id from the catalog.", "example": "derby"},
            "design_ref": {
                "description": "The 3D designer's reference, stored as is and searchable in the order pool.",
                "example": "3D-7731",
            },
        }
    },
    "Materials": {
        "description": "Material ids from the catalog, each allowed for the model and part.",
        "properties": {"upper": {"example": "calf-tan"}, "lining": {"example": "leather-natural"}, "sole": {"example": "leather-sole"}},
    },
    "SizeLine": {
        "properties": {
            "size": {
                "description": "An EU size from EU35 to EU48; half sizes as `EU42.5`.",
                "example": "EU42",
                "pattern": "^EU(3[5-9]|4[0-7])(\\.5)?$|^EU48$",
            }
        }
    },
    "ShippingAddress": {
        "properties": {
            "phone": {"example": "+49 30 1234567"},
            "email": {
                "description": 'One plain address (RFC 5322 addr-spec): no display name (`"X" '
                "<a@b.example>`), no second address, no quoted local part, no IP "
                "literal, no line break; ASCII before the `@`. Stored normalized "
                "(the domain in lower case).",
                "example": "mara@dmo.example",
                "format": "email",
                "pattern": '^[^@\\s"<>,;()\\[\\]]+@[^@\\s"<>,;()\\[\\]]+\\.[^@\\s"<>,;()\\[\\]]+$',
            },
        }
    },
    "Billing": {
        "description": "Who the invoice is made out to; order emails go to `email`.",
        "properties": {
            "vat_id": {
                "description": "The buyer's EU VAT ID with its country prefix (`DE123456788`, `EL…` for "
                "Greece). Its format and check\n"
                "digits are checked (422 when malformed); VIES is asked whether it is "
                "registered. When VIES does not\n"
                "confirm it, or cannot answer, the order carries IVA at 21%.\n"
            },
            "email": {
                "description": 'One plain address (RFC 5322 addr-spec): no display name (`"X" '
                "<a@b.example>`), no second address, no quoted local part, no IP literal, "
                "no line break; ASCII before the `@`. Stored normalized (the domain in "
                "lower case).",
                "format": "email",
                "pattern": '^[^@\\s"<>,;()\\[\\]]+@[^@\\s"<>,;()\\[\\]]+\\.[^@\\s"<>,;()\\[\\]]+$',
            },
        },
    },
    "Costs": {
        "description": "Integer cents. `net` = manufacturing + shipping + customization; `total` = net + vat. IVA follows "
        "where the\n"
        "shoes go and who buys them: 21% within Spain's VAT territory (peninsula, Balearics) and to an EU "
        "buyer\n"
        "without a VAT ID VIES confirms for the destination state; 0% for an intra-community supply (art. 25) "
        "and\n"
        "for exports, the Canary Islands, Ceuta and Melilla included (art. 21).\n",
        "properties": {
            "manufacturing": {
                "description": "Sum over the pairs of (model base + material surcharges) × the order type's factor, rounded per pair."  # noqa: RUF001
            },
            "shipping": {"description": "The zone's price per shipment + its price per pair × the pairs."},  # noqa: RUF001
            "customization": {"description": "The one-time stamp fee where it applies, else 0."},
            "net": {"description": "manufacturing + shipping + customization, before VAT."},
            "vat_rate_percent": {"description": "The Spanish IVA rate applied (21, or 0 for an exempt supply)."},
            "vat": {"description": "IVA on `net`, rounded half up to the cent."},
            "vat_note": {
                "description": "The legal reason when `vat` is 0 (art. 25 intra-community supply or art. 21 export, Ley 37/1992)."
            },
            "total": {"description": "net + vat, what the payment charges."},
            "vat_treatment": {"description": "Which IVA rule applied (null on orders priced before IVA was charged)."},
        },
    },
    "Tracking": {"properties": {"shipped_at": {"format": "date-time"}}},
    "CostSummary": {
        "properties": {
            "net": {"description": "manufacturing + shipping + customization, before VAT."},
            "vat_rate_percent": {"description": "The Spanish IVA rate applied (21, or 0 for an exempt supply)."},
            "vat": {"description": "IVA on `net`, rounded half up to the cent."},
            "vat_note": {
                "description": "The legal reason when `vat` is 0 (art. 25 intra-community supply or art. 21 export, Ley 37/1992)."
            },
            "total": {"description": "net + vat, what the payment charges."},
            "vat_treatment": {"description": "Which IVA rule applied (null on orders priced before IVA was charged)."},
        }
    },
}
