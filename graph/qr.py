"""QR codes: what a token identifies, and each node's valid token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from neo4j import AsyncManagedTransaction


class QrTargetKind(Enum):
    HOUSEHOLD = "Household"
    VILLAGE = "Village"
    TOWNSHIP = "Township"


RESOLVE_TOKEN = """
MATCH (q:QrCode {token: $token})-[:IDENTIFIES]->(n)
WHERE q.revokedAt IS NULL
RETURN CASE WHEN n:Household THEN 'Household' WHEN n:Village THEN 'Village' ELSE 'Township' END AS kind,
       coalesce(n.id, n.code) AS key
LIMIT 1"""

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


async def resolve_token(tx: AsyncManagedTransaction, token: str) -> QrTarget | None:
    """What a valid token identifies; None for an unknown or revoked one."""
    record = await (await tx.run(RESOLVE_TOKEN, token=token)).single()
    if record is None:
        return None
    return QrTarget(kind=QrTargetKind(record["kind"]), key=record["key"])


async def tokens_by_target(tx: AsyncManagedTransaction, kind: QrTargetKind, keys: list[str]) -> dict[str, str]:
    result = await tx.run(_TOKENS_BY_TARGET[kind], keys=keys)
    return {r["key"]: r["token"] async for r in result}
