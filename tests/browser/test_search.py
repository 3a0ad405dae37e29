"""A search looks at a bounded number of orders per request; the pool offers to search further."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.backoffice import Backoffice
from tests.grown import grow
from welt.adapters.dynamodb import DynamoBrandRepository
from welt.adapters.tables import BRANDS, ORDERS
from welt.domain.model import Brand
from welt_stack.seed import DEMO_PASSWORD
from welt_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

GROWN = 600  # more than one search reads (500), so the oldest order is found on searching further


def test_a_search_that_reached_no_match_yet_offers_to_search_further_and_then_finds_the_oldest_order(
    app: Backoffice, stack: LocalStack
) -> None:
    aws, description = stack.aws, stack.description
    prefix = description["table_prefix"]
    tables = aws.resource("dynamodb")
    brands = DynamoBrandRepository(tables.Table(f"{prefix}{BRANDS.logical_name}"))
    brands.add(Brand(code="SRC", name="Search Atelier"))
    brand = brands.get("SRC")
    assert brand is not None
    grow(tables.Table(f"{prefix}{ORDERS.logical_name}"), tables.Table(f"{prefix}{BRANDS.logical_name}"), brand, GROWN)
    email = "search@src.example"
    cognito = aws.client("cognito-idp")
    pool = description["cognito"]["user_pool_id"]
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:brand", "Value": "SRC"},
        ],
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=DEMO_PASSWORD, Permanent=True)

    app.sign_in({"email": email, "password": DEMO_PASSWORD})
    app.open("/orders?q=3D-00001", "Order pool")
    page = app.page
    expect(page.get_by_text("No matches among the orders searched so far.")).to_be_visible()
    assert_accessible(page, "pool while a search goes on")
    page.get_by_role("button", name="Search further").click()
    expect(page.get_by_role("link", name="00001-SRC", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Search further")).to_have_count(0)
