"""Households, their members, measures and helpers; filtered, sorted, keyset-paged lists of them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.money import from_fen
from graph.paging import AFTER_ASC, AFTER_DESC, Page, PageRequest, Row

# The projection every household read returns; size is derived from the members.
HOUSEHOLD_MAP = """h {
  .id, .headName, .registeredPoor, .status, .attribute, .developmentPlan, .identifiedYear, .exitYear,
  .plannedExitYear, .primaryCause, .otherCauses, .housingGrade, .relocated, .waterSource,
  villageCode: v.code, townshipCode: t.code,
  size: COUNT { (:Person)-[:MEMBER_OF]->(h) }
}"""

HOUSEHOLDS_BY_ID = (
    """
UNWIND $ids AS id
MATCH (h:Household {id: id})-[:IN]->(v:Village)-[:IN]->(t:Township)
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


class HouseholdScope(Enum):
    """Whose households a page lists: the county's, a village's, a township's or a project's beneficiaries."""

    COUNTY = "COUNTY"
    VILLAGE = "VILLAGE"
    TOWNSHIP = "TOWNSHIP"
    PROJECT = "PROJECT"


_SCOPE_MATCH: dict[HouseholdScope, str] = {
    HouseholdScope.COUNTY: "MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)",
    HouseholdScope.VILLAGE: "MATCH (h:Household)-[:IN]->(v:Village {code: scope})-[:IN]->(t:Township)",
    HouseholdScope.TOWNSHIP: "MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township {code: scope})",
    HouseholdScope.PROJECT: (
        "MATCH (:Project {code: scope})-[:BENEFITS]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)"
    ),
}

_LATEST_INCOME = (
    "coalesce(head(COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i.netPerCapitaFen ORDER BY i.year DESC LIMIT 1 }),"
    " -1)"
)

# (sort value, ascending?) per order; the household id breaks ties.
_ORDER: dict[HouseholdOrder, tuple[str, bool]] = {
    HouseholdOrder.ID: ("h.id", True),
    HouseholdOrder.HEAD_NAME: ("coalesce(h.headName, '')", True),
    HouseholdOrder.INCOME_ASC: (_LATEST_INCOME, True),
    HouseholdOrder.INCOME_DESC: (_LATEST_INCOME, False),
}


@dataclass(frozen=True)
class HouseholdFilter:
    """Conditions that all must hold. Hashable, so that a DataLoader can batch pages by filter."""

    registered_poor: bool | None = None
    status: str | None = None
    township_code: str | None = None
    village_code: str | None = None
    industry_code: str | None = None
    enterprise_id: str | None = None
    has_claims: bool | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (fixed fragments only) and its parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                clauses.append(_FILTER_FRAGMENTS[f.name])
                params["filter_" + f.name] = value
        return (" AND ".join(clauses) or "true"), params


_FILTER_FRAGMENTS: dict[str, str] = {
    "registered_poor": "h.registeredPoor = $filter_registered_poor",
    "status": "h.status = $filter_status",
    "township_code": "t.code = $filter_township_code",
    "village_code": "v.code = $filter_village_code",
    "industry_code": (
        "(EXISTS { (h)-[:ENGAGES_IN]->(:Industry {code: $filter_industry_code}) }"
        " OR EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(:Industry {code: $filter_industry_code}) })"
    ),
    "enterprise_id": "EXISTS { (h)<-[:DRIVES]-(:Enterprise {id: $filter_enterprise_id}) }",
    "has_claims": "EXISTS { (h)<-[:FOR]-(:Claim) } = $filter_has_claims",
}


@dataclass(frozen=True)
class HouseholdRecord:
    id: str
    head_name: str
    village_code: str
    township_code: str
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

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> HouseholdRecord:
        return cls(
            id=m["id"],
            head_name=m["headName"],
            village_code=m["villageCode"],
            township_code=m["townshipCode"],
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
class CadreRecord:
    id: str
    name: str
    role: str
    unit: str | None
    level: str | None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> CadreRecord:
        return cls(id=m["id"], name=m["name"], role=m["role"], unit=m.get("unit"), level=m.get("level"))


async def households_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, HouseholdRecord]:
    result = await tx.run(HOUSEHOLDS_BY_ID, ids=ids)
    return {r["household"]["id"]: HouseholdRecord.from_map(r["household"]) async for r in result}


async def members_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[PersonRecord]]:
    result = await tx.run(MEMBERS_BY_HOUSEHOLD, ids=ids)
    return {r["id"]: [PersonRecord.from_map(p) for p in r["members"]] async for r in result}


async def measures_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[MeasureRecord]]:
    result = await tx.run(MEASURES_BY_HOUSEHOLD, ids=ids)
    return {r["id"]: [MeasureRecord.from_map(m) for m in r["measures"]] async for r in result}


async def helpers_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[CadreRecord]]:
    result = await tx.run(HELPERS_BY_HOUSEHOLD, ids=ids)
    return {r["id"]: [CadreRecord.from_map(c) for c in r["helpers"]] async for r in result}


def _page_query(scope: HouseholdScope, where: str, order: HouseholdOrder) -> str:
    sort_value, ascending = _ORDER[order]
    direction = "ASC" if ascending else "DESC"
    return f"""
UNWIND $scopes AS scope
CALL (scope) {{
  {_SCOPE_MATCH[scope]}
  WHERE {where}
  WITH h, v, t, {sort_value} AS sortValue, h.id AS keyId
  WHERE {AFTER_ASC if ascending else AFTER_DESC}
  RETURN h, v, t, sortValue, keyId
  ORDER BY sortValue {direction}, keyId {direction}
  LIMIT $limit
}}
RETURN scope, collect({{household: {HOUSEHOLD_MAP}, sortValue: sortValue}}) AS rows"""


def _count_query(scope: HouseholdScope, where: str) -> str:
    return f"""
UNWIND $scopes AS scope
CALL (scope) {{
  {_SCOPE_MATCH[scope]}
  WHERE {where}
  RETURN count(h) AS total
}}
RETURN scope, total"""


async def page_households(
    tx: AsyncManagedTransaction,
    scope: HouseholdScope,
    scope_keys: list[str],
    household_filter: HouseholdFilter,
    order: HouseholdOrder,
    request: PageRequest,
) -> dict[str, Page[HouseholdRecord]]:
    """One page of households for each scope key (a village code, a project code...), in one query."""
    where, params = household_filter.where()
    # The query text is assembled from the fixed fragments above only; every value is a parameter.
    result = await tx.run(_page_query(scope, where, order), scopes=scope_keys, **params, **request.params)
    ascending = _ORDER[order][1]
    pages: dict[str, Page[HouseholdRecord]] = {key: Page(rows=[], has_next=False) for key in scope_keys}
    async for record in result:
        rows = [
            Row(HouseholdRecord.from_map(row["household"]), (row["sortValue"], row["household"]["id"]))
            for row in record["rows"]
        ]
        rows.sort(key=lambda row: row.sort_key, reverse=not ascending)
        pages[record["scope"]] = Page.of(rows, request)
    return pages


async def count_households(
    tx: AsyncManagedTransaction, scope: HouseholdScope, scope_keys: list[str], household_filter: HouseholdFilter
) -> dict[str, int]:
    where, params = household_filter.where()
    result = await tx.run(_count_query(scope, where), scopes=scope_keys, **params)
    return {r["scope"]: r["total"] async for r in result}
