"""Benchmark: the early-warning rules. A full evaluation of the county (every rule over every household and
project, reconciled with the stored alerts: nothing to change when the county did not change), a refresh of
1 and of 10 households as a write runs it (in a write transaction that is rolled back, so nothing is kept),
and the raw-Cypher floor of a full evaluation: the eight rules' conditions alone, side by side.

Prints figures; not a test. Needs a seeded county: `--uri bolt://...` (else NEO4J_URI, else TEST_NEO4J_URI).
Usage: python -m bench.alerts [--uri URI] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import statistics
import time
from collections.abc import Awaitable, Callable

from neo4j import AsyncDriver, AsyncManagedTransaction

from bench.common import summary
from graph import alert_rules
from graph.alerts import evaluate_county, refresh_alerts
from graph.driver import open_driver
from graph.monitoring_procedure import today

SAMPLE = "MATCH (h:Household) RETURN h.id AS id ORDER BY id SKIP $skip LIMIT $n"


class Rollback(Exception):
    """Raised at the end of a measured write so that its transaction is rolled back."""


async def _timed(action: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _refresh_rolled_back(driver: AsyncDriver, ids: list[str]) -> None:
    async def work(tx: AsyncManagedTransaction) -> None:
        await refresh_alerts(tx, ids)
        raise Rollback

    async with driver.session() as session:
        with contextlib.suppress(Rollback):
            await session.execute_write(work)


async def _raw_conditions(driver: AsyncDriver) -> None:
    async def work(tx: AsyncManagedTransaction) -> int:
        evaluation = await alert_rules.evaluation_of(tx, today())
        assert evaluation is not None
        found = await alert_rules.evaluate(tx, evaluation)
        return len(found)

    async with driver.session() as session:
        await session.execute_read(work)


async def run(uri: str, runs: int) -> None:
    driver = open_driver(uri)
    try:
        started = time.perf_counter()
        first = await evaluate_county(driver)
        print(f"first evaluation: {first} in {time.perf_counter() - started:.2f} s")
        full = await _timed(lambda: evaluate_county(driver), max(3, runs // 10))
        print(f"full evaluation (reconcile, nothing to change)  p50 {statistics.median(full) / 1000:.2f} s")
        rules = await _timed(lambda: _raw_conditions(driver), max(3, runs // 10))
        print(f"the rules' queries alone                        p50 {statistics.median(rules) / 1000:.2f} s")
        for size in (1, 10):
            records, _, _ = await driver.execute_query(SAMPLE, skip=1000, n=size)
            ids = [r["id"] for r in records]
            samples = await _timed(functools.partial(_refresh_rolled_back, driver, ids), runs)
            print(f"refresh of {size:2d} household(s) in a write        {summary(samples)}")
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI") or os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not args.uri:
        parser.error("give --uri (or set NEO4J_URI) of a Neo4j holding the demo county")
    asyncio.run(run(args.uri, args.runs))


if __name__ == "__main__":
    main()
