"""addMember, removeMember and splitHousehold over HTTP: who belongs where afterwards (raw Cypher), the
past membership kept, per-capita income and the rollups following the new size, the Changes recorded,
every refusal with its code and field path, and who may."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from neo4j import AsyncDriver

from tests.api import test_aggregates as aggregates
from tests.api.changes import ANALYST, FAR_CADRE, latest_change, new_household, one, refusal, rows
from tests.api.writes import VILLAGE, fresh_id, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

TOWNSHIP = VILLAGE[:9] + "000"
HEAD = "户主"

ADD = """mutation($id: ID!, $member: MemberInput!, $reason: MemberJoinReason!, $date: Date) {
  addMember(householdId: $id, member: $member, reason: $reason, date: $date) { id size headName } }"""
REMOVE = """mutation($id: ID!, $n: String!, $reason: MemberLeaveReason!, $date: Date!, $head: String, $note: String) {
  removeMember(householdId: $id, idNumber: $n, reason: $reason, date: $date, newHeadIdNumber: $head, note: $note) {
    id size headName } }"""
SPLIT = """mutation($id: ID!, $members: [SplitMemberInput!]!, $date: Date!, $reason: String!) {
  splitHousehold(householdId: $id, members: $members, date: $date, reason: $reason) {
    original { id size } household { id size headName status registeredPoor village { code } qr { url } } } }"""
INCOME = "mutation($id: ID!, $income: IncomeInput!) { recordIncome(householdId: $id, income: $income) { id } }"
MEMBERS = """MATCH (p:Person)-[m:MEMBER_OF]->(:Household {id: $id})
RETURN p.idNumber AS idNumber, m.relation AS relation ORDER BY relation = '户主' DESC, idNumber"""
PER_CAPITA = "MATCH (:Household {id: $id})-[:EARNED]->(i:Income {year: $year}) RETURN i.netPerCapitaFen AS fen"


async def family(gql: GraphQLPost, *relations: str, poor: bool = False) -> tuple[str, list[str]]:
    """A household of the test: its id and its members' ID numbers (the head first)."""
    ids = [fresh_id() for _ in (HEAD, *relations)]
    people = [member(f"人{n}", relation, ids[n]) for n, relation in enumerate((HEAD, *relations))]
    extra: dict[str, Any] = {"registeredPoor": True, "status": "POOR"} if poor else {}
    household = data_of(await register(gql, household_input(*people, **extra)))["registerHousehold"]["id"]
    return str(household), ids


async def earn(gql: GraphQLPost, household_id: str, wage: str, year: int = 2018) -> None:
    income = {"year": year, "wage": wage, "operating": "0", "property": "0", "transfer": "0"}
    data_of(await gql(INCOME, {"id": household_id, "income": income}))


