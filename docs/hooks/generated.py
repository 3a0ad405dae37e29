"""Tables and figures the help center takes from Welt's code and catalog at build time, so they cannot drift.

A page asks for one with a placeholder, `<!-- welt:NAME -->` (a whole table on a line of its own, or a figure
inside a sentence). An unknown name, or a status, stage or event the code has and these pages do not explain,
stops the build.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pycountry
from mkdocs.exceptions import PluginError

from welt.adapters import idempotency, stripe_gateway, tables
from welt.adapters.cognito import CognitoTokenVerifier
from welt.domain import labels, pricing, ship_dates, vat
from welt.domain import model as order_model
from welt.domain.catalog import PARTS, Catalog, load_catalog
from welt.domain.invoice import factory_seller
from welt.domain.model import (
    EU_SIZE,
    Design,
    Labeling,
    OrderStatus,
    OrderType,
    PaymentStatus,
    ProductionStage,
    SizeLine,
    StampStatus,
)
from welt.domain.payment import PaymentState
from welt.domain.shipping_group import MAX_ORDERS, MIN_ORDERS, GroupStatus
from welt.entrypoints import problems
from welt.services import notifications, orders, payments
from welt.services.ports import GROUPABLE_LIMIT
from welt_stack import seed, stack

PLACEHOLDER = re.compile(r"<!--\s*welt:([a-z0-9-]+)\s*-->")


# ---------------------------------------------------------------- what each value means (the code says which exist)

ORDER_STATUS_MEANING = {
    OrderStatus.PENDING_PAYMENT: "Checked out, waiting for payment. Nothing is made yet. The order waits on standby for as "
    "long as you need, and you can still edit or cancel it.",
    OrderStatus.WORK_IN_PROCESS: "Paid and launched to production. The production stage shows where your pairs are in the factory.",
    OrderStatus.SHIPPED: "Left the factory. The carrier and tracking number are on the order and in your shipping email.",
    OrderStatus.DELIVERED: "The carrier has delivered it.",
    OrderStatus.CANCELLED: "You cancelled it before paying. Nothing was charged, and its order number is never given to another order.",
}

PAYMENT_STATUS_MEANING = {
    PaymentStatus.UNPAID: "No money taken. The order can be paid, edited or cancelled.",
    PaymentStatus.PROCESSING: "A payment is under way (the card is being charged, or 3-D Secure is waiting for you). The "
    "order is locked until the payment succeeds or fails.",
    PaymentStatus.PAID: "Paid in full. The order is in production or already on its way.",
    PaymentStatus.PARTIALLY_REFUNDED: "We refunded part of the payment.",
    PaymentStatus.REFUNDED: "We refunded the whole payment.",
}

STAGE_MEANING = {
    ProductionStage.AWAITING_STAMPS: "Paid, and waiting for your brand's custom stamps to be made. Orders without custom "
    "stamps skip this stage.",
    ProductionStage.CUTTING: "The leather and lining are cut into the pattern pieces of your design.",
    ProductionStage.STITCHING: "The pieces are stitched into the upper, lining included.",
    ProductionStage.LASTING: "The upper is shaped over the last (the foot-shaped form of each size) and joined to the sole.",
    ProductionStage.FINISHING: "Edges are trimmed and inked, the leather is polished, and every pair is inspected.",
    ProductionStage.PACKING: "The pairs are boxed and labelled for the carrier.",
    ProductionStage.READY_TO_SHIP: "Packed and waiting for the carrier. An order in a shipping group waits here until "
    "every order of the group is ready.",
}

STAMP_STATUS_MEANING = {
    StampStatus.NONE: "Your brand has no stamps yet. The one-time stamp fee is due with the first payment that includes "
    "an order with custom stamps.",
    StampStatus.IN_DEVELOPMENT: "The fee is paid and we are making your stamps. Paid orders with custom stamps wait in "
    "production stage Awaiting Stamps.",
    StampStatus.READY: "Your stamps are made. Orders with custom stamps go straight to cutting once paid.",
}

LABELING_MEANING = {
    Labeling.UNLABELED: "No brand mark: the shoes leave the factory without a logo.",
    Labeling.CUSTOM_STAMPS: "Your logo is engraved with metal stamps made for your brand. The stamps are made once, for a one-time fee.",
}

PAYMENT_STATE_MEANING = {
    PaymentState.REQUIRES_PAYMENT_METHOD: "Created, with its cost summary; no card offered yet. Nothing is locked.",
    PaymentState.PROCESSING: "A card was offered and Stripe is working on it, Stripe said yes and its event has "
    "not arrived yet (a second or so), or Stripe's answer was lost (its event, or reconciliation within the hour, "
    "settles it). The orders (and group) are locked.",
    PaymentState.REQUIRES_ACTION: "The bank asks for 3-D Secure. `stripe.client_secret` is set for Stripe.js; the orders stay locked.",
    PaymentState.SUCCEEDED: "Stripe took the money. The orders launch to production when Stripe's "
    "`payment_intent.succeeded` event arrives (or reconciliation asks Stripe); then `invoice_number` is set.",
    PaymentState.FAILED: "The card was declined (`failure_message` says why), or Stripe could not be reached and charged "
    "nothing. The orders are unlocked; the same payment may be confirmed again, with the same card or another.",
    PaymentState.CANCELED: "Abandoned (3-D Secure not completed in time) or voided because its orders or group changed. "
    "Start a new payment.",
    PaymentState.NEEDS_REVIEW: "Stripe charged another amount or currency than the payment's (`failure_message` says "
    "what it took). Nothing launches and the orders stay locked until the factory's staff settle it with the brand.",
}

GROUP_STATUS_MEANING = {
    GroupStatus.OPEN: "Unpaid. Orders can be added or removed, and the group can be dissolved.",
    GroupStatus.PAYMENT_IN_PROGRESS: "A payment of the group is under way; the group and its orders are locked.",
    GroupStatus.PAID: "Paid; the group is fixed. Its orders are in production.",
    GroupStatus.SHIPPED: "All its orders left the factory together, under one tracking number.",
    GroupStatus.DISSOLVED: "You dissolved it before paying; its orders are back on their own.",
}

EVENT_MEANING = {
    "CREATED": "You checked out; `details.costs` holds the costs the order was placed at.",
    "EDITED": "You edited the order; `details.fields` names what changed.",
    "CANCELLED": "You cancelled the order.",
    "GROUPED": "The order joined a shipping group (`details.shipping_group_id`).",
    "UNGROUPED": "The order left its shipping group (removed, or the group was dissolved).",
    "PAYMENT_STARTED": "A card payment began (`details.payment_id`); the order is locked.",
    "PAYMENT_RELEASED": "The payment failed or was abandoned (`details.reason`); the order is unlocked.",
    "LAUNCHED_TO_PRODUCTION": "Paid: production started, with the invoice number and the first stage.",
    "STAGE_CHANGED": "The order moved from one production stage to the next (`details.from`, `details.to`).",
    "STAGE_MOVE_UNDONE": "Staff took back a stage move within its minute; the order is back at `details.to`.",
    "SHIPPED": "The order left the factory; `details` holds the carrier and tracking number.",
    "DELIVERED": "The carrier delivered the order.",
    "REFUNDED": "We refunded part or all of the payment (`details.payment_status`).",
}

WEBHOOK_EVENT_MEANING = {
    "payment_intent.succeeded": "Settles the payment: invoice number, orders to In production (`WORK_IN_PROCESS`, stage Cutting, or "
    "Awaiting stamps), stamps into development if the fee was paid, a paid group fixed, one email.",
    "payment_intent.payment_failed": "Closes the attempt as FAILED with Stripe's message and unlocks the orders and "
    "group, so they can be edited or paid again.",
    "payment_intent.canceled": "Closes the attempt as CANCELED and unlocks the orders and group.",
    "charge.refunded": "Records the refunded amount; the orders become PARTIALLY_REFUNDED or REFUNDED.",
}


PROBLEM_MEANING = {
    "malformed-request": "The request cannot be read: the body is not JSON, `If-Match` or `Idempotency-Key` is "
    "malformed, the cursor was not issued for this listing, or (webhook) the Stripe signature does not verify.",
    "unauthenticated": "No token, or one that is malformed, expired, wrongly signed, not an ID token, or names no "
    "brand and no staff group; on staff routes also a token issued before the user's sign-ins were revoked.",
    "forbidden": "The caller is known, but their role does not allow this: a brand user on `/admin`, staff on "
    "something only the brand does, a brand the factory does not know.",
    "not-found": "No such object for this caller. Another brand's order, group or payment answers exactly the same.",
    "method-not-allowed": "The path exists, the method does not; the `Allow` header lists the methods it has.",
    "state-conflict": "The object's state does not allow it now: editing a paid order, paying a cancelled one, "
    "changing a group with a payment under way, a stage already passed. Nothing changed.",
    "request-in-progress": "The first request with this `Idempotency-Key` is still running; retry shortly to get its answer.",
    "version-mismatch": "`If-Match` names a version that is no longer current: read the object again.",
    "unsupported-media-type": "The body is not sent as `application/json`.",
    "validation-failed": "The request is readable but breaks a rule; `errors` lists each field with what is wrong.",
    "idempotency-key-reused": "This `Idempotency-Key` was already used for a different body; use a new key for a new request.",
    "precondition-required": "`Idempotency-Key` (checkout, payments) or `If-Match` (edits) is missing.",
    "too-many-requests": "The brand used up this clock hour's card confirmations (a guard against card testing). "
    "Nothing changed; `Retry-After` says in how many seconds to try again.",
    "internal-error": "A fault on our side, never your input. The answer carries no detail; the logs have it.",
    "service-unavailable": "Something Welt relies on cannot answer right now: the sign-in keys cannot be fetched "
    "(you are still signed in), or the card payment service refused the call before charging anything. Nothing "
    "changed; send the same request again in a minute.",
}


def problems_table() -> str:
    found: dict[str, tuple[int, str]] = {}
    for status, slug, title in problems.PROBLEMS.values():
        found[slug] = (status, title)
    for status, (slug, title) in problems.FRAMEWORK_PROBLEMS.items():
        found.setdefault(slug, (status, title))
    rows = [
        [f"`{found[slug][0]}`", f"`/problems/{slug}`", found[slug][1], meaning]
        for slug, meaning in explained(PROBLEM_MEANING, sorted(found, key=lambda s: (found[s][0], s)), "problem type")
    ]
    return table(["status", "type", "title", "when"], rows)


# ---------------------------------------------------------------- formatting


def euros(cents: int) -> str:
    return f"EUR {cents // 100:,}.{cents % 100:02d}"


def label(value: Enum) -> str:
    """How people read a value: the words of the domain's one table of labels (`WORK_IN_PROCESS` -> In production)."""
    return labels.words(value)


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def explained(meanings: dict[Any, str], members: Iterable[Any], what: str) -> list[tuple[Any, str]]:
    members = list(members)
    missing = [m for m in members if m not in meanings]
    stale = [m for m in meanings if m not in members]
    if missing or stale:
        raise PluginError(f"docs/hooks/generated.py: explain every {what} the code has (missing {missing}, gone {stale})")
    return [(member, meanings[member]) for member in members]


