"""An error as the APIs answer it: RFC 9457 problem details with the fields that failed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict


class FieldError(TypedDict):
    loc: Annotated[list[str | int], Field(description="Where the field is, starting with `body`, `header`, `query` or `path`.")]
    msg: str


class Problem(TypedDict):
    """An error, as RFC 9457 problem details with the fields that failed."""

    type: Annotated[str, Field(description="`/problems/<slug>`: one slug per kind of error (see the errors page).")]
    title: str
    status: int
    detail: Annotated[str, Field(description="What went wrong, for a person.")]
    errors: Annotated[list[FieldError], Field(description="The fields at fault; empty when the problem is not about a field.")]