async def test_a_birth_joins_on_its_birth_date_and_income_per_capita_follows(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household, _ = await family(gql, "之子", "之儿媳")
    await earn(gql, household, "12000.01")
    before = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    born = datetime.date(2018, 5, 3)
    baby = fresh_id(False, born)
    added = await gql(ADD, {"id": household, "member": member("小孙女", "之孙女", baby), "reason": "BIRTH"})
    assert data_of(added)["addMember"]["size"] == 4
    joined = await one(
        driver,
        "MATCH (p:Person {idNumber: $n})-[m:MEMBER_OF]->(:Household {id: $id}) "
        "RETURN m.relation AS relation, toString(m.since) AS since, m.reason AS reason, p.sex AS sex",
        n=baby,
        id=household,
    )
    assert joined == {"relation": "之孙女", "since": born.isoformat(), "reason": "BIRTH", "sex": "FEMALE"}
    assert (await one(driver, PER_CAPITA, id=household, year=2018))["fen"] == 1_200_001 // 4
    change = await latest_change(driver, household)
    assert change["action"] == "addMember"
    # The head first, then by birth date (random here).
    before_members, after_members = change["fields"]["members"]["before"], change["fields"]["members"]["after"]
    assert before_members[0] == "人0 (户主)" and sorted(before_members[1:]) == ["人1 (之子)", "人2 (之儿媳)"]
    assert after_members[0] == "人0 (户主)" and sorted(after_members[1:]) == sorted(
        [*before_members[1:], "小孙女 (之孙女)"]
    )
    assert change["fields"]["income.2018.netPerCapita"] == {"before": "4000.00", "after": "3000.00"}
    assert change["fields"]["joined"]["after"] == "小孙女 (之孙女), BIRTH 2018-05-03"
    after = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    assert after["village"]["stats"]["population"] == before["village"]["stats"]["population"] + 1


async def test_add_member_refusals(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "之子")
    other, other_ids = await family(gql)
    baby = fresh_id(True, datetime.date(2019, 1, 1))
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"member": member("甲", HEAD), "reason": "MARRIAGE_IN"}, ("BAD_USER_INPUT", "member.relation")),
        ({"member": member("甲", "表哥"), "reason": "MARRIAGE_IN"}, ("BAD_USER_INPUT", "member.relation")),
        ({"member": member("甲", "配偶", "123"), "reason": "MARRIAGE_IN"}, ("BAD_USER_INPUT", "member.idNumber")),
        ({"member": member(" ", "配偶"), "reason": "MARRIAGE_IN"}, ("BAD_USER_INPUT", "member.name")),
        (
            {"member": member("乙", "之孙子", baby), "reason": "BIRTH", "date": "2019-01-02"},
            ("BAD_USER_INPUT", "date"),
        ),
        ({"member": member("丙", "配偶"), "reason": "MOVED_IN", "date": "2999-01-01"}, ("BAD_USER_INPUT", "date")),
        ({"member": member("丁", "配偶", other_ids[0]), "reason": "MARRIAGE_IN"}, ("CONFLICT", "member.idNumber")),
        ({"member": member("戊", "之子", ids[1]), "reason": "MOVED_IN"}, ("CONFLICT", "member.idNumber")),
    ]
    for variables, expected in cases:
        assert refusal(await gql(ADD, {"id": household, **variables})) == expected, variables
    unknown = {"id": "H000000000000099999", "member": member("己", "配偶"), "reason": "MOVED_IN"}
    assert refusal(await gql(ADD, unknown)) == ("NOT_FOUND", "householdId")
    assert len(await rows(driver, MEMBERS, id=household)) == 2
    assert len(await rows(driver, MEMBERS, id=other)) == 1


async def test_a_death_keeps_the_past_membership_and_per_capita_follows(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "之父", "之子")
    await earn(gql, household, "9000.00")
    before = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    variables = {"id": household, "n": ids[1], "reason": "DEATH", "date": "2018-09-30", "note": "病故"}
    assert data_of(await gql(REMOVE, variables))["removeMember"]["size"] == 2
    left = await one(
        driver,
        "MATCH (p:Person {idNumber: $n})-[l:LEFT]->(:Household {id: $id}) "
        "RETURN l.relation AS relation, toString(l.date) AS date, l.reason AS reason, toString(p.deathDate) AS died, "
        "EXISTS { (p)-[:MEMBER_OF]->() } AS member",
        n=ids[1],
        id=household,
    )
    assert left == {"relation": "之父", "date": "2018-09-30", "reason": "DEATH", "died": "2018-09-30", "member": False}
    assert (await one(driver, PER_CAPITA, id=household, year=2018))["fen"] == 450_000
    change = await latest_change(driver, household)
    assert change["action"] == "removeMember"
    assert change["fields"]["left"]["after"] == "人1 (之父), DEATH 2018-09-30: 病故"
    assert change["fields"]["income.2018.netPerCapita"] == {"before": "3000.00", "after": "4500.00"}
    assert change["fields"]["members"]["after"] == ["人0 (户主)", "人2 (之子)"]
    after = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    assert after["village"]["stats"]["population"] == before["village"]["stats"]["population"] - 1
    again = {"id": household, "member": member("人1", "之父", ids[1]), "reason": "MOVED_IN"}
    assert refusal(await gql(ADD, again)) == ("BAD_USER_INPUT", "member.idNumber")


