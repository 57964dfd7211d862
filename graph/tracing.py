"""Tracing linkages: who an enterprise or industry drives (totals by mode), everything that reached a
household, and where each fund went, down to each beneficiary household's attributed share.

Attribution of funds to households: each allocation (fund → project) is split equally among the
project's beneficiary households, to the fen. With `n` beneficiaries and an allocation of `a` fen, each
gets `a // n` fen, and the first `a % n` of them by household id get one fen more, so the shares add up
exactly to the allocation (and the allocations of a fund to its total). An allocation to a project with
no beneficiaries is attributed to nobody (reported as unattributed)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.households import HOUSEHOLD_MAP, HouseholdRecord
from graph.money import CENT, from_fen
from graph.paging import Page, PagedList, PageRequest

# Each project benefiting a household, its beneficiary count, the household's rank among them by id,
# and the project's allocations: what the attribution needs.
PROJECT_BENEFITS_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (p:Project)-[:BENEFITS]->(:Household {id: id})
WITH DISTINCT id, p
WITH id, p, COUNT { MATCH (p)-[:BENEFITS]->(o:Household) RETURN DISTINCT o } AS beneficiaries,
     COUNT { MATCH (p)-[:BENEFITS]->(o:Household) WHERE o.id < id RETURN DISTINCT o } AS rank,
     COLLECT { MATCH (f:Fund)-[a:ALLOCATED_TO]->(p) WITH f, a ORDER BY f.year, f.source, f.id
               RETURN {fundId: f.id, source: f.source, year: f.year, amountFen: a.amountFen} } AS allocations
WITH id, p, beneficiaries, rank, allocations ORDER BY p.year DESC, p.code
RETURN id, collect({code: p.code, beneficiaries: beneficiaries, rank: rank, allocations: allocations}) AS projects"""

# Each fund (optionally of a year and source), its allocations with the projects' beneficiary counts,
# and how many distinct households it reaches.
FUND_FLOW = """
MATCH (f:Fund)
WHERE ($year IS NULL OR f.year = $year) AND ($source IS NULL OR f.source = $source)
WITH f ORDER BY f.year, f.source, f.id
RETURN f {.id, .source, .year, .amountFen} AS fund,
       COLLECT { MATCH (f)-[a:ALLOCATED_TO]->(p:Project) WITH p, a ORDER BY p.code
                 RETURN {code: p.code, amountFen: a.amountFen,
                         beneficiaries: COUNT { MATCH (p)-[:BENEFITS]->(o:Household) RETURN DISTINCT o }} }
         AS allocations,
       COUNT { MATCH (f)-[:ALLOCATED_TO]->(:Project)-[:BENEFITS]->(h:Household) RETURN DISTINCT h } AS households"""

# Per project: its allocations and beneficiary count (the flow seen from the project).
ALLOCATIONS_BY_PROJECT = """
UNWIND $codes AS code
MATCH (p:Project {code: code})
RETURN code, COUNT { MATCH (p)-[:BENEFITS]->(o:Household) RETURN DISTINCT o } AS beneficiaries,
       COLLECT { MATCH (f:Fund)-[a:ALLOCATED_TO]->(p) WITH f, a ORDER BY f.year, f.source, f.id
                 RETURN {fundId: f.id, source: f.source, year: f.year, amountFen: a.amountFen} } AS allocations"""

COVERAGE_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (:Household {id: id})-[c:COVERED_BY]->(p:Policy)
WITH id, c, p ORDER BY c.year DESC, p.code
RETURN id, collect({policyCode: p.code, year: c.year, premiumFen: c.premiumFen}) AS coverage"""

HELPER_HISTORY_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (c:Cadre)-[r:HELPS]->(:Household {id: id})
WITH id, c, r ORDER BY r.since DESC, c.id
RETURN id, collect({cadreId: c.id, since: r.since, until: r.until}) AS pairings"""

