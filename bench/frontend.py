"""Benchmark: a front-end dashboard query and paging through every household, through the API over
loopback HTTP and as the equivalent raw Cypher through the driver, with the ratio.

Prints figures; not a test. Needs a seeded demo county: `--uri bolt://...` (else TEST_NEO4J_URI, else a
local Neo4j is started and seeded here). Usage: python -m bench.frontend [--uri URI] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx

from bench.common import ensure_seeded, neo4j, serving, summary, timed
from graph.driver import open_driver

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


def run(uri: str, runs: int) -> None:
    with serving(uri) as client:
        _bench(client, uri, runs)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default=os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with neo4j(args.uri) as uri:
        asyncio.run(ensure_seeded(uri))
        run(uri, args.runs)


if __name__ == "__main__":
    main()
