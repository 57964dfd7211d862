"""Who may see what, field by field: each role's view of every type and field that carries personal data,
over HTTP as each role, checked against the stored values read with raw Cypher.

The expected matrix is written out here, independently of graph/access.py: FULL is the stored value; NAME a
masked name (the surname and ``**``, never the real name); TEXT ``***``; NULL null; EMPTY an empty list (a
connection: no edges, and its true totalCount)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

# The stored household the matrix reads: a poor household with everything that carries personal data.
SUBJECT = """
MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
WHERE q.revokedAt IS NULL AND h.developmentPlan IS NOT NULL AND h.primaryCause IS NOT NULL
  AND COUNT { (:Person)-[:MEMBER_OF]->(h) } >= 2 AND EXISTS { (:Claim)-[:FOR]->(h) }
  AND EXISTS { (h)-[:RECEIVED]->(:Measure) } AND NOT EXISTS { (h)-[:RECEIVED]->(m:Measure) WHERE m.amountFen IS NULL } AND EXISTS { (:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL }
  AND EXISTS { (:Enterprise)-[d:DRIVES]->(h) WHERE d.incomeGainFen > 0 } AND EXISTS { (h)-[:EARNED]->(:Income) }
WITH h, v, t, q ORDER BY h.id LIMIT 1
RETURN h {.*} AS household, v.code AS village, t.code AS township, q.token AS token,
       COLLECT { MATCH (p:Person)-[:MEMBER_OF]->(h) RETURN p {.*} } AS members,
       COLLECT { MATCH (c:Claim)-[:FOR]->(h) RETURN c.id } AS claims,
       COLLECT { MATCH (h)-[:RECEIVED]->(m:Measure) RETURN m {.*} } AS measures,
       COLLECT { MATCH (c:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL RETURN c {.*} } AS helpers,
       COLLECT { MATCH (:Enterprise)-[d:DRIVES]->(h) RETURN d.incomeGainFen } AS gains,
       head(COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i.netPerCapitaFen ORDER BY i.year DESC }) AS income"""

OUT_OF_SCOPE_VILLAGE = "141130999999"  # no such village: a cadre scoped to it sees every real one out of scope

HOUSEHOLD_FIELDS = """
  id headName developmentPlan primaryCause otherCauses size status incomePerCapita
  incomes { year perCapita }
  members { name relation birthDate health idNumber }
  claims { id }
  claimsConnection(first: 50) { totalCount edges { node { id } } }
  measures { kind year amount description }
  helpers { name role unit }
  drivenBy { mode incomeGain enterprise { name } }
  helpersHistory { since }
  coverage { year premium }
  qr { token url svg }
  history(first: 5) { totalCount edges { node { action } } }
"""
BY_ID = "query($id: ID!) { household(id: $id) {" + HOUSEHOLD_FIELDS + "} }"
BY_TOKEN = "query($token: String!) { household: scan(token: $token) { ... on Household {" + HOUSEHOLD_FIELDS + "} } }"


@dataclass(frozen=True)
class Stored:
    household_id: str
    head_name: str
    village: str
    township: str
    token: str
    development_plan: str
    primary_cause: str
    members: dict[str, dict[str, Any]]  # by ID number
    claims: set[str]
    measures: list[dict[str, Any]]
    helper_names: set[str]
    gains: set[Decimal]
    income: Decimal


@pytest.fixture(scope="module")
async def stored(driver: AsyncDriver, demo_county: object) -> Stored:
    records, _, _ = await driver.execute_query(SUBJECT)
    r = records[0]
    h = r["household"]
    return Stored(
        household_id=h["id"],
        head_name=h["headName"],
        village=r["village"],
        township=r["township"],
        token=r["token"],
        development_plan=h["developmentPlan"],
        primary_cause=h["primaryCause"],
        members={p["idNumber"]: p for p in r["members"]},
        claims=set(r["claims"]),
        measures=r["measures"],
        helper_names={c["name"] for c in r["helpers"]},
        gains={Decimal(g) / 100 for g in r["gains"]},
        income=Decimal(r["income"]) / 100,
    )


# The views a caller can have of the stored household, each with how to ask as it.
VIEWERS: dict[str, Callable[[Stored], Viewer]] = {
    "admin": lambda s: Viewer(Role.ADMIN, "matrix-admin"),
    "cadre in village": lambda s: Viewer(Role.CADRE, "matrix-cadre", villages=frozenset({s.village})),
    "cadre in township": lambda s: Viewer(Role.CADRE, "matrix-cadre", townships=frozenset({s.township})),
    "cadre elsewhere": lambda s: Viewer(Role.CADRE, "matrix-cadre", villages=frozenset({OUT_OF_SCOPE_VILLAGE})),
    "analyst": lambda s: Viewer(Role.ANALYST, "matrix-analyst"),
    "anonymous": lambda s: Viewer.anonymous(),
}

FULL, NAME, TEXT, NULL, EMPTY, PSEUDONYMOUS = "FULL", "NAME", "TEXT", "NULL", "EMPTY", "PSEUDONYMOUS"
ADMIN_LIKE = {"admin": FULL, "cadre in village": FULL, "cadre in township": FULL}

# field → view → what it shows. (Anonymous callers reach the household only by scanning its code.)
MATRIX: dict[str, dict[str, str]] = {
    "Household.headName": {**ADMIN_LIKE, "cadre elsewhere": NAME, "analyst": NAME, "anonymous": NAME},
    "Household.developmentPlan": {**ADMIN_LIKE, "cadre elsewhere": NULL, "analyst": NULL, "anonymous": NULL},
    "Household.primaryCause": {**ADMIN_LIKE, "cadre elsewhere": NULL, "analyst": NULL, "anonymous": NULL},
    "Household.incomePerCapita": {**ADMIN_LIKE, "cadre elsewhere": NULL, "analyst": FULL, "anonymous": NULL},
    "Household.incomes": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": FULL, "anonymous": EMPTY},
    "Household.members": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": PSEUDONYMOUS, "anonymous": EMPTY},
    "Household.claims": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": EMPTY, "anonymous": EMPTY},
    "Household.claimsConnection": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": EMPTY, "anonymous": EMPTY},
    "Household.helpersHistory": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": FULL, "anonymous": EMPTY},
    "Household.coverage": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": FULL, "anonymous": EMPTY},
    "Household.history": {**ADMIN_LIKE, "cadre elsewhere": EMPTY, "analyst": EMPTY, "anonymous": EMPTY},
    "Measure.amount": {**ADMIN_LIKE, "cadre elsewhere": NULL, "analyst": FULL, "anonymous": NULL},
    "Measure.description": {**ADMIN_LIKE, "cadre elsewhere": TEXT, "analyst": FULL, "anonymous": TEXT},
    "Cadre.name": {**ADMIN_LIKE, "cadre elsewhere": FULL, "analyst": FULL, "anonymous": NAME},
    "DriveLink.incomeGain": {**ADMIN_LIKE, "cadre elsewhere": NULL, "analyst": FULL, "anonymous": NULL},
    "QrCode.token": {**ADMIN_LIKE, "cadre elsewhere": TEXT, "analyst": TEXT, "anonymous": TEXT},
    "QrCode.url": {**ADMIN_LIKE, "cadre elsewhere": TEXT, "analyst": TEXT, "anonymous": TEXT},
    "QrCode.svg": {**ADMIN_LIKE, "cadre elsewhere": TEXT, "analyst": TEXT, "anonymous": TEXT},
}


async def _household(gql: GraphQLPost, stored: Stored, view: str) -> tuple[dict[str, Any], list[list[Any]]]:
    viewer = VIEWERS[view](stored)
    if viewer.role is Role.ANONYMOUS:
        body = await gql(BY_TOKEN, {"token": stored.token}, as_viewer=viewer)
    else:
        body = await gql(BY_ID, {"id": stored.household_id}, as_viewer=viewer)
    household: dict[str, Any] = data_of(body)["household"]
    masked: list[list[Any]] = body["extensions"]["masked"]
    return household, masked


def _masked_name(name: str) -> str:
    return name[0] + "**"


@pytest.mark.parametrize("view", list(VIEWERS))
async def test_each_view_of_a_household_matches_the_matrix(gql: GraphQLPost, stored: Stored, view: str) -> None:
    h, masked = await _household(gql, stored, view)
    expect = {name: row[view] for name, row in MATRIX.items()}
    root = "household"

    assert h["id"] == stored.household_id and h["size"] == len(stored.members)

    # headName
    if expect["Household.headName"] == FULL:
        assert h["headName"] == stored.head_name
    else:
        assert h["headName"] == _masked_name(stored.head_name) != stored.head_name
        assert [root, "headName"] in masked

    for field, value in (("developmentPlan", stored.development_plan), ("primaryCause", stored.primary_cause)):
        if expect[f"Household.{field}"] == FULL:
            assert h[field] == value
        else:
            assert h[field] is None and [root, field] in masked

    if expect["Household.incomePerCapita"] == FULL:
        assert Decimal(h["incomePerCapita"]) == stored.income and h["incomes"]
    else:
        assert h["incomePerCapita"] is None and h["incomes"] == []
        assert [root, "incomePerCapita"] in masked and [root, "incomes"] in masked

    _check_members(h["members"], stored, expect["Household.members"], masked)

    if expect["Household.claims"] == FULL:
        assert {c["id"] for c in h["claims"]} == stored.claims
        assert {e["node"]["id"] for e in h["claimsConnection"]["edges"]} == stored.claims
    else:
        assert h["claims"] == [] and h["claimsConnection"]["edges"] == []
        assert [root, "claims"] in masked and [root, "claimsConnection"] in masked
    assert h["claimsConnection"]["totalCount"] == len(stored.claims)  # an aggregate: always true

    for field in ("helpersHistory", "coverage"):
        if expect[f"Household.{field}"] == FULL:
            assert h[field]
        else:
            assert h[field] == [] and [root, field] in masked

    if expect["Household.history"] == EMPTY:
        assert h["history"]["edges"] == [] and [root, "history"] in masked

    _check_measures(h["measures"], stored, expect)
    _check_helpers(h["helpers"], stored, expect["Cadre.name"])

    gains = {Decimal(link["incomeGain"]) if link["incomeGain"] else None for link in h["drivenBy"]}
    assert all(link["enterprise"]["name"] and link["mode"] for link in h["drivenBy"])
    if expect["DriveLink.incomeGain"] == FULL:
        assert gains == stored.gains
    else:
        assert gains == {None}

    qr = h["qr"]
    if expect["QrCode.token"] == FULL:
        assert qr["token"] == stored.token and qr["url"].endswith("/q/" + stored.token) and qr["svg"].startswith("<svg")
    else:
        assert qr == {"token": "***", "url": "***", "svg": "***"}
        assert [root, "qr", "token"] in masked
    if view in ADMIN_LIKE:
        assert masked == []


def _check_members(members: list[dict[str, Any]], stored: Stored, expect: str, masked: list[list[Any]]) -> None:
    if expect == EMPTY:
        assert members == [] and ["household", "members"] in masked
        return
    names = sorted(p["name"] for p in stored.members.values())
    if expect == FULL:
        assert sorted(m["name"] for m in members) == names
        by_id = {m["idNumber"]: m for m in members}
        assert set(by_id) == set(stored.members)
        for id_number, person in stored.members.items():
            assert by_id[id_number]["birthDate"] == person["birthDate"].iso_format()
            assert by_id[id_number]["health"] == person.get("health")
        return
    # Pseudonymous: relations stay, identities go.
    assert sorted(m["name"] for m in members) == sorted(_masked_name(n) for n in names)
    assert not {m["name"] for m in members} & set(names)
    for index, member in enumerate(members):
        assert member["idNumber"] is None and member["birthDate"] is None and member["health"] is None
        for field in ("name", "idNumber", "birthDate", "health"):
            assert ["household", "members", index, field] in masked


def _check_measures(measures: list[dict[str, Any]], stored: Stored, expect: dict[str, str]) -> None:
    assert sorted((m["kind"], m["year"]) for m in measures) == sorted((m["kind"], m["year"]) for m in stored.measures)
    descriptions = sorted(m["description"] for m in measures)
    amounts = [m["amount"] for m in measures]
    if expect["Measure.description"] == FULL:
        assert descriptions == sorted(m.get("description") or "" for m in stored.measures)
    else:
        assert set(descriptions) == {"***"}
    if expect["Measure.amount"] == FULL:
        assert sorted(Decimal(a) for a in amounts) == sorted(Decimal(m["amountFen"]) / 100 for m in stored.measures)
    else:
        assert set(amounts) == {None}


def _check_helpers(helpers: list[dict[str, Any]], stored: Stored, expect: str) -> None:
    assert helpers and all(h["role"] for h in helpers)
    names = {h["name"] for h in helpers}
    if expect == FULL:
        assert names == stored.helper_names
    else:
        assert names == {_masked_name(n) for n in stored.helper_names}
        assert not names & stored.helper_names


async def test_anonymous_callers_reach_a_household_only_through_its_code(gql: GraphQLPost, stored: Stored) -> None:
    anonymous = Viewer.anonymous()
    body = await gql(BY_ID, {"id": stored.household_id}, as_viewer=anonymous)
    assert body["data"] == {"household": None} and error_codes(body) == ["FORBIDDEN"]
    for node_id in (stored.household_id, sorted(stored.claims)[0]):
        body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": node_id}, as_viewer=anonymous)
        assert body["data"] == {"node": None} and error_codes(body) == ["FORBIDDEN"]
    scanned = data_of(await gql(BY_TOKEN, {"token": stored.token}, as_viewer=anonymous))["household"]
    assert scanned["id"] == stored.household_id


async def test_claims_by_id_are_for_administrators(gql: GraphQLPost, stored: Stored) -> None:
    claim = sorted(stored.claims)[0]
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert data_of(await gql(query, {"id": claim}))["node"] == {"id": claim}
    for view in ("cadre in village", "analyst"):
        body = await gql(query, {"id": claim}, as_viewer=VIEWERS[view](stored))
        assert error_codes(body) == ["FORBIDDEN"]


CONNECTIONS = """query($village: ID!) {
  households(first: 3) { totalCount edges { node { id } } }
  village(code: $village) { households(first: 3) { totalCount edges { node { id } } } }
  industry(code: "FUNGI") { drivenHouseholds(first: 3) { totalCount edges { node { id } } } }
}"""

RAW_COUNTS = """
RETURN COUNT { (:Household) } AS county,
       COUNT { (:Household)-[:IN]->(:Village {code: $village}) } AS village,
       COUNT { MATCH (h:Household)
               WHERE EXISTS { (h)-[:ENGAGES_IN]->(:Industry {code: 'FUNGI'}) }
                  OR EXISTS { (h)<-[:DRIVES]-(:Enterprise)-[:IN_INDUSTRY]->(:Industry {code: 'FUNGI'}) } } AS fungi"""


@pytest.mark.parametrize("view", ["anonymous", "analyst", "cadre elsewhere"])
async def test_connections_list_households_only_to_those_who_may(
    gql: GraphQLPost, driver: AsyncDriver, stored: Stored, view: str
) -> None:
    records, _, _ = await driver.execute_query(RAW_COUNTS, village=stored.village)
    counts = records[0]
    body = await gql(CONNECTIONS, {"village": stored.village}, as_viewer=VIEWERS[view](stored))
    data = data_of(body)
    connections = {
        "county": data["households"],
        "village": data["village"]["households"],
        "fungi": data["industry"]["drivenHouseholds"],
    }
    for key, connection in connections.items():
        assert connection["totalCount"] == counts[key]
        assert len(connection["edges"]) == (0 if view == "anonymous" else 3)
    if view == "anonymous":
        assert ["households", "edges"] in body["extensions"]["masked"]


NAME_LOOKUPS = [
    "{ households(first: 1, orderBy: HEAD_NAME) { edges { node { id } } } }",
    '{ households(first: 1, filter: {OR: [{headNameContains: "王"}]}) { totalCount } }',
]


@pytest.mark.parametrize("query", NAME_LOOKUPS)
async def test_analysts_neither_sort_nor_search_by_name(gql: GraphQLPost, stored: Stored, query: str) -> None:
    assert error_codes(await gql(query, as_viewer=VIEWERS["analyst"](stored))) == ["FORBIDDEN"]
    assert "errors" not in await gql(query, as_viewer=VIEWERS["cadre in village"](stored))


async def test_search_finds_households_only_in_full_view(gql: GraphQLPost, stored: Stored) -> None:
    query = "query($text: String!) { search(text: $text, first: 100) { __typename ... on Household { id } } }"
    for view, found in (("admin", True), ("cadre in village", True), ("cadre elsewhere", False), ("analyst", False)):
        hits = data_of(await gql(query, {"text": stored.head_name}, as_viewer=VIEWERS[view](stored)))["search"]
        assert ({"__typename": "Household", "id": stored.household_id} in hits) is found, view


async def test_lookup_by_id_number_is_for_admins_and_cadres_in_scope(gql: GraphQLPost, stored: Stored) -> None:
    query = "query($n: String!) { householdByIdNumber(idNumber: $n) { id } }"
    number = sorted(stored.members)[0]
    assert data_of(await gql(query, {"n": number}))["householdByIdNumber"] == {"id": stored.household_id}
    in_scope = await gql(query, {"n": number}, as_viewer=VIEWERS["cadre in village"](stored))
    assert data_of(in_scope)["householdByIdNumber"] == {"id": stored.household_id}
    elsewhere = await gql(query, {"n": number}, as_viewer=VIEWERS["cadre elsewhere"](stored))
    assert data_of(elsewhere)["householdByIdNumber"] is None
    for view in ("analyst", "anonymous"):
        assert error_codes(await gql(query, {"n": number}, as_viewer=VIEWERS[view](stored))) == ["FORBIDDEN"]
