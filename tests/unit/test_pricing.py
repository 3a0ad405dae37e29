"""Prices come from the catalog only, per pair, rounded to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from welt.domain.catalog import load_catalog
from welt.domain.model import Design, Labeling, Materials, OrderType, SizeLine, StampStatus
from welt.domain.pricing import design_problems, pair_price, quote_order, shipping_cost, size_run_problems
from welt.domain.vat import vat_rule

CATALOG = load_catalog()
DERBY = Design(model="derby", materials=Materials(upper="calf-tan", lining="leather-natural", sole="leather-sole"))


def test_catalog_has_the_promised_breadth() -> None:
    assert len(CATALOG.models) >= 4
    parts = {m.part for m in CATALOG.materials}
    assert parts == {"upper", "lining", "sole"}
    assert {z.id for z in CATALOG.shipping_zones} >= {"EU", "UK", "US", "ROW"}
    assert CATALOG.order_types["MTO"].factor == Decimal("1.00")
    assert CATALOG.order_types["BULK"].factor < CATALOG.order_types["MINI_BULK"].factor < 1
    assert CATALOG.stamp_fee > 0


def test_every_models_materials_exist_for_their_part() -> None:
    for model in CATALOG.models:
        for part, ids in model.materials.items():
            for material_id in ids:
                material = CATALOG.material(material_id)
                assert material is not None and material.part == part


def test_mto_pair_price_is_base_plus_surcharges() -> None:
    # derby 140.00 + tan calf 15.00 + natural lining 0 + leather sole 25.00
    assert pair_price(CATALOG, DERBY, OrderType.MTO) == 18000


SPAIN = vat_rule("ES", "03203", None, None)
EXPORT = vat_rule("GB", "SW1A 1AA", None, None)


def test_bulk_factor_is_applied_per_pair_and_rounded_half_up() -> None:
    assert pair_price(CATALOG, DERBY, OrderType.MINI_BULK) == 15300  # 18000 x 0.85
    assert pair_price(CATALOG, DERBY, OrderType.BULK) == 12600  # 18000 x 0.70


def test_quote_adds_manufacturing_shipping_and_customization() -> None:
    sizes = [SizeLine(size="EU40", pairs=4), SizeLine(size="EU41", pairs=6)]
    costs = quote_order(CATALOG, DERBY, OrderType.MINI_BULK, sizes, Labeling.CUSTOM_STAMPS, "GB", StampStatus.NONE, EXPORT)
    assert costs.manufacturing == 15300 * 10
    assert costs.shipping == 2500 + 450 * 10
    assert costs.customization == CATALOG.stamp_fee
    assert costs.net == costs.manufacturing + costs.shipping + costs.customization
    assert (costs.vat_rate_percent, costs.vat, costs.total) == (0, 0, costs.net)
    assert "art. 21" in (costs.vat_note or "")
    assert costs.currency == "EUR"


def test_spanish_order_pays_iva_on_its_net_rounded_half_up() -> None:
    costs = quote_order(CATALOG, DERBY, OrderType.MTO, [SizeLine(size="EU42", pairs=1)], Labeling.UNLABELED, "ES", StampStatus.READY, SPAIN)
    assert costs.vat_rate_percent == 21
    assert costs.vat == int((Decimal(costs.net) * Decimal("0.21")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert costs.total == costs.net + costs.vat
    assert costs.vat_note is None


@pytest.mark.parametrize("stamps", [StampStatus.IN_DEVELOPMENT, StampStatus.READY])
def test_stamp_fee_is_not_charged_once_stamps_exist(stamps: StampStatus) -> None:
    costs = quote_order(CATALOG, DERBY, OrderType.MTO, [SizeLine(size="EU42", pairs=1)], Labeling.CUSTOM_STAMPS, "DE", stamps, SPAIN)
    assert costs.customization == 0


@pytest.mark.parametrize(("country", "zone"), [("DE", "EU"), ("GB", "UK"), ("US", "US"), ("JP", "ROW"), ("CH", "ROW")])
def test_each_country_ships_from_its_zone(country: str, zone: str) -> None:
    assert CATALOG.zone_for(country).id == zone


@given(pairs=st.integers(min_value=1, max_value=5000))
def test_shipping_grows_by_the_per_pair_rate(pairs: int) -> None:
    assert shipping_cost(CATALOG, "US", pairs + 1) - shipping_cost(CATALOG, "US", pairs) == CATALOG.zone_for("US").per_pair


def test_material_not_offered_for_the_model_is_named() -> None:
    design = Design(model="court-sneaker", materials=Materials(upper="shell-cordovan", lining="textile-mesh", sole="crepe"))
    problems = design_problems(CATALOG, design)
    assert [p.loc for p in problems] == [("design", "materials", "upper")]


def test_unknown_model_is_named() -> None:
    design = Design(model="clog", materials=Materials(upper="calf-tan", lining="unlined", sole="crepe"))
    assert design_problems(CATALOG, design)[0].loc == ("design", "model")


@pytest.mark.parametrize(
    ("order_type", "pairs", "ok"),
    [
        ("MTO", 1, True),
        ("MTO", 2, False),
        ("MINI_BULK", 9, False),
        ("MINI_BULK", 10, True),
        ("MINI_BULK", 49, True),
        ("MINI_BULK", 50, False),
        ("BULK", 50, True),
        ("BULK", 5000, True),
        ("BULK", 5001, False),
    ],
)
def test_pair_limits_follow_the_order_type(order_type: str, pairs: int, ok: bool) -> None:
    sizes = [SizeLine(size="EU40", pairs=min(pairs, 5000))]
    if pairs > 5000:
        sizes.append(SizeLine(size="EU41", pairs=pairs - 5000))
    assert (size_run_problems(CATALOG, OrderType(order_type), sizes) == []) is ok