# Totals by mode of the households an enterprise drives (at most one DRIVES per enterprise and household,
# so the modes partition them), and how many of them another enterprise drives too.
ENTERPRISE_LINK_TOTALS = """
UNWIND $ids AS id
MATCH (:Enterprise {id: id})-[d:DRIVES]->(h:Household)
WITH id, d.mode AS mode, h, d.incomeGainFen AS gain,
     COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1 AS multiple
WITH id, mode, count(h) AS households, count(CASE WHEN h.registeredPoor THEN 1 END) AS poor,
     sum(coalesce(gain, 0)) AS gainFen, count(CASE WHEN multiple THEN 1 END) AS multiply
ORDER BY mode
RETURN id, collect({mode: mode, households: households, poor: poor, gainFen: gainFen, multiply: multiply}) AS modes"""

# The same for an industry: each DRIVES link from one of its enterprises, grouped by mode (a household
# driven in two modes counts in both), plus households working in it with no enterprise of it driving
# them (mode null, gain from ENGAGES_IN). `totals` count each household once, with the industry's gain
# (ENGAGES_IN income, else the sum of its enterprises' DRIVES gains).
INDUSTRY_LINK_TOTALS = """
UNWIND $codes AS code
MATCH (ind:Industry {code: code})
CALL (ind) {
  MATCH (h:Household)<-[d:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(ind)
  RETURN d.mode AS mode, h, d.incomeGainFen AS gain
  UNION ALL
  MATCH (h:Household)-[e:ENGAGES_IN]->(ind)
  WHERE NOT EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(ind) }
  RETURN null AS mode, h, e.incomeFen AS gain
}
WITH code, mode, h, gain, COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1 AS multiple
WITH code, mode, count(DISTINCT h) AS households,
     count(DISTINCT CASE WHEN h.registeredPoor THEN h END) AS poor,
     sum(coalesce(gain, 0)) AS gainFen, count(DISTINCT CASE WHEN multiple THEN h END) AS multiply
ORDER BY mode
RETURN code, collect({mode: mode, households: households, poor: poor, gainFen: gainFen, multiply: multiply})
       AS modes"""

INDUSTRY_TOTALS = """
UNWIND $codes AS code
CALL (code) {
  MATCH (ind:Industry {code: code})
  CALL (ind) {
    MATCH (h:Household)-[e:ENGAGES_IN]->(ind)
    RETURN h, e.incomeFen AS gain
    UNION ALL
    MATCH (h:Household)<-[d:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(ind)
    WHERE NOT EXISTS { (h)-[:ENGAGES_IN]->(ind) }
    RETURN h, d.incomeGainFen AS gain
  }
  WITH h, sum(coalesce(gain, 0)) AS gain
  RETURN count(h) AS households, count(CASE WHEN h.registeredPoor THEN 1 END) AS poor, sum(gain) AS gainFen,
         count(CASE WHEN COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1 THEN 1 END) AS multiply
}
RETURN code, households, poor, gainFen, multiply"""

# Households driven by more than one enterprise, optionally only those with a link from one of the given
# industries' enterprises or from one of the given enterprises.
_MULTIPLY_DRIVEN_WHERE = """COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1
  AND ($industryCodes IS NULL
       OR EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(i:Industry) WHERE i.code IN $industryCodes })
  AND ($enterpriseIds IS NULL OR EXISTS { (h)<-[:DRIVES]-(e:Enterprise) WHERE e.id IN $enterpriseIds })"""

_PAGED_MULTIPLY_DRIVEN = PagedList(
    match="MATCH (h:Household)-[:IN]->(v:Village)",
    carry="h, v",
    key="h.id",
    projection=HOUSEHOLD_MAP,
    item="household",
)
MULTIPLY_DRIVEN_SCOPE = "county"


@dataclass(frozen=True)
class FundShareRecord:
    fund_id: str
    source: str
    year: int
    amount: Decimal


@dataclass(frozen=True)
class ProjectBenefitRecord:
    project_code: str
    beneficiaries: int
    funds: tuple[FundShareRecord, ...]


@dataclass(frozen=True)
class AllocationRecord:
    """One fund's allocation to one project, and how it splits over the project's beneficiaries."""

    fund_id: str
    source: str
    year: int
    project_code: str
    amount: Decimal
    beneficiaries: int
    share: Decimal | None
    """The equal share to the fen (the first `remainder_households` by id get one fen more); null without
    beneficiaries."""
    remainder_households: int


@dataclass(frozen=True)
class ProjectFlowRecord:
    project_code: str
    beneficiaries: int
    allocations: tuple[AllocationRecord, ...]


