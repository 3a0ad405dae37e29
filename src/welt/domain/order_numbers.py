"""Order numbers: a brand's own sequence, `00042-DMO`, with one spelling per order."""

from __future__ import annotations

import re

ORDER_NUMBER = re.compile(r"^(\d{5,12})-([A-Z]{3})$")


def order_number(brand: str, seq: int) -> str:
    return f"{seq:05d}-{brand}"


def parse_order_number(text: str) -> tuple[str, int] | None:
    """`00042-DMO` -> ("DMO", 42); anything else -> None."""
    match = ORDER_NUMBER.fullmatch(text)
    if not match:
        return None
    brand, seq = match.group(2), int(match.group(1))
    # One spelling per order: 000042-DMO is not another name for 00042-DMO.
    return (brand, seq) if seq > 0 and order_number(brand, seq) == text else None
