"""A staff caller's ID token is honoured for 15 minutes from its `iat`; a brand's for Cognito's hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import tokens
from tests.unit.test_http_api import STAFF_ROUTES, _fill, assert_problem
from welt.config import staff_token_lifespan
from welt.domain.errors import AuthenticationError
from welt.services.callers import Caller
from welt.services.sessions import check_token_age

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def staff_issued(at: datetime | None) -> Caller:
    return Caller(subject="user-staff", brand=None, staff=True, issued_at=at)


@pytest.mark.parametrize("age", [timedelta(0), timedelta(minutes=14, seconds=59), QUARTER])
def test_a_staff_token_up_to_the_lifespan_old_is_honoured(age):
    check_token_age(staff_issued(NOW - age), lambda: NOW, QUARTER)


@pytest.mark.parametrize("age", [QUARTER + timedelta(seconds=1), timedelta(minutes=59)])
def test_a_staff_token_older_than_the_lifespan_is_refused_with_how_to_renew_it(age):
    with pytest.raises(AuthenticationError, match=r"renewed every 15 minutes.*REFRESH_TOKEN_AUTH"):
        check_token_age(staff_issued(NOW - age), lambda: NOW, QUARTER)


def test_a_staff_token_without_an_issue_time_is_refused():
    with pytest.raises(AuthenticationError):
        check_token_age(staff_issued(None), lambda: NOW, QUARTER)


def test_the_lifespan_is_15_minutes_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("WELT_STAFF_TOKEN_SECONDS", raising=False)
    assert staff_token_lifespan() == QUARTER
    monkeypatch.setenv("WELT_STAFF_TOKEN_SECONDS", "5")
    assert staff_token_lifespan() == timedelta(seconds=5)
    monkeypatch.setenv("WELT_STAFF_TOKEN_SECONDS", "0")
    with pytest.raises(RuntimeError, match="WELT_STAFF_TOKEN_SECONDS"):
        staff_token_lifespan()


def issued_minutes_ago(minutes: int, **claims: object) -> dict[str, str]:
    iat = int((datetime.now(UTC) - timedelta(minutes=minutes)).timestamp())
    return {**tokens.bearer(iat=iat, **claims), "Content-Type": "application/json"}


@pytest.mark.parametrize(("app_name", "method", "path"), STAFF_ROUTES)
def test_a_staff_token_older_than_15_minutes_is_401_on_every_staff_route(request, app_name, method, path):
    client = request.getfixturevalue(f"{app_name}_client")

    response = client.http.request(method, _fill(path), headers=issued_minutes_ago(16, brand=None, staff=True), body=b"{}")

    problem = assert_problem(response, 401)
    assert problem["type"] == "/problems/unauthenticated"
    assert "renewed every 15 minutes" in problem["detail"]


def test_a_staff_token_younger_than_15_minutes_is_served(orders_client):
    response = orders_client.http.get("/admin/orders", headers=issued_minutes_ago(14, brand=None, staff=True))

    assert response.status_code == 200, response.body


def test_a_brand_token_older_than_15_minutes_is_served(orders_client):
    response = orders_client.http.get("/orders", headers=issued_minutes_ago(50))

    assert response.status_code == 200, response.body
