"""The accessibility check itself: it finds what breaks WCAG 2.1 A/AA, names the rule and the element, and
drops only what an exclusion names."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import Exclusion, assert_accessible, axe_violations

pytestmark = pytest.mark.e2e

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Sizes</h1>
<input id="size" type="text">
<div class="vendor"><input id="vendor-size" type="text"></div>
<p style="color: #aaa; background: #fff">Pale text</p>
</main></body></html>"""


def test_a_page_that_breaks_the_rules_fails_with_each_rule_and_element(page: Page) -> None:
    page.set_content(BROKEN)

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "broken page")

    message = str(failure.value)
    assert "broken page: 2 accessibility rule(s) fail" in message
    assert "- label (critical): Form elements must have labels" in message
    assert "    #size: " in message and "    #vendor-size: " in message
    assert "- color-contrast (serious)" in message and "    p: " in message


def test_an_exclusion_drops_its_rule_inside_its_element_only(page: Page) -> None:
    page.set_content(BROKEN)

    left = axe_violations(page, (Exclusion("label", ".vendor", "markup of a third party"),))

    by_rule = {violation["id"]: [node["target"] for node in violation["nodes"]] for violation in left}
    assert by_rule == {"label": [["#size"]], "color-contrast": [["p"]]}


def test_a_page_that_keeps_the_rules_passes(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Fine</title></head><body><main><h1>Sizes</h1>'
        '<label for="size">Size</label><input id="size" type="text"></main></body></html>'
    )

    assert_accessible(page, "fine page")
