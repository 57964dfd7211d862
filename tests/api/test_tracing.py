"""Tracing linkages over HTTP, checked against raw Cypher computed here (not through graph/)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.driver import Graph
from tests.conftest import GraphQLPost
from tests.helpers import data_of

E001_REACH = 1957


async def _rows(driver: AsyncDriver, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(query, params, routing_="r")
    return [dict(r) for r in records]


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


async def test_fund_totals_and_allocations_match_the_raw_graph(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    raw = await _rows(
        driver,
        """MATCH (f:Fund)
           OPTIONAL MATCH (f)-[a:ALLOCATED_TO]->(p:Project)
           WITH f, a, p, CASE WHEN p IS NULL THEN 0 ELSE COUNT { (p)-[:BENEFITS]->(:Household) } END AS n
           RETURN f.id AS id, f.amountFen AS amount, sum(a.amountFen) AS allocated,
                  sum(CASE WHEN n > 0 THEN a.amountFen ELSE 0 END) AS attributed, count(a) AS allocations""",
    )
    body = await gql(
        "{ fundFlow { id source year amount allocated attributed unattributed households allocations { amount } } }"
    )
    flows = {f["id"]: f for f in data_of(body)["fundFlow"]}
    assert set(flows) == {r["id"] for r in raw}
    for r in raw:
        flow = flows[r["id"]]
        assert Decimal(flow["amount"]) == _yuan(r["amount"])
        assert Decimal(flow["allocated"]) == _yuan(r["allocated"]) == Decimal(flow["amount"])
        assert Decimal(flow["attributed"]) == _yuan(r["attributed"])
        assert Decimal(flow["attributed"]) + Decimal(flow["unattributed"]) == Decimal(flow["amount"])
        assert len(flow["allocations"]) == r["allocations"]
        assert sum(Decimal(a["amount"]) for a in flow["allocations"]) == Decimal(flow["amount"])

    one = data_of(await gql('{ fundFlow(year: 2018, source: "中央财政专项扶贫资金") { source year } }'))["fundFlow"]
    assert all(f["year"] == 2018 and f["source"] == "中央财政专项扶贫资金" for f in one)


BENEFICIARY_SHARES = """
query($code: ID!, $after: String) {
  project(code: $code) {
    fundFlow { beneficiaries allocations { fundId amount share remainderHouseholds } }
    beneficiaryShares(first: 100, after: $after) {
      totalCount
      edges { node { id } funds { fundId source year amount } total }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def test_each_households_fund_shares_add_up_exactly_to_each_allocation(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    # A project with several funds whose allocations do not divide evenly among its beneficiaries.
    [chosen] = await _rows(
        driver,
        """MATCH (p:Project)
           WITH p, COUNT { (p)-[:BENEFITS]->(:Household) } AS n
           WHERE 1 < n <= 250
           MATCH (f:Fund)-[a:ALLOCATED_TO]->(p)
           WITH p, n, collect({fund: f.id, amount: a.amountFen}) AS allocations
           WHERE size(allocations) > 1 AND any(a IN allocations WHERE a.amount % n <> 0)
           RETURN p.code AS code, n, allocations ORDER BY p.code LIMIT 1""",
    )
    beneficiaries = [
        r["id"]
        for r in await _rows(
            driver,
            "MATCH (:Project {code: $code})-[:BENEFITS]->(h:Household) RETURN h.id AS id ORDER BY id",
            code=chosen["code"],
        )
    ]
    assert len(beneficiaries) == chosen["n"]

    shares: dict[str, dict[str, Decimal]] = {}
    after = None
    while True:
        project = data_of(await gql(BENEFICIARY_SHARES, {"code": chosen["code"], "after": after}))["project"]
        connection = project["beneficiaryShares"]
        assert connection["totalCount"] == chosen["n"]
        for edge in connection["edges"]:
            assert edge["node"]["id"] not in shares, "a beneficiary is listed once"
            shares[edge["node"]["id"]] = {f["fundId"]: Decimal(f["amount"]) for f in edge["funds"]}
            assert Decimal(edge["total"]) == sum(shares[edge["node"]["id"]].values())
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert list(shares) == beneficiaries
    assert project["fundFlow"]["beneficiaries"] == chosen["n"]

    for allocation in chosen["allocations"]:
        fund, amount = allocation["fund"], allocation["amount"]
        got = [shares[h][fund] for h in beneficiaries]
        assert sum(got) == _yuan(amount), "the shares add up exactly to the allocation"
        # Independently: equal to the fen, the remainder fen to the first households by id.
        base, remainder = divmod(amount, chosen["n"])
        assert got == [_yuan(base + (1 if i < remainder else 0)) for i in range(chosen["n"])]

    # The household's own view agrees with the project's.
    first = beneficiaries[0]
    body = await gql(
        "query($id: ID!) { household(id: $id) { projects { project { code } funds { fundId amount } } } }",
        {"id": first},
    )
    [benefit] = [b for b in data_of(body)["household"]["projects"] if b["project"]["code"] == chosen["code"]]
    assert {f["fundId"]: Decimal(f["amount"]) for f in benefit["funds"]} == shares[first]


async def test_totals_by_mode_for_e001_match_raw_counts_and_add_up_to_its_reach(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    raw = await _rows(
        driver,
        """MATCH (:Enterprise {id: 'E001'})-[d:DRIVES]->(h:Household)
           RETURN d.mode AS mode, count(h) AS households, sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor,
                  sum(d.incomeGainFen) AS gain""",
    )
    body = await gql(
        """{ enterprise(id: "E001") { name reach { households }
             trace { households poorHouseholds incomeGain averageIncomeGain multiplyDriven
                     byMode { mode households poorHouseholds incomeGain averageIncomeGain } } } }"""
    )
    enterprise = data_of(body)["enterprise"]
    assert enterprise["name"] == "韦禾现代食用菌示范园区"
    trace = enterprise["trace"]
    by_mode = {m["mode"]: m for m in trace["byMode"]}
    assert set(by_mode) == {r["mode"] for r in raw}
    for r in raw:
        mode = by_mode[r["mode"]]
        assert (mode["households"], mode["poorHouseholds"]) == (r["households"], r["poor"])
        assert Decimal(mode["incomeGain"]) == _yuan(r["gain"])
        assert Decimal(mode["averageIncomeGain"]) == (_yuan(r["gain"]) / r["households"]).quantize(Decimal("0.01"))
    assert sum(m["households"] for m in trace["byMode"]) == trace["households"] == E001_REACH
    assert enterprise["reach"]["households"] == E001_REACH
    assert sum(m["poorHouseholds"] for m in trace["byMode"]) == trace["poorHouseholds"]
    assert sum(Decimal(m["incomeGain"]) for m in trace["byMode"]) == Decimal(trace["incomeGain"])


async def test_a_household_driven_by_two_enterprises_counts_once_and_lists_both_links(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    # A household driven by two enterprises, and the industry of the first of them.
    [chosen] = await _rows(
        driver,
        """MATCH (e:Enterprise)-[:DRIVES]->(h:Household)
           WITH h, e ORDER BY e.id
           WITH h, collect(e) AS enterprises WHERE size(enterprises) > 1
           WITH h, enterprises, head(enterprises) AS first
           MATCH (first)-[:IN_INDUSTRY]->(i:Industry)
           RETURN i.code AS industry, h.id AS id, [e IN enterprises | e.id] AS enterprises ORDER BY id LIMIT 1""",
    )
    links = await _rows(
        driver,
        "MATCH (e:Enterprise)-[d:DRIVES]->(:Household {id: $id}) RETURN e.id AS id, d.mode AS mode",
        id=chosen["id"],
    )
    raw_industry = await _rows(
        driver,
        """MATCH (ind:Industry {code: $code})
           CALL (ind) {
             MATCH (h:Household)-[:ENGAGES_IN]->(ind) RETURN h
             UNION
             MATCH (h:Household)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(ind) RETURN h
           }
           RETURN count(h) AS households,
                  count(CASE WHEN COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1 THEN 1 END) AS multiply""",
        code=chosen["industry"],
    )
    raw_multiple = await _rows(
        driver,
        """MATCH (h:Household)
           WHERE COUNT { (h)<-[:DRIVES]-(:Enterprise) } > 1
             AND EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(:Industry {code: $code}) }
           RETURN count(h) AS households""",
        code=chosen["industry"],
    )
    body = await gql(
        """query($code: ID!, $id: ID!) {
             industry(code: $code) { coverage { households } trace { households multiplyDriven byMode { households } } }
             household(id: $id) { drivenBy { enterprise { id } mode } trace { enterprises { enterprise { id } } } }
             multiplyDrivenHouseholds(industryCodes: [$code], first: 0) { totalCount }
           }""",
        {"code": chosen["industry"], "id": chosen["id"]},
    )
    data = data_of(body)
    industry = data["industry"]
    assert industry["trace"]["households"] == industry["coverage"]["households"] == raw_industry[0]["households"]
    assert industry["trace"]["multiplyDriven"] == raw_industry[0]["multiply"]
    # Counted once in the totals, though in the by-mode rows once per link.
    assert sum(m["households"] for m in industry["trace"]["byMode"]) >= industry["trace"]["households"]
    expected = {(link["id"], link["mode"]) for link in links}
    assert {(link["enterprise"]["id"], link["mode"]) for link in data["household"]["drivenBy"]} == expected
    assert {link["enterprise"]["id"] for link in data["household"]["trace"]["enterprises"]} == {e for e, _ in expected}
    assert data["multiplyDrivenHouseholds"]["totalCount"] == raw_multiple[0]["households"]

    # Listed once, with all its links, when paging through the enterprise's multiply-driven households.
    seen: list[str] = []
    after = None
    while True:
        body = await gql(
            """query($ids: [ID!], $after: String) {
                 multiplyDrivenHouseholds(enterpriseIds: $ids, first: 100, after: $after) {
                   edges { node { id } links { enterprise { id } mode } }
                   pageInfo { hasNextPage endCursor } } }""",
            {"ids": [chosen["enterprises"][0]], "after": after},
        )
        connection = data_of(body)["multiplyDrivenHouseholds"]
        for edge in connection["edges"]:
            seen.append(edge["node"]["id"])
            assert len(edge["links"]) > 1
            if edge["node"]["id"] == chosen["id"]:
                assert {(link["enterprise"]["id"], link["mode"]) for link in edge["links"]} == expected
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen.count(chosen["id"]) == 1
    assert len(seen) == len(set(seen))

    # The industry's driven households list it once, with all its links on the edge.
    after = None
    found: list[dict[str, Any]] = []
    while not found:
        body = await gql(
            """query($code: ID!, $after: String) {
                 industry(code: $code) { drivenHouseholds(first: 100, after: $after) {
                   edges { node { id } links { enterprise { id } mode } }
                   pageInfo { hasNextPage endCursor } } } }""",
            {"code": chosen["industry"], "after": after},
        )
        connection = data_of(body)["industry"]["drivenHouseholds"]
        found = [edge for edge in connection["edges"] if edge["node"]["id"] == chosen["id"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    [edge] = found
    assert {(link["enterprise"]["id"], link["mode"]) for link in edge["links"]} == expected


TRACE = """
query($id: ID!) {
  household(id: $id) {
    projects { project { code } }
    trace {
      enterprises { enterprise { id } mode incomeGain }
      projects { project { code } beneficiaries funds { source year amount } total }
      fundTotal
      policies { policy { code } year premium }
      measures { kind year }
      claims { id }
      cadres { cadre { id } since until current }
    }
    helpersHistory { cadre { id } current }
    helpers { id }
  }
}"""


async def test_a_households_trace_lists_exactly_what_reached_it(
    gql: GraphQLPost, driver: AsyncDriver, demo_county: Graph
) -> None:
    [chosen] = await _rows(
        driver,
        """MATCH (h:Household)
           WHERE COUNT { (:Project)-[:BENEFITS]->(h) } > 1 AND EXISTS { (:Enterprise)-[:DRIVES]->(h) }
             AND EXISTS { (:Claim)-[:FOR]->(h) } AND COUNT { (:Cadre)-[:HELPS]->(h) } > 1
           RETURN h.id AS id ORDER BY id LIMIT 1""",
    )
    hid = chosen["id"]
    projects = {
        r["code"]
        for r in await _rows(
            driver, "MATCH (p:Project)-[:BENEFITS]->(:Household {id: $id}) RETURN p.code AS code", id=hid
        )
    }
    covers = await _rows(
        driver, "MATCH (:Household {id: $id})-[c:COVERED_BY]->(p:Policy) RETURN p.code AS code, c.year AS year", id=hid
    )
    claims = await _rows(driver, "MATCH (c:Claim)-[:FOR]->(:Household {id: $id}) RETURN c.id AS id", id=hid)
    measures = await _rows(driver, "MATCH (:Household {id: $id})-[:RECEIVED]->(m:Measure) RETURN m.id AS id", id=hid)
    pairings = await _rows(
        driver,
        "MATCH (c:Cadre)-[r:HELPS]->(:Household {id: $id}) RETURN c.id AS id, r.until IS NULL AS current",
        id=hid,
    )
    drives = await _rows(driver, "MATCH (e:Enterprise)-[:DRIVES]->(:Household {id: $id}) RETURN e.id AS id", id=hid)

    household = data_of(await gql(TRACE, {"id": hid}))["household"]
    trace = household["trace"]
    assert {p["project"]["code"] for p in trace["projects"]} == projects
    assert len(trace["projects"]) == len(projects)
    assert {p["project"]["code"] for p in household["projects"]} == projects
    for benefit in trace["projects"]:
        assert Decimal(benefit["total"]) == sum(Decimal(f["amount"]) for f in benefit["funds"])
    assert Decimal(trace["fundTotal"]) == sum(Decimal(b["total"]) for b in trace["projects"])
    assert sorted((c["policy"]["code"], c["year"]) for c in trace["policies"]) == sorted(
        (c["code"], c["year"]) for c in covers
    )
    assert sorted(c["id"] for c in trace["claims"]) == sorted(c["id"] for c in claims)
    assert len(trace["measures"]) == len(measures)
    assert sorted(e["enterprise"]["id"] for e in trace["enterprises"]) == sorted(d["id"] for d in drives)
    assert sorted((p["cadre"]["id"], p["current"]) for p in trace["cadres"]) == sorted(
        (p["id"], p["current"]) for p in pairings
    )
    assert any(not p["current"] for p in trace["cadres"]), "a past pairing is kept"
    assert {p["cadre"]["id"] for p in household["helpersHistory"] if p["current"]} == {
        h["id"] for h in household["helpers"]
    }


NESTED_TRACE = """
query($first: Int!) {
  households(first: $first, filter: {registeredPoor: true}) {
    edges { node {
      id village { name township { name } }
      trace {
        enterprises { mode incomeGain enterprise { name industry { code } } }
        projects { project { code } funds { source amount } }
        policies { policy { name } year premium }
        measures { kind }
        claims { cost }
        cadres { cadre { name } since current }
      }
    } }
  }
  enterprise(id: "E001") { trace { households byMode { mode households } } }
  industry(code: "FUNGI") { trace { households multiplyDriven } }
}"""


async def test_round_trips_of_a_nested_trace_stay_bounded(gql: GraphQLPost) -> None:
    few = await gql(NESTED_TRACE, {"first": 5})
    many = await gql(NESTED_TRACE, {"first": 50})
    assert len(data_of(many)["households"]["edges"]) == 50
    assert data_of(few)["households"]["edges"]
    # Households, villages, townships, drive links, enterprises, industries, project benefits, projects,
    # coverage, policies, measures, claims, pairings, cadres, E001 and FUNGI totals (some of which share a tick).
    assert few["extensions"]["roundTrips"] <= 18
    assert many["extensions"]["roundTrips"] <= 18
