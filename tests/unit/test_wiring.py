"""The composition root's wiring: what a test or the local stack hands in is used inside its block only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes import Clock, FakeMailer, fake_desk
from welt.bootstrap import Wiring


def test_a_part_handed_in_is_used_inside_the_block_and_the_one_before_it_after() -> None:
    wiring = Wiring()
    first, second = fake_desk(), fake_desk()

    with wiring.use(order_desk=first):
        assert wiring.order_desk() is first
        with wiring.use(order_desk=second):
            assert wiring.order_desk() is second
        assert wiring.order_desk() is first


def test_parts_not_handed_in_stay_as_they_were() -> None:
    wiring = Wiring()
    mailer = FakeMailer()
    clock = Clock(datetime(2030, 1, 1, tzinfo=UTC))

    with wiring.use(mailer=mailer), wiring.use(clock=clock):
        assert wiring.mailer() is mailer
        assert wiring.now() == datetime(2030, 1, 1, tzinfo=UTC)

    assert abs(wiring.now() - datetime.now(UTC)) < timedelta(minutes=1)  # the real clock again
