"""What every write to a household does besides its own change: check that the caller may write there,
record the Change, and refresh what is derived, all in the write's one transaction."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.county_time import county_today
from graph.derived import refresh_after_write
from graph.history import ChangeEntry, record_changes
from graph.money import to_fen
from graph.write_errors import InvalidInput, Missing, NotAllowed

# Setting changedAt takes the household's write lock: writes to one household run one after the other, so
# one that reads before it writes (a per-capita income, the next measure number) sees the others' results.
HOUSEHOLD_PLACE = """
MATCH (h:Household {id: $id})-[:IN]->(v:Village)-[:IN]->(t:Township)
SET h.changedAt = datetime()
RETURN v.code AS village, t.code AS township"""

VILLAGE_PLACE = """
MATCH (v:Village {code: $code})-[:IN]->(t:Township)
RETURN v.code AS village, t.code AS township"""


@dataclass(frozen=True)
class Place:
    village: str
    township: str


def require_scope(viewer: Viewer, place: Place, what: str) -> None:
    """ADMIN anywhere, a cadre within their villages or townships, nobody else."""
    if not viewer.in_scope(place.village, place.township):
        raise NotAllowed(f"you may not change {what}: it is outside the villages you serve")


async def open_household(
    tx: AsyncManagedTransaction, household_id: str, viewer: Viewer, field: str = "householdId"
) -> Place:
    """The place of a registered household the caller may write to (NOT_FOUND, FORBIDDEN otherwise), locked
    for the rest of the transaction."""
    record = await (await tx.run(HOUSEHOLD_PLACE, id=household_id)).single()
    if record is None:
        raise Missing(f"no registered household has the id {household_id[:40]!r}", field)
    place = Place(record["village"], record["township"])
    require_scope(viewer, place, f"household {household_id}")
    return place


async def open_village(tx: AsyncManagedTransaction, village_code: str, viewer: Viewer, field: str) -> Place:
    """The place of a village the caller may write in (BAD_USER_INPUT when there is no such village)."""
    record = await (await tx.run(VILLAGE_PLACE, code=village_code)).single()
    if record is None:
        raise InvalidInput(f"there is no village with the code {village_code[:40]!r}", field)
    place = Place(record["village"], record["township"])
    require_scope(viewer, place, f"village {village_code}")
    return place


async def finish(
    tx: AsyncManagedTransaction,
    household_id: str,
    by: str,
    action: str,
    fields: Mapping[str, Mapping[str, Any]],
) -> None:
    """Records the change on the household and brings what is derived from it up to date; a write that
    changed nothing (a retry, the same values again) leaves no trace."""
    if not fields:
        return
    await record_changes(tx, [ChangeEntry(household_id, by, action, fields)])
    await refresh_after_write(tx, [household_id])


EARLIEST_YEAR = 2000  # the registry (建档立卡) began in 2014; some records reach a little further back


def check_year(year: int, field: str, ahead: int = 0) -> int:
    """A year from 2000 to this year in the county (or `ahead` years later, for plans)."""
    latest = county_today().year + ahead
    if not EARLIEST_YEAR <= year <= latest:
        raise InvalidInput(f"the year must be from {EARLIEST_YEAR} to {latest}, not {year}", field)
    return year


def check_past_date(
    day: datetime.date, field: str, today: datetime.date, after: datetime.date | None = None
) -> datetime.date:
    """A day that has happened: not after today, not before `after` (the previous step's), from 2000 on."""
    if day > today:
        raise InvalidInput(f"the date {day.isoformat()} is in the future", field)
    if after is not None and day < after:
        raise InvalidInput(f"the date cannot be before the last step's, {after.isoformat()}", field)
    if day.year < EARLIEST_YEAR:
        raise InvalidInput(f"the date {day.isoformat()} is before the registry began", field)
    return day


def check_amount(amount: Decimal, field: str, allow_negative: bool = False) -> int:
    """An amount in fen; negative only where a loss makes sense (a net operating income)."""
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"the amount cannot be negative, got {amount}", field)
    return to_fen(amount)


# Line breaks and tabs may stand in free text (a note, a reason); no other control character may be stored:
# spreadsheets refuse them, so one in a name or a note would break the exports of its village.
TEXT_CONTROLS = frozenset("\n\t")


def check_characters(text: str, field: str, allowed: frozenset[str] = frozenset()) -> str:
    """The text, or InvalidInput when it holds a control character (Unicode category Cc) not `allowed`."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in allowed:
            raise InvalidInput(f"the control character U+{ord(char):04X} (at {index}) is not allowed here", field)
    return text


def check_text(text: str | None, field: str, limit: int, required: bool = True, multiline: bool = True) -> str | None:
    """Trimmed free text of at most `limit` characters, with no control characters but line breaks and tabs
    (none at all unless `multiline`); blank is refused when the text is required."""
    value = (text or "").strip()
    if not value:
        if required:
            raise InvalidInput("this text cannot be blank", field)
        return None
    if len(value) > limit:
        raise InvalidInput(f"at most {limit} characters, this has {len(value)}", field)
    return check_characters(value, field, TEXT_CONTROLS if multiline else frozenset())
