"""A brand's custom stamps, step by step: the brand uploads its artwork and approves the proof (or asks for changes),
staff send the proof and set the date they expect the stamps.

Each step names the stamps' `revision` it was taken on and is one transaction: the brand at the version it was read
at, with the step among its stamps' events and the email about it in the outbox. A step that loses a race with
another change to the brand (an order numbered) is redone on the brand as it now is; a step on an older revision is
409, unless it is the very step that produced the current revision (a retry), which answers the stamps as they are.
The artwork goes from the browser straight to a private bucket through a presigned form; Welt then checks what
arrived (its size, and its type by its first bytes) before it records it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from welt.domain.brand import BRAND_CODE, Brand
from welt.domain.errors import (
    FieldProblem,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    StateConflictError,
    ValidationFailedError,
)
from welt.domain.stamps import ARTWORK_TYPES, EXPECTED_DATE_SET, MAX_ARTWORK_BYTES, Artwork, StampStep, StampWork, artwork_type
from welt.domain.text import ShortText, Strict, clean_text
from welt.services.callers import Caller, brand_of
from welt.services.changes import until_applied
from welt.services.notifications import stamps_message
from welt.services.order_desk import OrderDesk
from welt.services.ports import ArtworkFiles, Transaction
from welt.services.resources.stamps import ArtworkLink, ArtworkUploadForm, StampsResource, stamps_resource

# Long enough to pick a file and upload 10 MB on a slow line; short enough that a leaked form is soon useless.
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
ARTWORK_PREFIX = "artwork/"

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), AfterValidator(clean_text)]
Revision = Annotated[int, Field(ge=0, le=999_999_999, description="The stamps' `revision` this step is taken on.")]


class UploadRequest(Strict):
    content_type: Annotated[str, Field(pattern=r"^(image/svg\+xml|application/pdf|image/png)$", examples=["image/png"])]


class ArtworkSent(Strict):
    key: Annotated[str, Field(max_length=200, description="The `key` of the upload form the file was sent with.")]
    file_name: ShortText
    revision: Revision


class ProofAnswer(Strict):
    revision: Revision


class ChangesAsked(Strict):
    revision: Revision
    comment: Note


class ProofSent(Strict):
    revision: Revision
    note: Note


class ExpectedDate(Strict):
    revision: Revision
    expected_on: date


def _artwork_files(desk: OrderDesk) -> ArtworkFiles:
    if desk.artwork is None:
        raise ServiceUnavailableError("Artwork uploads are not set up here; send your artwork to the factory by email.")
    return desk.artwork


def _staff_brand(desk: OrderDesk, caller: Caller, code: str) -> Brand:
    if not caller.staff:
        raise ForbiddenError("This is for factory staff.")
    brand = desk.brands.get(code) if BRAND_CODE.fullmatch(code) else None
    if brand is None:
        raise NotFoundError(f"No brand {code[:3]}.")
    return brand


def _step(
    desk: OrderDesk, read: Callable[[], Brand], revision: int, step: str, details: dict[str, Any], take: Callable[[StampWork], StampWork]
) -> Brand:
    """Take the step on the stamps at `revision`, with its email, in one transaction; a retry answers what it did."""

    def attempt() -> Brand:
        brand = read()
        work = brand.stamps
        if work.revision != revision:
            if work.repeats(revision, step, details):
                return brand
            raise StateConflictError(
                f"The stamps changed since you read them (revision {revision}, now {work.revision}); reload and try again."
            )
        changed = brand.with_stamps(take(work))
        transaction = Transaction().brand(changed, brand)
        if changed is not brand and brand.contact_email:
            transaction.send(stamps_message(changed, brand.contact_email))
        desk.store.commit(transaction)
        return changed

    return until_applied(attempt, "The brand's stamps")


def own_stamps(desk: OrderDesk, caller: Caller) -> StampsResource:
    return stamps_resource(brand_of(desk.brands, caller), staff_names=False)


def stamps_for_staff(desk: OrderDesk, caller: Caller, code: str) -> StampsResource:
    return stamps_resource(_staff_brand(desk, caller, code), staff_names=True)


def upload_form(desk: OrderDesk, caller: Caller, request: UploadRequest) -> ArtworkUploadForm:
    """A presigned form for one file of this type, at most 10 MB, under a new key in the brand's own folder."""
    brand = brand_of(desk.brands, caller)
    key = f"{ARTWORK_PREFIX}{brand.code}/{secrets.token_hex(16)}.{ARTWORK_TYPES[request.content_type]}"
    form = _artwork_files(desk).upload_form(key, request.content_type, MAX_ARTWORK_BYTES, UPLOAD_SECONDS)
    expires = desk.clock() + timedelta(seconds=UPLOAD_SECONDS)
    return {
        "url": form["url"],
        "fields": dict(form["fields"]),
        "key": key,
        "max_bytes": MAX_ARTWORK_BYTES,
        "expires_at": expires.isoformat(),
    }


