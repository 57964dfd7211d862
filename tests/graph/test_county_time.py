"""The county's date (Beijing time), which the writes check "today" against, at fixed instants."""

from __future__ import annotations

import datetime

import pytest

from graph.county_time import county_today
from graph.monitoring import check_steps
from graph.registry import check_id_number
from graph.write_errors import InvalidInput
from graph.writes import check_past_date
from tests.api.writes import fresh_id

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime.datetime(2026, 12, 4, 17, 41, tzinfo=UTC), datetime.date(2026, 12, 5)),
        (datetime.datetime(2026, 12, 4, 15, 59, 59, tzinfo=UTC), datetime.date(2026, 12, 4)),
        (datetime.datetime(2026, 12, 4, 16, 0, tzinfo=UTC), datetime.date(2026, 12, 5)),
        (datetime.datetime(2026, 12, 31, 16, 30, tzinfo=UTC), datetime.date(2027, 1, 1)),
        (
            datetime.datetime(2026, 12, 5, 1, 41, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
            datetime.date(2026, 12, 5),
        ),
    ],
)
def test_the_county_date_of_an_instant(instant: datetime.datetime, day: datetime.date) -> None:
    assert county_today(instant) == day


def test_the_county_date_now_is_that_of_beijing() -> None:
    before = datetime.datetime.now(UTC)
    today = county_today()
    after = datetime.datetime.now(UTC)
    assert today in {(before + datetime.timedelta(hours=8)).date(), (after + datetime.timedelta(hours=8)).date()}


def test_validations_accept_the_county_date_while_utc_is_a_day_behind() -> None:
    """At 17:41 UTC on 4 December it is 5 December in the county: that day is not in the future."""
    today = county_today(datetime.datetime(2026, 12, 4, 17, 41, tzinfo=UTC))
    assert check_past_date(datetime.date(2026, 12, 5), "date", today) == datetime.date(2026, 12, 5)
    check_steps(datetime.date(2026, 12, 1), {"consent": datetime.date(2026, 12, 5)}, today)
    with pytest.raises(InvalidInput, match="in the future"):
        check_past_date(datetime.date(2026, 12, 6), "date", today)
    born_today = fresh_id(born=datetime.date(2026, 12, 5))
    assert check_id_number(born_today, "idNumber", today) == born_today


def test_an_id_number_born_on_the_county_date_is_plausible_by_default() -> None:
    born_today = fresh_id(born=county_today())
    assert check_id_number(born_today, "idNumber") == born_today
