"""axe-core's WCAG 2.1 A and AA rules run inside a page, with failures named by rule and element.

Call `assert_accessible(page, "Pay order")` once a screen shows what it should. axe-core comes bundled in
axe-playwright-python and is injected from disk, so the check needs no network. `assert_reflows` covers what
axe cannot see: WCAG 1.4.10, a 320px wide screen that never scrolls sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 1.4.10 (Reflow): content fits 320 CSS pixels, the width of a small phone or a desktop zoomed to 400 %.
REFLOW_WIDTH = 320
# Elements listed per failing rule: one broken style can fail hundreds, and the first few say where.
NODES_SHOWN = 10


@dataclass(frozen=True)
class Exclusion:
    """One rule not applied to the elements a CSS selector matches, and why: for markup the project does not write."""

    rule: str
    selector: str
    reason: str


# axe.run in the page: only the WCAG 2.1 A/AA rules, violations only (passes and the rest make the answer
# heavy), and each failing node of an excluded rule dropped when it sits inside an element the exclusion names.
RUN_AXE = """async ([tags, exclusions]) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const excused = (rule, node) => exclusions.some((e) => e.rule === rule && node.target.length === 1
    && document.querySelector(node.target[0])?.closest(e.selector));
  return results.violations
    .map((v) => ({...v, nodes: v.nodes.filter((node) => !excused(v.id, node))}))
    .filter((v) => v.nodes.length)
    .map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                  nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary}))}));
}"""


def axe_violations(page: Page, exclusions: tuple[Exclusion, ...] = ()) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations on the page as it is now (axe is injected once per document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, [WCAG_21_AA, [e.__dict__ for e in exclusions]])
    return found


def describe(screen: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{screen}: {len(violations)} accessibility rule(s) fail (axe-core, WCAG 2.1 A/AA)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:NODES_SHOWN]:
            target = " >>> ".join(str(part) for part in node["target"])  # >>> steps into a frame or shadow root
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > NODES_SHOWN:
            lines.append(f"    and {len(violation['nodes']) - NODES_SHOWN} more element(s)")
    return "\n".join(lines)


def assert_accessible(page: Page, screen: str, exclusions: tuple[Exclusion, ...] = ()) -> None:
    """Fails with every violation by rule (id, impact, help) and element (its selector) unless there are none."""
    violations = axe_violations(page, exclusions)
    assert not violations, describe(screen, violations)


# Whether the page scrolls sideways, and if it does, the innermost elements that reach past the right edge.
REFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const right = (el) => el.getBoundingClientRect().right;
  const fits = document.documentElement.scrollWidth <= width;
  const wide = fits ? [] : [...document.body.querySelectorAll('*')]
    .filter((el) => right(el) > width + 0.5 && ![...el.children].some((child) => right(child) > width + 0.5));
  return {width, fits, wide: wide.slice(0, 10).map((el) =>
    `${el.tagName.toLowerCase()}${[...el.classList].map((c) => '.' + c).join('')} ends at ${Math.round(right(el))}px`)};
}"""


def assert_reflows(page: Page, screen: str) -> None:
    """At the page's current width (set it to REFLOW_WIDTH), the screen does not scroll sideways."""
    found: dict[str, Any] = page.evaluate(REFLOW)
    assert found["fits"], f"{screen}: wider than the {found['width']}px screen (WCAG 1.4.10): {'; '.join(found['wide'])}"
