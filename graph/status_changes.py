"""A registered-poor household's status over the years: its exit from poverty (only when the exit indicators
of that year are all met) and its relapse (返贫) with the year and the reason.

The status follows the years recorded: POOR while registered and not exited (or relapsed since), EXITED once
exited; a household being monitored stays MONITORED until its last episode closes (graph/monitoring.py),
which then restores what these years say. An exit after a relapse clears the relapse year and reason (the
Change keeps them), since the rollups count a household with a relapse year as not exited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.history import diff
from graph.stats import INDICATORS, exit_indicators
from graph.write_errors import Clash, InvalidInput
from graph.writes import check_text, check_year, finish, open_household

MONITORED = "MONITORED"
MAX_REASON = 200

STATUS_FACTS = """
MATCH (h:Household {id: $id})
RETURN h {.registeredPoor, .status, .identifiedYear, .exitYear, .relapseYear, .relapseReason} AS facts"""

SET_FACTS = "MATCH (h:Household {id: $id}) SET h += $props"


class IndicatorsUnmet(InvalidInput):
    """An exit refused because some of that year's exit indicators are not met (named in `unmet`)."""

    def __init__(self, message: str, field: str, unmet: tuple[str, ...]) -> None:
        super().__init__(message, field)
        self.unmet = unmet


@dataclass(frozen=True)
class StatusFacts:
    registered_poor: bool
    status: str
    identified_year: int | None
    exit_year: int | None
    relapse_year: int | None

    @property
    def exited(self) -> bool:
        """Exited and not fallen back since."""
        return self.exit_year is not None and self.relapse_year is None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> StatusFacts:
        return cls(
            registered_poor=bool(m.get("registeredPoor")),
            status=m["status"],
            identified_year=m.get("identifiedYear"),
            exit_year=m.get("exitYear"),
            relapse_year=m.get("relapseYear"),
        )


async def exit_poverty(tx: AsyncManagedTransaction, household_id: str, year: int, viewer: Viewer) -> None:
    """Records a registered-poor household's exit in `year`: refused (IndicatorsUnmet) unless all six exit
    indicators of that year hold for it, and (CONFLICT) when it has already exited."""
    check_year(year, "year")
    await open_household(tx, household_id, viewer)
    before, facts = await _facts(tx, household_id)
    if not facts.registered_poor:
        raise InvalidInput(f"household {household_id} is not a registered poor household", "householdId")
    if facts.exited:
        raise Clash(f"household {household_id} already exited in {facts.exit_year}", "householdId")
    earliest = max(y for y in (facts.identified_year, facts.relapse_year, 0) if y is not None)
    if year < earliest:
        raise InvalidInput(f"the exit year cannot be before {earliest} (identified or relapsed then)", "year")
    met = (await exit_indicators(tx, year, [household_id]))[household_id]
    unmet = tuple(name for name, ok in zip(INDICATORS, met, strict=True) if not ok)
    if unmet:
        raise IndicatorsUnmet(
            f"household {household_id} does not meet the exit indicators of {year}: {', '.join(unmet)}", "year", unmet
        )
    after: dict[str, Any] = {"exitYear": year, "relapseYear": None, "relapseReason": None}
    if facts.status != MONITORED:
        after["status"] = "EXITED"
    await _store(tx, household_id, before, after, viewer, "exitPoverty")


async def relapse(tx: AsyncManagedTransaction, household_id: str, year: int, reason: str, viewer: Viewer) -> None:
    """Records that an exited household fell back into poverty in `year` (not before its exit), and why."""
    check_year(year, "year")
    why = check_text(reason, "reason", MAX_REASON)
    await open_household(tx, household_id, viewer)
    before, facts = await _facts(tx, household_id)
    if not facts.exited:
        raise Clash(f"household {household_id} has not exited poverty (or has already relapsed)", "householdId")
    assert facts.exit_year is not None
    if year < facts.exit_year:
        raise InvalidInput(f"the relapse year cannot be before the exit year {facts.exit_year}", "year")
    after: dict[str, Any] = {"relapseYear": year, "relapseReason": why}
    if facts.status != MONITORED:
        after["status"] = "POOR"
    await _store(tx, household_id, before, after, viewer, "relapse")


async def _facts(tx: AsyncManagedTransaction, household_id: str) -> tuple[dict[str, Any], StatusFacts]:
    record = await (await tx.run(STATUS_FACTS, id=household_id)).single(strict=True)
    return record["facts"], StatusFacts.from_map(record["facts"])


async def _store(
    tx: AsyncManagedTransaction,
    household_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
    viewer: Viewer,
    action: str,
) -> None:
    await (await tx.run(SET_FACTS, id=household_id, props=after)).consume()
    await finish(tx, household_id, viewer.by, action, diff(before, after))