async def test_marrying_out_then_in_moves_the_same_person(gql: GraphQLPost, driver: AsyncDriver) -> None:
    home, ids = await family(gql, "之女")
    other, _ = await family(gql)
    leave = {"id": home, "n": ids[1], "reason": "MARRIAGE_OUT", "date": "2020-10-01"}
    data_of(await gql(REMOVE, leave))
    join = {"id": other, "member": member("人1", "配偶", ids[1]), "reason": "MARRIAGE_IN", "date": "2020-10-01"}
    assert data_of(await gql(ADD, join))["addMember"]["size"] == 2
    person = await one(
        driver,
        "MATCH (p:Person {idNumber: $n}) RETURN count(p) AS people, "
        "[(p)-[m:MEMBER_OF]->(h) | h.id] AS now, [(p)-[l:LEFT]->(h) | [h.id, l.reason]] AS before",
        n=ids[1],
    )
    assert person == {"people": 1, "now": [other], "before": [[home, "MARRIAGE_OUT"]]}


async def test_the_head_leaves_only_for_a_named_new_head(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "配偶", "之子")
    base = {"id": household, "reason": "DEATH", "date": "2021-03-01"}
    assert refusal(await gql(REMOVE, {**base, "n": ids[0]})) == ("BAD_USER_INPUT", "newHeadIdNumber")
    outsider = {**base, "n": ids[0], "head": fresh_id()}
    assert refusal(await gql(REMOVE, outsider)) == ("BAD_USER_INPUT", "newHeadIdNumber")
    assert refusal(await gql(REMOVE, {**base, "n": ids[0], "head": ids[0]})) == ("BAD_USER_INPUT", "newHeadIdNumber")
    assert refusal(await gql(REMOVE, {**base, "n": ids[2], "head": ids[1]})) == ("BAD_USER_INPUT", "newHeadIdNumber")
    assert refusal(await gql(REMOVE, {**base, "n": fresh_id()})) == ("BAD_USER_INPUT", "idNumber")
    assert refusal(await gql(REMOVE, {**base, "n": "x"})) == ("BAD_USER_INPUT", "idNumber")
    assert refusal(await gql(REMOVE, {**base, "n": ids[2], "date": "2999-01-01"})) == ("BAD_USER_INPUT", "date")
    assert refusal(await gql(REMOVE, {**base, "n": ids[2], "note": "长" * 201})) == ("BAD_USER_INPUT", "note")
    done = data_of(await gql(REMOVE, {**base, "n": ids[0], "head": ids[1]}))["removeMember"]
    assert done == {"id": household, "size": 2, "headName": "人1"}
    stored = await rows(driver, MEMBERS, id=household)
    assert stored == [{"idNumber": ids[1], "relation": HEAD}, {"idNumber": ids[2], "relation": "之子"}]
    assert (await one(driver, "MATCH (h:Household {id: $id}) RETURN h.headName AS name", id=household))["name"] == "人1"
    assert (await latest_change(driver, household))["fields"]["headName"] == {"before": "人0", "after": "人1"}
    # Down to one member: the last one cannot leave.
    data_of(await gql(REMOVE, {**base, "n": ids[2], "reason": "MOVED_OUT"}))
    assert refusal(await gql(REMOVE, {**base, "n": ids[1]})) == ("BAD_USER_INPUT", "idNumber")


