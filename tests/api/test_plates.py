"""Door plates: a village's PDF over real HTTP, every page rendered (pypdfium2) and every QR code decoded
(zxing-cpp) back to its household, checked against raw Cypher and through `scan`; what the plates print and
what they must not; who may download them; `yimaqing plates`."""

from __future__ import annotations

import asyncio
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp
from neo4j import AsyncDriver
from PIL import Image

from api.plate_pdf import render_plates
from graph.access import Role
from graph.plates import HelperOnPlate, PlateRecord, VillagePlatesRecord
from tests.conftest import GraphQLPost
from tests.helpers import bearer, data_of, mint_token

# A module is about 1 mm on paper: scale 2 (144 dpi) gives about 5.7 pixels per module, decoded reliably.
SCALE = 2
UNKNOWN_VILLAGE = "141130999999"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

SMALLEST_VILLAGE = """
MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
WITH v, t, count(h) AS households ORDER BY households, v.code LIMIT 1
RETURN v.code AS code, v.name AS name, t.code AS township, households"""

ANOTHER_TOWNSHIP = """
MATCH (v:Village)-[:IN]->(t:Township) WHERE t.code <> $township
RETURN v.code AS village, t.code AS township ORDER BY v.code LIMIT 1"""

# The village's current codes, with each household's id and its current helpers' units.
CURRENT_CODES = """
MATCH (q:QrCode)-[:IDENTIFIES]->(h:Household)-[:IN]->(:Village {code: $code})
WHERE q.revokedAt IS NULL
OPTIONAL MATCH (c:Cadre)-[r:HELPS]->(h) WHERE r.until IS NULL
RETURN q.token AS token, h.id AS household, collect(c.unit) AS units"""

# Everything personal about the village's households, their members and their cadres.
PERSONAL = """
MATCH (h:Household)-[:IN]->(:Village {code: $code})
OPTIONAL MATCH (p:Person)-[:MEMBER_OF]->(h)
OPTIONAL MATCH (c:Cadre)-[:HELPS]->(h)
WITH collect(h.headName) + collect(h.phone) + collect(h.bankAccount) + collect(p.name) + collect(p.idNumber)
     + collect(p.phone) + collect(p.disabilityCertificate) + collect(c.name) + collect(c.phone) AS values
UNWIND values AS value
RETURN collect(DISTINCT value) AS values"""

SCAN = """query($token: String!) { scan(token: $token) {
  __typename ... on Household { id village { code name } } } }"""

NUMBER = re.compile(r"第\s*(\d+)\s*户")


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township: str
    households: int


@dataclass(frozen=True)
class DecodedPlate:
    text: str  # the decoded QR payload
    page: int
    printed: str  # the text printed on the plate the code sits on
    quiet_zone: bool  # four modules all round the symbol are white


@pytest.fixture(scope="module")
async def village(driver: AsyncDriver, demo_county: object) -> Village:
    """The smallest village: a whole village decoded, kept fast."""
    record = (await driver.execute_query(SMALLEST_VILLAGE)).records[0]
    return Village(record["code"], record["name"], record["township"], record["households"])


@pytest.fixture(scope="module")
async def current_codes(driver: AsyncDriver, village: Village) -> dict[str, tuple[str, list[str]]]:
    """token -> (household id, its current helpers' units), from raw Cypher."""
    records = (await driver.execute_query(CURRENT_CODES, code=village.code)).records
    return {r["token"]: (r["household"], list(r["units"])) for r in records}


@pytest.fixture(scope="module")
async def admin_pdf(http: httpx.AsyncClient, village: Village) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await http.get(f"/plates/{village.code}.pdf")
    return response, time.perf_counter() - started