def enum_table(kind: type[Enum], meanings: dict[Any, str], what: str, with_label: bool = True) -> str:
    header = ["shown as", "API value", "what it means"] if with_label else ["value", "what it means"]
    rows = []
    for member, meaning in explained(meanings, list(kind), what):
        code = f"`{member.value}`"
        rows.append([f"**{label(member)}**", code, meaning] if with_label else [code, meaning])
    return table(header, rows)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


# ---------------------------------------------------------------- the catalog


def catalog() -> Catalog:
    return load_catalog()


def material_names(ids: list[str]) -> str:
    cat = catalog()
    return ", ".join(material.name if (material := cat.material(i)) else i for i in ids)


def models_table() -> str:
    cat = catalog()
    rows = [[f"**{m.name}**", f"`{m.id}`", euros(m.base_price), *(material_names(m.materials[part]) for part in PARTS)] for m in cat.models]
    return table(["model", "id", "base price per pair", "uppers", "linings", "soles"], rows)


def materials_table() -> str:
    cat = catalog()
    rows = []
    for part in PARTS:
        for material in (m for m in cat.materials if m.part == part):
            offered = [m.name for m in cat.models if material.id in m.materials[part]]
            surcharge = "included" if material.surcharge == 0 else f"+ {euros(material.surcharge)}"
            rows.append([part, f"**{material.name}**", f"`{material.id}`", surcharge, ", ".join(offered) or "-"])
    return table(["part", "material", "id", "surcharge per pair", "offered on"], rows)


