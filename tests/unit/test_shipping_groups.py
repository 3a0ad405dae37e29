"""Group shipping rules one by one, group payment, and races around a group, on fakes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.examples import SHIPPING_ADDRESS, checkout, mini_bulk
from tests.fakes import FakeStripe, intent_object, signed_event
from welt.domain.errors import ForbiddenError, NotFoundError, StateConflictError, ValidationFailedError
from welt.services import group_suggestions, order_pool, orders, payments, shipping_groups
from welt.services.orders import Caller, Checkout, OrderDesk, OrderEdit
from welt.services.payments import ConfirmRequest, PaymentDesk, PaymentRequest
from welt.services.ports import OrderFilter
from welt.services.resources import OrderResource, PaymentResource, ShippingGroupResource
from welt.services.shipping_groups import GroupAddition, NewGroup

DMO = Caller(subject="u1", brand="DMO", staff=False)
BRK = Caller(subject="u2", brand="BRK", staff=False)


class Brand:
    def __init__(self, desk: OrderDesk, pay: PaymentDesk, stripe: FakeStripe) -> None:
        self.desk, self.pay, self.stripe = desk, pay, stripe
        self._keys = iter(range(1_000_000))

    def order(self, caller: Caller = DMO, **changes: Any) -> str:
        body = checkout(**changes)
        return str(orders.checkout(self.desk, caller, Checkout.model_validate(body), f"k{next(self._keys)}", body)["order_number"])

    def group(self, numbers: list[str], caller: Caller = DMO) -> ShippingGroupResource:
        return shipping_groups.create_group(self.desk, caller, NewGroup(order_numbers=numbers))

    def order_view(self, number: str) -> OrderResource:
        return orders.get_order(self.desk, DMO if number.endswith("DMO") else BRK, number)

    def pay_group(self, group_id: str, card: str = "pm_card_visa") -> PaymentResource:
        request = PaymentRequest(shipping_group_id=group_id)
        payment = payments.start_payment(self.pay, DMO, request, f"p{next(self._keys)}", request.model_dump())
        return payments.confirm_payment(self.pay, DMO, payment["payment_id"], ConfirmRequest(payment_method=card))

    def settle(self, intent_id: str) -> None:
        payments.handle_webhook(self.pay, *signed_event("payment_intent.succeeded", intent_object(self.stripe.retrieve(intent_id))))


@pytest.fixture
def brand(desk: OrderDesk, payment_desk: PaymentDesk, stripe: FakeStripe) -> Brand:
    return Brand(desk, payment_desk, stripe)


def test_a_group_of_three_orders_ships_as_one_and_shows_the_saving(brand: Brand) -> None:
    numbers = [brand.order() for _ in range(3)]
    group = brand.group(numbers)
    assert group["shipping_group_id"] == "G0001-DMO" and group["status"] == "OPEN"
    assert group["costs"]["shipping"] == 1500 + 300 * 3
    assert group["shipping_savings"] == 3 * (1500 + 300) - (1500 + 900)
    assert group["costs"]["total"] == 3 * 18000 + group["costs"]["shipping"]
    assert {brand.order_view(n)["shipping_group_id"] for n in numbers} == {"G0001-DMO"}
    assert brand.group([brand.order(), brand.order()])["shipping_group_id"] == "G0002-DMO"


def test_a_group_needs_two_to_twenty_orders(brand: Brand) -> None:
    with pytest.raises(ValidationFailedError):
        brand.group([brand.order()])
    with pytest.raises(ValidationFailedError):
        brand.group([f"{n:05d}-DMO" for n in range(1, 22)])


def test_only_mto_orders_can_be_grouped(brand: Brand) -> None:
    bulk = brand.order(**{k: v for k, v in mini_bulk().items() if k in {"type", "sizes"}})
    with pytest.raises(ValidationFailedError) as refused:
        brand.group([brand.order(), bulk])
    assert bulk in refused.value.errors[0].msg and refused.value.errors[0].loc == ("order_numbers", 1)


def test_orders_to_other_addresses_cannot_be_grouped(brand: Brand) -> None:
    other = brand.order(shipping_address={**SHIPPING_ADDRESS, "line1": "Kastanienallee 5"})
    numbers = [brand.order(), other]
    with pytest.raises(ValidationFailedError) as refused:
        brand.group(numbers)
    assert refused.value.errors[0].msg == f"{other} ships to another address (street 'Kastanienallee 5'), {numbers[0]} to 'Torstrasse 101'"


def test_an_order_to_another_country_is_refused_by_a_group_naming_both_countries(brand: Brand) -> None:
    group = brand.group([brand.order(), brand.order()])["shipping_group_id"]
    french = {**SHIPPING_ADDRESS, "country": "FR", "postal_code": "75011", "city": "Paris"}
    other = brand.order(shipping_address=french)
    with pytest.raises(ValidationFailedError) as refused:
        shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=other))
    assert refused.value.errors[0].msg == f"{other} ships to FR, the group to DE"
    assert other not in shipping_groups.get_group(brand.desk, DMO, group)["order_numbers"]


def test_address_spelling_in_case_and_spacing_does_not_split_a_group(brand: Brand) -> None:
    twin = brand.order(shipping_address={**SHIPPING_ADDRESS, "city": "  berlin "})
    assert brand.group([brand.order(), twin])["status"] == "OPEN"


def test_an_order_in_a_group_cannot_join_another(brand: Brand) -> None:
    first, second, third = brand.order(), brand.order(), brand.order()
    brand.group([first, second])
    with pytest.raises(StateConflictError, match=first):
        brand.group([first, third])
    assert brand.order_view(third)["shipping_group_id"] is None


def test_paid_or_cancelled_orders_cannot_be_grouped(brand: Brand) -> None:
    cancelled = brand.order()
    orders.cancel_order(brand.desk, DMO, cancelled, None)
    with pytest.raises(StateConflictError, match=cancelled):
        brand.group([brand.order(), cancelled])


def test_another_brands_orders_and_groups_are_not_found(brand: Brand) -> None:
    theirs = brand.order(BRK)
    with pytest.raises(NotFoundError):
        brand.group([brand.order(), theirs])
    group = brand.group([brand.order(BRK), brand.order(BRK)], BRK)["shipping_group_id"]
    for call in (
        lambda: shipping_groups.get_group(brand.desk, DMO, group),
        lambda: shipping_groups.dissolve_group(brand.desk, DMO, group),
        lambda: shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=brand.order())),
        lambda: shipping_groups.remove_order(brand.desk, DMO, group, theirs),
        lambda: payments.start_payment(brand.pay, DMO, PaymentRequest(shipping_group_id=group), "x", {}),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert shipping_groups.list_groups(brand.desk, DMO)["shipping_groups"] == []


def test_a_grouped_order_is_paid_only_through_its_group(brand: Brand) -> None:
    first, second = brand.order(), brand.order()
    brand.group([first, second])
    with pytest.raises(StateConflictError, match="pay the group"):
        payments.start_payment(brand.pay, DMO, PaymentRequest(order_numbers=[first]), "k", {})


def test_orders_join_and_leave_an_open_group(brand: Brand) -> None:
    first, second, third = brand.order(), brand.order(), brand.order()
    group = brand.group([first, second])["shipping_group_id"]
    grown = shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=third))
    assert grown["order_numbers"] == [first, second, third]
    shrunk = shipping_groups.remove_order(brand.desk, DMO, group, first)
    assert shrunk["order_numbers"] == [second, third]
    assert brand.order_view(first)["shipping_group_id"] is None
    with pytest.raises(StateConflictError, match="dissolve"):
        shipping_groups.remove_order(brand.desk, DMO, group, second)


def test_a_grouped_order_cannot_be_edited_and_dissolving_frees_it(brand: Brand) -> None:
    first, second = brand.order(), brand.order()
    group = brand.group([first, second])["shipping_group_id"]
    edit = OrderEdit.model_validate({"sizes": [{"size": "EU44", "pairs": 1}]})
    with pytest.raises(StateConflictError, match="shipping group"):
        orders.edit_order(brand.desk, DMO, first, edit, brand.order_view(first)["version"])
    assert shipping_groups.dissolve_group(brand.desk, DMO, group)["status"] == "DISSOLVED"
    assert orders.edit_order(brand.desk, DMO, first, edit, brand.order_view(first)["version"])["sizes"][0]["size"] == "EU44"
    with pytest.raises(NotFoundError):
        shipping_groups.get_group(brand.desk, DMO, group)


def test_a_group_is_paid_in_one_payment_and_launched_together(brand: Brand) -> None:
    numbers = [brand.order() for _ in range(3)]
    group = brand.group(numbers)
    confirmed = brand.pay_group(group["shipping_group_id"])
    assert confirmed["amount"] == group["costs"]["total"] and confirmed["order_numbers"] == numbers
    assert brand.stripe.creates == 1
    brand.settle(str(confirmed["stripe"]["payment_intent_id"]))
    assert {brand.order_view(n)["status"] for n in numbers} == {"WORK_IN_PROCESS"}
    assert {brand.order_view(n)["invoice_number"] for n in numbers} == {"INV-2026-000001"}
    paid = shipping_groups.get_group(brand.desk, DMO, group["shipping_group_id"])
    assert paid["status"] == "PAID"
    with pytest.raises(StateConflictError):
        shipping_groups.dissolve_group(brand.desk, DMO, group["shipping_group_id"])
    with pytest.raises(StateConflictError):
        shipping_groups.add_order(brand.desk, DMO, group["shipping_group_id"], GroupAddition(order_number=brand.order()))


def test_each_order_shows_its_share_and_the_shares_add_up_to_the_payment_before_and_after_paying(brand: Brand) -> None:
    numbers = [brand.order(), brand.order(), brand.order(labeling="CUSTOM_STAMPS")]
    alone = brand.order()
    group = brand.group(numbers)
    pool = {o["order_number"]: o for o in order_pool.list_orders(brand.desk, DMO, OrderFilter())["orders"]}
    shares = [brand.order_view(n)["group_share"] for n in numbers]
    assert [pool[n]["group_share"] for n in numbers] == shares == group["shares"]
    assert pool[alone]["group_share"] is None and brand.order_view(alone)["group_share"] is None
    assert sum(share["shipping"] for share in shares if share) == group["costs"]["shipping"]
    assert [share["customization"] for share in shares if share] == [0, 0, group["costs"]["customization"]]
    confirmed = brand.pay_group(group["shipping_group_id"])
    assert sum(share["total"] for share in shares if share) == confirmed["amount"] == group["costs"]["total"]
    brand.settle(str(confirmed["stripe"]["payment_intent_id"]))
    after = [brand.order_view(n)["group_share"] for n in numbers]
    assert after == shares and sum(share["total"] for share in after if share) == confirmed["amount"]


def test_the_group_is_fixed_while_its_payment_runs_and_open_again_after_a_decline(brand: Brand) -> None:
    first, second, third = brand.order(), brand.order(), brand.order()
    group = brand.group([first, second])["shipping_group_id"]
    brand.pay_group(group, "pm_card_threeDSecure")
    with pytest.raises(StateConflictError):
        shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=third))
    assert brand.order_view(third)["shipping_group_id"] is None
    with pytest.raises(StateConflictError):
        shipping_groups.remove_order(brand.desk, DMO, group, first)
    declined_group = brand.group([brand.order(), brand.order()])["shipping_group_id"]
    assert brand.pay_group(declined_group, "pm_card_chargeCustomerFail")["status"] == "FAILED"
    assert shipping_groups.get_group(brand.desk, DMO, declined_group)["status"] == "OPEN"


def test_a_group_changed_after_its_payment_was_created_voids_that_payment(brand: Brand) -> None:
    first, second, third = brand.order(), brand.order(), brand.order()
    group = brand.group([first, second])["shipping_group_id"]
    request = PaymentRequest(shipping_group_id=group)
    payment = payments.start_payment(brand.pay, DMO, request, "old", request.model_dump())
    shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=third))
    with pytest.raises(StateConflictError, match="changed"):
        payments.confirm_payment(brand.pay, DMO, payment["payment_id"], ConfirmRequest(payment_method="pm_card_visa"))
    assert brand.stripe.creates == 0
    assert {brand.order_view(n)["payment_status"] for n in (first, second, third)} == {"UNPAID"}


def test_adding_an_order_while_the_group_is_being_paid_has_one_winner(brand: Brand) -> None:
    for _ in range(10):
        first, second, extra = brand.order(), brand.order(), brand.order()
        group = brand.group([first, second])["shipping_group_id"]
        request = PaymentRequest(shipping_group_id=group)
        payment = payments.start_payment(brand.pay, DMO, request, f"race-{group}", request.model_dump())
        start = threading.Barrier(2)

        def pay(start: threading.Barrier = start, payment: PaymentResource = payment) -> str:
            start.wait()
            try:
                return str(
                    payments.confirm_payment(brand.pay, DMO, payment["payment_id"], ConfirmRequest(payment_method="pm_card_visa"))["status"]
                )
            except StateConflictError:
                return "409"

        def add(start: threading.Barrier = start, group: str = group, extra: str = extra) -> str:
            start.wait()
            try:
                shipping_groups.add_order(brand.desk, DMO, group, GroupAddition(order_number=extra))
                return "added"
            except StateConflictError:
                return "409"

        with ThreadPoolExecutor(2) as pool:
            paid, added = pool.submit(pay), pool.submit(add)
            outcome = {paid.result(), added.result()}
        assert outcome in ({"SUCCEEDED", "409"}, {"409", "added"}), outcome
        grouped = shipping_groups.get_group(brand.desk, DMO, group)["order_numbers"]
        assert (extra in grouped) == (outcome == {"409", "added"})
        assert (brand.order_view(extra)["shipping_group_id"] == group) == (extra in grouped)


def test_a_paid_group_shows_the_stamp_fee_it_was_charged(brand: Brand) -> None:
    numbers = [brand.order(labeling="CUSTOM_STAMPS"), brand.order(labeling="CUSTOM_STAMPS")]
    group = brand.group(numbers)
    assert group["costs"]["customization"] == brand.pay.catalog.stamp_fee
    confirmed = brand.pay_group(group["shipping_group_id"])
    brand.settle(str(confirmed["stripe"]["payment_intent_id"]))
    paid = shipping_groups.get_group(brand.desk, DMO, group["shipping_group_id"])
    assert paid["costs"]["customization"] == brand.pay.catalog.stamp_fee
    assert paid["costs"]["total"] == confirmed["amount"]
    assert sum(brand.order_view(n)["costs"]["customization"] for n in numbers) == brand.pay.catalog.stamp_fee


def test_suggestions_list_the_brands_own_open_orders_and_one_becomes_a_group(brand: Brand) -> None:
    mine = [brand.order() for _ in range(3)]
    brand.order(caller=BRK)
    brand.order(caller=BRK)
    (suggestion,) = group_suggestions.list_suggestions(brand.desk, DMO)["suggestions"]
    assert suggestion["order_numbers"] == mine[::-1]
    assert suggestion["shipping_savings"] == 2 * 1500
    assert [s["order_numbers"] for s in group_suggestions.list_suggestions(brand.desk, BRK)["suggestions"]] == [["00002-BRK", "00001-BRK"]]
    group = brand.group(suggestion["order_numbers"])
    assert group["shipping_savings"] == suggestion["shipping_savings"] and group["costs"] == suggestion["costs"]
    assert group_suggestions.list_suggestions(brand.desk, DMO) == {"suggestions": []}


def test_suggestions_are_for_brand_users(brand: Brand) -> None:
    with pytest.raises(ForbiddenError):
        group_suggestions.list_suggestions(brand.desk, Caller(subject="s1", brand=None, staff=True))
