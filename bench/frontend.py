"""Benchmark: a front-end dashboard query and paging through every household, through the API over
loopback HTTP and as the equivalent raw Cypher through the driver, with the ratio.

Prints figures; not a test. Needs a seeded demo county: `--uri bolt://...` (else TEST_NEO4J_URI, else a
local Neo4j is started and seeded here). Usage: python bench/frontend.py [--uri URI] [--runs N]
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
from collections.abc import Callable
from pathlib import Path

import httpx

from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from graph.places import county_exists
from seeds import seed_demo_county

ROOT = Path(__file__).resolve().parent.parent

DASHBOARD = """{ townships { code name villages { code name
  all: households(first: 0) { totalCount }
  poor: households(first: 0, filter: {registeredPoor: true}) { totalCount } } } }"""

# The same dashboard through the villages' count fields rather than two connections' totalCount.
DASHBOARD_COUNTS = """{ townships { code name villages { code name householdCount registeredPoorHouseholds } } }"""

DASHBOARD_CYPHER = """
MATCH (t:Township)<-[:IN]-(v:Village)
RETURN t.code AS township, t.name AS name, v.code AS village, v.name AS villageName,
       COUNT { (:Household)-[:IN]->(v) } AS households,
       COUNT { (h:Household)-[:IN]->(v) WHERE h.registeredPoor } AS poor
ORDER BY township, village"""

PAGE = """query($after: String) { households(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id headName status village { name } } } } }"""

PAGE_CYPHER = """
MATCH (h:Household)-[:IN]->(v:Village) WHERE $after IS NULL OR h.id > $after
RETURN h.id AS id, h.headName AS headName, h.status AS status, v.name AS village
ORDER BY h.id LIMIT 100"""


def timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(samples):7.2f} ms  p99 {p99:7.2f} ms  {1000 / statistics.median(samples):7.1f}/s"


def run(uri: str, runs: int) -> None:
    port = free_port()
    env = {**os.environ, "NEO4J_URI": uri, "PORT": str(port), "SEED_DEMO": "false", "LOG_LEVEL": "warning"}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], env=env, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait_ready(client)
            _bench(client, uri, runs)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _bench(client: httpx.Client, uri: str, runs: int) -> None:
    def dashboard() -> None:
        assert "errors" not in client.post("/graphql", json={"query": DASHBOARD}).json()

    loop = asyncio.new_event_loop()
    driver = open_driver(uri)

    def dashboard_cypher() -> None:
        loop.run_until_complete(driver.execute_query(DASHBOARD_CYPHER, routing_="r"))

    def dashboard_counts() -> None:
        assert "errors" not in client.post("/graphql", json={"query": DASHBOARD_COUNTS}).json()

    for action in (dashboard, dashboard_counts, dashboard_cypher):
        timed(action, 5)  # warm-up: plan caches and the JIT
    api = timed(dashboard, runs)
    counts = timed(dashboard_counts, runs)
    raw = timed(dashboard_cypher, runs)
    print(f"dashboard (7 townships → 100 villages → 2 counts each), {runs} runs")
    print(f"  API, two connections' totalCount : {summary(api)}")
    print(f"  API, count fields                : {summary(counts)}")
    print(f"  raw Cypher                       : {summary(raw)}")
    print(
        f"  ratios (p50)                     : {statistics.median(api) / statistics.median(raw):.2f}, "
        f"{statistics.median(counts) / statistics.median(raw):.2f}"
    )

    pages_api: list[float] = []
    after = None
    while True:
        started = time.perf_counter()
        body = client.post("/graphql", json={"query": PAGE, "variables": {"after": after}}).json()
        pages_api.append((time.perf_counter() - started) * 1000)
        connection = body["data"]["households"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    pages_raw: list[float] = []
    last_id = None
    while True:
        started = time.perf_counter()
        records, _, _ = loop.run_until_complete(driver.execute_query(PAGE_CYPHER, after=last_id, routing_="r"))
        pages_raw.append((time.perf_counter() - started) * 1000)
        if len(records) < 100:
            break
        last_id = records[-1]["id"]
    loop.run_until_complete(driver.close())
    loop.close()
    tenth = max(1, len(pages_api) // 10)
    print(f"paging all households 100 at a time: {len(pages_api)} pages")
    print(
        f"  API over HTTP : {summary(pages_api)}; first 10% of pages p50 "
        f"{statistics.median(pages_api[:tenth]):.2f} ms, last 10% p50 {statistics.median(pages_api[-tenth:]):.2f} ms"
    )
    print(f"  raw Cypher    : {summary(pages_raw)}")
    print(f"  ratio (p50)   : {statistics.median(pages_api) / statistics.median(pages_raw):.2f}")


def _wait_ready(client: httpx.Client) -> None:
    for _ in range(300):
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def _ensure_seeded(uri: str) -> None:
    driver = open_driver(uri)
    try:
        await migrate(driver)
        if not await Graph(driver).read(county_exists):
            await seed_demo_county(driver)
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default=os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if args.uri:
        asyncio.run(_ensure_seeded(args.uri))
        run(args.uri, args.runs)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        local = LocalNeo4j(data_dir=Path(data_dir), port=free_port())
        asyncio.run(local.start())
        try:
            asyncio.run(_ensure_seeded(local.uri))
            run(local.uri, args.runs)
        finally:
            local.stop()


if __name__ == "__main__":
    main()