def decode_plates(content: bytes) -> list[DecodedPlate]:
    """Every QR code on every page, with the text of the plate (a sixth of the page) it sits on."""
    document = pypdfium2.PdfDocument(content)
    found: list[DecodedPlate] = []
    try:
        for number in range(len(document)):
            page = document[number]
            width_pt, height_pt = page.get_size()
            image = page.render(scale=SCALE, grayscale=True).to_pil()
            text_page = page.get_textpage()
            for barcode in zxingcpp.read_barcodes(image, formats=QR_ONLY):
                corners = barcode.position
                points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
                x = sum(p.x for p in points) / 4 / image.width
                y = sum(p.y for p in points) / 4 / image.height
                symbol = (
                    min(p.x for p in points),
                    min(p.y for p in points),
                    max(p.x for p in points) + 1,
                    max(p.y for p in points) + 1,
                )
                module = (symbol[2] - symbol[0]) / barcode.to_image(add_quiet_zones=False).shape[1]
                column, row = int(x * 2), int(y * 3)
                # PDF coordinates grow upwards from the bottom left.
                printed = text_page.get_text_bounded(
                    left=column * width_pt / 2,
                    bottom=height_pt - (row + 1) * height_pt / 3,
                    right=(column + 1) * width_pt / 2,
                    top=height_pt - row * height_pt / 3,
                )
                found.append(DecodedPlate(barcode.text, number, printed, _quiet_zone(image, symbol, module)))
    finally:
        document.close()
    return found


def _quiet_zone(image: Image.Image, symbol: tuple[int, int, int, int], module: float) -> bool:
    """Whether the ring from 3/4 of a module to 3 3/4 modules around the symbol is white (the corners the
    decoder reports may be off by a fraction of a module)."""
    left, top, right, bottom = symbol
    inner, outer = 0.75 * module, 3.75 * module
    strips = (
        (left - outer, top - outer, right + outer, top - inner),
        (left - outer, bottom + inner, right + outer, bottom + outer),
        (left - outer, top - outer, left - inner, bottom + outer),
        (right + inner, top - outer, right + outer, bottom + outer),
    )
    # Grayscale: every pixel light (anti-aliasing at the edges of the symbol stays within the inner 3/4).
    for strip in strips:
        darkest, _ = image.crop(strip).getextrema()
        if not isinstance(darkest, int) or darkest < 192:
            return False
    return True


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def page_count(content: bytes) -> int:
    document = pypdfium2.PdfDocument(content)
    try:
        return len(document)
    finally:
        document.close()


