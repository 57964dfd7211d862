"""The audit over real HTTP: every scan (GraphQL and page) is recorded with its result, the caller and a
hashed client address; administrators list a household's records, analysts count scans per village and
day; a clean shutdown loses no record. Expected values come from raw Cypher."""

from __future__ import annotations

import asyncio
import datetime
import re
import secrets
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from tests.conftest import GraphQLPost
from tests.helpers import bearer, data_of, error_codes, mint_token, serve_app

SCAN = "query($token: String!) { scan(token: $token) { __typename } }"
AUDIT = """query($id: ID!, $first: Int, $after: String) {
  householdAudit(householdId: $id, first: $first, after: $after) {
    totalCount
    edges { cursor node { id kind at role sub householdId villageCode subjectKind subjectKey result client fields } }
    pageInfo { hasNextPage endCursor }
  }
}"""
BY_DAY = """query($since: Date!, $until: Date!, $villages: [String!]) {
  scansByVillageAndDay(since: $since, until: $until, villageCodes: $villages) { villageCode day scans }
}"""


async def _household_token(driver: AsyncDriver, offset: int) -> tuple[str, str, str]:
    """A household's current token, its id and its village code (a different household per offset)."""
    records, _, _ = await driver.execute_query(
        """MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)-[:IN]->(v:Village) WHERE q.revokedAt IS NULL
        RETURN q.token AS token, h.id AS id, v.code AS village ORDER BY h.id SKIP $offset LIMIT 1""",
        offset=offset,
    )
    return records[0]["token"], records[0]["id"], records[0]["village"]


