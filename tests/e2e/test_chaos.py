"""The fault suite: the customer journey on a local stack whose functions reach Stripe and AWS through the fault
proxy (500s, timeouts, resets, answers lost after Stripe acted, SES failing half the time). Once the faults stop
and reconciliation and the email retry have run, money, orders and emails must add up.

`make test` runs the short version; `make chaos` (WELT_CHAOS=full) the long one, which also writes its figures to
docs/developers/reliability.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    STAFF_SIGN_IN_SECONDS,
    Api,
    Mailbox,
    PaymentsApi,
    RunningStack,
    StripeEmulator,
    _described,
    _sign_in_everyone,
    order_form,
)
from welt_stack.faults import Fault, FaultKind, ses_failing
from welt_stack.stack import FAULT_SUITE_STRIPE_TIMEOUT, LocalStack, StackError, app_environment, stack_on_free_ports

# One group: the faulty stack below is started once, on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.chaos, pytest.mark.xdist_group("chaos")]

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "docs" / "developers" / "reliability.md"
FULL = os.environ.get("WELT_CHAOS") == "full"


@dataclass(frozen=True)
class Run:
    """How much of the journey, and how long SES fails."""

    name: str
    orders: int
    ses_failing_seconds: float


RUN = Run("full", orders=24, ses_failing_seconds=60) if FULL else Run("short", orders=8, ses_failing_seconds=10)
DECLINED_CARD = "pm_card_chargeCustomerFail"
GOOD_CARD = "pm_card_visa"
CLIENT_TRIES = 8
WEBHOOKS_WITHIN = 10.0

# Later runs of the scheduled jobs: the same commands with their clocks moved past every waiting period.
LATER = """
import runpy, sys
from datetime import timedelta
import welt.bootstrap
hours = float(sys.argv.pop(1))
module = sys.argv.pop(1)
now = welt.bootstrap.utc_now
welt.bootstrap.utc_now = lambda: now() + timedelta(hours=hours)
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def stripe_faults() -> list[tuple[str, Fault]]:
    """Every n-th matching call fails, so each kind of fault strikes in a short run too."""
    intents, confirm, cancel = r"^/v1/payment_intents$", r"^/v1/payment_intents/[^/]+/confirm$", r"/cancel$"
    held = FAULT_SUITE_STRIPE_TIMEOUT + 1
    return [
        ("create an intent: 500", Fault(FaultKind.ERROR, method="POST", path=intents, every=4, status=500)),
        ("create an intent: timeout", Fault(FaultKind.TIMEOUT, method="POST", path=intents, every=5, times=2, hold_seconds=held)),
        ("confirm: answer lost after Stripe charged", Fault(FaultKind.LOST_ANSWER, method="POST", path=confirm, every=2)),
        ("confirm: connection reset", Fault(FaultKind.RESET, method="POST", path=confirm, every=3)),
        ("confirm: timeout", Fault(FaultKind.TIMEOUT, method="POST", path=confirm, every=4, times=1, hold_seconds=held)),
        ("cancel: answer lost after Stripe cancelled", Fault(FaultKind.LOST_ANSWER, method="POST", path=cancel, every=2)),
        ("read an intent: 503", Fault(FaultKind.ERROR, method="GET", path=r"^/v1/payment_intents/", every=3, status=503)),
    ]


def aws_faults(run: Run) -> list[tuple[str, Fault]]:
    return [
        (f"SES: half the sends fail for {run.ses_failing_seconds:.0f} s", ses_failing(0.5, run.ses_failing_seconds)),
        (
            "DynamoDB: 500 on 3% of reads and transactions",
            Fault(FaultKind.ERROR, method="POST", target="GetItem|Query|TransactWriteItems|BatchGetItem", probability=0.03, status=500),
        ),
    ]


