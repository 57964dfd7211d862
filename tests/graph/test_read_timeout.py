"""A read past its timeout is terminated by Neo4j itself and surfaces as ReadTimeout."""

from __future__ import annotations

import time

import pytest
from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from graph.driver import Graph
from graph.errors import ReadTimeout
from graph.places import county_exists

# Counts to a billion: minutes of work, unless the transaction is stopped.
SLOW = "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*) AS n /* slow-read-probe */"


async def _slow(tx: AsyncManagedTransaction) -> int:
    result = await tx.run(SLOW)
    record = await result.single(strict=True)
    return int(record["n"])


async def _running_queries(driver: AsyncDriver) -> list[str]:
    records, _, _ = await driver.execute_query(
        "SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery", routing_=RoutingControl.READ
    )
    return [str(record["currentQuery"]) for record in records]


async def test_a_slow_read_is_terminated_and_raises_read_timeout(driver: AsyncDriver) -> None:
    graph = Graph(driver, read_timeout_s=0.05)
    started = time.monotonic()
    with pytest.raises(ReadTimeout, match=r"0\.05 s"):
        await graph.read(_slow)
    assert time.monotonic() - started < 10, "the timeout was not applied (or the read was retried)"
    assert not [query for query in await _running_queries(driver) if "slow-read-probe" in query]


async def test_a_quick_read_within_its_timeout_succeeds(driver: AsyncDriver) -> None:
    assert isinstance(await Graph(driver, read_timeout_s=5).read(county_exists), bool)
