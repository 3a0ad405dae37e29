"""A design and its size run: the model, its materials and the pairs per EU size."""

from __future__ import annotations

import re

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
)

from welt.domain.text import OptionalShortText, Strict, Text

EU_SIZE = re.compile(r"^EU(3[5-9]|4[0-7])(\.5)?$|^EU48$")


class Materials(Strict):
    upper: Text
    lining: Text
    sole: Text


class Design(Strict):
    model: Text
    materials: Materials
    design_ref: OptionalShortText = None


class SizeLine(Strict):
    size: str
    pairs: StrictInt = Field(ge=1, le=5000)  # a number, never "1" or true

    @field_validator("size")
    @classmethod
    def _eu_size(cls, value: str) -> str:
        if not EU_SIZE.fullmatch(value):
            raise ValueError("must be an EU size from EU35 to EU48, half sizes as EU42.5")
        return value


class SizeRun(BaseModel):
    """The pairs of one design, by size; each size at most once."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    lines: list[SizeLine] = Field(min_length=1, max_length=27)

    @field_validator("lines")
    @classmethod
    def _each_size_once(cls, lines: list[SizeLine]) -> list[SizeLine]:
        sizes = [line.size for line in lines]
        if len(set(sizes)) != len(sizes):
            raise ValueError("each size may appear only once")
        return lines

    @property
    def pairs(self) -> int:
        return sum(line.pairs for line in self.lines)
