"""A brand's custom stamps as the APIs answer them: where they stand, the artwork and proof, and their steps."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from welt.domain.brand import Brand
from welt.domain.stamps import StampEvent
from welt.services.resources.parts import BrandCode, DateTime, OptionalDateTime, iso

StampStepName = Literal["AWAITING_ARTWORK", "ARTWORK_RECEIVED", "PROOF_SENT", "CHANGES_ASKED", "PROOF_APPROVED", "MADE"]


class ArtworkJson(TypedDict):
    file_name: str
    content_type: Literal["image/svg+xml", "application/pdf", "image/png"]
    size: Annotated[int, Field(description="Bytes.")]
    uploaded_at: DateTime


class ProofJson(TypedDict):
    note: Annotated[str, Field(description="How the stamp will be made (size, placement, depth), as staff describe it.")]
    sent_at: DateTime


class StampEventResource(TypedDict):
    at: DateTime
    actor: Annotated[str, Field(description="`brand:<code>[:<user>]`, `staff:<user>` (staff reading) or `staff` (a brand reading).")]
    type: Annotated[str, Field(description="The step taken (a `step`), or `EXPECTED_DATE_SET`.")]
    details: dict[str, object]
    revision: Annotated[int, Field(description="The stamps' revision this step produced.")]


class StampsResource(TypedDict):
    code: BrandCode
    stamps_status: Literal["NONE", "IN_DEVELOPMENT", "READY"]
    step: StampStepName
    revision: Annotated[int, Field(description="Send it back with the next step: a step on an older revision is 409.")]
    expected_on: Annotated[str | None, Field(description="The day staff expect the stamps to be made (`YYYY-MM-DD`); `null` until set.")]
    artwork: ArtworkJson | None
    proof: ProofJson | None
    changes_asked: Annotated[str | None, Field(description="The brand's comment when it asked for changes to the proof.")]
    events: Annotated[list[StampEventResource], Field(description="The steps so far, oldest first (the latest 100).")]


class ArtworkUploadForm(TypedDict):
    url: Annotated[str, Field(description="POST the file here as `multipart/form-data`: every field of `fields`, then `file`.")]
    fields: dict[str, str]
    key: Annotated[str, Field(description="Where the file goes; send it back to `POST /brand/stamps/artwork` once uploaded.")]
    max_bytes: int
    expires_at: DateTime


class ArtworkLink(TypedDict):
    url: Annotated[str, Field(description="Downloads the artwork until `expires_at`.")]
    file_name: str
    expires_at: OptionalDateTime


def stamp_event_resource(event: StampEvent, staff_names: bool) -> StampEventResource:
    actor = "staff" if not staff_names and event.actor.startswith("staff:") else event.actor
    details: dict[str, object] = event.model_dump(mode="json", include={"details"})["details"]
    return {"at": iso(event.at), "actor": actor, "type": str(event.type), "details": details, "revision": event.revision}


def stamps_resource(brand: Brand, staff_names: bool) -> StampsResource:
    work = brand.stamps
    artwork = work.artwork
    return {
        "code": brand.code,
        "stamps_status": brand.stamps_status.value,  # type: ignore[typeddict-item]
        "step": work.step.value,  # type: ignore[typeddict-item]
        "revision": work.revision,
        "expected_on": work.expected_on.isoformat() if work.expected_on else None,
        "artwork": {
            "file_name": artwork.file_name,
            "content_type": artwork.content_type,  # type: ignore[typeddict-item]
            "size": artwork.size,
            "uploaded_at": iso(artwork.uploaded_at),
        }
        if artwork
        else None,
        "proof": {"note": work.proof.note, "sent_at": iso(work.proof.sent_at)} if work.proof else None,
        "changes_asked": work.changes_asked,
        "events": [stamp_event_resource(event, staff_names) for event in work.events],
    }
