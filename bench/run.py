"""Benchmark: seed throughput for the demo county, and scan latency over loopback HTTP.

Prints figures; it is not a test. Starts its own Neo4j (or uses TEST_NEO4J_URI, which it wipes) and its
own server. Usage: python bench/run.py [--households N] [--scans N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api.scan_page import SCAN_QUERY
from graph.constraints import migrate
from graph.driver import open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from seeds import seed_demo_county

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
    port = free_port()
    env = {**os.environ, "NEO4J_URI": uri, "PORT": str(port), "SEED_DEMO": "false", "LOG_LEVEL": "warning"}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], env=env, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_ready(client)
            for token in tokens[:50]:  # warm up the caches and the JIT
                client.post("/graphql", json={"query": SCAN_QUERY, "variables": {"token": token}})
            latencies: list[float] = []
            for i in range(scans):
                token = tokens[i % len(tokens)]
                t0 = time.perf_counter()
                response = client.post("/graphql", json={"query": SCAN_QUERY, "variables": {"token": token}})
                latencies.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200 and response.json()["data"]["scan"] is not None
        print(
            f"scan (the scan page's query, {scans} sequential requests over loopback): "
            f"p50 {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_ready(client: httpx.Client) -> None:
    for _ in range(300):
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def bench(households: int, scans: int, uri: str) -> None:
    tokens = asyncio.run(seed_county(households, uri))
    measure_scans(uri, tokens, scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=27000)
    parser.add_argument("--scans", type=int, default=1000)
    args = parser.parse_args()
    uri = os.environ.get("TEST_NEO4J_URI")
    if uri:
        bench(args.households, args.scans, uri)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        local = LocalNeo4j(data_dir=Path(data_dir), port=free_port())
        asyncio.run(local.start())
        try:
            bench(args.households, args.scans, local.uri)
        finally:
            local.stop()


if __name__ == "__main__":
    main()