def order_types_table() -> str:
    cat = catalog()
    rows = []
    for order_type in OrderType:
        rule = cat.order_types[order_type.value]
        pairs = f"exactly {rule.min_pairs}" if rule.min_pairs == rule.max_pairs else f"{rule.min_pairs:,} to {rule.max_pairs:,}"
        discount = (Decimal(1) - rule.factor) * 100
        off = "list price" if discount == 0 else f"{discount.normalize():f} % off the list price"
        rows.append([f"`{order_type.value}`", pairs, f"{rule.factor}", off])
    return table(["order type", "pairs in the order", "price factor", "manufacturing price"], rows)


def zones_table() -> str:
    cat = catalog()
    rows = []
    for zone in cat.shipping_zones:
        countries = (
            "every country not listed above" if zone.countries == ["*"] else ", ".join(sorted(country_name(c) for c in zone.countries))
        )
        examples = [euros(zone.base + zone.per_pair * pairs) for pairs in (1, 10, 50)]
        rows.append([f"**{zone.name}**", countries, euros(zone.base), euros(zone.per_pair), *examples])
    return table(["zone", "countries", "per shipment", "per pair", "1 pair", "10 pairs", "50 pairs"], rows)


EXAMPLE_ADDRESS_COUNTRY = "DE"
EXAMPLE_DESIGNS = (
    Design.model_validate({"model": "derby", "materials": {"upper": "calf-tan", "lining": "leather-natural", "sole": "leather-sole"}}),
    Design.model_validate({"model": "chelsea-boot", "materials": {"upper": "suede-sand", "lining": "leather-black", "sole": "crepe"}}),
    Design.model_validate(
        {"model": "court-sneaker", "materials": {"upper": "canvas-natural", "lining": "textile-mesh", "sole": "rubber-cupsole"}}
    ),
)