async def _scan_events(driver: AsyncDriver, sub: str, expected: int, timeout_s: float = 10) -> list[dict[str, Any]]:
    """The scan records of a caller, once `expected` of them are written (they are written in batches)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        records, _, _ = await driver.execute_query(
            "MATCH (e:ScanEvent {sub: $sub}) RETURN e {.*} AS e ORDER BY e.at", sub=sub
        )
        if len(records) >= expected or asyncio.get_running_loop().time() > deadline:
            return [r["e"] for r in records]
        await asyncio.sleep(0.2)


async def test_scans_are_recorded_with_their_result(
    gql: GraphQLPost, http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    token, household, village = await _household_token(driver, 101)
    cadre = Viewer(Role.CADRE, sub=f"cadre-{uuid.uuid4()}", villages=frozenset({village}))
    assert data_of(await gql(SCAN, {"token": token}, as_viewer=cadre))["scan"] == {"__typename": "Household"}
    assert data_of(await gql(SCAN, {"token": secrets.token_urlsafe(18)}, as_viewer=cadre))["scan"] is None
    page = await http.get(f"/q/{token}", headers=bearer(mint_token(Role.CADRE, [village], sub=cadre.sub)))
    assert page.status_code == 200

    events = await _scan_events(driver, cadre.sub or "", 3)
    assert [e["result"] for e in events] == ["FOUND", "UNKNOWN", "FOUND"]
    found, unknown, from_page = events
    for event in (found, from_page):
        assert (event["subjectKind"], event["subjectKey"]) == ("Household", household)
        assert (event["household"], event["village"]) == (household, village)
    assert unknown.get("subjectKey") is None and unknown.get("household") is None
    for event in events:
        assert event["role"] == "CADRE"
        # the client address is kept salted and hashed, the same for every request of one client
        assert re.fullmatch(r"[0-9a-f]{32}", event["client"]) and event["client"] == events[0]["client"]
        day = event["at"].to_native().astimezone(ZoneInfo("Asia/Shanghai")).date()
        assert event["day"].to_native() == day


async def test_anonymous_scans_are_recorded(anonymous_http: httpx.AsyncClient, driver: AsyncDriver) -> None:
    token, household, _ = await _household_token(driver, 102)
    before, _, _ = await driver.execute_query(
        "MATCH (e:ScanEvent {household: $id, role: 'ANONYMOUS'}) RETURN count(e) AS n", id=household
    )
    response = await anonymous_http.post("/graphql", json={"query": SCAN, "variables": {"token": token}})
    assert response.status_code == 200
    for _ in range(50):
        after, _, _ = await driver.execute_query(
            "MATCH (e:ScanEvent {household: $id, role: 'ANONYMOUS'}) RETURN count(e) AS n, collect(e.sub) AS subs",
            id=household,
        )
        if after[0]["n"] > before[0]["n"]:
            break
        await asyncio.sleep(0.2)
    assert after[0]["n"] == before[0]["n"] + 1
    assert set(after[0]["subs"]) == set()  # an anonymous caller has no sub (nulls are not collected)


async def test_an_administrator_lists_a_households_records(gql: GraphQLPost, driver: AsyncDriver) -> None:
    token, household, village = await _household_token(driver, 103)
    sub = f"cadre-{uuid.uuid4()}"
    cadre = Viewer(Role.CADRE, sub=sub, villages=frozenset({village}))
    for _ in range(3):
        data_of(await gql(SCAN, {"token": token}, as_viewer=cadre))
    await _scan_events(driver, sub, 3)
    expected, _, _ = await driver.execute_query(
        "MATCH (e:AuditEvent {household: $id}) RETURN e.id AS id ORDER BY e.at DESC, e.id DESC", id=household
    )
    expected_ids = [r["id"] for r in expected]

    seen: list[str] = []
    after = None
    while True:
        audit = data_of(await gql(AUDIT, {"id": household, "first": 2, "after": after}))["householdAudit"]
        assert audit["totalCount"] == len(expected_ids)
        seen += [edge["node"]["id"] for edge in audit["edges"]]
        if not audit["pageInfo"]["hasNextPage"]:
            break
        after = audit["pageInfo"]["endCursor"]
    assert seen == expected_ids
    first = data_of(await gql(AUDIT, {"id": household, "first": 1}))["householdAudit"]["edges"][0]["node"]
    assert first["sub"] == sub and first["kind"] == "SCAN" and first["result"] == "FOUND"
    assert (first["householdId"], first["villageCode"], first["subjectKind"]) == (household, village, "Household")


@pytest.mark.parametrize(
    "viewer",
    [Viewer.anonymous(), Viewer(Role.CADRE, "c", frozenset({"141130200201"})), Viewer(Role.ANALYST, "a")],
    ids=["anonymous", "cadre", "analyst"],
)
async def test_only_administrators_read_the_audit(gql: GraphQLPost, viewer: Viewer) -> None:
    body = await gql(AUDIT, {"id": "H14113020020100001", "first": 1}, as_viewer=viewer)
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] == {"householdAudit": None}


async def test_analysts_count_scans_by_village_and_day(gql: GraphQLPost, driver: AsyncDriver) -> None:
    token, _, village = await _household_token(driver, 104)
    sub = f"cadre-{uuid.uuid4()}"
    for _ in range(2):
        data_of(await gql(SCAN, {"token": token}, as_viewer=Viewer(Role.CADRE, sub, frozenset({village}))))
    await _scan_events(driver, sub, 2)
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    since = today - datetime.timedelta(days=1)
    analyst = Viewer(Role.ANALYST, "analyst-1")
    rows = data_of(await gql(BY_DAY, {"since": since.isoformat(), "until": today.isoformat()}, as_viewer=analyst))
    counted = {(r["villageCode"], r["day"]): r["scans"] for r in rows["scansByVillageAndDay"]}
    expected, _, _ = await driver.execute_query(
        """MATCH (e:ScanEvent) WHERE e.day >= date($since) AND e.day <= date($until) AND e.village IS NOT NULL
        RETURN e.village AS village, toString(e.day) AS day, count(*) AS n""",
        since=since.isoformat(),
        until=today.isoformat(),
    )
    assert counted == {(r["village"], r["day"]): r["n"] for r in expected}
    assert counted[(village, today.isoformat())] >= 2
    one = data_of(
        await gql(
            BY_DAY, {"since": today.isoformat(), "until": today.isoformat(), "villages": [village]}, as_viewer=analyst
        )
    )["scansByVillageAndDay"]
    assert [r["villageCode"] for r in one] == [village]
    cadre = Viewer(Role.CADRE, "c", frozenset({village}))
    assert error_codes(await gql(BY_DAY, {"since": "2026-01-01", "until": "2026-01-02"}, as_viewer=cadre)) == [
        "FORBIDDEN"
    ]
    too_long = await gql(BY_DAY, {"since": "2024-01-01", "until": "2026-01-02"}, as_viewer=analyst)
    assert error_codes(too_long) == ["BAD_USER_INPUT"]


async def test_no_record_is_lost_across_a_clean_restart(neo4j_uri: str, driver: AsyncDriver, tmp_path: Path) -> None:
    token, household, village = await _household_token(driver, 105)
    sub = f"cadre-{uuid.uuid4()}"
    headers = bearer(mint_token(Role.CADRE, [village], sub=sub))
    scans = 25
    # A flush interval far longer than the test: only the shutdown flush can write these records.
    with serve_app(neo4j_uri, tmp_path, AUDIT_FLUSH_S="600", SCAN_RATE_LIMIT="0") as base_url:
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
            responses = await asyncio.gather(
                *(client.post("/graphql", json={"query": SCAN, "variables": {"token": token}}) for _ in range(scans))
            )
            assert all(r.status_code == 200 for r in responses)
        assert await _scan_events(driver, sub, scans, timeout_s=0) == []  # still pending in the server
    with serve_app(neo4j_uri, tmp_path) as base_url:  # the restart
        records = await _scan_events(driver, sub, scans, timeout_s=0)
        assert len(records) == scans
        assert {r["household"] for r in records} == {household}
        async with httpx.AsyncClient(base_url=base_url, headers=bearer(mint_token(Role.ADMIN))) as admin:
            body = (
                await admin.post("/graphql", json={"query": AUDIT, "variables": {"id": household, "first": 100}})
            ).json()
            listed = [e["node"]["sub"] for e in data_of(body)["householdAudit"]["edges"]]
            assert listed.count(sub) == scans


READ = """query($id: ID!) {
  household(id: $id) { id headName primaryCause incomePerCapita size members { name idNumber relation } }
}"""


async def _read_events(driver: AsyncDriver, sub: str, expected: int, timeout_s: float = 10) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        records, _, _ = await driver.execute_query(
            "MATCH (e:ReadEvent {sub: $sub}) RETURN e {.*} AS e ORDER BY e.at", sub=sub
        )
        if len(records) >= expected or asyncio.get_running_loop().time() > deadline:
            return [r["e"] for r in records]
        await asyncio.sleep(0.2)


async def test_reads_of_personal_data_are_recorded(gql: GraphQLPost, driver: AsyncDriver) -> None:
    _, household, village = await _household_token(driver, 106)
    sub = f"cadre-{uuid.uuid4()}"
    in_scope = Viewer(Role.CADRE, sub=sub, villages=frozenset({village}))
    data_of(await gql(READ, {"id": household}, as_viewer=in_scope))
    [event] = await _read_events(driver, sub, 1)
    assert (event["household"], event["village"], event["role"]) == (household, village, "CADRE")
    assert event["fields"] == sorted(
        ["headName", "primaryCause", "incomePerCapita", "members", "members.name", "members.idNumber"]
    )

    analyst = Viewer(Role.ANALYST, sub=f"analyst-{uuid.uuid4()}")
    data_of(await gql(READ, {"id": household}, as_viewer=analyst))
    [seen_by_analyst] = await _read_events(driver, analyst.sub or "", 1)
    # an analyst's view is pseudonymous: the income and the members list, never a name or an ID number
    assert seen_by_analyst["fields"] == ["incomePerCapita", "members"]

    # an administrator's reads are recorded too; an anonymous caller reads no personal data
    admin = Viewer(Role.ADMIN, sub=f"admin-{uuid.uuid4()}")
    data_of(await gql("query($id: ID!) { household(id: $id) { headName } }", {"id": household}, as_viewer=admin))
    [by_admin] = await _read_events(driver, admin.sub or "", 1)
    assert by_admin["fields"] == ["headName"]


@pytest.mark.mutates
async def test_a_retired_token_is_recorded_as_retired(gql: GraphQLPost, driver: AsyncDriver) -> None:
    token, household, village = await _household_token(driver, 107)
    revoked = await gql("mutation($t: String!) { revokeQr(token: $t) { url } }", {"t": token})
    assert "errors" not in revoked, revoked
    sub = f"cadre-{uuid.uuid4()}"
    cadre = Viewer(Role.CADRE, sub=sub, villages=frozenset({village}))
    assert data_of(await gql(SCAN, {"token": token}, as_viewer=cadre))["scan"] is None
    [event] = await _scan_events(driver, sub, 1)
    assert event["result"] == "RETIRED"
    assert (event["subjectKind"], event["subjectKey"], event["household"]) == ("Household", household, household)