async def test_a_split_forms_a_new_household_with_its_own_qr_code(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "配偶", "之子", "之儿媳", poor=True)
    await earn(gql, household, "16000.00")
    before = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    moving = [{"idNumber": ids[2], "relation": HEAD}, {"idNumber": ids[3], "relation": "配偶"}]
    variables = {"id": household, "members": moving, "date": "2018-07-01", "reason": "儿子成家分户"}
    split = data_of(await gql(SPLIT, variables))["splitHousehold"]
    new = split["household"]
    assert split["original"] == {"id": household, "size": 2}
    assert new["id"] != household and new["id"].startswith("H" + VILLAGE)
    assert {k: new[k] for k in ("size", "headName", "status", "registeredPoor")} == {
        "size": 2,
        "headName": "人2",
        "status": "POOR",
        "registeredPoor": True,
    }
    assert new["village"]["code"] == VILLAGE and new["qr"]["url"]
    assert await rows(driver, MEMBERS, id=new["id"]) == [
        {"idNumber": ids[2], "relation": HEAD},
        {"idNumber": ids[3], "relation": "配偶"},
    ]
    assert [r["idNumber"] for r in await rows(driver, MEMBERS, id=household)] == ids[:2]
    codes = await one(
        driver,
        "MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household {id: $id}) WHERE q.revokedAt IS NULL "
        "RETURN count(q) AS valid, h.splitFrom AS origin",
        id=new["id"],
    )
    assert codes == {"valid": 1, "origin": household}
    left = await rows(
        driver,
        "MATCH (p:Person)-[l:LEFT {reason: 'SPLIT'}]->(:Household {id: $id}) RETURN p.idNumber AS n",
        id=household,
    )
    assert sorted(r["n"] for r in left) == sorted(ids[2:])
    assert (await one(driver, PER_CAPITA, id=household, year=2018))["fen"] == 800_000
    original_change = await latest_change(driver, household)
    assert original_change["action"] == "splitHousehold"
    assert original_change["fields"]["splitInto"]["after"] == f"{new['id']}: 儿子成家分户"
    assert original_change["fields"]["income.2018.netPerCapita"] == {"before": "4000.00", "after": "8000.00"}
    new_change = await latest_change(driver, new["id"])
    assert new_change["fields"]["splitFrom"]["after"] == f"{household}: 儿子成家分户"
    assert new_change["fields"]["members"]["after"] == ["人2 (户主)", "人3 (配偶)"]
    after = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    assert after["village"]["stats"]["households"] == before["village"]["stats"]["households"] + 1
    assert after["village"]["stats"]["population"] == before["village"]["stats"]["population"]


async def test_split_refusals(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "之子", "之女")
    base = {"id": household, "date": "2021-01-01", "reason": "分户"}
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"members": []}, ("BAD_USER_INPUT", "members")),
        ({"members": [{"idNumber": ids[0], "relation": HEAD}]}, ("BAD_USER_INPUT", "members.0.idNumber")),
        ({"members": [{"idNumber": ids[1], "relation": "之子"}]}, ("BAD_USER_INPUT", "members.0.relation")),
        (
            {"members": [{"idNumber": ids[1], "relation": HEAD}, {"idNumber": ids[2], "relation": HEAD}]},
            ("BAD_USER_INPUT", "members.1.relation"),
        ),
        (
            {"members": [{"idNumber": ids[1], "relation": HEAD}, {"idNumber": ids[1], "relation": "配偶"}]},
            ("BAD_USER_INPUT", "members.1.idNumber"),
        ),
        (
            {"members": [{"idNumber": ids[1], "relation": HEAD}, {"idNumber": fresh_id(), "relation": "配偶"}]},
            ("BAD_USER_INPUT", "members.1.idNumber"),
        ),
        ({"members": [{"idNumber": ids[1], "relation": HEAD}], "reason": " "}, ("BAD_USER_INPUT", "reason")),
        ({"members": [{"idNumber": ids[1], "relation": HEAD}], "date": "2999-01-01"}, ("BAD_USER_INPUT", "date")),
    ]
    for variables, expected in cases:
        assert refusal(await gql(SPLIT, {**base, **variables})) == expected, variables
    assert len(await rows(driver, MEMBERS, id=household)) == 3


