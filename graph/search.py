"""Full-text search over the names of places, households, enterprises, projects and policies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction

SEARCH = """
CALL db.index.fulltext.queryNodes('search_names', $text) YIELD node, score
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
    result = await tx.run(SEARCH, text=phrase_query(text), limit=limit)
    return [SearchHitRecord(kind=r["kind"], key=r["key"], score=r["score"]) async for r in result]
