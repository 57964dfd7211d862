"""Writes of what a household earns and receives: a year's income, an assistance measure, the link to an
enterprise that drives it. Each runs in the caller's transaction and records its Change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.history import diff
from graph.households import IncomeRecord, MeasureRecord
from graph.industries import ENTERPRISE_MAP, DriveLinkRecord, drive_link
from graph.write_errors import InvalidInput
from graph.writes import check_amount, check_text, check_year, finish, open_household

MODES = frozenset({"EQUITY", "CONTRACT", "TRUSTEESHIP", "WAGE_LABOUR", "ORDER_PURCHASE"})
# The measure ledger's kinds (DESIGN.md: what county workers record), as the seeds store them.
MEASURE_KINDS = frozenset(
    {"INDUSTRY", "EMPLOYMENT", "RELOCATION", "PUBLIC_SERVICE_JOB", "EDUCATION", "HEALTH", "HOUSING_RENOVATION"}
    | {"MICROCREDIT", "INSURANCE", "INFRASTRUCTURE", "ALLOWANCE", "ECOLOGICAL_COMPENSATION"}
)

HOUSEHOLD_SIZE = "RETURN COUNT { (:Person)-[:MEMBER_OF]->(:Household {id: $id}) } AS size"

INCOME_OF_YEAR = """
MATCH (:Household {id: $id})-[:EARNED]->(i:Income {year: $year})
RETURN i {.*} AS income"""

# The income's id is its natural key (household and year): recording a year again replaces it.
MERGE_INCOME = """
MATCH (h:Household {id: $id})
MERGE (i:Income {id: $id + '-' + toString($props.year)})
SET i += $props
MERGE (h)-[:EARNED]->(i)
RETURN i {.*} AS income"""

NEXT_MEASURE_NUMBER = """
MATCH (h:Household {id: $id})
OPTIONAL MATCH (h)-[:RECEIVED]->(m:Measure) WHERE m.id STARTS WITH $id + '-M'
RETURN coalesce(max(toInteger(substring(m.id, size($id) + 2))), 0) + 1 AS number"""

CREATE_MEASURE = """
MATCH (h:Household {id: $id})
CREATE (h)-[:RECEIVED]->(m:Measure)
SET m = $props
RETURN m {.*} AS measure"""

DRIVE_LINK = """
MATCH (e:Enterprise {id: $enterprise})-[d:DRIVES]->(:Household {id: $id})
RETURN d {.mode, .since, .incomeGainFen} AS link"""

ENTERPRISE_EXISTS = "MATCH (e:Enterprise {id: $enterprise}) RETURN e.id AS id"

# One DRIVES per enterprise and household: linking again updates it.
MERGE_DRIVE_LINK = (
    """
MATCH (e:Enterprise {id: $enterprise})
MATCH (h:Household {id: $id})
MERGE (e)-[d:DRIVES]->(h)
SET d.mode = $mode, d.since = $since, d.incomeGainFen = $incomeGainFen
RETURN {enterprise: """
    + ENTERPRISE_MAP
    + """, mode: d.mode, since: d.since, incomeGainFen: d.incomeGainFen} AS link"""
)


@dataclass(frozen=True)
class IncomeInput:
    year: int
    wage: Decimal
    operating: Decimal
    property_income: Decimal
    transfer: Decimal


@dataclass(frozen=True)
class MeasureInput:
    kind: str
    sub_kind: str | None
    year: int
    amount: Decimal | None
    description: str


async def record_income(
    tx: AsyncManagedTransaction, household_id: str, income: IncomeInput, viewer: Viewer
) -> IncomeRecord:
    """Records (or replaces) a year's net income; per capita is the total over the current size, rounded
    down to a fen. A net operating income may be a loss; the other components cannot be negative."""
    check_year(income.year, "income.year")
    components = {
        "wageFen": check_amount(income.wage, "income.wage"),
        "operatingFen": check_amount(income.operating, "income.operating", allow_negative=True),
        "propertyFen": check_amount(income.property_income, "income.property"),
        "transferFen": check_amount(income.transfer, "income.transfer"),
    }
    await open_household(tx, household_id, viewer)
    size = (await (await tx.run(HOUSEHOLD_SIZE, id=household_id)).single(strict=True))["size"]
    props: dict[str, Any] = {"year": income.year, **components, "netPerCapitaFen": sum(components.values()) // size}
    before = await (await tx.run(INCOME_OF_YEAR, id=household_id, year=income.year)).single()
    stored = (await (await tx.run(MERGE_INCOME, id=household_id, props=props)).single(strict=True))["income"]
    fields = {f"income.{key}": value for key, value in diff(before["income"] if before else {}, props).items()}
    await finish(tx, household_id, viewer.by, "recordIncome", fields)
    return IncomeRecord.from_map(stored)


async def record_measure(
    tx: AsyncManagedTransaction, household_id: str, measure: MeasureInput, viewer: Viewer
) -> MeasureRecord:
    """Adds an assistance measure to the household's ledger (ids `{household}-M{n}`, as the seeds number them)."""
    if measure.kind not in MEASURE_KINDS:
        raise InvalidInput(f"{measure.kind[:40]!r} is not one of {', '.join(sorted(MEASURE_KINDS))}", "kind")
    props: dict[str, Any] = {
        "kind": measure.kind,
        "year": check_year(measure.year, "year", ahead=1),
        "description": check_text(measure.description, "description", 500),
    }
    sub_kind = check_text(measure.sub_kind, "subKind", 50, required=False)
    if sub_kind is not None:
        props["subKind"] = sub_kind
    if measure.amount is not None:
        props["amountFen"] = check_amount(measure.amount, "amount")
    await open_household(tx, household_id, viewer)
    number = (await (await tx.run(NEXT_MEASURE_NUMBER, id=household_id)).single(strict=True))["number"]
    props["id"] = f"{household_id}-M{number}"
    stored = (await (await tx.run(CREATE_MEASURE, id=household_id, props=props)).single(strict=True))["measure"]
    fields = {f"measure.{key}": value for key, value in diff({}, props).items()}
    await finish(tx, household_id, viewer.by, "recordMeasure", fields)
    return MeasureRecord.from_map(stored)


async def link_enterprise(
    tx: AsyncManagedTransaction,
    household_id: str,
    enterprise_id: str,
    mode: str,
    since: int | None,
    income_gain: Decimal | None,
    viewer: Viewer,
) -> DriveLinkRecord:
    """Links a household to an enterprise that drives it, or updates the link's mode, year and gain."""
    if mode not in MODES:
        raise InvalidInput(f"{mode[:40]!r} is not one of {', '.join(sorted(MODES))}", "mode")
    if since is not None:
        check_year(since, "since")
    gain = None if income_gain is None else check_amount(income_gain, "incomeGain")
    await open_household(tx, household_id, viewer)
    if await (await tx.run(ENTERPRISE_EXISTS, enterprise=enterprise_id)).single() is None:
        raise InvalidInput(f"there is no enterprise with the id {enterprise_id[:40]!r}", "enterpriseId")
    before = await (await tx.run(DRIVE_LINK, enterprise=enterprise_id, id=household_id)).single()
    params: dict[str, Any] = {"mode": mode, "since": since, "incomeGainFen": gain}
    result = await tx.run(MERGE_DRIVE_LINK, enterprise=enterprise_id, id=household_id, **params)
    link = (await result.single(strict=True))["link"]
    fields = {f"drives.{enterprise_id}.{k}": v for k, v in diff(before["link"] if before else {}, params).items()}
    await finish(tx, household_id, viewer.by, "linkEnterprise", fields)
    return drive_link(link)
