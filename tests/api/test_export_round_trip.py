"""Export → import round trips of the registration form. Two villages of the demo county are exported (one
as CSV, one as XLSX, over HTTP), imported into an empty Neo4j (a second local one, on its own
data folder and port, with a capped heap), and their households, members, incomes and places compared
with the county's, property by property. Importing an export back into the same database changes
nothing.

TEST_EMPTY_NEO4J_URI may name a running Neo4j to use as the empty one instead of starting it: it is
emptied first (everything in it is deleted)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver
from neo4j.time import Date

from api.registry_files import open_registry
from graph.access import Viewer
from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from graph.registry_import import ImportReport, import_registry

CSV_VILLAGE = "141130100201"  # 南庄村, 157 households
XLSX_VILLAGE = "141130101215"  # 新庄村 (another township), 159 households
VILLAGES = [CSV_VILLAGE, XLSX_VILLAGE]

# What the registration form carries, read independently of it: every property of the households of the
# villages, of their members (with the relation to the head), incomes and places, and their QR codes.
REGISTRY = """
MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)-[:IN]->(c:County)
WHERE v.code IN $villages
RETURN h.id AS id, labels(h) AS labels, properties(h) AS household,
       properties(v) AS village, properties(t) AS township, properties(c) AS county,
       COLLECT { MATCH (p:Person)-[m:MEMBER_OF]->(h)
                 RETURN [properties(p), m.relation, labels(p)] AS member ORDER BY p.idNumber } AS members,
       COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN properties(i) AS income ORDER BY i.year } AS incomes,
       COUNT { (:QrCode)-[:IDENTIFIES]->(h) } AS codes,
       COUNT { (:QrCode)-[:IDENTIFIES]->(v) } AS villageCodes
ORDER BY id"""

# Everything of the registry, whatever the villages: a no-op import leaves all of it alone.
COUNTS = """
RETURN COUNT { (:Household) } AS households, COUNT { (:Person) } AS people, COUNT { (:Income) } AS incomes,
       COUNT { ()-[:MEMBER_OF]->() } AS memberships, COUNT { (:Change) } AS changes,
       COUNT { (:Village) } AS villages, COUNT { (:QrCode) } AS codes"""


async def registry_of(driver: AsyncDriver, villages: list[str]) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(REGISTRY, villages=villages, routing_="r")
    return [_plain(dict(record)) for record in records]


def fingerprint(registry: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(registry, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Date):
        return value.iso_format()
    return value


@pytest.fixture(scope="module")
async def empty_neo4j(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncDriver]:
    """A second Neo4j with nothing in it but the constraints (Community edition has one user database)."""
    uri = os.environ.get("TEST_EMPTY_NEO4J_URI")
    local = None
    if uri is None:
        local = LocalNeo4j(
            data_dir=tmp_path_factory.mktemp("empty-neo4j"), port=free_port(), heap_mb=768, pagecache_mb=64
        )
        uri = await local.start()
    driver = open_driver(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD"))
    try:
        if local is None:
            await driver.execute_query("MATCH (n) DETACH DELETE n")
        await migrate(driver)
        yield driver
    finally:
        await driver.close()
        if local is not None:
            await asyncio.to_thread(local.stop)


async def export(http: httpx.AsyncClient, village: str, output: Path) -> None:
    """The village's registration form as the file's suffix says (.csv or .xlsx), streamed to disk."""
    path, params = f"/export/registry{output.suffix}", {"filter": json.dumps({"villageCode": village})}
    async with http.stream("GET", path, params=params) as response:
        assert response.status_code == 200
        with output.open("wb") as out:
            async for chunk in response.aiter_bytes():
                out.write(chunk)


async def import_file(driver: AsyncDriver, path: Path) -> ImportReport:
    return await import_registry(
        Graph(driver), open_registry(path), file_name=path.name, viewer=Viewer.system("test"), new_places=True
    )


async def test_an_export_imported_into_an_empty_database_gives_the_same_households(
    http: httpx.AsyncClient, driver: AsyncDriver, empty_neo4j: AsyncDriver, tmp_path: Path
) -> None:
    as_csv, as_xlsx = tmp_path / "南庄村.csv", tmp_path / "新庄村.xlsx"
    await asyncio.gather(export(http, CSV_VILLAGE, as_csv), export(http, XLSX_VILLAGE, as_xlsx))
    # The poverty lines the derived alerts and stats read; places come from the file itself.
    lines, _, _ = await driver.execute_query("MATCH (l:PovertyLine) RETURN properties(l) AS line")
    await empty_neo4j.execute_query(
        "UNWIND $lines AS line CREATE (l:PovertyLine) SET l = line", lines=[r["line"] for r in lines]
    )

    for path in (as_csv, as_xlsx):
        report = await import_file(empty_neo4j, path)
        assert report.ok, report.errors[:5]
        assert report.created == report.households and report.updated == report.unchanged == 0

    original = await registry_of(driver, VILLAGES)
    imported = await registry_of(empty_neo4j, VILLAGES)
    assert len(original) == 157 + 159
    assert sum(len(h["members"]) for h in imported) == sum(len(h["members"]) for h in original) > 316
    for before, after in zip(original, imported, strict=True):
        assert after == before, before["id"]
    assert fingerprint(imported) == fingerprint(original)
    # Nothing but those households and their people came in.
    counts, _, _ = await empty_neo4j.execute_query(COUNTS)
    assert counts[0]["households"] == len(original)
    assert counts[0]["people"] == counts[0]["memberships"] == sum(len(h["members"]) for h in original)
    assert counts[0]["villages"] == 2


@pytest.mark.mutates  # nothing may change, but it goes through the import's writes
async def test_an_export_imported_into_the_same_database_changes_nothing(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    path = tmp_path / "南庄村.csv"
    await export(http, CSV_VILLAGE, path)
    before, counted = await registry_of(driver, [CSV_VILLAGE]), await driver.execute_query(COUNTS)
    report = await import_file(driver, path)
    assert report.ok, report.errors[:5]
    assert (report.households, report.unchanged, report.created, report.updated) == (157, 157, 0, 0)
    assert await registry_of(driver, [CSV_VILLAGE]) == before
    assert (await driver.execute_query(COUNTS)).records == counted.records  # no Change recorded either
