"""A read that Neo4j stops at its timeout reaches the client as a TIMEOUT error, with no Cypher in it."""

from __future__ import annotations

import strawberry
from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.driver import Graph
from schema.context import Context, Info
from schema.extensions import ErrorCodes

SLOW = "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*) AS n"


async def _slow(tx: AsyncManagedTransaction) -> int:
    result = await tx.run(SLOW)
    record = await result.single(strict=True)
    return int(record["n"])


@strawberry.type
class Query:
    @strawberry.field
    async def slow(self, info: Info) -> int:
        return await info.context.graph.read(_slow)


async def test_a_timed_out_read_is_a_timeout_error(driver: AsyncDriver) -> None:
    schema = strawberry.Schema(query=Query, extensions=[ErrorCodes])
    context = Context.create(Graph(driver, read_timeout_s=0.05), "http://127.0.0.1")
    result = await schema.execute("{ slow }", context_value=context)
    assert result.errors is not None
    [error] = result.errors
    assert error.extensions == {"code": "TIMEOUT"}
    assert error.message == "the read took longer than 0.05 s and was stopped"
