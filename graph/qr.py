"""QR codes: what a token identifies, and each node's valid token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.households import (
    HOUSEHOLD_MAP,
    CadreRecord,
    HouseholdRecord,
    MeasureRecord,
    PersonRecord,
)
from graph.industries import ENTERPRISE_MAP, INDUSTRY_MAP, DriveLinkRecord, IndustryRecord, drive_link
from graph.places import TownshipRecord, VillageRecord
from graph.policies import POLICY_MAP, PolicyRecord


class QrTargetKind(Enum):
    HOUSEHOLD = "Household"
    VILLAGE = "Village"
    TOWNSHIP = "Township"


# A scan of a household shows its card, so the token query brings the whole card along (one round trip):
# each list in the order of the read it stands in for (graph/households.py, industries.py, policies.py).
RESOLVE_TOKEN = (
    """
MATCH (q:QrCode {token: $token})-[:IDENTIFIES]->(n)
WHERE q.revokedAt IS NULL
OPTIONAL MATCH (n:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
WITH q, n AS h, v, t LIMIT 1
RETURN CASE WHEN h:Household THEN 'Household' WHEN h:Village THEN 'Village' ELSE 'Township' END AS kind,
       coalesce(h.id, h.code) AS key,
       CASE WHEN v IS NULL THEN null ELSE {
         household: """
    + HOUSEHOLD_MAP
    + """,
         village: v {.code, .name, townshipCode: t.code},
         township: t {.code, .name, .kind},
         token: q.token,
         members: COLLECT {
           MATCH (p:Person)-[m:MEMBER_OF]->(h)
           WITH p, m ORDER BY CASE m.relation WHEN '户主' THEN 0 ELSE 1 END, p.birthDate, p.idNumber
           RETURN p {.*, relation: m.relation} },
         measures: COLLECT { MATCH (h)-[:RECEIVED]->(m:Measure) WITH m ORDER BY m.year DESC, m.startDate DESC, m.id
                             RETURN m {.*} },
         helpers: COLLECT { MATCH (c:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL WITH c ORDER BY c.id RETURN c {.*} },
         industries: COLLECT {
           CALL (h) {
             MATCH (h)-[:ENGAGES_IN]->(i:Industry) RETURN i
             UNION
             MATCH (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(i:Industry) RETURN i
           }
           WITH i ORDER BY CASE i.tier WHEN 'LEADING' THEN 0 ELSE 1 END, i.code
           RETURN """
    + INDUSTRY_MAP
    + """ },
         links: COLLECT {
           MATCH (e:Enterprise)-[d:DRIVES]->(h) WITH e, d ORDER BY d.incomeGainFen DESC, e.id
           RETURN {enterprise: """
    + ENTERPRISE_MAP
    + """, mode: d.mode, since: d.since, incomeGainFen: d.incomeGainFen} },
         policies: COLLECT { MATCH (h)-[:COVERED_BY]->(p:Policy) WITH DISTINCT p ORDER BY p.code RETURN """
    + POLICY_MAP
    + """ }
       } END AS card"""
)

_TOKENS_BY_TARGET: dict[QrTargetKind, str] = {
    QrTargetKind.HOUSEHOLD: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Household {id: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
    QrTargetKind.VILLAGE: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Village {code: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
    QrTargetKind.TOWNSHIP: """
UNWIND $keys AS key
MATCH (q:QrCode)-[:IDENTIFIES]->(:Township {code: key}) WHERE q.revokedAt IS NULL
RETURN key, q.token AS token""",
}


@dataclass(frozen=True)
class HouseholdCard:
    """Everything a scan card of a household shows, read in one query."""

    household: HouseholdRecord
    village: VillageRecord
    township: TownshipRecord
    token: str
    members: list[PersonRecord]
    measures: list[MeasureRecord]
    helpers: list[CadreRecord]
    industries: list[IndustryRecord]
    links: list[DriveLinkRecord]
    policies: list[PolicyRecord]

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> HouseholdCard:
        return cls(
            household=HouseholdRecord.from_map(m["household"]),
            village=VillageRecord.from_map(m["village"]),
            township=TownshipRecord.from_map(m["township"]),
            token=m["token"],
            members=[PersonRecord.from_map(p) for p in m["members"]],
            measures=[MeasureRecord.from_map(x) for x in m["measures"]],
            helpers=[CadreRecord.from_map(c) for c in m["helpers"]],
            industries=[IndustryRecord.from_map(i) for i in m["industries"]],
            links=[drive_link(link) for link in m["links"]],
            policies=[PolicyRecord.from_map(p) for p in m["policies"]],
        )


@dataclass(frozen=True)
class QrTarget:
    kind: QrTargetKind
    key: str
    card: HouseholdCard | None = None


async def resolve_token(tx: AsyncManagedTransaction, token: str) -> QrTarget | None:
    """What a valid token identifies; None for an unknown or revoked one."""
    record = await (await tx.run(RESOLVE_TOKEN, token=token)).single()
    if record is None:
        return None
    card = record["card"]
    return QrTarget(
        kind=QrTargetKind(record["kind"]),
        key=record["key"],
        card=HouseholdCard.from_map(card) if card is not None else None,
    )


async def tokens_by_target(tx: AsyncManagedTransaction, kind: QrTargetKind, keys: list[str]) -> dict[str, str]:
    result = await tx.run(_TOKENS_BY_TARGET[kind], keys=keys)
    return {r["key"]: r["token"] async for r in result}
