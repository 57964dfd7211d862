"""The driver's lifecycle and the one way the rest of the code runs a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import Neo4jError

from graph.access import Viewer
from graph.errors import ReadTimeout, is_timeout
from graph.masking import Access, reading_as

P = ParamSpec("P")
T = TypeVar("T")

Work = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]


def open_driver(uri: str, user: str | None = None, password: str | None = None) -> AsyncDriver:
    """A driver for `bolt://`, `neo4j://` (routing: reads go to followers) or their `+s` variants."""
    auth = (user, password) if user and password else None
    return AsyncGraphDatabase.driver(
        uri,
        auth=auth,
        user_agent="yimaqing",
        notifications_min_severity="WARNING",
        # "Property revokedAt does not exist" and the like: expected on a graph where nothing was revoked yet.
        notifications_disabled_classifications=["UNRECOGNIZED"],
    )


@dataclass
class Graph:
    """A handle to one database. Reads are managed read transactions (routed to secondaries in a
    cluster), writes managed write transactions: the driver retries transient failures, so every
    unit of work must be idempotent and consume its results inside the transaction.

    With `read_timeout_s`, Neo4j terminates a read transaction that runs longer (the driver sets the
    timeout on the transaction, so the server really stops it) and `read` raises `ReadTimeout`."""

    driver: AsyncDriver
    database: str = "neo4j"
    read_timeout_s: float | None = None

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        timeout = self.read_timeout_s
        # A wrapper carries the timeout: the graph functions are shared and stay undecorated.
        unit = unit_of_work(timeout=timeout)(work) if timeout else work
        async with self.driver.session(database=self.database) as session:
            try:
                return await session.execute_read(unit, *args, **kwargs)
            except Neo4jError as error:
                if is_timeout(error):
                    raise ReadTimeout(timeout) from error
                raise

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work, *args, **kwargs)


@dataclass
class CountingGraph:
    """The per-request view of a Graph: counts units of work (each graph function runs one query), so
    that a request's round trips to Neo4j can be reported and tested; and runs each as the request's
    caller (`access`), whose rules graph/masking.py applies to what is read."""

    graph: Graph
    round_trips: int = field(default=0)
    access: Access = field(default_factory=lambda: Access(Viewer.anonymous()))

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self.round_trips += 1
        with reading_as(self.access):
            return await self.graph.read(work, *args, **kwargs)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self.round_trips += 1
        with reading_as(self.access):
            return await self.graph.write(work, *args, **kwargs)
