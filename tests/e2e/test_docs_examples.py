"""Every script the help center shows (docs/examples/) runs against the real local stack and does what the page says."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.e2e.conftest import Mailbox, RunningStack

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
RUN_WITHIN = 120
ORDER = re.compile(r"^order (\d{5,12}-DMO): ", re.M)
BILLING_EMAIL = "accounts@demo-atelier.example"  # docs/examples/checkout.py bills every example order here


@pytest.fixture(scope="module")
def stack_file(stack: RunningStack) -> Path:
    """The running stack's dev-stack.json, the file `make dev` users have and the examples read."""
    assert stack.description_file is not None and stack.description_file.exists()
    return stack.description_file


def needs_stripe_secrets(stack_file: Path) -> dict[str, Any]:
    description: dict[str, Any] = json.loads(stack_file.read_text())
    assert "stripe" in description, "dev-stack.json carries the Stripe emulator's keys"
    return description


def run(stack_file: Path, script: str, *args: str) -> str:
    """Run an example as a reader would, from the repository, against this stack; its output."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "WELT_DEV_STACK": str(stack_file)},
        timeout=RUN_WITHIN,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def place_order(stack_file: Path) -> str:
    output = run(stack_file, "checkout.py")
    found = ORDER.search(output)
    assert found, output
    return found.group(1)


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"welt_docs_{name}", REPO / "docs" / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sign_in_example_shows_the_signed_in_brand(stack_file: Path) -> None:
    brand = json.loads(run(stack_file, "sign_in.py"))

    assert brand["code"] == "DMO"
    assert brand["name"] == "Demo Atelier"
    assert set(brand) == {"code", "name", "labeling_default", "stamps_status", "legal_name", "vat_id", "contact_email", "billing_address"}
    assert brand["vat_id"] == "DE136695976"  # registered by the local stack's seed, through the onboarding service


def test_checkout_example_retried_with_the_same_key_places_one_order(stack_file: Path) -> None:
    output = run(stack_file, "checkout.py")
    number = ORDER.search(output)
    generated = load_hook("generated")
    design = generated.EXAMPLE_DESIGNS[0]
    expected = generated.pricing.quote_order(
        generated.catalog(),
        design,
        generated.OrderType.MTO,
        [generated.SizeLine(size="EU42", pairs=1)],
        generated.Labeling.UNLABELED,
        "DE",
        generated.StampStatus.NONE,
        generated.vat.RULES[generated.vat.VatTreatment.INTRA_COMMUNITY],  # the example's buyer: a German VAT ID, shoes to Germany
    )

    assert number, output
    assert f"order {number.group(1)}: PENDING_PAYMENT, UNPAID, version 1" in output
    assert f"the retry answered 201 with order {number.group(1)}" in output
    costs = json.loads(output.split("costs:", 1)[1].splitlines()[0])
    assert costs == expected.model_dump()  # the same figures as the help center's price example


def test_order_pool_example_lists_the_new_order_as_pending_payment(stack_file: Path) -> None:
    number = place_order(stack_file)

    lines = run(stack_file, "order_pool.py", "PENDING_PAYMENT").splitlines()

    mine = [line for line in lines if line.startswith(number)]
    assert len(mine) == 1, lines
    assert "Pending Payment" in mine[0] and "Derby" in mine[0] and "EUR 198.00" in mine[0]
    assert all("Pending Payment" in line for line in lines)


def test_pay_example_launches_the_order_to_production_with_an_invoice(stack_file: Path) -> None:
    number = place_order(stack_file)

    output = run(stack_file, "pay.py", number)

    assert "REQUIRES_PAYMENT_METHOD" in output
    assert "Stripe answered SUCCEEDED" in output
    assert re.search(rf"order {number}: WORK_IN_PROCESS, PAID, stage CUTTING, invoice INV-\d{{4}}-\d{{6}}", output), output
    assert re.search(r'invoice PDF: attachment; filename="INV-\d{4}-\d{6}\.pdf", \d+ bytes', output), output


def test_failed_payment_example_unlocks_the_order_and_takes_another_card(stack_file: Path) -> None:
    number = place_order(stack_file)

    output = run(stack_file, "failed_payment.py", number)

    assert "first card: FAILED (Your card was declined.)" in output
    assert f"order {number}: PENDING_PAYMENT, UNPAID" in output
    assert "second card: SUCCEEDED" in output


def test_3ds_example_waits_for_the_bank_then_launches_the_order(stack_file: Path) -> None:
    needs_stripe_secrets(stack_file)
    number = place_order(stack_file)

    output = run(stack_file, "pay_3ds.py", number)

    assert "Stripe answered REQUIRES_ACTION; client secret given: True" in output
    assert "while the bank waits: PENDING_PAYMENT, PROCESSING" in output
    assert "after 3-D Secure: WORK_IN_PROCESS, PAID, stage CUTTING" in output


def test_group_shipping_example_saves_what_the_help_center_promises(stack_file: Path) -> None:
    generated = load_hook("generated")
    source = (EXAMPLES / "group_shipping.py").read_text()
    assignment = next(
        node for node in ast.parse(source).body if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DESIGNS"
    )
    designs = ast.literal_eval(assignment.value)
    catalog, pricing = generated.catalog(), generated.pricing
    alone = 3 * pricing.shipping_cost(catalog, "DE", 1)
    together = pricing.shipping_cost(catalog, "DE", 3)
    manufacturing = sum(pricing.pair_price(catalog, design, generated.OrderType.MTO) for design in generated.EXAMPLE_DESIGNS)

    output = run(stack_file, "group_shipping.py")

    assert [generated.Design.model_validate(d) for d in designs] == list(generated.EXAMPLE_DESIGNS)  # the worked example's shoes
    assert re.search(r"group G\d{4}-DMO \(OPEN\): \d{5}-DMO, \d{5}-DMO, \d{5}-DMO", output), output
    euros = generated.euros
    expected = f"shipping alone {euros(alone)}, together {euros(together)}, savings {euros(alone - together)}"
    assert expected in output, output
    assert f"total to pay {euros(manufacturing + together)}" in output
    assert f"paid {euros(manufacturing + together)}: group PAID, orders WORK_IN_PROCESS" in output


def test_manage_order_example_edits_refuses_a_stale_edit_and_cancels(stack_file: Path) -> None:
    number = place_order(stack_file)

    output = run(stack_file, "manage_order.py", number)

    assert 'edit with If-Match "1": 200, now version 2, size EU43' in output
    assert 'edit with the old If-Match "1": 412 Version does not match' in output
    assert "cancel: 200, CANCELLED" in output
    assert "timeline: CREATED, EDITED, CANCELLED" in output


def test_read_emails_example_shows_the_order_confirmation(stack_file: Path, mailbox: Mailbox) -> None:
    number = place_order(stack_file)
    subject = f"Order {number} confirmed"
    deadline = time.monotonic() + 15
    while not any(m["subject"] == subject for m in mailbox.sent_to(BILLING_EMAIL)) and time.monotonic() < deadline:
        time.sleep(0.2)

    output = run(stack_file, "read_emails.py", BILLING_EMAIL)

    assert f"Subject: {subject}" in output
    assert f"Thank you for your order {number}." in output
    assert f"To: {BILLING_EMAIL}" in output


def test_stripe_event_example_is_applied_once_and_forged_or_stale_events_are_refused(stack_file: Path) -> None:
    needs_stripe_secrets(stack_file)

    output = run(stack_file, "stripe_event.py")

    assert "first delivery: 200 {'received': True}" in output
    assert "same event again: 200 {'received': True, 'duplicate': True}" in output
    assert "forged signature: 400 Malformed request" in output
    assert "signed 301 s ago: 400 Malformed request" in output


def test_reconcile_command_of_the_webhooks_page_reports_what_it_checked(stack_file: Path) -> None:
    needs_stripe_secrets(stack_file)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STRIPE_", "WELT_", "AWS_"))}

    result = subprocess.run(
        [sys.executable, "-m", "welt_stack.reconcile", "--stack", str(stack_file)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_WITHIN,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(outcome) == {"checked", "settled", "released", "refunded", "mismatch", "failed"}
