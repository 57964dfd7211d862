"""Exports over HTTP and the CLI: each exported connection against raw Cypher (rows, a few columns), its
filter applied, role checks and masking as in GraphQL, CSV, JSON lines and XLSX that parse to the same
rows, the registration form of a village, file names in RFC 5987 form, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from neo4j import AsyncDriver
from openpyxl import load_workbook

from graph.access import Role, Viewer
from graph.alerts import evaluate_county
from graph.driver import Graph
from graph.registry_form import COLUMNS, headers
from tests.api.writes import fresh_id, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import ROOT, bearer, token_for

TOWNSHIP = "141130100000"  # 水头镇: 248 POOR households, three export pages of 100
VILLAGE = "141130100201"  # 南庄村, 157 households
ENTERPRISE = "E014"
HOUSEHOLD_FILTER = {"townshipCode": TOWNSHIP, "status": "POOR"}

ANALYST = Viewer(Role.ANALYST, "export-analyst")
CADRE = Viewer(Role.CADRE, "export-cadre", frozenset({VILLAGE}))

# Households of the filter, independently: the latest year's per-capita income, in fen.
FILTERED_HOUSEHOLDS = """
MATCH (h:Household {status: 'POOR'})-[:IN]->(v:Village)-[:IN]->(:Township {code: $township})
RETURN h.id AS id, h.headName AS head, v.code AS village, h.identifiedYear AS identified,
       COUNT { (:Person)-[:MEMBER_OF]->(h) } AS size,
       COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i.netPerCapitaFen ORDER BY i.year DESC LIMIT 1 }[0] AS fen
