"""Households, their members, measures and helpers; filtered, sorted, keyset-paged lists of them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.access import View
from graph.filters import compile_filter
from graph.money import from_fen
from graph.paging import Page, PagedList, PageRequest

# The projection every household read returns; size is derived from the members.
HOUSEHOLD_MAP = """h {
  .id, .headName, .registeredPoor, .status, .attribute, .developmentPlan, .identifiedYear, .exitYear,
  .plannedExitYear, .primaryCause, .otherCauses, .housingGrade, .relocated, .waterSource,
  villageCode: v.code,
  size: COUNT { (:Person)-[:MEMBER_OF]->(h) }
}"""

HOUSEHOLDS_BY_ID = (
    """
UNWIND $ids AS id
MATCH (h:Household {id: id})-[:IN]->(v:Village)
RETURN """
    + HOUSEHOLD_MAP
    + " AS household"
)

MEMBERS_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (p:Person)-[m:MEMBER_OF]->(:Household {id: id})
WITH id, p, m ORDER BY CASE m.relation WHEN '户主' THEN 0 ELSE 1 END, p.birthDate, p.idNumber
RETURN id, collect(p {.*, relation: m.relation}) AS members"""

MEASURES_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (:Household {id: id})-[:RECEIVED]->(m:Measure)
WITH id, m ORDER BY m.year DESC, m.startDate DESC, m.id
RETURN id, collect(m {.*}) AS measures"""

INCOMES_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (:Household {id: id})-[:EARNED]->(i:Income)
WITH id, i ORDER BY i.year DESC
RETURN id, collect(i {.*}) AS incomes"""

CADRES_BY_ID = """
UNWIND $ids AS id
MATCH (c:Cadre {id: id})
RETURN c {.*} AS cadre"""

HELPERS_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (c:Cadre)-[r:HELPS]->(:Household {id: id})
WHERE r.until IS NULL
WITH id, c ORDER BY c.id
RETURN id, collect(c {.*}) AS helpers"""


class HouseholdOrder(Enum):
    ID = "ID"
    HEAD_NAME = "HEAD_NAME"
    INCOME_ASC = "INCOME_ASC"
    INCOME_DESC = "INCOME_DESC"
    SIZE_DESC = "SIZE_DESC"
    INCOME_GAIN_DESC = "INCOME_GAIN_DESC"


class HouseholdScope(Enum):
    """Whose households a page lists: the county's, a village's, a township's or a project's beneficiaries."""

    COUNTY = "COUNTY"
    VILLAGE = "VILLAGE"
    TOWNSHIP = "TOWNSHIP"
    PROJECT = "PROJECT"


_SCOPE_MATCH: dict[HouseholdScope, str] = {
    HouseholdScope.COUNTY: "MATCH (h:Household)-[:IN]->(v:Village)",
    HouseholdScope.VILLAGE: "MATCH (h:Household)-[:IN]->(v:Village {code: scope})",
    HouseholdScope.TOWNSHIP: "MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(:Township {code: scope})",
    HouseholdScope.PROJECT: "MATCH (:Project {code: scope})-[:BENEFITS]->(h:Household)-[:IN]->(v:Village)",
}

# The per-capita net income of the latest year with data (-1 fen when none, so it sorts first).
LATEST_INCOME = (
    "coalesce(head(COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i.netPerCapitaFen ORDER BY i.year DESC LIMIT 1 }),"
    " -1)"
)

# (sort value, ascending?) per order; the household id breaks ties.
_ORDER: dict[HouseholdOrder, tuple[str, bool]] = {
    HouseholdOrder.ID: ("h.id", True),
    HouseholdOrder.HEAD_NAME: ("coalesce(h.headName, '')", True),
    HouseholdOrder.INCOME_ASC: (LATEST_INCOME, True),
    HouseholdOrder.INCOME_DESC: (LATEST_INCOME, False),
    HouseholdOrder.SIZE_DESC: ("COUNT { (:Person)-[:MEMBER_OF]->(h) }", False),
    HouseholdOrder.INCOME_GAIN_DESC: (
        "coalesce(COLLECT { MATCH (h)-[e:ENGAGES_IN]->() RETURN sum(e.incomeFen) }[0], 0)",
        False,
    ),
}


@dataclass(frozen=True)
class HouseholdFilter:
    """Conditions that all must hold, plus AND / OR / NOT over nested filters. Hashable, so that a
    DataLoader can batch pages by filter. Money bounds are in fen."""

    registered_poor: bool | None = None
    status: str | None = None
    status_in: tuple[str, ...] | None = None
    township_code: str | None = None
    village_code: str | None = None
    industry_code: str | None = None
    enterprise_id: str | None = None
    driven_by_enterprise: bool | None = None
    has_claims: bool | None = None
    head_name_contains: str | None = None
    income_per_capita_min_fen: int | None = None
    income_per_capita_max_fen: int | None = None
    exit_year_min: int | None = None
    exit_year_max: int | None = None
    size_min: int | None = None
    size_max: int | None = None
    all_of: tuple[HouseholdFilter, ...] = ()
    any_of: tuple[HouseholdFilter, ...] = ()
    none_of: HouseholdFilter | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (fixed fragments only) and its parameters."""
        return compile_filter(self, _FILTER_FRAGMENTS)


