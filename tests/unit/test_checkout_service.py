"""Checkout and order management through the service layer, on fakes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.examples import checkout, mini_bulk
from tests.fakes import Clock, FakeMailer, fake_desk
from tests.internal_codes import internal_codes
from welt.domain.errors import (
    ForbiddenError,
    IdempotencyKeyReusedError,
    MalformedRequestError,
    NotFoundError,
    StateConflictError,
    ValidationFailedError,
    VersionMismatchError,
)
from welt.domain.model import Labeling
from welt.services import order_pool, orders, quotes
from welt.services.notifications import deliver_due
from welt.services.orders import Caller, Checkout, OrderDesk, OrderEdit
from welt.services.ports import OrderFilter
from welt.services.resources import OrderResource

DMO = Caller(subject="u1", brand="DMO", staff=False)
BRK = Caller(subject="u2", brand="BRK", staff=False)
STAFF = Caller(subject="s1", brand=None, staff=True)


def place(desk: OrderDesk, caller: Caller = DMO, key: str = "k1", **changes: Any) -> OrderResource:
    body = checkout(**changes)
    return orders.checkout(desk, caller, Checkout.model_validate(body), key, body)


def test_second_checkout_with_same_key_returns_the_first_order(desk: OrderDesk, mailer: FakeMailer) -> None:
    first = place(desk, key="same")
    again = place(desk, key="same")
    assert again == first
    assert order_pool.list_orders(desk, DMO, OrderFilter())["orders"][0]["order_number"] == first["order_number"]
    assert len(order_pool.list_orders(desk, DMO, OrderFilter())["orders"]) == 1
    assert len(mailer.sent) == 1


def test_same_key_with_another_body_is_refused(desk: OrderDesk) -> None:
    place(desk, key="same")
    with pytest.raises(IdempotencyKeyReusedError):
        place(desk, key="same", sizes=[{"size": "EU43", "pairs": 1}])


def test_keys_are_per_brand(desk: OrderDesk) -> None:
    mine = place(desk, DMO, key="shared")
    theirs = place(desk, BRK, key="shared")
    assert (mine["order_number"], theirs["order_number"]) == ("00001-DMO", "00001-BRK")


def test_confirmation_email_carries_specs_and_costs_and_goes_to_billing(desk: OrderDesk, mailer: FakeMailer) -> None:
    order = place(desk)
    [(to, subject, body)] = mailer.sent
    assert to == "accounts@dmo.example"
    assert order["order_number"] in subject
    assert "Derby" in body and "EU42 x 1" in body and "Total: EUR 198.00" in body


def test_failed_confirmation_email_is_retried_later_and_sent_once(clock: Clock) -> None:
    mailer = FakeMailer(failures=1)
    desk = fake_desk(mailer, clock)
    place(desk)
    assert mailer.sent == []
    assert deliver_due(desk.outbox, mailer, clock) == 0  # not due yet: backing off
    clock.advance(minutes=5)
    assert deliver_due(desk.outbox, mailer, clock) == 1
    clock.advance(minutes=5)
    assert deliver_due(desk.outbox, mailer, clock) == 0
    assert len(mailer.sent) == 1


def test_a_retried_checkout_after_a_failed_email_does_not_send_twice(clock: Clock) -> None:
    mailer = FakeMailer(failures=1)
    desk = fake_desk(mailer, clock)
    place(desk, key="k")
    place(desk, key="k")
    clock.advance(hours=2)
    deliver_due(desk.outbox, mailer, clock)
    deliver_due(desk.outbox, mailer, clock)
    assert len(mailer.sent) == 1


def test_first_order_must_choose_labeling_and_later_orders_default_to_the_last_choice(desk: OrderDesk) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        place(desk, key="a", labeling=None)
    assert refused.value.errors[0].loc == ("labeling",)
    place(desk, key="b", labeling="CUSTOM_STAMPS")
    later = place(desk, key="c", labeling=None)
    assert later["labeling"] == Labeling.CUSTOM_STAMPS
    assert orders.brand_profile(desk, DMO)["labeling_default"] == Labeling.CUSTOM_STAMPS


def test_custom_stamps_order_shows_the_fee_until_the_brand_has_stamps(desk: OrderDesk) -> None:
    order = place(desk, labeling="CUSTOM_STAMPS")
    assert order["costs"]["customization"] == desk.catalog.stamp_fee


def test_a_design_the_factory_cannot_make_is_refused_field_by_field(desk: OrderDesk) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        place(desk, design={"model": "derby", "materials": {"upper": "canvas-natural", "lining": "unlined", "sole": "crepe"}})
    assert {p.loc for p in refused.value.errors} == {
        ("design", "materials", "upper"),
        ("design", "materials", "lining"),
        ("design", "materials", "sole"),
    }


def test_staff_cannot_check_out(desk: OrderDesk) -> None:
    with pytest.raises(ForbiddenError):
        place(desk, STAFF)


def test_concurrent_checkouts_get_consecutive_numbers(desk: OrderDesk) -> None:
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda i: place(desk, key=f"k{i}")["order_number"], range(40)))
    assert sorted(numbers) == [f"{n:05d}-DMO" for n in range(1, 41)]


def test_edit_needs_the_current_version_and_reprices(desk: OrderDesk) -> None:
    order = place(desk, **{k: v for k, v in mini_bulk().items() if k in {"type", "sizes"}})
    number = str(order["order_number"])
    with pytest.raises(VersionMismatchError):
        orders.edit_order(desk, DMO, number, OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 20}]}), if_match=7)
    edited = orders.edit_order(desk, DMO, number, OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 20}]}), 1)
    assert edited["version"] == 2 and edited["pairs"] == 20
    assert edited["costs"]["manufacturing"] == 15300 * 20


def test_an_edit_that_breaks_the_pair_limit_changes_nothing(desk: OrderDesk) -> None:
    number = str(place(desk)["order_number"])
    with pytest.raises(ValidationFailedError):
        orders.edit_order(desk, DMO, number, OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 2}]}), 1)
    assert orders.get_order(desk, DMO, number)["version"] == 1


def test_cancel_is_final_and_repeatable(desk: OrderDesk) -> None:
    number = str(place(desk)["order_number"])
    first = orders.cancel_order(desk, DMO, number, None)
    again = orders.cancel_order(desk, DMO, number, None)
    assert first == again and first["status"] == "CANCELLED"
    with pytest.raises(StateConflictError):
        orders.edit_order(desk, DMO, number, OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 1}]}), 2)
    events = orders.order_timeline(desk, DMO, number)["events"]
    assert [e["type"] for e in events] == ["CREATED", "CANCELLED"]


def test_another_brands_order_is_not_found_anywhere(desk: OrderDesk) -> None:
    number = str(place(desk)["order_number"])
    edit = OrderEdit.model_validate({"sizes": [{"size": "EU40", "pairs": 1}]})
    calls = [
        lambda: orders.get_order(desk, BRK, number),
        lambda: orders.order_timeline(desk, BRK, number),
        lambda: orders.edit_order(desk, BRK, number, edit, 1),
        lambda: orders.cancel_order(desk, BRK, number, None),
        lambda: quotes.quote(desk, BRK, quotes.QuoteRequest(order_numbers=[number])),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert order_pool.list_orders(desk, BRK, OrderFilter())["orders"] == []


def test_pool_pages_newest_first_with_filters(desk: OrderDesk) -> None:
    for i in range(7):
        place(desk, key=f"m{i}")
    place(desk, key="bulk", **{k: v for k, v in mini_bulk().items() if k in {"type", "sizes"}})
    seen = []
    cursor = None
    while True:
        page = order_pool.list_orders(desk, DMO, OrderFilter(type=orders.OrderType.MTO, limit=3, cursor=cursor))
        seen += [o["order_number"] for o in page["orders"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"{n:05d}-DMO" for n in range(7, 0, -1)]


def test_a_cursor_cannot_be_forged_or_used_by_another_brand(desk: OrderDesk) -> None:
    for i in range(3):
        place(desk, key=f"c{i}")
        place(desk, BRK, key=f"c{i}")
    cursor = order_pool.list_orders(desk, DMO, OrderFilter(limit=1))["next_cursor"]
    assert cursor
    with pytest.raises(MalformedRequestError):
        order_pool.list_orders(desk, BRK, OrderFilter(limit=1, cursor=cursor))
    with pytest.raises(MalformedRequestError):
        order_pool.list_orders(desk, DMO, OrderFilter(limit=1, cursor=cursor[:-2] + "AA"))
    with pytest.raises(MalformedRequestError):
        order_pool.list_orders(desk, DMO, OrderFilter(limit=1, status=orders.OrderStatus.CANCELLED, cursor=cursor))


def test_q_finds_orders_by_number_model_and_design_reference(desk: OrderDesk) -> None:
    place(desk, key="a")
    place(
        desk,
        key="b",
        design={
            "model": "loafer",
            "materials": {"upper": "calf-black", "lining": "unlined", "sole": "leather-sole"},
            "design_ref": "SS27-Penny",
        },
    )
    assert [o["order_number"] for o in order_pool.list_orders(desk, DMO, OrderFilter(q="ss27"))["orders"]] == ["00002-DMO"]
    assert [o["order_number"] for o in order_pool.list_orders(desk, DMO, OrderFilter(q="derby"))["orders"]] == ["00001-DMO"]
    assert [o["order_number"] for o in order_pool.list_orders(desk, DMO, OrderFilter(q="00002"))["orders"]] == ["00002-DMO"]


def test_quote_of_two_orders_shipped_together_shows_the_saving(desk: OrderDesk) -> None:
    a = place(desk, key="a")
    b = place(desk, key="b")
    quote = quotes.quote(desk, DMO, quotes.QuoteRequest(order_numbers=[str(a["order_number"]), str(b["order_number"])]))
    assert quote["costs"]["shipping"] == 1500 + 300 * 2
    assert quote["shipping_savings"] == 2 * (1500 + 300) - (1500 + 600)


def test_a_quote_saves_nothing(desk: OrderDesk) -> None:
    request = quotes.QuoteRequest.model_validate(
        {"order": {**{k: v for k, v in checkout().items() if k in {"type", "design", "sizes", "labeling"}}, "country": "US"}}
    )
    assert quotes.quote(desk, DMO, request)["costs"]["shipping"] == 3500 + 600
    assert order_pool.list_orders(desk, DMO, OrderFilter())["orders"] == []


def test_staff_see_every_brand_and_brands_do_not(desk: OrderDesk) -> None:
    place(desk, DMO)
    place(desk, BRK)
    assert {o["brand"] for o in order_pool.list_all_orders(desk, STAFF, OrderFilter())["orders"]} == {"DMO", "BRK"}
    assert [o["brand"] for o in order_pool.list_all_orders(desk, STAFF, OrderFilter(brand="BRK"))["orders"]] == ["BRK"]
    with pytest.raises(ForbiddenError):
        order_pool.list_all_orders(desk, DMO, OrderFilter())


def test_the_confirmation_email_speaks_words_not_codes(desk: OrderDesk, mailer: FakeMailer) -> None:
    place(desk, **mini_bulk())
    [(_, subject, body)] = mailer.sent
    assert internal_codes(subject + "\n" + body) == []
    assert "Order type: Mini bulk" in body and "Labeling: Unlabeled" in body and "Awaiting payment" in body
