"""The county's calendar: it works in Beijing time, so "today" for a write's checks and defaults is the date
there, not in UTC (at 17:41 UTC it is already 01:41 of the next day in the county)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

# Days in the audit and the county's "today" are Beijing days.
COUNTY_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def county_today(now: datetime.datetime | None = None) -> datetime.date:
    """The county's date at `now` (an aware instant; the current one when None)."""
    instant = now if now is not None else datetime.datetime.now(datetime.UTC)
    return instant.astimezone(COUNTY_TIME_ZONE).date()
