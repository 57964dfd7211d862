"""Exit indicators, per household and as a village's shares, checked against a re-derivation in Python from
the raw members, housing, water and income (read by plain Cypher, not the API's query)."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.driver import Graph
from tests.conftest import GraphQLPost
from tests.helpers import data_of

YEAR = 2018
NAMES = ("incomeAboveLine", "foodAndClothing", "education", "medicalInsurance", "safeHousing", "safeWater")

RAW = """
MATCH (h:Household)-[:IN]->(v:Village)
WHERE ($village IS NULL OR v.code = $village) AND ($ids IS NULL OR h.id IN $ids)
  AND ($poorOnly = false OR h.registeredPoor)
OPTIONAL MATCH (h)-[:EARNED]->(i:Income {year: $year})
OPTIONAL MATCH (line:PovertyLine {year: $year})
RETURN h.id AS id, h.attribute AS attribute, h.housingGrade AS grade, h.relocated AS relocated,
       h.waterSource AS water, h.waterQualityOk AS quality, i.netPerCapitaFen AS income, line.amountFen AS line,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h)
                 RETURN {born: p.birthDate.year, school: p.schoolStatus, insured: p.medicalInsured} } AS members"""


async def _raw(driver: AsyncDriver, **params: Any) -> list[dict[str, Any]]:
    query: LiteralString = RAW
    defaults = {"village": None, "ids": None, "poorOnly": False, "year": YEAR}
    records, _, _ = await driver.execute_query(query, {**defaults, **params}, routing_="r")
    return [record.data() for record in records]


def _indicators(h: dict[str, Any], year: int = YEAR) -> dict[str, bool]:
    """The documented definitions, re-derived from the evidence."""
    income = h["income"] is not None and h["line"] is not None and h["income"] >= h["line"]
    school_age = [m for m in h["members"] if 6 <= year - m["born"] <= 15]
    return {
        "incomeAboveLine": income,
        "foodAndClothing": income or h["attribute"] in ("LOW_INCOME", "FIVE_GUARANTEES", "LOW_INCOME_POOR"),
        "education": all(m["school"] in ("ENROLLED", "EXEMPT") for m in school_age),
        "medicalInsurance": all(m["insured"] for m in h["members"]),
        "safeHousing": h["grade"] in ("A", "B") or bool(h["relocated"]),
        "safeWater": h["water"] in ("TAP", "WELL", "SPRING", "CISTERN") and bool(h["quality"]),
    }


async def test_village_exit_shares_match_the_raw_evidence(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    records, _, _ = await driver.execute_query(
        """MATCH (h:Household {registeredPoor: true})-[:IN]->(v:Village)
        WHERE h.housingGrade IN ['C', 'D'] OR EXISTS { (:Person {schoolStatus: 'DROPPED_OUT'})-[:MEMBER_OF]->(h) }
        RETURN v.code AS code, count(*) AS n ORDER BY n DESC, code LIMIT 1""",
        routing_="r",
    )
    village = records[0]["code"]
    households = await _raw(driver, village=village, poorOnly=True)
    assert households
    derived = [_indicators(h) for h in households]
    data = data_of(
        await gql(
            "query($code: ID!) { village(code: $code) { stats { exit { " + " ".join(NAMES) + " all } } } }",
            {"code": village},
        )
    )
    shares = data["village"]["stats"]["exit"]
    for name in NAMES:
        expected = sum(d[name] for d in derived) / len(derived)
        assert abs(shares[name] - expected) < 1e-12, name
    assert abs(shares["all"] - sum(all(d.values()) for d in derived) / len(derived)) < 1e-12
    assert shares["all"] < 1


async def test_household_indicators_match_the_raw_evidence(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    # Households failing each indicator in some way, and a few ordinary ones.
    records, _, _ = await driver.execute_query(
        """CALL () {
          MATCH (h:Household) WHERE h.housingGrade IN ['C', 'D'] RETURN h LIMIT 3
          UNION MATCH (h:Household) WHERE EXISTS { (:Person {schoolStatus: 'DROPPED_OUT'})-[:MEMBER_OF]->(h) } RETURN h LIMIT 3
          UNION MATCH (h:Household) WHERE EXISTS { (p:Person)-[:MEMBER_OF]->(h) WHERE NOT p.medicalInsured } RETURN h LIMIT 3
          UNION MATCH (h:Household {waterSource: 'HAULED'}) RETURN h LIMIT 3
          UNION MATCH (h:Household)-[:EARNED]->(i:Income {year: 2018}), (l:PovertyLine {year: 2018})
                WHERE i.netPerCapitaFen < l.amountFen RETURN h LIMIT 3
          UNION MATCH (h:Household {registeredPoor: true}) RETURN h LIMIT 5
        }
        RETURN collect(h.id) AS ids""",
        routing_="r",
    )
    ids = records[0]["ids"]
    raw = {h["id"]: _indicators(h) for h in await _raw(driver, ids=ids)}
    assert any(not all(v.values()) for v in raw.values())
    query = """query($id: ID!) { household(id: $id) { exitIndicators { year """ + " ".join(NAMES) + """ met } } }"""
    for household_id in ids:
        got = data_of(await gql(query, {"id": household_id}))["household"]["exitIndicators"]
        assert got["year"] == YEAR
        assert {name: got[name] for name in NAMES} == raw[household_id], household_id
        assert got["met"] == all(raw[household_id].values())


async def test_exit_indicators_of_another_year_use_that_years_line(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    records, _, _ = await driver.execute_query(
        """MATCH (h:Household {registeredPoor: true})-[:EARNED]->(i:Income {year: 2017}), (l:PovertyLine {year: 2017})
        WHERE i.netPerCapitaFen < l.amountFen RETURN h.id AS id LIMIT 1""",
        routing_="r",
    )
    household_id = records[0]["id"]
    [raw] = await _raw(driver, ids=[household_id], year=2017)
    got = data_of(
        await gql(
            "query($id: ID!) { household(id: $id) { exitIndicators(year: 2017) { year incomeAboveLine met } } }",
            {"id": household_id},
        )
    )["household"]["exitIndicators"]
    assert got == {"year": 2017, "incomeAboveLine": False, "met": False}
    assert _indicators(raw, 2017)["incomeAboveLine"] is False