def describe(design: Design) -> str:
    cat = catalog()
    model = cat.shoe_model(design.model)
    parts = [m.name if (m := cat.material(getattr(design.materials, p))) else p for p in PARTS]
    return f"{model.name if model else design.model}: {parts[0].lower()}, {parts[1].lower()}, {parts[2].lower()}"


def price_example() -> str:
    """One MTO pair and the same design as a MINI_BULK run, priced by the code that prices orders."""
    cat = catalog()
    design = EXAMPLE_DESIGNS[0]
    model = cat.shoe_model(design.model)
    assert model is not None
    surcharges = [(cat.material(getattr(design.materials, p)), p) for p in PARTS]
    list_price = model.base_price + sum(m.surcharge for m, _ in surcharges if m)
    lines = [f"**{describe(design)}**, shipped to Germany for a brand whose German VAT ID VIES confirms (no IVA):\n"]
    rows = [["base price", model.name, euros(model.base_price)]]
    rows += [[f"{part} surcharge", m.name, euros(m.surcharge)] for m, part in surcharges if m]
    rows.append(["**list price per pair**", "", f"**{euros(list_price)}**"])
    lines.append(table(["price part", "chosen", "per pair"], rows))
    runs = [
        (OrderType.MTO, [SizeLine(size="EU42", pairs=1)]),
        (OrderType.MINI_BULK, [SizeLine(size="EU40", pairs=4), SizeLine(size="EU41.5", pairs=6)]),
    ]
    rows = []
    for order_type, sizes in runs:
        rule = vat.RULES[vat.VatTreatment.INTRA_COMMUNITY]
        costs = pricing.quote_order(cat, design, order_type, sizes, Labeling.UNLABELED, EXAMPLE_ADDRESS_COUNTRY, StampStatus.NONE, rule)
        pairs = sum(line.pairs for line in sizes)
        per_pair = pricing.pair_price(cat, design, order_type)
        rows.append(
            [
                f"`{order_type.value}`, {pairs} pair{'s' if pairs > 1 else ''}",
                f"{pairs} × {euros(per_pair)} = {euros(costs.manufacturing)}",
                euros(costs.shipping),
                euros(costs.customization),
                f"**{euros(costs.total)}**",
            ]
        )
    lines.append("\n" + table(["order", "manufacturing", "shipping", "customization", "total"], rows))
    return "\n".join(lines)


VAT_EXAMPLES = [
    ("Spain, Elche (03203), any buyer", "ES", "03203", "ESB03999992"),
    ("Balearic Islands, Palma (07001)", "ES", "07001", None),
    ("Germany, buyer with a German VAT ID VIES confirms", "DE", "10119", "DE123456788"),
    ("Germany, buyer without a VAT ID", "DE", "10119", None),
    ("France, buyer with a German VAT ID", "FR", "75002", "DE123456788"),
    ("Canary Islands, Las Palmas (35001)", "ES", "35001", None),
    ("Ceuta (51001) or Melilla (52001)", "ES", "51001", None),
    ("United States", "US", "10001", None),
    ("Switzerland", "CH", "8001", None),
]


