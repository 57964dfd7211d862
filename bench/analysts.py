"""Benchmark: rollups with all their stats (county, townships, every village) through the API over loopback
HTTP, and the same component queries run as raw Cypher through the driver side by side, with the ratio.

Prints figures; not a test. Needs a seeded demo county: `--uri bolt://...` (else TEST_NEO4J_URI).
Usage: python -m bench.analysts [--uri URI] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics

import httpx

from bench.common import serving, summary, timed
from graph import stats as g_stats
from graph.driver import open_driver

ROLLUP = """query($level: PlaceLevel!) { rollup(level: $level) { totalCount edges { node { code name stats {
  year households registeredPoorHouseholds population povertyIncidence byStatus { status households }
  incomePerCapita { median lowerQuartile upperQuartile } income { wage operating property transfer total }
  povertyCauses { cause households } exit { incomeAboveLine foodAndClothing education medicalInsurance
  safeHousing safeWater all } projectsByStage { stage projects } funds
  industryCoverage { industryCode households poorShare } policyCoverage { policyCode households } } } } } }"""

COMPONENTS = (
    g_stats.HOUSEHOLD_TALLY,
    g_stats.INCOME_TALLY,
    g_stats.EXIT_TALLY,
    g_stats.INDUSTRY_TALLY,
    g_stats.POLICY_TALLY,
    g_stats.PROJECT_TALLY,
    g_stats.FUND_TALLY,
)


def run(uri: str, runs: int) -> None:
    with serving(uri) as client:
        _bench(client, uri, runs)


def _bench(client: httpx.Client, uri: str, runs: int) -> None:
    loop = asyncio.new_event_loop()
    driver = open_driver(uri)
    params = {"year": 2018, "all": True, "villages": [], "townships": [], **g_stats._exit_params()}

    async def all_components() -> None:
        await asyncio.gather(*(driver.execute_query(q, params, routing_="r") for q in COMPONENTS))

    def raw() -> None:
        loop.run_until_complete(all_components())

    raw_samples = []
    for level in ("COUNTY", "TOWNSHIP", "VILLAGE"):
        body: dict[str, object] = {}

        def api(level: str = level) -> None:
            nonlocal body
            body = client.post("/graphql", json={"query": ROLLUP, "variables": {"level": level}}).json()
            assert "errors" not in body, body

        timed(api, 3)  # warm-up: plan caches and the JIT
        timed(raw, 3)
        samples = timed(api, runs)
        raw_samples = timed(raw, runs)
        print(f"rollup({level}) with all stats, {runs} runs; {body.get('extensions')}")
        print(f"  API over HTTP : {summary(samples)}")
        print(f"  raw Cypher    : {summary(raw_samples)}  (the 7 component queries, side by side)")
        print(f"  ratio (p50)   : {statistics.median(samples) / statistics.median(raw_samples):.2f}")
    loop.run_until_complete(driver.close())
    loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default=os.environ.get("TEST_NEO4J_URI"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not args.uri:
        parser.error("pass --uri (or set TEST_NEO4J_URI) to a Neo4j holding the demo county")
    run(args.uri, args.runs)


if __name__ == "__main__":
    main()
