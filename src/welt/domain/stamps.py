"""A brand's custom stamps from its logo to the made stamps: the steps, who takes each, and the record of them.

The brand sends its artwork; staff send a proof (how the stamp will look); the brand approves it or asks for
changes with a comment (then staff send a new proof, or the brand new artwork); staff make the stamps and mark them
ready. Staff may set the date they expect the stamps any time before. Every step moves `revision` on by one and adds
an event, so a client acts on the revision it has read, and a retry of a step already taken is recognised as such.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from welt.domain.errors import StateConflictError


class StampStep(StrEnum):
    AWAITING_ARTWORK = "AWAITING_ARTWORK"
    ARTWORK_RECEIVED = "ARTWORK_RECEIVED"
    PROOF_SENT = "PROOF_SENT"
    CHANGES_ASKED = "CHANGES_ASKED"
    PROOF_APPROVED = "PROOF_APPROVED"
    MADE = "MADE"


# What a stamp's artwork may be, and the file name ending each is kept under.
ARTWORK_TYPES = {"image/svg+xml": "svg", "application/pdf": "pdf", "image/png": "png"}
# A logo's vector file or a print-size PNG is well under this; the upload form refuses anything bigger.
MAX_ARTWORK_BYTES = 10 * 1024 * 1024
# The brand item keeps the latest events only, so it stays far from DynamoDB's 400 KB per item.
MAX_STAMP_EVENTS = 100


def artwork_type(head: bytes) -> str | None:
    """What the file is by its first bytes (never by what the uploader said): PNG, PDF or SVG, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in text:
        return "image/svg+xml"
    return None


class Artwork(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    key: str
    content_type: str
    size: int
    file_name: str
    uploaded_at: datetime


class Proof(BaseModel):
    """How the stamp will be made, as staff describe it to the brand (size, placement, depth, what was changed)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    note: str
    sent_at: datetime


class StampEvent(BaseModel):
    """One step of the stamps; `revision` is the revision it produced."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    at: datetime
    actor: str
    type: StampStep | str
    details: dict[str, Any] = Field(default_factory=dict)
    revision: int


EXPECTED_DATE_SET = "EXPECTED_DATE_SET"


class StampWork(BaseModel):
    """Where a brand's stamps stand, with the events that brought them there (newest last)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    step: StampStep = StampStep.AWAITING_ARTWORK
    revision: int = 0
    artwork: Artwork | None = None
    proof: Proof | None = None
    changes_asked: str | None = None
    expected_on: date | None = None
    events: list[StampEvent] = []

    def repeats(self, revision: int, step: StampStep | str, details: dict[str, Any]) -> bool:
        """Whether the latest step is this one, taken on `revision`: a retry of a step already taken."""
        last = self.events[-1] if self.events else None
        return last is not None and last.revision == revision + 1 and last.type == step and last.details == details

    def _after(self, step: StampStep | str, at: datetime, actor: str, details: dict[str, Any], **changes: Any) -> StampWork:
        event = StampEvent(at=at, actor=actor, type=step, details=details, revision=self.revision + 1)
        moved = changes if step == EXPECTED_DATE_SET else {"step": step, **changes}
        return self.model_copy(update={**moved, "revision": self.revision + 1, "events": [*self.events, event][-MAX_STAMP_EVENTS:]})

    def _must_be(self, allowed: tuple[StampStep, ...], doing: str) -> None:
        if self.step not in allowed:
            raise StateConflictError(f"The stamps are at {self.step.value}: {doing} is not possible now.")

    def receive_artwork(self, artwork: Artwork, actor: str) -> StampWork:
        """New artwork replaces the one before, and any proof of it, until a proof is approved."""
        self._must_be(
            (StampStep.AWAITING_ARTWORK, StampStep.ARTWORK_RECEIVED, StampStep.PROOF_SENT, StampStep.CHANGES_ASKED), "sending artwork"
        )
        details = {"file_name": artwork.file_name, "content_type": artwork.content_type, "size": artwork.size, "key": artwork.key}
        return self._after(StampStep.ARTWORK_RECEIVED, artwork.uploaded_at, actor, details, artwork=artwork, proof=None, changes_asked=None)

    def send_proof(self, note: str, at: datetime, actor: str) -> StampWork:
        self._must_be((StampStep.ARTWORK_RECEIVED, StampStep.PROOF_SENT, StampStep.CHANGES_ASKED), "sending a proof")
        return self._after(StampStep.PROOF_SENT, at, actor, {"note": note}, proof=Proof(note=note, sent_at=at), changes_asked=None)

    def approve(self, at: datetime, actor: str) -> StampWork:
        self._must_be((StampStep.PROOF_SENT,), "approving the proof")
        return self._after(StampStep.PROOF_APPROVED, at, actor, {})

    def ask_changes(self, comment: str, at: datetime, actor: str) -> StampWork:
        self._must_be((StampStep.PROOF_SENT,), "asking for changes")
        return self._after(StampStep.CHANGES_ASKED, at, actor, {"comment": comment}, changes_asked=comment)

    def expect_on(self, day: date, at: datetime, actor: str) -> StampWork:
        if self.step is StampStep.MADE:
            raise StateConflictError("The stamps are made: there is no date left to expect.")
        if self.expected_on == day:
            return self
        return self._after(EXPECTED_DATE_SET, at, actor, {"expected_on": day.isoformat()}, expected_on=day)

    def made(self, at: datetime, actor: str) -> StampWork:
        """Staff made the stamps (with or without artwork sent here: a brand may have sent its logo otherwise)."""
        return self if self.step is StampStep.MADE else self._after(StampStep.MADE, at, actor, {})
