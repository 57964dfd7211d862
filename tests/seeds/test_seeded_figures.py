"""The seeded demo county reproduces every figure of FIGURES.md exactly (Cypher-level checks)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.driver import Graph


async def one(driver: AsyncDriver, query: str, **params: Any) -> dict[str, Any]:
    records, _, _ = await driver.execute_query(query, params, routing_="r")
    assert len(records) == 1
    return dict(records[0])


@pytest.fixture(scope="session")
async def county(demo_county: Graph) -> AsyncDriver:
    return demo_county.driver


async def test_county_and_townships(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (c:County {code: '141130'})<-[:IN]-(t:Township)
        RETURN c.name AS name, collect([t.code, t.name, t.kind]) AS townships""",
    )
    assert row["name"] == "交口县"
    assert sorted(row["townships"]) == [
        ["141130100000", "水头镇", "TOWN"],
        ["141130101000", "康城镇", "TOWN"],
        ["141130102000", "双池镇", "TOWN"],
        ["141130103000", "桃红坡镇", "TOWN"],
        ["141130200000", "石口乡", "TOWNSHIP"],
        ["141130201000", "回龙乡", "TOWNSHIP"],
        ["141130202000", "温泉乡", "TOWNSHIP"],
    ]


async def test_villages(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (v:Village)-[:IN]->(t:Township)
        RETURN count(v) AS villages, count(DISTINCT v.name) AS names,
               [x IN collect([v.name, t.name]) WHERE x[0] IN ['阳村堡', '尚家沟村']] AS named,
               all(x IN collect([v.code, t.code]) WHERE size(x[0]) = 12 AND left(x[0], 9) = left(x[1], 9)) AS codes""",
    )
    assert row["villages"] == row["names"] == 100
    assert sorted(row["named"]) == [["尚家沟村", "康城镇"], ["阳村堡", "石口乡"]]
    assert row["codes"]


async def test_households_persons_and_the_one_policy_each(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (h:Household)
        WITH count(h) AS households, sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor
        MATCH (p:Person)-[:MEMBER_OF]->(:Household)
        WITH households, poor, count(p) AS persons
        MATCH (h:Household)-[c:COVERED_BY]->(:Policy {code: 'YBT'})
        RETURN households, poor, persons, count(c) AS covered, count(DISTINCT h) AS coveredHouseholds,
               sum(c.premiumFen) AS premiums, collect(DISTINCT c.year) AS years""",
    )
    assert row["households"] == 27_000 and row["poor"] == 8_000
    assert row["covered"] == row["coveredHouseholds"] == 27_000 and row["years"] == [2018]
    assert row["premiums"] == 1600 * row["persons"]  # exactly 16.00 yuan per person
    assert 2.8 <= row["persons"] / row["households"] <= 3.0


