"""Importing the registration form (graph/registry_import.py, api/imports.py): files in every encoding and
format round trip through the graph; bad rows are reported exactly and nothing is written unless
--partial; a second import of a file changes nothing; history names the file and row; `POST /import`
over real HTTP; the CLI's exit codes. Households are imported into 北坪村 (tests/registry_rows.py), with
fresh ID numbers, so the seeded households other tests read stay as they were."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from api.registry_files import open_registry
from graph.access import Role, Viewer
from graph.driver import Graph
from graph.export import registry_rows
from graph.households import HouseholdFilter
from graph.registry_import import ImportReport, import_registry
from tests.api.writes import fresh_id, household_input, member, register
from tests.conftest import ROOT, GraphQLPost
from tests.helpers import bearer, data_of, mint_token
from tests.registry_rows import PLACE, Row, family, form, household, person, write_csv, write_xlsx

pytestmark = pytest.mark.mutates

VILLAGE = PLACE["行政村代码"]
ROUNDED = (
    "1.41130E+17 is a number a spreadsheet has rounded: the digits are lost. Format the column as text and type"
    " the number again"
)

# A household as the graph holds it, read with raw Cypher: its own fields, members and incomes.
HOUSEHOLDS_OF = """
UNWIND $ids AS idNumber
MATCH (:Person {idNumber: idNumber})-[:MEMBER_OF]->(h:Household)-[:IN]->(v:Village)
RETURN DISTINCT h.id AS id, v.code AS village, h {.*} AS props,
  COLLECT { MATCH (p:Person)-[m:MEMBER_OF]->(h) RETURN p {.*, relation: m.relation} ORDER BY p.idNumber } AS members,
  COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i {.*} ORDER BY i.year } AS incomes,
  COUNT { (:QrCode)-[:IDENTIFIES]->(h) } AS codes,
  COUNT { (:Change)-[:ABOUT]->(h) } AS changes
ORDER BY id"""

COUNTS = """
RETURN COUNT { (:Change) } AS changes, COUNT { (:Household) } AS households, COUNT { (:Person) } AS persons,
  COUNT { (:Village) } AS villages, COUNT { (:Income) } AS incomes"""

HISTORY = """
query($id: ID!) {
  household(id: $id) { history(first: 5) { totalCount edges { node { by action file row fields } } } }
}"""


def id_numbers(*households: list[Row]) -> list[str]:
    return [row["证件号码"] for rows in households for row in rows]


def marker() -> str:
    """A head name no other household has (GBK can write it)."""
    return "导入" + secrets.token_hex(3)


async def import_file(graph: Graph, path: Path, *, partial: bool = False) -> ImportReport:
    return await import_registry(
        graph, open_registry(path), file_name=path.name, viewer=Viewer.system("test-import"), partial=partial
    )


async def stored(driver: AsyncDriver, ids: list[str]) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(HOUSEHOLDS_OF, ids=ids, routing_="r")
    return [record.data() for record in records]


async def counts(driver: AsyncDriver) -> dict[str, int]:
    records, _, _ = await driver.execute_query(COUNTS, routing_="r")
    return records[0].data()


def report(name: str, **figures: Any) -> dict[str, Any]:
    """A report as the import answers it: all zero but what is given."""
    base: dict[str, Any] = {"file": name, "ok": True, "partial": False, "households": 0, "rows": 0}
    base.update(created=0, updated=0, unchanged=0, skipped=0, errors=[])
    base.update(figures)
    if base["errors"]:
        base["ok"] = False
    return base


def expected_household(rows: list[Row]) -> dict[str, Any]:
    """What the graph must hold for a household of `family` (tests/registry_rows.py) as imported."""
    head = rows[0]
    members = []
    for row in rows:
        members.append(
            {
                "name": row["姓名"],
                "idNumber": row["证件号码"],
                "relation": row["与户主关系"],
                "sex": "MALE" if row["性别"] == "男" else "FEMALE",
                "birthDate": row["出生日期"],
                "ethnicity": "汉族",
                "health": "HEALTHY",
                "education": row["文化程度"],
                "laborAbility": "FULL",
                "migrantWorkMonths": 0,
                "medicalInsured": True,
                "criticalIllnessInsured": True,
                "minimumAllowance": False,
                "pension": False,
            }
        )
    parts = [
        round(float(head[f"2018年{p}"]) * 100) for p in ("工资性收入", "生产经营性收入", "财产性收入", "转移性收入")
    ]
    return {
        "village": VILLAGE,
        "headName": head["姓名"],
        "status": {"已脱贫": "EXITED", "未脱贫": "POOR", "非贫困户": "NOT_POOR"}[head["贫困状态"]],
        "registeredPoor": head["建档立卡户"] == "是",
        "primaryCause": head["主要致贫原因"],
        "otherCauses": [head["其他致贫原因"]],
        "waterSource": "TAP",
        "housingGrade": head["住房安全等级"],
        "members": sorted(members, key=lambda m: m["idNumber"]),
        "income2018": dict(zip(("wageFen", "operatingFen", "propertyFen", "transferFen"), parts, strict=True))
        | {"netPerCapitaFen": sum(parts) // len(rows)},
    }


def as_found(household: dict[str, Any]) -> dict[str, Any]:
    """The same view of a household read with HOUSEHOLDS_OF."""
    props = household["props"]
    members = [
        {key: (value.iso_format() if key == "birthDate" else value) for key, value in m.items()}
        for m in household["members"]
    ]
    [income] = [i for i in household["incomes"] if i["year"] == 2018]
    return {
        "village": household["village"],
        "headName": props["headName"],
        "status": props["status"],
        "registeredPoor": props["registeredPoor"],
        "primaryCause": props["primaryCause"],
        "otherCauses": props["otherCauses"],
        "waterSource": props["waterSource"],
        "housingGrade": props["housingGrade"],
        "members": members,
        "income2018": {
            k: income[k] for k in ("wageFen", "operatingFen", "propertyFen", "transferFen", "netPerCapitaFen")
        },
    }


async def exported(graph: Graph, head_name: str) -> list[list[str]]:
    """The rows `yimaqing export` writes for the households whose head's name contains `head_name`."""
    rows = [row async for row in registry_rows(graph, HouseholdFilter(head_name_contains=head_name))]
    return rows[1:]