def vat_example() -> str:
    """IVA on one MTO pair by destination and buyer, priced by the code that prices orders."""
    cat = catalog()
    design = EXAMPLE_DESIGNS[0]
    rows = []
    for where, country, postal_code, vat_id in VAT_EXAMPLES:
        check = vat.VatIdCheck.CONFIRMED if vat_id else None
        rule = vat.vat_rule(country, postal_code, vat_id, check)
        costs = pricing.quote_order(
            cat, design, OrderType.MTO, [SizeLine(size="EU42", pairs=1)], Labeling.UNLABELED, country, StampStatus.READY, rule
        )
        why = costs.vat_note or "IVA charged"
        rows.append([where, euros(costs.net), f"{costs.vat_rate_percent}%", euros(costs.vat), f"**{euros(costs.total)}**", why])
    return table(["shipped to, bought by", "net", "IVA rate", "IVA", "total", "why"], rows)


def group_example() -> str:
    """Three MTO orders to one address in Berlin: alone, and as one shipping group."""
    cat = catalog()
    zone = cat.zone_for(EXAMPLE_ADDRESS_COUNTRY)
    rows, alone_total, manufacturing_total = [], 0, 0
    for number, design in enumerate(EXAMPLE_DESIGNS, start=41):
        manufacturing = pricing.pair_price(cat, design, OrderType.MTO)
        shipping = pricing.shipping_cost(cat, EXAMPLE_ADDRESS_COUNTRY, 1)
        alone_total += shipping
        manufacturing_total += manufacturing
        rows.append([f"`{number:05d}-DMO`", describe(design), euros(manufacturing), euros(shipping)])
    pairs = len(EXAMPLE_DESIGNS)
    grouped = pricing.shipping_cost(cat, EXAMPLE_ADDRESS_COUNTRY, pairs)
    rows.append(["**together**", f"{pairs} pairs", f"**{euros(manufacturing_total)}**", f"**{euros(alone_total)}**"])
    out = [table(["order", "shoe", "manufacturing", "shipping alone"], rows)]
    out.append(
        f"\nShipped alone, each order pays the {zone.name} rate for one shipment: {euros(zone.base)} + "
        f"{euros(zone.per_pair)} for its pair = {euros(zone.base + zone.per_pair)}, "
        f"so **{euros(alone_total)}** for the three.\n\n"
        f"As one shipping group they are one shipment: {euros(zone.base)} + {pairs} × {euros(zone.per_pair)} = "
        f"**{euros(grouped)}**.\n\n"
        f"The group shows `shipping_savings` of **{euros(alone_total - grouped)}**, and you pay "
        f"{euros(manufacturing_total)} + {euros(grouped)} = **{euros(manufacturing_total + grouped)}** "
        f"instead of {euros(manufacturing_total + alone_total)}.\n"
    )
    return "".join(out)


def group_shares_example() -> str:
    """The worked example's group, shared out among its orders as the pool, the order page and the CSV show it."""
    cat = catalog()
    manufacturing = [pricing.pair_price(cat, design, OrderType.MTO) for design in EXAMPLE_DESIGNS]
    grouped = pricing.shipping_cost(cat, EXAMPLE_ADDRESS_COUNTRY, len(EXAMPLE_DESIGNS))
    shipping = pricing.split_cents(grouped, [1] * len(EXAMPLE_DESIGNS))
    rows = [
        [f"`{number:05d}-DMO`", euros(made), euros(ship), f"**{euros(made + ship)}**"]
        for number, made, ship in zip(range(41, 41 + len(EXAMPLE_DESIGNS)), manufacturing, shipping, strict=True)
    ]
    rows.append(["**the group**", euros(sum(manufacturing)), euros(grouped), f"**{euros(sum(manufacturing) + grouped)}**"])
    return table(["order", "manufacturing", "share of the shipping", "share of the group's total"], rows)


def lead_times_table() -> str:
    """Working days per stage, and what is left from the start of each stage (its own lead time included)."""
    cat = catalog()
    stages = list(ProductionStage)
    rows = []
    for index, stage in enumerate(stages):
        days = ship_dates.stage_lead_days(cat, stage)
        left = sum(ship_dates.stage_lead_days(cat, later) for later in stages[index:])
        rows.append([f"**{label(stage)}**", days, left])
    return table(["stage", "working days at this stage", "working days to shipping from its start"], rows)


