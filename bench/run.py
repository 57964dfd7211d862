"""Benchmark: seed throughput for the demo county, and scan latency over loopback HTTP.

Prints figures; it is not a test. Starts its own Neo4j (or uses TEST_NEO4J_URI, which it wipes) and its
own server. Usage: python -m bench.run [--households N] [--scans N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from api.scan_page import SCAN_QUERY
from bench.common import neo4j, serving, summary
from graph.constraints import migrate
from graph.driver import open_driver
from seeds import seed_demo_county


async def seed_county(households: int, uri: str) -> list[str]:
    """Seed the demo county (timed) and return some registered-poor households' QR tokens."""
    driver = open_driver(uri)
    try:
        await migrate(driver)
        started = time.perf_counter()
        await seed_demo_county(driver, households=households, replace=True)
        seeded = time.perf_counter() - started
        print(f"seed: {households} households in {seeded:.1f} s = {households / seeded:,.0f} households/s")
        records, _, _ = await driver.execute_query(
            "MATCH (q:QrCode)-[:IDENTIFIES]->(:Household {registeredPoor: true}) RETURN q.token AS token LIMIT 200"
        )
        return [r["token"] for r in records]
    finally:
        await driver.close()


def measure_scans(uri: str, tokens: list[str], scans: int) -> None:
    """Scan latency through the real server over loopback, one request at a time."""
    with serving(uri) as client:
        for token in tokens[:50]:  # warm up the caches and the JIT
            client.post("/graphql", json={"query": SCAN_QUERY, "variables": {"token": token}})
        latencies: list[float] = []
        for i in range(scans):
            token = tokens[i % len(tokens)]
            t0 = time.perf_counter()
            response = client.post("/graphql", json={"query": SCAN_QUERY, "variables": {"token": token}})
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and response.json()["data"]["scan"] is not None
    print(f"scan (the scan page's query, {scans} sequential requests over loopback): {summary(latencies)}")


def bench(households: int, scans: int, uri: str) -> None:
    tokens = asyncio.run(seed_county(households, uri))
    measure_scans(uri, tokens, scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=27000)
    parser.add_argument("--scans", type=int, default=1000)
    args = parser.parse_args()
    with neo4j(os.environ.get("TEST_NEO4J_URI")) as uri:
        bench(args.households, args.scans, uri)


if __name__ == "__main__":
    main()
