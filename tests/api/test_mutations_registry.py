"""registerHousehold, deregisterHousehold and householdByIdNumber over HTTP: validation with field paths,
idempotency, conflicts, scope, and what the graph holds afterwards (checked with raw Cypher)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from tests.api.writes import VILLAGE, fresh_id, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

OTHER_TOWNSHIP_VILLAGE = "141130100200"


async def scalar(driver: AsyncDriver, query: str, **params: Any) -> Any:
    records, _, _ = await driver.execute_query(query, params, routing_="r")
    return records[0][0] if records else None


def refusal(body: dict[str, Any]) -> tuple[str, str | None]:
    assert body.get("data") is None or not any(body["data"].values()), body
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("field")


async def test_register_stores_the_household_its_members_and_a_qr_code(gql: GraphQLPost, driver: AsyncDriver) -> None:
    head, spouse = fresh_id(True), fresh_id(False)
    payload = household_input(
        member("赵大", "户主", head[:-1] + head[-1].lower(), health="CHRONIC"), member("钱二", "配偶", spouse)
    )
    household = data_of(await register(gql, payload))["registerHousehold"]
    assert household["headName"] == "赵大" and household["size"] == 2 and household["status"] == "NOT_POOR"
    assert household["village"]["code"] == VILLAGE
    assert household["id"].startswith("H" + VILLAGE)
    stored = await driver.execute_query(
        "MATCH (p:Person)-[m:MEMBER_OF]->(h:Household {id: $id})-[:IN]->(v:Village) "
        "MATCH (:QrCode)-[:IDENTIFIES]->(h) "
        "RETURN p.idNumber AS id, p.sex AS sex, p.birthDate AS born, m.relation AS relation, v.code AS village "
        "ORDER BY relation = '户主' DESC",
        {"id": household["id"]},
        routing_="r",
    )
    rows = [dict(r) for r in stored.records]
    assert [(r["id"], r["relation"], r["sex"]) for r in rows] == [(head, "户主", "MALE"), (spouse, "配偶", "FEMALE")]
    assert rows[0]["born"].iso_format() == f"{head[6:10]}-{head[10:12]}-{head[12:14]}"


async def test_registering_the_same_head_again_returns_the_household_unchanged(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    head = fresh_id()
    first = data_of(await register(gql, household_input(member("孙三", "户主", head))))["registerHousehold"]
    again = household_input(member("孙三改名", "户主", head), member("新成员", "之子"))
    second = data_of(await register(gql, again))["registerHousehold"]
    assert second["id"] == first["id"] and second["headName"] == "孙三" and second["size"] == 1
    assert await scalar(driver, "MATCH (:Person {idNumber: $id})-[r:MEMBER_OF]->() RETURN count(r)", id=head) == 1


async def test_a_member_of_another_household_is_a_conflict_naming_the_member(gql: GraphQLPost) -> None:
    taken = fresh_id()
    data_of(await register(gql, household_input(member("李四", "户主", taken))))
    body = await register(gql, household_input(member("周五", "户主"), member("李四", "之子", taken)))
    assert refusal(body) == ("CONFLICT", "input.members.1.idNumber")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"idNumber": "11010519491231002"}, "input.members.0.idNumber", "18 characters"),
        ({"idNumber": "110105194912310021"}, "input.members.0.idNumber", "check character"),
        ({"idNumber": "999999194912310021"}, "input.members.0.idNumber", "region code"),
        ({"idNumber": "110105194902300024"}, "input.members.0.idNumber", "not a calendar date"),
        ({"relation": "配偶"}, "input.members.0.relation", "head"),
        ({"relation": "表哥"}, "input.members.0.relation", "is not one of"),
        ({"sex": "MALE", "idNumber": "11010519491231002X"}, "input.members.0.sex", "female"),
        ({"health": "FINE"}, "input.members.0.health", "is not one of"),
        ({"name": "  "}, "input.members.0.name", "blank"),
    ],
)
async def test_invalid_members_are_bad_input_with_the_field_path(
    gql: GraphQLPost, change: dict[str, str], field: str, message: str
) -> None:
    body = await register(gql, household_input({**member("吴六", "户主"), **change}))
    assert refusal(body) == ("BAD_USER_INPUT", field)
    assert message in body["errors"][0]["message"]


async def test_household_level_checks_name_their_field(gql: GraphQLPost) -> None:
    duplicate = fresh_id()
    cases = [
        (household_input(village="141130999999"), "input.villageCode"),
        (household_input(member("甲", "户主", duplicate), member("乙", "之子", duplicate)), "input.members.1.idNumber"),
        (household_input(member("甲", "户主"), member("乙", "户主")), "input.members.1.relation"),
        (household_input(status="POOR"), "input.registeredPoor"),
        ({"villageCode": VILLAGE, "members": []}, "input.members"),
    ]
    for payload, field in cases:
        assert refusal(await register(gql, payload)) == ("BAD_USER_INPUT", field), payload


async def test_enum_and_type_errors_are_bad_input(gql: GraphQLPost) -> None:
    body = await register(gql, household_input(status="RICH"))
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_cadres_write_within_their_villages_only_and_others_not_at_all(gql: GraphQLPost) -> None:
    cadre = Viewer(Role.CADRE, sub="cadre-test", villages=frozenset({VILLAGE}))
    inside = await register(gql, household_input(), as_viewer=cadre)
    assert data_of(inside)["registerHousehold"]["village"]["code"] == VILLAGE
    outside = await register(gql, household_input(village=OTHER_TOWNSHIP_VILLAGE), as_viewer=cadre)
    assert refusal(outside)[0] == "FORBIDDEN"
    for viewer in (Viewer(Role.ANALYST, sub="analyst"), Viewer.anonymous()):
        assert error_codes(await register(gql, household_input(), as_viewer=viewer)) == ["FORBIDDEN"]


LOOKUP = "query($n: String!) { householdByIdNumber(idNumber: $n) { id members { idNumber } } }"


async def test_household_by_id_number_finds_either_case_of_a_final_x(gql: GraphQLPost) -> None:
    while not (head := fresh_id()).endswith("X"):
        pass
    household = data_of(await register(gql, household_input(member("郑七", "户主", head.lower()))))["registerHousehold"]
    assert household["members"][0]["idNumber"] == head
    for spelling in (head, head.lower()):
        found = data_of(await gql(LOOKUP, {"n": spelling}))["householdByIdNumber"]
        assert found["id"] == household["id"]
    assert data_of(await gql(LOOKUP, {"n": fresh_id()}))["householdByIdNumber"] is None
    assert error_codes(await gql(LOOKUP, {"n": "12345"})) == ["BAD_USER_INPUT"]
    outsider = Viewer(Role.CADRE, sub="far-cadre", villages=frozenset({OTHER_TOWNSHIP_VILLAGE}))
    assert data_of(await gql(LOOKUP, {"n": head}, as_viewer=outsider))["householdByIdNumber"] is None
    assert error_codes(await gql(LOOKUP, {"n": head}, as_viewer=Viewer(Role.ANALYST, sub="a"))) == ["FORBIDDEN"]


DEREGISTER = """
mutation($id: ID!, $reason: String!) { deregisterHousehold(id: $id, reason: $reason) { id headName } }"""


async def test_deregistering_takes_the_household_out_of_every_list_and_retires_its_code(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    head = fresh_id()
    household = data_of(await register(gql, household_input(member("王八", "户主", head))))["registerHousehold"]
    hid = household["id"]
    token = await scalar(driver, "MATCH (q:QrCode)-[:IDENTIFIES]->(:Household {id: $id}) RETURN q.token", id=hid)
    count_query = "query($v: ID!) { households(filter: {villageCode: $v}) { totalCount } }"
    before = data_of(await gql(count_query, {"v": VILLAGE}))["households"]["totalCount"]

    assert refusal(await gql(DEREGISTER, {"id": hid, "reason": " "})) == ("BAD_USER_INPUT", "reason")
    done = data_of(await gql(DEREGISTER, {"id": hid, "reason": "迁出本县"}))["deregisterHousehold"]
    assert done == {"id": hid, "headName": "王八"}

    assert data_of(await gql(count_query, {"v": VILLAGE}))["households"]["totalCount"] == before - 1
    assert data_of(await gql("query($id: ID!) { household(id: $id) { id } }", {"id": hid}))["household"] is None
    assert data_of(await gql(LOOKUP, {"n": head}))["householdByIdNumber"] is None
    assert data_of(await gql("query($t: String!) { scan(token: $t) { __typename } }", {"t": token}))["scan"] is None
    stored = await driver.execute_query(
        "MATCH (h:DeregisteredHousehold {id: $id}) RETURN labels(h) AS labels, h.deregistrationReason AS reason, "
        "COUNT { (:Change)-[:ABOUT]->(h) } AS changes",
        {"id": hid},
        routing_="r",
    )
    assert stored.records[0]["labels"] == ["DeregisteredHousehold"]
    assert stored.records[0]["reason"] == "迁出本县" and stored.records[0]["changes"] == 2
    assert refusal(await gql(DEREGISTER, {"id": hid, "reason": "again"})) == ("NOT_FOUND", "id")

    # Its head may be registered anew, in a new household.
    again = data_of(await register(gql, household_input(member("王八", "户主", head))))["registerHousehold"]
    assert again["id"] != hid


@pytest.mark.parametrize("name", ["a\u0000b", "赵\u0007大", "赵大\u007f", "赵\u0085大", "赵\n大", "赵\t大"])
async def test_a_name_with_a_control_character_is_refused_and_not_stored(
    gql: GraphQLPost, driver: AsyncDriver, name: str
) -> None:
    head = fresh_id()
    body = await register(gql, household_input(member(name, "户主", head)))
    assert refusal(body) == ("BAD_USER_INPUT", "input.members.0.name")
    assert "control character" in body["errors"][0]["message"]
    assert await scalar(driver, "MATCH (p:Person {idNumber: $id}) RETURN count(p)", id=head) == 0
    spouse = await register(gql, household_input(member("赵大", "户主"), member(name, "配偶", fresh_id(False))))
    assert refusal(spouse) == ("BAD_USER_INPUT", "input.members.1.name")


async def test_a_deregistration_reason_may_hold_line_breaks_but_no_other_control_character(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    hid = data_of(await register(gql, household_input()))["registerHousehold"]["id"]
    assert refusal(await gql(DEREGISTER, {"id": hid, "reason": "迁出\u0000本县"})) == ("BAD_USER_INPUT", "reason")
    assert await scalar(driver, "MATCH (h:Household {id: $id}) RETURN count(h)", id=hid) == 1
    data_of(await gql(DEREGISTER, {"id": hid, "reason": "迁出本县\n\t户口已迁"}))
    stored = await scalar(driver, "MATCH (h:DeregisteredHousehold {id: $id}) RETURN h.deregistrationReason", id=hid)
    assert stored == "迁出本县\n\t户口已迁"


async def test_a_head_who_is_a_plain_member_elsewhere_is_a_conflict_not_that_household(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    son = fresh_id()
    family = household_input(member("钱父", "户主"), member("钱子", "之子", son))
    other = data_of(await register(gql, family))["registerHousehold"]["id"]
    body = await register(gql, household_input(member("钱子", "户主", son)))
    assert refusal(body) == ("CONFLICT", "input.members.0.idNumber")
    assert other in body["errors"][0]["message"]
    households = "MATCH (:Person {idNumber: $id})-[m:MEMBER_OF]->(h:Household) RETURN collect([h.id, m.relation])"
    assert await scalar(driver, households, id=son) == [[other, "之子"]]


async def test_a_cadre_is_told_of_a_conflict_outside_their_villages_without_the_household_id(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    son = fresh_id()
    other = data_of(await register(gql, household_input(member("孙父", "户主"), member("孙子", "之子", son))))
    other_id = other["registerHousehold"]["id"]
    far = Viewer(Role.CADRE, sub="far-cadre", villages=frozenset({OTHER_TOWNSHIP_VILLAGE}))
    for payload, field in [
        (household_input(member("孙子", "户主", son), village=OTHER_TOWNSHIP_VILLAGE), "input.members.0.idNumber"),
        (
            household_input(member("李户主", "户主"), member("孙子", "之子", son), village=OTHER_TOWNSHIP_VILLAGE),
            "input.members.1.idNumber",
        ),
    ]:
        body = await register(gql, payload, as_viewer=far)
        assert refusal(body) == ("CONFLICT", field)
        assert other_id not in body["errors"][0]["message"]
    assert await scalar(driver, "MATCH (:Person {idNumber: $id})-[m:MEMBER_OF]->() RETURN count(m)", id=son) == 1
