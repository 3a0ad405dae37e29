"""VERI*FACTU records reach AEAT through the schedule: the local stack's sending worker and its stand-in AEAT over HTTP."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Api, PaymentsApi, RunningStack, eventually, order_form, pay_by_card
from welt_stack.stack import REPO, app_environment

# Records are sent every 2 s once AEAT's wait (2 s on the test stacks) is over: well within this.
ANSWERED_WITHIN = 40


class StandInAeat:
    """The stack's AEAT stand-in: what it was sent, and its settings for a test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def submissions(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.base_url}/_received", timeout=10)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["submissions"]
        return found

    def configure(self, what: str, settings: dict[str, Any]) -> None:
        response = requests.post(f"{self.base_url}/_config/{what}", json=settings, timeout=10)
        assert response.status_code == 200, response.text


@pytest.fixture
def aeat(stack: RunningStack) -> StandInAeat:
    assert stack.description_file is not None
    return StandInAeat(json.loads(stack.description_file.read_text())["aeat"])


def record_of(staff_pay: PaymentsApi, invoice_number: str) -> dict[str, Any] | None:
    cursor: str | None = None
    while True:
        response = staff_pay.get("/admin/invoicing/records", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        found = next((r for r in page["records"] if r["NumSerieFactura"] == invoice_number), None)
        if found is not None or page["next_cursor"] is None:
            return found
        cursor = page["next_cursor"]


def answered(staff_pay: PaymentsApi, invoice_number: str) -> dict[str, Any]:
    record = eventually(
        lambda: record_of(staff_pay, invoice_number),
        lambda r: r is not None and r["submission_state"] != "PENDING",
        ANSWERED_WITHIN,
        f"AEAT's answer on {invoice_number}",
    )
    assert record is not None
    return record


def sendings_of(aeat: StandInAeat, invoice_number: str) -> list[str]:
    """When each submission holding the invoice's record reached AEAT."""
    return [s["at"] for s in aeat.submissions() if invoice_number in s["records"]]


def pay_order(dmo: Api, dmo_pay: PaymentsApi, form: dict[str, Any]) -> str:
    number = dmo.place(form)["order_number"]
    invoice_number: str = pay_by_card(dmo_pay, dmo, number)["invoice_number"]
    return invoice_number


def test_a_paid_orders_record_is_sent_on_schedule_and_accepted_by_aeat(
    dmo: Api, dmo_pay: PaymentsApi, staff_pay: PaymentsApi, aeat: StandInAeat, tag: str
) -> None:
    invoice_number = pay_order(dmo, dmo_pay, order_form(tag))
    record = answered(staff_pay, invoice_number)
    assert record["submission_state"] == "Correcto"
    assert len(sendings_of(aeat, invoice_number)) == 1


def test_a_record_aeat_refuses_ends_incorrecto_and_is_not_sent_again(
    dmo: Api, dmo_pay: PaymentsApi, staff_pay: PaymentsApi, aeat: StandInAeat, tag: str
) -> None:
    buyer = f"Refused Atelier {tag}"
    aeat.configure("refuse", {"buyer": buyer, "code": "1100", "description": "Valor o tipo incorrecto del campo."})
    form = order_form(tag)
    form["billing"] = {**copy.deepcopy(form["billing"]), "name": buyer, "company": None}
    invoice_number = pay_order(dmo, dmo_pay, form)
    assert answered(staff_pay, invoice_number)["submission_state"] == "Incorrecto"
    # Later rounds send what else waits, never the refused record again (it is for staff to correct).
    later = pay_order(dmo, dmo_pay, order_form(tag))
    assert answered(staff_pay, later)["submission_state"] == "Correcto"
    assert len(sendings_of(aeat, invoice_number)) == 1


def test_the_next_submission_waits_for_the_time_aeat_answered(
    dmo: Api, dmo_pay: PaymentsApi, staff_pay: PaymentsApi, aeat: StandInAeat, tag: str
) -> None:
    aeat.configure("wait", {"seconds": 10})
    try:
        first = pay_order(dmo, dmo_pay, order_form(tag))
        answered(staff_pay, first)
        second = pay_order(dmo, dmo_pay, order_form(tag))  # settles within a few seconds of AEAT's answer
        answered(staff_pay, second)
    finally:
        aeat.configure("wait", {"seconds": 2})
    first_sent = datetime.fromisoformat(sendings_of(aeat, first)[0])
    second_sent = datetime.fromisoformat(sendings_of(aeat, second)[0])
    assert (second_sent - first_sent).total_seconds() >= 10


def test_runs_started_at_once_send_each_record_once(
    stack: RunningStack, dmo: Api, dmo_pay: PaymentsApi, staff_pay: PaymentsApi, aeat: StandInAeat, tag: str
) -> None:
    assert stack.description_file is not None
    description = json.loads(stack.description_file.read_text())
    env = {
        **os.environ,
        **app_environment(description),
        "WELT_AEAT_URL": f"{description['aeat']}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
    }
    invoice_number = pay_order(dmo, dmo_pay, order_form(tag))
    # Three more runs of the scheduled function beside the stack's own, as overlapping or repeated schedules would.
    runs = [
        subprocess.Popen([sys.executable, "-m", "welt_stack.submit_records"], cwd=REPO, env=env, stdout=subprocess.PIPE) for _ in range(3)
    ]
    for run in runs:
        assert run.wait(timeout=60) == 0
    assert answered(staff_pay, invoice_number)["submission_state"] == "Correcto"
    assert len(sendings_of(aeat, invoice_number)) == 1
