"""Global object identification, and the villages and enterprises connections with aggregate orders."""

from __future__ import annotations

from tests.conftest import GraphQLPost
from tests.helpers import data_of

SAMPLES = """{
  townships { id code }
  villages(first: 1) { edges { node { id code } } }
  households(first: 1, filter: {hasClaims: true}) { edges { node { id headName helpers { id name } claims { id cost } } } }
  industries { id code }
  enterprises { id name }
  projects(first: 1) { edges { node { id code } } }
  policies { id code }
}"""

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Township { code } ... on Village { code } ... on Household { headName } ... on Industry { code }
  ... on Enterprise { name } ... on Project { code } ... on Policy { code } ... on Claim { cost }
  ... on Cadre { name } } }"""


async def test_every_node_type_round_trips_through_node(gql: GraphQLPost) -> None:
    data = data_of(await gql(SAMPLES))
    household = data["households"]["edges"][0]["node"]
    samples = [
        ("Township", data["townships"][0], "code"),
        ("Village", data["villages"]["edges"][0]["node"], "code"),
        ("Household", household, "headName"),
        ("Industry", data["industries"][0], "code"),
        ("Enterprise", data["enterprises"][0], "name"),
        ("Project", data["projects"]["edges"][0]["node"], "code"),
        ("Policy", data["policies"][0], "code"),
        ("Claim", household["claims"][0], "cost"),
        ("Cadre", household["helpers"][0], "name"),
    ]
    ids = [sample["id"] for _, sample, _ in samples]
    assert len(set(ids)) == len(ids)
    for typename, sample, field in samples:
        node = data_of(await gql(NODE, {"id": sample["id"]}))["node"]
        assert node["__typename"] == typename
        assert node["id"] == sample["id"] and node[field] == sample[field]


async def test_unknown_and_malformed_ids_are_null(gql: GraphQLPost) -> None:
    for bad in ("", "Industry:", "Industry:NOPE", "Nope:1", "T123", "H-does-not-exist", "' OR 1=1 //", "x" * 300):
        assert data_of(await gql(NODE, {"id": bad}))["node"] is None, bad


async def test_villages_sorted_by_poor_households(gql: GraphQLPost) -> None:
    query = """{ villages(first: 100, orderBy: POOR_HOUSEHOLDS_DESC) { totalCount edges { node { code
      households(first: 0, filter: {registeredPoor: true}) { totalCount } } } } }"""
    connection = data_of(await gql(query))["villages"]
    counts = [e["node"]["households"]["totalCount"] for e in connection["edges"]]
    assert connection["totalCount"] == 100 == len(counts)
    assert counts == sorted(counts, reverse=True)


async def test_villages_with_at_least_n_poor_households(gql: GraphQLPost) -> None:
    query = """query($n: Int, $township: ID) { villages(first: 100, filter: {poorHouseholdsMin: $n, townshipCode: $township}) {
      totalCount edges { node { code township { code } households(first: 0, filter: {registeredPoor: true}) { totalCount } } } } }"""
    everyone = data_of(await gql(query, {"township": "141130200000"}))["villages"]["edges"]
    poor = {e["node"]["code"]: e["node"]["households"]["totalCount"] for e in everyone}
    threshold = sorted(poor.values())[len(poor) // 2]
    connection = data_of(await gql(query, {"n": threshold, "township": "141130200000"}))["villages"]
    assert {e["node"]["code"] for e in connection["edges"]} == {code for code, n in poor.items() if n >= threshold}
    assert connection["totalCount"] == len(connection["edges"]) > 0
    assert {e["node"]["township"]["code"] for e in connection["edges"]} == {"141130200000"}


async def test_enterprises_sorted_by_reach(gql: GraphQLPost) -> None:
    query = """{ enterprisesConnection(first: 100, orderBy: REACH_DESC) { totalCount
      edges { node { name reach { households } } } } }"""
    connection = data_of(await gql(query))["enterprisesConnection"]
    reach = [e["node"]["reach"]["households"] for e in connection["edges"]]
    assert reach == sorted(reach, reverse=True)
    assert connection["edges"][0]["node"]["name"] == "韦禾现代食用菌示范园区"
    fungi = data_of(
        await gql(
            '{ enterprisesConnection(first: 100, filter: {industryCode: "FUNGI"}) { totalCount } industry(code: "FUNGI") { enterprises { id } } }'
        )
    )
    assert fungi["enterprisesConnection"]["totalCount"] == len(fungi["industry"]["enterprises"])


async def test_claims_connections_agree_with_the_plain_lists(gql: GraphQLPost) -> None:
    households = data_of(
        await gql(
            "{ households(first: 20, filter: {hasClaims: true}) { edges { node { claims { id date } claimsConnection(first: 100) { totalCount edges { node { id } } } } } } }"
        )
    )["households"]["edges"]
    for edge in households:
        node = edge["node"]
        assert [c["id"] for c in node["claims"]] == [e["node"]["id"] for e in node["claimsConnection"]["edges"]]
        assert node["claimsConnection"]["totalCount"] == len(node["claims"])
    ybt = 'query($after: String) { policy(code: "YBT") { claims(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { date policy { bundle { code } } } } } } }'
    dates: list[str] = []
    after = None
    while True:
        connection = data_of(await gql(ybt, {"after": after}))["policy"]["claims"]
        dates += [e["node"]["date"] for e in connection["edges"]]
        assert {e["node"]["policy"]["bundle"]["code"] for e in connection["edges"]} <= {"YBT"}
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(dates) == connection["totalCount"] > 100
    assert dates == sorted(dates, reverse=True)


async def test_measures_connection_agrees_with_the_plain_list(gql: GraphQLPost) -> None:
    households = data_of(
        await gql(
            "{ households(first: 30, filter: {registeredPoor: true}) { edges { node { measures { year kind } measuresConnection(last: 2) { totalCount pageInfo { hasPreviousPage } edges { node { year kind } } } } } } }"
        )
    )["households"]["edges"]
    for edge in households:
        node = edge["node"]
        connection = node["measuresConnection"]
        assert connection["totalCount"] == len(node["measures"])
        # The oldest two, still newest first (ties within a year may order differently from the list).
        assert [e["node"]["year"] for e in connection["edges"]] == [m["year"] for m in node["measures"][-2:]]
        assert connection["pageInfo"]["hasPreviousPage"] == (len(node["measures"]) > 2)


async def test_village_counts_agree_with_the_connections(gql: GraphQLPost) -> None:
    data = data_of(
        await gql("""{ county { households registeredPoorHouseholds } townships { villages { householdCount registeredPoorHouseholds
          all: households(first: 0) { totalCount } poor: households(first: 0, filter: {registeredPoor: true}) { totalCount } } } }""")
    )
    villages = [v for t in data["townships"] for v in t["villages"]]
    assert all(v["householdCount"] == v["all"]["totalCount"] for v in villages)
    assert all(v["registeredPoorHouseholds"] == v["poor"]["totalCount"] for v in villages)
    assert sum(v["householdCount"] for v in villages) == data["county"]["households"]
    assert sum(v["registeredPoorHouseholds"] for v in villages) == data["county"]["registeredPoorHouseholds"]
