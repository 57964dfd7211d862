"""Enrolment in policies and the settlement of medical claims.

A household enrolled in a bundle (一保通) for a year is covered by every insurance type the bundle holds:
the bundle's one COVERED_BY carries the whole premium, as the demo county stores it. A medical claim is
settled in the order the county pays: basic medical insurance pays its share of the cost up to its cap
for that kind of cost, then the policy's insurer pays the rest up to the policy's limit (its minimum sum
insured) when the household is covered that year, and the household pays what remains."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.county_time import county_today
from graph.history import change, diff
from graph.money import from_fen
from graph.policies import ClaimRecord
from graph.write_errors import InvalidInput
from graph.writes import check_amount, check_year, finish, open_household

# Premium per insured person and year, in fen: 一保通 costs the county 16 yuan a person (the article).
PREMIUM_PER_PERSON_FEN: dict[str, int] = {"YBT": 1600}


@dataclass(frozen=True)
class MedicalRule:
    """What basic medical insurance pays of one kind of cost: a share, up to a cap per claim."""

    share_percent: int
    cap_fen: int

    def pays(self, cost_fen: int) -> int:
        return min(cost_fen * self.share_percent // 100, self.cap_fen)


# The demo county's basic medical insurance: 70 % of chronic outpatient care up to 5,000 yuan (the seeds
# settle the article's outpatient claims the same way); inpatient and critical-illness care as reimbursed
# in Shanxi's rural scheme (assumed 70 % up to 150,000 and 60 % up to 300,000 yuan).
MEDICAL_RULES: dict[str, MedicalRule] = {
    "outpatient": MedicalRule(70, 500_000),
    "inpatient": MedicalRule(70, 15_000_000),
    "critical-illness": MedicalRule(60, 30_000_000),
}
CLAIM_KINDS = tuple(MEDICAL_RULES)

POLICY = """
MATCH (p:Policy {code: $code})
RETURN p.code AS code, p.kind AS kind, p.minSumInsuredFen AS limitFen,
       [(p)-[:BUNDLES]->(t:Policy) | t.code] AS covers,
       [(b:Policy)-[:BUNDLES]->(p) | b.code] AS bundles"""

HOUSEHOLD_SIZE = "RETURN COUNT { (:Person)-[:MEMBER_OF]->(:Household {id: $id}) } AS size"

# Covered in a year: enrolled in the policy, or in a bundle that holds it.
COVERED = """
MATCH (:Household {id: $id})-[c:COVERED_BY {year: $year}]->(p:Policy)
WHERE p.code = $code OR EXISTS { (p)-[:BUNDLES]->(:Policy {code: $code}) }
RETURN p.code AS code, c.premiumFen AS premiumFen"""

ENROL = """
MATCH (h:Household {id: $id})
MATCH (p:Policy {code: $code})
MERGE (h)-[c:COVERED_BY {year: $year}]->(p)
SET c.premiumFen = $premiumFen"""

# Claim ids run per year (`CL2019-000001`), counted by a Sequence that starts past the highest one there.
NEXT_CLAIM_ID = """
WITH 'CL' + toString($year) + '-' AS prefix
WITH prefix, COLLECT { MATCH (c:Claim) WHERE c.id STARTS WITH prefix RETURN max(toInteger(substring(c.id, 7))) }[0]
     AS highest
