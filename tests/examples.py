"""Request bodies the tests (and the docs' examples) use: a valid checkout and its parts, and an order placed from it."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from welt.domain.model import Costs, Order

SHIPPING_ADDRESS: dict[str, Any] = {
    "name": "Mara Jensen",
    "company": "Demo Atelier",
    "line1": "Torstrasse 101",
    "city": "Berlin",
    "postal_code": "10119",
    "country": "DE",
    "phone": "+49 30 1234567",
    "email": "mara@dmo.example",
}

BILLING: dict[str, Any] = {
    "name": "Demo Atelier GmbH",
    "vat_id": "DE123456788",
    "email": "accounts@dmo.example",
    "address": {"line1": "Torstrasse 101", "city": "Berlin", "postal_code": "10119", "country": "DE"},
}

CHECKOUT: dict[str, Any] = {
    "type": "MTO",
    "design": {
        "model": "derby",
        "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"},
        "design_ref": "3D-7731",
    },
    "sizes": [{"size": "EU42", "pairs": 1}],
    "labeling": "UNLABELED",
    "shipping_address": SHIPPING_ADDRESS,
    "billing": BILLING,
}


def checkout(**changes: Any) -> dict[str, Any]:
    """A valid checkout body with top-level fields replaced."""
    body = copy.deepcopy(CHECKOUT)
    body.update(changes)
    return body


def mini_bulk(**changes: Any) -> dict[str, Any]:
    return checkout(type="MINI_BULK", sizes=[{"size": "EU40", "pairs": 4}, {"size": "EU41.5", "pairs": 6}], **changes)


def example_order(*, at: datetime, costs: Costs, brand: str = "DMO", seq: int = 1, actor: str = "brand:DMO:u1", **changes: Any) -> Order:
    """An order placed as checkout places one, from the example checkout with `changes` over its fields: the one place
    in the tests that spells out what an order is placed with."""
    return Order.place(at=at, actor=actor, brand=brand, seq=seq, costs=costs, **{**CHECKOUT, **changes})