_SIZE = "COUNT { (:Person)-[:MEMBER_OF]->(h) }"

_FILTER_FRAGMENTS: dict[str, str] = {
    "registered_poor": "h.registeredPoor = $value",
    "status": "h.status = $value",
    "status_in": "h.status IN $value",
    "township_code": "EXISTS { (v)-[:IN]->(:Township {code: $value}) }",
    "village_code": "v.code = $value",
    "industry_code": (
        "(EXISTS { (h)-[:ENGAGES_IN]->(:Industry {code: $value}) }"
        " OR EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(:Industry {code: $value}) })"
    ),
    "enterprise_id": "EXISTS { (h)<-[:DRIVES]-(:Enterprise {id: $value}) }",
    "driven_by_enterprise": "EXISTS { (h)<-[:DRIVES]-(:Enterprise) } = $value",
    "has_claims": "EXISTS { (h)<-[:FOR]-(:Claim) } = $value",
    "head_name_contains": "h.headName CONTAINS $value",
    "income_per_capita_min_fen": LATEST_INCOME + " >= $value",
    "income_per_capita_max_fen": f"0 <= {LATEST_INCOME} <= $value",
    "exit_year_min": "h.exitYear >= $value",
    "exit_year_max": "h.exitYear <= $value",
    "size_min": _SIZE + " >= $value",
    "size_max": _SIZE + " <= $value",
}


@dataclass(frozen=True)
class HouseholdRecord:
    id: str
    head_name: str
    village_code: str
    size: int
    registered_poor: bool
    status: str
    attribute: str | None
    development_plan: str | None
    identified_year: int | None
    exit_year: int | None
    planned_exit_year: int | None
    primary_cause: str | None
    other_causes: tuple[str, ...]
    housing_grade: str | None
    relocated: bool | None
    water_source: str | None
    view: View = View.FULL

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> HouseholdRecord:
        """The record as the caller may see it (graph/masking.py)."""
        record = cls(
            id=m["id"],
            head_name=m["headName"],
            village_code=m["villageCode"],
            size=m["size"],
            registered_poor=bool(m["registeredPoor"]),
            status=m["status"],
            attribute=m.get("attribute"),
            development_plan=m.get("developmentPlan"),
            identified_year=m.get("identifiedYear"),
            exit_year=m.get("exitYear"),
            planned_exit_year=m.get("plannedExitYear"),
            primary_cause=m.get("primaryCause"),
            other_causes=tuple(m.get("otherCauses") or ()),
            housing_grade=m.get("housingGrade"),
            relocated=m.get("relocated"),
            water_source=m.get("waterSource"),
        )
        return masking.household(record, record.id, record.village_code)


@dataclass(frozen=True)
class PersonRecord:
    id_number: str
    name: str
    relation: str
    sex: str | None
    birth_date: datetime.date | None
    health: str | None
    education: str | None
    labor_ability: str | None
    school_status: str | None
    view: View = View.FULL

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> PersonRecord:
        birth = m.get("birthDate")
        return cls(
            id_number=m["idNumber"],
            name=m["name"],
            relation=m["relation"],
            sex=m.get("sex"),
            birth_date=birth.to_native() if birth is not None else None,
            health=m.get("health"),
            education=m.get("education"),
            labor_ability=m.get("laborAbility"),
            school_status=m.get("schoolStatus"),
        )


@dataclass(frozen=True)
class MeasureRecord:
    id: str
    kind: str
    sub_kind: str | None
    year: int
    amount: Decimal | None
    description: str
    view: View = View.FULL

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> MeasureRecord:
        return cls(
            id=m["id"],
            kind=m["kind"],
            sub_kind=m.get("subKind"),
            year=m["year"],
            amount=from_fen(m.get("amountFen")),
            description=m.get("description") or "",
        )


@dataclass(frozen=True)
class IncomeRecord:
    """A household's net income of one year, by component, and per capita."""

    year: int
    wage: Decimal
    operating: Decimal
    property_income: Decimal
    transfer: Decimal
    net_per_capita: Decimal

    @property
    def total(self) -> Decimal:
        return self.wage + self.operating + self.property_income + self.transfer

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> IncomeRecord:
        def money(key: str) -> Decimal:
            return from_fen(m.get(key) or 0) or Decimal(0)

        return cls(
            year=m["year"],
            wage=money("wageFen"),
            operating=money("operatingFen"),
            property_income=money("propertyFen"),
            transfer=money("transferFen"),
            net_per_capita=money("netPerCapitaFen"),
        )