MERGE (s:Sequence {name: 'claim:' + toString($year)})
SET s.last = CASE WHEN coalesce(s.last, 0) < coalesce(highest, 0) THEN highest ELSE coalesce(s.last, 0) END + 1
RETURN prefix + right('00000' + toString(s.last), 6) AS id"""

CREATE_CLAIM = """
MATCH (h:Household {id: $id})
MATCH (p:Policy {code: $code})
CREATE (c:Claim)-[:FOR]->(h)
SET c = $props
CREATE (c)-[:UNDER]->(p)
RETURN c {.*, policyCode: p.code} AS claim"""


@dataclass(frozen=True)
class Enrolment:
    policy_code: str
    year: int
    premium: Decimal | None
    created: bool


@dataclass(frozen=True)
class ClaimInput:
    policy_code: str
    date: datetime.date
    kind: str
    cost: Decimal


async def _policy(tx: AsyncManagedTransaction, code: str, field: str) -> dict[str, Any]:
    record = await (await tx.run(POLICY, code=code)).single()
    if record is None:
        raise InvalidInput(f"there is no policy with the code {code[:40]!r}", field)
    return dict(record)


async def enrol(
    tx: AsyncManagedTransaction, household_id: str, policy_code: str, year: int, viewer: Viewer
) -> Enrolment:
    """Enrols a household in a policy for a year; the premium is the policy's per person times the size.
    Enrolling again, or in a type the household's bundle already covers that year, changes nothing."""
    check_year(year, "year", ahead=1)
    await open_household(tx, household_id, viewer)
    policy = await _policy(tx, policy_code, "policyCode")
    existing = await (await tx.run(COVERED, id=household_id, code=policy_code, year=year)).single()
    if existing is not None:
        return Enrolment(existing["code"], year, from_fen(existing["premiumFen"]), created=False)
    per_person = PREMIUM_PER_PERSON_FEN.get(policy_code)
    premium_fen = None
    if per_person is not None:
        size = (await (await tx.run(HOUSEHOLD_SIZE, id=household_id)).single(strict=True))["size"]
        premium_fen = per_person * size
    await (await tx.run(ENROL, id=household_id, code=policy["code"], year=year, premiumFen=premium_fen)).consume()
    fields = {f"coverage.{policy_code}.{year}": change(None, {"premium": str(from_fen(premium_fen))})}
    await finish(tx, household_id, viewer.by, "enrol", fields)
    return Enrolment(policy_code, year, from_fen(premium_fen), created=True)


def settle(cost_fen: int, kind: str, limit_fen: int | None, covered: bool) -> tuple[int, int]:
    """What basic medical insurance and the insurer pay of a cost, in fen; the household pays the rest."""
    medical = MEDICAL_RULES[kind].pays(cost_fen)
    insurer = min(cost_fen - medical, limit_fen or 0) if covered else 0
    return medical, insurer


async def record_claim(
    tx: AsyncManagedTransaction, household_id: str, claim: ClaimInput, viewer: Viewer
) -> ClaimRecord:
    """Records a medical claim and settles it (see the module's docstring)."""
    if claim.kind not in MEDICAL_RULES:
        raise InvalidInput(f"{claim.kind[:40]!r} is not one of {', '.join(CLAIM_KINDS)}", "kind")
    cost_fen = check_amount(claim.cost, "cost")
    if cost_fen == 0:
        raise InvalidInput("a claim's cost is more than zero", "cost")
    check_year(claim.date.year, "date")
    if claim.date > county_today():
        raise InvalidInput("a claim's date cannot be in the future", "date")
    await open_household(tx, household_id, viewer)
    policy = await _policy(tx, claim.policy_code, "policyCode")
    if policy["kind"] != "INSURANCE" or policy["covers"]:
        raise InvalidInput("a claim is made under one insurance type (such as YBT-03), not a bundle", "policyCode")
    covered = await (await tx.run(COVERED, id=household_id, code=claim.policy_code, year=claim.date.year)).single()
    medical, insurer = settle(cost_fen, claim.kind, policy["limitFen"], covered is not None)
    claim_id = (await (await tx.run(NEXT_CLAIM_ID, year=claim.date.year)).single(strict=True))["id"]
    props = {
        "id": claim_id,
        "date": claim.date,
        "kind": claim.kind,
        "costFen": cost_fen,
        "paidByMedicalInsuranceFen": medical,
        "paidByInsurerFen": insurer,
    }
    result = await tx.run(CREATE_CLAIM, id=household_id, code=claim.policy_code, props=props)
    stored = (await result.single(strict=True))["claim"]
    fields = {f"claim.{key}": value for key, value in diff({}, {**props, "policyCode": claim.policy_code}).items()}
    await finish(tx, household_id, viewer.by, "recordClaim", fields)
    return ClaimRecord.from_map(stored)
