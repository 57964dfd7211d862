"""Benchmark: what analysts ask, through the API over loopback HTTP as an ANALYST, and as raw Cypher through
the driver side by side, with the ratio (API p50 / raw p50).

- Rollups with all their stats (county, every township, every village). The raw baseline is the honest
  one: the seven component queries over the households, run side by side (what the API ran before the
  village stats were kept on write). The stored village stats read as raw Cypher are printed too: the
  floor of what the API can do.
- An enterprise trace (the enterprise driving the most households): its totals by mode and the first
  page of its driven households, against the same two questions as raw Cypher.

Prints figures; not a test. Needs a seeded county: `--uri bolt://...` (else NEO4J_URI, else TEST_NEO4J_URI).
`--households N` says the size it is meant to have: a database holding no county is seeded with N
households first (slow at a million: load it with the bulk importer instead), and one holding another
number is refused. Missing or stale aggregates are rebuilt before measuring (timed).
Usage: python -m bench.analysts [--uri URI] [--households N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any, LiteralString

import httpx
from neo4j import AsyncDriver

from api.auth import mint_token
from bench.common import serving, summary, timed
from graph import aggregates, tracing
from graph import stats as g_stats
from graph.access import Role, Viewer
from graph.driver import open_driver
from graph.places import county_exists
from seeds import DEFAULT_HOUSEHOLDS, seed_demo_county

ROLLUP = """query($level: PlaceLevel!) { rollup(level: $level) { totalCount edges { node { code name stats {
  year households registeredPoorHouseholds population povertyIncidence byStatus { status households }
  incomePerCapita { median lowerQuartile upperQuartile } income { wage operating property transfer total }
  povertyCauses { cause households } exit { incomeAboveLine foodAndClothing education medicalInsurance
  safeHousing safeWater all } projectsByStage { stage projects } funds
  industryCoverage { industryCode households poorShare } policyCoverage { policyCode households } } } } } }"""

TRACE = """query($id: ID!) { enterprise(id: $id) { name
  trace { households poorHouseholds incomeGain multiplyDriven
          byMode { mode households poorHouseholds incomeGain averageIncomeGain } }
  drivenHouseholds(first: 20) { totalCount
    edges { mode incomeGain node { id village { name township { name } } } } } } }"""

LARGEST_ENTERPRISE = """
MATCH (e:Enterprise)
RETURN e.id AS id, COUNT { (e)-[:DRIVES]->(:Household) } AS households ORDER BY households DESC, id LIMIT 1"""

# The trace's first page and count as one would write them by hand.
DRIVEN_PAGE = """
MATCH (:Enterprise {id: $id})-[d:DRIVES]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN h.id AS id, d.mode AS mode, d.incomeGainFen AS gain, v.name AS village, t.name AS township
ORDER BY h.id LIMIT 20"""
DRIVEN_COUNT = "MATCH (:Enterprise {id: $id})-[:DRIVES]->(h:Household) RETURN count(h) AS n"

HOUSEHOLD_QUERIES: tuple[LiteralString, ...] = (
    g_stats.HOUSEHOLD_TALLY,
    g_stats.INCOME_TALLY,
    g_stats.EXIT_TALLY,
    g_stats.INDUSTRY_TALLY,
    g_stats.POLICY_TALLY,
)
PLACE_QUERIES: tuple[LiteralString, ...] = (g_stats.PROJECT_TALLY, g_stats.FUND_TALLY)


class Bench:
    """The driver and an event loop for the raw side, the HTTP client for the API side."""

    def __init__(self, client: httpx.Client, driver: AsyncDriver, loop: asyncio.AbstractEventLoop, runs: int) -> None:
        self.client, self.driver, self.loop, self.runs = client, driver, loop, runs

    def cypher(self, *queries: tuple[LiteralString, dict[str, Any]]) -> None:
        """Run queries side by side and wait for all of them."""

        async def run() -> None:
            await asyncio.gather(*(self.driver.execute_query(q, p, routing_="r") for q, p in queries))

        self.loop.run_until_complete(run())

    def api(self, query: str, variables: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        def post() -> dict[str, Any]:
            body: dict[str, Any] = self.client.post("/graphql", json={"query": query, "variables": variables}).json()
            assert "errors" not in body, body["errors"]
            return body

        return post

    def compare(self, title: str, api: Callable[[], object], raws: dict[str, Callable[[], None]]) -> None:
        timed(api, 3)  # warm-up: plan caches and the JIT
        for raw in raws.values():
            timed(raw, 3)
        samples = timed(api, self.runs)
        print(f"{title}, {self.runs} runs")
        print(f"  API over HTTP : {summary(samples)}")
        for name, raw in raws.items():
            raw_samples = timed(raw, self.runs)
            ratio = statistics.median(samples) / statistics.median(raw_samples)
            print(f"  {name:<14}: {summary(raw_samples)}  ratio (p50) {ratio:.2f}")


def run(uri: str, households: int, runs: int) -> None:
    loop = asyncio.new_event_loop()
    driver = open_driver(uri)
    try:
        loop.run_until_complete(_prepare(driver, households))
        # An analyst's token, signed with a secret handed to the server this run only.
        os.environ["JWT_SECRET"] = secret = secrets.token_urlsafe(32)
        token = mint_token(secret, Viewer(Role.ANALYST, sub="bench-analyst"), ttl_s=3600)
        with serving(uri) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            bench = Bench(client, driver, loop, runs)
            _rollups(bench)
            _trace(bench)
    finally:
        loop.run_until_complete(driver.close())
        loop.close()


async def _prepare(driver: AsyncDriver, households: int) -> None:
    records, _, _ = await driver.execute_query("MATCH (h:Household) RETURN count(h) AS n", routing_="r")
    held = records[0]["n"]
    async with driver.session() as session:
        seeded = await session.execute_read(county_exists)
    if not seeded:
        print(f"seeding {households:,} households")
        report = await seed_demo_county(driver, households=households)
        print(f"  seeded in {report.elapsed_s:.1f} s")
    elif held != households:
        raise SystemExit(f"the database holds {held:,} households, not {households:,} (pass --households {held})")
    started = time.perf_counter()
    rebuilt = await aggregates.ensure_aggregates(driver)
    if rebuilt is not None:
        print(f"rebuilt the village stats ({rebuilt.villages} villages) in {time.perf_counter() - started:.1f} s")
    print(f"{households:,} households")


def _rollups(bench: Bench) -> None:
    year = 2018
    everywhere = {"all": True, "villages": [], "townships": []}
    raw_params = {"years": [year], **everywhere, **g_stats.exit_params()}
    stored = (aggregates.READ_STATS, {"year": year, **everywhere})
    places = [(q, {"years": [year], **everywhere}) for q in PLACE_QUERIES]
    for level in ("COUNTY", "TOWNSHIP", "VILLAGE"):
        api = bench.api(ROLLUP, {"level": level})
        bench.compare(
            f"rollup({level}) with all stats, {api()['extensions']}",
            api,
            {
                "raw households": lambda: bench.cypher(*((q, raw_params) for q in HOUSEHOLD_QUERIES), *places),
                "raw stored": lambda: bench.cypher(stored, *places),
            },
        )


def _trace(bench: Bench) -> None:
    [largest], _, _ = bench.loop.run_until_complete(bench.driver.execute_query(LARGEST_ENTERPRISE, routing_="r"))
    enterprise = {"id": largest["id"]}
    bench.compare(
        f"Enterprise.trace and drivenHouseholds(first: 20) of {largest['id']} ({largest['households']:,} households)",
        bench.api(TRACE, enterprise),
        {
            "raw Cypher": lambda: bench.cypher(
                (tracing.ENTERPRISE_LINK_TOTALS, {"ids": [largest["id"]]}),
                (DRIVEN_PAGE, enterprise),
                (DRIVEN_COUNT, enterprise),
            )
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI") or os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not args.uri:
        parser.error("pass --uri (or set NEO4J_URI or TEST_NEO4J_URI) to a Neo4j holding the county")
    run(args.uri, args.households, args.runs)


if __name__ == "__main__":
    main()