def error_code(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_every_plate_decodes_to_its_household(
    admin_pdf: tuple[httpx.Response, float],
    village: Village,
    current_codes: dict[str, tuple[str, list[str]]],
    server: str,
    gql: GraphQLPost,
) -> None:
    response, download_s = admin_pdf
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    started = time.perf_counter()
    plates = decode_plates(response.content)
    decode_s = time.perf_counter() - started
    print(
        f"\nplates of {village.code} ({len(plates)}): download {download_s:.1f} s, render and decode {decode_s:.1f} s"
    )

    # Every household with a current code has exactly one plate, and nothing else is on the sheet.
    assert len(current_codes) == village.households  # the seeded county: every household has a code
    decoded = [plate.text for plate in plates]
    assert len(decoded) == len(set(decoded)) == len(current_codes)
    assert set(decoded) == {f"{server}/q/{token}" for token in current_codes}
    assert page_count(response.content) == math.ceil(len(current_codes) / 6)
    assert all(plate.quiet_zone for plate in plates)

    # Each plate prints its own household's number, the village and its helpers' units beside its code.
    for plate in plates:
        household, units = current_codes[plate.text.rsplit("/q/", 1)[1]]
        assert household.startswith(f"H{village.code}") and len(household) == 18
        assert [int(n) for n in NUMBER.findall(plate.printed)] == [int(household[-5:])], plate
        assert village.name in plate.printed
        for unit in units:
            assert unit in plate.printed, (unit, plate)

    # A sample of the decoded URLs, scanned as the scan page would.
    for plate in plates[:: max(1, len(plates) // 10)][:10]:
        token = plate.text.rsplit("/q/", 1)[1]
        scanned = data_of(await gql(SCAN, {"token": token}))["scan"]
        assert scanned == {
            "__typename": "Household",
            "id": current_codes[token][0],
            "village": {"code": village.code, "name": village.name},
        }


async def test_plates_print_nothing_personal(
    admin_pdf: tuple[httpx.Response, float],
    village: Village,
    current_codes: dict[str, tuple[str, list[str]]],
    driver: AsyncDriver,
) -> None:
    response, _ = admin_pdf
    text = pdf_text(response.content)
    assert village.name in text
    assert {int(n) for n in NUMBER.findall(text)} == {int(household[-5:]) for household, _ in current_codes.values()}
    units = {unit for _, household_units in current_codes.values() for unit in household_units}
    assert units and all(unit in text for unit in units)
    personal = (await driver.execute_query(PERSONAL, code=village.code)).records[0]["values"]
    assert len(personal) > village.households  # names, ID numbers, phones, accounts were read
    printed = [value for value in personal if str(value) in text]
    assert printed == []
    # Nor the tokens as text: a plate is read by scanning it.
    assert not any(token in text for token in current_codes)


async def test_download_headers(admin_pdf: tuple[httpx.Response, float], village: Village) -> None:
    response, _ = admin_pdf
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="plates-{village.code}.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(village.name + '一码清门牌.pdf', safe='')}" in disposition
    assert disposition.isascii()


async def test_who_may_download_plates(
    http: httpx.AsyncClient, anonymous_http: httpx.AsyncClient, village: Village, driver: AsyncDriver
) -> None:
    path = f"/plates/{village.code}.pdf"

    def as_role(role: Role, villages: tuple[str, ...] = (), townships: tuple[str, ...] = ()) -> dict[str, str]:
        return bearer(mint_token(role, villages, townships))

    anonymous = await anonymous_http.get(path)
    assert (anonymous.status_code, error_code(anonymous)) == (401, "UNAUTHENTICATED")
    malformed_anonymous = await anonymous_http.get("/plates/abc.pdf")
    assert malformed_anonymous.status_code == 401

    analyst = await http.get(path, headers=as_role(Role.ANALYST))
    assert (analyst.status_code, error_code(analyst)) == (403, "FORBIDDEN")
    elsewhere = (await driver.execute_query(ANOTHER_TOWNSHIP, township=village.township)).records[0]
    outsider = await http.get(path, headers=as_role(Role.CADRE, (elsewhere["village"],), (elsewhere["township"],)))
    assert (outsider.status_code, error_code(outsider)) == (403, "FORBIDDEN")
    assert outsider.headers["content-type"] == "application/json"

    for code in ("14113010020", "1411301002000", "14113010020x", quote("南庄村")):
        malformed = await http.get(f"/plates/{code}.pdf")
        assert (malformed.status_code, error_code(malformed)) == (400, "BAD_USER_INPUT"), code
    unknown = await http.get(f"/plates/{UNKNOWN_VILLAGE}.pdf")
    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")
    assert UNKNOWN_VILLAGE in unknown.json()["errors"][0]["message"]
    unknown_in_scope = await http.get(f"/plates/{UNKNOWN_VILLAGE}.pdf", headers=as_role(Role.CADRE, (UNKNOWN_VILLAGE,)))
    assert unknown_in_scope.status_code == 404

    # A cadre of the village, or of its whole township, prints its plates (both at once: the server renders
    # one sheet at a time, the other waits its turn).
    of_village, of_township = await asyncio.gather(
        http.get(path, headers=as_role(Role.CADRE, (village.code,))),
        http.get(path, headers=as_role(Role.CADRE, townships=(village.township,))),
    )
    for cadre in (of_village, of_township):
        assert cadre.status_code == 200, cadre.text
        assert cadre.headers["cache-control"] == "no-store"
        assert page_count(cadre.content) == math.ceil(village.households / 6)


def _cli(args: list[str], neo4j_uri: str, workdir: Path, public_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": neo4j_uri, "PUBLIC_URL": public_url, "DATA_DIR": str(workdir / "data")}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "plates", *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_writes_the_plates(
    neo4j_uri: str, village: Village, current_codes: dict[str, tuple[str, list[str]]], tmp_path: Path
) -> None:
    public_url = "https://ymq.example.cn"
    output = tmp_path / "out" / "plates.pdf"
    output.parent.mkdir()
    done = _cli(["--village", village.code, "--output", str(output)], neo4j_uri, tmp_path, public_url)
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(current_codes)} plates to {output}" in done.stdout
    content = output.read_bytes()
    assert page_count(content) == math.ceil(len(current_codes) / 6)
    # The codes open PUBLIC_URL: the first page's six are the village's first six households.
    first_page = [plate.text for plate in decode_plates(content) if plate.page == 0]
    by_household = sorted(current_codes.items(), key=lambda item: item[1][0])
    assert sorted(first_page) == sorted(f"{public_url}/q/{token}" for token, _ in by_household[:6])

    unknown = _cli(["--village", UNKNOWN_VILLAGE], neo4j_uri, tmp_path, public_url)
    assert unknown.returncode != 0
    assert UNKNOWN_VILLAGE in unknown.stderr and "Traceback" not in unknown.stderr
    assert list(tmp_path.glob("*.pdf")) == []  # no file written for it

    nowhere = tmp_path / "missing-folder" / "plates.pdf"
    unwritable = _cli(["--village", village.code, "--output", str(nowhere)], neo4j_uri, tmp_path, public_url)
    assert unwritable.returncode == 2 and "Traceback" not in unwritable.stderr
    assert f"cannot write {nowhere}" in unwritable.stderr


def test_render_without_plates_and_long_lines() -> None:
    """A long unit shrinks to fit and is printed whole; one too long for the smallest size is cut short
    (…) inside its plate; a household's number is left out when its id carries none; a UTF-8 URL
    round-trips; a village without codes gets a page that says so."""
    long_unit = "山西省吕梁市交口县人民政府办公室驻回龙镇南故乡村工作队"
    sheet = VillagePlatesRecord(
        code="141130100200",
        county="交口县",
        township="回龙镇",
        village="南故乡村",
        plates=(
            PlateRecord("H14113010020000001", 1, "tok-1", (HelperOnPlate("FIRST_SECRETARY", long_unit),)),
            PlateRecord("X-imported", None, "tok-2", (HelperOnPlate("HELPER", long_unit * 3),)),
        ),
        without_code=1,
    )
    content = render_plates(sheet, "https://一码清.交口县.cn")
    lines = pdf_text(content).replace("\r", "").split("\n")
    assert f"驻村第一书记：{long_unit}" in lines
    [cut] = [line for line in lines if line.startswith("帮扶责任人：")]
    assert cut.startswith("帮扶责任人：" + long_unit) and cut.endswith("…") and len(cut) < len(long_unit) * 3
    assert NUMBER.findall("\n".join(lines)) == ["1"]
    document = pypdfium2.PdfDocument(content)
    try:
        text_page = document[0].get_textpage()
        boxes = [text_page.get_charbox(i) for i in range(text_page.count_chars())]
    finally:
        document.close()
    # Every character lies on its plate: x within its column (105 mm = 297.6 pt), never past the page.
    assert all(left >= 0 and right <= 595.3 for left, _, right, _ in boxes)
    assert all((right <= 297.7) or (left >= 297.6) for left, _, right, _ in boxes)
    decoded = sorted(plate.text for plate in decode_plates(content))
    assert decoded == ["https://一码清.交口县.cn/q/tok-1", "https://一码清.交口县.cn/q/tok-2"]

    empty = render_plates(VillagePlatesRecord("141130100200", "交口县", "回龙镇", "南故乡村", (), 3), "http://x")
    assert page_count(empty) == 1
    assert "南故乡村：没有可打印的门牌" in pdf_text(empty)
    assert decode_plates(empty) == []
