"""A fingerprint of the whole graph: SHA-256 over a canonical dump of every node (labels and
properties) and every relationship (its ends' labels and keys, type and properties), sorted. QR tokens
and creation times are left out: tokens are random by design, so equal seeds give equal fingerprints;
so are the ids and times of history entries, so that two imports of one file give equal fingerprints."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

# Values are turned into text by Neo4j (dates too), and rows are sent in a few large groups (by label
# or type and the last character of a key): the async driver pays per record, not per byte.
ALL_NODES = """
MATCH (n)
WITH n, coalesce(n.idNumber, n.id, n.code, toString(n.year), n.name, n.token, '') AS key
WITH head(labels(n)) AS label, right(key, 1) AS bucket, collect([labels(n), [k IN keys(n) | [k, CASE
  WHEN n[k] IS :: LIST<ANY> THEN reduce(s = '[', x IN n[k] | s + toString(x) + ',') + ']'
  ELSE toString(n[k]) END]]]) AS rows
RETURN rows"""

# A node in a relationship line is known by its key property (QR tokens left out on purpose; a Change's
# id is time and chance, so a Change is known by its label alone).
ALL_RELATIONSHIPS = """
MATCH (a)-[r]->(b)
WITH r, head(labels(a)) + ':' + coalesce(CASE WHEN a:Change THEN '' END, a.idNumber, a.id, a.code,
       toString(a.year), a.name, '') AS start,
     head(labels(b)) + ':' + coalesce(b.idNumber, b.id, b.code, toString(b.year), b.name, '') AS end
WITH type(r) AS type, right(start, 1) AS bucket,
     collect([start + '-' + type(r) + '->' + end, [k IN keys(r) | [k, toString(r[k])]]]) AS rows
RETURN rows"""

# Random or clock-made: QR tokens, the ids and times of history entries (graph/history.py), and when the
# early-warning rules raised an alert and its events happened (the seeder evaluates them; graph/alerts.py).
VOLATILE = {
    "QrCode": {"token", "createdAt"},
    "Change": {"id", "at"},
    "Alert": {"raisedAt"},
    "AlertEvent": {"at"},
}


def _line(item: Any) -> bytes:
    return hashlib.sha256(json.dumps(item, ensure_ascii=False).encode()).digest()


async def _digests(tx: AsyncManagedTransaction) -> list[bytes]:
    digests: list[bytes] = []
    result = await tx.run(ALL_NODES)
    async for record in result:
        for labels, props in record["rows"]:
            volatile: set[str] = set().union(*(VOLATILE.get(label, set()) for label in labels))
            pairs = sorted((k, v) for k, v in props if k not in volatile)
            digests.append(_line(["node", sorted(labels), pairs]))
    result = await tx.run(ALL_RELATIONSHIPS)
    async for record in result:
        for link, props in record["rows"]:
            digests.append(_line(["rel", link, sorted(props)]))
    return digests


async def graph_fingerprint(driver: AsyncDriver, database: str = "neo4j") -> str:
    """The hex SHA-256 fingerprint of everything in `database` (QR tokens and their times excluded)."""
    async with driver.session(database=database) as session:
        digests = await session.execute_read(_digests)
    digests.sort()
    total = hashlib.sha256()
    for digest in digests:
        total.update(digest)
    return total.hexdigest()
