import re
import pytest
from tests.unit import test_http_fuzz as fuzz
from tests.unit.test_http_fuzz import apps  # noqa: F401

OLD_ORDER_NUMBER = re.compile(r"^(\d{5,})-([A-Z]{3})$")

def old_parse(text):
    match = OLD_ORDER_NUMBER.match(text)
    return None if not match else (match.group(2), int(match.group(1)))

ROUTES = {r[1]: r for r in fuzz.ROUTES}

@pytest.mark.parametrize("attempt", range(5))
@pytest.mark.parametrize("path", ["/orders/{order_number}/events", "/orders/{order_number}", "/orders/{order_number}/cancel"])
def test_fuzz_catches_old_order_number_parsing(apps, monkeypatch, attempt, path):
    import welt.services.orders as orders
    monkeypatch.setattr(orders, "parse_order_number", old_parse)
    with pytest.raises(AssertionError, match="-> 500"):
        fuzz.test_signed_in_json_requests_to_every_route_get_no_server_error(apps=apps, route=ROUTES[path])