@dataclass
class Journey:
    """What the buyers saw: every answer, and the client errors that must never be 5xx."""

    answers: Counter[int] = field(default_factory=Counter)
    dropped: int = 0
    client_errors: list[tuple[str, int]] = field(default_factory=list)

    def call(self, send: Callable[[], requests.Response], gives_up_on: tuple[int, ...] = ()) -> requests.Response:
        """Send as a client would: again, the same request (same Idempotency-Key), on a dropped connection or a 5xx."""
        answer: requests.Response | None = None
        for attempt in range(CLIENT_TRIES):
            try:
                answer = send()
            except requests.ConnectionError:
                self.dropped += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            self.answers[answer.status_code] += 1
            if answer.status_code < 500 or answer.status_code in gives_up_on:
                return answer
            time.sleep(0.2 * (attempt + 1))
        assert answer is not None, "every try was dropped"
        return answer

    def client_error(self, what: str, send: Callable[[], requests.Response]) -> None:
        answer = send()
        self.answers[answer.status_code] += 1
        self.client_errors.append((what, answer.status_code))


@dataclass
class Bought:
    number: str
    payment_id: str
    email: str
    kind: str
    unavailable: int  # confirmations answered 503


def confirm(journey: Journey, pay: PaymentsApi, payment_id: str, card: str) -> tuple[dict[str, Any], int]:
    """The pay button, pressed again while the answer is 503 (as the pay page lets the buyer): the payment, and
    how many 503s it took."""
    unavailable = 0
    for _ in range(CLIENT_TRIES):
        confirmed = journey.call(lambda: pay.confirm(payment_id, card), gives_up_on=(503,))
        if confirmed.status_code != 503:
            assert confirmed.status_code == 200, confirmed.text
            return dict(confirmed.json()), unavailable
        unavailable += 1
        time.sleep(0.3)  # "the card payment service is unavailable, try again in a minute"
    raise AssertionError(f"confirming {payment_id} answered 503 {CLIENT_TRIES} times")


def buy(journey: Journey, dmo: Api, pay: PaymentsApi, emulator: StripeEmulator, index: int) -> Bought:
    """One buyer: checkout, a payment, wrong clicks, and a card: a good one; a declined one and then a good one
    (the second attempt cancels the first at Stripe); or one whose bank asks for 3-D Secure, which the buyer passes
    while the page asks the payments API (and so Stripe) how it went."""
    form = order_form(f"chaos-{uuid.uuid4().hex[:10]}")
    key = f"chaos-{uuid.uuid4()}"
    placed = journey.call(lambda: dmo.checkout(form, key=key))
    assert placed.status_code == 201, placed.text
    number = str(placed.json()["order_number"])
    payment_key = f"chaos-{uuid.uuid4()}"
    started = journey.call(lambda: pay.start(number, key=payment_key))
    assert started.status_code == 201, started.text
    payment_id = str(started.json()["payment_id"])
    journey.client_error("confirm with a malformed card", lambda: pay.confirm(payment_id, "not-a-card"))
    journey.client_error("an unknown payment", lambda: pay.get("/payments/pay_unknown0000"))
    journey.client_error("checkout without a form", lambda: dmo.checkout({}, key=f"chaos-{uuid.uuid4()}"))
    kind = ("declined first", "3-D Secure", "good card", "good card")[index % 4]
    unavailable = 0
    if kind == "declined first":
        answer, unavailable = confirm(journey, pay, payment_id, DECLINED_CARD)
        if answer["status"] == "FAILED":
            answer, more = confirm(journey, pay, payment_id, GOOD_CARD)
            unavailable += more
    elif kind == "3-D Secure":
        answer, unavailable = confirm(journey, pay, payment_id, emulator.three_d_secure_card())
        secret = answer["stripe"]["client_secret"]
        if answer["status"] == "REQUIRES_ACTION" and secret:
            emulator.authenticate(answer["stripe"]["payment_intent_id"], secret)
            for _ in range(20):
                seen = journey.call(lambda: pay.get(f"/payments/{payment_id}"))
                if seen.json()["status"] != "REQUIRES_ACTION":
                    break
                time.sleep(0.2)
    else:
        answer, unavailable = confirm(journey, pay, payment_id, GOOD_CARD)
    return Bought(number, payment_id, form["billing"]["email"], kind, unavailable)


