"""The county, its townships and villages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.filters import compile_filter
from graph.paging import Page, PagedList, PageRequest

# The one scope of county-wide lists.
COUNTY_SCOPE = "county"

COUNTY = """
MATCH (c:County)
RETURN c.code AS code, c.name AS name,
       COUNT { (h:Household) } AS households,
       COUNT { (h:Household) WHERE h.registeredPoor } AS registeredPoor
LIMIT 1"""

COUNTY_EXISTS = "RETURN EXISTS { MATCH (:County) } AS exists"

TOWNSHIPS = """
MATCH (t:Township)
RETURN t {.code, .name, .kind} AS township
ORDER BY t.code"""

TOWNSHIPS_BY_CODE = """
UNWIND $codes AS code
MATCH (t:Township {code: code})
RETURN t {.code, .name, .kind} AS township"""

# Household counts per village, for dashboards: the whole county's villages cost one cheap query.
HOUSEHOLD_COUNTS_BY_VILLAGE = """
UNWIND $codes AS code
MATCH (v:Village {code: code})
RETURN code, COUNT { (:Household)-[:IN]->(v) } AS households,
       COUNT { (h:Household)-[:IN]->(v) WHERE h.registeredPoor } AS registeredPoor"""

VILLAGES_BY_CODE = """
UNWIND $codes AS code
MATCH (v:Village {code: code})-[:IN]->(t:Township)
RETURN v {.code, .name, townshipCode: t.code} AS village"""

VILLAGES_BY_TOWNSHIP = """
UNWIND $codes AS code
MATCH (v:Village)-[:IN]->(:Township {code: code})
WITH code, v ORDER BY v.code
RETURN code, collect(v {.code, .name, townshipCode: code}) AS villages"""


class VillageOrder(Enum):
    CODE = "CODE"
    NAME = "NAME"
    HOUSEHOLDS_DESC = "HOUSEHOLDS_DESC"
    POOR_HOUSEHOLDS_DESC = "POOR_HOUSEHOLDS_DESC"
    INCOME_GAIN_DESC = "INCOME_GAIN_DESC"


_POOR = "COUNT { (x:Household)-[:IN]->(v) WHERE x.registeredPoor }"

# (sort value, ascending?) per order; the village code breaks ties.
_VILLAGE_ORDER: dict[VillageOrder, tuple[str, bool]] = {
    VillageOrder.CODE: ("v.code", True),
    VillageOrder.NAME: ("v.name", True),
    VillageOrder.HOUSEHOLDS_DESC: ("COUNT { (:Household)-[:IN]->(v) }", False),
    VillageOrder.POOR_HOUSEHOLDS_DESC: (_POOR, False),
    VillageOrder.INCOME_GAIN_DESC: (
        "coalesce(COLLECT { MATCH (v)<-[:IN]-(:Household)-[e:ENGAGES_IN]->() RETURN sum(e.incomeFen) }[0], 0)",
        False,
    ),
}

_VILLAGE_FILTERS: dict[str, str] = {
    "township_code": "t.code = $value",
    "name_contains": "v.name CONTAINS $value",
    "poor_households_min": _POOR + " >= $value",
}

_PAGED_VILLAGES = PagedList(
    match="MATCH (v:Village)-[:IN]->(t:Township)",
    carry="v, t",
    key="v.code",
    projection="v {.code, .name, townshipCode: t.code}",
    item="village",
)


@dataclass(frozen=True)
class VillageFilter:
    township_code: str | None = None
    name_contains: str | None = None
    poor_households_min: int | None = None
    all_of: tuple[VillageFilter, ...] = ()
    any_of: tuple[VillageFilter, ...] = ()
    none_of: VillageFilter | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        return compile_filter(self, _VILLAGE_FILTERS)


@dataclass(frozen=True)
class CountyRecord:
    code: str
    name: str
    households: int
    registered_poor: int


@dataclass(frozen=True)
class TownshipRecord:
    code: str
    name: str
    kind: str

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> TownshipRecord:
        return cls(code=m["code"], name=m["name"], kind=m["kind"])


@dataclass(frozen=True)
class VillageRecord:
    code: str
    name: str
    township_code: str

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> VillageRecord:
        return cls(code=m["code"], name=m["name"], township_code=m["townshipCode"])


async def get_county(tx: AsyncManagedTransaction) -> CountyRecord | None:
    record = await (await tx.run(COUNTY)).single()
    if record is None:
        return None
    return CountyRecord(
        code=record["code"],
        name=record["name"],
        households=record["households"],
        registered_poor=record["registeredPoor"],
    )


async def county_exists(tx: AsyncManagedTransaction) -> bool:
    """Whether a county has been loaded (the demo one or a real one)."""
    record = await (await tx.run(COUNTY_EXISTS)).single(strict=True)
    return bool(record["exists"])


async def list_townships(tx: AsyncManagedTransaction) -> list[TownshipRecord]:
    result = await tx.run(TOWNSHIPS)
    return [TownshipRecord.from_map(r["township"]) async for r in result]


async def townships_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, TownshipRecord]:
    result = await tx.run(TOWNSHIPS_BY_CODE, codes=codes)
    return {r["township"]["code"]: TownshipRecord.from_map(r["township"]) async for r in result}


@dataclass(frozen=True)
class HouseholdCounts:
    households: int
    registered_poor: int


async def household_counts_by_village(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, HouseholdCounts]:
    result = await tx.run(HOUSEHOLD_COUNTS_BY_VILLAGE, codes=codes)
    return {r["code"]: HouseholdCounts(r["households"], r["registeredPoor"]) async for r in result}


async def villages_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, VillageRecord]:
    result = await tx.run(VILLAGES_BY_CODE, codes=codes)
    return {r["village"]["code"]: VillageRecord.from_map(r["village"]) async for r in result}


async def page_villages(
    tx: AsyncManagedTransaction, village_filter: VillageFilter, order: VillageOrder, request: PageRequest
) -> Page[VillageRecord]:
    """One page of the county's villages (the query takes a scope list, of one here)."""
    where, params = village_filter.where()
    sort_value, ascending = _VILLAGE_ORDER[order]
    scopes = [COUNTY_SCOPE]
    pages = await _PAGED_VILLAGES.pages(tx, scopes, request, _village_row, sort_value, ascending, where, params)
    return pages[COUNTY_SCOPE]


async def count_villages(tx: AsyncManagedTransaction, village_filter: VillageFilter) -> int:
    where, params = village_filter.where()
    return (await _PAGED_VILLAGES.counts(tx, [COUNTY_SCOPE], where, params))[COUNTY_SCOPE]


def _village_row(row: dict[str, Any]) -> tuple[VillageRecord, str]:
    record = VillageRecord.from_map(row["village"])
    return record, record.code


async def villages_by_township(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, list[VillageRecord]]:
    result = await tx.run(VILLAGES_BY_TOWNSHIP, codes=codes)
    return {r["code"]: [VillageRecord.from_map(v) for v in r["villages"]] async for r in result}
