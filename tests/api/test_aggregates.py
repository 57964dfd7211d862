"""The village stats kept on write (graph/aggregates.py) always say what the households say: after a write
that changes a household and refreshes, the rollups of its village, township and county equal a raw
recomputation; and every village's stats read from the stored aggregates equal those read from the
households when the aggregates are switched off."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, LiteralString

import pytest
from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.derived import refresh_after_write
from graph.driver import Graph
from tests.conftest import GraphQLPost
from tests.helpers import data_of

pytestmark = pytest.mark.mutates

CENT = Decimal("0.01")
YEAR = 2018

STATS = """households registeredPoorHouseholds population povertyIncidence byStatus { status households }
  incomePerCapita { median lowerQuartile upperQuartile } income { wage operating property transfer total }
  exit { incomeAboveLine }"""

PLACES = (
    """query($v: ID!, $t: ID!, $year: Int!) {
  village(code: $v) { stats(year: $year) { """
    + STATS
    + """ } }
  township(code: $t) { stats(year: $year) { """
    + STATS
    + """ } }
  county { stats(year: $year) { """
    + STATS
    + """ } } }"""
)

EVERY_VILLAGE = (
    """query($year: Int!) { rollup(level: VILLAGE, year: $year) { edges { node { code stats {"""
    + STATS
    + """ povertyCauses { cause households } industryCoverage { industryCode households registeredPoorHouseholds }
    policyCoverage { policyCode households registeredPoorHouseholds }
    exit { incomeAboveLine foodAndClothing education medicalInsurance safeHousing safeWater all } } } } } }"""
)

# Where each place's figures come from, raw: the households in a village, a township or the county.
RAW_SCOPE: dict[str, LiteralString] = {
    "village": "MATCH (h:Household)-[:IN]->(:Village {code: $code})",
    "township": "MATCH (h:Household)-[:IN]->(:Village)-[:IN]->(:Township {code: $code})",
    "county": "MATCH (h:Household) WHERE $code IS NOT NULL",
}

RAW_HOUSEHOLDS = """
WITH h, COUNT { (:Person)-[:MEMBER_OF]->(h) } AS size
RETURN h.status AS status, coalesce(h.registeredPoor, false) AS poor, size,
       h.identifiedYear AS identified, h.exitYear AS exited, h.relapseYear AS relapsed"""

RAW_INCOMES = """
MATCH (h)-[:EARNED]->(i:Income {year: $year})
OPTIONAL MATCH (line:PovertyLine {year: $year})
RETURN coalesce(h.registeredPoor, false) AS poor, i.netPerCapitaFen AS perCapita, i.wageFen AS wage,
       i.operatingFen AS operating, i.propertyFen AS property, i.transferFen AS transfer, line.amountFen AS line"""


def _yuan(fen: int) -> str:
    return str((Decimal(fen) / 100).quantize(CENT))


async def _raw(driver: AsyncDriver, level: str, code: str) -> dict[str, Any]:
    """The figures of a place in YEAR, from the households (definitions as in the README)."""
    households, _, _ = await driver.execute_query(RAW_SCOPE[level] + RAW_HOUSEHOLDS, code=code, routing_="r")
    incomes, _, _ = await driver.execute_query(RAW_SCOPE[level] + RAW_INCOMES, code=code, year=YEAR, routing_="r")
    population = sum(h["size"] for h in households)
    not_exited = sum(
        h["size"]
        for h in households
        if h["poor"]
        and (h["identified"] or 0) <= YEAR
        and (h["exited"] is None or h["exited"] > YEAR or (h["relapsed"] is not None and h["relapsed"] <= YEAR))
    )
    yuan = sorted(Decimal(i["perCapita"]) / 100 for i in incomes)
    lower, median, upper = statistics.quantiles(yuan, n=4, method="inclusive")
    parts = {k: sum(i[k] for i in incomes) for k in ("wage", "operating", "property", "transfer")}
    poor = sum(1 for h in households if h["poor"])
    above = sum(1 for i in incomes if i["poor"] and i["line"] is not None and i["perCapita"] >= i["line"])
    statuses = Counter(h["status"] for h in households)
    return {
        "households": len(households),
        "registeredPoorHouseholds": poor,
        "population": population,
        "povertyIncidence": not_exited / population,
        "byStatus": {s: n for s, n in statuses.items()},
        "incomePerCapita": {
            k: str(q.quantize(CENT, rounding=ROUND_HALF_EVEN))
            for k, q in (("median", median), ("lowerQuartile", lower), ("upperQuartile", upper))
        },
        "income": {**{k: _yuan(v) for k, v in parts.items()}, "total": _yuan(sum(parts.values()))},
        "incomeAboveLine": above / poor,
    }


def _served(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: stats[k] for k in ("households", "registeredPoorHouseholds", "population", "incomePerCapita", "income")},
        "povertyIncidence": stats["povertyIncidence"],
        "byStatus": {s["status"]: s["households"] for s in stats["byStatus"] if s["households"]},
        "incomeAboveLine": stats["exit"]["incomeAboveLine"],
    }


def _close(served: dict[str, Any], raw: dict[str, Any]) -> None:
    for share in ("povertyIncidence", "incomeAboveLine"):
        assert abs(served.pop(share) - raw.pop(share)) < 1e-12, share
    assert served == raw


async def _check_places(gql: GraphQLPost, driver: AsyncDriver, village: str, township: str) -> dict[str, Any]:
    data = data_of(await gql(PLACES, {"v": village, "t": township, "year": YEAR}))
    for level, code in (("village", village), ("township", township), ("county", "141130")):
        _close(_served(data[level]["stats"]), await _raw(driver, level, code))
    return data


async def _write_and_refresh(driver: AsyncDriver, household: str, query: str, **params: Any) -> None:
    async def work(tx: AsyncManagedTransaction) -> None:
        await (await tx.run(query, id=household, **params)).consume()
        await refresh_after_write(tx, [household])

    async with driver.session() as session:
        await session.execute_write(work)


@pytest.fixture
async def poor_household(driver: AsyncDriver, demo_county: Graph) -> AsyncIterator[dict[str, Any]]:
    """A registered-poor household still POOR, with a YEAR income below the poverty line; its fields are
    put back (and its village refreshed) afterwards."""
    records, _, _ = await driver.execute_query(
        """MATCH (line:PovertyLine {year: $year})
        MATCH (h:Household {status: 'POOR', registeredPoor: true})-[:EARNED]->(i:Income {year: $year}),
              (h)-[:IN]->(v:Village)-[:IN]->(t:Township)
        WHERE i.netPerCapitaFen < line.amountFen AND h.exitYear IS NULL
        RETURN h.id AS id, v.code AS village, t.code AS township, i {.*} AS income, line.amountFen AS line
        ORDER BY h.id LIMIT 1""",
        year=YEAR,
        routing_="r",
    )
    found = records[0].data()
    yield found
    await _write_and_refresh(
        driver,
        found["id"],
        """MATCH (h:Household|DeregisteredHousehold {id: $id})-[:EARNED]->(i:Income {year: $year})
        SET h:Household, h.status = 'POOR', h.exitYear = null, i = $income
        REMOVE h:DeregisteredHousehold""",
        year=YEAR,
        income=found["income"],
    )


async def test_a_changed_income_and_status_show_in_the_rollups_at_once(
    gql: GraphQLPost, driver: AsyncDriver, poor_household: dict[str, Any]
) -> None:
    village, township = poor_household["village"], poor_household["township"]
    before = await _check_places(gql, driver, village, township)
    # Income above the line (each component up, per capita well above any median), and the exit recorded.
    income = dict(poor_household["income"], wageFen=poor_household["income"]["wageFen"] + 5_000_000)
    income["netPerCapitaFen"] = poor_household["line"] + 4_000_000
    await _write_and_refresh(
        driver,
        poor_household["id"],
        """MATCH (h:Household {id: $id})-[:EARNED]->(i:Income {year: $year})
        SET h.status = 'EXITED', h.exitYear = $year, i = $income""",
        year=YEAR,
        income=income,
    )
    after = await _check_places(gql, driver, village, township)
    stats, was = after["village"]["stats"], before["village"]["stats"]
    assert stats["exit"]["incomeAboveLine"] > was["exit"]["incomeAboveLine"]
    assert stats["povertyIncidence"] < was["povertyIncidence"]
    assert Decimal(stats["income"]["wage"]) == Decimal(was["income"]["wage"]) + 50_000


async def test_a_household_leaving_the_registry_leaves_the_rollups(
    gql: GraphQLPost, driver: AsyncDriver, poor_household: dict[str, Any]
) -> None:
    village, township = poor_household["village"], poor_household["township"]
    before = await _check_places(gql, driver, village, township)
    await _write_and_refresh(
        driver,
        poor_household["id"],
        "MATCH (h:Household {id: $id}) SET h:DeregisteredHousehold REMOVE h:Household",
    )
    after = await _check_places(gql, driver, village, township)
    for level in ("village", "township", "county"):
        assert after[level]["stats"]["households"] == before[level]["stats"]["households"] - 1


@pytest.mark.parametrize("year", [2017, YEAR])
async def test_every_village_reads_the_same_from_the_aggregates_and_from_the_households(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph, year: int
) -> None:
    [state], _, _ = await driver.execute_query(
        "MATCH (s:DerivedState {name: 'villageStats'}) RETURN s.version AS version, s.years AS years", routing_="r"
    )
    assert year in state["years"]
    stored = data_of(await gql(EVERY_VILLAGE, {"year": year}))["rollup"]["edges"]
    # A state of no known version switches the stored stats off: every figure is read from the households.
    await driver.execute_query("MATCH (s:DerivedState {name: 'villageStats'}) SET s.version = -1")
    try:
        raw = data_of(await gql(EVERY_VILLAGE, {"year": year}))["rollup"]["edges"]
    finally:
        await driver.execute_query(
            "MATCH (s:DerivedState {name: 'villageStats'}) SET s.version = $version", version=state["version"]
        )
    assert len(stored) == 100 and stored == raw
