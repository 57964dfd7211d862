"""QR codes: what a token identifies, and each node's valid token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from neo4j import AsyncManagedTransaction

from graph.households import HOUSEHOLD_MAP, HouseholdRecord


class QrTargetKind(Enum):
    HOUSEHOLD = "Household"
    VILLAGE = "Village"
    TOWNSHIP = "Township"


# A household's record comes along, since a scan of a household card always shows it.
RESOLVE_TOKEN = (
    """
MATCH (q:QrCode {token: $token})-[:IDENTIFIES]->(n)
WHERE q.revokedAt IS NULL
OPTIONAL MATCH (n:Household)-[:IN]->(v:Village)
WITH n AS h, v LIMIT 1
RETURN CASE WHEN h:Household THEN 'Household' WHEN h:Village THEN 'Village' ELSE 'Township' END AS kind,
       coalesce(h.id, h.code) AS key,
       CASE WHEN v IS NULL THEN null ELSE """
    + HOUSEHOLD_MAP
    + " END AS household"
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
class QrTarget:
    kind: QrTargetKind
    key: str
    household: HouseholdRecord | None = None


async def resolve_token(tx: AsyncManagedTransaction, token: str) -> QrTarget | None:
    """What a valid token identifies; None for an unknown or revoked one."""
    record = await (await tx.run(RESOLVE_TOKEN, token=token)).single()
    if record is None:
        return None
    household = record["household"]
    return QrTarget(
        kind=QrTargetKind(record["kind"]),
        key=record["key"],
        household=HouseholdRecord.from_map(household) if household is not None else None,
    )


async def tokens_by_target(tx: AsyncManagedTransaction, kind: QrTargetKind, keys: list[str]) -> dict[str, str]:
    result = await tx.run(_TOKENS_BY_TARGET[kind], keys=keys)
    return {r["key"]: r["token"] async for r in result}
