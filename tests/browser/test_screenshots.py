"""The help center's pictures, taken as `make screenshots` takes them on a stack of their own: every screen they show
people reads in words, never an internal code (an UPPER_SNAKE status or a catalog id)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from playwright.sync_api import Browser

from tests.browser.backoffice import running_stack
from tests.internal_codes import internal_codes

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"


def screenshots_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("welt_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_picture_of_the_help_center_shows_an_internal_code(browser: Browser, tmp_path: Path) -> None:
    script = screenshots_script()
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    with running_stack(tmp_path / "stack") as stack:
        context = browser.new_context(viewport=script.DESKTOP, locale="en-GB", device_scale_factor=1)
        try:
            camera = script.take(stack, context.new_page(), pictures)
        finally:
            context.close()
    shown = {path.stem for path in pictures.glob("*.png")}
    assert shown == set(camera.words) and len(shown) >= 30, sorted(shown)
    found = {name: codes for name, words in camera.words.items() if (codes := internal_codes(words))}
    assert found == {}, found