@dataclass(frozen=True)
class FundFlowRecord:
    fund_id: str
    source: str
    year: int
    amount: Decimal
    households: int
    allocations: tuple[AllocationRecord, ...]

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal("0.00"))

    @property
    def attributed(self) -> Decimal:
        return sum((a.amount for a in self.allocations if a.beneficiaries), Decimal("0.00"))


@dataclass(frozen=True)
class PolicyCoverageRecord:
    policy_code: str
    year: int
    premium: Decimal | None


@dataclass(frozen=True)
class HelperPeriodRecord:
    cadre_id: str
    since: datetime.date | None
    until: datetime.date | None


@dataclass(frozen=True)
class ModeTotalRecord:
    mode: str | None
    households: int
    poor_households: int
    income_gain: Decimal
    multiply_driven: int

    @property
    def average_income_gain(self) -> Decimal | None:
        return (self.income_gain / self.households).quantize(CENT) if self.households else None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> ModeTotalRecord:
        return cls(
            mode=m["mode"],
            households=m["households"],
            poor_households=m["poor"],
            income_gain=from_fen(m["gainFen"] or 0) or Decimal("0.00"),
            multiply_driven=m["multiply"],
        )


@dataclass(frozen=True)
class LinkTotalsRecord:
    """Totals over the households an enterprise or industry drives (each once), and by mode."""

    total: ModeTotalRecord
    by_mode: tuple[ModeTotalRecord, ...]


def attributed_share_fen(amount_fen: int, beneficiaries: int, rank: int) -> int:
    """The fen of an allocation attributed to the beneficiary at `rank` (0-based, by household id)."""
    base, remainder = divmod(amount_fen, beneficiaries)
    return base + (1 if rank < remainder else 0)


async def project_benefits_by_household(
    tx: AsyncManagedTransaction, ids: list[str]
) -> dict[str, list[ProjectBenefitRecord]]:
    result = await tx.run(PROJECT_BENEFITS_BY_HOUSEHOLD, ids=ids)
    found: dict[str, list[ProjectBenefitRecord]] = {}
    async for r in result:
        found[r["id"]] = [
            ProjectBenefitRecord(
                project_code=p["code"],
                beneficiaries=p["beneficiaries"],
                funds=tuple(
                    FundShareRecord(
                        fund_id=a["fundId"],
                        source=a["source"],
                        year=a["year"],
                        amount=from_fen(attributed_share_fen(a["amountFen"], p["beneficiaries"], p["rank"]))
                        or Decimal("0.00"),
                    )
                    for a in p["allocations"]
                ),
            )
            for p in r["projects"]
        ]
    return {key: masking.of_household(key, "projects", None, benefits) for key, benefits in found.items()}


def _allocation(project_code: str, beneficiaries: int, a: dict[str, Any]) -> AllocationRecord:
    amount_fen: int = a["amountFen"]
    share, remainder = divmod(amount_fen, beneficiaries) if beneficiaries else (None, 0)
    return AllocationRecord(
        fund_id=a["fundId"],
        source=a["source"],
        year=a["year"],
        project_code=project_code,
        amount=from_fen(amount_fen) or Decimal("0.00"),
        beneficiaries=beneficiaries,
        share=from_fen(share),
        remainder_households=remainder,
    )


async def list_fund_flows(tx: AsyncManagedTransaction, year: int | None, source: str | None) -> list[FundFlowRecord]:
    result = await tx.run(FUND_FLOW, year=year, source=source)
    flows = []
    async for r in result:
        f = r["fund"]
        fund = {"fundId": f["id"], "source": f["source"], "year": f["year"]}
        allocations = tuple(
            _allocation(a["code"], a["beneficiaries"], {**fund, "amountFen": a["amountFen"]}) for a in r["allocations"]
        )
        flows.append(
            FundFlowRecord(
                fund_id=f["id"],
                source=f["source"],
                year=f["year"],
                amount=from_fen(f["amountFen"]) or Decimal("0.00"),
                households=r["households"],
                allocations=allocations,
            )
        )
    return flows


