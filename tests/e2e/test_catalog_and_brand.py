"""The open and the signed-in read routes over HTTP: health on both APIs, the catalog, the caller's brand."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT, Api, RunningStack, assert_problem

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("api", ["orders_api", "payments_api"])
def test_health_answers_without_a_token(stack: RunningStack, api: str) -> None:
    response = requests.get(f"{getattr(stack, api)}/health", timeout=HTTP_TIMEOUT)

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("api", ["orders_api", "payments_api"])
def test_health_ignores_a_bad_token(stack: RunningStack, api: str) -> None:
    response = requests.get(f"{getattr(stack, api)}/health", headers={"Authorization": "Bearer nonsense"}, timeout=HTTP_TIMEOUT)

    assert response.status_code == 200, response.text


def test_catalog_needs_a_token(anonymous: Api) -> None:
    assert_problem(anonymous.get("/catalog"), 401)


def test_catalog_lists_models_materials_types_zones_and_the_stamp_fee(dmo: Api) -> None:
    response = dmo.get("/catalog")

    assert response.status_code == 200, response.text
    catalog = response.json()
    assert catalog["currency"] == "EUR"
    assert isinstance(catalog["stamp_fee"], int) and catalog["stamp_fee"] > 0
    material_ids = {m["id"]: m["part"] for m in catalog["materials"]}
    assert catalog["models"]
    for model in catalog["models"]:
        assert {"id", "name", "base_price", "materials"} <= set(model)
        for part in ("upper", "lining", "sole"):
            assert model["materials"][part]
            assert all(material_ids[m] == part for m in model["materials"][part])
    assert set(catalog["order_types"]) == {"MTO", "MINI_BULK", "BULK"}
    factors = {name: float(rule["factor"]) for name, rule in catalog["order_types"].items()}
    assert all(isinstance(rule["factor"], str) for rule in catalog["order_types"].values())
    assert factors["MTO"] == 1.0 > factors["MINI_BULK"] > factors["BULK"]
    assert catalog["order_types"]["MTO"]["min_pairs"] == catalog["order_types"]["MTO"]["max_pairs"] == 1
    assert any("DE" in zone["countries"] for zone in catalog["shipping_zones"])


def test_staff_read_the_catalog_too(staff: Api) -> None:
    assert staff.get("/catalog").status_code == 200


@pytest.mark.parametrize(("who", "code", "name"), [("DMO", "DMO", "Demo Atelier"), ("BRK", "BRK", "Brook & Last")])
def test_brand_is_the_callers_own_brand(stack: RunningStack, who: str, code: str, name: str) -> None:
    response = Api(stack.orders_api, stack.id_tokens[who]).get("/brand")

    assert response.status_code == 200, response.text
    brand = response.json()
    assert (brand["code"], brand["name"]) == (code, name)
    assert brand["stamps_status"] in {"NONE", "IN_DEVELOPMENT", "READY"}  # other tests may have paid stamps
    assert "labeling_default" in brand


def test_brand_needs_a_token(anonymous: Api) -> None:
    assert_problem(anonymous.get("/brand"), 401)


def test_staff_have_no_brand(staff: Api) -> None:
    assert_problem(staff.get("/brand"), 403)
