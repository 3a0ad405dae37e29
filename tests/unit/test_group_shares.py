"""Each order's share of its shipping group's price: the shares add up to what the group's payment charges."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tests.examples import BILLING, SHIPPING_ADDRESS
from welt.domain.catalog import load_catalog
from welt.domain.model import Billing, Costs, Design, Labeling, Materials, Order, OrderType, ShippingAddress, SizeLine, StampStatus
from welt.domain.pricing import price_group, price_orders, share_group
from welt.domain.vat import vat_rule

CATALOG = load_catalog()
SPAIN = vat_rule("ES", "03203", None, None)
DERBY = Design(model="derby", materials=Materials(upper="calf-tan", lining="leather-natural", sole="leather-sole"))
AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def order(seq: int, pairs: int, manufacturing: int, labeling: Labeling = Labeling.UNLABELED, shipping: int = 1800) -> Order:
    sizes = [SizeLine(size="EU41", pairs=pairs)]
    costs = Costs.priced(manufacturing, shipping, 0, SPAIN, "EUR")
    return Order.place(
        at=AT,
        actor="brand:DMO",
        brand="DMO",
        seq=seq,
        type=OrderType.MTO if pairs == 1 else OrderType.MINI_BULK,
        design=DERBY,
        sizes=sizes,
        labeling=labeling,
        shipping_address=ShippingAddress.model_validate({**SHIPPING_ADDRESS, "country": "ES", "postal_code": "03203"}),
        billing=Billing.model_validate(BILLING),
        costs=costs,
    )


def test_shipping_is_shared_by_pairs_and_the_cents_left_over_go_to_the_first_order() -> None:
    orders = [order(1, 1, 18000), order(2, 1, 18000), order(3, 1, 18000)]
    group = Costs.priced(54000, 2401, 0, SPAIN, "EUR")
    shares = share_group(orders, group)
    assert [s.shipping for s in shares] == [801, 800, 800]
    assert [s.order_number for s in shares] == ["00001-DMO", "00002-DMO", "00003-DMO"]
    assert sum(s.total for s in shares) == group.total
    assert all(s.total == s.net + s.vat for s in shares)


def test_a_bigger_order_carries_more_of_the_shipment() -> None:
    shares = share_group([order(1, 1, 18000), order(2, 3, 54000)], Costs.priced(72000, 2700, 0, SPAIN, "EUR"))
    assert [s.shipping for s in shares] == [675, 2025]


def test_the_stamp_fee_goes_to_the_first_custom_stamps_order() -> None:
    orders = [order(1, 1, 18000), order(2, 1, 18000, Labeling.CUSTOM_STAMPS), order(3, 1, 18000, Labeling.CUSTOM_STAMPS)]
    price = price_orders(CATALOG, orders, together=True, stamps=StampStatus.NONE)
    shares = share_group(orders, price.priced)
    assert [s.customization for s in shares] == [0, CATALOG.stamp_fee, 0]
    assert sum(s.total for s in shares) == price.total


def test_a_paid_group_is_shared_as_it_was_charged() -> None:
    stamped = order(2, 1, 18000, Labeling.CUSTOM_STAMPS).model_copy(
        update={"costs": Costs.priced(18000, 1800, CATALOG.stamp_fee, SPAIN, "EUR")}
    )
    orders = [order(1, 1, 18000), stamped]
    # The brand's stamps are ready now; the payment carried the fee, and the group still shows it.
    price = price_group(CATALOG, orders, paid=True, stamps=StampStatus.READY)
    assert price.customization == CATALOG.stamp_fee
    assert sum(s.total for s in share_group(orders, price.priced)) == price.total


@given(
    st.lists(st.tuples(st.integers(1, 5000), st.integers(0, 10_000_000)), min_size=1, max_size=20),
    st.integers(0, 1_000_000),
    st.integers(0, 500_000),
)
def test_shares_add_up_to_the_group_for_any_pairs_and_amounts(lines: list[tuple[int, int]], shipping: int, fee: int) -> None:
    orders = [
        order(i + 1, pairs, manufacturing, Labeling.CUSTOM_STAMPS if i % 2 else Labeling.UNLABELED)
        for i, (pairs, manufacturing) in enumerate(lines)
    ]
    group = Costs.priced(sum(m for _, m in lines), shipping, fee if len(orders) > 1 else 0, SPAIN, "EUR")
    shares = share_group(orders, group)
    assert sum(s.shipping for s in shares) == group.shipping
    assert sum(s.customization for s in shares) == group.customization
    assert sum(s.vat for s in shares) == group.vat
    assert sum(s.total for s in shares) == group.total
    assert all(s.shipping >= 0 and s.vat >= 0 and s.total == s.net + s.vat for s in shares)
    # Shipping by pairs: no order carries more than its pairs' part plus the cents left over.
    pairs = sum(p for p, _ in lines)
    for index, (share, (count, _)) in enumerate(zip(shares, lines, strict=True)):
        fair = shipping * count // pairs
        assert fair <= share.shipping <= fair + (len(lines) if index == 0 else 0)