def later(stack: LocalStack, module: str, hours: float, *args: str) -> str:
    """Run a scheduled job once, `hours` from now, straight against the emulators (the faults have stopped)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("STRIPE_")}
    env.update(app_environment(stack.description, with_stripe=True), WELT_CURSOR_SECRET=uuid.uuid4().hex)
    result = subprocess.run(
        [sys.executable, "-c", LATER, str(hours), module, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, RunningStack]]:
    state_dir = tmp_path_factory.mktemp("chaos-stack")
    try:
        # One staff sign-in serves the whole module: staff tokens live Cognito's hour here.
        with stack_on_free_ports(state_dir, help_center=False, faults=True, staff_token_seconds=STAFF_SIGN_IN_SECONDS) as local:
            id_tokens, access_token = _sign_in_everyone(local)
            yield local, _described(local, id_tokens, access_token)
    except StackError as error:
        pytest.fail(f"the local stack did not start: {error}")


def test_money_orders_and_emails_add_up_after_stripe_and_aws_faults(faulty: tuple[LocalStack, RunningStack]) -> None:
    local, stack = faulty
    dmo = Api(stack.orders_api, stack.id_tokens["DMO"])
    pay = PaymentsApi(stack.payments_api, stack.id_tokens["DMO"])
    emulator = StripeEmulator(stack.stripe, f"{stack.payments_api}/webhooks/stripe")
    mailbox = Mailbox(stack.aws_endpoint)
    stripe_proxy, aws_proxy = local.fault_proxies["stripe"], local.fault_proxies["aws"]
    journey = Journey()
    started = time.monotonic()

    plans = {"Stripe": stripe_faults(), "AWS": aws_faults(RUN)}
    stripe_proxy.set_plan([fault for _, fault in plans["Stripe"]])
    aws_proxy.set_plan([fault for _, fault in plans["AWS"]])
    with ThreadPoolExecutor(3) as buyers:
        bought = list(buyers.map(lambda i: buy(journey, dmo, pay, emulator, i), range(RUN.orders)))
    time.sleep(max(0.0, RUN.ses_failing_seconds - (time.monotonic() - started)))
    faults = {"Stripe": stripe_proxy.stats(), "AWS": aws_proxy.stats()}
    struck = {f"{side}: {name}": faults[side]["by_rule"][index] for side, plan in plans.items() for index, (name, _) in enumerate(plan)}
    stripe_proxy.set_plan([])
    aws_proxy.set_plan([])

    # Stripe's webhooks for what it did; then reconciliation and the email retry, hours later.
    def unsettled() -> list[dict[str, Any]]:
        return [p for p in (pay.payment(b.payment_id) for b in bought) if p["status"] in ("PROCESSING", "REQUIRES_ACTION")]

    # An attempt whose every answer was lost may wait for the buyer's bank for ever: reconciliation gives it up.
    waiting_since = time.monotonic()
    while unsettled() and time.monotonic() - waiting_since < WEBHOOKS_WITHIN:
        time.sleep(0.5)
    reconciled = json.loads(later(local, "welt_stack.reconcile", 2, "--stack", str(local.description_file)).splitlines()[-1])
    later(local, "welt_stack.email_retry", 3, "--once")

    payments = {b.payment_id: pay.payment(b.payment_id) for b in bought}
    orders = {b.number: dmo.order(b.number) for b in bought}
    intents = emulator.intents_for(*payments)
    charged = Counter(i["metadata"]["payment_id"] for i in intents if i["status"] == "succeeded")

    def emails(b: Bought, subject: str) -> int:
        return sum(1 for m in mailbox.sent_to(b.email) if str(m.get("subject", "")).startswith(subject))

    held = {
        "no card charged twice for one payment": all(charged[p] <= 1 for p in payments),
        "every payment SUCCEEDED with its orders launched, or FAILED/CANCELED with its orders payable again": all(
            (
                payments[b.payment_id]["status"] == "SUCCEEDED"
                and charged[b.payment_id] == 1
                and orders[b.number]["status"] == "WORK_IN_PROCESS"
            )
            or (
                payments[b.payment_id]["status"] in ("FAILED", "CANCELED")
                and charged[b.payment_id] == 0
                and orders[b.number]["payment_status"] == "UNPAID"
                and orders[b.number]["status"] == "PENDING_PAYMENT"
            )
            for b in bought
        ),
        "no order locked": all(o["payment_status"] != "PROCESSING" for o in orders.values()),
        "every email sent exactly once": all(
            emails(b, f"Order {b.number} confirmed") == 1
            and emails(b, "Payment received") == (1 if payments[b.payment_id]["status"] == "SUCCEEDED" else 0)
            for b in bought
        ),
        "no 5xx answered for a client error": all(status < 500 for _, status in journey.client_errors),
    }
    figures = {
        "run": RUN.name,
        "orders": RUN.orders,
        "seconds": round(time.monotonic() - started, 1),
        "faults": faults,
        "struck": struck,
        "answers": dict(sorted(journey.answers.items())),
        "dropped": journey.dropped,
        "outcomes": dict(Counter(p["status"] for p in payments.values())),
        "reconciled": reconciled,
        "confirm_503s": sum(b.unavailable for b in bought),
        "client_errors": len(journey.client_errors),
    }
    write_report(REPORT if FULL else local.state_dir / "reliability.md", figures, held)
    details = {
        "payments": {b.payment_id: (b.kind, payments[b.payment_id]["status"], charged[b.payment_id]) for b in bought},
        "orders": {n: (o["status"], o["payment_status"]) for n, o in orders.items()},
        **figures,
    }
    assert all(held.values()), json.dumps({"held": held, **details}, indent=1, default=str)
    # The faults must have happened for the invariants to mean anything. The full run is long enough for every
    # Stripe rule to strike; the short one (8 buyers, timing-dependent retries) for the lost charge at least.
    must_strike = [n for n in struck if n.startswith("Stripe")] if FULL else ["Stripe: confirm: answer lost after Stripe charged"]
    assert all(struck[name] for name in must_strike), struck


def write_report(path: Path, figures: dict[str, Any], held: dict[str, bool]) -> None:
    """The figures of this run, as docs/developers/reliability.md shows them."""
    rows = [f"| {name.split(': ', 1)[0]} | {name.split(': ', 1)[1]} | {count} |" for name, count in figures["struck"].items()]
    answers = ", ".join(f"{status}: {count}" for status, count in figures["answers"].items())
    lines = [
        "# Reliability",
        "",
        "<!-- Written by tests/e2e/test_chaos.py (`make chaos`); do not edit by hand. -->",
        "",
        f"The fault suite's last {figures['run']} run ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{figures['seconds']} s): {figures['orders']} buyers check out and pay on the local stack while a fault "
        "proxy between the functions and the Stripe and AWS emulators fails some of their calls. Then the faults "
        "stop, Stripe's webhooks arrive, and reconciliation and the email retry run.",
        "",
        "## Faults injected",
        "",
        "| in front of | fault | times |",
        "| --- | --- | --- |",
        *rows,
        "",
        f"Requests through the proxies: Stripe {figures['faults']['Stripe']['requests']}, AWS {figures['faults']['AWS']['requests']}.",
        "",
        "## What the buyers saw",
        "",
        f"- Answers by status: {answers}; connections dropped: {figures['dropped']}.",
        f"- Confirmations answered 503 (Stripe surely did nothing; the buyer tried again): {figures['confirm_503s']}.",
        f"- Payments at the end: {', '.join(f'{k}: {v}' for k, v in sorted(figures['outcomes'].items()))}.",
        f"- Reconciliation afterwards: {', '.join(f'{k}: {v}' for k, v in figures['reconciled'].items())}.",
        f"- Client errors sent during the faults: {figures['client_errors']}.",
        "",
        "## Invariants",
        "",
        "| invariant | held |",
        "| --- | --- |",
        *[f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in held.items()],
        "",
    ]
    path.write_text("\n".join(lines))
