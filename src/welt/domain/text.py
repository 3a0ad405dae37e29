"""What text and ids a client may send: one type for every free-text field, and the shape of every id.

Free text is stored as Unicode NFC, never with control characters (NUL, CR/LF, C1) or the characters that turn
text around on screen (bidi overrides and isolates), and never blank or made only of invisible characters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

# C0 and C1 controls (tab and newlines included: every field is one line), DEL, the bidi embeddings, overrides and
# isolates, and the directional marks: none has a place in a name or an address.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing: separators, format characters (zero-width spaces and joiners, the BOM) and fillers.
INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cf"}
INVISIBLE_EXTRA = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
# How much of a refused value an answer repeats.
ECHO_LIMIT = 40


def _visible(value: str) -> bool:
    return any(unicodedata.category(c) not in INVISIBLE_CATEGORIES and c not in INVISIBLE_EXTRA for c in value)


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    found = FORBIDDEN.search(value)
    if found:
        raise ValueError(f"must not contain control or text-direction characters (U+{ord(found.group()):04X} found)")
    if value and not _visible(value):
        raise ValueError("must have visible characters, not only spaces or invisible ones")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(clean_text)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(clean_text)] | None
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(clean_text)]
OptionalShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(clean_text)] | None

PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16), AfterValidator(clean_text)]

# The pattern bounds the length too, and an answer names the rule, never the value.
OrderNumberText = Annotated[str, StringConstraints(pattern=r"^[0-9]{5,12}-[A-Z]{3}$")]
GroupIdText = Annotated[str, StringConstraints(pattern=r"^G[0-9]{4,12}-[A-Z]{3}$")]


def shown(value: object) -> str:
    """A client's value as an answer may repeat it: at most a short prefix, printable."""
    printable = "".join(c if c.isprintable() else "?" for c in str(value)[: ECHO_LIMIT + 1])
    return printable if len(printable) <= ECHO_LIMIT else printable[:ECHO_LIMIT] + "…"


class Strict(BaseModel):
    """What a brand sends: an unknown field is refused, not ignored; frozen once read."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