ORDER BY id"""

DRIVEN = """
MATCH (:Enterprise {id: $id})-[r:DRIVES]->(h:Household)
WHERE h.registeredPoor
RETURN h.id AS id, h.headName AS head, r.mode AS mode, r.incomeGainFen AS gain"""

VILLAGE_COUNTS = """
MATCH (h:Household)-[:IN]->(v:Village)
RETURN v.code AS code, v.name AS name, count(h) AS households,
       sum(CASE WHEN h.registeredPoor THEN 1 ELSE 0 END) AS poor,
       sum(COUNT { (:Person)-[:MEMBER_OF]->(h) }) AS population"""

ALERTS = """
MATCH (a:Alert {rule: 'UNSAFE_HOUSING'})-[:ABOUT]->(h:Household)-[:IN]->(:Village)-[:IN]->(:Township {code: $township})
RETURN a.id AS id, a.state AS state, a.severity AS severity"""

REGISTRY_PEOPLE = """
MATCH (p:Person)-[m:MEMBER_OF]->(h:Household)-[:IN]->(:Village {code: $village})
RETURN p.idNumber AS idNumber, p.name AS name, m.relation AS relation, h.id AS household"""

REGISTRY_HEADS = """
MATCH (h:Household)-[:IN]->(:Village {code: $village})
RETURN h.id AS id, h.phone AS phone, h.housingGrade AS grade,
       COLLECT { MATCH (h)-[:EARNED]->(i:Income {year: 2018}) RETURN i.wageFen }[0] AS wage"""


def fen_text(fen: int | None) -> str:
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def parse_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def parse_jsonl(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def parse_xlsx(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.fixture(scope="module")
async def analyst_http(server: str) -> Any:
    async with httpx.AsyncClient(base_url=server, timeout=120, headers=bearer(token_for(ANALYST))) as client:
        yield client


@pytest.fixture(scope="module")
async def evaluated(demo_county: Graph, driver: AsyncDriver) -> AsyncDriver:
    await evaluate_county(driver)
    return driver


# CLI processes at once (the machine may have two cores).
_CLI_SLOTS = asyncio.Semaphore(3)


async def cli(neo4j_uri: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """`yimaqing ARGS` against the test Neo4j: exit status, standard output and error."""
    async with _CLI_SLOTS:
        return await _cli(neo4j_uri, tmp_path, *args)


async def _cli(neo4j_uri: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWT_")}
    env.update(NEO4J_URI=neo4j_uri, DATA_DIR=str(tmp_path / "data"), SEED_DEMO="false")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# Connections, against raw Cypher.


async def test_a_filtered_household_export_has_the_filtered_households_pseudonymous_to_an_analyst(
    analyst_http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    records, _, _ = await driver.execute_query(FILTERED_HOUSEHOLDS, township=TOWNSHIP)
    assert len(records) > 200  # several export pages
    response = await analyst_http.get("/export/households.csv", params={"filter": json.dumps(HOUSEHOLD_FILTER)})
    rows = parse_csv(response)
    assert [r["node.id"] for r in rows] == [r["id"] for r in records]  # the filter, in id order
    expected = {r["id"]: r for r in records}
    for row in rows:
        record = expected[row["node.id"]]
        assert row["node.status"] == "POOR" and row["node.village.code"] == record["village"]
        assert row["node.size"] == str(record["size"])
        assert row["node.incomePerCapita"] == fen_text(record["fen"])
        assert row["node.identifiedYear"] == str(record["identified"])
        # Pseudonymous: the surname and a mask, no causes (health), never the name.
        assert row["node.headName"] == record["head"][0] + "**"
        assert row["node.primaryCause"] == "" and row["node.otherCauses"] == ""
    assert not any(r["head"] in response.text for r in records)


async def test_json_lines_and_xlsx_hold_the_same_rows_as_csv(analyst_http: httpx.AsyncClient) -> None:
    params = {"filter": json.dumps(HOUSEHOLD_FILTER)}
    as_csv = parse_csv(await analyst_http.get("/export/households.csv", params=params))
    lines = parse_jsonl(await analyst_http.get("/export/households.jsonl", params=params))
    assert len(lines) == len(as_csv)
    for line, row in zip(lines, as_csv, strict=True):
        node = line["node"]
        assert node["id"] == row["node.id"] and node["village"]["code"] == row["node.village.code"]
        assert node["incomePerCapita"] == row["node.incomePerCapita"]  # Decimal as a string, exact
        assert node["size"] == int(row["node.size"]) and node["headName"] == row["node.headName"]
    response = await analyst_http.get("/export/households.xlsx", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = parse_xlsx(response.content)
    assert sheet[0] == list(as_csv[0])
    assert [dict(zip(sheet[0], [c or "" for c in row], strict=True)) for row in sheet[1:]] == as_csv


async def test_an_enterprise_driven_household_export_has_its_poor_households_links(
    analyst_http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    records, _, _ = await driver.execute_query(DRIVEN, id=ENTERPRISE)
    response = await analyst_http.get(
        "/export/enterprise-driven-households.csv", params={"id": ENTERPRISE, "poorOnly": "true"}
    )
    rows = parse_csv(response)
    assert len(rows) == len(records) > 10
    expected = {r["id"]: r for r in records}
    for row in rows:
        record = expected[row["node.id"]]
        assert (row["mode"], row["incomeGain"]) == (record["mode"], fen_text(record["gain"]))
        assert row["node.headName"] == record["head"][0] + "**"
    everyone = parse_csv(await analyst_http.get("/export/enterprise-driven-households.csv", params={"id": ENTERPRISE}))
    assert len(everyone) > len(rows)  # poorOnly was applied


async def test_a_village_rollup_export_adds_up_the_households(
    analyst_http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    records, _, _ = await driver.execute_query(VILLAGE_COUNTS)
    rows = parse_csv(await analyst_http.get("/export/rollup.csv", params={"level": "VILLAGE", "year": "2018"}))
    assert len(rows) == len(records) == 100  # more than one page of the rollup
    expected = {r["code"]: r for r in records}
    for row in rows:
        record = expected[row["node.code"]]
        assert row["node.name"] == record["name"] and row["node.stats.year"] == "2018"
        assert row["node.stats.households"] == str(record["households"])
        assert row["node.stats.registeredPoorHouseholds"] == str(record["poor"])
        assert row["node.stats.population"] == str(record["population"])
    township = parse_csv(
        await analyst_http.get("/export/rollup.csv", params={"level": "VILLAGE", "parentCode": TOWNSHIP})
    )
    assert {r["node.parentCode"] for r in township} == {TOWNSHIP}
    assert len(township) == sum(1 for r in rows if r["node.parentCode"] == TOWNSHIP) > 1


async def test_an_alert_export_has_the_filtered_alerts(analyst_http: httpx.AsyncClient, evaluated: AsyncDriver) -> None:
    records, _, _ = await evaluated.execute_query(ALERTS, township=TOWNSHIP)
    alert_filter = {"rule": "UNSAFE_HOUSING", "townshipCode": TOWNSHIP}
    lines = parse_jsonl(await analyst_http.get("/export/alerts.jsonl", params={"filter": json.dumps(alert_filter)}))
    assert len(lines) == len(records) > 0
    assert {(line["node"]["id"], line["node"]["state"], line["node"]["severity"]) for line in lines} == {
        (r["id"], r["state"], r["severity"]) for r in records
    }
    assert {line["node"]["rule"] for line in lines} == {"UNSAFE_HOUSING"}
    rows = parse_csv(await analyst_http.get("/export/alerts.csv", params={"filter": json.dumps(alert_filter)}))
    assert [r["node.id"] for r in rows] == [line["node"]["id"] for line in lines]
    assert json.loads(rows[0]["node.facts"]) == lines[0]["node"]["facts"]


# Role checks.


async def test_an_anonymous_caller_exports_nothing(anonymous_http: httpx.AsyncClient) -> None:
    for path in ("/export/households.csv", "/export/registry.csv", "/export/rollup.csv?level=VILLAGE"):
        response = await anonymous_http.get(path)
        assert response.status_code == 401, path
        assert error_of(response)["extensions"]["code"] == "UNAUTHENTICATED"


async def test_only_an_admin_exports_the_registry(analyst_http: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
    for viewer in (ANALYST, CADRE):
        response = await http.get(
            "/export/registry.csv",
            params={"filter": json.dumps({"villageCode": VILLAGE})},
            headers=bearer(token_for(viewer)),
        )
        assert response.status_code == 403, viewer
        assert error_of(response)["extensions"]["code"] == "FORBIDDEN"
    response = await http.get("/export/registry.csv", params={"filter": json.dumps({"villageCode": VILLAGE})})
    assert response.status_code == 200


async def test_an_export_applies_the_queries_own_rules(analyst_http: httpx.AsyncClient) -> None:
    """An analyst may not sort households by name: not in GraphQL, not in an export."""
    response = await analyst_http.get("/export/households.csv", params={"orderBy": "HEAD_NAME"})
    assert response.status_code == 403
    assert error_of(response)["extensions"]["code"] == "FORBIDDEN"


async def test_a_cadre_sees_full_rows_in_scope_and_masked_ones_elsewhere(
    http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    records, _, _ = await driver.execute_query(
        "MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(:Township {code: $township}) "
        "WHERE h.status = 'POOR' RETURN h.id AS id, h.headName AS head, v.code AS village",
        township=TOWNSHIP,
    )
    response = await http.get(
        "/export/households.csv",
        params={"filter": json.dumps(HOUSEHOLD_FILTER)},
        headers=bearer(token_for(CADRE)),
    )
    heads = {row["node.id"]: row["node.headName"] for row in parse_csv(response)}
    assert len(heads) == len(records)
    for record in records:
        shown = record["head"] if record["village"] == VILLAGE else record["head"][0] + "**"
        assert heads[record["id"]] == shown
    assert any(r["village"] == VILLAGE for r in records) and any(r["village"] != VILLAGE for r in records)


# The registration form.


async def test_a_village_registry_export_is_its_registration_form(http: httpx.AsyncClient, driver: AsyncDriver) -> None:
    people, _, _ = await driver.execute_query(REGISTRY_PEOPLE, village=VILLAGE)
    heads, _, _ = await driver.execute_query(REGISTRY_HEADS, village=VILLAGE)
    response = await http.get("/export/registry.csv", params={"filter": json.dumps({"villageCode": VILLAGE})})
    assert response.status_code == 200
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header = next(reader)
    assert header == headers([2017, 2018])
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    assert len(rows) == len(people)  # one row per person
    by_id = {p["idNumber"]: p for p in people}
    assert {r["证件号码"] for r in rows} == set(by_id)
    for row in rows:
        person = by_id[row["证件号码"]]
        assert (row["姓名"], row["与户主关系"], row["户编号"]) == (
            person["name"],
            person["relation"],
            person["household"],
        )
        assert row["行政村代码"] == VILLAGE and row["行政村"] == "南庄村" and row["县"] == "交口县"
    head_rows = {r["户编号"]: r for r in rows if r["与户主关系"] == "户主"}
    assert len(head_rows) == len(heads)
    for head in heads:
        row = head_rows[head["id"]]
        assert (row["联系电话"], row["住房安全等级"]) == (head["phone"], head["grade"])
        assert row["2018年工资性收入"] == fen_text(head["wage"])
    # Household columns and incomes are on the head's row only.
    household_headers = [c.header for c in COLUMNS if c.level.value == "household"] + ["2018年工资性收入"]
    assert all(not r[h] for r in rows if r["与户主关系"] != "户主" for h in household_headers)


async def test_a_registry_export_takes_any_household_filter(http: httpx.AsyncClient, driver: AsyncDriver) -> None:
    registry_filter = {"townshipCode": TOWNSHIP, "OR": [{"status": "POOR"}, {"status": "MONITORED"}], "sizeMin": 3}
    records, _, _ = await driver.execute_query(
        "MATCH (h:Household)-[:IN]->(:Village)-[:IN]->(:Township {code: $township}) "
        "WHERE h.status IN ['POOR', 'MONITORED'] AND COUNT { (:Person)-[:MEMBER_OF]->(h) } >= 3 "
        "RETURN h.id AS id, COUNT { (:Person)-[:MEMBER_OF]->(h) } AS size ORDER BY id",
        township=TOWNSHIP,
    )
    response = await http.get("/export/registry.csv", params={"filter": json.dumps(registry_filter)})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    heads = [r for r in rows if r["与户主关系"] == "户主"]
    assert [r["户编号"] for r in heads] == [r["id"] for r in records]  # in id order
    assert len(rows) == sum(r["size"] for r in records)
    assert {r["贫困状态"] for r in heads} == {"未脱贫", "监测户"}


async def test_a_registry_export_as_xlsx_holds_the_csv_rows(http: httpx.AsyncClient) -> None:
    params = {"filter": json.dumps({"villageCode": VILLAGE})}
    as_csv = list(
        csv.reader(io.StringIO((await http.get("/export/registry.csv", params=params)).text.lstrip("\ufeff")))
    )
    response = await http.get("/export/registry.xlsx", params=params)
    assert response.status_code == 200
    sheet = parse_xlsx(response.content)
    assert [[cell or "" for cell in row] for row in sheet] == as_csv
    assert all(isinstance(row[8], str) and len(row[8]) == 18 for row in sheet[1:])  # ID numbers stay text


async def test_a_registry_export_is_audited_per_household(http: httpx.AsyncClient, driver: AsyncDriver) -> None:
    village = "141130101215"  # 新庄村
    households, _, _ = await driver.execute_query(
        "MATCH (h:Household)-[:IN]->(:Village {code: $village}) RETURN count(h) AS n", village=village
    )
    count = (
        "MATCH (e:ReadEvent {village: $village, sub: 'test-admin'}) WHERE 'members' IN e.fields "
        "RETURN count(e) AS n, count(DISTINCT e.household) AS households"
    )
    await asyncio.sleep(1.5)  # earlier reads of the village (a reused database) are written by now
    before, _, _ = await driver.execute_query(count, village=village)
    response = await http.get("/export/registry.csv", params={"filter": json.dumps({"villageCode": village})})
    assert response.status_code == 200
    for _ in range(50):  # the audit is written in batches, about once a second
        after, _, _ = await driver.execute_query(count, village=village)
        if after[0]["n"] >= before[0]["n"] + households[0]["n"]:
            break
        await asyncio.sleep(0.2)
    assert after[0]["n"] - before[0]["n"] == households[0]["n"]  # one record per household
    assert after[0]["households"] == households[0]["n"]


async def test_downloads_carry_the_chinese_file_name_and_an_ascii_fallback(
    http: httpx.AsyncClient, analyst_http: httpx.AsyncClient
) -> None:
    village = {"filter": json.dumps({"villageCode": VILLAGE})}
    for client, path, params, title, fallback in (
        (http, "/export/registry.xlsx", village, "建档立卡户登记表.xlsx", "registry.xlsx"),
        (analyst_http, "/export/households.csv", village, "农户.csv", "households.csv"),
        (
            analyst_http,
            "/export/enterprise-driven-households.jsonl",
            {"id": ENTERPRISE},
            "企业带动农户.jsonl",
            "enterprise-driven-households.jsonl",
        ),
    ):
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        disposition.encode("ascii")  # a header value is ASCII; the name travels percent-encoded
        parts = dict(part.strip().split("=", 1) for part in disposition.split(";")[1:])
        assert disposition.startswith("attachment;")
        assert parts["filename*"].startswith("UTF-8''")
        assert unquote(parts["filename*"][len("UTF-8''") :], encoding="utf-8") == title
        assert parts["filename*"] == "UTF-8''" + quote(title)  # percent-encoded UTF-8: %E5%BB%BA...
        assert parts["filename"].strip('"') == fallback
        assert response.headers["cache-control"] == "no-store"


# Bad input: a clear 4xx with a GraphQL-style code.


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "argument"),
    [
        ("/export/nothing.csv", {}, 404, "NOT_FOUND", None),
        ("/export/households.pdf", {}, 404, "NOT_FOUND", None),
        ("/export/registry.jsonl", {}, 404, "NOT_FOUND", None),
        ("/export/households.csv", {"filter": "{bad json"}, 400, "BAD_USER_INPUT", "filter"),
        ("/export/households.csv", {"filter": '{"nope": 1}'}, 400, "BAD_USER_INPUT", "filter"),
        ("/export/households.csv", {"filter": '{"status": "RICH"}'}, 400, "BAD_USER_INPUT", "filter"),
        ("/export/registry.csv", {"filter": '{"nope": 1}'}, 400, "BAD_USER_INPUT", "filter"),
        ("/export/registry.csv", {"orderBy": "ID"}, 400, "BAD_USER_INPUT", "orderBy"),
        ("/export/households.csv", {"colour": "red"}, 400, "BAD_USER_INPUT", "colour"),
        ("/export/rollup.csv", {}, 400, "BAD_USER_INPUT", "level"),
        ("/export/rollup.csv", {"level": "VILLAGE", "year": "soon"}, 400, "BAD_USER_INPUT", "year"),
        ("/export/alerts.csv", {"filter": '{"rule": "NOPE"}'}, 400, "BAD_USER_INPUT", "filter"),
        ("/export/enterprise-driven-households.csv", {"id": "E999"}, 404, "NOT_FOUND", None),
    ],
)
async def test_bad_input_is_a_clear_error(
    http: httpx.AsyncClient, path: str, params: dict[str, str], status: int, code: str, argument: str | None
) -> None:
    response = await http.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = error_of(response)
    assert error["extensions"]["code"] == code and error["message"]
    assert error["extensions"].get("argument") == argument
    assert "MATCH" not in error["message"] and "Traceback" not in error["message"]


# The CLI.


async def test_the_cli_exports_what_the_endpoint_does(
    neo4j_uri: str, tmp_path: Path, analyst_http: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    """The CLI runs as the system (an administrator): full rows, the same filter and order."""
    output = tmp_path / "农户.xlsx"
    households, registry = await asyncio.gather(
        cli(neo4j_uri, tmp_path, "export", "households", "--filter", json.dumps(HOUSEHOLD_FILTER)),
        cli(neo4j_uri, tmp_path, "export", "--filter", json.dumps({"villageCode": VILLAGE}), "--output", str(output)),
    )
    status, out, err = households
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert f"exported {len(rows)} rows" in err
    served = parse_csv(await http.get("/export/households.csv", params={"filter": json.dumps(HOUSEHOLD_FILTER)}))
    assert rows == served  # an ADMIN over HTTP sees what the CLI writes: names in full
    status, _, err = registry
    assert status == 0, err
    response = await http.get("/export/registry.xlsx", params={"filter": json.dumps({"villageCode": VILLAGE})})
    assert parse_xlsx(output.read_bytes()) == parse_xlsx(response.content)


async def test_the_cli_writes_an_empty_form(neo4j_uri: str, tmp_path: Path) -> None:
    as_csv, as_xlsx = tmp_path / "form.csv", tmp_path / "表.xlsx"
    results = await asyncio.gather(
        cli(neo4j_uri, tmp_path, "export", "--template", "--output", str(as_csv)),
        cli(neo4j_uri, tmp_path, "export", "--template", "--output", str(as_xlsx), "--years", "2019", "2020"),
    )
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert as_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(as_csv.read_text("utf-8-sig")))) == [headers([2018])]
    assert parse_xlsx(as_xlsx.read_bytes()) == [headers([2019, 2020])]


async def test_the_cli_refuses_bad_input_with_a_message_and_a_non_zero_exit(neo4j_uri: str, tmp_path: Path) -> None:
    cases = [
        (("export", "nothing"), "nothing called 'nothing'"),
        (("export", "households", "--filter", "{bad json"), "filter is not a valid HouseholdFilter"),
        (("export", "--filter", '{"nope": 1}'), "unknown field 'nope'"),
        (("export", "rollup"), "needs the argument 'level'"),
        (("export", "registry", "--format", "jsonl"), "CSV or XLSX"),
        (("export", "--template"), "--template needs --output"),
    ]
    results = await asyncio.gather(*(cli(neo4j_uri, tmp_path, *args) for args, _ in cases))
    for (args, message), (status, out, err) in zip(cases, results, strict=True):
        assert status == 2, (args, status, err)
        assert message in err, (args, err)
        assert out == "", args  # nothing half-written
        assert "Traceback" not in err, args


@pytest.mark.mutates
async def test_an_xlsx_export_shows_control_characters_stored_earlier_as_replacement_characters(
    http: httpx.AsyncClient, gql: GraphQLPost, driver: AsyncDriver
) -> None:
    name = "控制" + secrets.token_hex(3)
    spouse = fresh_id(male=False)
    registered = await register(gql, household_input(member(name, "户主"), member(name + "妻", "配偶", spouse)))
    assert "errors" not in registered, registered
    # A value stored before the checks refused control characters, written behind their back.
    await driver.execute_query("MATCH (p:Person {idNumber: $id}) SET p.name = '丙\\u0001丁\\u0000'", id=spouse)

    response = await http.get("/export/registry.xlsx", params={"filter": json.dumps({"headNameContains": name})})

    assert response.status_code == 200 and response.content
    sheet = parse_xlsx(response.content)
    names = sorted(row[sheet[0].index("姓名")] for row in sheet[1:])
    assert names == sorted([name, "丙\ufffd丁\ufffd"])


async def test_an_export_to_a_folder_that_does_not_exist_is_a_message(neo4j_uri: str, tmp_path: Path) -> None:
    output = tmp_path / "nowhere" / "x.csv"
    for args in (("export", "--output", str(output)), ("export", "--template", "--output", str(output))):
        status, out, err = await cli(neo4j_uri, tmp_path, *args)
        assert (status, out, err) == (2, "", f"yimaqing: no such folder: {output.parent}\n"), args
        assert not output.parent.exists()
