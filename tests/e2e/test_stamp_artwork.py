"""Custom stamps step by step over HTTP: the artwork uploaded straight to the private bucket (moto's S3) with a
presigned form, checked by Welt, a proof sent, approved, the stamps made, each step once under retries and races."""

from __future__ import annotations

import random
import string
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT, Api, Mailbox, PaymentsApi, RunningStack, assert_problem, order_form, pay_by_card
from tests.e2e.test_going_live import NEW_PASSWORD, first_sign_in, temporary_password

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class NewBrand:
    code: str
    contact: str
    orders: Api
    pay: PaymentsApi


def register_brand(stack: RunningStack, staff: Api, mailbox: Mailbox) -> NewBrand:
    """A brand of its own, registered and signed in, so its stamps start from nothing whatever else ran."""
    tag = uuid.uuid4().hex[:8]
    contact = f"stamps-{tag}@brand.example"
    for _ in range(50):
        code = "".join(random.choices(string.ascii_uppercase, k=3))
        body = {
            "code": code,
            "name": f"Stamp Test {code}",
            "legal_name": f"Stamp Test {code} S.L.",
            "contact_email": contact,
            "billing_address": {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"},
        }
        registered = staff.post("/admin/brands", json=body)
        if registered.status_code == 201:
            break
        assert registered.status_code == 409, registered.text
    email = f"buyer-{tag}@brand.example"
    assert staff.post(f"/admin/brands/{code}/users", json={"email": email, "name": "Buyer"}).status_code == 201
    token = first_sign_in(stack, email, temporary_password(mailbox, email), NEW_PASSWORD)
    return NewBrand(code, contact, Api(stack.orders_api, token), PaymentsApi(stack.payments_api, token))


@pytest.fixture
def brand(stack: RunningStack, staff: Api, mailbox: Mailbox) -> NewBrand:
    return register_brand(stack, staff, mailbox)


def upload(api: Api, content: bytes, content_type: str = "image/png", sent_as: str | None = None) -> tuple[str, requests.Response]:
    """Ask Welt for the form and POST the file to the bucket with it, as the browser does: the key and S3's answer."""
    asked = api.post("/brand/stamps/upload-form", json={"content_type": content_type})
    assert asked.status_code == 200, asked.text
    form = asked.json()
    assert form["max_bytes"] == MAX_BYTES
    assert form["key"].startswith("artwork/") and form["fields"]["key"] == form["key"]
    files = {"file": ("logo", content, sent_as or content_type)}
    answer = requests.post(form["url"], data=form["fields"], files=files, timeout=HTTP_TIMEOUT)
    return form["key"], answer


def stamps(api: Api, path: str = "/brand/stamps") -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_artwork_goes_up_to_the_bucket_a_proof_is_approved_and_the_waiting_order_moves_on(
    brand: NewBrand, staff: Api, mailbox: Mailbox
) -> None:
    code, api = brand.code, brand.orders
    waiting = api.place(order_form(f"e2e-stamps-{code}", labeling="CUSTOM_STAMPS"))["order_number"]
    pay_by_card(brand.pay, api, waiting)
    assert api.order(waiting)["production_stage"] == "AWAITING_STAMPS"
    assert stamps(api) | {"events": []} == {
        "code": code,
        "stamps_status": "IN_DEVELOPMENT",
        "step": "AWAITING_ARTWORK",
        "revision": 0,
        "expected_on": None,
        "artwork": None,
        "proof": None,
        "changes_asked": None,
        "events": [],
    }

    key, uploaded = upload(api, PNG)
    assert uploaded.status_code == 204, uploaded.text
    sent = {"key": key, "file_name": "logo.png", "revision": 0}
    received = api.post("/brand/stamps/artwork", json=sent)
    assert received.status_code == 200, received.text
    assert received.json()["step"] == "ARTWORK_RECEIVED"
    assert received.json()["artwork"] | {"uploaded_at": None} == {
        "file_name": "logo.png",
        "content_type": "image/png",
        "size": len(PNG),
        "uploaded_at": None,
    }
    assert api.post("/brand/stamps/artwork", json=sent).json() == received.json()  # a retry takes no second step

    link = staff.get(f"/admin/brands/{code}/stamps/artwork")
    assert link.status_code == 200, link.text
    downloaded = requests.get(link.json()["url"], timeout=HTTP_TIMEOUT)
    assert downloaded.status_code == 200 and downloaded.content == PNG
    assert "logo.png" in downloaded.headers["Content-Disposition"]

    proof = {"revision": 1, "note": "30 x 12 mm, blind embossed on the heel of the insole."}
    assert staff.post(f"/admin/brands/{code}/stamps/proof", json=proof).status_code == 200
    assert staff.post(f"/admin/brands/{code}/stamps/proof", json=proof).json()["revision"] == 2  # retried: still 2
    dated = staff.request("PUT", f"/admin/brands/{code}/stamps/expected-date", json={"revision": 2, "expected_on": "2099-01-15"})
    assert dated.status_code == 200, dated.text
    assert stamps(api)["expected_on"] == "2099-01-15" and stamps(api)["proof"]["note"] == proof["note"]

    assert_problem(api.post("/brand/stamps/approval", json={"revision": 2}), 409)  # read before the date was set
    approved = api.post("/brand/stamps/approval", json={"revision": 3})
    assert approved.status_code == 200 and approved.json()["step"] == "PROOF_APPROVED"
    assert staff.post(f"/admin/brands/{code}/stamps", json={"status": "READY"}).json()["orders_released"] == [waiting]

    seen = stamps(staff, f"/admin/brands/{code}/stamps")
    assert [(event["type"], event["revision"]) for event in seen["events"]] == [
        ("ARTWORK_RECEIVED", 1),
        ("PROOF_SENT", 2),
        ("EXPECTED_DATE_SET", 3),
        ("PROOF_APPROVED", 4),
        ("MADE", 5),
    ]
    assert all(event["actor"].startswith("staff:") for event in seen["events"][1:3]) and seen["events"][3]["actor"].startswith("brand:")
    assert not any(event["actor"].startswith("staff:") for event in stamps(api)["events"])  # a brand sees staff by role
    assert api.order(waiting)["production_stage"] == "CUTTING"
    subjects = [str(message["subject"]) for message in mailbox.wait_for(brand.contact, count=5)]
    for subject in (
        "We received your stamp artwork",
        "Your stamp proof is ready to approve",
        "Your stamps have an expected date",
        "You approved your stamp proof",
        "Your custom stamps are ready",
    ):
        assert subjects.count(subject) == 1, subjects


def test_the_emulated_bucket_takes_what_the_form_forbids_and_welt_refuses_it_when_told(brand: NewBrand) -> None:
    """moto's S3 ignores a presigned form's conditions (size, type): Welt's own check of the object is what refuses."""
    api = brand.orders
    assert_problem(api.post("/brand/stamps/upload-form", json={"content_type": "image/gif"}), 422)

    big_key, big = upload(api, PNG + bytes(MAX_BYTES))
    assert big.status_code == 204  # AWS answers 400 EntityTooLarge here; the emulator keeps the file
    too_big = assert_problem(api.post("/brand/stamps/artwork", json={"key": big_key, "file_name": "big.png", "revision": 0}), 422)
    assert "10 MB" in str(too_big["errors"])

    gif_key, gif = upload(api, b"GIF89a" + bytes(100), sent_as="image/gif")
    assert gif.status_code == 204  # AWS refuses the Content-Type that breaks the form's condition
    assert_problem(api.post("/brand/stamps/artwork", json={"key": gif_key, "file_name": "logo.gif", "revision": 0}), 422)

    svg_as_png, _ = upload(api, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert_problem(api.post("/brand/stamps/artwork", json={"key": svg_as_png, "file_name": "logo.png", "revision": 0}), 422)

    never_uploaded = api.post("/brand/stamps/upload-form", json={"content_type": "image/png"}).json()["key"]
    assert_problem(api.post("/brand/stamps/artwork", json={"key": never_uploaded, "file_name": "x.png", "revision": 0}), 404)
    assert stamps(api)["revision"] == 0 and stamps(api)["artwork"] is None


def test_another_brand_s_artwork_is_never_visible(brand: NewBrand, dmo: Api, brk: Api, staff: Api) -> None:
    key, _ = upload(brand.orders, PNG)
    for other in (dmo, brk):
        before = stamps(other)
        assert_problem(
            other.post("/brand/stamps/artwork", json={"key": key, "file_name": "theirs.png", "revision": before["revision"]}), 404
        )
        assert stamps(other) == before
    assert brand.orders.post("/brand/stamps/artwork", json={"key": key, "file_name": "logo.png", "revision": 0}).status_code == 200
    assert_problem(dmo.get(f"/admin/brands/{brand.code}/stamps/artwork"), 403)
    assert_problem(dmo.get(f"/admin/brands/{brand.code}/stamps"), 403)
    assert_problem(staff.get("/admin/brands/QQ1/stamps"), 404)
    if dmo.get("/brand/stamps").json()["artwork"] is None:
        assert_problem(dmo.get("/brand/stamps/artwork"), 404)
    else:
        assert dmo.get("/brand/stamps/artwork").json()["file_name"] != "logo.png"


def test_two_answers_to_one_proof_at_once_one_wins_and_a_twin_is_taken_once(brand: NewBrand, staff: Api, mailbox: Mailbox) -> None:
    api, code = brand.orders, brand.code
    key, _ = upload(api, PNG)
    assert api.post("/brand/stamps/artwork", json={"key": key, "file_name": "logo.png", "revision": 0}).status_code == 200
    assert staff.post(f"/admin/brands/{code}/stamps/proof", json={"revision": 1, "note": "As drawn."}).status_code == 200

    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda body: api.post(body[0], json=body[1]),
                [
                    ("/brand/stamps/approval", {"revision": 2}),
                    ("/brand/stamps/approval", {"revision": 2}),
                    ("/brand/stamps/changes", {"revision": 2, "comment": "Smaller, please."}),
                    ("/brand/stamps/changes", {"revision": 2, "comment": "Smaller, please."}),
                ],
            )
        )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 200, 409, 409], [answer.text for answer in answers]
    after = stamps(api)
    assert after["revision"] == 3 and len(after["events"]) == 3
    winner = after["events"][-1]["type"]
    assert winner in {"PROOF_APPROVED", "CHANGES_ASKED"}
    assert all(answer.json()["step"] == after["step"] for answer in answers if answer.status_code == 200)
    emails = mailbox.wait_for(brand.contact, count=3)
    assert len([m for m in emails if "approved" in str(m["subject"]) or "changes" in str(m["subject"])]) == 1
