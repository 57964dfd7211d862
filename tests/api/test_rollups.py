"""Rollups: figures checked against raw Cypher (not the API's code path), adding up villages → townships →
county exactly; quartiles against Python's statistics; sorting, cursors and round trips."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.driver import Graph
from tests.conftest import GraphQLPost
from tests.helpers import data_of

CENT = Decimal("0.01")

STATS = """
  year households registeredPoorHouseholds population povertyIncidence
  byStatus { status households }
  incomePerCapita { median lowerQuartile upperQuartile }
  income { wage operating property transfer total }
  povertyCauses { cause households }
  exit { incomeAboveLine foodAndClothing education medicalInsurance safeHousing safeWater all }
  projectsByStage { stage projects }
  funds
  industryCoverage { industryCode households registeredPoorHouseholds share poorShare }
  policyCoverage { policyCode households registeredPoorHouseholds share }
"""

ROLLUP = (
    """query($level: PlaceLevel!, $year: Int) {
  rollup(level: $level, year: $year) { totalCount edges { node { code name level parentCode stats {"""
    + STATS
    + "} } } } }"
)

ADDITIVE = ("households", "registeredPoorHouseholds", "population")


async def _rows(driver: AsyncDriver, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(query, params, routing_="r")
    return [record.data() for record in records]


async def _rollup(gql: GraphQLPost, level: str, year: int | None = None) -> list[dict[str, Any]]:
    data = data_of(await gql(ROLLUP, {"level": level, "year": year}))
    return [edge["node"] for edge in data["rollup"]["edges"]]


def _sum_stats(children: list[dict[str, Any]]) -> dict[str, Any]:
    """The additive figures of places summed (money as Decimal, lists as counters)."""
    total: dict[str, Any] = {name: sum(c["stats"][name] for c in children) for name in ADDITIVE}
    total["byStatus"] = sum(
        (Counter({s["status"]: s["households"]}) for c in children for s in c["stats"]["byStatus"]), Counter()
    )
    total["causes"] = sum(
        (Counter({s["cause"]: s["households"]}) for c in children for s in c["stats"]["povertyCauses"]), Counter()
    )
    total["stages"] = sum(
        (Counter({s["stage"]: s["projects"]}) for c in children for s in c["stats"]["projectsByStage"]), Counter()
    )
    total["industries"] = sum(
        (Counter({s["industryCode"]: s["households"]}) for c in children for s in c["stats"]["industryCoverage"]),
        Counter(),
    )
    total["policies"] = sum(
        (Counter({s["policyCode"]: s["households"]}) for c in children for s in c["stats"]["policyCoverage"]), Counter()
    )
    total["income"] = {
        k: sum(Decimal(c["stats"]["income"][k]) for c in children) for k in children[0]["stats"]["income"]
    }
    total["funds"] = sum(Decimal(c["stats"]["funds"]) for c in children)
    return total


def _figures(place: dict[str, Any]) -> dict[str, Any]:
    return _sum_stats([place])


async def test_villages_add_up_to_townships_and_townships_to_the_county(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    villages = await _rollup(gql, "VILLAGE")
    townships = await _rollup(gql, "TOWNSHIP")
    [county] = await _rollup(gql, "COUNTY")
    assert len(villages) == 100 and len(townships) == 7
    # Projects and funds located directly in a township count for it, not for any of its villages.
    own_projects = await _rows(
        driver,
        """MATCH (p:Project {year: 2018})-[:LOCATED_IN]->(t:Township)
        RETURN t.code AS township, p.stage AS stage, count(*) AS projects""",
    )
    own_funds = await _rows(
        driver,
        """MATCH (:Fund {year: 2018})-[a:ALLOCATED_TO]->(:Project)-[:LOCATED_IN]->(t:Township)
        RETURN t.code AS township, sum(a.amountFen) AS fundsFen""",
    )
    by_township: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for village in villages:
        by_township[village["parentCode"]].append(village)
    for township in townships:
        summed = _sum_stats(by_township[township["code"]])
        mine = _figures(township)
        for row in own_projects:
            if row["township"] == township["code"]:
                summed["stages"][row["stage"]] += row["projects"]
        for row in own_funds:
            if row["township"] == township["code"]:
                summed["funds"] += Decimal(row["fundsFen"]) / 100
        summed["stages"] = +summed["stages"]
        mine["stages"] = +mine["stages"]
        assert summed == mine, township["name"]
        assert township["stats"]["year"] == 2018
    county_figures = _figures(county)
    county_figures["stages"] = +county_figures["stages"]
    summed = _sum_stats(townships)
    summed["stages"] = +summed["stages"]
    assert summed == county_figures


async def test_county_figures_match_the_raw_data(gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph) -> None:
    [county] = await _rollup(gql, "COUNTY")
    stats = county["stats"]
    [raw] = await _rows(
        driver,
        """MATCH (h:Household)
        RETURN count(h) AS households, sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor,
               sum(COUNT { (:Person)-[:MEMBER_OF]->(h) }) AS population,
               sum(CASE WHEN h.status = 'POOR' THEN COUNT { (:Person)-[:MEMBER_OF]->(h) } ELSE 0 END) AS poorPopulation""",
    )
    [latest] = await _rows(driver, "MATCH (i:Income) RETURN max(i.year) AS year")
    raw["latest"] = latest["year"]
    assert (stats["households"], stats["registeredPoorHouseholds"], stats["population"]) == (
        raw["households"],
        raw["poor"],
        raw["population"],
    )
    assert stats["year"] == raw["latest"] == 2018
    assert abs(stats["povertyIncidence"] - raw["poorPopulation"] / raw["population"]) < 1e-12
    statuses = await _rows(driver, "MATCH (h:Household) RETURN h.status AS status, count(*) AS n")
    assert {s["status"]: s["households"] for s in stats["byStatus"] if s["households"]} == {
        r["status"]: r["n"] for r in statuses
    }
    causes = await _rows(
        driver, "MATCH (h:Household {registeredPoor: true}) RETURN h.primaryCause AS cause, count(*) AS n"
    )
    assert {c["cause"]: c["households"] for c in stats["povertyCauses"]} == {r["cause"]: r["n"] for r in causes}
    [income] = await _rows(
        driver,
        """MATCH (:Household)-[:EARNED]->(i:Income {year: 2018})
        RETURN sum(i.wageFen) AS wage, sum(i.operatingFen) AS operating, sum(i.propertyFen) AS property,
               sum(i.transferFen) AS transfer""",
    )
    for part in ("wage", "operating", "property", "transfer"):
        assert Decimal(stats["income"][part]) == Decimal(income[part]) / 100
    assert Decimal(stats["income"]["total"]) == sum(Decimal(income[p]) for p in income) / 100
    stages = await _rows(driver, "MATCH (p:Project {year: 2018}) RETURN p.stage AS stage, count(*) AS n")
    assert {s["stage"]: s["projects"] for s in stats["projectsByStage"] if s["projects"]} == {
        r["stage"]: r["n"] for r in stages
    }
    [funds] = await _rows(
        driver, "MATCH (:Fund {year: 2018})-[a:ALLOCATED_TO]->(:Project) RETURN sum(a.amountFen) AS fen"
    )
    assert Decimal(stats["funds"]) == Decimal(funds["fen"]) / 100
    fungi = next(i for i in stats["industryCoverage"] if i["industryCode"] == "FUNGI")
    assert fungi["registeredPoorHouseholds"] == 5_200  # FIGURES.md: 65 % of 8,000
    assert abs(fungi["poorShare"] - 0.65) < 1e-12


def _quartiles(fen: list[int]) -> tuple[Decimal, Decimal, Decimal]:
    yuan = sorted(Decimal(f) / 100 for f in fen)
    lower, median, upper = statistics.quantiles(yuan, n=4, method="inclusive")
    assert median == statistics.median(yuan)
    return tuple(q.quantize(CENT, rounding=ROUND_HALF_EVEN) for q in (median, lower, upper))  # type: ignore[return-value]


async def test_income_quartiles_match_pythons_statistics(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    places = await _rows(
        driver,
        """MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township), (h)-[:EARNED]->(i:Income {year: 2017})
        WHERE v.name IN ['阳村堡', '尚家沟村']
        RETURN v.code AS village, t.code AS township, collect(i.netPerCapitaFen) AS fen""",
    )
    assert len(places) == 2
    query = """query($v: ID!, $t: ID!) {
      village(code: $v) { stats(year: 2017) { incomePerCapita { median lowerQuartile upperQuartile } } }
      township(code: $t) { stats(year: 2017) { incomePerCapita { median lowerQuartile upperQuartile } } } }"""
    for place in places:
        data = data_of(await gql(query, {"v": place["village"], "t": place["township"]}))
        got = data["village"]["stats"]["incomePerCapita"]
        assert tuple(Decimal(got[k]) for k in ("median", "lowerQuartile", "upperQuartile")) == _quartiles(place["fen"])
        [township] = await _rows(
            driver,
            """MATCH (h:Household)-[:IN]->(:Village)-[:IN]->(:Township {code: $code}),
                     (h)-[:EARNED]->(i:Income {year: 2017})
            RETURN collect(i.netPerCapitaFen) AS fen""",
            code=place["township"],
        )
        got = data["township"]["stats"]["incomePerCapita"]
        assert tuple(Decimal(got[k]) for k in ("median", "lowerQuartile", "upperQuartile")) == _quartiles(
            township["fen"]
        )


async def test_a_year_without_incomes_has_no_distribution(gql: GraphQLPost, demo_county: Graph) -> None:
    data = data_of(await gql("{ county { stats(year: 1999) { year households incomePerCapita { median } funds } } }"))
    stats = data["county"]["stats"]
    assert stats["year"] == 1999 and stats["incomePerCapita"] is None and stats["funds"] == "0.00"
    assert stats["households"] == 27_000


async def test_rollup_sorts_by_a_stat_and_pages_with_cursors(gql: GraphQLPost, demo_county: Graph) -> None:
    query = """query($after: String, $parent: ID) {
      rollup(level: VILLAGE, parentCode: $parent, orderBy: HOUSEHOLDS, descending: true, first: 7, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { code parentCode stats { households } } } } }"""
    seen: list[tuple[int, str]] = []
    after = None
    for _ in range(20):
        page = data_of(await gql(query, {"after": after}))["rollup"]
        assert page["totalCount"] == 100
        seen.extend((-e["node"]["stats"]["households"], e["node"]["code"]) for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 100 and seen == sorted(seen)
    within = data_of(await gql(query, {"parent": "141130200000"}))["rollup"]
    assert within["totalCount"] == 12
    assert {e["node"]["parentCode"] for e in within["edges"]} == {"141130200000"}


async def test_rollup_by_median_income_and_bad_cursor(gql: GraphQLPost, demo_county: Graph) -> None:
    body = await gql(
        """{ rollup(level: TOWNSHIP, orderBy: MEDIAN_INCOME) { edges { node { stats { incomePerCapita { median } } } } } }"""
    )
    medians = [Decimal(e["node"]["stats"]["incomePerCapita"]["median"]) for e in data_of(body)["rollup"]["edges"]]
    assert len(medians) == 7 and medians == sorted(medians)
    bad = await gql("""{ rollup(level: TOWNSHIP, orderBy: FUNDS, after: "bm9wZQ") { totalCount } }""")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_rollup_of_every_village_with_all_stats_is_a_bounded_number_of_queries(
    gql: GraphQLPost, demo_county: Graph
) -> None:
    for level in ("VILLAGE", "TOWNSHIP"):
        body = await gql(
            ROLLUP.replace("industryCode households", "industryCode industry { name } households"), {"level": level}
        )
        data_of(body)
        # latest year, places, seven components (households, incomes, exits, industries, policies, projects,
        # funds) and the policies' records: the same for 7 places or 100.
        assert body["extensions"]["roundTrips"] <= 10, level
        assert body["extensions"]["cost"] <= 10_000


async def test_income_lines_come_from_the_data(gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph) -> None:
    lines = await _rows(
        driver, "MATCH (p:PovertyLine) RETURN p.year AS year, p.amountFen AS a, p.monitoringLineFen AS m"
    )
    assert lines
    for line in lines:
        got = data_of(
            await gql(
                "query($y: Int!) { incomeLines(year: $y) { year povertyLine monitoringLine } }", {"y": line["year"]}
            )
        )
        assert got["incomeLines"] == {
            "year": line["year"],
            "povertyLine": str((Decimal(line["a"]) / 100).quantize(CENT)),
            "monitoringLine": str((Decimal(line["m"]) / 100).quantize(CENT)),
        }
    assert data_of(await gql("{ incomeLines(year: 1999) { year } }"))["incomeLines"] is None
