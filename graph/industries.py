"""Industries, enterprises, and which households they drive (the article's coverage figures)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.access import View
from graph.filters import compile_filter
from graph.households import HOUSEHOLD_MAP, HouseholdRecord
from graph.money import CENT, from_fen
from graph.paging import Page, PagedList, PageRequest, collect_pages, keyset
from graph.places import COUNTY_SCOPE

INDUSTRY_MAP = "i {.code, .name, .tier, .scaleAmount, .scaleUnit, .outputValueFen, .products}"
ENTERPRISE_MAP = (
    "e {.id, .name, .kind, .investmentFen, .stores, .description, "
    "industryCode: head(COLLECT { MATCH (e)-[:IN_INDUSTRY]->(x:Industry) RETURN x.code })}"
)

INDUSTRIES = f"""
MATCH (i:Industry)
RETURN {INDUSTRY_MAP} AS industry
ORDER BY CASE i.tier WHEN 'LEADING' THEN 0 ELSE 1 END, i.code"""

INDUSTRIES_BY_CODE = f"""
UNWIND $codes AS code
MATCH (i:Industry {{code: code}})
RETURN {INDUSTRY_MAP} AS industry"""

ENTERPRISES = f"""
MATCH (e:Enterprise)
RETURN {ENTERPRISE_MAP} AS enterprise
ORDER BY e.id"""

ENTERPRISES_BY_ID = f"""
UNWIND $ids AS id
MATCH (e:Enterprise {{id: id}})
RETURN {ENTERPRISE_MAP} AS enterprise"""

ENTERPRISES_BY_INDUSTRY = """
UNWIND $codes AS code
MATCH (e:Enterprise)-[:IN_INDUSTRY]->(:Industry {code: code})
WITH code, e ORDER BY e.id
RETURN code, collect(e.id) AS ids"""

INDUSTRIES_BY_HOUSEHOLD = (
    """
