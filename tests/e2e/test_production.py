"""The factory's side over HTTP: production stages, shipping with tracking (an order or a whole group), delivery,
and the staff's listing of every brand's orders."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    Api,
    Mailbox,
    PaymentsApi,
    RunningStack,
    assert_problem,
    order_form,
    pay_by_card,
)

pytestmark = pytest.mark.e2e

AFTER_CUTTING = ["STITCHING", "LASTING", "FINISHING", "PACKING", "READY_TO_SHIP"]


def shipment(tracking_number: str) -> dict[str, str]:
    return {
        "carrier": "DHL Express",
        "tracking_number": tracking_number,
        "tracking_url": f"https://www.dhl.com/track?AWB={tracking_number}",
    }


def move(staff: Api, number: str, stage: str) -> requests.Response:
    return staff.post(f"/admin/orders/{number}/production", json={"stage": stage})


def ready_to_ship(staff: Api, number: str) -> None:
    response = move(staff, number, "READY_TO_SHIP")
    assert response.status_code == 200, response.text


def shipped_emails(mailbox: Mailbox, tag: str, count: int = 1) -> list[dict[str, Any]]:
    return mailbox.about(order_form(tag)["billing"]["email"], "Shipped", count=count)


def timeline_types(api: Api, number: str) -> list[str]:
    return [event["type"] for event in api.get(f"/orders/{number}/events").json()["events"]]


def test_staff_move_a_paid_order_through_every_stage_and_never_backwards(dmo: Api, dmo_pay: PaymentsApi, staff: Api, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    assert_problem(move(staff, number, "CUTTING"), 409)  # nothing is made before it is paid
    assert dmo.order(number)["production_stage"] is None
    pay_by_card(dmo_pay, dmo, number)
    assert dmo.order(number)["production_stage"] == "CUTTING"
    assert_problem(move(dmo, number, "STITCHING"), 403)
    assert_problem(move(staff, number, "POLISHING"), 422)

    for stage in AFTER_CUTTING:
        moved = move(staff, number, stage)
        assert moved.status_code == 200, moved.text
        assert moved.json()["production_stage"] == stage
        assert dmo.order(number)["production_stage"] == stage
        if stage == "STITCHING":
            assert_problem(move(staff, number, "CUTTING"), 409)
        if stage == "PACKING":
            assert_problem(staff.post(f"/admin/orders/{number}/ship", json=shipment("JD0000000001")), 409)

    before = dmo.order(number)
    assert_problem(move(staff, number, "PACKING"), 409)
    assert dmo.order(number) == before
    assert timeline_types(dmo, number).count("STAGE_CHANGED") == len(AFTER_CUTTING)


def test_a_shipped_order_shows_its_tracking_is_announced_once_and_is_delivered(
    dmo: Api, dmo_pay: PaymentsApi, staff: Api, mailbox: Mailbox, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, number)
    ready_to_ship(staff, number)
    assert_problem(staff.post(f"/admin/orders/{number}/deliver"), 409)
    parcel = shipment("JD0146000012345")
    assert_problem(dmo.post(f"/admin/orders/{number}/ship", json=parcel), 403)

    shipped = staff.post(f"/admin/orders/{number}/ship", json=parcel)

    assert shipped.status_code == 200, shipped.text
    order = dmo.order(number)
    assert order["status"] == "SHIPPED"
    tracking = order["tracking"]
    assert {k: tracking[k] for k in ("carrier", "tracking_number", "tracking_url")} == parcel
    assert tracking["shipped_at"]
    assert order["days_in_production"] == 0
    again = staff.post(f"/admin/orders/{number}/ship", json=parcel)  # the same request once more
    assert again.status_code == 200, again.text
    assert_problem(staff.post(f"/admin/orders/{number}/ship", json=shipment("JD0999999999")), 409)
    emails = shipped_emails(mailbox, tag)
    assert len(emails) == 1, emails
    assert parcel["tracking_number"] in emails[0]["subject"]
    assert parcel["tracking_url"] in emails[0]["body"]
    assert dmo.order(number)["tracking"] == tracking

    delivered = staff.post(f"/admin/orders/{number}/deliver")

    assert delivered.status_code == 200, delivered.text
    assert dmo.order(number)["status"] == "DELIVERED"
    assert staff.post(f"/admin/orders/{number}/deliver").status_code == 200
    assert timeline_types(dmo, number)[-2:] == ["SHIPPED", "DELIVERED"]


def test_a_group_ships_once_every_order_is_ready_with_one_tracking_number_and_one_email(
    dmo: Api, dmo_pay: PaymentsApi, staff: Api, stack: RunningStack, mailbox: Mailbox, tag: str
) -> None:
    numbers = [dmo.place(order_form(tag))["order_number"] for _ in range(2)]
    created = dmo.post("/shipping-groups", json={"order_numbers": numbers})
    assert created.status_code == 201, created.text
    group_id = created.json()["shipping_group_id"]
    ship_path = f"/admin/shipping-groups/{group_id}/ship"
    assert_problem(staff.post(ship_path, json=shipment("JD0000000002")), 409)  # not even paid
    pay_by_card(dmo_pay, dmo, group=group_id)

    ready_to_ship(staff, numbers[0])
    waiting = assert_problem(staff.post(ship_path, json=shipment("JD0000000003")), 409)
    assert numbers[1] in waiting["detail"]
    assert_problem(staff.post(f"/admin/orders/{numbers[0]}/ship", json=shipment("JD0000000004")), 409)  # ship the group
    assert_problem(dmo.post(ship_path, json=shipment("JD0000000005")), 403)
    ready_to_ship(staff, numbers[1])

    two_staff = [Api(stack.orders_api, stack.id_tokens["staff"]) for _ in range(2)]
    parcels = [shipment("JD0146000000001"), shipment("JD0146000000002")]
    start = threading.Barrier(2)

    def ship(who: int) -> requests.Response:
        start.wait()
        return two_staff[who].post(ship_path, json=parcels[who])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(ship, range(2)))

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = parcels[[a.status_code for a in answers].index(200)]
    group = dmo.get(f"/shipping-groups/{group_id}").json()
    assert group["status"] == "SHIPPED"
    assert group["tracking"]["tracking_number"] == winner["tracking_number"]
    for number in numbers:
        order = dmo.order(number)
        assert order["status"] == "SHIPPED"
        assert order["tracking"]["tracking_number"] == winner["tracking_number"]
    emails = shipped_emails(mailbox, tag)
    assert len(emails) == 1, emails
    assert winner["tracking_number"] in emails[0]["subject"]
    assert all(number in emails[0]["body"] for number in numbers)


def test_staff_list_every_brands_orders_by_stage_status_and_brand_a_page_at_a_time(
    dmo: Api, brk: Api, dmo_pay: PaymentsApi, staff: Api, tag: str
) -> None:
    in_work = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, in_work)
    dmo_waiting = dmo.place(order_form(tag))["order_number"]
    brk_waiting = brk.place(order_form(tag))["order_number"]

    def numbers(**filters: str) -> list[str]:
        return [o["order_number"] for o in staff.all_orders("/admin/orders", 25, q=tag, **filters)]

    assert numbers() == [brk_waiting, dmo_waiting, in_work]  # every brand, newest first
    assert numbers(brand="DMO") == [dmo_waiting, in_work]
    assert numbers(brand="BRK") == [brk_waiting]
    assert numbers(stage="CUTTING") == [in_work]
    assert numbers(status="WORK_IN_PROCESS", brand="DMO") == [in_work]
    assert numbers(status="PENDING_PAYMENT") == [brk_waiting, dmo_waiting]
    assert numbers(stage="READY_TO_SHIP") == []
    pages = staff.pages("/admin/orders", limit=1, q=tag)
    assert [[o["order_number"] for o in page["orders"]] for page in pages] == [[brk_waiting], [dmo_waiting], [in_work]]
    everyone = staff.all_orders("/admin/orders", limit=100, stage="CUTTING")
    assert in_work in [o["order_number"] for o in everyone]
    assert {(o["status"], o["production_stage"]) for o in everyone} == {("WORK_IN_PROCESS", "CUTTING")}

    assert_problem(dmo.get("/admin/orders"), 403)
    assert_problem(staff.get("/admin/orders", params={"stage": "POLISHING"}), 422)
    assert_problem(staff.get("/admin/orders", params={"brand": "dmo"}), 422)


def undo(api: Api, number: str, version: int) -> requests.Response:
    return api.post(f"/admin/orders/{number}/production/undo", json={"version": version})


def test_staff_undo_a_stage_move_once_and_not_after_a_later_move(dmo: Api, brk: Api, dmo_pay: PaymentsApi, staff: Api, tag: str) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, number)
    jumped = move(staff, number, "PACKING")
    assert jumped.status_code == 200, jumped.text
    version = jumped.json()["version"]

    assert_problem(undo(dmo, number, version), 403)
    assert_problem(undo(brk, number, version), 403)
    assert_problem(undo(staff, "99999-DMO", version), 404)
    assert_problem(undo(staff, number, 0), 422)
    assert dmo.order(number)["production_stage"] == "PACKING"

    back = undo(staff, number, version)
    assert back.status_code == 200, back.text
    assert back.json()["production_stage"] == "CUTTING" and back.headers["ETag"] == f'"{version + 1}"'
    assert dmo.order(number)["production_stage"] == "CUTTING"
    assert timeline_types(dmo, number)[-2:] == ["STAGE_CHANGED", "STAGE_MOVE_UNDONE"]
    assert_problem(undo(staff, number, version), 409)  # a second undo
    assert_problem(undo(staff, number, version + 1), 409)  # the undo itself is not a move to take back

    first = move(staff, number, "STITCHING").json()
    assert move(staff, number, "LASTING").status_code == 200
    conflict = assert_problem(undo(staff, number, first["version"]), 409)
    assert "changed since" in conflict["detail"]
    assert dmo.order(number)["production_stage"] == "LASTING"


def test_an_undo_racing_another_staff_members_move_has_one_winner(
    dmo: Api, dmo_pay: PaymentsApi, staff: Api, stack: RunningStack, tag: str
) -> None:
    number = dmo.place(order_form(tag))["order_number"]
    pay_by_card(dmo_pay, dmo, number)
    version = move(staff, number, "STITCHING").json()["version"]
    two_staff = [Api(stack.orders_api, stack.id_tokens["staff"]) for _ in range(2)]
    start = threading.Barrier(2)

    def act(who: int) -> requests.Response:
        start.wait()
        return undo(two_staff[0], number, version) if who == 0 else move(two_staff[1], number, "FINISHING")

    with ThreadPoolExecutor(2) as pool:
        undone, moved = pool.map(act, range(2))

    # The move lands either way (from CUTTING if the undo came first); the undo only if it came first.
    assert moved.status_code == 200, moved.text
    assert undone.status_code in (200, 409), undone.text
    types = timeline_types(dmo, number)
    assert types.count("STAGE_MOVE_UNDONE") == (undone.status_code == 200)
    assert types[-1] == "STAGE_CHANGED" and dmo.order(number)["production_stage"] == "FINISHING"
    assert dmo.order(number)["version"] == version + 1 + (undone.status_code == 200)