async def test_every_household_has_one_head_and_statuses(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (h:Household)
        OPTIONAL MATCH (p:Person)-[:MEMBER_OF {relation: '户主'}]->(h)
        WITH h, count(p) AS heads, collect(p.name)[0] AS head
        RETURN sum(CASE WHEN heads = 1 AND head = h.headName THEN 0 ELSE 1 END) AS bad,
               collect(DISTINCT [h.registeredPoor, h.status]) AS combos""",
    )
    assert row["bad"] == 0
    assert sorted(row["combos"]) == sorted(
        [[False, "MONITORED"], [False, "NOT_POOR"], [True, "EXITED"], [True, "MONITORED"], [True, "POOR"]]
    )
    row = await one(
        county,
        """MATCH (h:Household {status: 'MONITORED'})
        RETURN count(h) AS monitored,
               sum(COUNT { (h)-[:MONITORED_IN]->(e:MonitoringEpisode) WHERE e.clearedDate IS NULL }) AS open""",
    )
    assert row["open"] == row["monitored"] > 0


# Who an industry drives: ENGAGES_IN it, or DRIVEN by an enterprise IN_INDUSTRY it; each counted once.
DRIVEN = """
MATCH (i:Industry {code: $code})
CALL (i) {
  MATCH (h:Household)-[:ENGAGES_IN]->(i) RETURN h
  UNION
  MATCH (i)<-[:IN_INDUSTRY]-(:Enterprise)-[:DRIVES]->(h:Household) RETURN h
}
WITH i, h
MATCH (h)-[:IN]->(v:Village)-[:IN]->(t:Township)
OPTIONAL MATCH (h)-[g:ENGAGES_IN]->(i)
WITH i, h, v, t, g.incomeFen AS engaged,
     COLLECT { MATCH (i)<-[:IN_INDUSTRY]-(:Enterprise)-[d:DRIVES]->(h) RETURN d.incomeGainFen } AS drives
WITH i, h, v, t, coalesce(engaged, reduce(s = 0, x IN drives | s + x)) AS gain
RETURN count(h) AS households, sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor,
       count(DISTINCT v) AS villages, count(DISTINCT t) AS townships, sum(gain) AS gains,
       count(DISTINCT CASE WHEN NOT h.registeredPoor THEN v END) AS nonPoorVillages,
       i.scaleAmount AS scale, i.scaleUnit AS unit, i.outputValueFen AS output, i.products AS products"""


async def test_edible_fungi(county: AsyncDriver) -> None:
    row = await one(county, DRIVEN, code="FUNGI")
    assert row["poor"] == 5_200 and row["poor"] / 8_000 == 0.65
    assert row["villages"] == 60 and row["townships"] == 7
    assert row["gains"] == 1_000_000 * row["households"]  # 10,000.00 yuan on average, exactly
    assert row["scale"] == 30_000_000 and row["unit"] == "棒" and row["output"] == 30_000_000_000
    assert set(row["products"]) >= {"香菇", "黑木耳", "茯苓", "羊肚菌", "天麻"}


async def test_walnut_forest(county: AsyncDriver) -> None:
    row = await one(county, DRIVEN, code="WALNUT")
    assert row["scale"] == 200_000 and row["unit"] == "亩"


async def test_three_leading_industries_drive_87_percent(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (i:Industry {tier: 'LEADING'})
        CALL (i) {
          MATCH (h:Household)-[:ENGAGES_IN]->(i) RETURN h
          UNION
          MATCH (i)<-[:IN_INDUSTRY]-(:Enterprise)-[:DRIVES]->(h:Household) RETURN h
        }
        WITH h WHERE h.registeredPoor
        WITH h, count(*) AS industries
        RETURN count(h) AS poor, sum(CASE WHEN industries > 1 THEN 1 ELSE 0 END) AS overlapping""",
    )
    assert row["poor"] == 6_960 and row["poor"] / 8_000 == 0.87
    assert row["overlapping"] > 0


ENTERPRISE = """
MATCH (e:Enterprise {id: $id})-[:IN_INDUSTRY]->(i:Industry)
MATCH (e)-[d:DRIVES]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN e.name AS name, e.kind AS kind, i.code AS industry, e.investmentFen AS investment, e.stores AS stores,
       e.description AS description, count(h) AS households, count(DISTINCT h) AS distinct,
       sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor, count(DISTINCT v) AS villages,
       count(DISTINCT t) AS townships, collect(DISTINCT d.mode) AS modes"""


async def test_weihe_park(county: AsyncDriver) -> None:
    row = await one(county, ENTERPRISE, id="E001")
    assert row["name"] == "韦禾现代食用菌示范园区" and row["kind"] == "PARK" and row["industry"] == "FUNGI"
    assert row["investment"] == 20_000_000_000
    assert row["households"] == row["distinct"] == row["poor"] == 1_957
    assert row["villages"] == 18 and row["townships"] == 3
    assert sorted(row["modes"]) == ["CONTRACT", "EQUITY", "ORDER_PURCHASE", "TRUSTEESHIP", "WAGE_LABOUR"]
    assert "企业管两头、农民出劳力" in row["description"]


async def test_nanshan_company(county: AsyncDriver) -> None:
    row = await one(county, ENTERPRISE, id="E002")
    assert row["name"] == "南山百世食安农牧业有限公司" and row["industry"] == "LIVESTOCK"
    assert row["households"] == row["distinct"] == row["poor"] == 1_360
    assert row["stores"] == 110
    for word in ("废水", "沼", "有机肥", "饲料", "6个"):
        assert word in row["description"]


