"""The custom stamps' steps: who may take which when, what each records, and how a retried step is recognised."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from welt.domain.errors import StateConflictError
from welt.domain.stamps import MAX_STAMP_EVENTS, Artwork, StampStep, StampWork, artwork_type

AT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
BRAND = "brand:DMO:u1"
STAFF = "staff:s1"


def artwork(name: str = "logo.png") -> Artwork:
    return Artwork(key="artwork/DMO/abc.png", content_type="image/png", size=2048, file_name=name, uploaded_at=AT)


def test_the_stamps_go_from_artwork_to_proof_to_approval_to_made_each_step_recorded() -> None:
    work = StampWork()
    work = work.receive_artwork(artwork(), BRAND)
    work = work.send_proof("30 mm, embossed", AT, STAFF)
    work = work.approve(AT, BRAND)
    work = work.made(AT, STAFF)

    assert work.step is StampStep.MADE
    assert work.revision == 4
    assert [(event.type, event.actor, event.revision) for event in work.events] == [
        (StampStep.ARTWORK_RECEIVED, BRAND, 1),
        (StampStep.PROOF_SENT, STAFF, 2),
        (StampStep.PROOF_APPROVED, BRAND, 3),
        (StampStep.MADE, STAFF, 4),
    ]
    assert work.proof is not None and work.proof.note == "30 mm, embossed"


def test_asking_for_changes_keeps_the_comment_until_a_new_proof_or_new_artwork() -> None:
    sent = StampWork().receive_artwork(artwork(), BRAND).send_proof("first", AT, STAFF)
    asked = sent.ask_changes("smaller, please", AT, BRAND)

    assert asked.step is StampStep.CHANGES_ASKED and asked.changes_asked == "smaller, please"
    again = asked.send_proof("second", AT, STAFF)
    assert again.step is StampStep.PROOF_SENT and again.changes_asked is None
    replaced = asked.receive_artwork(artwork("logo-2.png"), BRAND)
    assert replaced.step is StampStep.ARTWORK_RECEIVED and replaced.proof is None and replaced.changes_asked is None


@pytest.mark.parametrize(
    ("work", "step"),
    [
        (StampWork(), lambda work: work.send_proof("no artwork yet", AT, STAFF)),
        (StampWork(), lambda work: work.approve(AT, BRAND)),
        (StampWork().receive_artwork(artwork(), BRAND), lambda work: work.approve(AT, BRAND)),
        (StampWork().receive_artwork(artwork(), BRAND), lambda work: work.ask_changes("x", AT, BRAND)),
        (
            StampWork().receive_artwork(artwork(), BRAND).send_proof("p", AT, STAFF).approve(AT, BRAND),
            lambda work: work.receive_artwork(artwork(), BRAND),
        ),
        (StampWork().made(AT, STAFF), lambda work: work.expect_on(date(2026, 12, 20), AT, STAFF)),
    ],
)
def test_a_step_out_of_turn_is_refused(work: StampWork, step) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StateConflictError):
        step(work)


def test_the_expected_date_is_recorded_without_moving_the_step_and_once_per_date() -> None:
    received = StampWork().receive_artwork(artwork(), BRAND)
    dated = received.expect_on(date(2026, 12, 18), AT, STAFF)

    assert dated.step is StampStep.ARTWORK_RECEIVED and dated.expected_on == date(2026, 12, 18)
    assert dated.events[-1].type == "EXPECTED_DATE_SET" and dated.revision == 2
    assert dated.expect_on(date(2026, 12, 18), AT, STAFF) is dated


def test_a_retried_step_is_recognised_by_the_revision_it_was_taken_on_and_what_it_said() -> None:
    sent = StampWork().receive_artwork(artwork(), BRAND).send_proof("30 mm", AT, STAFF)

    assert sent.repeats(1, StampStep.PROOF_SENT, {"note": "30 mm"})
    assert not sent.repeats(1, StampStep.PROOF_SENT, {"note": "40 mm"})
    assert not sent.repeats(0, StampStep.PROOF_SENT, {"note": "30 mm"})
    assert not sent.repeats(1, StampStep.PROOF_APPROVED, {})


def test_only_the_latest_events_are_kept() -> None:
    work = StampWork().receive_artwork(artwork(), BRAND)
    for day in range(MAX_STAMP_EVENTS + 5):
        work = work.expect_on(date(2027, 1, 1).replace(day=1 + day % 28, month=1 + day // 28), AT, STAFF)
    assert len(work.events) == MAX_STAMP_EVENTS
    assert work.events[-1].revision == work.revision


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/svg+xml"),
        (b"GIF89a", None),
        (b"<html><body>not a logo</body></html>", None),
        (b"", None),
    ],
)
def test_the_artwork_type_is_told_by_the_file_s_first_bytes(head: bytes, kind: str | None) -> None:
    assert artwork_type(head) == kind
