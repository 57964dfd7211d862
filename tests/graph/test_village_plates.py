"""What a village's plates print (graph/plates.py), against households written for the test and rolled back."""

from __future__ import annotations

import pytest
from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.driver import Graph
from graph.plates import HelperOnPlate, VillagePlatesRecord, village_plates

VILLAGE = """
MATCH (h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)-[:IN]->(c:County)
WITH v, t, c, count(h) AS households ORDER BY households, v.code LIMIT 1
RETURN v.code AS code, v.name AS name, t.name AS township, c.name AS county, households"""

# Three households of unusual kinds: an id of another form, a code retired and none current, and two
# current helpers beside a past one.
ODD_HOUSEHOLDS = """
MATCH (v:Village {code: $village})
CREATE (odd:Household {id: 'test-plates-odd'})-[:IN]->(v)
CREATE (:QrCode {token: 'test-plates-odd', createdAt: datetime()})-[:IDENTIFIES]->(odd)
CREATE (retired:Household {id: 'H' + $village + '99998'})-[:IN]->(v)
CREATE (:QrCode {token: 'test-plates-retired', createdAt: datetime(), revokedAt: datetime()})-[:IDENTIFIES]->(retired)
CREATE (helped:Household {id: 'H' + $village + '99999'})-[:IN]->(v)
CREATE (:QrCode {token: 'test-plates-helped', createdAt: datetime()})-[:IDENTIFIES]->(helped)
CREATE (:Cadre {id: 'test-plates-c2', role: 'HELPER', unit: '县农业农村局'})-[:HELPS {since: date('2020-01-01')}]->(helped)
CREATE (:Cadre {id: 'test-plates-c1', role: 'FIRST_SECRETARY'})-[:HELPS {since: date('2019-01-01')}]->(helped)
CREATE (:Cadre {id: 'test-plates-c0', role: 'HELPER', unit: '已调离单位'})
       -[:HELPS {since: date('2016-01-01'), until: date('2018-12-31')}]->(helped)"""


class Rollback(Exception):
    """Raised inside the unit of work so that what it wrote is never committed."""

    def __init__(self, found: VillagePlatesRecord | None) -> None:
        self.found = found


async def test_plates_of_a_village(driver: AsyncDriver, demo_county: Graph) -> None:
    village = (await driver.execute_query(VILLAGE)).records[0]
    sheet = await demo_county.read(village_plates, village["code"])
    assert sheet is not None
    assert (sheet.code, sheet.village, sheet.township, sheet.county) == (
        village["code"],
        village["name"],
        village["township"],
        village["county"],
    )
    assert len(sheet.plates) == village["households"] and sheet.without_code == 0
    ids = [plate.household_id for plate in sheet.plates]
    assert ids == sorted(ids)
    assert [plate.number for plate in sheet.plates] == [int(i[-5:]) for i in ids]
    assert await demo_county.read(village_plates, "141130999999") is None

    async def work(tx: AsyncManagedTransaction) -> None:
        await (await tx.run(ODD_HOUSEHOLDS, village=village["code"])).consume()
        raise Rollback(await village_plates(tx, village["code"]))

    async with driver.session() as session:
        with pytest.raises(Rollback) as raised:
            await session.execute_write(work)
    found = raised.value.found
    assert found is not None
    by_id = {plate.household_id: plate for plate in found.plates}
    assert len(found.plates) == village["households"] + 2 and found.without_code == 1
    assert by_id["test-plates-odd"].number is None  # not the form the number is read from
    assert f"H{village['code']}99998" not in by_id  # its only code is retired: no plate
    helped = by_id[f"H{village['code']}99999"]
    assert (helped.number, helped.token) == (99999, "test-plates-helped")
    assert helped.helpers == (HelperOnPlate("FIRST_SECRETARY", None), HelperOnPlate("HELPER", "县农业农村局"))
    # Rolled back: the county is as seeded.
    assert await demo_county.read(village_plates, village["code"]) == sheet