async def test_yibaotong_bundle(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (b:Policy {code: 'YBT'})-[:BUNDLES]->(p:Policy)
        RETURN b.name AS name, b.kind AS kind, count(p) AS types,
               all(x IN collect(p) WHERE x.kind = 'INSURANCE' AND x.rateCap > 0 AND x.minSumInsuredFen > 0) AS capped,
               collect(p.code) AS codes, [x IN collect(p) WHERE x.code = 'YBT-01' | x.name][0] AS first,
               collect(DISTINCT p.category) AS categories, collect(p.name) AS names""",
    )
    assert row["name"] == "一保通" and row["kind"] == "INSURANCE"
    assert row["types"] == 19 and row["capped"]
    assert sorted(row["codes"]) == [f"YBT-{k:02d}" for k in range(1, 20)]
    assert row["first"] == "脱贫返贫险"
    assert sorted(row["categories"]) == sorted(["农业生产", "产业项目", "金融扶贫", "健康扶贫", "收入兜底"])
    names = "".join(row["names"])
    for word in ("慢性病", "意外", "食用菌", "育肥猪", "贷款", "森林", "种植"):
        assert word in names


async def test_worked_claim(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (c:Claim {costFen: 3676718})-[:FOR]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
        MATCH (c)-[:UNDER]->(p:Policy)<-[:BUNDLES]-(:Policy {code: 'YBT'})
        RETURN c.kind AS kind, c.paidByMedicalInsuranceFen AS medical, c.paidByInsurerFen AS insurer,
               c.date.year AS year, h.registeredPoor AS poor, h.headName AS head, v.name AS village,
               t.name AS township, p.name AS policy,
               [(m:Person)-[:MEMBER_OF]->(h) WHERE m.health = 'CHRONIC' | m.chronicDisease] AS diseases""",
    )
    assert row["kind"] == "慢性病门诊" and row["year"] == 2018
    assert (row["medical"], row["insurer"]) == (500_000, 3_176_718)
    assert 3_676_718 - row["medical"] - row["insurer"] == 0
    assert row["poor"] and row["village"] == "阳村堡" and row["township"] == "石口乡"
    assert "慢性" in row["policy"] and "慢性心力衰竭" in row["diseases"]
    assert row["head"] != "王燕红"


async def test_claims_add_up(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (c:Claim)-[:FOR]->(:Household)
        MATCH (c)-[:UNDER]->(:Policy)
        RETURN count(c) AS claims,
               sum(CASE WHEN c.costFen >= c.paidByMedicalInsuranceFen + c.paidByInsurerFen THEN 0 ELSE 1 END) AS bad""",
    )
    assert row["claims"] >= 150 and row["bad"] == 0


async def test_project_library_2018(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (p:Project {year: 2018})
        WITH count(p) AS total, collect(p) AS ps
        RETURN total,
               size([p IN ps WHERE p.stage = 'REJECTED']) AS rejected,
               size([p IN ps WHERE p.stage = 'RESERVE']) AS reserve,
               size([p IN ps WHERE p.stage = 'IMPLEMENTED']) AS implemented,
               size([p IN ps WHERE p.stage = 'IMPLEMENTED' AND p.started]) AS started,
               size([p IN ps WHERE p.stage = 'IMPLEMENTED' AND p.completed]) AS completed,
               all(p IN ps WHERE p.stage <> 'IMPLEMENTED' OR p.purpose = 'EXIT') AS exit,
               all(p IN ps WHERE p.stage <> 'RESERVE' OR p.purpose IN ['CONSOLIDATION', 'EXTENSION']) AS kept""",
    )
    assert (row["total"], row["rejected"], row["reserve"], row["implemented"]) == (1_262, 380, 503, 379)
    assert row["started"] == 379 and row["completed"] == 349 and round(100 * 349 / 379) == 92
    assert row["exit"] and row["kept"]


