"""No module under src/welt grows past 350 lines: a newcomer reads one concern per file."""

from __future__ import annotations

from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "welt"
LIMIT = 350


def test_every_module_fits_in_350_lines() -> None:
    too_long = {
        str(path.relative_to(SOURCE)): lines for path in SOURCE.rglob("*.py") if (lines := len(path.read_text().splitlines())) > LIMIT
    }
    assert too_long == {}, f"split these by concern: {too_long}"