def ship_date_example() -> str:
    """The worked example of the ship dates page, computed by the code that dates real orders."""
    cat = catalog()
    paid = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
    postal = order_model.PostalAddress(line1="Torstrasse 101", city="Berlin", postal_code="10119", country=EXAMPLE_ADDRESS_COUNTRY)
    address = order_model.ShippingAddress(name="Mara Jensen", phone="+49 30 1234567", email="mara@dmo.example", **postal.model_dump())
    order = order_model.Order.place(
        at=paid,
        actor="brand:DMO",
        brand="DMO",
        seq=42,
        type=OrderType.MTO,
        design=EXAMPLE_DESIGNS[0],
        sizes=[SizeLine(size="EU42", pairs=1)],
        labeling=Labeling.UNLABELED,
        shipping_address=address,
        billing=order_model.Billing(name="Demo Atelier", email="accounts@dmo.example", address=postal),
        costs=order_model.Costs(manufacturing=0, shipping=0, customization=0, total=0),
    )
    launched = order.lock_for_payment("pay", None, paid, "brand:DMO").launch_to_production(
        "pay", "INV-2026-000001", True, 0, paid, "stripe"
    )
    moved_at = ship_dates.add_working_days(paid.date(), ship_dates.stage_lead_days(cat, ProductionStage.CUTTING) + 1)
    moved = launched.move_to_stage(ProductionStage.STITCHING, True, datetime.combine(moved_at, paid.timetz()), "staff")
    first = ship_dates.expected_ship_date(launched, cat, paid.date())
    second = ship_dates.expected_ship_date(moved, cat, moved_at)
    cutting_ends = ship_dates.add_working_days(paid.date(), ship_dates.stage_lead_days(cat, ProductionStage.CUTTING))
    return (
        f"For example, an order paid on {paid:%A %-d %B} starts **Cutting** that day. Cutting ends on "
        f"{cutting_ends:%A %-d}, and the later stages take their working days after it: the order is expected to "
        f"ship on **{first:%A %-d %B}**. If it only moves to **Stitching** on {moved_at:%A %-d} (a day late), "
        f"the date becomes **{second:%A %-d %B}**.\n"
    )


REPO = Path(__file__).resolve().parents[2]
EXPORT_SCRIPT = REPO / "web" / "js" / "pool-export.js"
EXPORT_COLUMN = re.compile(r"^\s*\['([a-z_]+)',", re.MULTILINE)
EXPORT_COLUMN_MEANING = {
    "order_number": "The order number, `00042-DMO`.",
    "created_at": "When the order was placed: UTC, ISO 8601 (`2026-11-02T09:00:00Z`).",
    "wip_started_at": "When the payment launched it to production (UTC, ISO 8601); empty before payment.",
    "expected_ship_date": "The expected ship date while in production, `YYYY-MM-DD`; empty otherwise.",
    "shipped_at": "When it left the factory (UTC, ISO 8601); empty until shipped.",
    "type": "The order type in words: MTO, Mini bulk or Bulk.",
    "type_code": "The order type as the API names it: `MTO`, `MINI_BULK` or `BULK`.",
    "model": "The shoe model's name (`Derby`).",
    "model_code": "The model's id in the catalog (`derby`).",
    "upper": "The upper's material (`Tan calf leather`).",
    "upper_code": "The upper's material id in the catalog (`calf-tan`).",
    "lining": "The lining's material.",
    "lining_code": "The lining's material id.",
    "sole": "The sole's material.",
    "sole_code": "The sole's material id.",
    "design_ref": "The 3D designer's reference, as you gave it.",
    "sizes": "The size run, size `x` pairs, separated by spaces (`EU40x4 EU41x6`).",
    "pairs": "All pairs of the order.",
    "labeling": "Unlabeled or Custom stamps.",
    "labeling_code": "`UNLABELED` or `CUSTOM_STAMPS`.",
    "status": "The order's one status, as the pool shows it (`In production · Cutting`).",
    "status_code": "The order status as the API names it (`WORK_IN_PROCESS`).",
    "production_stage": "The production stage in words (`Cutting`), while in production; empty otherwise.",
    "production_stage_code": "The production stage as the API names it.",
    "payment_status": "The payment status in words (`Paid`).",
    "payment_status_code": "The payment status as the API names it (`PAID`).",
    "shipping_group_id": "The shipping group it is in (`G0007-DMO`); empty if none.",
    "invoice_number": "The invoice number once paid (`INV-2026-000042`).",
    "carrier": "The carrier, once shipped.",
    "tracking_number": "The tracking number, once shipped.",
    "manufacturing_eur": "Manufacturing, in euros with two decimals and a dot (`180.00`).",
    "shipping_eur": "Shipping of the order on its own, in euros.",
    "customization_eur": "The stamp fee the order carries, in euros (`0.00` for most).",
    "net_eur": "Manufacturing + shipping + customization, in euros: the taxable base.",
    "vat_eur": "Spanish IVA on the net, in euros (`0.00` for exempt supplies and orders priced before IVA).",
    "total_eur": "Net + IVA, in euros: what the order costs on its own.",
    "group_shipping_eur": "In a shipping group, the order's share of the group's one shipment (by pairs), in euros; empty if none.",
    "group_total_eur": "In a shipping group, what the order adds to the group's payment, in euros: the group's orders add up "
    "to the amount charged. Empty if none.",
    "currency": "Always `EUR`.",
}