UNWIND $ids AS id
MATCH (h:Household {id: id})
CALL (h) {
  MATCH (h)-[:ENGAGES_IN]->(i:Industry) RETURN i
  UNION
  MATCH (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(i:Industry) RETURN i
}
WITH id, i ORDER BY CASE i.tier WHEN 'LEADING' THEN 0 ELSE 1 END, i.code
RETURN id, collect("""
    + INDUSTRY_MAP
    + """) AS industries"""
)

DRIVE_LINKS_BY_HOUSEHOLD = (
    """
UNWIND $ids AS id
MATCH (e:Enterprise)-[d:DRIVES]->(:Household {id: id})
WITH id, e, d ORDER BY d.incomeGainFen DESC, e.id
RETURN id, collect({enterprise: """
    + ENTERPRISE_MAP
    + """, mode: d.mode, since: d.since,
                    incomeGainFen: d.incomeGainFen}) AS links"""
)


# The households a set of industries drives (ENGAGES_IN, or DRIVES by an enterprise in it), each once,
# with its yearly gain: its ENGAGES_IN income, else the sum of the DRIVES gains of that industry.
def _driven_by_industries(carry: str = "") -> str:
    return (
        """
  MATCH (ind:Industry) WHERE ind.code IN codes
  CALL (ind) {
    MATCH (h:Household)-[e:ENGAGES_IN]->(ind)
    RETURN h, e.incomeFen AS gain
    UNION ALL
    MATCH (h:Household)<-[d:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(ind)
    WHERE NOT EXISTS { (h)-[:ENGAGES_IN]->(ind) }
    RETURN h, d.incomeGainFen AS gain
  }
  WITH """
        + carry
        + """h, sum(coalesce(gain, 0)) AS gain"""
    )


_COVERAGE_TAIL = """
  MATCH (h)-[:IN]->(v:Village)-[:IN]->(t:Township)
  RETURN count(h) AS households, count(CASE WHEN h.registeredPoor THEN 1 END) AS poor,
         count(DISTINCT v) AS villages, count(DISTINCT t) AS townships, sum(gain) AS gainFen"""

_COUNTY_TOTALS = """
CALL () { MATCH (h:Household) WHERE h.registeredPoor RETURN count(h) AS allPoor }
CALL () { MATCH (v:Village) RETURN count(v) AS allVillages }"""

COVERAGE_OF_INDUSTRY_SETS = (
    _COUNTY_TOTALS
    + """
UNWIND range(0, size($sets) - 1) AS index
CALL (index) {
  WITH $sets[index] AS codes"""
    + _driven_by_industries()
    + _COVERAGE_TAIL
    + """
}
RETURN index, households, poor, villages, townships, gainFen, allPoor, allVillages"""
)

REACH_OF_ENTERPRISES = (
    _COUNTY_TOTALS
    + """
UNWIND $ids AS id
CALL (id) {
  MATCH (:Enterprise {id: id})-[d:DRIVES]->(h:Household)
  WITH h, d.incomeGainFen AS gain"""
    + _COVERAGE_TAIL
    + """
}
RETURN id, households, poor, villages, townships, gainFen, allPoor, allVillages"""
)

# Driven households are listed by id; the condition keeps the rows between the cursors.
_KEYSET = keyset(ascending=True, backward=False)[0]


def _driven_by_industry_page(direction: str) -> str:
    return f"""
UNWIND $keys AS key
CALL (key) {{
  WITH [key] AS codes
  {_driven_by_industries("key, ")}
  WHERE (NOT $poorOnly OR h.registeredPoor)
  WITH key, h, gain, h.id AS sortValue, h.id AS keyId
  WHERE {_KEYSET}
  WITH key, h, gain, sortValue ORDER BY h.id {direction} LIMIT $limit
  MATCH (h)-[:IN]->(v:Village)
  CALL (h, key) {{
    OPTIONAL MATCH (h)<-[d:DRIVES]-(en:Enterprise)-[:IN_INDUSTRY]->(:Industry {{code: key}})
    RETURN en.id AS enterpriseId, d.mode AS mode ORDER BY d.incomeGainFen DESC, en.id LIMIT 1
  }}
  RETURN {{household: {HOUSEHOLD_MAP}, enterpriseId: enterpriseId, mode: mode, gainFen: gain,
           sortValue: sortValue}} AS row
}}
RETURN key AS scope, collect(row) AS rows"""


def _driven_by_enterprise_page(direction: str) -> str:
    return f"""
UNWIND $keys AS key
CALL (key) {{
  MATCH (en:Enterprise {{id: key}})-[d:DRIVES]->(h:Household)
  WHERE (NOT $poorOnly OR h.registeredPoor)
  WITH en, d, h, h.id AS sortValue, h.id AS keyId
  WHERE {_KEYSET}
  WITH en, d, h, sortValue ORDER BY h.id {direction} LIMIT $limit
  MATCH (h)-[:IN]->(v:Village)
  RETURN {{household: {HOUSEHOLD_MAP}, enterpriseId: en.id, mode: d.mode, gainFen: d.incomeGainFen,
           sortValue: sortValue}} AS row
}}
RETURN key AS scope, collect(row) AS rows"""


COUNT_DRIVEN_BY_INDUSTRY = f"""
UNWIND $keys AS key
CALL (key) {{
  WITH [key] AS codes
  {_driven_by_industries()}
  WHERE (NOT $poorOnly OR h.registeredPoor)
  RETURN count(h) AS total
}}
RETURN key, total"""

COUNT_DRIVEN_BY_ENTERPRISE = """
UNWIND $keys AS key
CALL (key) {
  MATCH (:Enterprise {id: key})-[:DRIVES]->(h:Household)
  WHERE (NOT $poorOnly OR h.registeredPoor)
  RETURN count(h) AS total
}
RETURN key, total"""


class EnterpriseOrder(Enum):
    ID = "ID"
    NAME = "NAME"
    REACH_DESC = "REACH_DESC"
    INVESTMENT_DESC = "INVESTMENT_DESC"


# (sort value, ascending?) per order; the enterprise id breaks ties.
_ENTERPRISE_ORDER: dict[EnterpriseOrder, tuple[str, bool]] = {
    EnterpriseOrder.ID: ("e.id", True),
    EnterpriseOrder.NAME: ("e.name", True),
    EnterpriseOrder.REACH_DESC: ("COUNT { (e)-[:DRIVES]->(:Household) }", False),
    EnterpriseOrder.INVESTMENT_DESC: ("coalesce(e.investmentFen, -1)", False),
}

_ENTERPRISE_FILTERS: dict[str, str] = {
    "industry_code": "EXISTS { (e)-[:IN_INDUSTRY]->(:Industry {code: $value}) }",
    "name_contains": "e.name CONTAINS $value",
    "kind": "e.kind = $value",
    "drives_min": "COUNT { (e)-[:DRIVES]->(:Household) } >= $value",
}

_PAGED_ENTERPRISES = PagedList(
    match="MATCH (e:Enterprise)", carry="e", key="e.id", projection=ENTERPRISE_MAP, item="enterprise"
)


@dataclass(frozen=True)
class EnterpriseFilter:
    industry_code: str | None = None
    name_contains: str | None = None
    kind: str | None = None
    drives_min: int | None = None
    all_of: tuple[EnterpriseFilter, ...] = ()
    any_of: tuple[EnterpriseFilter, ...] = ()
    none_of: EnterpriseFilter | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        return compile_filter(self, _ENTERPRISE_FILTERS)


class Driver(Enum):
    """What drives a list of households: an industry (by code) or an enterprise (by id)."""

    INDUSTRY = "INDUSTRY"
    ENTERPRISE = "ENTERPRISE"


_PAGE_QUERIES = {Driver.INDUSTRY: _driven_by_industry_page, Driver.ENTERPRISE: _driven_by_enterprise_page}
_COUNT_QUERIES = {Driver.INDUSTRY: COUNT_DRIVEN_BY_INDUSTRY, Driver.ENTERPRISE: COUNT_DRIVEN_BY_ENTERPRISE}


@dataclass(frozen=True)
class IndustryRecord:
    code: str
    name: str
    tier: str
    scale_amount: Decimal | None
    scale_unit: str | None
    output_value: Decimal | None
    products: tuple[str, ...]

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> IndustryRecord:
        amount = m.get("scaleAmount")
        return cls(
            code=m["code"],
            name=m["name"],
            tier=m["tier"],
            scale_amount=None if amount is None else Decimal(amount).quantize(CENT),
            scale_unit=m.get("scaleUnit"),
            output_value=from_fen(m.get("outputValueFen")),
            products=tuple(m.get("products") or ()),
        )


@dataclass(frozen=True)
class EnterpriseRecord:
    id: str
    name: str
    kind: str | None
    industry_code: str
    investment: Decimal | None
    stores: int | None
    description: str | None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> EnterpriseRecord:
        return cls(
            id=m["id"],
            name=m["name"],
            kind=m.get("kind"),
            industry_code=m["industryCode"],
            investment=from_fen(m.get("investmentFen")),
            stores=m.get("stores"),
            description=m.get("description"),
        )


@dataclass(frozen=True)
class DriveLinkRecord:
    enterprise_id: str
    mode: str
    since: int | None
    income_gain: Decimal | None
    # The enterprise itself, when the read fetched it along (it primes the enterprise loader).
    enterprise: EnterpriseRecord | None = None
    view: View = View.FULL


@dataclass(frozen=True)
class DrivenHouseholdRecord:
    household: HouseholdRecord
    enterprise_id: str | None
    mode: str | None
    income_gain: Decimal | None
    view: View = View.FULL


@dataclass(frozen=True)
class CoverageRecord:
    households: int
    poor_households: int
    poor_share: float
    villages: int
    village_share: float
    townships: int
    average_income_gain: Decimal | None

    @classmethod
    def from_record(cls, r: Any) -> CoverageRecord:
        households: int = r["households"]
        gain_fen = r["gainFen"]
        average = None
        if households and gain_fen is not None:
            average = (Decimal(gain_fen) / households / 100).quantize(CENT)
        return cls(
            households=households,
            poor_households=r["poor"],
            poor_share=r["poor"] / r["allPoor"] if r["allPoor"] else 0.0,
            villages=r["villages"],
            village_share=r["villages"] / r["allVillages"] if r["allVillages"] else 0.0,
            townships=r["townships"],
            average_income_gain=average,
        )


async def list_industries(tx: AsyncManagedTransaction) -> list[IndustryRecord]:
    result = await tx.run(INDUSTRIES)
    return [IndustryRecord.from_map(r["industry"]) async for r in result]


async def industries_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, IndustryRecord]:
    result = await tx.run(INDUSTRIES_BY_CODE, codes=codes)
    return {r["industry"]["code"]: IndustryRecord.from_map(r["industry"]) async for r in result}


async def list_enterprises(tx: AsyncManagedTransaction) -> list[EnterpriseRecord]:
    result = await tx.run(ENTERPRISES)
    return [EnterpriseRecord.from_map(r["enterprise"]) async for r in result]


async def enterprises_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, EnterpriseRecord]:
    result = await tx.run(ENTERPRISES_BY_ID, ids=ids)
    return {r["enterprise"]["id"]: EnterpriseRecord.from_map(r["enterprise"]) async for r in result}


async def page_enterprises(
    tx: AsyncManagedTransaction, enterprise_filter: EnterpriseFilter, order: EnterpriseOrder, request: PageRequest
) -> Page[EnterpriseRecord]:
    where, params = enterprise_filter.where()
    sort_value, ascending = _ENTERPRISE_ORDER[order]
    scopes = [COUNTY_SCOPE]
    pages = await _PAGED_ENTERPRISES.pages(tx, scopes, request, _enterprise_row, sort_value, ascending, where, params)
    return pages[COUNTY_SCOPE]


async def count_enterprises(tx: AsyncManagedTransaction, enterprise_filter: EnterpriseFilter) -> int:
    where, params = enterprise_filter.where()
    return (await _PAGED_ENTERPRISES.counts(tx, [COUNTY_SCOPE], where, params))[COUNTY_SCOPE]


def _enterprise_row(row: dict[str, Any]) -> tuple[EnterpriseRecord, str]:
    record = EnterpriseRecord.from_map(row["enterprise"])
    return record, record.id


async def enterprise_ids_by_industry(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, list[str]]:
    result = await tx.run(ENTERPRISES_BY_INDUSTRY, codes=codes)
    return {r["code"]: list(r["ids"]) async for r in result}


async def industries_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[IndustryRecord]]:
    """The industries that drive each household, directly or through an enterprise, leading ones first."""
    result = await tx.run(INDUSTRIES_BY_HOUSEHOLD, ids=ids)
    return {r["id"]: [IndustryRecord.from_map(i) for i in r["industries"]] async for r in result}


async def drive_links_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[DriveLinkRecord]]:
    result = await tx.run(DRIVE_LINKS_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(r["id"], "drivenBy", "DriveLink", [drive_link(link) for link in r["links"]])
        async for r in result
    }


def drive_link(link: dict[str, Any]) -> DriveLinkRecord:
    """A drive link read with its enterprise (`{enterprise, mode, since, incomeGainFen}`)."""
    return DriveLinkRecord(
        enterprise_id=link["enterprise"]["id"],
        enterprise=EnterpriseRecord.from_map(link["enterprise"]),
        mode=link["mode"],
        since=_year(link["since"]),
        income_gain=from_fen(link["incomeGainFen"]),
    )


def _year(value: Any) -> int | None:
    """The year a link started: stored as a Date or as a year."""
    return None if value is None else int(getattr(value, "year", value))


async def coverage_of_industry_sets(tx: AsyncManagedTransaction, sets: list[list[str]]) -> list[CoverageRecord]:
    """Coverage of each set of industry codes, in the order given."""
    result = await tx.run(COVERAGE_OF_INDUSTRY_SETS, sets=sets)
    by_index = {r["index"]: CoverageRecord.from_record(r) async for r in result}
    return [by_index[i] for i in range(len(sets))]


async def reach_of_enterprises(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, CoverageRecord]:
    result = await tx.run(REACH_OF_ENTERPRISES, ids=ids)
    return {r["id"]: CoverageRecord.from_record(r) async for r in result}


async def page_driven_households(
    tx: AsyncManagedTransaction, driver: Driver, keys: list[str], poor_only: bool, request: PageRequest
) -> dict[str, Page[DrivenHouseholdRecord]]:
    if not masking.may_enumerate("DrivenHouseholdConnection"):
        return {key: Page.empty() for key in keys}
    query = _PAGE_QUERIES[driver](keyset(ascending=True, backward=request.backward)[1])
    result = await tx.run(query, keys=keys, poorOnly=poor_only, **request.params)
    return await collect_pages(result, keys, request, True, _driven_row)


def _driven_row(row: dict[str, Any]) -> tuple[DrivenHouseholdRecord, str]:
    household = HouseholdRecord.from_map(row["household"])
    record = DrivenHouseholdRecord(
        household=household,
        enterprise_id=row["enterpriseId"],
        mode=row["mode"],
        income_gain=from_fen(row["gainFen"]),
    )
    return masking.mask("DrivenHouseholdEdge", record, household.view), household.id


async def count_driven_households(
    tx: AsyncManagedTransaction, driver: Driver, keys: list[str], poor_only: bool
) -> dict[str, int]:
    result = await tx.run(_COUNT_QUERIES[driver], keys=keys, poorOnly=poor_only)
    return {r["key"]: r["total"] async for r in result}