async def test_scope_cadres_in_their_villages_only_analysts_never(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, ids = await family(gql, "之子")
    calls = [
        (ADD, {"id": household, "member": member("甲", "配偶"), "reason": "MARRIAGE_IN"}),
        (REMOVE, {"id": household, "n": ids[1], "reason": "MOVED_OUT", "date": "2021-01-01"}),
        (
            SPLIT,
            {
                "id": household,
                "members": [{"idNumber": ids[1], "relation": HEAD}],
                "date": "2021-01-01",
                "reason": "分户",
            },
        ),
    ]
    for query, variables in calls:
        for viewer in (FAR_CADRE, ANALYST):
            assert error_codes(await gql(query, variables, as_viewer=viewer)) == ["FORBIDDEN"], (query, viewer)
    assert len(await rows(driver, MEMBERS, id=household)) == 2


async def test_a_deregistered_household_takes_no_members(gql: GraphQLPost) -> None:
    household = await new_household(gql, size=2)
    gone = 'mutation($id: ID!) { deregisterHousehold(id: $id, reason: "迁出") { id } }'
    data_of(await gql(gone, {"id": household}))
    body = await gql(ADD, {"id": household, "member": member("甲", "配偶"), "reason": "MARRIAGE_IN"})
    assert refusal(body) == ("NOT_FOUND", "householdId")


@pytest.mark.parametrize("known", [False, True])
async def test_two_households_taking_one_person_in_at_once_make_one_member(
    gql: GraphQLPost, driver: AsyncDriver, known: bool
) -> None:
    for _ in range(3):
        first, _ = await family(gql)
        second, _ = await family(gql)
        person = fresh_id()
        if known:  # someone who married out of a third household: a Person already in the graph
            home, ids = await family(gql, "之女")
            person = ids[1]
            data_of(await gql(REMOVE, {"id": home, "n": person, "reason": "MARRIAGE_OUT", "date": "2022-05-01"}))
        bodies = await asyncio.gather(
            *(
                gql(ADD, {"id": household, "member": member("新人", "配偶", person), "reason": "MARRIAGE_IN"})
                for household in (first, second)
            )
        )
        codes = sorted(body["errors"][0]["extensions"]["code"] if "errors" in body else "OK" for body in bodies)
        assert codes == ["CONFLICT", "OK"], bodies
        memberships = await rows(
            driver, "MATCH (:Person {idNumber: $n})-[:MEMBER_OF]->(h:Household) RETURN h.id AS id", n=person
        )
        assert len(memberships) == 1


async def test_names_notes_and_reasons_with_control_characters_are_refused(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household, ids = await family(gql, "之子", "之女")
    newcomer = fresh_id(False)
    added = await gql(
        ADD, {"id": household, "member": member("新\u0000娘", "之儿媳", newcomer), "reason": "MARRIAGE_IN"}
    )
    assert refusal(added) == ("BAD_USER_INPUT", "member.name")
    removal = {"id": household, "n": ids[2], "reason": "MARRIAGE_OUT", "date": "2021-01-01"}
    assert refusal(await gql(REMOVE, {**removal, "note": "嫁\u001b出"})) == ("BAD_USER_INPUT", "note")
    moving = [{"idNumber": ids[1], "relation": HEAD}]
    split = {"id": household, "members": moving, "date": "2021-01-01", "reason": "分\u0000户"}
    assert refusal(await gql(SPLIT, split)) == ("BAD_USER_INPUT", "reason")
    assert [r["idNumber"] for r in await rows(driver, MEMBERS, id=household)] == sorted(ids[:1]) + sorted(ids[1:])
    assert await rows(driver, "MATCH (p:Person {idNumber: $n}) RETURN p.name AS name", n=newcomer) == []