def export_columns_table() -> str:
    """The CSV columns in the order the browser app writes them (web/js/pool-export.js)."""
    columns = EXPORT_COLUMN.findall(EXPORT_SCRIPT.read_text(encoding="utf-8"))
    rows = [[f"`{name}`", meaning] for name, meaning in explained(EXPORT_COLUMN_MEANING, columns, "CSV column")]
    return table(["column", "what it holds"], rows)


def savings_by_zone() -> str:
    cat = catalog()
    counts = sorted({MIN_ORDERS, 5, 10, MAX_ORDERS})
    rows = []
    for zone in cat.shipping_zones:
        country = zone.countries[0] if zone.countries != ["*"] else "ZZ"
        cells = []
        for count in counts:
            alone = count * pricing.shipping_cost(cat, country, 1)
            cells.append(euros(alone - pricing.shipping_cost(cat, country, count)))
        rows.append([f"**{zone.name}**", *cells])
    return table(["zone", *(f"{n} single-pair orders" for n in counts)], rows)


# ---------------------------------------------------------------- code facts


def timeline_events() -> list[str]:
    """The event types an order's timeline can hold: every `_record(..., "TYPE", ...)` in the order model."""
    found: list[str] = []
    for node in ast.walk(ast.parse(inspect.getsource(order_model))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "_record":
            kind = node.args[2] if len(node.args) > 2 else None
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str) and kind.value not in found:
                found.append(kind.value)
    return found


def timeline_table() -> str:
    rows = [[f"`{kind}`", meaning] for kind, meaning in explained(EVENT_MEANING, timeline_events(), "timeline event")]
    return table(["event", "what happened"], rows)


def webhook_events_table() -> str:
    rows = [[f"`{kind}`", meaning] for kind, meaning in explained(WEBHOOK_EVENT_MEANING, stack.WEBHOOK_EVENTS, "Stripe event")]
    return table(["event", "what Welt does"], rows)


def tables_table() -> str:
    rows = []
    for definition in tables.ALL_TABLES:
        key = " + ".join(f"`{name}`" for name, _, _ in definition.key)
        indexes = ", ".join(f"`{name}`" for name in definition.indexes) or "-"
        ttl = f"`{definition.ttl_attribute}`" if definition.ttl_attribute else "-"
        rows.append([f"`{definition.logical_name}`", key, indexes, ttl])
    return table(["table", "key", "indexes", "expires by"], rows)


def demo_users_table() -> str:
    names = {brand.code: brand.name for brand in seed.DEMO_BRANDS}
    rows = [
        [
            f"`{user.email}`",
            f"`{seed.DEMO_PASSWORD}`",
            user.role,
            f"`{user.brand}` ({names.get(user.brand, '')})" if user.brand else "every brand, `/admin` routes",
        ]
        for user in seed.DEMO_USERS
    ]
    return table(["email", "password", "role", "brand"], rows)


PORT_PARTS = {
    "web": "brand backoffice (browser app)",
    "orders": "orders API",
    "payments": "payments API",
    "docs": "this help center",
    "moto": "AWS emulator (moto server: DynamoDB, SES, Cognito)",
    "stripe": "Stripe emulator (localstripe)",
}


def ports_table() -> str:
    defaults = stack.Ports()
    rows = []
    for part, what in PORT_PARTS.items():
        port = getattr(defaults, part)
        rows.append([what, f"http://127.0.0.1:{port}", f"`--{part}-port`"])
    return table(["part", "address", "change it with"], rows)


def eu_sizes() -> list[str]:
    candidates = [f"EU{whole}{half}" for whole in range(30, 55) for half in ("", ".5")]
    return [size for size in candidates if EU_SIZE.fullmatch(size)]


