"""One-time login links: a ticket's id is recorded when it is used, so the link opens one session only."""

from __future__ import annotations

from neo4j import AsyncManagedTransaction

# MERGE on the unique id serialises two uses of one ticket: exactly one of them creates the node.
USE_TICKET = """
MERGE (t:LoginTicket {id: $id})
ON CREATE SET t.usedAt = datetime(), t.expiresAt = datetime({epochSeconds: $expiresAt}), t.firstUse = true
WITH t, t.firstUse IS NOT NULL AS first
REMOVE t.firstUse
RETURN first"""

# Tickets past their expiry can no longer verify, so their records are not needed to refuse them.
FORGET_EXPIRED = """
MATCH (t:LoginTicket) WHERE t.expiresAt < datetime()
DELETE t"""


async def use_ticket(tx: AsyncManagedTransaction, ticket_id: str, expires_at: int) -> bool:
    """Records a ticket as used; True the first time, False when it was used before."""
    await (await tx.run(FORGET_EXPIRED)).consume()
    record = await (await tx.run(USE_TICKET, id=ticket_id, expiresAt=expires_at)).single(strict=True)
    return bool(record["first"])
