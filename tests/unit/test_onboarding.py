"""Going live over the orders API on fakes: staff register brands, invite their teams and staff, and take access away."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from chalice.test import Client

from tests import examples, tokens
from tests.fakes import FakeMailer, FakeUserDirectory
from tests.unit.test_http_api import as_brand, as_staff, assert_problem, post_checkout
from welt.domain.team import UserState, password_problems, temporary_password
from welt.domain.vat_id import vat_id_problem
from welt.services.orders import OrderDesk
from welt.services.ports import Transaction

ADDRESS = {"line1": "Calle Mayor 5", "city": "Elche", "postal_code": "03201", "country": "ES"}


def registration(code: str = "XYZ", **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Xyz Shoes",
        "legal_name": "Xyz Shoes S.L.",
        "vat_id": "ESB12345674",
        "contact_email": "accounts@xyz.example",
        "billing_address": ADDRESS,
        **changes,
    }


def post(client: Client, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers=headers or as_staff(), body=json.dumps(body))


def body_of(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def register(client: Client, code: str = "XYZ", **changes: Any) -> dict[str, Any]:
    return body_of(post(client, "/admin/brands", registration(code, **changes)), 201)


def temporary_password_in(body: str) -> str:
    lines = [line for line in body.splitlines() if line.startswith("Temporary password: ")]
    assert len(lines) == 1, body
    return lines[0].removeprefix("Temporary password: ")


# -- brands -----------------------------------------------------------------------------------------------------


def test_staff_register_a_brand_and_read_it_back(orders_client: Client) -> None:
    brand = register(orders_client)

    assert brand["code"] == "XYZ" and brand["version"] == 1 and brand["stamps_status"] == "NONE"
    assert brand["billing_address"]["city"] == "Elche" and brand["vat_id"] == "ESB12345674"
    assert body_of(orders_client.http.get("/admin/brands/XYZ", headers=as_staff())) == brand


def test_a_taken_code_is_409_and_changes_nothing(orders_client: Client, desk: OrderDesk) -> None:
    register(orders_client)

    taken = assert_problem(post(orders_client, "/admin/brands", registration(name="Someone Else")), 409)

    assert taken["errors"][0]["loc"] == ["body", "code"]
    assert desk.brands.get("XYZ").name == "Xyz Shoes"  # type: ignore[union-attr]
    assert_problem(post(orders_client, "/admin/brands", registration("DMO")), 409)


@pytest.mark.parametrize("code", ["xyz", "XY", "XYZW", "X1Z", ""])
def test_a_brand_code_is_three_capital_letters(orders_client: Client, code: str) -> None:
    problem = assert_problem(post(orders_client, "/admin/brands", registration(code)), 422)

    assert ["body", "code"] in [e["loc"] for e in problem["errors"]]


@pytest.mark.parametrize(("vat_id", "why"), [("ESB12345675", "check digits"), ("XX123456", "country prefix"), ("ES12", "format")])
def test_a_malformed_vat_id_is_422_saying_why(orders_client: Client, vat_id: str, why: str) -> None:
    problem = assert_problem(post(orders_client, "/admin/brands", registration(vat_id=vat_id)), 422)

    assert problem["errors"][0]["loc"] == ["body", "vat_id"] and why in problem["errors"][0]["msg"]


def test_the_vat_id_is_optional_and_stored_compact(orders_client: Client) -> None:
    assert register(orders_client, "NOV", vat_id=None)["vat_id"] is None
    assert register(orders_client, "CMP", vat_id="es b-1234567-4")["vat_id"] == "ESB12345674"
    assert vat_id_problem("DE136695976") is None


def test_the_brand_list_pages_by_code(orders_client: Client) -> None:
    for code in ("AAA", "BBB", "CCC"):
        register(orders_client, code)
    codes, params = [], "?limit=2"
    while True:
        page = body_of(orders_client.http.get("/admin/brands" + params, headers=as_staff()))
        assert len(page["brands"]) <= 2
        codes += [b["code"] for b in page["brands"]]
        if page["next_cursor"] is None:
            break
        params = f"?limit=2&cursor={page['next_cursor']}"

    assert codes == ["AAA", "BBB", "BRK", "CCC", "DMO"]


def test_staff_edit_a_brand_on_the_version_they_read(orders_client: Client) -> None:
    register(orders_client)
    path = "/admin/brands/XYZ"
    change = {"legal_name": "Xyz Calzados S.L.", "vat_id": None}

    missing = orders_client.http.request("PATCH", path, headers=as_staff(), body=json.dumps(change).encode())
    stale = orders_client.http.request("PATCH", path, headers=as_staff(**{"If-Match": "7"}), body=json.dumps(change).encode())
    edited = orders_client.http.request("PATCH", path, headers=as_staff(**{"If-Match": '"1"'}), body=json.dumps(change).encode())

    assert_problem(missing, 428)
    assert_problem(stale, 412)
    brand = body_of(edited)
    assert (brand["legal_name"], brand["vat_id"], brand["version"], brand["name"]) == ("Xyz Calzados S.L.", None, 2, "Xyz Shoes")
    assert edited.headers["ETag"] == '"2"'


def test_an_unknown_brand_is_404_on_every_brand_route(orders_client: Client) -> None:
    assert_problem(orders_client.http.get("/admin/brands/QQQ", headers=as_staff()), 404)
    assert_problem(orders_client.http.get("/admin/brands/qq", headers=as_staff()), 404)
    patch = orders_client.http.request("PATCH", "/admin/brands/QQQ", headers=as_staff(**{"If-Match": "1"}), body=b"{}")
    assert_problem(patch, 404)
    assert_problem(post(orders_client, "/admin/brands/QQQ/users", {"email": "a@b.example", "name": "A"}), 404)
    assert_problem(orders_client.http.get("/admin/brands/QQQ/users", headers=as_staff()), 404)


def test_a_checkout_without_billing_is_billed_as_the_brand_is_registered(orders_client: Client, desk: OrderDesk) -> None:
    register(orders_client)
    form = examples.checkout()
    del form["billing"]

    order = body_of(post_checkout(orders_client, form, brand="XYZ"), 201)

    assert order["order_number"] == "00001-XYZ"
    assert order["billing"]["vat_id"] == "ESB12345674" and order["billing"]["email"] == "accounts@xyz.example"
    assert order["billing"]["address"]["city"] == "Elche" and order["billing"]["name"] == "Xyz Shoes S.L."
    # A brand the factory registered without billing details must send billing.
    problem = assert_problem(post_checkout(orders_client, form, brand="DMO"), 422)
    assert problem["errors"][0]["loc"] == ["body", "billing"]


# -- users -------------------------------------------------------------------------------------------------------


def invite(client: Client, code: str = "XYZ", email: str = "ana@xyz.example", name: str = "Ana Ruiz") -> Any:
    return post(client, f"/admin/brands/{code}/users", {"email": email, "name": name})


def test_an_invited_user_gets_one_email_with_a_temporary_password_that_meets_the_policy(
    orders_client: Client, users: FakeUserDirectory, mailer: FakeMailer, desk: OrderDesk
) -> None:
    register(orders_client)

    member = body_of(invite(orders_client, email="Ana@XYZ.example"), 201)

    assert member == {"email": "ana@xyz.example", "name": "Ana Ruiz", "state": "invited", "brand": "XYZ", "created_at": None}
    [(to, subject, body)] = mailer.sent
    password = temporary_password_in(body)
    assert to == "ana@xyz.example" and "Xyz Shoes" in subject
    assert "Sign in at: https://welt.example/app" in body
    assert users.passwords["ana@xyz.example"] == password and password_problems(password) == []
    # The stored copy forgets the password once SES has it.
    [stored] = desk.outbox.messages.values()  # type: ignore[attr-defined]
    assert stored.state.value == "SENT" and password not in stored.body


def test_inviting_an_email_that_has_an_account_is_409_and_sends_nothing(orders_client: Client, mailer: FakeMailer) -> None:
    register(orders_client)
    body_of(invite(orders_client), 201)

    assert_problem(invite(orders_client, code="DMO"), 409)

    assert len(mailer.sent) == 1


def test_the_same_invitation_written_twice_goes_out_once(desk: OrderDesk, mailer: FakeMailer) -> None:
    from welt.domain.team import TeamMember
    from welt.services.onboarding import invitation_message

    member = TeamMember("ana@xyz.example", "Ana", UserState.INVITED, "DMO")
    desk.store.commit(Transaction().send(invitation_message(member, "Pw-1234567890ab", "https://w", None)))
    with pytest.raises(Exception, match="MessageWrite"):
        desk.store.commit(Transaction().send(invitation_message(member, "Pw-1234567890ab", "https://w", None)))

    assert len(mailer.sent) == 1


def test_resending_gives_a_new_temporary_password_in_a_new_email(
    orders_client: Client, users: FakeUserDirectory, mailer: FakeMailer
) -> None:
    register(orders_client)
    body_of(invite(orders_client), 201)
    first = users.passwords["ana@xyz.example"]

    resent = body_of(post(orders_client, "/admin/brands/XYZ/users/ana%40xyz.example/invite", {}))

    assert resent["state"] == "invited"
    second = temporary_password_in(mailer.sent[-1][2])
    assert len(mailer.sent) == 2 and second != first and users.passwords["ana@xyz.example"] == second


def test_staff_list_disable_and_enable_a_brands_users(orders_client: Client, users: FakeUserDirectory) -> None:
    register(orders_client)
    body_of(invite(orders_client, email="ana@xyz.example"), 201)
    body_of(invite(orders_client, email="bo@xyz.example", name="Bo"), 201)

    disabled = body_of(post(orders_client, "/admin/brands/XYZ/users/bo@xyz.example/disable", {}))
    listed = body_of(orders_client.http.get("/admin/brands/XYZ/users", headers=as_staff()))

    assert disabled["state"] == "disabled" and users.signed_out == ["bo@xyz.example"]
    assert [(u["email"], u["state"]) for u in listed["users"]] == [("ana@xyz.example", "invited"), ("bo@xyz.example", "disabled")]
    assert body_of(post(orders_client, "/admin/brands/XYZ/users/bo@xyz.example/enable", {}))["state"] != "disabled"


def test_another_brands_user_is_404_like_a_missing_one(orders_client: Client, mailer: FakeMailer) -> None:
    register(orders_client)
    body_of(invite(orders_client, email="ana@xyz.example"), 201)

    for action in ("invite", "disable", "enable"):
        foreign = assert_problem(post(orders_client, f"/admin/brands/DMO/users/ana@xyz.example/{action}", {}), 404)
        absent = assert_problem(post(orders_client, f"/admin/brands/DMO/users/nobody@xyz.example/{action}", {}), 404)
        assert foreign["title"] == absent["title"]
        assert_problem(post(orders_client, f"/admin/staff/ana@xyz.example/{action}", {}), 404)
    assert len(mailer.sent) == 1


def test_staff_users_are_invited_and_listed_under_admin_staff(orders_client: Client, mailer: FakeMailer) -> None:
    member = body_of(post(orders_client, "/admin/staff", {"email": "lea@welt.example", "name": "Lea"}), 201)

    assert member["brand"] is None and member["state"] == "invited"
    assert [u["email"] for u in body_of(orders_client.http.get("/admin/staff", headers=as_staff()))["users"]] == ["lea@welt.example"]
    assert mailer.sent[0][1] == "Your Welt account" and "factory's staff" in mailer.sent[0][2]


def test_a_staff_member_cannot_disable_themselves(orders_client: Client) -> None:
    body_of(post(orders_client, "/admin/staff", {"email": "lea@welt.example", "name": "Lea"}), 201)
    own = {**tokens.bearer(brand=None, staff=True, email="lea@welt.example"), "Content-Type": "application/json"}

    assert_problem(post(orders_client, "/admin/staff/lea@welt.example/disable", {}, own), 409)


def test_a_brand_user_sees_their_own_team_only(orders_client: Client) -> None:
    register(orders_client)
    body_of(invite(orders_client, email="ana@xyz.example"), 201)
    body_of(post(orders_client, "/admin/staff", {"email": "lea@welt.example", "name": "Lea"}), 201)

    own = body_of(orders_client.http.get("/brand/users", headers=as_brand("XYZ")))
    other = body_of(orders_client.http.get("/brand/users", headers=as_brand("DMO")))

    assert [u["email"] for u in own["users"]] == ["ana@xyz.example"]
    assert other["users"] == []
    assert_problem(orders_client.http.get("/brand/users", headers=as_staff()), 403)


@pytest.mark.parametrize(
    "body", [{"email": "not-an-email", "name": "A"}, {"email": "a@b.example"}, {"email": "a@b.example", "name": "A", "x": 1}]
)
def test_a_bad_invitation_is_422_and_creates_nobody(orders_client: Client, users: FakeUserDirectory, body: dict[str, Any]) -> None:
    assert_problem(post(orders_client, "/admin/brands/DMO/users", body), 422)
    assert users.users == {}


def test_temporary_passwords_meet_the_policy_and_differ() -> None:
    passwords = {temporary_password() for _ in range(200)}

    assert len(passwords) == 200
    assert all(password_problems(p) == [] and re.fullmatch(r"[A-Za-z0-9!#%+\-=?@]{16}", p) for p in passwords)


def test_two_staff_registering_the_same_code_at_once_make_one_brand(desk: OrderDesk) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from welt.domain.errors import StateConflictError
    from welt.services import onboarding
    from welt.services.orders import Caller

    staff = Caller(subject="s", brand=None, staff=True)

    def register(name: str) -> str:
        try:
            return str(onboarding.register_brand(desk, staff, onboarding.BrandRegistration.model_validate(registration(name=name)))["name"])
        except StateConflictError:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(register, [f"Xyz {n}" for n in range(8)]))

    assert outcomes.count("refused") == 7
    assert desk.brands.get("XYZ").name == next(o for o in outcomes if o != "refused")  # type: ignore[union-attr]


def test_two_edits_from_the_same_version_keep_only_the_first(orders_client: Client) -> None:
    register(orders_client)

    def edit(email: str) -> Any:
        body = json.dumps({"contact_email": email}).encode()
        return orders_client.http.request("PATCH", "/admin/brands/XYZ", headers=as_staff(**{"If-Match": "1"}), body=body)

    first, second = edit("one@xyz.example"), edit("two@xyz.example")

    assert first.status_code == 200
    assert_problem(second, 412)
    assert body_of(orders_client.http.get("/admin/brands/XYZ", headers=as_staff()))["contact_email"] == "one@xyz.example"
