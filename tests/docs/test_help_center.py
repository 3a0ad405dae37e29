"""The help center builds offline and strictly, says what the code and catalog say, and its API document is complete."""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

from tests.apps import load_app
from welt.adapters.tables import ALL_TABLES
from welt.domain.model import Labeling, OrderStatus, OrderType, PaymentStatus, ProductionStage, StampStatus
from welt.domain.payment import PaymentState
from welt.domain.shipping_group import GroupStatus
from welt.entrypoints import problems

pytestmark = pytest.mark.xdist_group("docs")

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
OPENAPI = DOCS / "api" / "openapi.yaml"
CATALOG = REPO / "src" / "welt" / "domain" / "catalog.json"
BUILD_TIMEOUT = 120

KEY_PAGES = [
    "index.html",
    "guide/getting-started/index.html",
    "guide/design-to-order/index.html",
    "guide/checkout/index.html",
    "guide/order-pool/index.html",
    "guide/paying/index.html",
    "guide/custom-stamps/index.html",
    "guide/group-shipping/index.html",
    "guide/order-management/index.html",
    "guide/shipping/index.html",
    "guide/prices/index.html",
    "guide/faq/index.html",
    "developers/index.html",
    "developers/walkthrough/index.html",
    "developers/api/index.html",
    "developers/authentication/index.html",
    "developers/errors/index.html",
    "developers/webhooks/index.html",
    "developers/local-development/index.html",
    "developers/testing/index.html",
    "developers/architecture/index.html",
    "developers/deploying/index.html",
    "api/openapi.yaml",
    "search/search_index.json",
]

# A word brands and developers search for, and the page that must answer it.
JOURNEY_TERMS = {
    "checkout": "guide/checkout/",
    "Awaiting payment": "guide/order-pool/",
    "Pay": "guide/paying/",
    "In production": "guide/order-pool/",
    "custom stamps": "guide/custom-stamps/",
    "Unlabeled": "guide/custom-stamps/",
    "group shipping": "guide/group-shipping/",
    "order number": "guide/checkout/",
    "tracking": "guide/order-management/",
    "Idempotency-Key": "developers/",
    "webhooks": "developers/webhooks/",
}