def sizes_text() -> str:
    sizes = eu_sizes()
    return f"{sizes[0]} to {sizes[-1]}, half sizes included ({len(sizes)} sizes)"


def json_limit(model: Any, field: str, key: str) -> Any:
    spec = model.model_json_schema()["properties"][field]
    for option in [spec, *spec.get("anyOf", [])]:
        if key in option:
            return option[key]
    raise PluginError(f"no {key} on {model.__name__}.{field}")


def factory_address() -> str:
    seller = factory_seller()
    return ", ".join([seller.name, *seller.address])


def minutes(delta: Any) -> int:
    return int(delta.total_seconds() // 60)


BLOCKS: dict[str, Callable[[], str]] = {
    "order-statuses": lambda: enum_table(OrderStatus, ORDER_STATUS_MEANING, "order status"),
    "payment-statuses": lambda: enum_table(PaymentStatus, PAYMENT_STATUS_MEANING, "payment status"),
    "production-stages": lambda: enum_table(ProductionStage, STAGE_MEANING, "production stage"),
    "stamp-statuses": lambda: enum_table(StampStatus, STAMP_STATUS_MEANING, "stamps status"),
    "labeling-options": lambda: enum_table(Labeling, LABELING_MEANING, "labeling"),
    "payment-states": lambda: enum_table(PaymentState, PAYMENT_STATE_MEANING, "payment state", with_label=False),
    "group-statuses": lambda: enum_table(GroupStatus, GROUP_STATUS_MEANING, "group status", with_label=False),
    "timeline-events": timeline_table,
    "webhook-events": webhook_events_table,
    "problem-types": problems_table,
    "models": models_table,
    "materials": materials_table,
    "order-types": order_types_table,
    "shipping-zones": zones_table,
    "price-example": price_example,
    "vat-example": vat_example,
    "group-example": group_example,
    "group-shares-example": group_shares_example,
    "group-savings-by-zone": savings_by_zone,
    "lead-times": lead_times_table,
    "ship-date-example": ship_date_example,
    "export-columns": export_columns_table,
    "dynamodb-tables": tables_table,
    "demo-users": demo_users_table,
    "stack-ports": ports_table,
}

INLINE: dict[str, Callable[[], str]] = {
    "stamp-fee": lambda: euros(catalog().stamp_fee),
    "stamp-development-days": lambda: str(catalog().stamp_development_days),
    "suggestion-limit": lambda: str(GROUPABLE_LIMIT),
    "currency": lambda: catalog().currency,
    "group-min-orders": lambda: str(MIN_ORDERS),
    "group-max-orders": lambda: str(MAX_ORDERS),
    "eu-sizes": sizes_text,
    "max-size-lines": lambda: str(json_limit(orders.Checkout, "sizes", "maxItems")),
    "max-pairs-per-size": lambda: f"{json_limit(SizeLine, 'pairs', 'maximum'):,}",
    "design-ref-max": lambda: str(json_limit(Design, "design_ref", "maxLength")),
    "page-size": lambda: str(orders.DEFAULT_PAGE),
    "page-size-max": lambda: str(orders.MAX_PAGE),
    "idempotency-hours": lambda: str(idempotency.KEY_LIFETIME_SECONDS // 3600),
    "signature-tolerance": lambda: str(stripe_gateway.SIGNATURE_TOLERANCE_SECONDS),
    "token-leeway": lambda: str(inspect.signature(CognitoTokenVerifier).parameters["leeway_seconds"].default),
    "reconcile-minutes": lambda: str(minutes(payments.RECONCILE_AFTER)),
    "abandon-minutes": lambda: str(minutes(payments.ABANDON_AFTER)),
    "email-max-backoff-minutes": lambda: str(minutes(notifications.MAX_BACKOFF)),
    "factory-name": lambda: factory_seller().name,
    "factory-address": factory_address,
    "factory-email": lambda: factory_seller().email,
    "factory-vat": lambda: factory_seller().vat_id,
    "demo-password": lambda: seed.DEMO_PASSWORD,
    "mail-from": lambda: seed.MAIL_FROM,
}


def render(name: str, where: str) -> str:
    if name in BLOCKS:
        return BLOCKS[name]()
    if name in INLINE:
        return INLINE[name]()
    raise PluginError(f"{where}: unknown placeholder welt:{name}")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return PLACEHOLDER.sub(lambda match: render(match.group(1), page.file.src_path), markdown)
