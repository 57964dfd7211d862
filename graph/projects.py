"""The project library: projects, their funds, and the yearly pipeline (declared → screened → done)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.filters import compile_filter
from graph.money import from_fen
from graph.paging import Page, PagedList, PageRequest

PROJECT_MAP = """p {
  .code, .name, .year, .purpose, .stage, .started, .completed, .performanceScore, .nature,
  .plannedBeneficiaries, .budgetFen, .responsibleUnit,
  industryCode: head(COLLECT { MATCH (p)-[:IN_INDUSTRY]->(x:Industry) RETURN x.code }),
  villageCode: head(COLLECT { MATCH (p)-[:LOCATED_IN]->(x:Village) RETURN x.code }),
  townshipCode: head(COLLECT { MATCH (p)-[:LOCATED_IN]->(x:Village)-[:IN]->(y:Township) RETURN y.code
                               UNION MATCH (p)-[:LOCATED_IN]->(y:Township) RETURN y.code })
}"""

PROJECTS_BY_CODE = f"""
UNWIND $codes AS code
MATCH (p:Project {{code: code}})
RETURN {PROJECT_MAP} AS project"""

FUNDS_BY_PROJECT = """
UNWIND $codes AS code
MATCH (f:Fund)-[a:ALLOCATED_TO]->(:Project {code: code})
WITH code, f, a ORDER BY f.year, f.source
RETURN code, collect({source: f.source, year: f.year, amountFen: a.amountFen}) AS funds"""

PIPELINE = """
MATCH (p:Project {year: $year})
RETURN count(p) AS declared,
       count(CASE WHEN p.stage = 'REJECTED' THEN 1 END) AS rejected,
       count(CASE WHEN p.stage = 'RESERVE' THEN 1 END) AS reserve,
       count(CASE WHEN p.stage = 'IMPLEMENTED' THEN 1 END) AS implemented,
       count(CASE WHEN p.stage = 'IMPLEMENTED' AND p.started THEN 1 END) AS started,
       count(CASE WHEN p.stage = 'IMPLEMENTED' AND p.completed THEN 1 END) AS completed"""


class ProjectOrder(Enum):
    CODE = "CODE"
    PERFORMANCE_DESC = "PERFORMANCE_DESC"
    BENEFICIARIES_DESC = "BENEFICIARIES_DESC"
    BUDGET_DESC = "BUDGET_DESC"
    YEAR_DESC = "YEAR_DESC"


class ProjectScope(Enum):
    COUNTY = "COUNTY"
    VILLAGE = "VILLAGE"


_SCOPE_MATCH: dict[ProjectScope, str] = {
    ProjectScope.COUNTY: "MATCH (p:Project)",
    ProjectScope.VILLAGE: "MATCH (p:Project)-[:LOCATED_IN]->(:Village {code: scope})",
}

# (sort value, ascending?) per order; the project code breaks ties.
_ORDER: dict[ProjectOrder, tuple[str, bool]] = {
    ProjectOrder.CODE: ("p.code", True),
    ProjectOrder.PERFORMANCE_DESC: ("coalesce(p.performanceScore, -1.0)", False),
    ProjectOrder.BENEFICIARIES_DESC: ("COUNT { (p)-[:BENEFITS]->(:Household) }", False),
    ProjectOrder.BUDGET_DESC: ("coalesce(p.budgetFen, -1)", False),
    ProjectOrder.YEAR_DESC: ("p.year", False),
}

_FILTER_FRAGMENTS: dict[str, str] = {
    "year": "p.year = $value",
    "year_min": "p.year >= $value",
    "year_max": "p.year <= $value",
    "stage": "p.stage = $value",
    "stage_in": "p.stage IN $value",
    "purpose": "p.purpose = $value",
    "township_code": (
        "(EXISTS { (p)-[:LOCATED_IN]->(:Township {code: $value}) }"
        " OR EXISTS { (p)-[:LOCATED_IN]->(:Village)-[:IN]->(:Township {code: $value}) })"
    ),
    "village_code": "EXISTS { (p)-[:LOCATED_IN]->(:Village {code: $value}) }",
    "industry_code": "EXISTS { (p)-[:IN_INDUSTRY]->(:Industry {code: $value}) }",
    "performance_min": "p.performanceScore >= $value",
    "performance_max": "p.performanceScore <= $value",
    "name_contains": "p.name CONTAINS $value",
    "started": "coalesce(p.started, false) = $value",
    "completed": "coalesce(p.completed, false) = $value",
}


@dataclass(frozen=True)
class ProjectFilter:
    """Conditions that all must hold, plus AND / OR / NOT over nested filters."""

    year: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    stage: str | None = None
    stage_in: tuple[str, ...] | None = None
    purpose: str | None = None
    township_code: str | None = None
    village_code: str | None = None
    industry_code: str | None = None
    performance_min: float | None = None
    performance_max: float | None = None
    name_contains: str | None = None
    started: bool | None = None
    completed: bool | None = None
    all_of: tuple[ProjectFilter, ...] = ()
    any_of: tuple[ProjectFilter, ...] = ()
    none_of: ProjectFilter | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        return compile_filter(self, _FILTER_FRAGMENTS)


@dataclass(frozen=True)
class ProjectRecord:
    code: str
    name: str
    year: int
    purpose: str
    stage: str
    started: bool
    completed: bool
    performance_score: float | None
    nature: str | None
    planned_beneficiaries: int | None
    budget: Decimal | None
    responsible_unit: str | None
    industry_code: str | None
    village_code: str | None
    township_code: str | None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> ProjectRecord:
        return cls(
            code=m["code"],
            name=m["name"],
            year=m["year"],
            purpose=m["purpose"],
            stage=m["stage"],
            started=bool(m.get("started")),
            completed=bool(m.get("completed")),
            performance_score=m.get("performanceScore"),
            nature=m.get("nature"),
            planned_beneficiaries=m.get("plannedBeneficiaries"),
            budget=from_fen(m.get("budgetFen")),
            responsible_unit=m.get("responsibleUnit"),
            industry_code=m.get("industryCode"),
            village_code=m.get("villageCode"),
            township_code=m.get("townshipCode"),
        )


@dataclass(frozen=True)
class FundAllocationRecord:
    source: str
    year: int
    amount: Decimal


@dataclass(frozen=True)
class PipelineRecord:
    year: int
    declared: int
    rejected: int
    reserve: int
    implemented: int
    started: int
    completed: int


async def projects_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, ProjectRecord]:
    result = await tx.run(PROJECTS_BY_CODE, codes=codes)
    return {r["project"]["code"]: ProjectRecord.from_map(r["project"]) async for r in result}


async def funds_by_project(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, list[FundAllocationRecord]]:
    result = await tx.run(FUNDS_BY_PROJECT, codes=codes)
    return {
        r["code"]: [
            FundAllocationRecord(f["source"], f["year"], from_fen(f["amountFen"]) or Decimal(0)) for f in r["funds"]
        ]
        async for r in result
    }


async def get_pipeline(tx: AsyncManagedTransaction, year: int) -> PipelineRecord:
    record = await (await tx.run(PIPELINE, year=year)).single(strict=True)
    return PipelineRecord(year=year, **dict(record))


def _paged(scope: ProjectScope) -> PagedList:
    return PagedList(match=_SCOPE_MATCH[scope], carry="p", key="p.code", projection=PROJECT_MAP, item="project")


async def page_projects(
    tx: AsyncManagedTransaction,
    scope: ProjectScope,
    scope_keys: list[str],
    project_filter: ProjectFilter,
    order: ProjectOrder,
    request: PageRequest,
) -> dict[str, Page[ProjectRecord]]:
    where, params = project_filter.where()
    sort_value, ascending = _ORDER[order]
    return await _paged(scope).pages(tx, scope_keys, request, _project_row, sort_value, ascending, where, params)


def _project_row(row: dict[str, Any]) -> tuple[ProjectRecord, str]:
    record = ProjectRecord.from_map(row["project"])
    return record, record.code


async def count_projects(
    tx: AsyncManagedTransaction, scope: ProjectScope, scope_keys: list[str], project_filter: ProjectFilter
) -> dict[str, int]:
    where, params = project_filter.where()
    return await _paged(scope).counts(tx, scope_keys, where, params)