def _uploaded(desk: OrderDesk, brand: Brand, sent: ArtworkSent) -> Artwork:
    """The file under the key, checked: the brand's own, there, no bigger than allowed, and of the type its name says."""
    prefix = f"{ARTWORK_PREFIX}{brand.code}/"
    ending = sent.key.rsplit(".", 1)[-1]
    stored = _artwork_files(desk).stored(sent.key) if sent.key.startswith(prefix) and "/" not in sent.key[len(prefix) :] else None
    if stored is None:
        raise NotFoundError("No uploaded artwork under that key: upload the file with the form first.")
    problems = []
    if stored.size > MAX_ARTWORK_BYTES or stored.size == 0:
        problems.append(FieldProblem(("body", "key"), f"the file must be 1 byte to {MAX_ARTWORK_BYTES // 1024 // 1024} MB"))
    kind = artwork_type(stored.head)
    if kind is None or ARTWORK_TYPES[kind] != ending:
        problems.append(FieldProblem(("body", "key"), "the file must be an SVG, a PDF or a PNG, as chosen for the form"))
    if problems:
        raise ValidationFailedError("The uploaded file cannot be used as stamp artwork.", problems)
    assert kind is not None
    return Artwork(key=sent.key, content_type=kind, size=stored.size, file_name=sent.file_name, uploaded_at=desk.clock())


def receive_artwork(desk: OrderDesk, caller: Caller, sent: ArtworkSent) -> StampsResource:
    brand = brand_of(desk.brands, caller)
    artwork = _uploaded(desk, brand, sent)
    details = {"file_name": artwork.file_name, "content_type": artwork.content_type, "size": artwork.size, "key": artwork.key}
    changed = _step(
        desk,
        lambda: brand_of(desk.brands, caller),
        sent.revision,
        StampStep.ARTWORK_RECEIVED,
        details,
        lambda work: work.receive_artwork(artwork, caller.actor),
    )
    return stamps_resource(changed, staff_names=False)


def approve_proof(desk: OrderDesk, caller: Caller, answer: ProofAnswer) -> StampsResource:
    changed = _step(
        desk,
        lambda: brand_of(desk.brands, caller),
        answer.revision,
        StampStep.PROOF_APPROVED,
        {},
        lambda work: work.approve(desk.clock(), caller.actor),
    )
    return stamps_resource(changed, staff_names=False)


def ask_changes(desk: OrderDesk, caller: Caller, asked: ChangesAsked) -> StampsResource:
    changed = _step(
        desk,
        lambda: brand_of(desk.brands, caller),
        asked.revision,
        StampStep.CHANGES_ASKED,
        {"comment": asked.comment},
        lambda work: work.ask_changes(asked.comment, desk.clock(), caller.actor),
    )
    return stamps_resource(changed, staff_names=False)


def send_proof(desk: OrderDesk, caller: Caller, code: str, proof: ProofSent) -> StampsResource:
    _staff_brand(desk, caller, code)
    changed = _step(
        desk,
        lambda: _staff_brand(desk, caller, code),
        proof.revision,
        StampStep.PROOF_SENT,
        {"note": proof.note},
        lambda work: work.send_proof(proof.note, desk.clock(), caller.actor),
    )
    return stamps_resource(changed, staff_names=True)


def set_expected_date(desk: OrderDesk, caller: Caller, code: str, expected: ExpectedDate) -> StampsResource:
    _staff_brand(desk, caller, code)
    if expected.expected_on < desk.clock().date():
        raise ValidationFailedError(
            "The stamps cannot be expected in the past.", [FieldProblem(("body", "expected_on"), "must be today or later")]
        )
    changed = _step(
        desk,
        lambda: _staff_brand(desk, caller, code),
        expected.revision,
        EXPECTED_DATE_SET,
        {"expected_on": expected.expected_on.isoformat()},
        lambda work: work.expect_on(expected.expected_on, desk.clock(), caller.actor),
    )
    return stamps_resource(changed, staff_names=True)


def _link(desk: OrderDesk, brand: Brand) -> ArtworkLink:
    artwork = brand.stamps.artwork
    if artwork is None:
        raise NotFoundError(f"Brand {brand.code} has sent no artwork yet.")
    url = _artwork_files(desk).download_link(artwork.key, artwork.file_name, DOWNLOAD_SECONDS)
    expires = desk.clock() + timedelta(seconds=DOWNLOAD_SECONDS)
    return {"url": url, "file_name": artwork.file_name, "expires_at": expires.isoformat()}


def own_artwork_link(desk: OrderDesk, caller: Caller) -> ArtworkLink:
    return _link(desk, brand_of(desk.brands, caller))


def artwork_link_for_staff(desk: OrderDesk, caller: Caller, code: str) -> ArtworkLink:
    return _link(desk, _staff_brand(desk, caller, code))
