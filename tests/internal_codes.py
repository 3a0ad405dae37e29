"""What a person must never read: the API's UPPER_SNAKE codes and the catalog's ids (calf-tan, leather-sole).
Tests scan screens, emails and CSV cells meant for people with `internal_codes`."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path

from welt.domain import model, payment, shipping_group

UPPER_SNAKE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")

_CATALOG = json.loads((Path(__file__).parents[1] / "src" / "welt" / "domain" / "catalog.json").read_text())


def _catalog_ids(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and "-" in node["id"]:
            found.add(node["id"])
        for value in node.values():
            found |= _catalog_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= _catalog_ids(value)
    return found


CATALOG_IDS = frozenset(_catalog_ids(_CATALOG))

# One-word codes of the domain's enums (UNLABELED, PROCESSING, CUTTING); "MTO" is the trade's own word.
_ENUMS = [
    value
    for module in (model, payment, shipping_group)
    for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
]
WORD_CODES = frozenset(member.value for enum in _ENUMS for member in enum if "_" not in member.value) - {"MTO"}


def internal_codes(text: str) -> list[str]:
    """The codes found in `text` meant for a person: UPPER_SNAKE tokens and hyphenated catalog ids."""
    codes = UPPER_SNAKE.findall(text)
    codes += [word for word in re.findall(r"\b[A-Z]{3,}\b", text) if word in WORD_CODES]
    codes += [code for code in sorted(CATALOG_IDS) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    return codes