def build(config_dir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict`, with every proxy pointing nowhere: a build that reaches for the network fails."""
    dead_end = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HTTP_PROXY": dead_end,
        "HTTPS_PROXY": dead_end,
        "http_proxy": dead_end,
        "https_proxy": dead_end,
        "NO_PROXY": "",
        "no_proxy": "",
        "NO_MKDOCS_2_WARNING": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=config_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("help-center") / "site"
    result = build(REPO, out)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return out


def page_text(site: Path, page: str) -> str:
    """A built page's visible text, tags removed and entities decoded."""
    raw = (site / page / "index.html").read_text(encoding="utf-8")
    main = raw[raw.find("<article") : raw.find("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def euros(cents: int) -> str:
    return f"EUR {cents // 100:,}.{cents % 100:02d}"


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"welt_docs_{name}", DOCS / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return document


# ---------------------------------------------------------------- the build


def test_the_help_center_builds_with_its_key_pages(site: Path) -> None:
    missing = [page for page in KEY_PAGES if not (site / page).is_file()]

    assert missing == []


def test_the_search_index_finds_every_step_of_the_journey(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_page: dict[str, str] = {}
    for entry in index["docs"]:
        page = entry["location"].split("#")[0]
        by_page[page] = by_page.get(page, "") + " " + html.unescape(re.sub(r"<[^>]+>", " ", entry["title"] + " " + entry["text"]))

    not_found = {
        term: page
        for term, page in JOURNEY_TERMS.items()
        if not any(term.lower() in text.lower() for where, text in by_page.items() if where.startswith(page))
    }

    assert not_found == {}, f"terms the search index does not find on their page: {not_found}"


def test_no_placeholder_is_left_unrendered(site: Path) -> None:
    leftovers = [
        str(page.relative_to(site))
        for page in site.rglob("*.html")
        if re.search(r"<!--\s*(welt|openapi):", page.read_text(encoding="utf-8"))
    ]

    assert leftovers == []


def test_no_page_loads_anything_from_the_network(site: Path) -> None:
    external = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = {str(page.relative_to(site)): external.findall(page.read_text(encoding="utf-8")) for page in site.rglob("*.html")}

    assert {page: found for page, found in offenders.items() if found} == {}


def test_every_page_carries_a_content_security_policy_allowing_exactly_its_own_inline_scripts(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text()
        [policy] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        allowed = set(re.findall(r"'sha256-([^']+)'", policy))
        inline = {
            base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() for body in re.findall(r"<script>(.*?)</script>", html, re.S)
        }
        assert allowed == inline, page
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], page
        assert html.index("Content-Security-Policy") < html.index("<script"), page


def test_pictures_are_real_screenshots_of_the_backoffice(site: Path) -> None:
    """No placeholder pictures: an image is a screenshot `make screenshots` took, and every one shown exists."""
    screenshots = DOCS / "assets" / "screenshots"
    images = [p for p in DOCS.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}]
    shown = {
        (page, src) for page in site.rglob("*.html") for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', page.read_text(encoding="utf-8"))
    }

    assert [str(p.relative_to(DOCS)) for p in images if screenshots not in p.parents] == []
    missing = [
        f"{page.relative_to(site)}: {src}"
        for page, src in shown
        if not (page.parent / src).resolve().is_file() or (site / "assets" / "screenshots") not in (page.parent / src).resolve().parents
    ]
    assert missing == []


@pytest.mark.parametrize("page_name", ["architecture", "deploying"])
def test_a_diagram_renders_from_the_site_itself(site: Path, page_name: str) -> None:
    page = (site / "developers" / page_name / "index.html").read_text(encoding="utf-8")
    script = re.search(r'<script src="([^"]*mermaid[^"]*)"', page)

    assert 'class="mermaid"' in page
    assert script is not None
    assert (site / "developers" / page_name / script.group(1)).resolve().is_file()
    assert page.index(script.group(0)) < page.index("bundle.")  # there before the theme looks for it


def test_the_architecture_diagram_names_every_table() -> None:
    source = (DOCS / "developers" / "architecture.md").read_text(encoding="utf-8")
    diagram = source[source.index("```mermaid") : source.index("```", source.index("```mermaid") + 3)]

    assert [t.logical_name for t in ALL_TABLES if t.logical_name not in diagram] == []


def test_every_example_is_shown_in_the_docs() -> None:
    pages = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    shown = set(re.findall(r'--8<-- "([^"]+)"', pages))

    assert {p.name for p in (DOCS / "examples").glob("*.py")} <= shown


def test_an_unknown_placeholder_stops_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "help"
    copy.mkdir()
    shutil.copy(REPO / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(DOCS, copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    faq = copy / "docs" / "guide" / "faq.md"
    faq.write_text(faq.read_text(encoding="utf-8") + "\nThe fee is <!-- welt:no-such-figure -->.\n", encoding="utf-8")

    result = build(copy, tmp_path / "site")

    assert result.returncode != 0
    assert "welt:no-such-figure" in result.stdout + result.stderr


# ---------------------------------------------------------------- generated tables say what the code says


def test_status_and_stage_tables_list_every_value_of_the_code(site: Path) -> None:
    pool = page_text(site, "guide/order-pool")
    stamps = page_text(site, "guide/custom-stamps")
    errors = [
        f"{kind.__name__}.{member.name}"
        for kind, text in ((OrderStatus, pool), (PaymentStatus, pool), (ProductionStage, pool), (StampStatus, stamps), (Labeling, stamps))
        for member in kind
        if member.value not in text
    ]

    assert errors == []
    assert "Awaiting payment" in pool and "In production" in pool
    stages = [pool.index(stage.value) for stage in ProductionStage]
    assert stages == sorted(stages), "stages are listed in the order production goes through them"


def test_developer_tables_list_every_payment_state_group_status_and_problem(site: Path) -> None:
    walkthrough = page_text(site, "developers/walkthrough")
    groups = page_text(site, "guide/group-shipping")
    errors = page_text(site, "developers/errors")
    slugs = {slug for _, slug, _ in problems.PROBLEMS.values()} | {slug for slug, _ in problems.FRAMEWORK_PROBLEMS.values()}

    assert [state.value for state in PaymentState if state.value not in walkthrough] == []
    assert [status.value for status in GroupStatus if status.value not in groups] == []
    assert [slug for slug in slugs if f"/problems/{slug}" not in errors] == []


def test_price_and_shipping_tables_say_what_the_catalog_says(site: Path) -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    prices = page_text(site, "guide/prices")
    shipping = page_text(site, "guide/shipping")
    stamps = page_text(site, "guide/custom-stamps")

    for model in catalog["models"]:
        assert model["name"] in prices and euros(model["base_price"]) in prices, model["id"]
    for material in catalog["materials"]:
        assert material["name"] in prices, material["id"]
        if material["surcharge"]:
            assert euros(material["surcharge"]) in prices, material["id"]
    for name, rule in catalog["order_types"].items():
        assert name in prices and rule["factor"] in prices, name
    for zone in catalog["shipping_zones"]:
        assert zone["name"] in shipping, zone["id"]
        assert euros(zone["base"]) in shipping and euros(zone["per_pair"]) in shipping, zone["id"]
        assert euros(zone["base"] + zone["per_pair"] * 10) in shipping, zone["id"]
    assert euros(catalog["stamp_fee"]) in stamps


def test_the_group_shipping_example_is_computed_from_the_catalog(site: Path) -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    eu = next(zone for zone in catalog["shipping_zones"] if "DE" in zone["countries"])
    surcharge = {m["id"]: m["surcharge"] for m in catalog["materials"]}
    base = {m["id"]: m["base_price"] for m in catalog["models"]}
    designs = [
        ("derby", "calf-tan", "leather-natural", "leather-sole"),
        ("chelsea-boot", "suede-sand", "leather-black", "crepe"),
        ("court-sneaker", "canvas-natural", "textile-mesh", "rubber-cupsole"),
    ]
    factor = Decimal(catalog["order_types"]["MTO"]["factor"])
    manufacturing = sum(
        int(
            (Decimal(base[model] + surcharge[upper] + surcharge[lining] + surcharge[sole]) * factor).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        for model, upper, lining, sole in designs
    )
    alone = 3 * (eu["base"] + eu["per_pair"])
    together = eu["base"] + 3 * eu["per_pair"]
    text = page_text(site, "guide/group-shipping")

    assert f"shipping_savings of {euros(alone - together)}" in " ".join(text.split())
    assert euros(manufacturing + together) in text and euros(manufacturing + alone) in text


# ---------------------------------------------------------------- the OpenAPI document


def test_the_openapi_document_is_valid() -> None:
    validate_openapi(openapi())


def documented_routes(document: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(METHOD, path) -> the server addresses the document puts it on."""
    routes = {}
    for path, item in document["paths"].items():
        servers = [server["url"] for server in item.get("servers") or document["servers"]]
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                routes[(method.upper(), path)] = servers
    return routes


def app_routes(name: str) -> set[tuple[str, str]]:
    app = load_app(name).app
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def test_the_openapi_document_describes_every_route_of_both_apis_and_no_other() -> None:
    documented = documented_routes(openapi())
    orders, payments = app_routes("orders"), app_routes("payments")
    orders_server, payments_server = "http://127.0.0.1:8001", "http://127.0.0.1:8002"

    assert set(documented) == orders | payments
    assert [route for route in orders if orders_server not in documented[route]] == []
    assert [route for route in payments if payments_server not in documented[route]] == []
    assert [route for route in documented if route not in orders and orders_server in documented[route]] == []


def test_the_openapi_enums_are_the_code_enums() -> None:
    schemas = openapi()["components"]["schemas"]
    generated = load_hook("generated")

    for kind in (OrderType, OrderStatus, PaymentStatus, ProductionStage, Labeling, StampStatus, PaymentState, GroupStatus):
        assert schemas[kind.__name__]["enum"] == [member.value for member in kind], kind.__name__
    assert sorted(schemas["TimelineEventType"]["enum"]) == sorted(generated.timeline_events())


def test_every_operation_says_who_may_call_it_and_documents_its_auth_failures() -> None:
    document = openapi()
    problems = []
    for (method, path), _ in documented_routes(document).items():
        operation = document["paths"][path][method.lower()]
        if not operation.get("x-welt-callers"):
            problems.append(f"{method} {path}: no x-welt-callers")
        public = operation.get("security") == []
        if not public and "401" not in operation["responses"]:
            problems.append(f"{method} {path}: no 401")
        if path.startswith("/admin") and "403" not in operation["responses"]:
            problems.append(f"{method} {path}: no 403")

    assert problems == []