@pytest.mark.parametrize(
    ("kind", "encoding"),
    [
        pytest.param("csv", "utf-8-sig", id="utf8-bom"),
        pytest.param("csv", "utf-8", id="utf8"),
        pytest.param("csv", "gbk", id="gbk"),
        pytest.param("csv", "gb18030", id="gb18030"),
        pytest.param("csv", "utf-16", id="utf16-excel-unicode-text"),
        pytest.param("xlsx", None, id="xlsx"),
    ],
)
async def test_a_file_round_trips_through_the_graph(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path, kind: str, encoding: str | None
) -> None:
    name = marker()
    first = family(name + "甲")
    # 䶮 is in GB18030 but not in GBK: the GB18030 file proves it is read as GB18030.
    second = family(name + ("王䶮" if encoding == "gb18030" else "乙"), {"贫困状态": "未脱贫", "脱贫年度": ""})
    header, rows = form(first, second)
    path = tmp_path / f"登记表.{kind}"
    if kind == "csv":
        assert encoding is not None
        # Excel's "Unicode text" is tab-separated UTF-16.
        write_csv(path, header, rows, encoding, delimiter="\t" if encoding == "utf-16" else ",")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    else:
        write_xlsx(path, header, rows)
    before = await counts(driver)

    answer = await import_file(demo_county, path)

    assert answer.as_dict() == report(path.name, households=2, rows=6, created=2)
    found = await stored(driver, id_numbers(first, second))
    assert [as_found(h) for h in found] == [expected_household(first), expected_household(second)]
    assert found[1]["props"]["status"] == "POOR" and "exitYear" not in found[1]["props"]
    assert all(h["codes"] == 1 and h["changes"] == 1 for h in found)
    after = await counts(driver)
    assert after["households"] == before["households"] + 2 and after["persons"] == before["persons"] + 6
    assert after["changes"] == before["changes"] + 2 and after["villages"] == before["villages"]
    # Exported again, the households give back the file's rows, with the numbers they were given.
    numbered = [list(r) for r in rows]
    for r in numbered:
        r[header.index("户编号")] = (
            found[0]["id"] if r[header.index("姓名")].startswith(name + "甲") else found[1]["id"]
        )
    assert sorted(await exported(demo_county, name)) == sorted(numbered)