async def flows_by_project(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, ProjectFlowRecord]:
    result = await tx.run(ALLOCATIONS_BY_PROJECT, codes=codes)
    return {
        r["code"]: ProjectFlowRecord(
            project_code=r["code"],
            beneficiaries=r["beneficiaries"],
            allocations=tuple(_allocation(r["code"], r["beneficiaries"], a) for a in r["allocations"]),
        )
        async for r in result
    }


async def coverage_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[PolicyCoverageRecord]]:
    result = await tx.run(COVERAGE_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(
            r["id"],
            "coverage",
            None,
            [PolicyCoverageRecord(c["policyCode"], c["year"], from_fen(c["premiumFen"])) for c in r["coverage"]],
        )
        async for r in result
    }


async def helper_history_by_household(
    tx: AsyncManagedTransaction, ids: list[str]
) -> dict[str, list[HelperPeriodRecord]]:
    result = await tx.run(HELPER_HISTORY_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(
            r["id"],
            "helpersHistory",
            None,
            [HelperPeriodRecord(p["cadreId"], _date(p["since"]), _date(p["until"])) for p in r["pairings"]],
        )
        async for r in result
    }


async def enterprise_link_totals(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, LinkTotalsRecord]:
    result = await tx.run(ENTERPRISE_LINK_TOTALS, ids=ids)
    found = {r["id"]: [ModeTotalRecord.from_map(m) for m in r["modes"]] async for r in result}
    totals = {}
    for key in ids:
        modes = found.get(key, [])
        total = ModeTotalRecord(
            mode=None,
            households=sum(m.households for m in modes),
            poor_households=sum(m.poor_households for m in modes),
            income_gain=sum((m.income_gain for m in modes), Decimal("0.00")),
            multiply_driven=sum(m.multiply_driven for m in modes),
        )
        totals[key] = LinkTotalsRecord(total=total, by_mode=tuple(modes))
    return totals


async def industry_link_totals(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, LinkTotalsRecord]:
    result = await tx.run(INDUSTRY_LINK_TOTALS, codes=codes)
    by_mode = {r["code"]: tuple(ModeTotalRecord.from_map(m) for m in r["modes"]) async for r in result}
    result = await tx.run(INDUSTRY_TOTALS, codes=codes)
    totals = {
        r["code"]: ModeTotalRecord.from_map(
            {
                "mode": None,
                "households": r["households"],
                "poor": r["poor"],
                "gainFen": r["gainFen"],
                "multiply": r["multiply"],
            }
        )
        async for r in result
    }
    return {code: LinkTotalsRecord(total=totals[code], by_mode=by_mode.get(code, ())) for code in totals}


def _multiply_driven_params(industry_codes: list[str] | None, enterprise_ids: list[str] | None) -> dict[str, Any]:
    return {"industryCodes": industry_codes, "enterpriseIds": enterprise_ids}


async def page_multiply_driven(
    tx: AsyncManagedTransaction,
    industry_codes: list[str] | None,
    enterprise_ids: list[str] | None,
    request: PageRequest,
) -> Page[HouseholdRecord]:
    """Households driven by more than one enterprise, by id."""
    if not masking.may_enumerate("MultiplyDrivenConnection"):
        return Page.empty()
    params = _multiply_driven_params(industry_codes, enterprise_ids)
    scopes = [MULTIPLY_DRIVEN_SCOPE]
    pages = await _PAGED_MULTIPLY_DRIVEN.pages(
        tx, scopes, request, _household_row, "h.id", True, _MULTIPLY_DRIVEN_WHERE, params
    )
    return pages[MULTIPLY_DRIVEN_SCOPE]


async def count_multiply_driven(
    tx: AsyncManagedTransaction, industry_codes: list[str] | None, enterprise_ids: list[str] | None
) -> int:
    params = _multiply_driven_params(industry_codes, enterprise_ids)
    counts = await _PAGED_MULTIPLY_DRIVEN.counts(tx, [MULTIPLY_DRIVEN_SCOPE], _MULTIPLY_DRIVEN_WHERE, params)
    return counts[MULTIPLY_DRIVEN_SCOPE]


def _household_row(row: dict[str, Any]) -> tuple[HouseholdRecord, str]:
    record = HouseholdRecord.from_map(row["household"])
    return record, record.id


def _date(value: Any) -> datetime.date | None:
    return None if value is None else value.to_native()
