"""Full-text search over the names of places, households, enterprises, projects and policies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction

from graph import masking
from graph.access import Role, View

SEARCH = """
CALL db.index.fulltext.queryNodes('search_names', $text) YIELD node, score
WHERE NOT node:Household OR $allHouseholds
   OR EXISTS { (node)-[:IN]->(v:Village)
               WHERE v.code IN $villages OR EXISTS { (v)-[:IN]->(t:Township) WHERE t.code IN $townships } }
RETURN CASE
         WHEN node:Township THEN 'Township' WHEN node:Village THEN 'Village'
         WHEN node:Household THEN 'Household' WHEN node:Enterprise THEN 'Enterprise'
         WHEN node:Project THEN 'Project' ELSE 'Policy'
       END AS kind,
       coalesce(node.id, node.code) AS key, score
ORDER BY score DESC, key
LIMIT $limit"""

# Lucene's query syntax: every one of these is escaped so user text is only ever a phrase.
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


@dataclass(frozen=True)
class SearchHitRecord:
    kind: str
    key: str
    score: float


def phrase_query(text: str) -> str:
    """The user's text as one Lucene phrase, special characters escaped."""
    return '"' + _LUCENE_SPECIAL.sub(r"\\\1", text.strip()) + '"'


async def search_names(tx: AsyncManagedTransaction, text: str, limit: int) -> list[SearchHitRecord]:
    """The best hits; households only for a caller who sees them in full (a search by name would tell
    who lives where): all of them for an ADMIN, a cadre's within scope, none for anyone else."""
    viewer = masking.viewer()
    result = await tx.run(
        SEARCH,
        text=phrase_query(text),
        limit=limit,
        allHouseholds=viewer.role_view is View.FULL,
        villages=sorted(viewer.villages) if viewer.role is Role.CADRE else [],
        townships=sorted(viewer.townships) if viewer.role is Role.CADRE else [],
    )
    return [SearchHitRecord(kind=r["kind"], key=r["key"], score=r["score"]) async for r in result]
