"""The driver's lifecycle and the one way the rest of the code runs a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction

P = ParamSpec("P")
T = TypeVar("T")

Work = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]


def open_driver(uri: str, user: str | None = None, password: str | None = None) -> AsyncDriver:
    """A driver for `bolt://`, `neo4j://` (routing: reads go to followers) or their `+s` variants."""
    auth = (user, password) if user and password else None
    return AsyncGraphDatabase.driver(uri, auth=auth, user_agent="yimaqing", notifications_min_severity="WARNING")


@dataclass
class Graph:
    """A handle to one database. Reads are managed read transactions (routed to secondaries in a
    cluster), writes managed write transactions: the driver retries transient failures, so every
    unit of work must be idempotent and consume its results inside the transaction."""

    driver: AsyncDriver
    database: str = "neo4j"

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_read(work, *args, **kwargs)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work, *args, **kwargs)


@dataclass
class CountingGraph:
    """The per-request view of a Graph: counts units of work (each graph function runs one query), so
    that a request's round trips to Neo4j can be reported and tested."""

    graph: Graph
    round_trips: int = field(default=0)

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self.round_trips += 1
        return await self.graph.read(work, *args, **kwargs)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self.round_trips += 1
        return await self.graph.write(work, *args, **kwargs)