@dataclass(frozen=True)
class CadreRecord:
    id: str
    name: str
    role: str
    unit: str | None
    level: str | None
    view: View = View.FULL

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> CadreRecord:
        return cls(id=m["id"], name=m["name"], role=m["role"], unit=m.get("unit"), level=m.get("level"))


async def households_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, HouseholdRecord]:
    masking.check_entry("Household")
    result = await tx.run(HOUSEHOLDS_BY_ID, ids=ids)
    return {r["household"]["id"]: HouseholdRecord.from_map(r["household"]) async for r in result}


async def members_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[PersonRecord]]:
    result = await tx.run(MEMBERS_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(r["id"], "members", "Person", [PersonRecord.from_map(p) for p in r["members"]])
        async for r in result
    }


async def measures_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[MeasureRecord]]:
    result = await tx.run(MEASURES_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(
            r["id"], "measures", "Measure", [MeasureRecord.from_map(m) for m in r["measures"]]
        )
        async for r in result
    }


async def incomes_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[IncomeRecord]]:
    result = await tx.run(INCOMES_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(r["id"], "incomes", None, [IncomeRecord.from_map(i) for i in r["incomes"]])
        async for r in result
    }


async def helpers_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[CadreRecord]]:
    result = await tx.run(HELPERS_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(r["id"], "helpers", "Cadre", [CadreRecord.from_map(c) for c in r["helpers"]])
        async for r in result
    }


def _paged(scope: HouseholdScope) -> PagedList:
    return PagedList(match=_SCOPE_MATCH[scope], carry="h, v", key="h.id", projection=HOUSEHOLD_MAP, item="household")


async def page_households(
    tx: AsyncManagedTransaction,
    scope: HouseholdScope,
    scope_keys: list[str],
    household_filter: HouseholdFilter,
    order: HouseholdOrder,
    request: PageRequest,
) -> dict[str, Page[HouseholdRecord]]:
    """One page of households for each scope key (a village code, a project code...), in one query."""
    _check_name_lookup(household_filter, order)
    if not masking.may_enumerate("HouseholdConnection"):
        return {key: Page.empty() for key in scope_keys}
    where, params = household_filter.where()
    sort_value, ascending = _ORDER[order]
    return await _paged(scope).pages(tx, scope_keys, request, _household_row, sort_value, ascending, where, params)


def _household_row(row: dict[str, Any]) -> tuple[HouseholdRecord, str]:
    record = HouseholdRecord.from_map(row["household"])
    return record, record.id


async def count_households(
    tx: AsyncManagedTransaction, scope: HouseholdScope, scope_keys: list[str], household_filter: HouseholdFilter
) -> dict[str, int]:
    _check_name_lookup(household_filter, HouseholdOrder.ID)
    where, params = household_filter.where()
    return await _paged(scope).counts(tx, scope_keys, where, params)


async def cadres_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, CadreRecord]:
    masking.check_entry("Cadre")
    result = await tx.run(CADRES_BY_ID, ids=ids)
    view = masking.role_view()
    return {r["cadre"]["id"]: masking.mask("Cadre", CadreRecord.from_map(r["cadre"]), view) async for r in result}


# A household's measures, newest first; the id breaks ties within a year.
_PAGED_MEASURES = PagedList(
    match="MATCH (:Household {id: scope})-[:RECEIVED]->(m:Measure)",
    carry="m",
    key="m.id",
    projection="m {.*}",
    item="measure",
)


async def page_measures(
    tx: AsyncManagedTransaction, household_ids: list[str], request: PageRequest
) -> dict[str, Page[MeasureRecord]]:
    pages = await _PAGED_MEASURES.pages(tx, household_ids, request, _measure_row, "m.year", ascending=False)
    return {key: masking.page_of_household(key, "measuresConnection", "Measure", page) for key, page in pages.items()}


async def count_measures(tx: AsyncManagedTransaction, household_ids: list[str]) -> dict[str, int]:
    return await _PAGED_MEASURES.counts(tx, household_ids)


def _measure_row(row: dict[str, Any]) -> tuple[MeasureRecord, str]:
    record = MeasureRecord.from_map(row["measure"])
    return record, record.id


def _check_name_lookup(household_filter: HouseholdFilter, order: HouseholdOrder) -> None:
    if order is HouseholdOrder.HEAD_NAME or _names_a_person(household_filter):
        masking.check_name_lookup()


def _names_a_person(household_filter: HouseholdFilter) -> bool:
    nested = (*household_filter.all_of, *household_filter.any_of)
    if household_filter.none_of is not None:
        nested = (*nested, household_filter.none_of)
    return household_filter.head_name_contains is not None or any(_names_a_person(f) for f in nested)
