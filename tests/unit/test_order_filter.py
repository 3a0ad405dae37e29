"""The order pool's date range: Madrid days, both ends included, whatever the season's offset."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from tests.examples import CHECKOUT
from welt.domain.model import Costs, Order
from welt.domain.vat import RULES, VatTreatment
from welt.services.ports import OrderFilter

COSTS = Costs.priced(18000, 1800, 0, RULES[VatTreatment.INTRA_COMMUNITY], "EUR")


def placed_at(moment: datetime) -> Order:
    return Order.place(at=moment, actor="test", brand="DMO", seq=1, costs=COSTS, **CHECKOUT)


@pytest.mark.parametrize(
    ("moment", "kept"),
    [
        (datetime(2027, 7, 13, 21, 59, 59, tzinfo=UTC), False),  # 13 July, 23:59:59 in Madrid (UTC+2 in summer)
        (datetime(2027, 7, 13, 22, 0, tzinfo=UTC), True),  # 14 July, midnight in Madrid
        (datetime(2027, 7, 15, 21, 59, 59, 999999, tzinfo=UTC), True),  # the last instant of 15 July in Madrid
        (datetime(2027, 7, 15, 22, 0, tzinfo=UTC), False),  # 16 July in Madrid
    ],
)
def test_a_summer_range_counts_madrid_days_at_utc_plus_two(moment: datetime, kept: bool) -> None:
    where = OrderFilter(created_from=date(2027, 7, 14), created_to=date(2027, 7, 15))
    assert where.matches(placed_at(moment)) is kept


def test_a_winter_day_starts_at_utc_plus_one_and_an_open_end_keeps_everything_after() -> None:
    where = OrderFilter.model_validate({"created_from": "2027-01-04"})
    assert where.created_span == (datetime(2027, 1, 3, 23, 0, tzinfo=UTC), None)
    assert not where.matches(placed_at(datetime(2027, 1, 3, 22, 59, tzinfo=UTC)))
    assert where.matches(placed_at(datetime(2030, 1, 1, tzinfo=UTC)))


def test_a_range_that_ends_before_it_starts_is_refused_at_created_to() -> None:
    with pytest.raises(ValidationError) as refused:
        OrderFilter.model_validate({"created_from": "2027-01-05", "created_to": "2027-01-04"})
    (error,) = refused.value.errors()
    assert error["loc"] == ("created_to",) and "2027-01-05" in error["msg"]
    assert OrderFilter.model_validate({"created_from": "2027-01-05", "created_to": "2027-01-05"}).dated


def test_the_dates_are_part_of_what_a_cursor_is_bound_to() -> None:
    assert OrderFilter(created_from=date(2027, 1, 4)).scope != OrderFilter(created_from=date(2027, 1, 5)).scope
