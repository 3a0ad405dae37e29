"""Driving the backoffice with the keyboard alone: Tab and Shift+Tab to a control, Enter, Space and arrows on it.

Every stop on the way must show where the focus is, so a test that gets through also proves the focus
order reaches each control and that the focus can be seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page

# Tab stops before giving up on reaching a control: a long page, never a loop.
MAX_STOPS = 80

# What the focused element is and whether it shows it: an outline or a ring drawn as a box shadow.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: 'body', visible: false, control: false};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  const text = (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || '').trim();
  return {
    name: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${text.slice(0, 40)}"`,
    visible: outline || ring,
    control: el.matches('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])'),
  };
}"""


class KeyboardOnly:
    """A buyer who never touches the mouse."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.keys = page.keyboard

    def focused(self, target: Locator) -> bool:
        return bool(target.evaluate("el => el === document.activeElement"))

    def tab_to(self, target: Locator, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until `target` has the focus; each control passed on the way must show its focus."""
        self.tab_until(lambda: self.focused(target), str(target), backwards)

    def tab_until(self, arrived: Callable[[], bool], what: str, backwards: bool = False) -> None:
        path: list[str] = []
        for _ in range(MAX_STOPS):
            if arrived():
                state: dict[str, Any] = self.page.evaluate(FOCUS_STATE)
                assert state["visible"], f"{state['name']} has the focus but shows no focus indicator"
                return
            self.keys.press("Shift+Tab" if backwards else "Tab")
            state = self.page.evaluate(FOCUS_STATE)
            path.append(state["name"])
            assert state["visible"] or not state["control"], f"{state['name']} has the focus but shows no focus indicator"
        raise AssertionError(f"{what} was not reached in {MAX_STOPS} Tab stops; the focus went: {' -> '.join(path)}")

    def fill(self, target: Locator, text: str) -> None:
        """Tab to a text field, select what is in it and type over it."""
        self.tab_to(target)
        self.keys.press("ControlOrMeta+a")
        self.keys.press("Delete")
        self.keys.type(text)

    def sign_in(self, email: str, password: str) -> None:
        """The sign-in form: email address, password, Enter."""
        self.fill(self.page.get_by_label("Email address"), email)
        self.fill(self.page.get_by_label("Password"), password)
        self.keys.press("Enter")

    def choose_password(self, password: str) -> None:
        """The "Choose your password" step: the new password twice, Enter."""
        self.fill(self.page.get_by_label("New password", exact=True), password)
        self.fill(self.page.get_by_label("New password again"), password)
        self.keys.press("Enter")

    def enter_code(self, code: str) -> None:
        """The authenticator step: the app's code, Enter."""
        self.fill(self.page.get_by_label("Code from the app"), code)
        self.keys.press("Enter")

    def choose(self, target: Locator, option: str) -> None:
        """Tab to a select and arrow through it (from the top) to the option whose text starts with `option`."""
        self.tab_to(target)
        self.keys.press("Home")
        count = target.locator("option").count()
        for _ in range(count):
            if target.evaluate("el => el.selectedOptions[0]?.textContent ?? ''").startswith(option):
                return
            self.keys.press("ArrowDown")
        raise AssertionError(f"{target} has no option starting with {option!r}")

    def pick_radio(self, target: Locator) -> None:
        """Tab into the radio group, then arrow to `target` (arrows check the radio they land on)."""
        name = target.get_attribute("name")
        self.tab_until(lambda: bool(self.page.evaluate("name => document.activeElement?.name === name", name)), f"the radio group {name!r}")
        for _ in range(self.page.locator(f'input[type="radio"][name="{name}"]').count()):
            if self.focused(target):
                if not target.is_checked():  # Tab lands on the first radio of a group with none checked
                    self.keys.press("Space")
                return
            self.keys.press("ArrowDown")
        raise AssertionError(f"the arrows never reached {target}")

    def check(self, target: Locator, checked: bool = True) -> None:
        """Tab to a checkbox and set it with Space."""
        self.tab_to(target)
        if target.is_checked() != checked:
            self.keys.press("Space")

    def press(self, target: Locator, key: str = "Enter", backwards: bool = False) -> None:
        """Tab (or Shift+Tab) to a link or button and press it."""
        self.tab_to(target, backwards)
        self.keys.press(key)
