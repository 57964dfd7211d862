"""The bulk first load (graph/bulk_import.py): a village of the demo county exported over HTTP, loaded with
neo4j-admin's offline importer into a fresh local Neo4j (its own data folder and port, a capped heap), and
its households, members, incomes, places and QR codes compared with the county's, property by property.
A second bulk import into that store, which now holds a county, is refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from neo4j import AsyncDriver

from api.registry_files import open_registry
from graph.bulk_import import BulkImportError, bulk_import
from graph.driver import open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from tests.api.test_export_round_trip import CSV_VILLAGE, export, fingerprint, registry_of

COUNTS = """
RETURN COUNT { (:Household) } AS households, COUNT { (:Person) } AS people, COUNT { (:Income) } AS incomes,
       COUNT { ()-[:MEMBER_OF]->() } AS memberships, COUNT { ()-[:EARNED]->() } AS earned,
       COUNT { (:Village) } AS villages, COUNT { (:Township) } AS townships, COUNT { (:County) } AS counties,
       COUNT { (:QrCode)-[:IDENTIFIES]->() } AS codes, COUNT { (h:Household) WHERE h.bulkEmptyCauses IS NOT NULL } AS markers,
       COUNT { (s:Sequence) } AS sequences,
       COUNT { (:Migration) } AS migrations"""


async def test_a_bulk_loaded_export_gives_the_same_households(
    http: httpx.AsyncClient, driver: AsyncDriver, tmp_path: Path
) -> None:
    path = tmp_path / "南庄村.csv"
    await export(http, CSV_VILLAGE, path)
    local = LocalNeo4j(data_dir=tmp_path / "bulk-neo4j", port=free_port(), heap_mb=768, pagecache_mb=64)
    report = await bulk_import(local, open_registry(path), file_name=path.name, importer_heap_mb=512)
    assert report.ok, report.errors[:5]
    original = await registry_of(driver, [CSV_VILLAGE])
    assert report.households == len(original) == 157
    assert report.members == sum(len(h["members"]) for h in original)

    async with local:
        loaded = open_driver(local.uri)
        try:
            imported = await registry_of(loaded, [CSV_VILLAGE])
            counts = (await loaded.execute_query(COUNTS)).records[0]
            stats = (await loaded.execute_query("MATCH (s:VillageStats) RETURN count(s) AS n")).records[0]["n"]
            constraints = (await loaded.execute_query("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")).records
        finally:
            await loaded.close()
    for before, after in zip(original, imported, strict=True):
        assert after == before, before["id"]
    assert fingerprint(imported) == fingerprint(original)
    people = sum(len(h["members"]) for h in original)
    incomes = sum(len(h["incomes"]) for h in original)
    assert (counts["households"], counts["people"], counts["memberships"]) == (157, people, people)
    assert counts["incomes"] == counts["earned"] == incomes > 0
    assert (counts["villages"], counts["townships"], counts["counties"]) == (1, 1, 1)
    assert counts["codes"] == 157 + 3 and counts["markers"] == 0 and counts["sequences"] == 1
    assert counts["migrations"] == 1 and constraints[0]["n"] > 0
    assert stats > 0  # the derived village stats were rebuilt

    # The store holds a county now: a bulk import would overwrite it, so it is refused.
    with pytest.raises(BulkImportError, match="not empty"):
        await bulk_import(local, open_registry(path), file_name=path.name)
    assert local.running_uri() is None
