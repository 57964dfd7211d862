"""Remembered responses for the `Idempotency-Key` header: the first request with a key (per caller) runs and
its response is kept for a day; a retry with the same key and body gets that response again, not a second
write. A request still running holds its key, so a retry racing it waits for nothing and is told so.

`(:IdempotentRequest {id, caller, key, fingerprint, claim, state: RUNNING|DONE, status, contentType,
body, expiresAt})`, unique on id (caller and key)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum

from neo4j import AsyncManagedTransaction

# A claim left RUNNING this long was abandoned (the process died mid-request): another request may take it.
ABANDONED_AFTER_S = 120

# MERGE under the uniqueness constraint: of two requests racing for a new key, one creates it and the other
# waits and then matches it. An expired or abandoned entry is taken over as if new.
CLAIM = """
MERGE (r:IdempotentRequest {id: $id})
ON CREATE SET r.caller = $caller, r.key = $key, r.fingerprint = $fingerprint, r.claim = $claim,
              r.state = 'RUNNING', r.startedAt = datetime(), r.expiresAt = datetime() + duration({seconds: $ttl})
WITH r, r.claim = $claim AS created,
     r.expiresAt < datetime()
     OR (r.state = 'RUNNING' AND r.startedAt < datetime() - duration({seconds: $abandonedAfter})) AS stale
FOREACH (_ IN CASE WHEN stale AND NOT created THEN [1] ELSE [] END |
  SET r.fingerprint = $fingerprint, r.claim = $claim, r.state = 'RUNNING', r.startedAt = datetime(),
      r.expiresAt = datetime() + duration({seconds: $ttl}), r.status = null, r.contentType = null, r.body = null)
RETURN r.claim = $claim AS mine, r.fingerprint AS fingerprint, r.state AS state, r.status AS status,
       r.contentType AS contentType, r.body AS body"""

COMPLETE = """
MATCH (r:IdempotentRequest {id: $id, claim: $claim})
SET r.state = 'DONE', r.status = $status, r.contentType = $contentType, r.body = $body"""

RELEASE = "MATCH (r:IdempotentRequest {id: $id, claim: $claim}) DELETE r"

PURGE_EXPIRED = """
MATCH (r:IdempotentRequest) WHERE r.expiresAt < datetime()
WITH r LIMIT $limit
DELETE r"""


class Outcome(Enum):
    RUN = "RUN"  # ours to run: run the request, then complete or release the claim
    REPLAY = "REPLAY"  # done before with this body: answer with the stored response
    RUNNING = "RUNNING"  # another request with this key is running now
    MISMATCH = "MISMATCH"  # the key was used for a different request


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    id: str
    claim: str
    status: int | None = None
    content_type: str | None = None
    body: str | None = None


def entry_id(caller: str, key: str) -> str:
    return f"{caller}\n{key}"


async def claim_key(tx: AsyncManagedTransaction, caller: str, key: str, fingerprint: str, ttl_s: int) -> Claim:
    """Takes the key for this request, or says why not (a stored response to replay, a running twin, or
    another request that used the key)."""
    ident, token = entry_id(caller, key), secrets.token_hex(8)
    result = await tx.run(
        CLAIM,
        id=ident,
        claim=token,
        caller=caller,
        key=key,
        fingerprint=fingerprint,
        ttl=ttl_s,
        abandonedAfter=ABANDONED_AFTER_S,
    )
    record = await result.single(strict=True)
    if record["mine"]:
        return Claim(Outcome.RUN, ident, token)
    if record["fingerprint"] != fingerprint:
        return Claim(Outcome.MISMATCH, ident, token)
    if record["state"] != "DONE":
        return Claim(Outcome.RUNNING, ident, token)
    return Claim(Outcome.REPLAY, ident, token, record["status"], record["contentType"], record["body"])


async def complete(tx: AsyncManagedTransaction, claim: Claim, status: int, content_type: str | None, body: str) -> None:
    """Stores the response of a request that ran under its claim."""
    result = await tx.run(COMPLETE, id=claim.id, claim=claim.claim, status=status, contentType=content_type, body=body)
    await result.consume()


async def release(tx: AsyncManagedTransaction, claim: Claim) -> None:
    """Gives the key back (the request failed on our side), so that a retry runs it again."""
    await (await tx.run(RELEASE, id=claim.id, claim=claim.claim)).consume()


async def purge_expired(tx: AsyncManagedTransaction, limit: int = 1000) -> int:
    """Deletes up to `limit` entries past their day; returns how many."""
    summary = await (await tx.run(PURGE_EXPIRED, limit=limit)).consume()
    return summary.counters.nodes_deleted
