"""Policies (the 一保通 bundle among them), who they cover, and the claims paid under them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.money import CENT, from_fen
from graph.paging import Page, PagedList, PageRequest

POLICY_MAP = "p {.code, .name, .kind, .rateCap, .minSumInsuredFen, .description}"

POLICIES = f"""
MATCH (p:Policy)
RETURN {POLICY_MAP} AS policy
ORDER BY p.code"""

POLICIES_BY_CODE = f"""
UNWIND $codes AS code
MATCH (p:Policy {{code: code}})
RETURN {POLICY_MAP} AS policy"""

COVERS_BY_POLICY = """
UNWIND $codes AS code
MATCH (:Policy {code: code})-[:BUNDLES]->(p:Policy)
WITH code, p ORDER BY p.code
RETURN code, collect(p.code) AS codes"""

BUNDLE_BY_POLICY = """
UNWIND $codes AS code
MATCH (b:Policy)-[:BUNDLES]->(:Policy {code: code})
RETURN code, b.code AS bundle"""

COVERAGE_BY_POLICY_YEAR = """
UNWIND $keys AS key
MATCH (p:Policy {code: key.code})
OPTIONAL MATCH (h:Household)-[c:COVERED_BY {year: key.year}]->(p)
WITH key, h, c, COUNT { (:Person)-[:MEMBER_OF]->(h) } AS size
RETURN key.code AS code, key.year AS year, count(h) AS households,
       sum(c.premiumFen) AS premiumFen, sum(CASE WHEN c.premiumFen IS NULL THEN 0 ELSE size END) AS persons"""

POLICIES_BY_HOUSEHOLD = f"""
UNWIND $ids AS id
MATCH (:Household {{id: id}})-[:COVERED_BY]->(p:Policy)
WITH DISTINCT id, p ORDER BY p.code
RETURN id, collect({POLICY_MAP}) AS policies"""

CLAIMS_BY_HOUSEHOLD = """
UNWIND $ids AS id
MATCH (c:Claim)-[:FOR]->(:Household {id: id})
MATCH (c)-[:UNDER]->(p:Policy)
WITH id, c, p ORDER BY c.date DESC, c.id
RETURN id, collect(c {.*, policyCode: p.code}) AS claims"""


CLAIMS_BY_ID = """
UNWIND $ids AS id
MATCH (c:Claim {id: id})-[:UNDER]->(p:Policy)
RETURN c {.*, policyCode: p.code} AS claim"""


class ClaimScope(Enum):
    """Whose claims a page lists: a household's, or a policy's (a bundle's include its insurance types')."""

    HOUSEHOLD = "HOUSEHOLD"
    POLICY = "POLICY"


_PAGED_CLAIMS: dict[ClaimScope, PagedList] = {
    scope: PagedList(match=match, carry="c, p", key="c.id", projection="c {.*, policyCode: p.code}", item="claim")
    for scope, match in (
        (ClaimScope.HOUSEHOLD, "MATCH (:Household {id: scope})<-[:FOR]-(c:Claim)-[:UNDER]->(p:Policy)"),
        (ClaimScope.POLICY, "MATCH (:Policy {code: scope})-[:BUNDLES*0..1]->(p:Policy)<-[:UNDER]-(c:Claim)"),
    )
}
# Newest first; the date as text keeps the cursor plain JSON.
_CLAIM_SORT = "toString(c.date)"


@dataclass(frozen=True)
class PolicyRecord:
    code: str
    name: str
    kind: str
    rate_cap: float | None
    min_sum_insured: Decimal | None
    description: str | None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> PolicyRecord:
        return cls(
            code=m["code"],
            name=m["name"],
            kind=m["kind"],
            rate_cap=m.get("rateCap"),
            min_sum_insured=from_fen(m.get("minSumInsuredFen")),
            description=m.get("description"),
        )


@dataclass(frozen=True)
class PolicyYearRecord:
    households: int
    premium_per_person: Decimal | None


@dataclass(frozen=True)
class ClaimRecord:
    id: str
    date: datetime.date
    kind: str
    cost: Decimal
    paid_by_medical_insurance: Decimal
    paid_by_insurer: Decimal
    policy_code: str

    @property
    def paid_by_household(self) -> Decimal:
        return self.cost - self.paid_by_medical_insurance - self.paid_by_insurer

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> ClaimRecord:
        return cls(
            id=m["id"],
            date=m["date"].to_native(),
            kind=m["kind"],
            cost=from_fen(m["costFen"]) or Decimal(0),
            paid_by_medical_insurance=from_fen(m.get("paidByMedicalInsuranceFen") or 0) or Decimal(0),
            paid_by_insurer=from_fen(m.get("paidByInsurerFen") or 0) or Decimal(0),
            policy_code=m["policyCode"],
        )


async def list_policies(tx: AsyncManagedTransaction) -> list[PolicyRecord]:
    result = await tx.run(POLICIES)
    return [PolicyRecord.from_map(r["policy"]) async for r in result]


async def policies_by_code(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, PolicyRecord]:
    result = await tx.run(POLICIES_BY_CODE, codes=codes)
    return {r["policy"]["code"]: PolicyRecord.from_map(r["policy"]) async for r in result}


async def covered_codes_by_policy(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, list[str]]:
    result = await tx.run(COVERS_BY_POLICY, codes=codes)
    return {r["code"]: list(r["codes"]) async for r in result}


async def bundle_by_policy(tx: AsyncManagedTransaction, codes: list[str]) -> dict[str, str]:
    result = await tx.run(BUNDLE_BY_POLICY, codes=codes)
    return {r["code"]: r["bundle"] async for r in result}


async def coverage_by_policy_year(
    tx: AsyncManagedTransaction, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], PolicyYearRecord]:
    """Households covered by each (policy, year), and the premium per person (total premium / persons)."""
    result = await tx.run(COVERAGE_BY_POLICY_YEAR, keys=[{"code": code, "year": year} for code, year in keys])
    coverage: dict[tuple[str, int], PolicyYearRecord] = {}
    async for r in result:
        premium = None
        if r["premiumFen"] is not None and r["persons"]:
            premium = (Decimal(r["premiumFen"]) / r["persons"] / 100).quantize(CENT)
        coverage[(r["code"], r["year"])] = PolicyYearRecord(households=r["households"], premium_per_person=premium)
    return coverage


async def policies_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[PolicyRecord]]:
    result = await tx.run(POLICIES_BY_HOUSEHOLD, ids=ids)
    return {r["id"]: [PolicyRecord.from_map(p) for p in r["policies"]] async for r in result}


async def claims_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[ClaimRecord]]:
    result = await tx.run(CLAIMS_BY_HOUSEHOLD, ids=ids)
    return {
        r["id"]: masking.of_household(r["id"], "claims", None, [ClaimRecord.from_map(c) for c in r["claims"]])
        async for r in result
    }


async def claims_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, ClaimRecord]:
    masking.check_entry("Claim")
    result = await tx.run(CLAIMS_BY_ID, ids=ids)
    return {r["claim"]["id"]: ClaimRecord.from_map(r["claim"]) async for r in result}


async def page_claims(
    tx: AsyncManagedTransaction, scope: ClaimScope, scope_keys: list[str], request: PageRequest
) -> dict[str, Page[ClaimRecord]]:
    if scope is ClaimScope.POLICY and not masking.may_enumerate("ClaimConnection"):
        return {key: Page.empty() for key in scope_keys}
    pages = await _PAGED_CLAIMS[scope].pages(tx, scope_keys, request, _claim_row, _CLAIM_SORT, ascending=False)
    if scope is ClaimScope.HOUSEHOLD:
        return {key: masking.page_of_household(key, "claimsConnection", "Claim", page) for key, page in pages.items()}
    return pages


async def count_claims(tx: AsyncManagedTransaction, scope: ClaimScope, scope_keys: list[str]) -> dict[str, int]:
    return await _PAGED_CLAIMS[scope].counts(tx, scope_keys)


def _claim_row(row: dict[str, Any]) -> tuple[ClaimRecord, str]:
    record = ClaimRecord.from_map(row["claim"])
    return record, record.id