async def test_importing_the_same_file_again_changes_nothing(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    households = [family(marker()) for _ in range(3)]
    path = write_csv(tmp_path / "again.csv", *form(*households))
    assert (await import_file(demo_county, path)).created == 3
    ids = id_numbers(*households)
    first, counted = await stored(driver, ids), await counts(driver)

    second = await import_file(demo_county, path)

    assert second.as_dict() == report("again.csv", households=3, rows=9, unchanged=3)
    assert await stored(driver, ids) == first and await counts(driver) == counted
    # An export of the imported households, imported again, is no change either.
    header = form()[0]
    rows = [r for h in first for r in await exported(demo_county, h["props"]["headName"])]
    exported_path = write_csv(tmp_path / "exported.csv", header, rows)
    assert (await import_file(demo_county, exported_path)).as_dict() == report(
        "exported.csv", households=3, rows=9, unchanged=3
    )
    assert await counts(driver) == counted


async def test_a_household_is_updated_by_its_number_and_history_names_file_and_row(
    demo_county: Graph, driver: AsyncDriver, gql: GraphQLPost, tmp_path: Path
) -> None:
    rows = family(marker())
    other = family(marker())
    path = write_csv(tmp_path / "第一次.csv", *form(other, rows))
    await import_file(demo_county, path)
    [was] = await stored(driver, id_numbers(rows))
    # The second file gives the household's number, a new status, a newborn and the income of 2019.
    newborn = person(rows[0]["姓名"] + "孙", "之孙子")
    changed = household(
        *rows,
        newborn,
        cells={**{k: rows[0][k] for k in rows[0] if k not in PLACE}, "户编号": was["id"], "贫困状态": "未脱贫"},
        incomes={2018: ("12000.00", "3000.50", "0.00", "1500.00"), 2019: ("20000.00", "0.00", "0.00", "0.00")},
    )
    for row in changed[1:]:
        row["户编号"] = was["id"]
    path = write_csv(tmp_path / "第二次.csv", *form(changed, years=(2018, 2019)))

    answer = await import_file(demo_county, path)

    assert answer.as_dict() == report("第二次.csv", households=1, rows=4, updated=1)
    [now] = await stored(driver, id_numbers(changed))
    assert now["id"] == was["id"] and now["props"]["status"] == "POOR" and now["changes"] == 2
    assert [m["idNumber"] for m in now["members"]] == sorted(id_numbers(changed))
    incomes = {i["year"]: i for i in now["incomes"]}
    assert incomes[2019]["wageFen"] == 2_000_000 and incomes[2019]["netPerCapitaFen"] == 2_000_000 // 4
    history = data_of(await gql(HISTORY, {"id": was["id"]}))["household"]["history"]
    assert history["totalCount"] == 2
    latest, created = (edge["node"] for edge in history["edges"])
    assert (latest["by"], latest["action"], latest["file"], latest["row"]) == (
        "test-import",
        "importHousehold",
        "第二次.csv",
        2,
    )
    assert (created["file"], created["row"]) == ("第一次.csv", 5)  # the head's row, after the other household
    fields = latest["fields"]
    assert fields["status"] == {"before": "EXITED", "after": "POOR"}
    assert fields[f"{newborn['证件号码']}.name"] == {"before": None, "after": newborn["姓名"]}
    assert fields["2019.wage"] == {"before": None, "after": "20000.00"}
    assert "2018.wage" not in fields


def bad_file(tmp_path: Path, seeded_member: str) -> tuple[Path, list[list[Row]], list[list[Row]], list[dict[str, Any]]]:
    """A file of good households and bad ones; the bad ones' exact problems."""
    good = [family(marker()) for _ in range(2)]
    rounded = household(person(marker(), "户主", "1.41130E+17"), person("配偶", "配偶"))
    taken = household(person(marker(), "户主"), person("借来的人", "之子", seeded_member))
    wrong = family(marker(), {"贫困状态": "穷", "2018年财产性收入": "-1.00"})
    files = [good[0], rounded, good[1], taken, wrong]
    path = write_csv(tmp_path / "有错.csv", *form(*files))
    errors = [
        {"row": 5, "column": "证件号码", "message": ROUNDED},
        {"row": 11, "column": "证件号码", "message": "already a member of household {seeded}"},
        {"row": 12, "column": "贫困状态", "message": "one of 非贫困户、未脱贫、已脱贫、监测户; not '穷'"},
        {"row": 12, "column": "2018年财产性收入", "message": "an income component cannot be negative"},
    ]
    return path, good, [rounded, taken, wrong], errors


async def seeded_member(driver: AsyncDriver) -> tuple[str, str]:
    """A member of a seeded household of another village: (ID number, household)."""
    records, _, _ = await driver.execute_query(
        "MATCH (p:Person)-[:MEMBER_OF {relation: '配偶'}]->(h:Household {id: 'H14113010020000001'})"
        " RETURN p.idNumber AS id, h.id AS household",
        routing_="r",
    )
    return records[0]["id"], records[0]["household"]


async def test_bad_rows_are_reported_exactly_and_nothing_is_written(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    member, held = await seeded_member(driver)
    path, good, bad, errors = bad_file(tmp_path, member)
    errors[1]["message"] = errors[1]["message"].format(seeded=held)
    before = await counts(driver)

    answer = await import_file(demo_county, path)

    assert answer.as_dict() == report("有错.csv", households=5, rows=13, skipped=5, errors=errors)
    assert await counts(driver) == before
    records, _, _ = await driver.execute_query(
        "UNWIND $ids AS id MATCH (p:Person {idNumber: id}) RETURN count(p) AS n", ids=id_numbers(*good, *bad)
    )
    assert records[0]["n"] == 1  # only the seeded member the file borrowed
    [still] = await stored(driver, [member])
    assert still["id"] == held


async def test_partial_writes_the_valid_households_and_reports_the_rest(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    member, held = await seeded_member(driver)
    path, good, bad, errors = bad_file(tmp_path, member)
    errors[1]["message"] = errors[1]["message"].format(seeded=held)
    before = await counts(driver)

    answer = await import_file(demo_county, path, partial=True)

    assert answer.as_dict() == report(
        "有错.csv", partial=True, households=5, rows=13, created=2, skipped=3, errors=errors
    )
    found = {h["props"]["headName"]: as_found(h) for h in await stored(driver, id_numbers(*good))}
    assert found == {rows[0]["姓名"]: expected_household(rows) for rows in good}
    after = await counts(driver)
    assert after["households"] == before["households"] + 2 and after["persons"] == before["persons"] + 6
    assert await stored(driver, [rows[0]["证件号码"] for rows in bad[1:]]) == []
    [still] = await stored(driver, [member])
    assert still["id"] == held


async def test_numbers_a_spreadsheet_holds_as_numbers_are_row_errors(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    rows = family(marker())
    header, cells = form(rows)
    typed: list[list[object]] = [list(r) for r in cells]
    column = header.index("证件号码")
    numbers = [int(rows[1]["证件号码"][:17] + "0"), float(rows[2]["证件号码"][:17] + "0")]
    typed[1][column], typed[2][column] = numbers  # numeric cells: no spreadsheet keeps 18 digits
    typed[0][header.index("2018年工资性收入")] = 12000  # money as a number is fine
    path = write_xlsx(tmp_path / "数字.xlsx", header, typed)
    before = await counts(driver)

    answer = await import_file(demo_county, path)

    assert [e.as_dict() for e in answer.errors] == [
        {"row": 3, "column": "证件号码", "message": ROUNDED.replace("1.41130E+17", f"{numbers[0]:.5E}")},
        {"row": 4, "column": "证件号码", "message": ROUNDED.replace("1.41130E+17", f"{numbers[1]:.5E}")},
    ]
    assert await counts(driver) == before


async def test_a_wrong_header_or_no_registry_file_at_all(demo_county: Graph, tmp_path: Path) -> None:
    header, rows = form(family(marker()))
    header[header.index("姓名")] = "名字"
    path = write_csv(tmp_path / "表头.csv", header, rows)
    answer = await import_file(demo_county, path)
    assert answer.as_dict() == report(
        "表头.csv",
        errors=[
            {
                "row": 1,
                "column": "名字",
                "message": "not a column of the registration form (see docs/registry-template.md)",
            },
            {"row": 1, "column": "姓名", "message": "this required column is missing"},
        ],
    )


# --- POST /import over HTTP -------------------------------------------------------------------------


async def test_upload_as_admin_answers_with_the_report(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    rows = family(marker())
    path = write_csv(tmp_path / "上传.csv", *form(rows), encoding="gbk")

    response = await http.post("/import", files={"file": ("上传.csv", path.read_bytes(), "text/csv")})

    assert response.status_code == 200, response.text
    assert response.json() == report("上传.csv", households=1, rows=3, created=1)
    [found] = await stored(driver, id_numbers(rows))
    assert as_found(found) == expected_household(rows)
    records, _, _ = await driver.execute_query(
        "MATCH (c:Change)-[:ABOUT]->(:Household {id: $id}) RETURN c.by AS by, c.file AS file, c.row AS row",
        id=found["id"],
    )
    assert [r.data() for r in records] == [{"by": "test-admin", "file": "上传.csv", "row": 2}]
    # The raw body works too, named by ?name=; a second time nothing changes.
    again = await http.post("/import", params={"name": "上传.csv"}, content=path.read_bytes())
    assert again.status_code == 200 and again.json() == report("上传.csv", households=1, rows=3, unchanged=1)


async def test_an_uploaded_files_name_is_kept_without_control_characters(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    rows = family(marker())
    path = write_csv(tmp_path / "名.csv", *form(rows))
    named = "\x07evil\n\x1b[31mred" + "a" * 300 + ".csv"
    response = await http.post("/import", params={"name": named}, content=path.read_bytes())
    assert response.status_code == 200, response.text
    [found] = await stored(driver, id_numbers(rows))
    records, _, _ = await driver.execute_query(
        "MATCH (c:Change)-[:ABOUT]->(:Household {id: $id}) RETURN c.file AS file", id=found["id"]
    )
    assert [r["file"] for r in records] == [("evil[31mred" + "a" * 300)[:200]]


async def test_upload_with_bad_rows_is_422_with_the_report_and_partial_is_a_parameter(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    member, held = await seeded_member(driver)
    path, good, _, errors = bad_file(tmp_path, member)
    errors[1]["message"] = errors[1]["message"].format(seeded=held)
    before = await counts(driver)
    files = {"file": ("有错.csv", path.read_bytes(), "text/csv")}

    refused = await http.post("/import", files=files)
    assert refused.status_code == 422
    assert refused.json() == report("有错.csv", households=5, rows=13, skipped=5, errors=errors)
    assert await counts(driver) == before

    partial = await http.post("/import", params={"partial": "true"}, files=files)
    assert partial.status_code == 422
    assert partial.json() == report(
        "有错.csv", partial=True, households=5, rows=13, created=2, skipped=3, errors=errors
    )
    assert len(await stored(driver, id_numbers(*good))) == 2


async def test_upload_of_something_else_is_a_clear_error(http: httpx.AsyncClient) -> None:
    garbage = await http.post("/import", files={"file": ("x.csv", b"\x00\x81\xff" * 100, "text/csv")})
    assert garbage.status_code == 400
    assert garbage.json() == {
        "errors": [
            {
                "message": "the file is neither CSV in UTF-8 or GBK/GB18030, nor an XLSX workbook",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    empty = await http.post("/import", content=b"")
    assert empty.status_code == 400 and empty.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    damaged = await http.post("/import", files={"file": ("x.xlsx", b"PK\x03\x04" + b"\x00" * 100, "application/zip")})
    assert damaged.status_code == 400 and damaged.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [(Role.ANONYMOUS, 401, "UNAUTHENTICATED"), (Role.CADRE, 403, "FORBIDDEN"), (Role.ANALYST, 403, "FORBIDDEN")],
)
async def test_upload_is_refused_to_anyone_but_an_admin(
    server: str, driver: AsyncDriver, tmp_path: Path, role: Role, status: int, code: str
) -> None:
    rows = family(marker())
    path = write_csv(tmp_path / "refused.csv", *form(rows))
    headers = {} if role is Role.ANONYMOUS else bearer(mint_token(role, villages=[VILLAGE]))
    async with httpx.AsyncClient(base_url=server, timeout=30, headers=headers) as client:
        response = await client.post("/import", files={"file": ("refused.csv", path.read_bytes(), "text/csv")})
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert await stored(driver, id_numbers(rows)) == []


# --- the CLI --------------------------------------------------------------------------------------


def cli(neo4j_uri: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": neo4j_uri, "DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


async def test_cli_exit_codes_reports_and_progress(neo4j_uri: str, driver: AsyncDriver, tmp_path: Path) -> None:
    member, held = await seeded_member(driver)
    path, good, _, errors = bad_file(tmp_path, member)
    errors[1]["message"] = errors[1]["message"].format(seeded=held)

    refused = cli(neo4j_uri, tmp_path, "import", str(path))
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.splitlines() == [
        "有错.csv: 5 households in 13 rows; 0 created, 0 updated, 0 unchanged, 5 skipped (nothing written)",
        *(f"  row {e['row']}, {e['column']}: {e['message']}" for e in errors),
    ]
    assert await stored(driver, id_numbers(*good)) == []

    partial = cli(neo4j_uri, tmp_path, "import", str(path), "--partial", "--json")
    assert partial.returncode == 1
    assert json.loads(partial.stdout) == report(
        "有错.csv", partial=True, households=5, rows=13, created=2, skipped=3, errors=errors
    )
    assert "checked" in partial.stderr and "households" in partial.stderr  # the progress bars
    assert len(await stored(driver, id_numbers(*good))) == 2

    rows = family(marker())
    fine = cli(neo4j_uri, tmp_path, "import", str(write_csv(tmp_path / "好.csv", *form(rows))))
    assert fine.returncode == 0, fine.stderr
    assert fine.stdout == "好.csv: 1 households in 3 rows; 1 created, 0 updated, 0 unchanged, 0 skipped (written)\n"

    missing = cli(neo4j_uri, tmp_path, "import", str(tmp_path / "nowhere.csv"))
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == f"yimaqing: no such file: {tmp_path / 'nowhere.csv'}\n"
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x81\xff" * 100)
    unreadable = cli(neo4j_uri, tmp_path, "import", str(garbage))
    assert unreadable.returncode == 2
    assert unreadable.stderr.endswith(
        "yimaqing: the file is neither CSV in UTF-8 or GBK/GB18030, nor an XLSX workbook\n"
    )


async def test_the_template_imports_as_an_empty_form(neo4j_uri: str, tmp_path: Path) -> None:
    for name in ("模板.csv", "模板.xlsx"):
        written = cli(neo4j_uri, tmp_path, "export", "--template", "--output", str(tmp_path / name))
        assert written.returncode == 0, written.stderr
        imported = cli(neo4j_uri, tmp_path, "import", str(tmp_path / name), "--json")
        assert imported.returncode == 0, imported.stderr
        assert json.loads(imported.stdout) == report(name)


DEREGISTER = """
mutation($id: ID!) { deregisterHousehold(id: $id, reason: "合户") { id } }"""


async def test_a_deregistered_household_is_not_imported_again_but_its_people_may_join_another(
    demo_county: Graph, driver: AsyncDriver, gql: GraphQLPost, tmp_path: Path
) -> None:
    rows = family(marker())
    await import_file(demo_county, write_csv(tmp_path / "原户.csv", *form(rows)))
    [was] = await stored(driver, id_numbers(rows))
    data_of(await gql(DEREGISTER, {"id": was["id"]}))
    numbered = [{**row, "户编号": was["id"]} for row in rows]
    before = await counts(driver)

    refused = await import_file(demo_county, write_csv(tmp_path / "注销户.csv", *form(numbered)))

    assert refused.as_dict() == report(
        "注销户.csv",
        households=1,
        rows=3,
        skipped=1,
        errors=[{"row": 2, "column": "户编号", "message": f"household {was['id']} was deregistered"}],
    )
    assert await counts(driver) == before
    # Without the number, the same people make a new household; the deregistered one keeps them in its record.
    joined = await import_file(demo_county, write_csv(tmp_path / "新户.csv", *form(rows)))
    assert joined.as_dict() == report("新户.csv", households=1, rows=3, created=1)
    [now] = await stored(driver, id_numbers(rows))
    assert now["id"] != was["id"] and as_found(now) == expected_household(rows)
    records, _, _ = await driver.execute_query(
        "MATCH (p:Person)-[:MEMBER_OF]->(:DeregisteredHousehold {id: $id}) RETURN count(p) AS n", id=was["id"]
    )
    assert records[0]["n"] == 3 and (await counts(driver))["persons"] == before["persons"]


# --- what a new user's trial found ------------------------------------------------------------------


async def test_upload_of_an_xlsx_as_admin_is_read_as_a_workbook(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    rows = family(marker())
    path = write_xlsx(tmp_path / "登记表.xlsx", *form(rows))

    response = await http.post(
        "/import", params={"partial": "true"}, files={"file": ("登记表.xlsx", path.read_bytes())}
    )

    assert response.status_code == 200, response.text
    assert response.json() == report("登记表.xlsx", partial=True, households=1, rows=3, created=1)
    [found] = await stored(driver, id_numbers(rows))
    assert as_found(found) == expected_household(rows)
    # The raw body, named without a suffix: the content tells the workbook.
    again = await http.post("/import", params={"name": "upload"}, content=path.read_bytes())
    assert again.status_code == 200 and again.json() == report("upload", households=1, rows=3, unchanged=1)


PLACES = """
RETURN COUNT { (:County) } AS counties, COUNT { (:Township) } AS townships, COUNT { (:Village) } AS villages"""


async def test_places_the_database_does_not_hold_are_row_errors(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    beijing = {"省": "北京市", "市": "北京市", "县": "东城区", "乡镇": "东华门街道", "行政村": "多福巷社区"}
    outside = household(person(marker(), "户主"), place={**beijing, "行政村代码": "110101001001"})
    mistyped = household(person(marker(), "户主"), place={**PLACE, "行政村代码": "141130100299"})
    other_province = household(person(marker(), "户主"), place={**PLACE, "省": "北京市"})
    path = write_csv(tmp_path / "地方.csv", *form(outside, mistyped, other_province))
    before, places = await counts(driver), await driver.execute_query(PLACES)

    answer = await import_file(demo_county, path, partial=True)

    assert [e.as_dict() for e in answer.errors] == [
        {"row": 2, "column": "行政村代码", "message": "no village 110101001001 in 交口县"},
        {"row": 3, "column": "行政村代码", "message": "no village 141130100299 in 交口县"},
        {"row": 4, "column": "省", "message": "the database names it 山西省"},
    ]
    assert (answer.created, answer.skipped) == (0, 3)
    assert await counts(driver) == before
    assert (await driver.execute_query(PLACES)).records == places.records


def _control_and_length_cases() -> tuple[list[list[Row]], list[dict[str, Any]]]:
    control = household(person("甲\x01乙", "户主"))
    nul = household(person(marker(), "户主"), person("丙\x00丁", "配偶"))
    tab = household(person("甲\t乙", "户主"))
    long_name = household(person("长" * 51, "户主"))
    huge_name = household(person("长" * 100_000, "户主"))
    plan = household(person(marker(), "户主"), cells={"发展规划": "规" * 50_000})
    phone = household(person(marker(), "户主"), cells={"联系电话": "abc"})
    control_in_plan = household(person(marker(), "户主"), cells={"发展规划": "养牛\x0b养羊"})
    c1 = household(person("韩\x85九", "户主"))
    files = [control, nul, tab, long_name, huge_name, plan, phone, control_in_plan, c1]
    errors = [
        {"row": 2, "column": "姓名", "message": "holds the control character U+0001: type the text again without it"},
        {"row": 4, "column": "姓名", "message": "holds the control character U+0000: type the text again without it"},
        {"row": 5, "column": "姓名", "message": "holds the control character U+0009: type the text again without it"},
        {"row": 6, "column": "姓名", "message": "a name has at most 50 characters, this one has 51"},
        {"row": 7, "column": "姓名", "message": "a name has at most 50 characters, this one has 100000"},
        {"row": 8, "column": "发展规划", "message": "at most 1000 characters, this has 50000"},
        {
            "row": 9,
            "column": "联系电话",
            "message": "'abc' is not a mobile number (11 digits) or a landline with its area code",
        },
        {
            "row": 10,
            "column": "发展规划",
            "message": "holds the control character U+000B: type the text again without it",
        },
        {"row": 11, "column": "姓名", "message": "holds the control character U+0085: type the text again without it"},
    ]
    return files, errors


async def test_control_characters_and_overlong_text_are_row_errors(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path
) -> None:
    files, errors = _control_and_length_cases()
    path = write_csv(tmp_path / "字符.csv", *form(*files))
    before = await counts(driver)

    answer = await import_file(demo_county, path)

    assert answer.as_dict() == report("字符.csv", households=9, rows=10, skipped=9, errors=errors)
    assert await counts(driver) == before
    # A development plan keeps its line breaks and tabs (the mutations allow them: an export imports back).
    rows = family(marker(), {"发展规划": "第一年养牛\n第二年\t养羊"})
    assert (await import_file(demo_county, write_csv(tmp_path / "规划.csv", *form(rows)))).created == 1
    [found] = await stored(driver, id_numbers(rows))
    assert found["props"]["developmentPlan"] == "第一年养牛\n第二年\t养羊"


async def test_an_export_of_a_registered_household_imports_as_no_change(
    demo_county: Graph, gql: GraphQLPost, driver: AsyncDriver, tmp_path: Path
) -> None:
    name = marker()
    registered = await register(
        gql, household_input(member(name, "户主"), member(name + "妻", "配偶", fresh_id(male=False)))
    )
    hid = data_of(registered)["registerHousehold"]["id"]
    path = write_csv(tmp_path / "登记.csv", form()[0], await exported(demo_county, name))
    before = await counts(driver)

    answer = await import_file(demo_county, path)

    assert answer.as_dict() == report("登记.csv", households=1, rows=2, unchanged=1)
    assert await counts(driver) == before
    records, _, _ = await driver.execute_query("MATCH (c:Change)-[:ABOUT]->(:Household {id: $id}) RETURN c", id=hid)
    assert len(records) == 1  # its registration only


async def test_new_places_allows_new_villages_of_the_county_only(
    demo_county: Graph, driver: AsyncDriver, tmp_path: Path, neo4j_uri: str
) -> None:
    beijing = {"省": "北京市", "市": "北京市", "县": "东城区", "乡镇": "东华门街道", "行政村": "多福巷社区"}
    outside = household(person(marker(), "户主"), place={**beijing, "行政村代码": "110101001001"})
    code = "1411301002" + f"{secrets.randbelow(49) + 50}"  # a new village of 水头镇
    new = household(person(marker(), "户主"), place={**PLACE, "乡镇": "水头镇", "行政村": "新村", "行政村代码": code})
    path = write_csv(tmp_path / "新村.csv", *form(outside, new))
    try:
        await _import_new_village(driver, tmp_path, neo4j_uri, path, code)
    finally:  # other tests count the county's villages
        await remove_village(driver, code)


# Everything an import into a new village made, derived data included.
REMOVE_VILLAGE = (
    "MATCH (:Village {code: $code})<-[:IN]-(h:Household) OPTIONAL MATCH (h)<-[:ABOUT]-(x:Change|Alert) DETACH DELETE x",
    "MATCH (:Village {code: $code})<-[:IN]-(h:Household) OPTIONAL MATCH (h)-[:EARNED]->(i:Income) DETACH DELETE i",
    "MATCH (:Village {code: $code})<-[:IN]-(h:Household) OPTIONAL MATCH (p:Person)-[:MEMBER_OF]->(h) DETACH DELETE p",
    "MATCH (v:Village {code: $code}) OPTIONAL MATCH (h:Household)-[:IN]->(v)"
    " OPTIONAL MATCH (q:QrCode)-[:IDENTIFIES]->(x) WHERE x = v OR x = h DETACH DELETE q, h, v",
    "MATCH (s:VillageStats|Alert) WHERE s.village = $code OR s.villageCode = $code DETACH DELETE s",
    "MATCH (s:Sequence {name: 'household:' + $code}) DELETE s",
)


async def remove_village(driver: AsyncDriver, code: str) -> None:
    for statement in REMOVE_VILLAGE:
        await driver.execute_query(statement, code=code)


async def _import_new_village(driver: AsyncDriver, tmp_path: Path, neo4j_uri: str, path: Path, code: str) -> None:
    answer = cli(neo4j_uri, tmp_path, "import", str(path), "--partial", "--new-places", "--json")

    assert json.loads(answer.stdout) == report(
        "新村.csv",
        partial=True,
        households=2,
        rows=2,
        created=1,
        skipped=1,
        errors=[{"row": 2, "column": "行政村代码", "message": "no village 110101001001 in 交口县"}],
    )
    records, _, _ = await driver.execute_query(
        "MATCH (:Household)-[:IN]->(v:Village {code: $code})-[:IN]->(t:Township)-[:IN]->(c:County)"
        " RETURN v.name AS village, t.name AS township, c.name AS county",
        code=code,
    )
    assert [r.data() for r in records] == [{"village": "新村", "township": "水头镇", "county": "交口县"}]
    assert (await driver.execute_query("MATCH (c:County) RETURN count(c) AS n")).records[0]["n"] == 1