async def test_projects_are_placed_declared_funded_and_benefit_poor_households(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (p:Project {year: 2018})
        RETURN sum(CASE WHEN COUNT { (p)-[:LOCATED_IN]->() } = 1 THEN 0 ELSE 1 END) AS unplaced,
               sum(CASE WHEN COUNT { (p)-[:DECLARED_BY]->() } = 1 THEN 0 ELSE 1 END) AS undeclared,
               sum(CASE WHEN p.stage = 'IMPLEMENTED' AND
                   (COUNT { (p)-[:BENEFITS]->(:Household {registeredPoor: true}) } < 1 OR
                    COUNT { (p)-[:BENEFITS]->(:Household {registeredPoor: false}) } > 0) THEN 1 ELSE 0 END) AS bad,
               sum(CASE WHEN p.stage = 'IMPLEMENTED' AND
                   reduce(s = 0, a IN [(f:Fund)-[a:ALLOCATED_TO]->(p) | a.amountFen] | s + a) <> p.budgetFen
                   THEN 1 ELSE 0 END) AS unfunded""",
    )
    assert row == {"unplaced": 0, "undeclared": 0, "bad": 0, "unfunded": 0}
    row = await one(
        county,
        """MATCH (f:Fund)
        RETURN sum(CASE WHEN f.amountFen = reduce(s = 0, a IN [(f)-[a:ALLOCATED_TO]->() | a.amountFen] | s + a)
                   THEN 0 ELSE 1 END) AS bad, count(f) AS funds""",
    )
    assert row["bad"] == 0 and row["funds"] > 0


async def test_cadres_measures_visits(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (c:Cadre {role: 'FIRST_SECRETARY'})-[:SERVES]->(v:Village)
        RETURN count(DISTINCT v) AS villages, [x IN collect([v.name, c.name]) WHERE x[0] = '尚家沟村'] AS shangjiagou""",
    )
    assert row["villages"] == 100 and row["shangjiagou"] == [["尚家沟村", "邢云廷"]]
    row = await one(
        county,
        """MATCH (h:Household {registeredPoor: true})
        RETURN min(COUNT { (h)-[:RECEIVED]->(:Measure) }) AS minMeasures,
               max(COUNT { (h)-[:RECEIVED]->(:Measure) }) AS maxMeasures,
               min(COUNT { (:Cadre)-[:MADE]->(:Visit)-[:TO]->(h) }) AS minVisits,
               min(COUNT { (:Cadre {role: 'HELPER'})-[:HELPS {until: null}]->(h) }) AS minCurrent,
               max(COUNT { (:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL }) AS maxCurrent,
               sum(CASE WHEN h.developmentPlan IS NULL THEN 1 ELSE 0 END) AS noPlan""",
    )
    assert (row["minMeasures"], row["maxMeasures"]) == (2, 4)
    assert row["minVisits"] >= 1 and row["maxCurrent"] == 1 and row["noPlan"] == 0
    row = await one(
        county,
        """MATCH (c:Cadre {role: 'HELPER'})-[r:HELPS]->(:Household)
        WITH c, count(r) AS pairs, sum(CASE WHEN r.until IS NULL THEN 1 ELSE 0 END) AS current
        RETURN max(current) AS most, sum(pairs - current) AS history""",
    )
    assert row["most"] <= 10 and row["history"] > 0
    row = await one(county, "MATCH (x:Expert)-[:ADVISES]->(i:Industry) RETURN count(DISTINCT i) AS industries")
    assert row["industries"] == 11


async def test_names_of_real_people_are_not_invented(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (n) WHERE (n:Person OR n:Cadre OR n:Expert) AND n.name IN ['王燕红', '崔鸿杰', '周炳峰', '邢云廷']
        RETURN collect(labels(n)[0] + ':' + n.name) AS found""",
    )
    assert row["found"] == ["Cadre:邢云廷"]


async def test_poverty_lines(county: AsyncDriver) -> None:
    row = await one(county, "MATCH (p:PovertyLine) RETURN collect([p.year, p.amountFen, p.monitoringLineFen]) AS lines")
    assert sorted(row["lines"]) == [
        [2016, 300_000, 450_000],
        [2017, 333_500, 500_250],
        [2018, 353_500, 530_250],
        [2019, 374_700, 562_050],
    ]


async def test_qr_codes(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (q:QrCode)-[:IDENTIFIES]->(n)
        WITH n, count(q) AS codes, collect(q.token) AS tokens
        RETURN sum(CASE WHEN n:Household THEN 1 ELSE 0 END) AS households,
               sum(CASE WHEN n:Village THEN 1 ELSE 0 END) AS villages,
               sum(CASE WHEN n:Township THEN 1 ELSE 0 END) AS townships, max(codes) AS most,
               min(reduce(m = 99, t IN tokens | CASE WHEN size(t) < m THEN size(t) ELSE m END)) AS shortest""",
    )
    assert (row["households"], row["villages"], row["townships"], row["most"]) == (27_000, 100, 7, 1)
    assert row["shortest"] >= 22


async def test_early_warning_cases_exist(county: AsyncDriver) -> None:
    row = await one(
        county,
        """MATCH (line:PovertyLine {year: 2018})
        RETURN COUNT { (p:Person) WHERE NOT p.medicalInsured } AS uninsured,
               COUNT { (h:Household) WHERE h.housingGrade IN ['C', 'D'] } AS unsafe,
               COUNT { (p:Person {schoolStatus: 'DROPPED_OUT'}) } AS dropouts,
               COUNT { (h:Household)-[:EARNED]->(i:Income {year: 2018})
                       WHERE h.status IN ['EXITED', 'NOT_POOR'] AND i.netPerCapitaFen < line.amountFen } AS below,
               COUNT { (p:Person) WHERE 6 <= 2018 - p.birthDate.year <= 15 AND p.schoolStatus = 'ENROLLED' } AS enrolled,
               COUNT { (p:Person) WHERE 7 <= 2018 - p.birthDate.year <= 15 } AS schoolAge""",
    )
    assert row["uninsured"] > 0 and row["unsafe"] > 0 and row["dropouts"] > 0 and row["below"] > 0
    assert row["below"] < 1_000 and row["enrolled"] > 0.95 * row["schoolAge"]
