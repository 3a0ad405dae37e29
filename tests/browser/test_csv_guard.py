"""The CSV export's cells in Chromium: text a spreadsheet would run as a formula is written as text.

The export module is loaded from the browser app's own files (served as the local stack serves them), no stack needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.browser.backoffice import serving_web_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def web_origin() -> Iterator[str]:
    with serving_web_app(None) as origin:
        yield origin


def csv_field(page: Page, origin: str, value: str) -> str:
    page.goto(f"{origin}/index.html")
    return page.evaluate("async (value) => (await import('/js/pool-export.js')).csvField(value)", value)


@pytest.mark.parametrize(
    "formula",
    ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", " =1+1", "  @SUM(A1)", "\u00a0=1+1", "\t =1"],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(page: Page, web_origin: str, formula: str) -> None:
    written = csv_field(page, web_origin, formula)

    assert written.strip('"').startswith("'")


@pytest.mark.parametrize("plain", ["DMO-42 heel", "a=b", "EU42x1", "12.50"])
def test_plain_text_is_written_as_it_is(page: Page, web_origin: str, plain: str) -> None:
    assert csv_field(page, web_origin, plain) == plain
